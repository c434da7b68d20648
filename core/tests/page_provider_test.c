// SPDX-License-Identifier: MIT
/*
 * The built-in page provider: page-aligned pages of every size 4..64 KiB
 * from one process, freed pages kept resident (a hot stack, then retained
 * batches) and given back to the system after a wait, on a trim or with
 * their pool (resident drops), addresses reused, empty
 * regions unmapped (one spare per size), fresh pages faulted in ahead by
 * one call, a failing mmap seen as NULL, threads, and what the memory
 * checkers see.
 */
#include "zs_test_util.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef ZS_VALGRIND
#include <valgrind/memcheck.h>
#endif

#include "kernel/page.h"
#include "kernel/sanitize.h"

#define PV_REGION (2u << 20)

static void *pv_alloc(size_t ps)
{
	return zs_default_page_provider.alloc_page(NULL, ps);
}

static void pv_free(void *p, size_t ps)
{
	zs_default_page_provider.free_page(NULL, p, ps);
}

static size_t pv_live(void)
{
	size_t regions, live;

	zs_page_provider_stats(&regions, &live);
	return live;
}

/* Regions mapped once every freed page went back. */
static size_t pv_regions(void)
{
	size_t regions, live;

	zs_page_provider_trim();
	zs_page_provider_stats(&regions, &live);
	return regions;
}

/* Every page size, in one process, interleaved: aligned, distinct, usable. */
static void pv_every_page_size(struct kunit *test)
{
	enum { PER = 40 };
	size_t live0 = pv_live();
	void *pages[5][PER];
	unsigned int s, i;

	for (i = 0; i < PER; i++)
		for (s = 0; s < 5; s++) {
			size_t ps = (size_t)4096 << s;
			char *p = pv_alloc(ps);

			KUNIT_ASSERT_NOT_NULL(test, p);
			KUNIT_EXPECT_EQ(test, (uintptr_t)p & (ps - 1), 0u);
			zt_fill(p, ps, s * 1000 + i);
			pages[s][i] = p;
		}
	KUNIT_EXPECT_EQ(test, pv_live(), live0 + 5 * PER);
	for (s = 0; s < 5; s++)
		for (i = 0; i < PER; i++)
			KUNIT_EXPECT_EQ(test,
					zt_mismatch(pages[s][i],
						    (size_t)4096 << s,
						    s * 1000 + i),
					(size_t)4096 << s);
	for (s = 0; s < 5; s++)
		for (i = 0; i < PER; i++)
			pv_free(pages[s][i], (size_t)4096 << s);
	KUNIT_EXPECT_EQ(test, pv_live(), live0);
}

/* Not a page size: NULL, nothing mapped. */
static void pv_bad_page_size(struct kunit *test)
{
	size_t regions = pv_regions();

	KUNIT_EXPECT_NULL(test, pv_alloc(2048));
	KUNIT_EXPECT_NULL(test, pv_alloc(131072));
	KUNIT_EXPECT_NULL(test, pv_alloc(12288));
	KUNIT_EXPECT_EQ(test, pv_regions(), regions);
}

/* A freed and trimmed page is no longer resident; its address comes back. */
static void pv_free_gives_memory_back(struct kunit *test)
{
	size_t sys = (size_t)sysconf(_SC_PAGESIZE);
	size_t ps = sys > 16384 ? sys : 16384;
	unsigned char vec[16];
	char *keep, *p, *q;

	if (ps > 65536)
		kunit_skip(test, "system page above 64 KiB");
	/* keep the region mapped while p is free */
	keep = pv_alloc(ps);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	p = pv_alloc(ps);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x5a, ps);
	KUNIT_ASSERT_EQ(test, mincore(p, ps, vec), 0);
	KUNIT_EXPECT_EQ(test, vec[0] & 1, 1);
	pv_free(p, ps);
	zs_page_provider_trim();
	KUNIT_ASSERT_EQ(test, mincore(p, ps, vec), 0);
	for (size_t i = 0; i < ps / sys; i++)
		KUNIT_EXPECT_EQ(test, vec[i] & 1, 0);
	q = pv_alloc(ps);
	KUNIT_EXPECT_PTR_EQ(test, q, p); /* reused, last freed first */
	KUNIT_ASSERT_NOT_NULL(test, q);
	q[0] = 1; /* usable again */
	KUNIT_EXPECT_EQ(test, q[0], 1);
	pv_free(q, ps);
	pv_free(keep, ps);
}

/* How many of the n pages (ps bytes, up to 16 system pages) are resident:
 * any system page of theirs in memory counts. */
