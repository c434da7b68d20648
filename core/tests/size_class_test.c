// SPDX-License-Identifier: MIT
/*
 * The class table math of size_class.c, straight: geometry from a config,
 * min size against the physmem width, step counts and the top step, best
 * pages per zspage, fullness thresholds.
 */
#include "zs_test_util.h"

#include "size_class.h"

static struct zs_geometry geo_of(struct kunit *test, size_t ps,
				 unsigned int chain, unsigned int physmem)
{
	struct zs_pool_config cfg = {.page_size = ps,
				     .max_pages_per_zspage = chain,
				     .physmem_bits = physmem};
	struct zs_geometry g;
	char why[160];

	KUNIT_EXPECT_EQ_MSG(test, zs_geometry_init(&g, &cfg, why, sizeof(why)),
			    0, "%s", why);
	return g;
}

static void size_class_defaults_at_4k(struct kunit *test)
{
	struct zs_geometry g = geo_of(test, 0, 0, 0);

	KUNIT_EXPECT_EQ(test, g.page_size, (size_t)4096);
	KUNIT_EXPECT_EQ(test, g.chain, 4u);
	KUNIT_EXPECT_EQ(test, g.physmem_bits, ZS_DEFAULT_PHYSMEM_BITS);
	KUNIT_EXPECT_EQ(test, g.delta, (size_t)16);
	KUNIT_EXPECT_EQ(test, g.min_size, (size_t)32);
	KUNIT_EXPECT_EQ(test, g.nr_steps, 255u);
	KUNIT_EXPECT_EQ(test, zs_step_size(&g, 254), (size_t)4096);
	KUNIT_EXPECT_TRUE(test, g.merge);
}

/* The seed's bug: (max - min) / delta + 1 steps top out at 65312. */
static void size_class_top_step_is_the_page_at_64k_32bit(struct kunit *test)
{
	struct zs_geometry g = geo_of(test, 65536, 4, 32);
	size_t seed_top =
		g.min_size + (g.max_size - g.min_size) / g.delta * g.delta;

	KUNIT_EXPECT_EQ(test, seed_top, (size_t)65312);
	KUNIT_EXPECT_EQ(test, g.nr_steps, 257u);
	KUNIT_EXPECT_EQ(test, zs_step_size(&g, g.nr_steps - 1), (size_t)65536);
	KUNIT_EXPECT_LT(test, zs_step_size(&g, g.nr_steps - 2), (size_t)65536);
	KUNIT_EXPECT_EQ(test, zs_size_to_step(&g, 65536), g.nr_steps - 1);
	KUNIT_EXPECT_EQ(test, zs_size_to_step(&g, 65313), g.nr_steps - 1);
}

/*
 * min = max(32, (chain << shift) >> OBJ_INDEX_BITS). The narrowest index
 * (physmem = word width) leaves page_shift - 1 bits, which makes the
 * shifted term exactly 2 * chain: 32 at chain 16, the boundary.
 */
static void size_class_min_size_against_physmem(struct kunit *test)
{
	static const size_t pages[] = {4096, 16384, 65536};
	unsigned int p, chain, pm;

	for (p = 0; p < 3; p++) {
		for (chain = 1; chain <= 16; chain++) {
			unsigned int shift = zt_log2(pages[p]);

			for (pm = shift + 1; pm <= ZT_BITS_PER_LONG; pm++) {
				struct zs_geometry g =
					geo_of(test, pages[p], chain, pm);
				unsigned int ib =
					ZT_BITS_PER_LONG - (pm - shift) - 1;
				size_t term = ((size_t)chain << shift) >> ib;

				KUNIT_EXPECT_EQ(test, g.obj_index_bits, ib);
				KUNIT_EXPECT_EQ(test, g.min_size,
						term > 32 ? term : (size_t)32);
				KUNIT_EXPECT_EQ(test, g.min_size % 8,
						(size_t)0);
				KUNIT_EXPECT_EQ(
					test, zs_step_size(&g, g.nr_steps - 1),
					pages[p]);
				KUNIT_EXPECT_LT(
					test, zs_step_size(&g, g.nr_steps - 2),
					pages[p]);
			}
		}
		{
			struct zs_geometry g =
				geo_of(test, pages[p], 16, ZT_BITS_PER_LONG);

			KUNIT_EXPECT_EQ(test, g.obj_index_bits,
					zt_log2(pages[p]) - 1);
			KUNIT_EXPECT_EQ(test, g.min_size, (size_t)32);
		}
	}
}

