// SPDX-License-Identifier: MIT
/*
 * The core built with ZS_HANDLE_WRAP_TEST (zsmalloc_wrap): 3-bit
 * generations and a 4-slot reuse quarantine. A freed handle stays stale
 * through 7 reuses of its slot, each a generation later, and comes back as
 * the same value at the 8th; the quarantine holds a slot for 4 frees.
 */
#include "zs_test_util.h"

#include "handle.h"
#include "pool.h"

static void wrap_geometry(struct kunit *test)
{
	struct zs_pool *pool = zt_pool(test, NULL);
	struct zs_pool_info info;

	zs_pool_info(pool, &info);
	KUNIT_EXPECT_EQ(test, info.handle_quarantine, 4ul);
	KUNIT_EXPECT_EQ(test, info.handle_generations, 8ul);
	KUNIT_EXPECT_EQ(test, ZS_HANDLE_GEN_BITS, 3u);
}

/* Frees one fresh object and returns its handle. */
static unsigned long churn_one(struct kunit *test, struct zs_pool *pool)
{
	unsigned long h = zs_malloc(pool, 40);

	KUNIT_ASSERT_NE(test, h, 0ul);
	zs_free(pool, h);
	return h;
}

/* The slot of h is reused only after 4 other frees. */
static void wrap_quarantine(struct kunit *test)
{
	struct zs_pool *pool = zt_pool(test, NULL);
	unsigned long h0 = churn_one(test, pool), h;
	unsigned long slot0 = zs_handle_slot_index(h0);
	unsigned int frees = 0;

	do {
		h = churn_one(test, pool);
		frees++;
		KUNIT_ASSERT_LE(test, frees, 5u);
	} while (zs_handle_slot_index(h) != slot0);
	/* h0's free and 4 more fill the ring; the 5th alloc pops h0's slot */
	KUNIT_EXPECT_EQ(test, frees, 5u);
	KUNIT_EXPECT_EQ(test, zs_handle_gen(h), (zs_handle_gen(h0) + 1) & 7u);
}

/*
 * One slot through a whole cycle: each reuse is one generation on, every
 * older handle of it is reported stale meanwhile, and after 8 reuses the
 * first handle is issued again and names the new object.
 */
static void wrap_cycle(struct kunit *test)
{
	struct zt_reports *rep = zt_record_reports(test);
	struct zs_pool *pool = zt_pool(test, NULL);
	unsigned long h0 = churn_one(test, pool), h = 0, x;
	unsigned long slot0 = zs_handle_slot_index(h0);
	unsigned int reuses = 0, gen = zs_handle_gen(h0), i;

	while (reuses < 8) {
		x = zs_malloc(pool, 40);
		KUNIT_ASSERT_NE(test, x, 0ul);
		if (zs_handle_slot_index(x) == slot0) {
			reuses++;
			gen = (gen + 1) & 7u;
			KUNIT_EXPECT_EQ(test, zs_handle_gen(x), gen);
			if (reuses < 8) {
				rep->count = 0;
				KUNIT_EXPECT_NULL(
					test,
					zs_map_object(pool, h0, ZS_MM_RO));
				KUNIT_EXPECT_EQ(test, rep->count, 1ul);
			} else {
				h = x;
				break;
			}
		}
		zs_free(pool, x);
	}
	KUNIT_ASSERT_EQ(test, h, h0);
	KUNIT_EXPECT_TRUE(test, zt_write(pool, h, 40, 7));
	KUNIT_EXPECT_TRUE(test, zt_check(pool, h, 40, 7, ZS_MM_RO));
	zs_free(pool, h);
	/* freed again: the reissued value is stale like any other */
	rep->count = 0;
	KUNIT_EXPECT_NULL(test, zs_map_object(pool, h0, ZS_MM_RO));
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
	for (i = 0; i < 64; i++)
		churn_one(test, pool);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

static struct kunit_case wrap_cases[] = {KUNIT_CASE(wrap_geometry),
					 KUNIT_CASE(wrap_quarantine),
					 KUNIT_CASE(wrap_cycle),
					 {}};

static struct kunit_suite wrap_suite = {
	.name = "handle_wrap",
	.test_cases = wrap_cases,
};
kunit_test_suite(wrap_suite);