static size_t pv_resident(char **pages, size_t n, size_t ps)
{
	size_t sys = (size_t)sysconf(_SC_PAGESIZE), count = 0;
	unsigned char vec[16];

	for (size_t i = 0; i < n; i++) {
		bool in = false;

		if (mincore(pages[i], ps, vec) != 0)
			continue;
		for (size_t k = 0; k < ps / sys; k++)
			in = in || (vec[k] & 1);
		count += in;
	}
	return count;
}

/* n fresh pages of ps bytes, written (resident), into pages[]. */
static void pv_take_written(struct kunit *test, char **pages, size_t n,
			    size_t ps)
{
	for (size_t i = 0; i < n; i++) {
		pages[i] = pv_alloc(ps);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		memset(pages[i], 0x3c, ps);
	}
	KUNIT_EXPECT_EQ(test, pv_resident(pages, n, ps), n);
}

/*
 * n objects of a page each in pool, written, then freed: n pages through
 * the pool's provider (an object of a page is a one-page zspage's).
 */
static void pv_pool_cycle(struct kunit *test, struct zs_pool *pool,
			  unsigned int n, size_t ps)
{
	unsigned long *h = kunit_kzalloc(test, n * sizeof(*h), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < n; i++) {
		h[i] = zs_malloc(pool, ps);
		KUNIT_ASSERT_NE(test, h[i], 0ul);
		KUNIT_ASSERT_TRUE(test, zt_write(pool, h[i], ps, i));
	}
	for (i = 0; i < n; i++)
		zs_free(pool, h[i]);
}

/*
 * Every page given back, then n fresh pages of ps taken written and
 * freed, with no batch aging out meanwhile however slow the run
 * (Valgrind): the old wait goes to *old_ms. The page returned (taken
 * first) keeps the regions mapped until the caller frees it.
 */
static char *pv_fill_freed(struct kunit *test, char **pages, size_t n,
			   size_t ps, unsigned int *old_ms)
{
	char *keep;

	zs_page_provider_trim();
	*old_ms = zs_page_provider_set_retain_ms(3600u * 1000u);
	keep = pv_alloc(ps);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	pv_take_written(test, pages, n, ps);
	for (size_t i = 0; i < n; i++)
		pv_free(pages[i], ps);
	return keep;
}

/*
 * Freed pages stay resident: 1 MiB of a size on the hot stack, then in
 * batches (a full stack plus the page that found it full) in the retained
 * ring. They come back newest first, the retained ones before anything is
 * carved (no fault); giving the retained back leaves the hot ones, a trim
 * gives back all.
 */
static void pv_freed_pages_retained(struct kunit *test)
{
	size_t sys = (size_t)sysconf(_SC_PAGESIZE);
	size_t ps = 16384, hot = ((size_t)1 << 20) / ps, n = 3 * hot + 5;
	char **pages = kunit_kzalloc(test, n * sizeof(*pages), GFP_KERNEL);
	size_t regions, live, regions2, live2, i;
	unsigned int old;
	char *keep;

	if (sys > ps)
		kunit_skip(test, "system page above 16 KiB");
	KUNIT_ASSERT_NOT_NULL(test, pages);
	keep = pv_fill_freed(test, pages, n, ps, &old);
	/* three batches of hot + 1, the last 2 pages on the hot stack */
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), 3 * (hot + 1));
	KUNIT_EXPECT_EQ(test, pv_resident(pages, n, ps), n);
	zs_page_provider_stats(&regions, &live);
	KUNIT_EXPECT_PTR_EQ(test, pv_alloc(ps), pages[n - 1]);
	KUNIT_EXPECT_PTR_EQ(test, pv_alloc(ps), pages[n - 2]);
	/* the hot stack is empty: the newest retained, not a carve */
	KUNIT_EXPECT_PTR_EQ(test, pv_alloc(ps), pages[n - 3]);
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), 3 * (hot + 1) - 1);
	zs_page_provider_stats(&regions2, &live2);
	KUNIT_EXPECT_EQ(test, regions2, regions);
	KUNIT_EXPECT_EQ(test, live2, live + 3);
	for (i = n - 3; i < n; i++)
		pv_free(pages[i], ps);
	zs_page_provider_release_retained();
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), 0u);
	KUNIT_EXPECT_EQ(test, pv_resident(pages, n, ps), 3u);
	KUNIT_EXPECT_EQ(test, pv_resident(pages + n - 3, 3, ps), 3u);
	zs_page_provider_trim();
	KUNIT_EXPECT_EQ(test, pv_resident(pages, n, ps), 0u);
	zs_page_provider_set_retain_ms(old);
	pv_free(keep, ps);
}

/*
 * A retained batch goes back when a later batch comes after the wait; the
 * later one stays. With no wait, every batch goes back at once.
 */
