// SPDX-License-Identifier: MIT
/*
 * The arena of metadata tables (kernel/arena.c) under the table cache
 * (kernel/slab.c): tables of one size share 2 MiB mappings, carved and
 * reused with no mapping of their own; a table comes back zeroed and
 * resident; a mapping whose tables are all free again is unmapped but for
 * one spare; tables above the arena's sizes are mapped and unmapped on
 * their own. Each case uses a table size of its own, so that the spares
 * other cases leave do not count.
 */
#include "zs_test_util.h"

#include <sys/mman.h>
#include <unistd.h>

#include "kernel/arena.h"
#include "kernel/release.h"
#include "kernel/slab.h"

#define ARENA_MAP ((size_t)2 << 20)

static size_t arena_mapped(void)
{
	size_t mapped;
	unsigned long unmapped;

	zs_arena_stats(&mapped, &unmapped);
	return mapped;
}

static unsigned long arena_unmapped(void)
{
	size_t mapped;
	unsigned long unmapped;

	zs_arena_stats(&mapped, &unmapped);
	return unmapped;
}

/* A table's memory given back, then the table itself. */
static void give_back(char *t, size_t size)
{
	struct zs_range r = {t, size};

	zs_release_ranges(&r, 1);
	zs_arena_give(t, size);
}

/* What the arena serves: whole system pages, up to its largest size. */
static void arena_sizes_served(struct kunit *test)
{
	size_t sys = zt_sys_page();

	KUNIT_EXPECT_TRUE(test, zs_arena_serves(sys));
	KUNIT_EXPECT_TRUE(test, zs_arena_serves(3 * sys));
	KUNIT_EXPECT_FALSE(test, zs_arena_serves(0));
	KUNIT_EXPECT_FALSE(test, zs_arena_serves(sys + 8));
	KUNIT_EXPECT_FALSE(test, zs_arena_serves(ZS_ARENA_MAX_BYTES + sys));
}

/*
 * Hundreds of tables of one size come from one or two mappings (one per
 * table before the arena), each zeroed and resident from the start, and
 * none of them is unmapped on its own when freed; with all of them free
 * again, at most one spare mapping of theirs stays.
 */
static void arena_tables_share_mappings(struct kunit *test)
{
	enum { N = 300 };
	size_t size = 5 * zt_sys_page();
	size_t before = arena_mapped();
	unsigned long unmapped = zs_vmap_unmapped();
	char **t = kunit_kcalloc(test, N, sizeof(*t), GFP_KERNEL);
	size_t per_map = ARENA_MAP / size - 1;

	KUNIT_ASSERT_NOT_NULL(test, t);
	zs_vmap_trim();
	for (int i = 0; i < N; i++) {
		t[i] = zs_vzalloc(size);
		KUNIT_ASSERT_NOT_NULL(test, t[i]);
		/* written to already: no read maps the zero page first */
		KUNIT_EXPECT_TRUE(test, zt_resident(t[i], size));
		KUNIT_EXPECT_TRUE(test, zt_all_zero(t[i], size));
		memset(t[i], 0x4e, size);
	}
	KUNIT_EXPECT_GE(test, arena_mapped() - before, (size_t)1);
	KUNIT_EXPECT_LE(test, arena_mapped() - before, N / per_map + 2);
	for (int i = 0; i < N; i++)
		zs_vfree(t[i], size);
	zs_vmap_trim();
	KUNIT_EXPECT_LE(test, arena_mapped(), before + 1);
	KUNIT_EXPECT_EQ(test, zs_vmap_unmapped(), unmapped);
	/* given back: still mapped, not resident */
	KUNIT_EXPECT_FALSE(test, zt_resident(t[N - 1], zt_sys_page()));
}

/*
 * A mapping that empties while another of its size is empty already is
 * unmapped: two mappings' worth of tables freed leave one spare.
 */
static void arena_unmaps_emptied_mapping(struct kunit *test)
{
	size_t size = 7 * zt_sys_page();
	size_t per_map = ARENA_MAP / size - 1;
	size_t n = 2 * per_map;
	size_t before = arena_mapped();
	unsigned long gone = arena_unmapped();
	char **t = kunit_kcalloc(test, n, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	if (!zs_arena_serves(size))
		kunit_skip(test, "7 system pages are above the arena's sizes");
	for (size_t i = 0; i < n; i++) {
		t[i] = zs_arena_take(size);
		KUNIT_ASSERT_NOT_NULL(test, t[i]);
		t[i][0] = 1;
	}
	KUNIT_EXPECT_GE(test, arena_mapped() - before, (size_t)2);
	for (size_t i = 0; i < n; i++)
		give_back(t[i], size);
	KUNIT_EXPECT_LE(test, arena_mapped(), before + 1);
	KUNIT_EXPECT_GE(test, arena_unmapped() - gone, 1ul);
}

/* The place freed last is the next one taken, zeroed. */
static void arena_reuses_last_freed(struct kunit *test)
{
	size_t size = 9 * zt_sys_page();
	char *a, *b, *c;

	if (!zs_arena_serves(size))
		kunit_skip(test, "9 system pages are above the arena's sizes");
	a = zs_arena_take(size);
	b = zs_arena_take(size);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	memset(a, 0x11, size);
	give_back(a, size);
	c = zs_arena_take(size);
	KUNIT_EXPECT_PTR_EQ(test, c, a);
	KUNIT_EXPECT_TRUE(test, zt_all_zero(c, size));
	zs_arena_give(c, size);
	zs_arena_give(b, size);
}

/* A table above the arena's sizes has a mapping of its own, unmapped
 * when a trim drops it. */
static void big_table_unmapped_alone(struct kunit *test)
{
	size_t size = ZS_ARENA_MAX_BYTES + zt_sys_page();
	unsigned long unmapped = zs_vmap_unmapped();
	size_t before = arena_mapped();
	char *t;

	zs_vmap_trim();
	t = zs_vzalloc(size);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_TRUE(test, zt_all_zero(t, size));
	KUNIT_EXPECT_EQ(test, arena_mapped(), before);
	zs_vfree(t, size);
	KUNIT_EXPECT_EQ(test, zs_vmap_unmapped(), unmapped); /* cached */
	zs_vmap_trim();
	KUNIT_EXPECT_EQ(test, zs_vmap_unmapped(), unmapped + 1);
}

static struct kunit_case arena_cases[] = {
	KUNIT_CASE(arena_sizes_served),
	KUNIT_CASE(arena_tables_share_mappings),
	KUNIT_CASE(arena_unmaps_emptied_mapping),
	KUNIT_CASE(arena_reuses_last_freed),
	KUNIT_CASE(big_table_unmapped_alone),
	{},
};

static struct kunit_suite arena_suite = {
	.name = "zs_arena",
	.test_cases = arena_cases,
};
kunit_test_suite(arena_suite);
