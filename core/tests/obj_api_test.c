// SPDX-License-Identifier: MIT
/*
 * The copy-based access API (zs_obj_read_begin/_end, zs_obj_write): bytes
 * round-trip for objects inside a page and across two, the pointer is the
 * page's or the caller's copy as the 2025 kernel has it, the API mixes with
 * map/unmap on one pool, reads nest, and misuse is reported and harmless.
 */
#include "zs_test_util.h"

#include <pthread.h>

#include "kernel/kmap.h"
#include "kernel/sanitize.h"

#define NOBJ 64

/* Write through zs_obj_write, read back through read_begin/end. */
static void roundtrip_geometry(struct kunit *test, size_t page_size,
			       unsigned int chain)
{
	struct zs_pool *pool = zt_pool_geo(test, page_size, chain, 0);
	static unsigned long h[NOBJ];
	unsigned long inside = 0, across = 0;
	unsigned char *buf, *copy;
	size_t sizes[] = {1,
			  31,
			  32,
			  100,
			  777,
			  page_size / 3 + 5,
			  page_size / 2 + 8,
			  page_size * 3 / 4 - 3,
			  page_size - 1,
			  page_size};
	unsigned int s, i;

	buf = kunit_kzalloc(test, page_size, GFP_KERNEL);
	copy = kunit_kzalloc(test, page_size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, copy);
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];

		for (i = 0; i < NOBJ; i++) {
			h[i] = zs_malloc(pool, n);
			KUNIT_ASSERT_NE(test, h[i], 0ul);
			zt_fill(buf, n, i * 131 + s);
			zs_obj_write(pool, h[i], buf, n);
		}
		for (i = 0; i < NOBJ; i++) {
			unsigned char *p = zs_obj_read_begin(pool, h[i], copy);

			KUNIT_ASSERT_NOT_NULL(test, p);
			if (p == copy) {
				across++;
			} else {
				inside++;
				/* a pointer into page memory, not a copy */
				KUNIT_EXPECT_EQ(test, kmap_depth(), 1u);
			}
			KUNIT_EXPECT_EQ(test, zt_mismatch(p, n, i * 131 + s),
					n);
			zs_obj_read_end(pool, h[i], p);
			KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
		}
		KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
		for (i = 0; i < NOBJ; i++)
			zs_free(pool, h[i]);
	}
	KUNIT_EXPECT_GT(test, inside, 0ul);
	KUNIT_EXPECT_GT(test, across, 0ul);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

static void obj_roundtrip_4k(struct kunit *test)
{
	roundtrip_geometry(test, 4096, 4);
}

static void obj_roundtrip_64k(struct kunit *test)
{
	roundtrip_geometry(test, 65536, 4);
}

static void obj_roundtrip_chain16(struct kunit *test)
{
	roundtrip_geometry(test, 4096, 16);
}

/* Both APIs on one pool: each reads what the other wrote. */
static void obj_mixed_with_map(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned char buf[4096], copy[4096];
	unsigned long h[NOBJ];
	size_t n = 1500; /* some inside a page, some across */
	unsigned int i;

	for (i = 0; i < NOBJ; i++) {
		h[i] = zs_malloc(pool, n);
		KUNIT_ASSERT_NE(test, h[i], 0ul);
		if (i % 2) {
			KUNIT_ASSERT_TRUE(test, zt_write(pool, h[i], n, i));
		} else {
			zt_fill(buf, n, i);
			zs_obj_write(pool, h[i], buf, n);
		}
	}
	for (i = 0; i < NOBJ; i++) {
		unsigned char *p;

		KUNIT_EXPECT_TRUE(test, zt_check(pool, h[i], n, i, ZS_MM_RO));
		p = zs_obj_read_begin(pool, h[i], copy);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, zt_mismatch(p, n, i), n);
		zs_obj_read_end(pool, h[i], p);
		/* rewrite through RW map, read through the new API */
		KUNIT_EXPECT_TRUE(test, zt_rewrite(pool, h[i], n, i, i + 1000));
		p = zs_obj_read_begin(pool, h[i], copy);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, zt_mismatch(p, n, i + 1000), n);
		zs_obj_read_end(pool, h[i], p);
	}
	/* a read inside a map on the same thread, ended first */
	{
		void *m = zs_map_object(pool, h[0], ZS_MM_RO);
		unsigned char *p = zs_obj_read_begin(pool, h[1], copy);

		KUNIT_ASSERT_NOT_NULL(test, m);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, zt_mismatch(p, n, 1001), n);
		KUNIT_EXPECT_EQ(test, zt_mismatch(m, n, 1000), n);
		zs_obj_read_end(pool, h[1], p);
		zs_unmap_object(pool, h[0]);
	}
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	for (i = 0; i < NOBJ; i++)
		zs_free(pool, h[i]);
}

