// SPDX-License-Identifier: MIT
/*
 * The class layout cache: a layout served from the cache is the one
 * worked out from scratch, for a geometry seen just before (a hit), after
 * enough others to push it out (worked out again), and for geometries that
 * differ in one part of the key only (page size, chain, smallest size,
 * merging); and a pool's classes carry the layout of its geometry.
 */
#include "zs_test_util.h"

#include "class_layout.h"
#include "pool.h"

/* A geometry from its config; the test fails when it is refused. */
static void geo_of(struct kunit *test, struct zs_geometry *g, size_t page_size,
		   unsigned int chain, unsigned int physmem, int no_merge)
{
	struct zs_pool_config cfg = {.page_size = page_size,
				     .max_pages_per_zspage = chain,
				     .physmem_bits = physmem,
				     .no_class_merge = no_merge};
	char why[160];

	KUNIT_ASSERT_EQ(test, zs_geometry_init(g, &cfg, why, sizeof(why)), 0);
}

/* Layouts a and b say the same for every step of g. */
static void expect_same(struct kunit *test, const struct zs_geometry *g,
			const struct zs_class_layout *a,
			const struct zs_class_layout *b)
{
	KUNIT_ASSERT_EQ(test, a->nr_steps, g->nr_steps);
	KUNIT_ASSERT_EQ(test, b->nr_steps, g->nr_steps);
	KUNIT_EXPECT_EQ(test, a->nr_distinct, b->nr_distinct);
	KUNIT_EXPECT_EQ(test, memcmp(a->pages, b->pages, g->nr_steps), 0);
	KUNIT_EXPECT_EQ(
		test,
		memcmp(a->objs, b->objs, g->nr_steps * sizeof(a->objs[0])), 0);
	KUNIT_EXPECT_EQ(test,
			memcmp(a->served_by, b->served_by,
			       g->nr_steps * sizeof(a->served_by[0])),
			0);
	KUNIT_EXPECT_EQ(test,
			memcmp(a->serving, b->serving,
			       a->nr_distinct * sizeof(a->serving[0])),
			0);
	KUNIT_EXPECT_EQ(test,
			memcmp(a->serving_from, b->serving_from,
			       (g->nr_steps + 1) * sizeof(a->serving_from[0])),
			0);
}

/* Worked out: each step's pages are the best chain, objects fill them,
 * and a merged step has the geometry of the step that serves it. */
static void layout_compute_rules(struct kunit *test)
{
	static struct zs_class_layout l;
	struct zs_geometry g;

	geo_of(test, &g, 4096, 4, 0, 0);
	zs_class_layout_compute(&g, &l);
	KUNIT_ASSERT_EQ(test, l.nr_steps, g.nr_steps);
	for (unsigned int i = 0; i < g.nr_steps; i++) {
		size_t size = zs_step_size(&g, i);
		unsigned int s = l.served_by[i];

		KUNIT_EXPECT_EQ(test, (unsigned int)l.pages[i],
				zs_best_pages_per_zspage(4096, size, 4));
		KUNIT_EXPECT_EQ(test, (unsigned int)l.objs[i],
				(unsigned int)(l.pages[i] * 4096u / size));
		KUNIT_ASSERT_GE(test, s, i);
		KUNIT_ASSERT_LT(test, s, g.nr_steps);
		KUNIT_EXPECT_EQ(test, l.served_by[s], s);
		KUNIT_EXPECT_EQ(test, l.pages[s], l.pages[i]);
		KUNIT_EXPECT_EQ(test, l.objs[s], l.objs[i]);
	}
	KUNIT_EXPECT_LT(test, l.nr_distinct, g.nr_steps); /* some merged */
	KUNIT_EXPECT_EQ(test, (unsigned int)l.serving_from[g.nr_steps],
			l.nr_distinct);
}

/* A hit, and a miss after eviction, give what compute gives. */
static void layout_cache_hit_and_evicted(struct kunit *test)
{
	static struct zs_class_layout want, got;
	struct zs_geometry g, other;

	geo_of(test, &g, 16384, 7, 0, 0);
	zs_class_layout_compute(&g, &want);
	zs_class_layout_get(&g, &got); /* maybe a miss */
	expect_same(test, &g, &want, &got);
	memset(&got, 0xa5, sizeof(got));
	zs_class_layout_get(&g, &got); /* a hit */
	expect_same(test, &g, &want, &got);
	/* more geometries than the cache keeps, then g again */
	for (unsigned int chain = 1; chain <= 16; chain++) {
		geo_of(test, &other, 4096, chain, 0, 1);
		zs_class_layout_get(&other, &got);
	}
	memset(&got, 0x5a, sizeof(got));
	zs_class_layout_get(&g, &got);
	expect_same(test, &g, &want, &got);
}

/* Geometries one key part apart get layouts of their own. */
static void layout_cache_key_parts(struct kunit *test)
{
	static struct zs_class_layout want, got;
	/* page size, chain, merging: each differs from the first in one
	 * part only; a physmem width that leaves the smallest size as it
	 * is shares the first's layout */
	static const struct {
		size_t page_size;
		unsigned int chain, physmem;
		int no_merge;
	} geos[] = {
		{4096, 4, 0, 0},  {8192, 4, 0, 0}, {4096, 5, 0, 0},
		{4096, 4, 20, 0}, {4096, 4, 0, 1},
	};
	struct zs_geometry g;

	for (unsigned int round = 0; round < 2; round++) {
		for (size_t k = 0; k < sizeof(geos) / sizeof(geos[0]); k++) {
			geo_of(test, &g, geos[k].page_size, geos[k].chain,
			       ZT_WIDTH(geos[k].physmem), geos[k].no_merge);
			zs_class_layout_compute(&g, &want);
			zs_class_layout_get(&g, &got);
			expect_same(test, &g, &want, &got);
		}
	}
}

/* A pool's classes (and a second shard's) carry its geometry's layout. */
static void layout_in_pool(struct kunit *test)
{
	static struct zs_class_layout want;
	struct zs_pool_config cfg = {
		.page_size = 65536, .max_pages_per_zspage = 16, .shards = 2};
	struct zs_pool *pool = zs_create_pool_config("layout", &cfg);

	KUNIT_ASSERT_NOT_NULL(test, pool);
	zs_class_layout_compute(&pool->geo, &want);
	KUNIT_EXPECT_EQ(test, pool->nr_distinct, want.nr_distinct);
	for (unsigned int i = 0; i < pool->geo.nr_steps; i++) {
		struct size_class *c = &pool->classes[i];

		KUNIT_EXPECT_EQ(test, c->pages_per_zspage,
				(unsigned int)want.pages[i]);
		KUNIT_EXPECT_EQ(test, c->objs_per_zspage,
				(unsigned int)want.objs[i]);
		KUNIT_EXPECT_EQ(test, c->served_by,
				(unsigned int)want.served_by[i]);
		KUNIT_EXPECT_EQ(test, c->size, zs_step_size(&pool->geo, i));
	}
	KUNIT_EXPECT_EQ(test,
			memcmp(pool->serving, want.serving,
			       want.nr_distinct * sizeof(want.serving[0])),
			0);
	zs_destroy_pool(pool);
}

static struct kunit_case class_layout_cases[] = {
	KUNIT_CASE(layout_compute_rules),
	KUNIT_CASE(layout_cache_hit_and_evicted),
	KUNIT_CASE(layout_cache_key_parts),
	KUNIT_CASE(layout_in_pool),
	{}};

static struct kunit_suite class_layout_suite = {
	.name = "class_layout",
	.test_cases = class_layout_cases,
};

kunit_test_suite(class_layout_suite);
