// SPDX-License-Identifier: MIT
/*
 * Which page bytes a memory checker lets the program touch. Under ASan and
 * memcheck the shadow can be asked without a report: an object's requested
 * bytes are open exactly while it is mapped, everything else in page memory
 * (free objects, other objects, the requested size's tail) stays closed. An
 * object open several times at once (nested reads, a read or a batch inside
 * a map, two threads) stays open until the last of them lets go.
 */
#include "zs_test_util.h"

#include <pthread.h>
#include <stdatomic.h>

#include "kernel/sanitize.h"
#include "pool.h"
#include "zspage.h"

static void need_shadow(struct kunit *test)
{
	if (!zs_san_tells_closed())
		kunit_skip(test, "needs ASan or memcheck to read the shadow");
}

static void poison_inside_page_object(struct kunit *test)
{
	struct zs_pool *pool;
	unsigned long h, other;
	unsigned char *p;
	size_t i, cls;

	need_shadow(test);
	pool = zt_pool_geo(test, 4096, 4, 0);
	cls = zs_class_size(pool, 100);
	h = zs_malloc(pool, 100);
	other = zs_malloc(pool, 100);
	KUNIT_ASSERT_NE(test, h, 0ul);
	p = zs_map_object(pool, h, ZS_MM_WO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < 100; i++)
		KUNIT_ASSERT_FALSE(test, zs_san_is_closed(p + i));
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + 100)); /* the tail */
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + cls)); /* next object */
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + 3 * cls)); /* a free one */
	memset(p, 1, 100);
	zs_unmap_object(pool, h);
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p));
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + 96));
	zs_free(pool, h);
	zs_free(pool, other);
}

/* 3072-byte objects at 4 KiB: the second spans two pages (area copy). */
static void poison_spanning_object(struct kunit *test)
{
	struct zs_pool *pool;
	unsigned long a, b;
	unsigned char *p;
	size_t i;

	need_shadow(test);
	pool = zt_pool_geo(test, 4096, 4, 0);
	a = zs_malloc(pool, 3072);
	b = zs_malloc(pool, 3070);
	KUNIT_ASSERT_NE(test, b, 0ul);
	KUNIT_ASSERT_TRUE(test, zt_write(pool, b, 3070, 4));
	p = zs_map_object(pool, b, ZS_MM_RO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < 3070; i++)
		KUNIT_ASSERT_FALSE(test, zs_san_is_closed(p + i));
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + 3070));
	KUNIT_EXPECT_EQ(test, zt_mismatch(p, 3070, 4), (size_t)3070);
	zs_unmap_object(pool, b);
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p));
	zs_free(pool, a);
	zs_free(pool, b);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/* Is any granule of p[0, n) closed? */
static bool any_closed(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 8)
		if (zs_san_is_closed(p + i))
			return true;
	return false;
}

/* Is every granule of p[0, n) closed? */
static bool all_closed(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 8)
		if (!zs_san_is_closed(p + i))
			return false;
	return true;
}

/* The page memory behind h's first page (its object's page at 0). */
static unsigned char *first_page(struct kunit *test, struct zs_pool *pool,
				 unsigned long h)
{
	struct zs_page *page = zs_pfn_to_page(pool, zs_handle_pfn(pool, h));

	KUNIT_ASSERT_NOT_NULL(test, page);
	return page->mem;
}

