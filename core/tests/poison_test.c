// SPDX-License-Identifier: MIT
/*
 * Which page bytes a memory checker lets the program touch. Under ASan the
 * shadow can be asked without a report: an object's requested bytes are
 * open exactly while it is mapped, everything else in page memory (free
 * objects, other objects, the requested size's tail) stays closed.
 */
#include "zs_test_util.h"

#include "kernel/sanitize.h"

static void need_asan(struct kunit *test)
{
#if !defined(ZS_ASAN)
	kunit_skip(test, "needs ASan to read the shadow");
#else
	(void)test;
#endif
}

static void poison_inside_page_object(struct kunit *test)
{
	struct zs_pool *pool;
	unsigned long h, other;
	unsigned char *p;
	size_t i, cls;

	need_asan(test);
	pool = zt_pool_geo(test, 4096, 4, 0);
	cls = zs_class_size(pool, 100);
	h = zs_malloc(pool, 100);
	other = zs_malloc(pool, 100);
	KUNIT_ASSERT_NE(test, h, 0ul);
	p = zs_map_object(pool, h, ZS_MM_WO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < 100; i++)
		KUNIT_ASSERT_FALSE(test, zs_san_is_closed(p + i));
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + 100)); /* the tail */
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + cls)); /* next object */
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + 3 * cls)); /* a free one */
	memset(p, 1, 100);
	zs_unmap_object(pool, h);
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p));
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + 96));
	zs_free(pool, h);
	zs_free(pool, other);
}

/* 3072-byte objects at 4 KiB: the second spans two pages (area copy). */
static void poison_spanning_object(struct kunit *test)
{
	struct zs_pool *pool;
	unsigned long a, b;
	unsigned char *p;
	size_t i;

	need_asan(test);
	pool = zt_pool_geo(test, 4096, 4, 0);
	a = zs_malloc(pool, 3072);
	b = zs_malloc(pool, 3070);
	KUNIT_ASSERT_NE(test, b, 0ul);
	KUNIT_ASSERT_TRUE(test, zt_write(pool, b, 3070, 4));
	p = zs_map_object(pool, b, ZS_MM_RO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < 3070; i++)
		KUNIT_ASSERT_FALSE(test, zs_san_is_closed(p + i));
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + 3070));
	KUNIT_EXPECT_EQ(test, zt_mismatch(p, 3070, 4), (size_t)3070);
	zs_unmap_object(pool, b);
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p));
	zs_free(pool, a);
	zs_free(pool, b);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

static struct kunit_case poison_cases[] = {
	KUNIT_CASE(poison_inside_page_object),
	KUNIT_CASE(poison_spanning_object),
	{}};

static struct kunit_suite poison_suite = {
	.name = "poison",
	.test_cases = poison_cases,
};
kunit_test_suite(poison_suite);
