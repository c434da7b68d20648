// SPDX-License-Identifier: MIT
/*
 * The size-class table of a pool, checked against a model recomputed here
 * from the rules in docs/core-design.md: class count, min/max size, delta,
 * pages per zspage, merging, and zs_class_size(), for every page size,
 * chain length and a range of physmem widths.
 */
#include "zs_test_util.h"

#define ZT_MAX_STEPS 512

struct geo {
	size_t page_size;
	unsigned int chain;
	unsigned int physmem; /* 0: the platform's */
};

/* What the pool's table must hold, computed independently. */
struct model {
	unsigned int shift;
	unsigned int physmem;
	unsigned int index_bits;
	size_t min, max, delta;
	unsigned int count;
	unsigned int distinct;
	size_t size[ZT_MAX_STEPS];
	unsigned int ppz[ZT_MAX_STEPS];
	unsigned int objs[ZT_MAX_STEPS];
	unsigned int merged[ZT_MAX_STEPS];
};

/*
 * Best usage of n pages for objects of size: compare used/(n*ps) as exact
 * fractions (cross-multiplied), ties going to fewer pages.
 */
static unsigned int best_pages(size_t ps, unsigned int chain, size_t size)
{
	unsigned long long best_used = 0, best_span = 1;
	unsigned int n, best = 1;

	for (n = 1; n <= chain; n++) {
		unsigned long long span = (unsigned long long)n * ps;
		unsigned long long used = span / size * size;

		if (used * best_span > best_used * span) {
			best_used = used;
			best_span = span;
			best = n;
		}
	}
	return best;
}

static void build_model(struct model *m, const struct geo *g, int merge)
{
	unsigned int i;
	size_t min;

	memset(m, 0, sizeof(*m));
	m->shift = zt_log2(g->page_size);
	m->physmem = g->physmem ? g->physmem : ZT_DEFAULT_PHYSMEM;
	m->index_bits = ZT_BITS_PER_LONG - (m->physmem - m->shift) - 1;
	/* a shift by >= the word width is undefined: such a min is 0 */
	min = m->index_bits >= ZT_BITS_PER_LONG
		      ? 0
		      : ((size_t)g->chain << m->shift) >> m->index_bits;
	if (min < 32)
		min = 32;
	m->min = (min + 7) / 8 * 8;
	m->max = g->page_size;
	m->delta = g->page_size >> 8;
	m->count =
		(unsigned int)((m->max - m->min + m->delta - 1) / m->delta) + 1;
	if (m->count > ZT_MAX_STEPS)
		return;
	for (i = 0; i < m->count; i++) {
		size_t s = m->min + i * m->delta;

		m->size[i] = s < m->max ? s : m->max;
		m->ppz[i] = best_pages(g->page_size, g->chain, m->size[i]);
		m->objs[i] =
			(unsigned int)(m->ppz[i] * g->page_size / m->size[i]);
	}
	/* from the top down: equal geometry with the step above shares it */
	for (i = m->count; i-- > 0;) {
		m->merged[i] = i;
		if (merge && i + 1 < m->count && m->ppz[i] == m->ppz[i + 1] &&
		    m->objs[i] == m->objs[i + 1])
			m->merged[i] = m->merged[i + 1];
		if (m->merged[i] == i)
			m->distinct++;
	}
}

/*
 * Widths: the platform's, 32 bits (the seed's 64 KiB bug), a small one
 * (page_shift + 20, which widens OBJ_INDEX_BITS) and the full word, which
 * leaves OBJ_INDEX_BITS at its narrowest (page_shift - 1). Each is run at
 * every chain length from 1 to 16 (a loop, not a parameter: one pool per
 * chain is cheap, a forked case per chain is not under Valgrind).
 */
static const struct geo geos[] = {
	{4096, 0, 0},
	{16384, 0, 0},
	{65536, 0, 0},
	{4096, 0, 32},
	{16384, 0, 32},
	{65536, 0, 32},
	{16384, 0, ZT_WIDTH(34)},
	{65536, 0, ZT_WIDTH(36)},
	{4096, 0, ZT_BITS_PER_LONG},
	{16384, 0, ZT_BITS_PER_LONG},
	{65536, 0, ZT_BITS_PER_LONG},
};

static void geo_desc(const struct geo *g, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "page %zu physmem %u",
		 g->page_size, g->physmem);
}

KUNIT_ARRAY_PARAM(geo, geos, geo_desc);

/* Run one check at chain lengths 1..16; stop at the first that fails. */
static void for_each_chain(struct kunit *test,
			   void (*check)(struct kunit *, const struct geo *))
{
	const struct geo *p = test->param_value;
	unsigned int chain;

	for (chain = 1; chain <= 16; chain++) {
		struct geo g = {p->page_size, chain, p->physmem};

		check(test, &g);
		if (test->status == KUNIT_FAILURE) {
			kunit_info(test, "failed at chain %u", chain);
			return;
		}
	}
}

