// SPDX-License-Identifier: MIT
/*
 * Fullness groups: a zspage moves between almost empty, almost full and
 * full at the 3/4 threshold, allocation goes to the fullest zspage, and a
 * zspage whose last object is freed is released at once.
 */
#include "zs_test_util.h"

struct fclass {
	size_t page_size;
	size_t size;
};

/* Capacities from 1 to 256 objects per zspage, at each page size. */
static const struct fclass fclasses[] = {
	{4096, 4096},  {4096, 2048},  {4096, 3072},   {4096, 1024},
	{4096, 512},   {4096, 48},    {4096, 32},     {16384, 16384},
	{16384, 5440}, {16384, 1024}, {65536, 65536}, {65536, 21760},
	{65536, 4096},
};

static void fclass_desc(const struct fclass *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "page %zu size %zu", c->page_size,
		 c->size);
}

KUNIT_ARRAY_PARAM(fclass, fclasses, fclass_desc);

/* Classes with room for an almost-full and an almost-empty zspage. */
static const struct fclass roomy[] = {
	{4096, 512},   {4096, 48},    {4096, 32},
	{16384, 5440}, {16384, 1024}, {65536, 4096},
};

KUNIT_ARRAY_PARAM(roomy, roomy, fclass_desc);

/* The group a zspage with inuse of objs objects belongs to. */
static enum zs_fullness_group group_of(unsigned int inuse, unsigned int objs)
{
	if (inuse == 0)
		return ZS_EMPTY;
	if (inuse == objs)
		return ZS_FULL;
	if (4 * inuse <= 3 * objs)
		return ZS_ALMOST_EMPTY;
	return ZS_ALMOST_FULL;
}

struct cls {
	struct zs_pool *pool;
	unsigned int index;
	size_t size;
	unsigned int objs, ppz;
	unsigned long *h;
};

static struct cls *cls_for(struct kunit *test, const struct fclass *c,
			   unsigned int zspages)
{
	struct cls *k = kunit_kzalloc(test, sizeof(*k), GFP_KERNEL);
	struct zs_class_stat st;

	KUNIT_ASSERT_NOT_NULL(test, k);
	k->pool = zt_pool_geo(test, c->page_size, 4, 0);
	k->index = zt_class_of(k->pool, c->size);
	KUNIT_ASSERT_NE(test, k->index, UINT_MAX);
	KUNIT_ASSERT_EQ(test, zs_class_stat(k->pool, k->index, &st), 0);
	k->size = st.size;
	k->objs = st.objs_per_zspage;
	k->ppz = st.pages_per_zspage;
	KUNIT_ASSERT_GE(test, k->objs, 1u);
	k->h = kunit_kcalloc(test, (size_t)k->objs * zspages + 1, sizeof(*k->h),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, k->h);
	return k;
}

/* The class holds exactly the zspages given as counts per group. */
static void expect_groups(struct kunit *test, struct cls *k, unsigned long ae,
			  unsigned long af, unsigned long full,
			  const char *when)
{
	struct zs_class_stat st;
	unsigned long zspages = ae + af + full;

	KUNIT_ASSERT_EQ(test, zs_class_stat(k->pool, k->index, &st), 0);
	KUNIT_EXPECT_EQ_MSG(test, st.zspages[ZS_EMPTY], 0UL, "%s", when);
	KUNIT_EXPECT_EQ_MSG(test, st.zspages[ZS_ALMOST_EMPTY], ae, "%s", when);
	KUNIT_EXPECT_EQ_MSG(test, st.zspages[ZS_ALMOST_FULL], af, "%s", when);
	KUNIT_EXPECT_EQ_MSG(test, st.zspages[ZS_FULL], full, "%s", when);
	KUNIT_EXPECT_EQ_MSG(test, st.pages_used, zspages * k->ppz, "%s", when);
	KUNIT_EXPECT_EQ_MSG(test, st.obj_allocated, zspages * k->objs, "%s",
			    when);
}

/* One zspage filled object by object, then emptied the same way. */
static void fullness_transitions(struct kunit *test)
{
	struct cls *k = cls_for(test, test->param_value, 1);
	struct zs_class_stat st;
	char when[64];
	unsigned int i;

	for (i = 1; i <= k->objs; i++) {
		enum zs_fullness_group g = group_of(i, k->objs);

		k->h[i - 1] = zs_malloc(k->pool, k->size);
		KUNIT_ASSERT_NE(test, k->h[i - 1], 0UL);
		snprintf(when, sizeof(when), "%u of %u in use", i, k->objs);
		expect_groups(test, k, g == ZS_ALMOST_EMPTY,
			      g == ZS_ALMOST_FULL, g == ZS_FULL, when);
		KUNIT_ASSERT_EQ(test, zs_class_stat(k->pool, k->index, &st), 0);
		KUNIT_EXPECT_EQ(test, st.obj_used, (unsigned long)i);
	}
	for (i = k->objs; i > 0; i--) {
		enum zs_fullness_group g = group_of(i - 1, k->objs);

		zs_free(k->pool, k->h[i - 1]);
		snprintf(when, sizeof(when), "%u of %u in use after free",
			 i - 1, k->objs);
		if (i > 1)
			expect_groups(test, k, g == ZS_ALMOST_EMPTY,
				      g == ZS_ALMOST_FULL, g == ZS_FULL, when);
	}
	/* the empty zspage is gone at once */
	expect_groups(test, k, 0, 0, 0, "all freed");
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(k->pool), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(k->pool), 0);
}

/*
 * Two zspages, A (the first filled) and B. A keeps a in use, B keeps b;
 * the next allocation must land in the fuller one, which the groups show.
 */
