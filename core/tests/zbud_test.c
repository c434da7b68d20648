// SPDX-License-Identifier: MIT
/*
 * zbud: two buddies per page (first from the start, last from the end),
 * 64-byte chunks, tightest-fit unbuddied lists, whole-page objects, handle
 * checking through the core's reports, kmap discipline and the bytes that
 * memory checkers see.
 */
#include "zs_test_util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include <zbud.h>

#include "kernel/kmap.h"
#include "kernel/sanitize.h"

static void zbud_destroy_action(void *pool)
{
	zbud_destroy_pool(pool);
}

static struct zbud_pool *zb_pool(struct kunit *test, size_t page_size,
				 const struct zs_page_provider *pages)
{
	struct zbud_config cfg = {.page_size = page_size, .pages = pages};
	struct zbud_pool *pool = zbud_create_pool(&cfg);

	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(
		test, 0,
		kunit_add_action_or_reset(test, zbud_destroy_action, pool));
	return pool;
}

static unsigned long zb_alloc(struct kunit *test, struct zbud_pool *pool,
			      size_t size)
{
	unsigned long h = 0;

	KUNIT_ASSERT_EQ(test, 0, zbud_alloc(pool, size, &h));
	KUNIT_ASSERT_NE(test, h, 0ul);
	return h;
}

/* Fill through a mapping, then where the object starts in its page. */
static uintptr_t zb_fill(struct kunit *test, struct zbud_pool *pool,
			 unsigned long h, size_t n, unsigned long seed)
{
	unsigned char *p = zbud_map(pool, h);

	KUNIT_ASSERT_NOT_NULL(test, p);
	zt_fill(p, n, seed);
	zbud_unmap(pool, h);
	return (uintptr_t)p;
}

static bool zb_intact(struct zbud_pool *pool, unsigned long h, size_t n,
		      unsigned long seed)
{
	unsigned char *p = zbud_map(pool, h);
	bool ok;

	if (!p)
		return false;
	ok = zt_mismatch(p, n, seed) == n;
	zbud_unmap(pool, h);
	return ok;
}

static void zbud_two_buddies_per_page(struct kunit *test)
{
	struct zbud_pool *pool = zb_pool(test, 4096, NULL);
	unsigned long a = zb_alloc(test, pool, 1000);
	unsigned long b = zb_alloc(test, pool, 1000);
	uintptr_t pa = zb_fill(test, pool, a, 1000, 1);
	uintptr_t pb = zb_fill(test, pool, b, 1000, 2);
	unsigned long c;

	KUNIT_EXPECT_EQ(test, zbud_get_pool_size(pool), (uint64_t)1);
	/* first buddy at the page start, last ends at the page end */
	KUNIT_EXPECT_EQ(test, pa % 4096, (uintptr_t)0);
	KUNIT_EXPECT_EQ(test, (pb + 16 * ZBUD_CHUNK_SIZE) % 4096, (uintptr_t)0);
	KUNIT_EXPECT_EQ(test, pa / 4096, pb / 4096);
	c = zb_alloc(test, pool, 10);
	KUNIT_EXPECT_EQ(test, zbud_get_pool_size(pool), (uint64_t)2);
	KUNIT_EXPECT_TRUE(test, zb_intact(pool, a, 1000, 1));
	KUNIT_EXPECT_TRUE(test, zb_intact(pool, b, 1000, 2));
	KUNIT_EXPECT_EQ(test, zbud_pool_check(pool), 0);
	zbud_free(pool, a);
	zbud_free(pool, b);
	KUNIT_EXPECT_EQ(test, zbud_get_pool_size(pool), (uint64_t)1);
	zbud_free(pool, c);
	KUNIT_EXPECT_EQ(test, zbud_get_pool_size(pool), (uint64_t)0);
	KUNIT_EXPECT_EQ(test, zbud_nr_objects(pool), 0ul);
}