static struct model *model_for(struct kunit *test, const struct geo *g,
			       int merge)
{
	struct model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	build_model(m, g, merge);
	KUNIT_ASSERT_LE(test, m->count, ZT_MAX_STEPS);
	return m;
}

static struct zs_pool *pool_for(struct kunit *test, const struct geo *g,
				int merge)
{
	struct zs_pool_config cfg = {
		.page_size = g->page_size,
		.max_pages_per_zspage = g->chain,
		.physmem_bits = g->physmem,
		.no_class_merge = !merge,
	};

	return zt_pool(test, &cfg);
}

static void check_info(struct kunit *test, struct zs_pool *pool,
		       const struct geo *g, const struct model *m, int merge)
{
	struct zs_pool_info info;

	zs_pool_info(pool, &info);
	KUNIT_EXPECT_EQ(test, info.page_size, g->page_size);
	KUNIT_EXPECT_EQ(test, info.page_shift, m->shift);
	KUNIT_EXPECT_EQ(test, info.max_pages_per_zspage, g->chain);
	KUNIT_EXPECT_EQ(test, info.physmem_bits, m->physmem);
	KUNIT_EXPECT_EQ(test, info.obj_index_bits, m->index_bits);
	KUNIT_EXPECT_EQ(test, info.min_alloc_size, m->min);
	KUNIT_EXPECT_EQ(test, info.max_alloc_size, g->page_size);
	KUNIT_EXPECT_EQ(test, zs_max_alloc_size(pool), g->page_size);
	KUNIT_EXPECT_EQ(test, info.size_class_delta, g->page_size >> 8);
	KUNIT_EXPECT_EQ(test, info.nr_size_classes, m->count);
	KUNIT_EXPECT_EQ(test, info.nr_distinct_classes, m->distinct);
	KUNIT_EXPECT_EQ(test, !!info.class_merge, !!merge);
}

/* Every step's row against the model; one failure names the first bad row. */
static void check_steps(struct kunit *test, struct zs_pool *pool,
			const struct model *m)
{
	struct zs_class_stat st;
	unsigned int i, g;

	for (i = 0; i < m->count; i++) {
		unsigned int w = m->merged[i];
		unsigned long held;

		if (zs_class_stat(pool, i, &st) != 0) {
			KUNIT_FAIL(test, "zs_class_stat(%u) failed", i);
			return;
		}
		held = st.obj_allocated + st.obj_used + st.pages_used;
		for (g = 0; g < ZS_NR_FULLNESS_GROUPS; g++)
			held += st.zspages[g];
		if (st.index != i || st.merged_into != w ||
		    st.size != m->size[w] || st.pages_per_zspage != m->ppz[w] ||
		    st.objs_per_zspage != m->objs[w] || held != 0) {
			KUNIT_FAIL(test,
				   "step %u (size %zu): got index %u merged "
				   "%u size %zu pages %u objs %u held %lu; "
				   "want merged %u size %zu pages %u objs %u "
				   "held 0",
				   i, m->size[i], st.index, st.merged_into,
				   st.size, st.pages_per_zspage,
				   st.objs_per_zspage, held, w, m->size[w],
				   m->ppz[w], m->objs[w]);
			return;
		}
	}
	KUNIT_EXPECT_EQ(test, zs_class_stat(pool, m->count, &st), -1);
	KUNIT_EXPECT_EQ(test, zs_class_stat(pool, UINT_MAX, &st), -1);
}

/*
 * zs_class_size() at both ends of every step and in its middle: the
 * smallest serving class that holds the size.
 */
static void check_class_size(struct kunit *test, struct zs_pool *pool,
			     const struct model *m)
{
	unsigned int i, k;

	for (i = 0; i < m->count; i++) {
		size_t lo = i ? m->size[i - 1] + 1 : 1;
		size_t at[3] = {lo, (lo + m->size[i]) / 2, m->size[i]};
		size_t want = m->size[m->merged[i]];

		for (k = 0; k < 3; k++) {
			size_t got = zs_class_size(pool, at[k]);

			if (got != want) {
				KUNIT_FAIL(test,
					   "zs_class_size(%zu) = %zu, want %zu",
					   at[k], got, want);
				return;
			}
		}
	}
	KUNIT_EXPECT_EQ(test, zs_class_size(pool, m->max + 1), (size_t)0);
}