static void pv_retained_pages_wait(struct kunit *test)
{
	size_t sys = (size_t)sysconf(_SC_PAGESIZE);
	size_t ps = 16384, hot = ((size_t)1 << 20) / ps, b = hot + 1;
	char **pages = kunit_kzalloc(test, 2 * b * sizeof(*pages), GFP_KERNEL);
	unsigned int old;
	char *keep;
	size_t i;

	if (sys > ps)
		kunit_skip(test, "system page above 16 KiB");
	KUNIT_ASSERT_NOT_NULL(test, pages);
	zs_page_provider_trim();
	keep = pv_alloc(ps);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	old = zs_page_provider_set_retain_ms(1);
	pv_take_written(test, pages, 2 * b, ps);
	for (i = 0; i < b; i++)
		pv_free(pages[i], ps);
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), b);
	usleep(20000); /* well past the wait of 1 ms */
	for (i = b; i < 2 * b; i++)
		pv_free(pages[i], ps);
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), b);
	KUNIT_EXPECT_EQ(test, pv_resident(pages, b, ps), 0u);
	KUNIT_EXPECT_EQ(test, pv_resident(pages + b, b, ps), b);

	zs_page_provider_trim();
	zs_page_provider_set_retain_ms(0);
	pv_take_written(test, pages, 2 * b, ps);
	for (i = 0; i < 2 * b; i++)
		pv_free(pages[i], ps);
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), 0u);
	/* two full batches, both gone back at once: the stack is empty */
	KUNIT_EXPECT_EQ(test, pv_resident(pages, 2 * b, ps), 0u);
	zs_page_provider_set_retain_ms(old);
	zs_page_provider_trim();
	pv_free(keep, ps);
}

/* A destroyed pool's pages go back with it: nothing stays retained. */
static void pv_destroy_releases_retained(struct kunit *test)
{
	enum { N = 600 };
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	struct zs_pool *pool;
	unsigned int old;

	if (ps > 65536)
		kunit_skip(test, "system page above 64 KiB");
	zs_page_provider_trim();
	old = zs_page_provider_set_retain_ms(3600u * 1000u);
	pool = zs_create_pool("kunit-retain");
	KUNIT_ASSERT_NOT_NULL(test, pool);
	/* a page each: objects of a page go to the class of one-page zspages */
	pv_pool_cycle(test, pool, N, ps);
	KUNIT_EXPECT_GT(test, zs_page_provider_retained(), 0u);
	zs_destroy_pool(pool);
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), 0u);
	zs_page_provider_set_retain_ms(old);
}

/*
 * Under zs_set_page_trim_threshold()'s bytes of freed pages, nothing goes
 * back: not on a destroy (zs_page_provider_release_retained), not on
 * zs_compact's trim, not when a batch waited; past it, the oldest retained
 * go until the rest fits; a full trim gives back every page whatever the
 * threshold, and a destroyed pool's pages stay under it.
 */
static void pv_trim_threshold(struct kunit *test)
{
	size_t sys = (size_t)sysconf(_SC_PAGESIZE);
	size_t ps = 16384, hot = ((size_t)1 << 20) / ps, b = hot + 1;
	size_t n = 3 * b + 2, fits = b + b / 2, i;
	char **pages = kunit_kzalloc(test, n * sizeof(*pages), GFP_KERNEL);
	unsigned int old_ms;
	size_t old_t;
	char *keep;

	if (sys > ps)
		kunit_skip(test, "system page above 16 KiB");
	KUNIT_ASSERT_NOT_NULL(test, pages);
	keep = pv_fill_freed(test, pages, n, ps, &old_ms);
	/* three batches retained, two pages on the hot stack */
	KUNIT_ASSERT_EQ(test, zs_page_provider_retained(), 3 * b);
	old_t = zs_set_page_trim_threshold((2 + fits) * ps);
	KUNIT_EXPECT_EQ(test, zs_set_page_trim_threshold((2 + fits) * ps),
			(2 + fits) * ps);
	zs_page_provider_release_retained();
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), fits);
	KUNIT_EXPECT_EQ(test, pv_resident(pages, 3 * b - fits, ps), 0u);
	KUNIT_EXPECT_EQ(test, pv_resident(pages + 3 * b - fits, fits + 2, ps),
			fits + 2);
	/* zs_compact's trim keeps the threshold when it is above its own */
	zs_page_provider_trim_keep(ZS_PAGE_TRIM_KEEP);
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), fits);
	KUNIT_EXPECT_EQ(test, pv_resident(pages + 3 * b - fits, fits + 2, ps),
			fits + 2);
	/* a waited batch stays while the threshold holds everything */
	zs_set_page_trim_threshold((size_t)64 << 20);
	zs_page_provider_set_retain_ms(1);
	usleep(20000);
	pv_take_written(test, pages, b, ps); /* 2 hot, b - 2 retained */
	for (i = 0; i < b; i++)
		pv_free(pages[i], ps);
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), fits + 2);
	KUNIT_EXPECT_EQ(test, pv_resident(pages, b, ps), b);
	/* a full trim gives every page back, threshold or not */
	zs_page_provider_trim();
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), 0u);
	KUNIT_EXPECT_EQ(test, pv_resident(pages, b, ps), 0u);
	pv_free(keep, ps);
	zs_page_provider_set_retain_ms(old_ms);
	zs_set_page_trim_threshold(old_t);
}

