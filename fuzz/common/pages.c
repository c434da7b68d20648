// SPDX-License-Identifier: MIT
#include "pages.h"

#include <pthread.h>
#include <stdint.h>

#include "checkers.h"
#include "fail.h"

/*
 * The pages handed out and not given back, so that a check can look at
 * every byte a pool holds: a dense list (the scan) and an open-addressing
 * table from a page's address to its place in the list (the free). Sized
 * for the most any input holds at once (zs_ops: 32 MiB of 4 KiB pages,
 * in two pools at most), with room for the table to stay sparse.
 */
#ifndef ZS_FUZZ_LIVE_MAX /* a test builds it small, to make collisions */
#define ZS_FUZZ_LIVE_MAX (1u << 15)
#endif
#define LIVE_MAX   ZS_FUZZ_LIVE_MAX
#define LIVE_SLOTS (LIVE_MAX * 2)
_Static_assert((LIVE_MAX & (LIVE_MAX - 1)) == 0, "a power of two");

struct live_page {
	uintptr_t addr;
	size_t size;
};

static struct {
	pthread_mutex_t lock;
	unsigned int n;
	struct live_page page[LIVE_MAX];
	unsigned int at[LIVE_SLOTS]; /* index in page[] + 1; 0: empty */
} live = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Fibonacci hashing: the product's high bits, which every bit of the
 * page number moves (64 KiB pages leave the low 4 of it 0). */
static unsigned int live_hash(uintptr_t addr)
{
	uint64_t x = (uint64_t)(addr >> 12) * 0x9e3779b97f4a7c15ull;

	return (unsigned int)(x >> 32) & (LIVE_SLOTS - 1);
}

/* The table slot of addr, or of the empty slot where it would go. */
static unsigned int live_find(uintptr_t addr)
{
	unsigned int h = live_hash(addr);

	while (live.at[h] && live.page[live.at[h] - 1].addr != addr)
		h = (h + 1) & (LIVE_SLOTS - 1);
	return h;
}

static void live_add(void *p, size_t size)
{
	unsigned int h;

	pthread_mutex_lock(&live.lock);
	h = live_find((uintptr_t)p);
	if (live.at[h])
		zs_fuzz_fail("page %p handed out twice", p);
	if (live.n == LIVE_MAX)
		zs_fuzz_fail("more than %u pages out at once", LIVE_MAX);
	live.page[live.n] = (struct live_page){(uintptr_t)p, size};
	live.at[h] = ++live.n;
	pthread_mutex_unlock(&live.lock);
}

/* Empty table slot h, moving back the entries whose probe passed it. */
static void live_unslot(unsigned int h)
{
	unsigned int j = h;

	live.at[h] = 0;
	for (;;) {
		unsigned int home;

		j = (j + 1) & (LIVE_SLOTS - 1);
		if (!live.at[j])
			return;
		home = live_hash(live.page[live.at[j] - 1].addr);
		/* j's entry stays unless h lies on its probe path home..j */
		if (((j - home) & (LIVE_SLOTS - 1)) <
		    ((j - h) & (LIVE_SLOTS - 1)))
			continue;
		live.at[h] = live.at[j];
		live.at[j] = 0;
		h = j;
	}
}

static void live_remove(void *p)
{
	unsigned int h, i;

	pthread_mutex_lock(&live.lock);
	h = live_find((uintptr_t)p);
	if (!live.at[h])
		zs_fuzz_fail("free_page(%p): not handed out", p);
	i = live.at[h] - 1;
	live_unslot(h);
	if (i != --live.n) { /* the last entry takes the freed place */
		live.page[i] = live.page[live.n];
		live.at[live_find(live.page[i].addr)] = i + 1;
	}
	pthread_mutex_unlock(&live.lock);
}

unsigned int zs_fuzz_pages_out(void)
{
	unsigned int n;

	pthread_mutex_lock(&live.lock);
	n = live.n;
	pthread_mutex_unlock(&live.lock);
	return n;
}

#ifdef ZS_FUZZ_ASAN
bool zs_fuzz_pages_check_is_real(void)
{
	return true;
}

typedef uint64_t __attribute__((may_alias)) shadow_word;

/*
 * Is every byte of the page closed? ASan's poison values all have the top
 * bit set, and an open granule's value (0, or 1..7 bytes open) has it
 * clear: so the AND of all of them, 8 at a time, keeps every top bit set
 * exactly when none is open. No early exit, so the loop vectorises: this
 * runs at every check over every page out (it was 30% of zs_ops' time as
 * a byte loop). Instrumented code may not load the shadow.
 */
