// SPDX-License-Identifier: MIT
/*
 * zs_obj_read_batch: every object of a batch arrives whole and exact
 * (inside a page or across two, more objects than one group of the core,
 * duplicates), with one kmap per page and one copy per object, nothing
 * left pinned or mapped; a bad item is reported alone and the rest read.
 */
#include "zs_test_util.h"

#include "handle.h"
#include "kernel/kmap.h"
#include "kernel/sanitize.h"

#define NOBJ	 100
#define SENTINEL 0xee

struct batch {
	unsigned long h[NOBJ];
	size_t size[NOBJ];
	unsigned char *buf[NOBJ];
	size_t len[NOBJ];
	bool spans[NOBJ];
};

/* NOBJ objects of mixed sizes, written with seed i; which straddle. */
static struct batch *make_batch(struct kunit *test, struct zs_pool *pool)
{
	struct batch *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	size_t ps = zs_max_alloc_size(pool);
	size_t sizes[] = {
		1, 40, 300, ps / 3 + 5, ps / 2 + 8, ps * 3 / 4 - 3, ps - 1};
	unsigned char *copy = kunit_kzalloc(test, ps, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, copy);
	for (unsigned int i = 0; i < NOBJ; i++) {
		unsigned char *p;

		b->size[i] = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
		b->h[i] = zs_malloc(pool, b->size[i]);
		KUNIT_ASSERT_NE(test, b->h[i], 0ul);
		KUNIT_ASSERT_TRUE(test, zt_write(pool, b->h[i], b->size[i], i));
		p = zs_obj_read_begin(pool, b->h[i], copy);
		KUNIT_ASSERT_NOT_NULL(test, p);
		b->spans[i] = p == copy;
		zs_obj_read_end(pool, b->h[i], p);
		/* one byte more than the object, to see nothing more lands */
		b->buf[i] = kunit_kzalloc(test, ps + 1, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, b->buf[i]);
		memset(b->buf[i], SENTINEL, ps + 1);
	}
	return b;
}

/* Buffer i holds object i (seed i) and not a byte more. */
static void expect_read(struct kunit *test, const struct batch *b,
			unsigned int i)
{
	KUNIT_EXPECT_EQ_MSG(test, b->len[i], b->size[i], "item %u", i);
	KUNIT_EXPECT_EQ_MSG(test, zt_mismatch(b->buf[i], b->size[i], i),
			    b->size[i], "item %u", i);
	KUNIT_EXPECT_EQ_MSG(test, b->buf[i][b->size[i]], SENTINEL, "item %u",
			    i);
}