/* Under the threshold, a destroyed pool's freed pages stay resident. */
static void pv_destroy_under_threshold(struct kunit *test)
{
	enum { N = 600 };
	size_t ps = (size_t)sysconf(_SC_PAGESIZE), old_t, kept;
	struct zs_pool *pool;
	unsigned int old_ms;

	if (ps > 65536)
		kunit_skip(test, "system page above 64 KiB");
	zs_page_provider_trim();
	old_ms = zs_page_provider_set_retain_ms(3600u * 1000u);
	old_t = zs_set_page_trim_threshold((size_t)2 * N * ps);
	pool = zs_create_pool("kunit-threshold");
	KUNIT_ASSERT_NOT_NULL(test, pool);
	pv_pool_cycle(test, pool, N, ps);
	kept = zs_page_provider_retained();
	KUNIT_EXPECT_GT(test, kept, 0u);
	KUNIT_EXPECT_EQ(test, zs_compact(pool), 0ul);
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), kept);
	zs_destroy_pool(pool);
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), kept);
	zs_set_page_trim_threshold(old_t);
	zs_page_provider_trim();
	KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), 0u);
	zs_page_provider_set_retain_ms(old_ms);
}

static void *pv_wrapped_alloc(void *ctx, size_t ps)
{
	const struct zs_page_provider *b = ctx;

	return b->alloc_page(b->ctx, ps);
}

static void pv_wrapped_free(void *ctx, void *page, size_t ps)
{
	const struct zs_page_provider *b = ctx;

	b->free_page(b->ctx, page, ps);
}

/*
 * zs_builtin_page_provider is the built-in provider: its pages are the
 * provider's (freed ones come back newest first), a pool configured with
 * it is a built-in pool (its destroy gives the retained pages back), and
 * a pool with a wrapper of it is not.
 */
static void pv_builtin_accessor(struct kunit *test)
{
	enum { N = 600 };
	const struct zs_page_provider *b = zs_builtin_page_provider();
	const struct zs_page_provider wrapper = {pv_wrapped_alloc,
						 pv_wrapped_free, (void *)b};
	struct zs_pool_config cfg = {0};
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	unsigned int old_ms, w;
	char *p;

	KUNIT_ASSERT_PTR_EQ(test, b, &zs_default_page_provider);
	if (ps > 65536)
		kunit_skip(test, "system page above 64 KiB");
	p = b->alloc_page(b->ctx, ps);
	KUNIT_ASSERT_NOT_NULL(test, p);
	b->free_page(b->ctx, p, ps);
	KUNIT_EXPECT_PTR_EQ(test, pv_alloc(ps), (void *)p);
	pv_free(p, ps);

	zs_page_provider_trim();
	old_ms = zs_page_provider_set_retain_ms(3600u * 1000u);
	for (w = 0; w < 2; w++) {
		struct zs_pool *pool;

		cfg.pages = w ? &wrapper : b;
		pool = zs_create_pool_config("kunit-builtin", &cfg);
		KUNIT_ASSERT_NOT_NULL(test, pool);
		pv_pool_cycle(test, pool, N, ps);
		KUNIT_EXPECT_GT(test, zs_page_provider_retained(), 0u);
		zs_destroy_pool(pool);
		/* the wrapper's pool is not the built-in's: nothing goes */
		if (w)
			KUNIT_EXPECT_GT(test, zs_page_provider_retained(), 0u);
		else
			KUNIT_EXPECT_EQ(test, zs_page_provider_retained(), 0u);
	}
	zs_page_provider_trim();
	zs_page_provider_set_retain_ms(old_ms);
}

/*
 * A trim with a reserve keeps the latest freed pages of the size freed
 * into last, then of the size before it, up to the reserve; a full trim
 * then gives those back too.
 */