/* unbuddied lists by free chunks: an object goes to the tightest page. */
static void zbud_tightest_fit(struct kunit *test)
{
	struct zbud_pool *pool = zb_pool(test, 4096, NULL);
	unsigned long a = zb_alloc(test, pool, 2000); /* 32 chunks, 32 free */
	unsigned long b = zb_alloc(test, pool, 3000); /* 47 chunks, 17 free */
	unsigned long c = zb_alloc(test, pool, 1025); /* 17 chunks */
	unsigned long d = zb_alloc(test, pool, 1);    /* 1 chunk */
	uintptr_t pa = zb_fill(test, pool, a, 2000, 1);
	uintptr_t pb = zb_fill(test, pool, b, 3000, 2);
	uintptr_t pc = zb_fill(test, pool, c, 1025, 3);
	uintptr_t pd = zb_fill(test, pool, d, 1, 4);

	KUNIT_EXPECT_NE(test, pa / 4096, pb / 4096);
	KUNIT_EXPECT_EQ(test, pc / 4096, pb / 4096); /* exactly 17 free */
	KUNIT_EXPECT_EQ(test, pd / 4096, pa / 4096); /* the only room left */
	KUNIT_EXPECT_EQ(test, pd, pa + 4096 - ZBUD_CHUNK_SIZE);
	KUNIT_EXPECT_EQ(test, zbud_get_pool_size(pool), (uint64_t)2);
	KUNIT_EXPECT_EQ(test, zbud_pool_check(pool), 0);
	zbud_free(pool, a);
	zbud_free(pool, b);
	zbud_free(pool, c);
	zbud_free(pool, d);
	KUNIT_EXPECT_EQ(test, zbud_get_pool_size(pool), (uint64_t)0);
}

static void zbud_sizes_and_errors(struct kunit *test)
{
	struct zbud_pool *pool = zb_pool(test, 4096, NULL);
	unsigned long h = 0, whole;

	KUNIT_EXPECT_EQ(test, zbud_alloc(pool, 0, &h), -EINVAL);
	KUNIT_EXPECT_EQ(test, zbud_alloc(pool, 4097, &h), -ENOSPC);
	KUNIT_EXPECT_EQ(test, h, 0ul);
	whole = zb_alloc(test, pool, 4096);
	zb_fill(test, pool, whole, 4096, 9);
	h = zb_alloc(test, pool, 64); /* no room beside a whole page */
	KUNIT_EXPECT_EQ(test, zbud_get_pool_size(pool), (uint64_t)2);
	KUNIT_EXPECT_TRUE(test, zb_intact(pool, whole, 4096, 9));
	KUNIT_EXPECT_EQ(test, zbud_pool_check(pool), 0);
	zbud_free(pool, whole);
	zbud_free(pool, h);
	KUNIT_EXPECT_EQ(test, zbud_get_pool_size(pool), (uint64_t)0);
	KUNIT_EXPECT_NULL(test, zbud_create_pool(&(struct zbud_config){
					.page_size = 6000}));
	KUNIT_EXPECT_NULL(test, zbud_create_pool(&(struct zbud_config){
					.page_size = 2048}));
}

static const size_t zbud_page_sizes[] = {4096, 16384, 65536};
KUNIT_ARRAY_PARAM(zbud_page_size, zbud_page_sizes, NULL);

/* Random sizes and frees; every object keeps its bytes (seed: its slot). */
static void zbud_random_churn(struct kunit *test)
{
	const size_t page = *(const size_t *)test->param_value;
	struct zbud_pool *pool = zb_pool(test, page, NULL);
	enum { N = 48 };
	unsigned long h[N] = {0};
	size_t len[N] = {0};
	uint64_t rng = 0x1234567 + page;
	unsigned int rounds = zt_under_valgrind() ? 300 : 3000;

	for (unsigned int r = 0; r < rounds; r++) {
		unsigned int i = (unsigned int)(zt_rand(&rng) % N);

		if (h[i]) {
			KUNIT_ASSERT_TRUE(test,
					  zb_intact(pool, h[i], len[i], i));
			zbud_free(pool, h[i]);
			h[i] = 0;
		} else {
			len[i] = 1 + (size_t)(zt_rand(&rng) % page);
			h[i] = zb_alloc(test, pool, len[i]);
			zb_fill(test, pool, h[i], len[i], i);
		}
		if (r % 64 == 0)
			KUNIT_ASSERT_EQ(test, zbud_pool_check(pool), 0);
	}
	for (unsigned int i = 0; i < N; i++) {
		if (!h[i])
			continue;
		KUNIT_EXPECT_TRUE(test, zb_intact(pool, h[i], len[i], i));
		zbud_free(pool, h[i]);
	}
	KUNIT_EXPECT_EQ(test, zbud_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zbud_get_pool_size(pool), (uint64_t)0);
}