static void geometry_one(struct kunit *test, const struct geo *g)
{
	struct model *m = model_for(test, g, 1);
	struct zs_pool *pool = pool_for(test, g, 1);
	unsigned int i;

	check_info(test, pool, g, m, 1);
	check_steps(test, pool, m);
	check_class_size(test, pool, m);

	/* the top step is exactly one page, whatever min and delta are */
	KUNIT_EXPECT_EQ(test, m->size[m->count - 1], g->page_size);
	KUNIT_EXPECT_EQ(test, zs_class_size(pool, g->page_size), g->page_size);

	/* merged steps share geometry; unmerged neighbours differ */
	for (i = 0; i + 1 < m->count; i++) {
		struct zs_class_stat a, b;

		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &a), 0);
		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i + 1, &b), 0);
		if (a.merged_into == b.merged_into) {
			KUNIT_EXPECT_EQ(test, a.pages_per_zspage,
					b.pages_per_zspage);
			KUNIT_EXPECT_EQ(test, a.objs_per_zspage,
					b.objs_per_zspage);
		} else {
			bool differ =
				a.pages_per_zspage != b.pages_per_zspage ||
				a.objs_per_zspage != b.objs_per_zspage;

			KUNIT_EXPECT_TRUE_MSG(test, differ,
					      "steps %u and %u could merge", i,
					      i + 1);
			KUNIT_EXPECT_EQ_MSG(test, a.merged_into, i,
					    "unmerged step %u serves itself",
					    i);
		}
		/* the served size holds the step's sizes */
		KUNIT_EXPECT_GE(test, a.size, m->size[i]);
	}
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

static void no_merge_one(struct kunit *test, const struct geo *g)
{
	struct model *m = model_for(test, g, 0);
	struct zs_pool *pool = pool_for(test, g, 0);
	struct zs_class_stat st;
	unsigned int i;

	check_info(test, pool, g, m, 0);
	KUNIT_EXPECT_EQ(test, m->distinct, m->count);
	check_steps(test, pool, m);
	check_class_size(test, pool, m);
	for (i = 0; i < m->count; i++) {
		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &st), 0);
		KUNIT_EXPECT_EQ(test, st.merged_into, i);
	}
}

static void class_table_geometry(struct kunit *test)
{
	for_each_chain(test, geometry_one);
}

static void class_table_no_merge(struct kunit *test)
{
	for_each_chain(test, no_merge_one);
}

/* zs_create_pool(): 4 KiB pages, chain 4, the platform width. */
static void class_table_defaults(struct kunit *test)
{
	struct zs_pool *pool = zt_pool(test, NULL);
	struct zs_pool_config zero = {0};
	struct zs_pool *pool0 = zt_pool(test, &zero);
	struct zs_pool_info a, b;

	zs_pool_info(pool, &a);
	KUNIT_EXPECT_EQ(test, a.page_size, (size_t)4096);
	KUNIT_EXPECT_EQ(test, a.page_shift, 12u);
	KUNIT_EXPECT_EQ(test, a.max_pages_per_zspage, 4u);
	KUNIT_EXPECT_EQ(test, a.physmem_bits, ZT_DEFAULT_PHYSMEM);
	KUNIT_EXPECT_EQ(test, a.min_alloc_size, (size_t)32);
	KUNIT_EXPECT_EQ(test, a.max_alloc_size, (size_t)4096);
	KUNIT_EXPECT_EQ(test, a.size_class_delta, (size_t)16);
	KUNIT_EXPECT_EQ(test, a.nr_size_classes, 255u);
	KUNIT_EXPECT_TRUE(test, a.class_merge);

	/* an all-zero config means the same */
	zs_pool_info(pool0, &b);
	KUNIT_EXPECT_EQ(test, b.page_size, a.page_size);
	KUNIT_EXPECT_EQ(test, b.max_pages_per_zspage, a.max_pages_per_zspage);
	KUNIT_EXPECT_EQ(test, b.physmem_bits, a.physmem_bits);
	KUNIT_EXPECT_EQ(test, b.nr_size_classes, a.nr_size_classes);
	KUNIT_EXPECT_EQ(test, b.nr_distinct_classes, a.nr_distinct_classes);
}

/*
 * Every size of a page, not only step boundaries: the answer holds the
 * size, is a serving class, and no smaller serving class would do.
 */