/* Nested reads of several objects, ended in reverse order. */
static void obj_nested_reads(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	static unsigned char copies[8][4096];
	unsigned char buf[4096];
	unsigned long h[8];
	void *p[8];
	size_t n = 2100;
	int i;

	for (i = 0; i < 8; i++) {
		h[i] = zs_malloc(pool, n);
		KUNIT_ASSERT_NE(test, h[i], 0ul);
		zt_fill(buf, n, 50 + i);
		zs_obj_write(pool, h[i], buf, n);
	}
	for (i = 0; i < 8; i++) {
		p[i] = zs_obj_read_begin(pool, h[i], copies[i]);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, zt_mismatch(p[i], n, 50 + i), n);
	for (i = 8; i-- > 0;)
		zs_obj_read_end(pool, h[i], p[i]);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	for (i = 0; i < 8; i++)
		zs_free(pool, h[i]);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/*
 * More reads open at once than the thread keeps records of (8), spanning
 * ones ended out of order (legal: they hold no kmap), one ended on
 * another thread, then ended again here (reported). Every pin comes back:
 * each object can be freed afterwards without a report.
 */
struct other_end {
	struct zs_pool *pool;
	unsigned long handle;
	void *mem;
};

static void *end_elsewhere(void *arg)
{
	struct other_end *e = arg;

	zs_obj_read_end(e->pool, e->handle, e->mem);
	return NULL;
}

static void obj_many_reads(struct kunit *test)
{
	struct zt_reports *r = zt_record_reports(test);
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	static unsigned char copies[NOBJ][4096];
	unsigned char buf[4096];
	unsigned long h[NOBJ], in[12], across[4];
	unsigned int i, nin = 0, nacross = 0;
	void *pin[12], *pacross[4];
	struct other_end e;
	pthread_t t;
	size_t n = 1500;

	for (i = 0; i < NOBJ; i++) {
		void *p;

		h[i] = zs_malloc(pool, n);
		KUNIT_ASSERT_NE(test, h[i], 0ul);
		zt_fill(buf, n, i);
		zs_obj_write(pool, h[i], buf, n);
		p = zs_obj_read_begin(pool, h[i], copies[i]);
		KUNIT_ASSERT_NOT_NULL(test, p);
		if (p == copies[i] && nacross < 4)
			across[nacross++] = i;
		else if (p != copies[i] && nin < 12)
			in[nin++] = i;
		zs_obj_read_end(pool, h[i], p);
	}
	KUNIT_ASSERT_EQ(test, nin, 12u);
	KUNIT_ASSERT_EQ(test, nacross, 4u);
	/* the spanning reads take the first records, the rest have none */
	for (i = 0; i < 4; i++)
		pacross[i] = zs_obj_read_begin(pool, h[across[i]],
					       copies[across[i]]);
	for (i = 0; i < 12; i++)
		pin[i] = zs_obj_read_begin(pool, h[in[i]], copies[in[i]]);
	for (i = 0; i < 12; i++) {
		KUNIT_ASSERT_NOT_NULL(test, pin[i]);
		KUNIT_EXPECT_EQ(test, zt_mismatch(pin[i], n, in[i]), n);
	}
	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_PTR_EQ(test, pacross[i],
				    (void *)copies[across[i]]);
		KUNIT_EXPECT_EQ(test, zt_mismatch(pacross[i], n, across[i]), n);
	}
	KUNIT_EXPECT_EQ(test, kmap_depth(), 12u);
	/* spanning reads first, oldest first (records below others go);
	 * the last one on another thread */
	for (i = 0; i < 3; i++)
		zs_obj_read_end(pool, h[across[i]], pacross[i]);
	e = (struct other_end){pool, h[across[3]], pacross[3]};
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, end_elsewhere, &e), 0);
	KUNIT_ASSERT_EQ(test, pthread_join(t, NULL), 0);
	KUNIT_EXPECT_EQ(test, r->count, 0ul);
	/* the reads inside pages, newest first */
	for (i = 12; i-- > 0;)
		zs_obj_read_end(pool, h[in[i]], pin[i]);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	KUNIT_EXPECT_EQ(test, r->count, 0ul);
	/* the read ended elsewhere is not open here any more */
	zs_obj_read_end(pool, h[across[3]], pacross[3]);
	KUNIT_EXPECT_EQ(test, r->count, 1ul);
	KUNIT_EXPECT_STREQ(test, r->what, "zs_obj_read_end");
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	for (i = 0; i < NOBJ; i++)
		zs_free(pool, h[i]);
	KUNIT_EXPECT_EQ(test, r->count, 1ul);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