/* size_to_step gives the smallest step whose size holds the size. */
static void size_class_size_to_step(struct kunit *test)
{
	struct zs_geometry g = geo_of(test, 16384, 8, 0);
	size_t s;

	for (s = 1; s <= g.max_size; s++) {
		unsigned int i = zs_size_to_step(&g, s);

		KUNIT_ASSERT_LT(test, i, g.nr_steps);
		KUNIT_ASSERT_GE(test, zs_step_size(&g, i), s);
		if (i)
			KUNIT_ASSERT_LT(test, zs_step_size(&g, i - 1), s);
	}
}

/* Brute force over n: least waste wins, ties to fewer pages. */
static void size_class_best_pages(struct kunit *test)
{
	static const size_t pages[] = {4096, 65536};
	unsigned int p, chain;
	size_t size;

	KUNIT_EXPECT_EQ(test, zs_best_pages_per_zspage(4096, 32, 4), 1u);
	KUNIT_EXPECT_EQ(test, zs_best_pages_per_zspage(4096, 3072, 4), 3u);
	KUNIT_EXPECT_EQ(test, zs_best_pages_per_zspage(4096, 4096, 16), 1u);
	KUNIT_EXPECT_EQ(test, zs_best_pages_per_zspage(4096, 2720, 4), 2u);
	for (p = 0; p < 2; p++) {
		for (chain = 1; chain <= 16; chain += 5) {
			for (size = 32; size <= pages[p]; size += 8) {
				unsigned int got = zs_best_pages_per_zspage(
					pages[p], size, chain);
				unsigned long long w, best_w;
				unsigned int n;

				KUNIT_ASSERT_GE(test, got, 1u);
				KUNIT_ASSERT_LE(test, got, chain);
				/* waste fraction of got is minimal */
				best_w = (unsigned long long)got * pages[p] %
					 size;
				for (n = 1; n <= chain; n++) {
					w = (unsigned long long)n * pages[p] %
					    size;
					/* w/n*ps < best_w/got*ps is a loss */
					KUNIT_ASSERT_FALSE(
						test, w * got < best_w * n);
					if (n < got)
						KUNIT_ASSERT_FALSE(
							test,
							w * got == best_w * n);
				}
			}
		}
	}
}

static void size_class_fullness_threshold(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, zs_fullness_of(0, 4), ZS_EMPTY);
	KUNIT_EXPECT_EQ(test, zs_fullness_of(3, 4), ZS_ALMOST_EMPTY);
	KUNIT_EXPECT_EQ(test, zs_fullness_of(4, 4), ZS_FULL);
	KUNIT_EXPECT_EQ(test, zs_fullness_of(6, 8), ZS_ALMOST_EMPTY);
	KUNIT_EXPECT_EQ(test, zs_fullness_of(7, 8), ZS_ALMOST_FULL);
	KUNIT_EXPECT_EQ(test, zs_fullness_of(1, 1), ZS_FULL);
	KUNIT_EXPECT_EQ(test, zs_fullness_of(1, 2), ZS_ALMOST_EMPTY);
	KUNIT_EXPECT_EQ(test, zs_fullness_of(96, 128), ZS_ALMOST_EMPTY);
	KUNIT_EXPECT_EQ(test, zs_fullness_of(97, 128), ZS_ALMOST_FULL);
}

static void size_class_refusals_say_why(struct kunit *test)
{
	static const struct zs_pool_config bad[] = {
		{.page_size = 2048},   {.page_size = 12288},
		{.page_size = 131072}, {.max_pages_per_zspage = 17},
		{.physmem_bits = 12},  {.physmem_bits = ZT_BITS_PER_LONG + 1},
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct zs_geometry g;
		char why[160] = "";

		KUNIT_EXPECT_EQ(test,
				zs_geometry_init(&g, &bad[i], why, sizeof(why)),
				-1);
		KUNIT_EXPECT_GT(test, strlen(why), (size_t)10);
	}
}

static struct kunit_case size_class_cases[] = {
	KUNIT_CASE(size_class_defaults_at_4k),
	KUNIT_CASE(size_class_top_step_is_the_page_at_64k_32bit),
	KUNIT_CASE(size_class_min_size_against_physmem),
	KUNIT_CASE(size_class_size_to_step),
	KUNIT_CASE(size_class_best_pages),
	KUNIT_CASE(size_class_fullness_threshold),
	KUNIT_CASE(size_class_refusals_say_why),
	{}};

static struct kunit_suite size_class_suite = {
	.name = "size_class",
	.test_cases = size_class_cases,
};
kunit_test_suite(size_class_suite);