/* Bad handles are reported, never followed; good objects stay intact. */
static void zbud_bad_handles(struct kunit *test)
{
	struct zt_reports *r = zt_record_reports(test);
	struct zbud_pool *pool = zb_pool(test, 4096, NULL);
	struct zbud_pool *other = zb_pool(test, 4096, NULL);
	unsigned long a = zb_alloc(test, pool, 300);
	unsigned long b = zb_alloc(test, pool, 300);
	unsigned long o = zb_alloc(test, other, 300);
	unsigned long stale, reused, before, skipped = 0;

	zb_fill(test, pool, a, 300, 1);
	zb_fill(test, pool, b, 300, 2);
	stale = b;
	zbud_free(pool, b);
	KUNIT_EXPECT_EQ(test, r->count, 0ul);

	zbud_free(pool, stale); /* double free */
	KUNIT_EXPECT_EQ(test, r->count, 1ul);
	KUNIT_EXPECT_STREQ(test, r->what, "zbud_free");
	reused = zb_alloc(test, pool, 300); /* may land where b was */
	zb_fill(test, pool, reused, 300, 3);
	KUNIT_EXPECT_NULL(test, zbud_map(pool, stale));
	KUNIT_EXPECT_EQ(test, r->count, 2ul);
	KUNIT_EXPECT_STREQ(test, r->what, "zbud_map");
	KUNIT_EXPECT_NULL(test, zbud_map(pool, o)); /* another pool's */
	KUNIT_EXPECT_EQ(test, r->count, 3ul);
	before = r->count;
	for (unsigned int bit = 0; bit < ZT_BITS_PER_LONG; bit++) {
		unsigned long forged = a ^ (1ul << bit);

		if (forged == reused) {
			skipped++;
			continue;
		}
		zbud_free(pool, forged);
	}
	/* every forged handle is caught: tag, slot or generation */
	KUNIT_EXPECT_EQ(test, r->count - before, ZT_BITS_PER_LONG - skipped);
	zbud_unmap(pool, a); /* not mapped */
	KUNIT_EXPECT_STREQ(test, r->what, "zbud_unmap");
	KUNIT_EXPECT_TRUE(test, zb_intact(pool, a, 300, 1));
	KUNIT_EXPECT_TRUE(test, zb_intact(pool, reused, 300, 3));
	KUNIT_EXPECT_EQ(test, zbud_pool_check(pool), 0);
	zbud_free(pool, a);
	zbud_free(pool, reused);
	zbud_free(other, o);
	KUNIT_EXPECT_EQ(test, zbud_get_pool_size(pool), (uint64_t)0);
}

/* Freeing or destroying under a mapping is refused; kmap stays LIFO. */
static void zbud_mapped_refusals(struct kunit *test)
{
	struct zt_reports *r = zt_record_reports(test);
	struct zbud_pool *pool = zb_pool(test, 4096, NULL);
	unsigned long a = zb_alloc(test, pool, 100);
	unsigned long b = zb_alloc(test, pool, 100);
	unsigned long c = zb_alloc(test, pool, 4000); /* another page */
	unsigned long before;
	void *pa, *pc;

	zb_fill(test, pool, a, 100, 1);
	pa = zbud_map(pool, a);
	KUNIT_ASSERT_NOT_NULL(test, pa);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 1u);
	zbud_free(pool, a);
	KUNIT_EXPECT_EQ(test, r->count, 1ul);
	zbud_destroy_pool(pool);
	KUNIT_EXPECT_EQ(test, r->count, 2ul);
	KUNIT_EXPECT_STREQ(test, r->what, "zbud_destroy_pool");

	/* a nested map of another page must be unmapped first */
	pc = zbud_map(pool, c);
	KUNIT_ASSERT_NOT_NULL(test, pc);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 2u);
	before = r->count;
	zbud_unmap(pool, a);
	KUNIT_EXPECT_EQ(test, r->count, before + 1);
	KUNIT_EXPECT_STREQ(test, r->what, "kunmap_atomic");
	KUNIT_EXPECT_EQ(test, kmap_depth(), 2u);
	zbud_unmap(pool, c);
	zbud_unmap(pool, a);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	KUNIT_EXPECT_EQ(test, r->count, before + 1);
	KUNIT_EXPECT_TRUE(test, zb_intact(pool, a, 100, 1));
	zbud_free(pool, a);
	zbud_free(pool, b);
	zbud_free(pool, c);
	KUNIT_EXPECT_EQ(test, r->count, before + 1);
	KUNIT_EXPECT_EQ(test, zbud_get_pool_size(pool), (uint64_t)0);
}

/* Provider failures: -ENOMEM, nothing held; every page comes back. */
static void zbud_page_provider(struct kunit *test)
{
	struct zt_provider pv;
	struct zbud_pool *pool;
	unsigned long h = 0, a;

	zt_provider_init(&pv);
	pool = zbud_create_pool(&(struct zbud_config){.pages = &pv.ops});
	KUNIT_ASSERT_NOT_NULL(test, pool);
	pv.fail_at = 1;
	KUNIT_EXPECT_EQ(test, zbud_alloc(pool, 100, &h), -ENOMEM);
	KUNIT_EXPECT_EQ(test, zbud_get_pool_size(pool), (uint64_t)0);
	a = zb_alloc(test, pool, 100);
	h = zb_alloc(test, pool, 4000); /* 63 chunks: no room beside a */
	KUNIT_EXPECT_EQ(test, zt_provider_live(&pv), 2ul);
	zbud_free(pool, a);
	KUNIT_EXPECT_EQ(test, zt_provider_live(&pv), 1ul);
	zbud_destroy_pool(pool); /* with h still alive */
	KUNIT_EXPECT_EQ(test, zt_provider_live(&pv), 0ul);
	KUNIT_EXPECT_EQ(test, pv.misaligned, 0ul);
}