static void pv_trim_keeps_latest(struct kunit *test)
{
	enum { BIG = 20, SMALL = 6 };
	size_t sys = (size_t)sysconf(_SC_PAGESIZE);
	char *big[BIG], *small[SMALL], *keep, *q;
	size_t i;

	if (sys > 4096)
		kunit_skip(test, "system page above 4 KiB");
	zs_page_provider_trim();
	keep = pv_alloc(16384); /* the regions stay mapped */
	KUNIT_ASSERT_NOT_NULL(test, keep);
	for (i = 0; i < SMALL; i++) {
		small[i] = pv_alloc(4096);
		KUNIT_ASSERT_NOT_NULL(test, small[i]);
		memset(small[i], 0x5a, 4096);
	}
	for (i = 0; i < BIG; i++) {
		big[i] = pv_alloc(16384);
		KUNIT_ASSERT_NOT_NULL(test, big[i]);
		memset(big[i], 0xa5, 16384);
	}
	for (i = 0; i < SMALL; i++)
		pv_free(small[i], 4096);
	for (i = 0; i < BIG; i++) /* 16 KiB is freed into last */
		pv_free(big[i], 16384);
	KUNIT_EXPECT_EQ(test, pv_resident(big, BIG, 16384), (size_t)BIG);
	KUNIT_EXPECT_EQ(test, pv_resident(small, SMALL, 4096), (size_t)SMALL);
	/* room for five 16 KiB pages and two 4 KiB ones */
	zs_page_provider_trim_keep(5 * 16384 + 2 * 4096 + 100);
	KUNIT_EXPECT_EQ(test, pv_resident(big, BIG - 5, 16384), 0u);
	KUNIT_EXPECT_EQ(test, pv_resident(big + BIG - 5, 5, 16384), 5u);
	KUNIT_EXPECT_EQ(test, pv_resident(small, SMALL - 2, 4096), 0u);
	KUNIT_EXPECT_EQ(test, pv_resident(small + SMALL - 2, 2, 4096), 2u);
	/* the kept pages are still the next ones handed out, newest first */
	q = pv_alloc(16384);
	KUNIT_EXPECT_PTR_EQ(test, q, big[BIG - 1]);
	KUNIT_ASSERT_NOT_NULL(test, q);
	pv_free(q, 16384);
	zs_page_provider_trim();
	KUNIT_EXPECT_EQ(test, pv_resident(big, BIG, 16384), 0u);
	KUNIT_EXPECT_EQ(test, pv_resident(small, SMALL, 4096), 0u);
	pv_free(keep, 16384);
}

/*
 * Whether this system faults memory in on request (Linux 5.14 on; an
 * emulator such as qemu-user may take the call and do nothing).
 */
static bool pv_can_populate(void)
{
	size_t sys = (size_t)sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, sys, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok;

	if (p == MAP_FAILED)
		return false;
	ok = madvise(p, sys, MADV_POPULATE_WRITE) == 0 &&
	     pv_resident(&p, 1, sys) == 1;
	munmap(p, sys);
	return ok;
}

/*
 * The first page carved from a new region comes resident, and so do the
 * next ones up to 64 KiB, before anything touches them; a full trim gives
 * back those ahead, not the page handed out; the next carve faults its
 * pages in again.
 */
static void pv_fresh_pages_faulted_ahead(struct kunit *test)
{
	enum { MAX = 3 * (PV_REGION / 4096), AHEAD = 65536 / 4096 };
	size_t ps = 4096, before, regions, live, n = 0, i;
	char **pages = kunit_kzalloc(test, MAX * sizeof(*pages), GFP_KERNEL);
	char *fresh = NULL, *next;

	if ((size_t)sysconf(_SC_PAGESIZE) != ps)
		kunit_skip(test, "system page is not 4 KiB");
	if (!pv_can_populate())
		kunit_skip(test, "no MADV_POPULATE_WRITE on this system");
	KUNIT_ASSERT_NOT_NULL(test, pages);
	zs_page_provider_trim(); /* nothing hot: a carve is what comes next */
	zs_page_provider_stats(&before, &live);
	/* past the free pages of the regions mapped now, a new one comes */
	while (n < MAX && !fresh) {
		pages[n] = pv_alloc(ps);
		KUNIT_ASSERT_NOT_NULL(test, pages[n]);
		zs_page_provider_stats(&regions, &live);
		if (regions > before)
			fresh = pages[n];
		n++;
	}
	KUNIT_ASSERT_NOT_NULL(test, fresh);
	KUNIT_EXPECT_EQ(test, pv_resident(&fresh, 1, ps), 1u);
	for (i = 1; i < AHEAD; i++) {
		char *p = fresh + i * ps;

		KUNIT_EXPECT_EQ(test, pv_resident(&p, 1, ps), 1u);
	}
	zs_page_provider_trim();
	KUNIT_EXPECT_EQ(test, pv_resident(&fresh, 1, ps), 1u); /* in use */
	for (i = 1; i < AHEAD; i++) {
		char *p = fresh + i * ps;

		KUNIT_EXPECT_EQ(test, pv_resident(&p, 1, ps), 0u);
	}
	next = pv_alloc(ps); /* carved next in that region */
	KUNIT_ASSERT_NOT_NULL(test, next);
	KUNIT_EXPECT_PTR_EQ(test, next, fresh + ps);
	KUNIT_EXPECT_EQ(test, pv_resident(&next, 1, ps), 1u);
	pv_free(next, ps);
	for (i = 0; i < n; i++)
		pv_free(pages[i], ps);
	zs_page_provider_trim();
}

