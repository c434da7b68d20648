// SPDX-License-Identifier: MIT
/*
 * zs_access_counts: the kmaps and copies of each access, per mode, for an
 * object inside one page and one across two (the first two objects of a
 * class of about 3000 bytes in 4 KiB pages: the second straddles).
 */
#include "zs_test_util.h"

struct work {
	unsigned long kmaps, out, bytes_out, in, bytes_in;
};

static struct zs_access_counts mark(void)
{
	struct zs_access_counts c;

	zs_access_counts(&c);
	return c;
}

static struct work since(struct zs_access_counts b)
{
	struct zs_access_counts c = mark();
	struct work w = {c.kmaps - b.kmaps, c.copies_out - b.copies_out,
			 c.bytes_out - b.bytes_out, c.copies_in - b.copies_in,
			 c.bytes_in - b.bytes_in};

	return w;
}

#define EXPECT_WORK(test, w, k, o, bo, i, bi)                                  \
	do {                                                                   \
		KUNIT_EXPECT_EQ(test, (w).kmaps, (unsigned long)(k));          \
		KUNIT_EXPECT_EQ(test, (w).out, (unsigned long)(o));            \
		KUNIT_EXPECT_EQ(test, (w).bytes_out, (unsigned long)(bo));     \
		KUNIT_EXPECT_EQ(test, (w).in, (unsigned long)(i));             \
		KUNIT_EXPECT_EQ(test, (w).bytes_in, (unsigned long)(bi));      \
	} while (0)

#define SIZE 3000u

/* Two objects: h[0] inside page 0, h[1] across pages 0 and 1. */
static struct zs_pool *two_objects(struct kunit *test, unsigned long h[2])
{
	struct zs_pool *pool = zt_pool(test, NULL);

	h[0] = zs_malloc(pool, SIZE);
	h[1] = zs_malloc(pool, SIZE);
	KUNIT_ASSERT_NE(test, h[0], 0ul);
	KUNIT_ASSERT_NE(test, h[1], 0ul);
	KUNIT_ASSERT_TRUE(test, zt_write(pool, h[0], SIZE, 1));
	KUNIT_ASSERT_TRUE(test, zt_write(pool, h[1], SIZE, 2));
	return pool;
}

static void access_map_in_page(struct kunit *test)
{
	static const enum zs_mapmode modes[] = {ZS_MM_RO, ZS_MM_WO, ZS_MM_RW};
	unsigned long h[2];
	struct zs_pool *pool = two_objects(test, h);
	struct zs_access_counts b;
	struct work w;

	for (unsigned int i = 0; i < 3; i++) {
		b = mark();
		KUNIT_ASSERT_NOT_NULL(test,
				      zs_map_object(pool, h[0], modes[i]));
		w = since(b);
		EXPECT_WORK(test, w, 1, 0, 0, 0, 0);
		b = mark();
		zs_unmap_object(pool, h[0]);
		w = since(b);
		EXPECT_WORK(test, w, 0, 0, 0, 0, 0);
	}
}

static void access_map_straddling(struct kunit *test)
{
	unsigned long h[2];
	struct zs_pool *pool = two_objects(test, h);
	struct zs_access_counts b;
	struct work w;

	b = mark();
	KUNIT_ASSERT_NOT_NULL(test, zs_map_object(pool, h[1], ZS_MM_RO));
	w = since(b);
	EXPECT_WORK(test, w, 2, 1, SIZE, 0, 0);
	b = mark();
	zs_unmap_object(pool, h[1]);
	w = since(b);
	EXPECT_WORK(test, w, 0, 0, 0, 0, 0); /* RO never stores back */

	b = mark();
	KUNIT_ASSERT_NOT_NULL(test, zs_map_object(pool, h[1], ZS_MM_WO));
	w = since(b);
	EXPECT_WORK(test, w, 0, 0, 0, 0, 0); /* WO never fills */
	b = mark();
	zs_unmap_object(pool, h[1]);
	w = since(b);
	EXPECT_WORK(test, w, 2, 0, 0, 1, SIZE);

	b = mark();
	KUNIT_ASSERT_NOT_NULL(test, zs_map_object(pool, h[1], ZS_MM_RW));
	zs_unmap_object(pool, h[1]);
	w = since(b);
	EXPECT_WORK(test, w, 4, 1, SIZE, 1, SIZE);
}

/* RO writes: land inside one page, dropped across two. */
static void access_ro_write(struct kunit *test)
{
	unsigned long h[2];
	struct zs_pool *pool = two_objects(test, h);
	char *p;

	for (unsigned int i = 0; i < 2; i++) {
		p = zs_map_object(pool, h[i], ZS_MM_RO);
		KUNIT_ASSERT_NOT_NULL(test, p);
		zt_fill(p, SIZE, 9);
		zs_unmap_object(pool, h[i]);
	}
	KUNIT_EXPECT_TRUE(test, zt_check(pool, h[0], SIZE, 9, ZS_MM_RO));
	KUNIT_EXPECT_TRUE(test, zt_check(pool, h[1], SIZE, 2, ZS_MM_RO));
}

static void access_obj_api(struct kunit *test)
{
	unsigned long h[2];
	struct zs_pool *pool = two_objects(test, h);
	char *copy = kunit_kzalloc(test, SIZE, GFP_KERNEL);
	struct zs_access_counts b;
	struct work w;
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, copy);
	b = mark();
	p = zs_obj_read_begin(pool, h[0], copy);
	w = since(b);
	KUNIT_EXPECT_TRUE(test, p != NULL && p != (void *)copy);
	EXPECT_WORK(test, w, 1, 0, 0, 0, 0);
	zs_obj_read_end(pool, h[0], p);

	b = mark();
	p = zs_obj_read_begin(pool, h[1], copy);
	w = since(b);
	KUNIT_EXPECT_PTR_EQ(test, p, (void *)copy);
	EXPECT_WORK(test, w, 2, 1, SIZE, 0, 0);
	b = mark();
	zs_obj_read_end(pool, h[1], p);
	w = since(b);
	EXPECT_WORK(test, w, 0, 0, 0, 0, 0);

	b = mark();
	zs_obj_write(pool, h[0], copy, 100);
	w = since(b);
	EXPECT_WORK(test, w, 1, 0, 0, 1, 100);
	b = mark();
	zs_obj_write(pool, h[1], copy, SIZE);
	w = since(b);
	EXPECT_WORK(test, w, 2, 0, 0, 1, SIZE);
	zs_access_counts(NULL); /* ignored */
}

static struct kunit_case access_cases[] = {KUNIT_CASE(access_map_in_page),
					   KUNIT_CASE(access_map_straddling),
					   KUNIT_CASE(access_ro_write),
					   KUNIT_CASE(access_obj_api),
					   {}};

static struct kunit_suite access_suite = {
	.name = "access_count",
	.test_cases = access_cases,
};
kunit_test_suite(access_suite);
