/* SPDX-License-Identifier: MIT */
/*
 * Kernel random numbers from a per-thread pseudo-random generator. The
 * sequence is reproducible: seed it with KUNIT_SEED (decimal) in the
 * environment, or with kunit_random_seed().
 */
#ifndef KUNIT_SHIM_LINUX_RANDOM_H
#define KUNIT_SHIM_LINUX_RANDOM_H

#include <stddef.h>

#include <linux/types.h>

void kunit_random_seed(u64 seed);
u64 get_random_u64(void);
void get_random_bytes(void *buf, size_t len);

static inline u32 get_random_u32(void)
{
	return (u32)(get_random_u64() >> 32);
}

static inline u16 get_random_u16(void)
{
	return (u16)(get_random_u64() >> 48);
}

static inline u8 get_random_u8(void)
{
	return (u8)(get_random_u64() >> 56);
}

static inline unsigned long get_random_long(void)
{
	return (unsigned long)get_random_u64();
}

/* Uniform in [0, ceil); ceil must be non-zero. Multiply-shift, as the
 * kernel does, with rejection of the biased low part. */
static inline u32 get_random_u32_below(u32 ceil)
{
	u64 mult;
	u32 threshold = (u32)(-ceil) % ceil;

	do {
		mult = (u64)get_random_u32() * ceil;
	} while ((u32)mult < threshold);
	return (u32)(mult >> 32);
}

/* Uniform in [floor, ceil]. */
static inline u32 get_random_u32_inclusive(u32 floor, u32 ceil)
{
	u32 span = ceil - floor;

	if (span == (u32)~0u)
		return get_random_u32();
	return floor + get_random_u32_below(span + 1);
}

static inline u32 prandom_u32_max(u32 ceil)
{
	return ceil ? get_random_u32_below(ceil) : 0;
}

#endif
