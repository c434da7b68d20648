// SPDX-License-Identifier: MIT
/*
 * The kmap emulation: per-thread LIFO stack, exact address on unmap
 * (the seed's bug was unmapping an address offset into the page), bounded
 * depth, and how zs_map_object()/zs_unmap_object() use it.
 */
#include "zs_test_util.h"

#include "kernel/kmap.h"
#include "pool.h"
#include "zspage.h"

#define KT_PAGES (ZS_KMAP_DEPTH + 1)

struct kmap_fixture {
	struct zs_page page[KT_PAGES];
};

static int kmap_init(struct kunit *test)
{
	struct kmap_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	for (i = 0; i < KT_PAGES; i++) {
		f->page[i].mem = aligned_alloc(4096, 4096);
		KUNIT_ASSERT_NOT_NULL(test, f->page[i].mem);
		f->page[i].pfn = i + 1;
	}
	test->priv = f;
	return 0;
}

static void kmap_exit(struct kunit *test)
{
	struct kmap_fixture *f = test->priv;
	unsigned int i;

	for (i = 0; f && i < KT_PAGES; i++)
		free(f->page[i].mem);
}

static void kmap_balanced_nesting(struct kunit *test)
{
	struct kmap_fixture *f = test->priv;
	unsigned long before = zs_report_count();
	void *a, *b;

	a = kmap_atomic(&f->page[0]);
	b = kmap_atomic(&f->page[1]);
	KUNIT_EXPECT_PTR_EQ(test, a, f->page[0].mem);
	KUNIT_EXPECT_PTR_EQ(test, b, f->page[1].mem);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 2u);
	KUNIT_EXPECT_TRUE(test, kunmap_atomic(b));
	KUNIT_EXPECT_TRUE(test, kunmap_atomic(a));
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	KUNIT_EXPECT_EQ(test, zs_report_count(), before);
}

/* The seed's bug: kunmap_atomic(addr + offset) instead of addr. */
static void kmap_offset_address_is_reported(struct kunit *test)
{
	struct kmap_fixture *f = test->priv;
	struct zt_reports *rep = zt_record_reports(test);
	char *a = kmap_atomic(&f->page[0]);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_FALSE(test, kunmap_atomic(a + 48));
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
	KUNIT_EXPECT_STREQ(test, rep->what, "kunmap_atomic");
	/* nothing changed: the right address still unmaps */
	KUNIT_EXPECT_EQ(test, kmap_depth(), 1u);
	KUNIT_EXPECT_TRUE(test, kunmap_atomic(a));
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
}

static void kmap_out_of_order_is_reported(struct kunit *test)
{
	struct kmap_fixture *f = test->priv;
	struct zt_reports *rep = zt_record_reports(test);
	void *a = kmap_atomic(&f->page[0]);
	void *b = kmap_atomic(&f->page[1]);

	KUNIT_EXPECT_FALSE(test, kunmap_atomic(a));
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 2u);
	KUNIT_EXPECT_TRUE(test, kunmap_atomic(b));
	KUNIT_EXPECT_TRUE(test, kunmap_atomic(a));
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
}

static void kmap_empty_unmap_is_reported(struct kunit *test)
{
	struct kmap_fixture *f = test->priv;
	struct zt_reports *rep = zt_record_reports(test);

	KUNIT_EXPECT_FALSE(test, kunmap_atomic(f->page[0].mem));
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
	KUNIT_EXPECT_STREQ(test, rep->what, "kunmap_atomic");
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
}

static void kmap_depth_is_bounded(struct kunit *test)
{
	struct kmap_fixture *f = test->priv;
	struct zt_reports *rep = zt_record_reports(test);
	void *addr[ZS_KMAP_DEPTH];
	unsigned int i;

	for (i = 0; i < ZS_KMAP_DEPTH; i++) {
		addr[i] = kmap_atomic(&f->page[i]);
		KUNIT_EXPECT_NOT_NULL(test, addr[i]);
	}
	KUNIT_EXPECT_EQ(test, rep->count, 0ul);
	KUNIT_EXPECT_NULL(test, kmap_atomic(&f->page[ZS_KMAP_DEPTH]));
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
	KUNIT_EXPECT_STREQ(test, rep->what, "kmap_atomic");
	KUNIT_EXPECT_EQ(test, kmap_depth(), (unsigned int)ZS_KMAP_DEPTH);
	for (i = ZS_KMAP_DEPTH; i-- > 0;)
		KUNIT_EXPECT_TRUE(test, kunmap_atomic(addr[i]));
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
}

/*
 * 3072-byte objects at 4 KiB pages: object 0 lies inside page 0, object 1
 * spans pages 0 and 1. Inside-page maps hold the page kmapped until unmap;
 * spanning maps copy and hold nothing.
 */
static void kmap_held_by_inside_page_maps_only(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned long inside, spans;

	KUNIT_ASSERT_EQ(test, zs_class_size(pool, 3072), (size_t)3072);
	inside = zs_malloc(pool, 3072);
	spans = zs_malloc(pool, 3072);
	KUNIT_ASSERT_NE(test, inside, 0ul);
	KUNIT_ASSERT_NE(test, spans, 0ul);

	KUNIT_ASSERT_NOT_NULL(test, zs_map_object(pool, inside, ZS_MM_RW));
	KUNIT_EXPECT_EQ(test, kmap_depth(), 1u);
	zs_unmap_object(pool, inside);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);

	KUNIT_ASSERT_NOT_NULL(test, zs_map_object(pool, spans, ZS_MM_RW));
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	zs_unmap_object(pool, spans);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);

	zs_free(pool, inside);
	zs_free(pool, spans);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