static void class_table_class_size_sweep(struct kunit *test)
{
	static const size_t pages[] = {4096, 16384, 65536};
	unsigned int p;

	for (p = 0; p < 3; p++) {
		struct geo g = {pages[p], 4, 0};
		struct model *m = model_for(test, &g, 1);
		struct zs_pool *pool = pool_for(test, &g, 1);
		unsigned int step = 0;
		size_t s;

		for (s = 1; s <= g.page_size; s++) {
			size_t got = zs_class_size(pool, s);

			while (m->size[step] < s)
				step++;
			if (got != m->size[m->merged[step]]) {
				KUNIT_FAIL(test,
					   "page %zu: zs_class_size(%zu) = "
					   "%zu, want %zu",
					   g.page_size, s, got,
					   m->size[m->merged[step]]);
				return;
			}
		}
		KUNIT_EXPECT_EQ(test, zs_class_size(pool, 0), (size_t)0);
		KUNIT_EXPECT_EQ(test, zs_class_size(pool, g.page_size + 1),
				(size_t)0);
		KUNIT_EXPECT_EQ(test, zs_class_size(pool, SIZE_MAX), (size_t)0);
	}
}

/*
 * Distinct classes at 4 KiB by chain length. The kernel documents 69 at
 * chain 4 (our rule agrees exactly); for longer chains its figures come
 * from whole-percent usage and ours from exact usage, so allow 5%.
 */
static void class_table_reference_clusters(struct kunit *test)
{
	static const unsigned int ref[] = {69,	86,  93,  112, 123, 140, 143,
					   159, 164, 180, 183, 188, 191};
	unsigned int chain;

	for (chain = 4; chain <= 16; chain++) {
		struct geo g = {4096, chain, 0};
		struct zs_pool *pool = pool_for(test, &g, 1);
		struct model *m = model_for(test, &g, 1);
		struct zs_pool_info info;
		unsigned int want = ref[chain - 4];
		unsigned int got;

		zs_pool_info(pool, &info);
		got = info.nr_distinct_classes;
		KUNIT_EXPECT_EQ_MSG(test, got, m->distinct, "chain %u", chain);
		KUNIT_EXPECT_LT_MSG(test, info.nr_distinct_classes,
				    info.nr_size_classes, "chain %u", chain);
		if (chain == 4)
			KUNIT_EXPECT_EQ(test, got, 69u);
		KUNIT_EXPECT_LE_MSG(
			test, (got > want ? got - want : want - got) * 20, want,
			"chain %u: %u classes, kernel %u", chain, got, want);
	}
}

/* Configs a pool cannot honour are refused, without a report. */
static void class_table_invalid_configs(struct kunit *test)
{
	static const struct zs_pool_config bad[] = {
		{.page_size = 1},
		{.page_size = 2048},
		{.page_size = 3000},
		{.page_size = 4097},
		{.page_size = 12288},
		{.page_size = 131072},
		{.page_size = (size_t)1 << 30},
		{.max_pages_per_zspage = 17},
		{.max_pages_per_zspage = 64},
		{.max_pages_per_zspage = UINT_MAX},
		{.physmem_bits = 1},
		{.physmem_bits = 11},
		{.physmem_bits = 12}, /* no bits left for a pfn */
		{.page_size = 65536, .physmem_bits = 16},
		{.physmem_bits = ZT_BITS_PER_LONG + 1},
		{.physmem_bits = 200},
		{.physmem_bits = UINT_MAX},
	};
	struct zt_reports *rep = zt_record_reports(test);
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct zs_pool *pool = zs_create_pool_config("bad", &bad[i]);

		KUNIT_EXPECT_NULL_MSG(test, pool,
				      "config %u accepted: page %zu chain %u "
				      "physmem %u",
				      i, bad[i].page_size,
				      bad[i].max_pages_per_zspage,
				      bad[i].physmem_bits);
		if (pool)
			zs_destroy_pool(pool);
	}
	KUNIT_EXPECT_EQ(test, rep->count, 0UL);
}

/* Powers of two between the usual sizes are fine too. */
static void class_table_other_page_sizes(struct kunit *test)
{
	static const size_t pages[] = {8192, 32768};
	unsigned int p;

	for (p = 0; p < 2; p++) {
		struct geo g = {pages[p], 4, 0};
		struct model *m = model_for(test, &g, 1);
		struct zs_pool *pool = pool_for(test, &g, 1);

		check_info(test, pool, &g, m, 1);
		check_steps(test, pool, m);
	}
}

static struct kunit_case class_table_cases[] = {
	KUNIT_CASE_PARAM(class_table_geometry, geo_gen_params),
	KUNIT_CASE_PARAM(class_table_no_merge, geo_gen_params),
	KUNIT_CASE(class_table_defaults),
	KUNIT_CASE(class_table_class_size_sweep),
	KUNIT_CASE(class_table_reference_clusters),
	KUNIT_CASE(class_table_invalid_configs),
	KUNIT_CASE(class_table_other_page_sizes),
	{}};

static struct kunit_suite class_table_suite = {
	.name = "zs_class_table",
	.test_cases = class_table_cases,
};

kunit_test_suite(class_table_suite);
