// SPDX-License-Identifier: MIT
/*
 * Giving memory back in batches (kernel/release.c) and the table cache's
 * trim (kernel/slab.c): exactly the ranges asked for read zeros and are
 * no longer resident, by either path (one process_madvise, or a madvise
 * per range); a hole in the batch does not stop the ranges after it; a
 * forked child releases its own memory, not its parent's; a trimmed table
 * keeps its address and comes back zeroed, and a free past the table
 * cache's bound gives the cache's memory back instead of unmapping.
 */
#include "zs_test_util.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/release.h"
#include "kernel/slab.h"

#define NR_RANGES 64

/* 2 * NR_RANGES pages, every one filled with its own pattern. */
static char *map_filled(struct kunit *test, size_t sys)
{
	char *p = mmap(NULL, 2 * NR_RANGES * sys, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	KUNIT_ASSERT_TRUE(test, p != MAP_FAILED);
	for (size_t i = 0; i < 2 * NR_RANGES; i++)
		zt_fill(p + i * sys, sys, 700 + i);
	return p;
}

/* The even pages of it, one range each: no two ranges touch. */
static void even_ranges(char *p, size_t sys, struct zs_range *r)
{
	for (size_t i = 0; i < NR_RANGES; i++) {
		r[i].addr = p + 2 * i * sys;
		r[i].len = sys;
	}
}

/*
 * Releases the even pages of a filled mapping and checks the result: even pages gone and zero, odd
 * pages resident with their bytes.
 */
static void release_even_pages(struct kunit *test)
{
	size_t sys = zt_sys_page();
	char *p = map_filled(test, sys);
	struct zs_range r[NR_RANGES];

	even_ranges(p, sys, r);
	zs_release_ranges(r, NR_RANGES);
	for (size_t i = 0; i < 2 * NR_RANGES; i++) {
		char *pg = p + i * sys;

		if (i % 2 == 0) {
			KUNIT_EXPECT_FALSE(test, zt_resident(pg, sys));
			KUNIT_EXPECT_TRUE(test, zt_all_zero(pg, sys));
		} else {
			KUNIT_EXPECT_TRUE(test, zt_resident(pg, sys));
			KUNIT_EXPECT_EQ(test, zt_mismatch(pg, sys, 700 + i),
					sys);
		}
	}
	munmap(p, 2 * NR_RANGES * sys);
}

static void release_batched_path(struct kunit *test)
{
	bool batched;

	/* the first batch finds out whether the kernel has the call (one
	 * before 5.10, or qemu-user, answers ENOSYS) */
	release_even_pages(test);
	batched = zs_release_batched();
	kunit_info(test, "one call per batch: %s",
		   batched ? "yes" : "no (a madvise per range)");
	release_even_pages(test);
	/* once found out, a normal batch never turns the one-call path off */
	KUNIT_EXPECT_EQ(test, zs_release_batched(), batched);
}

static void release_per_range_path(struct kunit *test)
{
	zs_release_force_per_range(true);
	KUNIT_EXPECT_FALSE(test, zs_release_batched());
	release_even_pages(test);
	zs_release_force_per_range(false);
}

/* A range that is not mapped: every range after it is released too. */
static void release_hole_in_batch(struct kunit *test)
{
	size_t sys = zt_sys_page();
	char *p = map_filled(test, sys);
	struct zs_range r[NR_RANGES];

	even_ranges(p, sys, r);
	KUNIT_ASSERT_EQ(test, munmap(r[5].addr, sys), 0);
	zs_release_ranges(r, NR_RANGES);
	for (size_t i = 0; i < NR_RANGES; i++) {
		if (i == 5)
			continue;
		KUNIT_EXPECT_FALSE(test, zt_resident(r[i].addr, sys));
		KUNIT_EXPECT_TRUE(test, zt_all_zero(r[i].addr, sys));
	}
	munmap(p, 2 * NR_RANGES * sys); /* the hole is no matter */
}

/*
 * A child releases its copy of a page; the parent's copy keeps its bytes,
 * and the child's batch path still works (an fd inherited from the parent
 * would name the parent, which refuses the advice, and turn it off).
 */
static void release_in_forked_child(struct kunit *test)
{
	size_t sys = zt_sys_page();
	char *p = map_filled(test, sys);
	struct zs_range r = {p, sys};
	bool batched;
	int status = 0;
	pid_t pid;

	/* the parent's batch path is set up before the fork */
	zs_release_ranges(&(struct zs_range){p + 2 * sys, sys}, 1);
	batched = zs_release_batched();
	pid = fork();
	KUNIT_ASSERT_TRUE(test, pid >= 0);
	if (pid == 0) {
		zs_release_ranges(&r, 1);
		_exit(zt_all_zero(p, sys) && zs_release_batched() == batched
			      ? 0
			      : 1);
	}
	KUNIT_ASSERT_EQ(test, waitpid(pid, &status, 0), pid);
	KUNIT_EXPECT_TRUE(test, WIFEXITED(status));
	KUNIT_EXPECT_EQ(test, WEXITSTATUS(status), 0);
	KUNIT_EXPECT_EQ(test, zt_mismatch(p, sys, 700), sys);
	munmap(p, 2 * NR_RANGES * sys);
}

/* A freed table waits resident; a trim gives its memory back, keeps its
 * address, and the next table of that size is it, all zeros. */
static void vmap_trim_keeps_address(struct kunit *test)
{
	size_t sys = zt_sys_page();
	size_t size = 3 * sys;
	char *t = zs_vzalloc(size);
	char *u;

	KUNIT_ASSERT_NOT_NULL(test, t);
	memset(t, 0x6b, size);
	zs_vfree(t, size);
	KUNIT_EXPECT_TRUE(test, zt_resident(t, sys)); /* cached, not unmapped */
	zs_vmap_trim();
	for (size_t i = 0; i < size; i += sys) {
		unsigned char v = 1;

		/* still mapped (mincore would fail), not resident */
		KUNIT_EXPECT_EQ(test, mincore(t + i, sys, &v), 0);
		KUNIT_EXPECT_EQ(test, v & 1, 0);
	}
	u = zs_vzalloc(size);
	KUNIT_ASSERT_NOT_NULL(test, u);
	KUNIT_EXPECT_PTR_EQ(test, u, t);
	KUNIT_EXPECT_TRUE(test, zt_all_zero(u, size));
	zs_vfree(u, size);
	zs_vmap_trim();
}

/*
 * Freeing past the cache's bound (1 MiB resident): the earlier tables'
 * memory goes back at once and they stay mapped; the last one freed waits
 * resident. Nothing is unmapped while slots are left.
 */
static void vmap_overflow_releases_all(struct kunit *test)
{
	enum { N = 80 }; /* 1.25 MiB of 16 KiB tables, 80 of 128 slots */
	size_t size = 16384;
	char *t[N];
	unsigned char v[4];

	if (zt_sys_page() > size)
		kunit_skip(test, "system page above 16 KiB");
	for (int i = 0; i < N; i++) {
		t[i] = zs_vzalloc(size);
		KUNIT_ASSERT_NOT_NULL(test, t[i]);
		memset(t[i], 0x3c, size);
	}
	for (int i = 0; i < N; i++)
		zs_vfree(t[i], size);
	for (int i = 0; i < N; i++)
		KUNIT_EXPECT_EQ(test, mincore(t[i], size, v), 0);
	KUNIT_EXPECT_FALSE(test, zt_resident(t[0], zt_sys_page()));
	KUNIT_EXPECT_TRUE(test, zt_resident(t[N - 1], zt_sys_page()));
	zs_vmap_trim();
	KUNIT_EXPECT_FALSE(test, zt_resident(t[N - 1], zt_sys_page()));
}

/*
 * A trim with a reserve keeps the tables freed last that fit in it, still
 * resident, and gives the earlier ones back; a full trim then gives back
 * the reserve too.
 */
static void vmap_trim_keeps_latest(struct kunit *test)
{
	enum { N = 4 };
	size_t sys = zt_sys_page(), size = 10 * sys;
	char *t[N];

	if (N * size > ((size_t)1 << 20))
		kunit_skip(test, "the tables would overflow the 1 MiB cache");
	zs_vmap_trim(); /* nothing resident from earlier cases */
	KUNIT_EXPECT_EQ(test, zs_vmap_resident(), 0);
	for (int i = 0; i < N; i++) {
		t[i] = zs_vzalloc(size);
		KUNIT_ASSERT_NOT_NULL(test, t[i]);
		memset(t[i], 0x5a, size);
	}
	for (int i = 0; i < N; i++)
		zs_vfree(t[i], size); /* t[N - 1] last */
	KUNIT_EXPECT_EQ(test, zs_vmap_resident(), N * size);
	/* room for three and a half: the three freed last stay */
	zs_vmap_trim_keep(3 * size + size / 2);
	KUNIT_EXPECT_EQ(test, zs_vmap_resident(), 3 * size);
	for (size_t off = 0; off < size; off += sys) {
		KUNIT_EXPECT_FALSE(test, zt_resident(t[0] + off, sys));
		for (int i = 1; i < N; i++)
			KUNIT_EXPECT_TRUE(test, zt_resident(t[i] + off, sys));
	}
	zs_vmap_trim();
	KUNIT_EXPECT_EQ(test, zs_vmap_resident(), 0);
	for (int i = 0; i < N; i++)
		KUNIT_EXPECT_FALSE(test, zt_resident(t[i], sys));
}

/* Ranges given out of order: sorted, and each adjacent run made one. */
static void ranges_coalesced(struct kunit *test)
{
	/* a real mapping's addresses; nothing is read or written */
	char *base = mmap(NULL, 0x9000, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	struct zs_range r[5];

	KUNIT_ASSERT_TRUE(test, base != MAP_FAILED);
	r[0] = (struct zs_range){base + 0x5000, 0x1000};
	r[1] = (struct zs_range){base + 0x1000, 0x1000};
	r[2] = (struct zs_range){base + 0x3000, 0x2000};
	r[3] = (struct zs_range){base + 0x0000, 0x1000};
	r[4] = (struct zs_range){base + 0x8000, 0x1000};

	KUNIT_ASSERT_EQ(test, zs_ranges_coalesce(r, 5), (size_t)3);
	KUNIT_EXPECT_PTR_EQ(test, r[0].addr, (void *)base);
	KUNIT_EXPECT_EQ(test, r[0].len, (size_t)0x2000);
	KUNIT_EXPECT_PTR_EQ(test, r[1].addr, (void *)(base + 0x3000));
	KUNIT_EXPECT_EQ(test, r[1].len, (size_t)0x3000);
	KUNIT_EXPECT_PTR_EQ(test, r[2].addr, (void *)(base + 0x8000));
	KUNIT_EXPECT_EQ(test, r[2].len, (size_t)0x1000);
	KUNIT_EXPECT_EQ(test, zs_ranges_coalesce(r, 0), (size_t)0);
	munmap(base, 0x9000);
}

/*
 * n pages of base's first span, all but every 7th (from the 4th), in a
 * scrambled order: coalesced, they must come out as the runs between the
 * pages left out, in address order.
 */
static void check_scrambled_runs(struct kunit *test, char *base, size_t n)
{
	size_t sys = zt_sys_page(), nr = 0, runs, expect = 0;
	struct zs_range *r = calloc(n, sizeof(*r));
	size_t start = 0;

	KUNIT_ASSERT_NOT_NULL(test, r);
	for (size_t i = 0; i < n; i++)
		if (i % 7 != 3)
			r[nr++] = (struct zs_range){base + i * sys, sys};
	/* scramble: a fixed permutation, so a failure repeats */
	for (size_t i = nr - 1; i > 0; i--) {
		size_t j = (i * 2654435761u + 12345u) % (i + 1);
		struct zs_range t = r[i];

		r[i] = r[j];
		r[j] = t;
	}
	runs = zs_ranges_coalesce(r, nr);
	for (size_t i = 0; i <= n; i++) {
		if (i < n && i % 7 != 3)
			continue;
		if (i > start) {
			KUNIT_ASSERT_LT(test, expect, runs);
			KUNIT_EXPECT_PTR_EQ(test, r[expect].addr,
					    (void *)(base + start * sys));
			KUNIT_EXPECT_EQ(test, r[expect].len, (i - start) * sys);
			expect++;
		}
		start = i + 1;
	}
	KUNIT_EXPECT_EQ(test, runs, expect);
	free(r);
}

/* Batches on both sides of the sort's stack buffer (512 ranges). */
static void ranges_coalesced_many(struct kunit *test)
{
	size_t sys = zt_sys_page(), span = 1200 * sys;
	char *base =
		mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	KUNIT_ASSERT_TRUE(test, base != MAP_FAILED);
	check_scrambled_runs(test, base, 2);
	check_scrambled_runs(test, base, 300);	/* 257 ranges, as a batch */
	check_scrambled_runs(test, base, 597);	/* 512 */
	check_scrambled_runs(test, base, 599);	/* 513 */
	check_scrambled_runs(test, base, 1200); /* 1029 */
	munmap(base, span);
}

enum { NR_TABLES = 20, TABLE_SIZE = 16384 };

/*
 * The table cache holding just the NR_TABLES tables of t, freed in order
 * after being written, and a pool of one object (*h) for zs_compact to
 * run on; NULL (skipped) where system pages are larger than the tables.
 */
static struct zs_pool *pool_and_freed_tables(struct kunit *test,
					     unsigned long *h, char **t)
{
	struct zs_pool *pool;

	if (zt_sys_page() > TABLE_SIZE)
		kunit_skip(test, "system page above 16 KiB");
	pool = zs_create_pool("tables");
	KUNIT_ASSERT_NOT_NULL(test, pool);
	*h = zs_malloc(pool, 100);
	KUNIT_ASSERT_NE(test, *h, 0);
	zs_vmap_trim();
	for (int i = 0; i < NR_TABLES; i++) {
		t[i] = zs_vzalloc(TABLE_SIZE);
		KUNIT_ASSERT_NOT_NULL(test, t[i]);
		memset(t[i], 0x77, TABLE_SIZE);
	}
	for (int i = 0; i < NR_TABLES; i++)
		zs_vfree(t[i], TABLE_SIZE);
	KUNIT_EXPECT_EQ(test, zs_vmap_resident(), NR_TABLES * TABLE_SIZE);
	return pool;
}

static void pool_and_tables_done(struct zs_pool *pool, unsigned long h)
{
	zs_free(pool, h);
	zs_destroy_pool(pool);
	zs_vmap_trim();
}

/*
 * zs_compact gives the freed tables back but for ZS_VMAP_TRIM_KEEP: with
 * well over that cached (320 KiB of 16 KiB tables), compacting a pool
 * leaves some, at most the reserve, resident.
 */
static void compact_keeps_table_reserve(struct kunit *test)
{
	char *t[NR_TABLES];
	unsigned long h;
	struct zs_pool *pool = pool_and_freed_tables(test, &h, t);

	zs_compact(pool);
	KUNIT_EXPECT_GT(test, zs_vmap_resident(), 0);
	KUNIT_EXPECT_LE(test, zs_vmap_resident(), ZS_VMAP_TRIM_KEEP);
	/* the tables freed last are the ones kept */
	KUNIT_EXPECT_TRUE(test, zt_resident(t[NR_TABLES - 1], zt_sys_page()));
	KUNIT_EXPECT_FALSE(test, zt_resident(t[0], zt_sys_page()));
	pool_and_tables_done(pool, h);
}

/*
 * Under a trim threshold zs_compact keeps that much of the freed tables
 * too: of the same 320 KiB, all but the oldest 64 KiB with a 256 KiB
 * threshold, and all of them with 1 MiB.
 */
static void compact_keeps_tables_under_threshold(struct kunit *test)
{
	const size_t all = NR_TABLES * TABLE_SIZE;
	const size_t keeps[] = {256 << 10, 1 << 20};

	for (unsigned int k = 0; k < 2; k++) {
		char *t[NR_TABLES];
		unsigned long h;
		struct zs_pool *pool = pool_and_freed_tables(test, &h, t);
		size_t old = zs_set_page_trim_threshold(keeps[k]);

		zs_compact(pool);
		zs_set_page_trim_threshold(old);
		KUNIT_EXPECT_EQ(test, zs_vmap_resident(),
				keeps[k] < all ? keeps[k] : all);
		KUNIT_EXPECT_TRUE(test,
				  zt_resident(t[NR_TABLES - 1], zt_sys_page()));
		KUNIT_EXPECT_EQ(test, zt_resident(t[0], zt_sys_page()),
				keeps[k] >= all);
		pool_and_tables_done(pool, h);
	}
}

static struct kunit_case release_cases[] = {
	KUNIT_CASE(release_batched_path),
	KUNIT_CASE(release_per_range_path),
	KUNIT_CASE(release_hole_in_batch),
	KUNIT_CASE(release_in_forked_child),
	KUNIT_CASE(vmap_trim_keeps_address),
	KUNIT_CASE(vmap_overflow_releases_all),
	KUNIT_CASE(vmap_trim_keeps_latest),
	KUNIT_CASE(ranges_coalesced),
	KUNIT_CASE(ranges_coalesced_many),
	KUNIT_CASE(compact_keeps_table_reserve),
	KUNIT_CASE(compact_keeps_tables_under_threshold),
	{},
};

static struct kunit_suite release_suite = {
	.name = "release",
	.test_cases = release_cases,
};
kunit_test_suite(release_suite);