/* Reads of one object nested on one thread: the inner end closes nothing. */
static void poison_nested_reads(struct kunit *test)
{
	struct zs_pool *pool;
	unsigned char copy[128], *outer, *inner;
	unsigned long h;

	need_shadow(test);
	pool = zt_pool_geo(test, 4096, 4, 0);
	h = zs_malloc(pool, 100);
	KUNIT_ASSERT_NE(test, h, 0ul);
	KUNIT_ASSERT_TRUE(test, zt_write(pool, h, 100, 7));
	outer = zs_obj_read_begin(pool, h, copy);
	KUNIT_ASSERT_NOT_NULL(test, outer);
	KUNIT_ASSERT_TRUE(test, outer != copy);
	inner = zs_obj_read_begin(pool, h, copy);
	KUNIT_ASSERT_TRUE(test, inner == outer);
	zs_obj_read_end(pool, h, inner);
	KUNIT_EXPECT_FALSE(test, any_closed(outer, 96));
	KUNIT_EXPECT_FALSE(test, zs_san_is_closed(outer + 99));
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(outer + 100)); /* the tail */
	KUNIT_EXPECT_EQ(test, zt_mismatch(outer, 100, 7), (size_t)100);
	zs_obj_read_end(pool, h, outer);
	KUNIT_EXPECT_TRUE(test, all_closed(outer, 104));
	zs_free(pool, h);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/* A read, a batch and a write of the object a map holds, on its thread. */