/*
 * A page larger than the system's is not faulted in ahead: a zspage's
 * objects may use only its first system pages for long, so each comes in
 * where it is first written.
 */
static void pv_larger_pages_fault_where_written(struct kunit *test)
{
	size_t sys = (size_t)sysconf(_SC_PAGESIZE), ps = 65536, i;
	unsigned char vec[16];
	char *p;

	if (sys >= ps)
		kunit_skip(test, "system page of 64 KiB or more");
	zs_page_provider_trim(); /* no hot page: carved or given back */
	p = pv_alloc(ps);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, mincore(p, ps, vec), 0);
	for (i = 0; i < ps / sys; i++)
		KUNIT_EXPECT_EQ(test, vec[i] & 1, 0);
	p[0] = 1;
	KUNIT_ASSERT_EQ(test, mincore(p, ps, vec), 0);
	KUNIT_EXPECT_EQ(test, vec[0] & 1, 1);
	for (i = 1; i < ps / sys; i++)
		KUNIT_EXPECT_EQ(test, vec[i] & 1, 0);
	pv_free(p, ps);
	zs_page_provider_trim();
}

/* Empty regions are unmapped; at most one spare per size stays. */
static void pv_empty_regions_unmapped(struct kunit *test)
{
	size_t ps = 8192, per = PV_REGION / ps, n = 3 * per + 7;
	size_t regions0 = pv_regions(), live0 = pv_live();
	void **pages = kunit_kzalloc(test, n * sizeof(*pages), GFP_KERNEL);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (i = 0; i < n; i++) {
		pages[i] = pv_alloc(ps);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
	}
	KUNIT_EXPECT_GE(test, pv_regions(), regions0 + 3);
	for (i = 0; i < n; i++)
		pv_free(pages[i], ps);
	KUNIT_EXPECT_EQ(test, pv_live(), live0);
	KUNIT_EXPECT_LE(test, pv_regions(), regions0 + 1);
}

/* mmap failing: alloc_page returns NULL, the pool's malloc returns 0. */
static void pv_map_failure_is_null(struct kunit *test)
{
	size_t ps = 65536, per = PV_REGION / ps, live0 = pv_live(), i;
	void *pages[3 * (PV_REGION / 65536) + 2];
	bool failed = false;
	size_t n = 0;

	/* after the earlier cases at most one spare region is available */
	zs_page_provider_trim();
	zs_page_provider_fail_nth(1);
	for (i = 0; i < 2 * per + 1; i++) {
		void *p = pv_alloc(ps);

		if (!p) {
			failed = true;
			break;
		}
		pages[n++] = p;
	}
	KUNIT_EXPECT_TRUE(test, failed);
	zs_page_provider_fail_nth(0);
	pages[n] = pv_alloc(ps); /* the hook fired once: mapping works again */
	KUNIT_EXPECT_NOT_NULL(test, pages[n]);
	if (pages[n])
		n++;
	for (i = 0; i < n; i++)
		pv_free(pages[i], ps);
	KUNIT_EXPECT_EQ(test, pv_live(), live0);
}

static void pv_map_failure_in_pool(struct kunit *test)
{
	struct zt_reports *rep = zt_record_reports(test);
	struct zs_pool *pool = zt_pool_geo(test, 32768, 4, 0);
	unsigned long h[200];
	unsigned int n = 0, i;
	bool failed = false;

	zs_page_provider_fail_nth(1);
	for (i = 0; i < 200; i++) {
		h[n] = zs_malloc(pool, 32768);
		if (!h[n]) {
			failed = true;
			break;
		}
		KUNIT_EXPECT_TRUE(test, zt_write(pool, h[n], 32768, n));
		n++;
	}
	zs_page_provider_fail_nth(0);
	KUNIT_EXPECT_TRUE(test, failed);
	KUNIT_EXPECT_EQ(test, rep->count, 0ul);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_TRUE(test,
				  zt_check(pool, h[i], 32768, i, ZS_MM_RO));
		zs_free(pool, h[i]);
	}
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

