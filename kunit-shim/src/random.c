// SPDX-License-Identifier: MIT
/*
 * The generator behind <linux/random.h>: splitmix64, one state per thread,
 * seeded from KUNIT_SEED or a fixed value so failures reproduce.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/random.h>

static _Thread_local u64 state;
static _Thread_local int seeded;

void kunit_random_seed(u64 seed)
{
	state = seed;
	seeded = 1;
}

static void seed_once(void)
{
	const char *env;

	if (seeded)
		return;
	env = getenv("KUNIT_SEED");
	kunit_random_seed(env ? strtoull(env, NULL, 10) : 0x5eed5eedULL);
}

u64 get_random_u64(void)
{
	u64 z;

	seed_once();
	state += 0x9e3779b97f4a7c15ULL;
	z = state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void get_random_bytes(void *buf, size_t len)
{
	unsigned char *out = buf;

	while (len > 0) {
		u64 word = get_random_u64();
		size_t n = len < sizeof(word) ? len : sizeof(word);

		memcpy(out, &word, n);
		out += n;
		len -= n;
	}
}
