// SPDX-License-Identifier: MIT
/*
 * Every object size, written through WO, read back through RO and RW and
 * rewritten through RW, with many objects live at once so that an overrun
 * or a wrong copy-back shows on a neighbour. Objects that straddle pages are
 * included by filling whole zspages of every class.
 */
#include "zs_test_util.h"

/* A set of live objects and what each must hold. */
struct batch {
	struct zs_pool *pool;
	size_t n, cap;
	unsigned long *h;
	size_t *size;
	unsigned long *seed;
};

static struct batch *batch_new(struct kunit *test, struct zs_pool *pool,
			       size_t cap)
{
	struct batch *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	b->pool = pool;
	b->cap = cap;
	b->h = kunit_kcalloc(test, cap, sizeof(*b->h), GFP_KERNEL);
	b->size = kunit_kcalloc(test, cap, sizeof(*b->size), GFP_KERNEL);
	b->seed = kunit_kcalloc(test, cap, sizeof(*b->seed), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->h);
	KUNIT_ASSERT_NOT_NULL(test, b->size);
	KUNIT_ASSERT_NOT_NULL(test, b->seed);
	return b;
}

static void batch_add(struct kunit *test, struct batch *b, size_t size)
{
	size_t i = b->n;
	unsigned long h;

	KUNIT_ASSERT_LT(test, i, b->cap);
	h = zs_malloc(b->pool, size);
	KUNIT_ASSERT_NE_MSG(test, h, 0UL, "zs_malloc(%zu)", size);
	b->h[i] = h;
	b->size[i] = size;
	b->seed[i] = (unsigned long)(i * 7919 + size);
	KUNIT_ASSERT_TRUE_MSG(test, zt_write(b->pool, h, size, b->seed[i]),
			      "WO map of size %zu", size);
	b->n++;
}

/* Every object through one mode; the first bad one fails the case. */
static void batch_verify(struct kunit *test, struct batch *b,
			 enum zs_mapmode mm, const char *pass)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		void *p;
		size_t bad;

		if (!b->h[i])
			continue;
		p = zs_map_object(b->pool, b->h[i], mm);
		KUNIT_ASSERT_NOT_NULL(test, p);
		bad = zt_mismatch(p, b->size[i], b->seed[i]);
		zs_unmap_object(b->pool, b->h[i]);
		if (bad != b->size[i]) {
			KUNIT_FAIL(test,
				   "%s: object %zu of size %zu (class %zu) "
				   "wrong at byte %zu",
				   pass, i, b->size[i],
				   zs_class_size(b->pool, b->size[i]), bad);
			return;
		}
	}
}

/* Check and rewrite every object through RW: the new bytes must stick. */
static void batch_rewrite(struct kunit *test, struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		unsigned long next = b->seed[i] ^ 0x5a5a5a5aUL;

		if (!b->h[i])
			continue;
		if (!zt_rewrite(b->pool, b->h[i], b->size[i], b->seed[i],
				next)) {
			KUNIT_FAIL(test, "RW: object %zu of size %zu wrong", i,
				   b->size[i]);
			return;
		}
		b->seed[i] = next;
	}
}

/* Free every other object, check the rest, then free those too. */
static void batch_free_all(struct kunit *test, struct batch *b)
{
	size_t i;

	for (i = 1; i < b->n; i += 2) {
		zs_free(b->pool, b->h[i]);
		b->h[i] = 0;
	}
	KUNIT_EXPECT_EQ(test, zs_pool_check(b->pool), 0);
	batch_verify(test, b, ZS_MM_RO, "after freeing neighbours");
	for (i = 0; i < b->n; i += 2) {
		zs_free(b->pool, b->h[i]);
		b->h[i] = 0;
	}
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(b->pool), 0UL);
	KUNIT_EXPECT_EQ(test, zt_class_pages(b->pool), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(b->pool), 0);
}

/* The full round: RO, RW rewrite, RO and WO-only neighbours, free. */
static void batch_round(struct kunit *test, struct batch *b)
{
	KUNIT_EXPECT_EQ(test, zs_pool_check(b->pool), 0);
	batch_verify(test, b, ZS_MM_RO, "RO after WO");
	batch_verify(test, b, ZS_MM_RW, "RW after WO");
	batch_rewrite(test, b);
	batch_verify(test, b, ZS_MM_RO, "RO after RW");
	KUNIT_EXPECT_EQ(test, zs_pool_check(b->pool), 0);
	batch_free_all(test, b);
}

/* 4 KiB pages: every size from 1 to a page, two of each, all live. */
static void sizes_every_size_4k(struct kunit *test)
{
	struct zs_pool *pool = zt_pool(test, NULL);
	/* two of each size; one under Valgrind, to keep it quick */
	unsigned int copies = zt_under_valgrind() ? 1 : 2, c;
	struct batch *b = batch_new(test, pool, 2 * 4096);
	size_t s;

	for (s = 1; s <= 4096; s++)
		for (c = 0; c < copies; c++)
			batch_add(test, b, s);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), zt_class_pages(pool));
	batch_round(test, b);
}

/*
 * Larger pages: one object at each side of every step boundary, and a
 * stride through all sizes in between.
 */