struct pv_thread {
	size_t ps;
	unsigned int seed;
	bool ok;
};

static void *pv_worker(void *arg)
{
	struct pv_thread *t = arg;
	enum { HELD = 64 };
	char *held[HELD] = {0};
	uint64_t rs = t->seed;
	unsigned int i, k;

	t->ok = true;
	for (i = 0; i < 3000; i++) {
		k = (unsigned int)(zt_rand(&rs) % HELD);
		if (held[k]) {
			if (held[k][0] != (char)k ||
			    held[k][t->ps - 1] != (char)t->seed)
				t->ok = false;
			pv_free(held[k], t->ps);
			held[k] = NULL;
		} else {
			held[k] = pv_alloc(t->ps);
			if (!held[k]) {
				t->ok = false;
				break;
			}
			held[k][0] = (char)k;
			held[k][t->ps - 1] = (char)t->seed;
		}
	}
	for (k = 0; k < HELD; k++)
		if (held[k])
			pv_free(held[k], t->ps);
	return NULL;
}

static void pv_threads(struct kunit *test)
{
	struct pv_thread t[4] = {
		{4096, 11, false},
		{4096, 12, false},
		{16384, 13, false},
		{65536, 14, false},
	};
	size_t live0 = pv_live();
	pthread_t tid[4];
	unsigned int i;

	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test,
				pthread_create(&tid[i], NULL, pv_worker, &t[i]),
				0);
	for (i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		KUNIT_EXPECT_TRUE(test, t[i].ok);
	}
	KUNIT_EXPECT_EQ(test, pv_live(), live0);
}

struct pv_hand {
	size_t ps;
	char *page;
	bool free_it;
};

/* Allocates a page, or frees the one it is handed, on a thread (and so a
 * lane) of its own. */
static void *pv_hand_worker(void *arg)
{
	struct pv_hand *h = arg;

	if (h->free_it)
		pv_free(h->page, h->ps);
	else
		h->page = pv_alloc(h->ps);
	return NULL;
}

static void pv_on_new_thread(struct kunit *test, struct pv_hand *h)
{
	pthread_t tid;

	KUNIT_ASSERT_EQ(test, pthread_create(&tid, NULL, pv_hand_worker, h), 0);
	pthread_join(tid, NULL);
}

/*
 * A page freed by one thread waits in that thread's lane, and a thread of
 * another lane takes it back before it carves a fresh one.
 */
static void pv_hot_page_crosses_lanes(struct kunit *test)
{
	struct pv_hand h = {.ps = 32768};
	char *page;

	zs_page_provider_trim(); /* no hot page of this size waits */
	pv_on_new_thread(test, &h);
	KUNIT_ASSERT_NOT_NULL(test, h.page);
	page = h.page;
	h.free_it = true;
	pv_on_new_thread(test, &h);
	h.free_it = false;
	h.page = NULL;
	pv_on_new_thread(test, &h);
	KUNIT_EXPECT_PTR_EQ(test, h.page, page);
	pv_free(h.page, h.ps);
	zs_page_provider_trim();
}

/*
 * A free of memory the provider did not give out: misaligned, reported
 * at once; aligned but outside its regions, reported when its batch goes
 * back (here, at the trim), and its bytes are not given back.
 */
static void pv_foreign_free_reported(struct kunit *test)
{
	struct zt_reports *rep = zt_record_reports(test);
	size_t ps = 4096, i;
	char *own = mmap(NULL, ps, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	KUNIT_ASSERT_TRUE(test, own != MAP_FAILED);
	memset(own, 0x3d, ps);
	pv_free(own + 8, ps);
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
	pv_free(own, ps);
	zs_page_provider_trim();
	KUNIT_EXPECT_EQ(test, rep->count, 2ul);
	KUNIT_EXPECT_STREQ(test, rep->what, "page provider");
	zs_san_open_defined(own, ps); /* the free closed it */
	for (i = 0; i < ps && own[i] == 0x3d; i++)
		;
	KUNIT_EXPECT_EQ(test, i, ps); /* not given back: still 0x3d */
	munmap(own, ps);
}

/* ASan, memcheck: a free page is closed. MSan: a fresh object is unset. */
static void pv_memory_checkers(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned long h;
	char *p = pv_alloc(4096), *keep = pv_alloc(4096);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_EXPECT_FALSE(test, zs_san_is_closed(p));
	pv_free(p, 4096);
	if (zs_san_tells_closed()) {
		KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p));
		KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + 4095));
	}
	pv_free(keep, 4096);

	h = zs_malloc(pool, 1000);
	KUNIT_ASSERT_NE(test, h, 0ul);
	p = zs_map_object(pool, h, ZS_MM_RO);
	KUNIT_ASSERT_NOT_NULL(test, p);