/* A short write changes only the first bytes. */
static void obj_partial_write(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned char buf[4096], copy[4096];
	unsigned long h = zs_malloc(pool, 3000);
	unsigned char *p;

	KUNIT_ASSERT_NE(test, h, 0ul);
	zt_fill(buf, 3000, 7);
	zs_obj_write(pool, h, buf, 3000);
	memset(buf, 0xa5, 10);
	zs_obj_write(pool, h, buf, 10);
	zs_obj_write(pool, h, buf, 0);
	p = zs_obj_read_begin(pool, h, copy);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, memcmp(p, buf, 10), 0);
	zt_fill(buf, 3000, 7);
	KUNIT_EXPECT_EQ(test, memcmp(p + 10, buf + 10, 2990), 0);
	zs_obj_read_end(pool, h, p);
	zs_free(pool, h);
}

/* Misuse: reported, nothing changes, the pool stays sound. */
static void obj_misuse(struct kunit *test)
{
	struct zt_reports *r = zt_record_reports(test);
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned char buf[4096], copy[4096];
	unsigned long h[NOBJ], in = 0, across = 0, stale;
	unsigned char *p;
	unsigned int i;

	for (i = 0; i < NOBJ; i++) {
		h[i] = zs_malloc(pool, 1500);
		KUNIT_ASSERT_NE(test, h[i], 0ul);
		zt_fill(buf, 1500, i);
		zs_obj_write(pool, h[i], buf, 1500);
	}
	for (i = 0; i < NOBJ && (!in || !across); i++) {
		p = zs_obj_read_begin(pool, h[i], copy);
		KUNIT_ASSERT_NOT_NULL(test, p);
		if (p == copy && !across)
			across = h[i];
		else if (p != copy && !in)
			in = h[i];
		zs_obj_read_end(pool, h[i], p);
	}
	KUNIT_ASSERT_NE(test, in, 0ul);
	KUNIT_ASSERT_NE(test, across, 0ul);
	KUNIT_EXPECT_EQ(test, r->count, 0ul);

	/* a straddling object needs a local copy */
	KUNIT_EXPECT_NULL(test, zs_obj_read_begin(pool, across, NULL));
	KUNIT_EXPECT_EQ(test, r->count, 1ul);
	KUNIT_EXPECT_STREQ(test, r->what, "zs_obj_read_begin");
	/* too long a write */
	zs_obj_write(pool, in, buf, 1501);
	KUNIT_EXPECT_EQ(test, r->count, 2ul);
	KUNIT_EXPECT_STREQ(test, r->what, "zs_obj_write");
	/* an end with no begin */
	zs_obj_read_end(pool, in, copy);
	KUNIT_EXPECT_EQ(test, r->count, 3ul);
	KUNIT_EXPECT_STREQ(test, r->what, "zs_obj_read_end");
	/* an end naming another pointer, then the right one */
	p = zs_obj_read_begin(pool, in, copy);
	KUNIT_ASSERT_NOT_NULL(test, p);
	zs_obj_read_end(pool, in, p + 8);
	KUNIT_EXPECT_EQ(test, r->count, 4ul);
	/* freeing while read is refused */
	zs_free(pool, in);
	KUNIT_EXPECT_EQ(test, r->count, 5ul);
	KUNIT_EXPECT_STREQ(test, r->what, "zs_free");
	zs_obj_read_end(pool, in, p);
	KUNIT_EXPECT_EQ(test, r->count, 5ul);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	/* stale handle, NULL pool */
	stale = h[NOBJ - 1];
	zs_free(pool, stale);
	KUNIT_EXPECT_NULL(test, zs_obj_read_begin(pool, stale, copy));
	KUNIT_EXPECT_EQ(test, r->count, 6ul);
	zs_obj_write(pool, stale, buf, 1);
	KUNIT_EXPECT_EQ(test, r->count, 7ul);
	zs_obj_write(NULL, in, buf, 1);
	KUNIT_EXPECT_EQ(test, r->count, 8ul);
	zs_obj_write(pool, in, NULL, 1);
	KUNIT_EXPECT_EQ(test, r->count, 9ul);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, r->count, 9ul);
	for (i = 0; i < NOBJ - 1; i++) {
		p = zs_obj_read_begin(pool, h[i], copy);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, zt_mismatch(p, 1500, i), (size_t)1500);
		zs_obj_read_end(pool, h[i], p);
		zs_free(pool, h[i]);
	}
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