static void dense_sweep(struct kunit *test, size_t ps, size_t stride)
{
	struct zs_pool *pool = zt_pool_geo(test, ps, 4, 0);
	struct zs_pool_info info;
	struct batch *b;
	unsigned int i;
	size_t s;

	if (zt_under_valgrind())
		stride *= 3;
	zs_pool_info(pool, &info);
	b = batch_new(test, pool, 3 * info.nr_size_classes + ps / stride + 2);
	for (i = 0; i < info.nr_size_classes; i++) {
		size_t step = info.min_alloc_size + i * info.size_class_delta;

		if (step > ps)
			step = ps;
		/* Valgrind: a third of the steps, the top one always */
		if (zt_under_valgrind() && i % 3 &&
		    i + 1 < info.nr_size_classes)
			continue;
		/* first size of the step, its last two */
		batch_add(test, b,
			  i ? step - info.size_class_delta + 1 : (size_t)1);
		batch_add(test, b, step - 1);
		batch_add(test, b, step);
	}
	for (s = stride; s <= ps; s += stride)
		batch_add(test, b, s);
	batch_round(test, b);
}

static void sizes_dense_16k(struct kunit *test)
{
	dense_sweep(test, 16384, 97);
}

static void sizes_dense_64k(struct kunit *test)
{
	dense_sweep(test, 65536, 251);
}

/*
 * Straddling objects: every serving class gets one zspage filled to the
 * last object plus one more, with requested sizes spread over the class's
 * range, all classes live together.
 */
static void fill_classes(struct kunit *test, size_t ps, unsigned int chain)
{
	struct zs_pool *pool = zt_pool_geo(test, ps, chain, 0);
	struct zs_pool_info info;
	struct batch *b;
	size_t cap = 0, prev = 0;
	unsigned int i, k, nth = 0;

	zs_pool_info(pool, &info);
	for (i = 0; i < info.nr_size_classes; i++) {
		struct zs_class_stat st;

		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &st), 0);
		if (st.merged_into == i)
			cap += st.objs_per_zspage + 1;
	}
	b = batch_new(test, pool, cap);
	for (i = 0; i < info.nr_size_classes; i++) {
		struct zs_class_stat st;
		size_t span;

		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &st), 0);
		if (st.merged_into != i)
			continue;
		/* sizes this class serves: (prev, st.size] */
		span = st.size - prev;
		prev = st.size;
		/* Valgrind, large pages: every other class */
		if (zt_under_valgrind() && ps > 16384 && (nth++ % 2))
			continue;
		for (k = 0; k <= st.objs_per_zspage; k++)
			batch_add(test, b, st.size - (k * 31) % span);
		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &st), 0);
		KUNIT_EXPECT_EQ(test, st.pages_used, 2UL * st.pages_per_zspage);
	}
	batch_round(test, b);
}

static void sizes_straddle_4k(struct kunit *test)
{
	fill_classes(test, 4096, 4);
	if (!zt_under_valgrind())
		fill_classes(test, 4096, 16);
}

static void sizes_straddle_16k(struct kunit *test)
{
	fill_classes(test, 16384, 4);
}

static void sizes_straddle_64k(struct kunit *test)
{
	fill_classes(test, 65536, 4);
}

/*
 * RW copy-back of a straddling object writes the whole area back: bytes
 * the user did not touch must come back as they were, touched ones as
 * changed, on both sides of the page boundary.
 */
static void sizes_rw_partial_write(struct kunit *test)
{
	struct zs_pool *pool = zt_pool(test, NULL);
	unsigned char *copy = kunit_kmalloc(test, 3072, GFP_KERNEL);
	unsigned long h[4];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, copy);
	/* 4 objects of 3072 bytes in 3 pages: two of them straddle */
	for (i = 0; i < 4; i++) {
		h[i] = zs_malloc(pool, 3072);
		KUNIT_ASSERT_NE(test, h[i], 0UL);
		KUNIT_ASSERT_TRUE(test, zt_write(pool, h[i], 3072, i + 1));
	}
	for (i = 0; i < 4; i++) {
		unsigned char *p = zs_map_object(pool, h[i], ZS_MM_RW);
		unsigned char *q;

		KUNIT_ASSERT_NOT_NULL(test, p);
		/* change one byte in each half; the rest must survive */
		p[100] ^= 0xff;
		p[3000] ^= 0xff;
		zs_unmap_object(pool, h[i]);
		q = zs_map_object(pool, h[i], ZS_MM_RO);
		KUNIT_ASSERT_NOT_NULL(test, q);
		memcpy(copy, q, 3072);
		zs_unmap_object(pool, h[i]);
		q = copy;
		q[100] ^= 0xff;
		q[3000] ^= 0xff;
		KUNIT_EXPECT_EQ_MSG(test, zt_mismatch(q, 3072, i + 1),
				    (size_t)3072, "object %u", i);
	}
	for (i = 0; i < 4; i++)
		zs_free(pool, h[i]);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

static struct kunit_case sizes_cases[] = {
	KUNIT_CASE(sizes_every_size_4k),    KUNIT_CASE(sizes_dense_16k),
	KUNIT_CASE(sizes_dense_64k),	    KUNIT_CASE(sizes_straddle_4k),
	KUNIT_CASE(sizes_straddle_16k),	    KUNIT_CASE(sizes_straddle_64k),
	KUNIT_CASE(sizes_rw_partial_write), {}};

static struct kunit_suite sizes_suite = {
	.name = "zs_sizes",
	.test_cases = sizes_cases,
};

kunit_test_suite(sizes_suite);