static void poison_inside_map(struct kunit *test)
{
	struct zs_pool *pool;
	unsigned char copy[128], b1[128], b2[128], *p, *q;
	unsigned long h, other;
	unsigned long hs[3];
	void *bufs[3] = {b1, b2, copy};

	need_shadow(test);
	pool = zt_pool_geo(test, 4096, 4, 0);
	h = zs_malloc(pool, 100);
	other = zs_malloc(pool, 100);
	KUNIT_ASSERT_NE(test, other, 0ul);
	KUNIT_ASSERT_TRUE(test, zt_write(pool, h, 100, 3));
	KUNIT_ASSERT_TRUE(test, zt_write(pool, other, 100, 4));
	p = zs_map_object(pool, h, ZS_MM_RO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	q = zs_obj_read_begin(pool, h, copy);
	KUNIT_ASSERT_TRUE(test, q == p);
	zs_obj_read_end(pool, h, q);
	KUNIT_EXPECT_FALSE(test, any_closed(p, 96));
	hs[0] = h;
	hs[1] = other;
	hs[2] = h;
	KUNIT_EXPECT_EQ(test, zs_obj_read_batch(pool, hs, 3, bufs, NULL),
			(size_t)3);
	KUNIT_EXPECT_FALSE(test, any_closed(p, 96));
	KUNIT_EXPECT_EQ(test, zt_mismatch(b1, 100, 3), (size_t)100);
	KUNIT_EXPECT_EQ(test, zt_mismatch(b2, 100, 4), (size_t)100);
	zs_obj_write(pool, h, b1, 100); /* the same bytes again */
	KUNIT_EXPECT_FALSE(test, any_closed(p, 96));
	KUNIT_EXPECT_EQ(test, zt_mismatch(p, 100, 3), (size_t)100);
	zs_unmap_object(pool, h);
	KUNIT_EXPECT_TRUE(test, all_closed(p, 104));
	KUNIT_EXPECT_TRUE(test,
			  all_closed(first_page(test, pool, other), 4096));
	zs_free(pool, h);
	zs_free(pool, other);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/*
 * A straddling object read while a map holds it: the read's copy leaves
 * its page bytes open, and the unmap, the last to let go, closes them.
 */
static void poison_spanning_shared(struct kunit *test)
{
	struct zs_pool *pool;
	unsigned char copy[3072], *p, *q, *page0, *page1;
	unsigned long a, b;

	need_shadow(test);
	pool = zt_pool_geo(test, 4096, 4, 0);
	a = zs_malloc(pool, 3072);
	b = zs_malloc(pool, 3070); /* 3072..4096 and 0..2048 of the next */
	KUNIT_ASSERT_NE(test, b, 0ul);
	KUNIT_ASSERT_TRUE(test, zt_write(pool, b, 3070, 5));
	page0 = first_page(test, pool, b);
	page1 = zs_page_next(zs_pfn_to_page(pool, zs_handle_pfn(pool, b)))->mem;
	p = zs_map_object(pool, b, ZS_MM_RO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, all_closed(page0 + 3072, 1024));
	q = zs_obj_read_begin(pool, b, copy);
	KUNIT_ASSERT_TRUE(test, q == copy);
	KUNIT_EXPECT_EQ(test, zt_mismatch(q, 3070, 5), (size_t)3070);
	zs_obj_read_end(pool, b, q);
	zs_unmap_object(pool, b);
	KUNIT_EXPECT_TRUE(test, all_closed(page0 + 3072, 1024));
	KUNIT_EXPECT_TRUE(test, all_closed(page1, 2048));
	zs_free(pool, a);
	zs_free(pool, b);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

#define SHARED_ROUNDS 3000

struct shared_reader {
	struct zs_pool *pool;
	unsigned long h[2]; /* in a page, and straddling two */
	size_t size[2];
	atomic_int stop;
	size_t bad; /* bytes read wrong */
};

/* Read both objects every way there is until told to stop. */
static void *read_shared(void *arg)
{
	struct shared_reader *s = arg;
	unsigned char copy[3072], buf[3072];
	void *bufs[1] = {buf};

	while (!atomic_load(&s->stop)) {
		for (int k = 0; k < 2; k++) {
			unsigned char *p;

			p = zs_obj_read_begin(s->pool, s->h[k], copy);
			if (!p)
				continue;
			s->bad +=
				s->size[k] - zt_mismatch(p, s->size[k], 9 + k);
			zs_obj_read_end(s->pool, s->h[k], p);
			if (zs_obj_read_batch(s->pool, &s->h[k], 1, bufs,
					      NULL) == 1)
				s->bad += s->size[k] -
					  zt_mismatch(buf, s->size[k], 9 + k);
		}
	}
	return NULL;
}

/*
 * Two threads reading the same objects at once: a close by one never
 * hides them from the other (ASan or memcheck stops the test at a read
 * that finds them closed), and once both let go they are closed.
 */
static void poison_two_threads(struct kunit *test)
{
	struct shared_reader s = {0};
	unsigned char *page0, *page1;
	unsigned long a;
	pthread_t th;
	size_t bad = 0;

	need_shadow(test);
	s.pool = zt_pool_geo(test, 4096, 4, 0);
	a = zs_malloc(s.pool, 3072);
	s.h[1] = zs_malloc(s.pool, 3070);
	s.h[0] = zs_malloc(s.pool, 200); /* at 0 of a zspage of its own */
	s.size[0] = 200;
	s.size[1] = 3070;
	KUNIT_ASSERT_NE(test, s.h[0], 0ul);
	KUNIT_ASSERT_TRUE(test, zt_write(s.pool, s.h[0], 200, 9));
	KUNIT_ASSERT_TRUE(test, zt_write(s.pool, s.h[1], 3070, 10));
	KUNIT_ASSERT_EQ(test, pthread_create(&th, NULL, read_shared, &s), 0);
	for (int i = 0; i < SHARED_ROUNDS; i++) {
		int k = i & 1;
		unsigned char *p = zs_map_object(s.pool, s.h[k], ZS_MM_RO);

		KUNIT_ASSERT_NOT_NULL(test, p);
		bad += s.size[k] - zt_mismatch(p, s.size[k], 9 + k);
		zs_unmap_object(s.pool, s.h[k]);
	}
	atomic_store(&s.stop, 1);
	KUNIT_ASSERT_EQ(test, pthread_join(th, NULL), 0);
	KUNIT_EXPECT_EQ(test, bad, (size_t)0);
	KUNIT_EXPECT_EQ(test, s.bad, (size_t)0);
	page0 = first_page(test, s.pool, s.h[1]);
	page1 = first_page(test, s.pool, s.h[0]);
	KUNIT_EXPECT_TRUE(test, all_closed(page0 + 3072, 1024));
	KUNIT_EXPECT_TRUE(test, all_closed(page1, 4096));
	zs_free(s.pool, a);
	zs_free(s.pool, s.h[0]);
	zs_free(s.pool, s.h[1]);
	KUNIT_EXPECT_EQ(test, zs_pool_check(s.pool), 0);
}

struct together {
	struct zs_pool *pool;
	unsigned long h;
	int rounds; /* fewer under memcheck, which runs one thread at a time */
	pthread_barrier_t held, let_go, checked;
	size_t bad; /* bytes read wrong by the second thread */
};

/*
 * One round on one thread: hold h (a map in even rounds, a read in odd
 * ones), wait until the other thread holds it too, read it, let it go.
 */
static size_t hold_together(struct together *t, int round)
{
	unsigned char copy[128];
	unsigned char *p;
	size_t bad;

	if (round & 1)
		p = zs_obj_read_begin(t->pool, t->h, copy);
	else
		p = zs_map_object(t->pool, t->h, ZS_MM_RO);
	pthread_barrier_wait(&t->held);
	if (!p)
		return 100;
	bad = 100 - zt_mismatch(p, 100, 13);
	if (round & 1)
		zs_obj_read_end(t->pool, t->h, p);
	else
		zs_unmap_object(t->pool, t->h);
	return bad;
}

static void *second_holder(void *arg)
{
	struct together *t = arg;

	for (int i = 0; i < t->rounds; i++) {
		t->bad += hold_together(t, i);
		pthread_barrier_wait(&t->let_go);
		pthread_barrier_wait(&t->checked);
	}
	return NULL;
}

/*
 * Two threads holding one object let go at the same moment: each sees the
 * other's pin when it lets go, and still one of them closes the bytes.
 */
static void poison_let_go_together(struct kunit *test)
{
	struct together t = {0};
	unsigned char *p;
	pthread_t th;
	size_t bad = 0, left_open = 0;

	need_shadow(test);
	t.rounds = zt_under_valgrind() ? 2000 : 40000;
	t.pool = zt_pool_geo(test, 4096, 4, 0);
	t.h = zs_malloc(t.pool, 100); /* at 0 of its zspage's first page */
	KUNIT_ASSERT_NE(test, t.h, 0ul);
	KUNIT_ASSERT_TRUE(test, zt_write(t.pool, t.h, 100, 13));
	p = first_page(test, t.pool, t.h);
	pthread_barrier_init(&t.held, NULL, 2);
	pthread_barrier_init(&t.let_go, NULL, 2);
	pthread_barrier_init(&t.checked, NULL, 2);
	KUNIT_ASSERT_EQ(test, pthread_create(&th, NULL, second_holder, &t), 0);
	for (int i = 0; i < t.rounds; i++) {
		bad += hold_together(&t, i);
		pthread_barrier_wait(&t.let_go);
		left_open += !all_closed(p, 104);
		pthread_barrier_wait(&t.checked);
	}
	KUNIT_ASSERT_EQ(test, pthread_join(th, NULL), 0);
	pthread_barrier_destroy(&t.held);
	pthread_barrier_destroy(&t.let_go);
	pthread_barrier_destroy(&t.checked);
	KUNIT_EXPECT_EQ(test, bad, (size_t)0);
	KUNIT_EXPECT_EQ(test, t.bad, (size_t)0);
	KUNIT_EXPECT_EQ(test, left_open, (size_t)0);
	zs_free(t.pool, t.h);
	KUNIT_EXPECT_EQ(test, zs_pool_check(t.pool), 0);
}

static struct kunit_case poison_cases[] = {
	KUNIT_CASE(poison_inside_page_object),
	KUNIT_CASE(poison_spanning_object),
	KUNIT_CASE(poison_nested_reads),
	KUNIT_CASE(poison_inside_map),
	KUNIT_CASE(poison_spanning_shared),
	KUNIT_CASE(poison_two_threads),
	KUNIT_CASE(poison_let_go_together),
	{}};

static struct kunit_suite poison_suite = {
	.name = "poison",
	.test_cases = poison_cases,
};
kunit_test_suite(poison_suite);