#if defined(ZS_MSAN)
	KUNIT_EXPECT_EQ(test, __msan_test_shadow(p, 1000), 0);
#endif
	zs_unmap_object(pool, h);
	KUNIT_EXPECT_TRUE(test, zt_write(pool, h, 1000, 7));
	p = zs_map_object(pool, h, ZS_MM_RO);
	KUNIT_ASSERT_NOT_NULL(test, p);
#if defined(ZS_MSAN)
	KUNIT_EXPECT_EQ(test, __msan_test_shadow(p, 1000), -1);
#endif
	zs_unmap_object(pool, h);
	zs_free(pool, h);
}

#ifdef ZS_VALGRIND
/*
 * Children: one touch each, then 0 when memcheck counted it (which the
 * harness's --error-exitcode turns into 99), 1 when it did not (no error,
 * so the 1 stands).
 */
static int pv_child_touch_unmapped(void)
{
	struct zs_pool *pool = zs_create_pool("kunit-touch");
	volatile char *p;
	unsigned long h, before;
	char c;

	if (!pool)
		return 2;
	h = zs_malloc(pool, 1000);
	if (!h || !zt_write(pool, h, 1000, 3))
		return 2;
	p = zs_map_object(pool, h, ZS_MM_RO);
	if (!p)
		return 2;
	zs_unmap_object(pool, h);
	before = VALGRIND_COUNT_ERRORS;
	c = p[10]; /* outside any kmap window */
	(void)c;
	return VALGRIND_COUNT_ERRORS == before ? 1 : 0;
}

static int pv_child_touch_free_page(void)
{
	volatile char *p = pv_alloc(4096);
	unsigned long before;
	char c;

	if (!p)
		return 2;
	pv_free((void *)p, 4096);
	before = VALGRIND_COUNT_ERRORS;
	c = p[100]; /* a page the provider holds */
	(void)c;
	return VALGRIND_COUNT_ERRORS == before ? 1 : 0;
}

static void pv_expect_caught(struct kunit *test, int (*child)(void))
{
	pid_t pid = fork();
	int st;

	KUNIT_ASSERT_NE(test, pid, -1);
	if (pid == 0)
		_exit(child());
	KUNIT_ASSERT_EQ(test, waitpid(pid, &st, 0), pid);
	KUNIT_ASSERT_TRUE(test, WIFEXITED(st));
	KUNIT_EXPECT_TRUE_MSG(
		test, WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 99,
		"child exit %d (1: touch not seen)", WEXITSTATUS(st));
}
#endif

/* Memcheck still sees a touch outside the kmap window, and of a free page. */
static void pv_memcheck_catches_touch(struct kunit *test)
{
#ifdef ZS_VALGRIND
	if (!zt_under_valgrind())
		kunit_skip(test, "needs Valgrind");
	pv_expect_caught(test, pv_child_touch_unmapped);
	pv_expect_caught(test, pv_child_touch_free_page);
#else
	kunit_skip(test, "needs Valgrind");
#endif
}

static struct kunit_case pv_cases[] = {
	KUNIT_CASE(pv_every_page_size),
	KUNIT_CASE(pv_bad_page_size),
	KUNIT_CASE(pv_free_gives_memory_back),
	KUNIT_CASE(pv_freed_pages_retained),
	KUNIT_CASE(pv_retained_pages_wait),
	KUNIT_CASE(pv_destroy_releases_retained),
	KUNIT_CASE(pv_trim_keeps_latest),
	KUNIT_CASE(pv_trim_threshold),
	KUNIT_CASE(pv_destroy_under_threshold),
	KUNIT_CASE(pv_builtin_accessor),
	KUNIT_CASE(pv_fresh_pages_faulted_ahead),
	KUNIT_CASE(pv_larger_pages_fault_where_written),
	KUNIT_CASE(pv_empty_regions_unmapped),
	KUNIT_CASE(pv_map_failure_is_null),
	KUNIT_CASE(pv_map_failure_in_pool),
	KUNIT_CASE(pv_threads),
	KUNIT_CASE(pv_hot_page_crosses_lanes),
	KUNIT_CASE(pv_foreign_free_reported),
	KUNIT_CASE(pv_memory_checkers),
	KUNIT_CASE(pv_memcheck_catches_touch),
	{},
};

static struct kunit_suite pv_suite = {
	.name = "page_provider",
	.test_cases = pv_cases,
};
kunit_test_suite(pv_suite);