static void two_zspages(struct kunit *test, struct cls *k, unsigned int a,
			unsigned int b)
{
	unsigned int n = k->objs, i;
	unsigned int fa, fb;

	for (i = 0; i < 2 * n; i++) {
		k->h[i] = zs_malloc(k->pool, k->size);
		KUNIT_ASSERT_NE(test, k->h[i], 0UL);
	}
	expect_groups(test, k, 0, 0, 2, "two full zspages");
	/* A holds h[0..n), B holds h[n..2n): A filled before B was made */
	for (i = a; i < n; i++) {
		zs_free(k->pool, k->h[i]);
		k->h[i] = 0;
	}
	for (i = n + b; i < 2 * n; i++) {
		zs_free(k->pool, k->h[i]);
		k->h[i] = 0;
	}
	KUNIT_ASSERT_EQ(test,
			group_of(a, n) == ZS_ALMOST_FULL ||
				group_of(b, n) == ZS_ALMOST_FULL,
			true);
	expect_groups(test, k,
		      (group_of(a, n) == ZS_ALMOST_EMPTY) +
			      (group_of(b, n) == ZS_ALMOST_EMPTY),
		      (group_of(a, n) == ZS_ALMOST_FULL) +
			      (group_of(b, n) == ZS_ALMOST_FULL),
		      0, "before the allocation");

	/* the allocation goes to the fuller zspage */
	fa = a > b ? a + 1 : a;
	fb = a > b ? b : b + 1;
	k->h[2 * n] = zs_malloc(k->pool, k->size);
	KUNIT_ASSERT_NE(test, k->h[2 * n], 0UL);
	expect_groups(test, k,
		      (group_of(fa, n) == ZS_ALMOST_EMPTY) +
			      (group_of(fb, n) == ZS_ALMOST_EMPTY),
		      (group_of(fa, n) == ZS_ALMOST_FULL) +
			      (group_of(fb, n) == ZS_ALMOST_FULL),
		      (group_of(fa, n) == ZS_FULL) +
			      (group_of(fb, n) == ZS_FULL),
		      "after allocating: fuller zspage first");

	for (i = 0; i <= 2 * n; i++)
		zs_free(k->pool, k->h[i]);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(k->pool), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(k->pool), 0);
}

static void fullness_prefers_fullest(struct kunit *test)
{
	const struct fclass *c = test->param_value;
	struct cls *k = cls_for(test, c, 2);
	unsigned int n = k->objs;

	if (n < 8)
		kunit_skip(test,
			   "%u objects per zspage: no room for both "
			   "groups",
			   n);
	/* the older zspage almost full, the newer almost empty */
	two_zspages(test, k, n - 1, 2);
	/* and the other way round */
	memset(k->h, 0, 2 * n * sizeof(*k->h));
	two_zspages(test, k, 1, n - 1);
}

/* Almost-empty zspages are used before a new zspage is made. */
static void fullness_no_new_zspage_while_room(struct kunit *test)
{
	struct cls *k = cls_for(test, test->param_value, 2);
	unsigned int n = k->objs, i;

	for (i = 0; i < 2 * n; i++) {
		k->h[i] = zs_malloc(k->pool, k->size);
		KUNIT_ASSERT_NE(test, k->h[i], 0UL);
	}
	/* free half of each zspage, then allocate that many again */
	for (i = 0; i < 2 * n; i += 2) {
		zs_free(k->pool, k->h[i]);
		k->h[i] = 0;
	}
	for (i = 0; i < 2 * n; i += 2) {
		k->h[i] = zs_malloc(k->pool, k->size);
		KUNIT_ASSERT_NE(test, k->h[i], 0UL);
	}
	expect_groups(test, k, 0, 0, 2, "holes refilled");
	for (i = 0; i < 2 * n; i++)
		zs_free(k->pool, k->h[i]);
	KUNIT_EXPECT_EQ(test, zs_pool_check(k->pool), 0);
}

/* A zspage is released the moment it empties, not on the next call. */
static void fullness_empty_released_at_once(struct kunit *test)
{
	struct cls *k = cls_for(test, test->param_value, 2);
	unsigned int n = k->objs, i;
	unsigned long lone;

	lone = zs_malloc(k->pool, k->size);
	KUNIT_ASSERT_NE(test, lone, 0UL);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(k->pool),
			(unsigned long)k->ppz);
	zs_free(k->pool, lone);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(k->pool), 0UL);
	expect_groups(test, k, 0, 0, 0, "lone object freed");

	/* a full zspage and one with a single object; free that object */
	for (i = 0; i <= n; i++) {
		k->h[i] = zs_malloc(k->pool, k->size);
		KUNIT_ASSERT_NE(test, k->h[i], 0UL);
	}
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(k->pool), 2UL * k->ppz);
	zs_free(k->pool, k->h[n]);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(k->pool),
			(unsigned long)k->ppz);
	expect_groups(test, k, 0, 0, 1, "second zspage emptied");
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, zs_get_total_pages(k->pool),
				(unsigned long)k->ppz);
		zs_free(k->pool, k->h[i]);
	}
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(k->pool), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(k->pool), 0);
}

static struct kunit_case fullness_cases[] = {
	KUNIT_CASE_PARAM(fullness_transitions, fclass_gen_params),
	KUNIT_CASE_PARAM(fullness_prefers_fullest, roomy_gen_params),
	KUNIT_CASE_PARAM(fullness_no_new_zspage_while_room, fclass_gen_params),
	KUNIT_CASE_PARAM(fullness_empty_released_at_once, fclass_gen_params),
	{}};

static struct kunit_suite fullness_suite = {
	.name = "zs_fullness",
	.test_cases = fullness_cases,
};

kunit_test_suite(fullness_suite);