__attribute__((no_sanitize("address", "undefined"))) static bool
all_closed(const signed char *shadow, size_t n)
{
	const shadow_word *w = (const shadow_word *)shadow;
	uint64_t all = ~(uint64_t)0;

	for (size_t i = 0; i < n / 8; i++)
		all &= w[i];
	return (all & 0x8080808080808080ull) == 0x8080808080808080ull;
}

/* Where the first open byte is (a failure only): its granule's offset. */
__attribute__((no_sanitize("address", "undefined"))) static size_t
first_open(const signed char *shadow, size_t n)
{
	size_t g = 0;

	while (g < n && shadow[g] < 0)
		g++;
	return g << 3;
}

void zs_fuzz_pages_check_closed(const char *when)
{
	size_t scale, offset;

	/* one shadow byte per 8-byte granule, which the word test assumes */
	__asan_get_shadow_mapping(&scale, &offset);
	if (scale != 3)
		zs_fuzz_fail("ASan's shadow scale is %zu, not 3", scale);
	pthread_mutex_lock(&live.lock);
	for (unsigned int i = 0; i < live.n; i++) {
		const struct live_page *pg = &live.page[i];
		const signed char *shadow =
			(const signed char *)((pg->addr >> 3) + offset);
		size_t n = pg->size >> 3; /* pages are whole granules */

		if (!all_closed(shadow, n))
			zs_fuzz_fail("%s: byte %#zx of pool page %#lx (%zu "
				     "bytes) is open to ASan with nothing "
				     "held",
				     when, first_open(shadow, n),
				     (unsigned long)pg->addr, pg->size);
	}
	pthread_mutex_unlock(&live.lock);
}
#else
bool zs_fuzz_pages_check_is_real(void)
{
	return false;
}

void zs_fuzz_pages_check_closed(const char *when)
{
	(void)when;
}
#endif

/*
 * 20 MiB: in 30 s runs, zs_misuse took 0.78 page faults an input with
 * 20 MiB and 0.83 with 40, zs_threads 2.9-4.2 and 2.5-3.3 (its runs
 * differ by more than that), and the pool pages' share of RSS grows to it
 * (zs_threads after 2 minutes: 20 MB with 20 MiB, 28 MB and growing with
 * 40; its ten-minute soak peaked at 180 MB with 40). zs_ops, whose
 * inputs take up to 32 MiB of any of three page sizes, faults 1.6-2.8
 * times an input with 20 MiB and 0.3-0.5 with 40, and keeps 40.
 */
static size_t keep_resident = (size_t)20 << 20;

void zs_fuzz_pages_keep(size_t bytes)
{
	keep_resident = bytes;
}

void zs_fuzz_pages_begin(void)
{
	zs_set_page_trim_threshold(keep_resident);
}

/* The sizes the inputs choose (input.c): anything else is a harness bug. */
static int fuzzed_size(size_t page_size)
{
	return page_size == 4096 || page_size == 16384 || page_size == 65536;
}

/*
 * A page comes as fresh heap memory would: addressable, undefined to the
 * memory checkers (the built-in provider opens it so), and holding an
 * earlier pool's bytes when it was used before, zeros when never.
 */
static void *recycled_alloc(void *ctx, size_t page_size)
{
	const struct zs_page_provider *b = zs_builtin_page_provider();
	void *p;

	(void)ctx;
	if (!fuzzed_size(page_size))
		zs_fuzz_fail("alloc_page(%zu): not a fuzzed page size",
			     page_size);
	p = b->alloc_page(b->ctx, page_size);
	if (!p)
		zs_fuzz_fail("out of memory for a %zu-byte page", page_size);
	live_add(p, page_size);
	return p;
}

/* Closed to the memory checkers by the built-in provider, which reports
 * a page it did not give out. */
static void recycled_free(void *ctx, void *page, size_t page_size)
{
	const struct zs_page_provider *b = zs_builtin_page_provider();

	(void)ctx;
	if (!page || !fuzzed_size(page_size))
		zs_fuzz_fail("free_page(%p, %zu): not a page of ours", page,
			     page_size);
	live_remove(page);
	b->free_page(b->ctx, page, page_size);
}

const struct zs_page_provider zs_recycling_pages = {recycled_alloc,
						    recycled_free, NULL};