static void free_all(struct kunit *test, struct zs_pool *pool,
		     const struct batch *b)
{
	for (unsigned int i = 0; i < NOBJ; i++)
		if (b->h[i])
			zs_free(pool, b->h[i]);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

static void roundtrip_geometry(struct kunit *test, size_t page_size,
			       unsigned int chain)
{
	struct zt_reports *r = zt_record_reports(test);
	struct zs_pool *pool = zt_pool_geo(test, page_size, chain, 0);
	struct batch *b = make_batch(test, pool);
	struct zs_access_counts c0, c1;
	unsigned long bytes = 0, spanning = 0;

	for (unsigned int i = 0; i < NOBJ; i++) {
		bytes += b->size[i];
		spanning += b->spans[i];
	}
	KUNIT_ASSERT_GT(test, spanning, 0ul);
	KUNIT_ASSERT_LT(test, spanning, (unsigned long)NOBJ);
	zs_access_counts(&c0);
	KUNIT_EXPECT_EQ(
		test,
		zs_obj_read_batch(pool, b->h, NOBJ, (void **)b->buf, b->len),
		(size_t)NOBJ);
	zs_access_counts(&c1);
	for (unsigned int i = 0; i < NOBJ; i++)
		expect_read(test, b, i);
	/* a page's kmap per part, one whole copy out per object */
	KUNIT_EXPECT_EQ(test, c1.kmaps - c0.kmaps, NOBJ + spanning);
	KUNIT_EXPECT_EQ(test, c1.copies_out - c0.copies_out,
			(unsigned long)NOBJ);
	KUNIT_EXPECT_EQ(test, c1.bytes_out - c0.bytes_out, bytes);
	KUNIT_EXPECT_EQ(test, c1.copies_in - c0.copies_in, 0ul);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	/* nothing stays pinned: every free goes through without a report */
	free_all(test, pool, b);
	KUNIT_EXPECT_EQ(test, r->count, 0ul);
}

static void batch_roundtrip_4k(struct kunit *test)
{
	roundtrip_geometry(test, 4096, 4);
}

static void batch_roundtrip_64k(struct kunit *test)
{
	roundtrip_geometry(test, 65536, 16);
}

/* The same object many times over, across groups. */
static void batch_duplicates(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	struct batch *b = make_batch(test, pool);
	unsigned long h[NOBJ];
	unsigned int k = 4; /* 2050 bytes: straddles or not, either way */

	for (unsigned int i = 0; i < NOBJ; i++)
		h[i] = b->h[k];
	KUNIT_EXPECT_EQ(
		test, zs_obj_read_batch(pool, h, NOBJ, (void **)b->buf, b->len),
		(size_t)NOBJ);
	for (unsigned int i = 0; i < NOBJ; i++) {
		KUNIT_EXPECT_EQ(test, b->len[i], b->size[k]);
		KUNIT_EXPECT_EQ(test, zt_mismatch(b->buf[i], b->size[k], k),
				b->size[k]);
	}
	free_all(test, pool, b);
}

/*
 * Handles of reused slots (a later generation) beside new ones in one
 * group: each is unpinned under its own generation, so all can be freed.
 */
static void batch_generations(struct kunit *test)
{
	struct zt_reports *r = zt_record_reports(test);
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned long first, gens = 0;
	struct batch *b;

	/* run the quarantine through, so that slots come back */
	for (unsigned long i = 0; i < 3 * ZS_HANDLE_QUARANTINE; i++) {
		unsigned long h = zs_malloc(pool, 64);

		KUNIT_ASSERT_NE(test, h, 0ul);
		zs_free(pool, h);
	}
	b = make_batch(test, pool);
	first = zs_handle_gen(b->h[0]);
	for (unsigned int i = 0; i < NOBJ; i++)
		gens += zs_handle_gen(b->h[i]) != first;
	KUNIT_ASSERT_GT(test, gens, 0ul);
	KUNIT_EXPECT_EQ(
		test,
		zs_obj_read_batch(pool, b->h, NOBJ, (void **)b->buf, b->len),
		(size_t)NOBJ);
	for (unsigned int i = 0; i < NOBJ; i++)
		expect_read(test, b, i);
	free_all(test, pool, b);
	KUNIT_EXPECT_EQ(test, r->count, 0ul);
}

/*
 * Inside a RO map on the same thread (of another object: a batch closes
 * what it read to memory checkers, as a read's end does).
 */
static void batch_inside_map(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	struct batch *b = make_batch(test, pool);
	unsigned char *m = zs_map_object(pool, b->h[3], ZS_MM_RO);

	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_EQ(test,
			zs_obj_read_batch(pool, b->h + 4, NOBJ - 4,
					  (void **)b->buf + 4, b->len + 4),
			(size_t)NOBJ - 4);
	for (unsigned int i = 4; i < NOBJ; i++)
		expect_read(test, b, i);
	/* the map's own kmap, held until its unmap unless it copied */
	KUNIT_EXPECT_EQ(test, kmap_depth(), b->spans[3] ? 0u : 1u);
	KUNIT_EXPECT_EQ(test, zt_mismatch(m, b->size[3], 3), b->size[3]);
	zs_unmap_object(pool, b->h[3]);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	free_all(test, pool, b);
}

/* Bad items are reported one by one; the others are read. */
static void batch_misuse(struct kunit *test)
{
	struct zt_reports *r = zt_record_reports(test);
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	struct zs_pool *other = zt_pool_geo(test, 4096, 4, 0);
	struct batch *b = make_batch(test, pool);
	unsigned long foreign = zs_malloc(other, 100);
	unsigned char *keep9 = b->buf[9];
	unsigned long keep17 = b->h[17];

	KUNIT_ASSERT_NE(test, foreign, 0ul);
	zs_free(pool, b->h[5]); /* stale from now on */
	b->buf[9] = NULL;
	b->h[17] = foreign;
	KUNIT_EXPECT_EQ(
		test,
		zs_obj_read_batch(pool, b->h, NOBJ, (void **)b->buf, b->len),
		(size_t)NOBJ - 3);
	KUNIT_EXPECT_EQ(test, r->count, 3ul);
	KUNIT_EXPECT_STREQ(test, r->what, "zs_obj_read_batch");
	for (unsigned int i = 0; i < NOBJ; i++) {
		if (i == 5 || i == 9 || i == 17) {
			KUNIT_EXPECT_EQ(test, b->len[i], (size_t)0);
			if (b->buf[i])
				KUNIT_EXPECT_EQ(test, b->buf[i][0], SENTINEL);
		} else {
			expect_read(test, b, i);
		}
	}
	b->buf[9] = keep9;
	b->h[5] = 0;
	b->h[17] = keep17;
	zs_free(other, foreign);

	/* whole calls refused, lengths cleared */
	KUNIT_EXPECT_EQ(
		test, zs_obj_read_batch(NULL, b->h, 4, (void **)b->buf, b->len),
		(size_t)0);
	KUNIT_EXPECT_EQ(test, r->count, 4ul);
	KUNIT_EXPECT_EQ(test, b->len[0], (size_t)0);
	KUNIT_EXPECT_EQ(test,
			zs_obj_read_batch(pool, NULL, 4, (void **)b->buf, NULL),
			(size_t)0);
	KUNIT_EXPECT_EQ(test, zs_obj_read_batch(pool, b->h, 4, NULL, NULL),
			(size_t)0);
	KUNIT_EXPECT_EQ(test, r->count, 6ul);
	/* nothing to read is no misuse, and touches nothing */
	b->len[1] = 77;
	KUNIT_EXPECT_EQ(test, zs_obj_read_batch(pool, NULL, 0, NULL, b->len),
			(size_t)0);
	KUNIT_EXPECT_EQ(test, b->len[1], (size_t)77);
	KUNIT_EXPECT_EQ(test, r->count, 6ul);

	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	free_all(test, pool, b);
	KUNIT_EXPECT_EQ(test, r->count, 6ul);
}

/* Under ASan or memcheck the objects' bytes are closed after the batch. */
static void batch_poison(struct kunit *test)
{
	struct zs_pool *pool;
	struct batch *b;
	unsigned char copy[4096];
	unsigned char *p;

	if (!zs_san_tells_closed())
		kunit_skip(test, "needs ASan or memcheck to read the shadow");
	pool = zt_pool_geo(test, 4096, 4, 0);
	b = make_batch(test, pool);
	p = zs_obj_read_begin(pool, b->h[2], copy);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_TRUE(test, p != copy);
	zs_obj_read_end(pool, b->h[2], p);
	KUNIT_EXPECT_EQ(
		test,
		zs_obj_read_batch(pool, b->h, NOBJ, (void **)b->buf, b->len),
		(size_t)NOBJ);
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p));
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + b->size[2] - 1));
	free_all(test, pool, b);
}

static struct kunit_case obj_batch_cases[] = {
	KUNIT_CASE(batch_roundtrip_4k), KUNIT_CASE(batch_roundtrip_64k),
	KUNIT_CASE(batch_duplicates),	KUNIT_CASE(batch_generations),
	KUNIT_CASE(batch_inside_map),	KUNIT_CASE(batch_misuse),
	KUNIT_CASE(batch_poison),	{}};

static struct kunit_suite obj_batch_suite = {
	.name = "obj_batch",
	.test_cases = obj_batch_cases,
};
kunit_test_suite(obj_batch_suite);
