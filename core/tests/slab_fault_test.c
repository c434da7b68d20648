// SPDX-License-Identifier: MIT
/*
 * Metadata allocation failing at every N: pool creation, zs_malloc (new
 * zspages, descriptors, table leaves) and mapping all fail cleanly, leave
 * the pool consistent and leak nothing.
 */
#include "zs_test_util.h"

#include "kernel/percpu.h"
#include "kernel/slab.h"

static void slab_fault_create_pool_every_n(struct kunit *test)
{
	struct zs_pool_config cfg = {.page_size = 16384,
				     .max_pages_per_zspage = 8};
	unsigned int nth, failures = 0;
	long live;

	/* the mapping area must not come or go in between */
	KUNIT_ASSERT_TRUE(test, zs_cpu_down());
	live = zs_slab_live();

	for (nth = 1; nth < 100; nth++) {
		struct zs_pool *pool;

		zs_slab_fail_nth(nth);
		pool = zs_create_pool_config("fault", &cfg);
		zs_slab_fail_nth(0);
		if (pool) {
			KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
			zs_destroy_pool(pool);
			break;
		}
		failures++;
		KUNIT_EXPECT_EQ_MSG(test, zs_slab_live(), live, "nth %u", nth);
	}
	KUNIT_EXPECT_GE(test, failures, 2u);
	KUNIT_EXPECT_LT(test, nth, 100u);
	KUNIT_EXPECT_EQ(test, zs_slab_live(), live);
}

/* Every kind of size: new zspage per class, page spanning included. */
static size_t size_at(unsigned int i, size_t max)
{
	static const size_t fracs[] = {1, 3, 7, 2, 5, 9, 11, 13};

	return (i * 97 + fracs[i % 8] * max / 16) % max + 1;
}

static void slab_fault_malloc_every_n(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned long h[64];
	unsigned int nth, i, got = 0, failed = 0;

	for (nth = 1; nth <= 4; nth++) {
		for (i = 0; i < 16; i++) {
			unsigned int k = (nth - 1) * 16 + i;
			size_t size = size_at(k, 4096);

			zs_slab_fail_nth(nth);
			h[k] = zs_malloc(pool, size);
			zs_slab_fail_nth(0);
			if (!h[k]) {
				failed++;
				continue;
			}
			got++;
			KUNIT_EXPECT_TRUE(test, zt_write(pool, h[k], size, k));
			KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
		}
	}
	KUNIT_EXPECT_GT(test, failed, 0u);
	KUNIT_EXPECT_GT(test, got, 0u);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), zt_class_pages(pool));
	for (i = 0; i < 64; i++) {
		if (!h[i])
			continue;
		KUNIT_EXPECT_TRUE(test, zt_check(pool, h[i], size_at(i, 4096),
						 i, ZS_MM_RO));
		zs_free(pool, h[i]);
	}
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

/*
 * A long run with a fault every few allocations crosses the table leaves
 * (handle slots past 1024, pfns past 1024) while failing.
 */
static void slab_fault_long_run(struct kunit *test)
{
	enum { N = 3000 };
	struct zs_pool *pool = zt_pool_geo(test, 4096, 16, 0);
	unsigned long *h = kunit_kcalloc(test, N, sizeof(*h), GFP_KERNEL);
	uint64_t rng = 0x1234567;
	unsigned int i, failed = 0;
	long live_before;

	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < N; i++) {
		size_t size = zt_rand(&rng) % 4096 + 1;

		if (i % 5 == 0)
			zs_slab_fail_nth(zt_rand(&rng) % 3 + 1);
		h[i] = zs_malloc(pool, size);
		if (!h[i])
			failed++;
		if (i % 500 == 0)
			KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	}
	zs_slab_fail_nth(0);
	KUNIT_EXPECT_GT(test, failed, 0u);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), zt_class_pages(pool));
	live_before = zs_slab_live();
	for (i = 0; i < N; i++)
		zs_free(pool, h[i]);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
	/* zspage descriptors went, their pages' with them; leaves stay */
	KUNIT_EXPECT_LE(test, zs_slab_live(), live_before);
}

static void slab_fault_map_area(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned long h = zs_malloc(pool, 3000);
	unsigned long reports = zs_report_count();

	KUNIT_ASSERT_NE(test, h, 0ul);
	KUNIT_ASSERT_TRUE(test, zs_cpu_down());
	zs_slab_fail_nth(1);
	KUNIT_EXPECT_NULL(test, zs_map_object(pool, h, ZS_MM_WO));
	zs_slab_fail_nth(0);
	KUNIT_EXPECT_EQ(test, zs_report_count(), reports);
	KUNIT_EXPECT_TRUE(test, zt_write(pool, h, 3000, 5));
	KUNIT_EXPECT_TRUE(test, zt_check(pool, h, 3000, 5, ZS_MM_RW));
	zs_free(pool, h);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/* A destroyed pool gives back every metadata allocation it made. */
static void slab_fault_destroy_returns_everything(struct kunit *test)
{
	struct zs_pool *pool;
	unsigned int i;
	long live;

	KUNIT_ASSERT_TRUE(test, zs_cpu_down());
	live = zs_slab_live();
	pool = zs_create_pool("leak");
	KUNIT_ASSERT_NOT_NULL(test, pool);
	for (i = 0; i < 2000; i++)
		KUNIT_EXPECT_NE(test, zs_malloc(pool, size_at(i, 4096)), 0ul);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	zs_destroy_pool(pool); /* with live objects: all of it goes */
	KUNIT_EXPECT_EQ(test, zs_slab_live(), live);
}

static struct kunit_case slab_fault_cases[] = {
	KUNIT_CASE(slab_fault_create_pool_every_n),
	KUNIT_CASE(slab_fault_malloc_every_n),
	KUNIT_CASE(slab_fault_long_run),
	KUNIT_CASE(slab_fault_map_area),
	KUNIT_CASE(slab_fault_destroy_returns_everything),
	{}};

static struct kunit_suite slab_fault_suite = {
	.name = "slab_fault",
	.test_cases = slab_fault_cases,
};
kunit_test_suite(slab_fault_suite);