/* Page bytes are closed except a mapped object's requested bytes. */
static void zbud_poisoning(struct kunit *test)
{
	struct zbud_pool *pool;
	unsigned long a, b;
	unsigned char *p;

	if (!zs_san_tells_closed())
		kunit_skip(test, "needs ASan or memcheck to read the shadow");
	pool = zb_pool(test, 4096, NULL);
	a = zb_alloc(test, pool, 100);
	b = zb_alloc(test, pool, 200);
	p = zbud_map(pool, a);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_FALSE(test, zs_san_is_closed(p));
	KUNIT_EXPECT_FALSE(test, zs_san_is_closed(p + 99));
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + 104)); /* the tail */
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + 4096 - 256)); /* b */
	memset(p, 7, 100);
	zbud_unmap(pool, a);
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p));
	zbud_free(pool, a);
	zbud_free(pool, b);
}

struct zbud_sharer {
	struct zbud_pool *pool;
	unsigned long h;
	atomic_int stop;
	size_t bad; /* bytes read wrong */
};

#define ZBUD_SHARED_SIZE 300

static size_t zb_map_and_check(struct zbud_pool *pool, unsigned long h)
{
	unsigned char *p = zbud_map(pool, h);
	size_t bad;

	if (!p)
		return ZBUD_SHARED_SIZE;
	bad = ZBUD_SHARED_SIZE - zt_mismatch(p, ZBUD_SHARED_SIZE, 12);
	zbud_unmap(pool, h);
	return bad;
}

static void *zb_map_shared(void *arg)
{
	struct zbud_sharer *s = arg;

	while (!atomic_load(&s->stop))
		s->bad += zb_map_and_check(s->pool, s->h);
	return NULL;
}

/*
 * Two threads mapping one object at once: an unmap by one never hides the
 * bytes from the other (ASan or memcheck stops the test at a read that
 * finds them closed), and once both have unmapped they are closed.
 */
static void zbud_poisoning_two_threads(struct kunit *test)
{
	struct zbud_sharer s = {0};
	unsigned char *p;
	pthread_t th;
	size_t bad = 0;

	if (!zs_san_tells_closed())
		kunit_skip(test, "needs ASan or memcheck to read the shadow");
	s.pool = zb_pool(test, 4096, NULL);
	s.h = zb_alloc(test, s.pool, ZBUD_SHARED_SIZE);
	p = (unsigned char *)zb_fill(test, s.pool, s.h, ZBUD_SHARED_SIZE, 12);
	KUNIT_ASSERT_EQ(test, pthread_create(&th, NULL, zb_map_shared, &s), 0);
	/* fewer under memcheck, which runs one thread at a time */
	for (int i = 0; i < (zt_under_valgrind() ? 2000 : 20000); i++)
		bad += zb_map_and_check(s.pool, s.h);
	atomic_store(&s.stop, 1);
	KUNIT_ASSERT_EQ(test, pthread_join(th, NULL), 0);
	KUNIT_EXPECT_EQ(test, bad, (size_t)0);
	KUNIT_EXPECT_EQ(test, s.bad, (size_t)0);
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p));
	KUNIT_EXPECT_TRUE(test, zs_san_is_closed(p + ZBUD_SHARED_SIZE - 1));
	zbud_free(s.pool, s.h);
}

static struct kunit_case zbud_cases[] = {
	KUNIT_CASE(zbud_two_buddies_per_page),
	KUNIT_CASE(zbud_tightest_fit),
	KUNIT_CASE(zbud_sizes_and_errors),
	KUNIT_CASE_PARAM(zbud_random_churn, zbud_page_size_gen_params),
	KUNIT_CASE(zbud_bad_handles),
	KUNIT_CASE(zbud_mapped_refusals),
	KUNIT_CASE(zbud_page_provider),
	KUNIT_CASE(zbud_poisoning),
	KUNIT_CASE(zbud_poisoning_two_threads),
	{}};

static struct kunit_suite zbud_suite = {
	.name = "zbud",
	.test_cases = zbud_cases,
};
kunit_test_suite(zbud_suite);