static void need_shadow(struct kunit *test)
{
	if (!zs_san_tells_closed())
		kunit_skip(test, "needs ASan or memcheck to read the shadow");
}

/* Under ASan or memcheck, only the object's bytes are open while read. */
static void obj_poison(struct kunit *test)
{
	struct zs_pool *pool;
	unsigned char buf[4096], copy[4096];
	unsigned char *p;
	unsigned long h;

	need_shadow(test);
	pool = zt_pool_geo(test, 4096, 4, 0);
	h = zs_malloc(pool, 100);
	KUNIT_ASSERT_NE(test, h, 0ul);
	zt_fill(buf, 100, 3);
	zs_obj_write(pool, h, buf, 100);
	p = zs_obj_read_begin(pool, h, copy);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_TRUE(test, p != copy);
	KUNIT_EXPECT_FALSE(test, zs_san_is_closed(p + 99));
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + 100));
	zs_obj_read_end(pool, h, p);
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p));
	zs_free(pool, h);
}

static struct kunit_case obj_api_cases[] = {KUNIT_CASE(obj_roundtrip_4k),
					    KUNIT_CASE(obj_roundtrip_64k),
					    KUNIT_CASE(obj_roundtrip_chain16),
					    KUNIT_CASE(obj_mixed_with_map),
					    KUNIT_CASE(obj_nested_reads),
					    KUNIT_CASE(obj_many_reads),
					    KUNIT_CASE(obj_partial_write),
					    KUNIT_CASE(obj_misuse),
					    KUNIT_CASE(obj_poison),
					    {}};

static struct kunit_suite obj_api_suite = {
	.name = "obj_api",
	.test_cases = obj_api_cases,
};
kunit_test_suite(obj_api_suite);