/* A kmap left above the object's own makes its unmap a violation. */
static void kmap_unmap_under_foreign_kmap(struct kunit *test)
{
	struct kmap_fixture *f = test->priv;
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned long h = zs_malloc(pool, 100);
	struct zt_reports *rep;
	void *extra;

	KUNIT_ASSERT_NE(test, h, 0ul);
	KUNIT_ASSERT_TRUE(test, zt_write(pool, h, 100, 7));
	KUNIT_ASSERT_NOT_NULL(test, zs_map_object(pool, h, ZS_MM_RO));
	extra = kmap_atomic(&f->page[0]);
	rep = zt_record_reports(test);
	zs_unmap_object(pool, h);
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
	KUNIT_EXPECT_STREQ(test, rep->what, "kunmap_atomic");
	/* still mapped: set the stack right and unmap for real */
	KUNIT_EXPECT_TRUE(test, kunmap_atomic(extra));
	zs_unmap_object(pool, h);
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	KUNIT_EXPECT_TRUE(test, zt_check(pool, h, 100, 7, ZS_MM_RO));
	zs_free(pool, h);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/*
 * Allocation under a full stack: a fresh object needs no mapping, but a
 * freed one must have its link read through one. That fails cleanly and
 * changes nothing.
 */
static void kmap_full_stack_fails_malloc_cleanly(struct kunit *test)
{
	struct kmap_fixture *f = test->priv;
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	struct zt_reports *rep = zt_record_reports(test);
	void *addr[ZS_KMAP_DEPTH];
	unsigned int i;
	unsigned long h, keep, pages;

	keep = zs_malloc(pool, 64);
	h = zs_malloc(pool, 64);
	KUNIT_ASSERT_NE(test, keep, 0ul);
	KUNIT_ASSERT_NE(test, h, 0ul);
	zs_free(pool, h); /* the zspage's free list now holds one object */
	/* its link in page memory, not waiting in the class (zspage.c) */
	zspage_store_link(pool, &pool->classes[zt_class_of(pool, 64)]);
	pages = zs_get_total_pages(pool);
	for (i = 0; i < ZS_KMAP_DEPTH; i++)
		addr[i] = kmap_atomic(&f->page[i]);
	KUNIT_EXPECT_EQ(test, zs_malloc(pool, 64), 0ul);
	KUNIT_EXPECT_GE(test, rep->count, 1ul);
	for (i = ZS_KMAP_DEPTH; i-- > 0;)
		kunmap_atomic(addr[i]);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), pages);
	h = zs_malloc(pool, 64);
	KUNIT_EXPECT_NE(test, h, 0ul);
	zs_free(pool, h);
	zs_free(pool, keep);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

/*
 * A free stores its link in the object through a kmap, but late
 * (zspage.c): the class's next push stores it, and a pop of that same
 * object takes it from the class with no mapping at all.
 */
static void kmap_free_stores_link_late(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned long h[3], again, before;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		h[i] = zs_malloc(pool, 64);
		KUNIT_ASSERT_NE(test, h[i], 0ul);
		KUNIT_ASSERT_TRUE(test, zt_write(pool, h[i], 64, i));
	}
	before = kmap_total();
	zs_free(pool, h[0]); /* its link waits */
	KUNIT_EXPECT_EQ(test, kmap_total() - before, 0ul);
	before = kmap_total();
	zs_free(pool, h[1]); /* stores h[0]'s, h[1]'s waits */
	KUNIT_EXPECT_EQ(test, kmap_total() - before, 1ul);
	before = kmap_total();
	/* h[1]'s object: its link from the class */
	again = zs_malloc(pool, 64);
	KUNIT_EXPECT_EQ(test, kmap_total() - before, 0ul);
	KUNIT_ASSERT_NE(test, again, 0ul);
	before = kmap_total();
	/* h[0]'s object: its link in memory */
	h[1] = zs_malloc(pool, 64);
	KUNIT_EXPECT_EQ(test, kmap_total() - before, 1ul);
	KUNIT_ASSERT_NE(test, h[1], 0ul);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_TRUE(test, zt_check(pool, h[2], 64, 2, ZS_MM_RO));
	zs_free(pool, again);
	zs_free(pool, h[1]);
	zs_free(pool, h[2]);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

static struct kunit_case kmap_cases[] = {
	KUNIT_CASE(kmap_balanced_nesting),
	KUNIT_CASE(kmap_offset_address_is_reported),
	KUNIT_CASE(kmap_out_of_order_is_reported),
	KUNIT_CASE(kmap_empty_unmap_is_reported),
	KUNIT_CASE(kmap_depth_is_bounded),
	KUNIT_CASE(kmap_held_by_inside_page_maps_only),
	KUNIT_CASE(kmap_unmap_under_foreign_kmap),
	KUNIT_CASE(kmap_full_stack_fails_malloc_cleanly),
	KUNIT_CASE(kmap_free_stores_link_late),
	{}};

static struct kunit_suite kmap_suite = {
	.name = "kmap",
	.init = kmap_init,
	.exit = kmap_exit,
	.test_cases = kmap_cases,
};
kunit_test_suite(kmap_suite);
