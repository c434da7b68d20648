// SPDX-License-Identifier: MIT
/*
 * Fault injection: a page provider that fails its Nth call, for every N a
 * workload reaches, and metadata allocation failures through the slab
 * hook. Each failure must surface as a clean 0 from zs_malloc, leave the
 * pool consistent with no page held that the pool does not count, and the
 * pool must work again once memory is back.
 */
#include "zs_test_util.h"

#include "kernel/percpu.h"
#include "kernel/slab.h"

#define LIVE  24
#define STEPS 80

struct workload {
	unsigned long h[LIVE];
	size_t size[LIVE];
	unsigned long failed; /* zs_malloc calls that returned 0 */
	unsigned long allocs; /* that succeeded */
	bool bad_state;	      /* pages or check went wrong after a failure */
	bool bad_bytes;
};

/* Sizes that reach one-page, multi-page and full-page classes. */
static size_t pick_size(uint64_t *rng, size_t ps)
{
	static const unsigned int quarters[] = {1, 2, 3, 4};
	uint64_t r = zt_rand(rng);

	switch (r % 4) {
	case 0:
		return 32;
	case 1: /* a fraction of a page: often a chained class */
		return ps * quarters[(r >> 8) % 4] / 4 - (r >> 16) % 64;
	default:
		return 1 + (r >> 8) % ps;
	}
}

/*
 * A fixed sequence of allocations and frees; with a provider that may
 * fail, each failure is checked on the spot.
 */
static void run_workload(struct zs_pool *pool, struct zt_provider *pv,
			 size_t ps, struct workload *w)
{
	uint64_t rng = 0xfeedfacecafebeefull;
	unsigned int step, i;

	memset(w, 0, sizeof(*w));
	for (step = 0; step < STEPS; step++) {
		uint64_t r = zt_rand(&rng);
		size_t size = pick_size(&rng, ps);

		i = (unsigned int)(r % LIVE);
		if (w->h[i] && (r >> 32) % 3 == 0) {
			if (!zt_check(pool, w->h[i], w->size[i], w->h[i],
				      ZS_MM_RO))
				w->bad_bytes = true;
			zs_free(pool, w->h[i]);
			w->h[i] = 0;
			continue;
		}
		if (w->h[i])
			continue;
		w->h[i] = zs_malloc(pool, size);
		w->size[i] = size;
		if (!w->h[i]) {
			w->failed++;
			if (zs_get_total_pages(pool) != zt_provider_live(pv) ||
			    zt_class_pages(pool) != zt_provider_live(pv) ||
			    zs_pool_check(pool) != 0)
				w->bad_state = true;
			continue;
		}
		w->allocs++;
		if (!zt_write(pool, w->h[i], size, w->h[i]))
			w->bad_bytes = true;
	}
}

/* Check what survived, allocate again with memory back, free it all. */
static void finish_workload(struct kunit *test, struct zs_pool *pool,
			    struct zt_provider *pv, size_t ps,
			    struct workload *w, const char *what)
{
	unsigned int i, again;

	for (i = 0; i < LIVE; i++) {
		if (w->h[i] &&
		    !zt_check(pool, w->h[i], w->size[i], w->h[i], ZS_MM_RO))
			w->bad_bytes = true;
	}
	KUNIT_EXPECT_FALSE_MSG(test, w->bad_state, "%s", what);
	KUNIT_EXPECT_FALSE_MSG(test, w->bad_bytes, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, zs_get_total_pages(pool),
			    zt_provider_live(pv), "%s", what);

	pv->fail_at = 0;
	pv->fail_from = 0;
	/* a few objects up to a page prove memory is usable again */
	for (i = 0, again = 0; i < LIVE && again < 6; i++) {
		if (w->h[i])
			continue;
		w->size[i] = ps - again * (ps / 8);
		w->h[i] = zs_malloc(pool, w->size[i]);
		again++;
		KUNIT_EXPECT_NE_MSG(test, w->h[i], 0UL, "%s: after recovery",
				    what);
		if (w->h[i])
			KUNIT_EXPECT_TRUE(
				test, zt_write(pool, w->h[i], w->size[i], i));
	}
	KUNIT_EXPECT_GT_MSG(test, again, 0u, "%s", what);
	for (i = 0; i < LIVE; i++)
		zs_free(pool, w->h[i]);
	KUNIT_EXPECT_EQ_MSG(test, zs_get_total_pages(pool), 0UL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, zt_provider_live(pv), 0UL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, zs_pool_check(pool), 0, "%s", what);
}

struct fault_geo {
	size_t page_size;
	unsigned int chain;
};

static const struct fault_geo fault_geos[] = {
	{4096, 4},
	{4096, 16},
	{16384, 8},
	{65536, 4},
};

static void fault_geo_desc(const struct fault_geo *g, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "page %zu chain %u", g->page_size,
		 g->chain);
}

KUNIT_ARRAY_PARAM(fault_geo, fault_geos, fault_geo_desc);

static struct zs_pool *provider_pool(struct kunit *test, struct zt_provider *pv,
				     const struct fault_geo *g)
{
	struct zs_pool_config cfg = {
		.page_size = g->page_size,
		.max_pages_per_zspage = g->chain,
		.pages = &pv->ops,
	};
	struct zs_pool *pool = zs_create_pool_config("faults", &cfg);

	KUNIT_EXPECT_NOT_NULL(test, pool);
	return pool;
}

/* How many provider calls the workload makes when nothing fails. */
static unsigned long dry_run(struct kunit *test, const struct fault_geo *g)
{
	struct zt_provider pv;
	struct workload w;
	struct zs_pool *pool;
	unsigned long calls;

	zt_provider_init(&pv);
	pool = provider_pool(test, &pv, g);
	if (!pool)
		return 0;
	run_workload(pool, &pv, g->page_size, &w);
	calls = pv.calls;
	KUNIT_EXPECT_EQ(test, w.failed, 0UL);
	finish_workload(test, pool, &pv, g->page_size, &w, "dry run");
	zs_destroy_pool(pool);
	KUNIT_EXPECT_EQ(test, pv.allocs, pv.frees);
	KUNIT_EXPECT_EQ(test, pv.misaligned, 0UL);
	return calls;
}

/* One failed call, at every position the workload reaches. */
static void faults_fail_nth_page(struct kunit *test)
{
	const struct fault_geo *g = test->param_value;
	unsigned long calls = dry_run(test, g), n;

	KUNIT_ASSERT_GT(test, calls, 4UL);
	/* every call; every third under Valgrind */
	for (n = 1; n <= calls; n += zt_under_valgrind() ? 3 : 1) {
		struct zt_provider pv;
		struct workload w;
		struct zs_pool *pool;
		char what[64];

		snprintf(what, sizeof(what), "page call %lu of %lu failed", n,
			 calls);
		zt_provider_init(&pv);
		pv.fail_at = n;
		pool = provider_pool(test, &pv, g);
		KUNIT_ASSERT_NOT_NULL(test, pool);
		run_workload(pool, &pv, g->page_size, &w);
		/* the one failed page costs exactly one allocation */
		KUNIT_EXPECT_EQ_MSG(test, w.failed, 1UL, "%s", what);
		finish_workload(test, pool, &pv, g->page_size, &w, what);
		zs_destroy_pool(pool);
		KUNIT_EXPECT_EQ_MSG(test, pv.allocs, pv.frees, "%s", what);
		KUNIT_EXPECT_EQ(test, pv.misaligned, 0UL);
	}
}

/* Memory runs out at call n and stays out until the workload ends. */
static void faults_exhausted_from_nth(struct kunit *test)
{
	const struct fault_geo *g = test->param_value;
	unsigned long calls = dry_run(test, g), n;

	KUNIT_ASSERT_GT(test, calls, 4UL);
	for (n = 1; n <= calls; n += zt_under_valgrind() ? 6 : 3) {
		struct zt_provider pv;
		struct workload w;
		struct zs_pool *pool;
		char what[64];

		snprintf(what, sizeof(what), "pages gone from call %lu", n);
		zt_provider_init(&pv);
		pv.fail_from = n;
		pool = provider_pool(test, &pv, g);
		KUNIT_ASSERT_NOT_NULL(test, pool);
		run_workload(pool, &pv, g->page_size, &w);
		KUNIT_EXPECT_GE_MSG(test, w.failed, 1UL, "%s", what);
		/* no page was taken once the provider ran dry */
		KUNIT_EXPECT_EQ_MSG(test, pv.allocs, n - 1, "%s", what);
		finish_workload(test, pool, &pv, g->page_size, &w, what);
		zs_destroy_pool(pool);
		KUNIT_EXPECT_EQ_MSG(test, pv.allocs, pv.frees, "%s", what);
	}
}

/*
 * A narrow physical address width: pfns run out (pfn 0 is never used, so
 * 2^3 - 1 pages at physmem page_shift + 3). A zspage that cannot get all
 * its pfns fails cleanly and gives back what it took; freed pfns are
 * reused.
 */
static void faults_pfn_exhaustion(struct kunit *test)
{
	struct zt_provider pv;
	struct zs_pool_config cfg = {
		.physmem_bits = 12 + 3,
		.pages = &pv.ops,
	};
	struct zs_pool *pool;
	unsigned long h[16], big;
	unsigned int n = 0, i;
	size_t chained = 0;

	zt_provider_init(&pv);
	pool = zs_create_pool_config("pfn", &cfg);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	while (n < 16 && (h[n] = zs_malloc(pool, 4096)) != 0) {
		KUNIT_EXPECT_TRUE(test, zt_write(pool, h[n], 4096, n));
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, 7u);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), (unsigned long)n);
	KUNIT_EXPECT_EQ(test, zt_provider_live(&pv), (unsigned long)n);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);

	/* free four pages; a four-page zspage fits, a second does not */
	for (i = 0; i < 4 && n > 0; i++)
		zs_free(pool, h[--n]);
	{
		struct zs_pool_info info;
		struct zs_class_stat st;

		zs_pool_info(pool, &info);
		for (i = 0; i < info.nr_size_classes; i++) {
			KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &st), 0);
			if (st.merged_into == i && st.pages_per_zspage == 4 &&
			    st.objs_per_zspage > 1)
				chained = st.size;
		}
	}
	KUNIT_ASSERT_NE(test, chained, (size_t)0);
	big = zs_malloc(pool, chained);
	KUNIT_EXPECT_NE(test, big, 0UL);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), (unsigned long)n + 4);
	{
		struct zs_class_stat st;
		unsigned long more[64];
		unsigned int k, objs;

		KUNIT_ASSERT_EQ(
			test,
			zs_class_stat(pool, zt_class_of(pool, chained), &st),
			0);
		objs = st.objs_per_zspage;
		KUNIT_ASSERT_LE(test, objs, 64u);
		/* fill the zspage, then ask for one more: no pfns left */
		for (k = 1; k < objs; k++) {
			more[k] = zs_malloc(pool, chained);
			KUNIT_EXPECT_NE(test, more[k], 0UL);
		}
		KUNIT_EXPECT_EQ(test, zs_malloc(pool, chained), 0UL);
		KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool),
				(unsigned long)n + 4);
		KUNIT_EXPECT_EQ(test, zt_provider_live(&pv),
				(unsigned long)n + 4);
		KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
		for (k = 1; k < objs; k++)
			zs_free(pool, more[k]);
	}
	zs_free(pool, big);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE(test,
				  zt_check(pool, h[i], 4096, i, ZS_MM_RO));
	/* freed pfns come back */
	while (n < 7) {
		h[n] = zs_malloc(pool, 4096);
		KUNIT_EXPECT_NE(test, h[n], 0UL);
		n++;
	}
	KUNIT_EXPECT_EQ(test, zs_malloc(pool, 4096), 0UL);
	for (i = 0; i < n; i++)
		zs_free(pool, h[i]);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	zs_destroy_pool(pool);
	KUNIT_EXPECT_EQ(test, pv.allocs, pv.frees);
}

/*
 * Metadata (slab) failures while creating a pool: every position fails
 * cleanly and gives back what it took.
 */
static void faults_slab_create_pool(struct kunit *test)
{
	long base = zs_slab_live();
	unsigned long n;

	for (n = 1; n < 1000; n++) {
		unsigned long before = zs_slab_attempts();
		struct zs_pool *pool;
		bool reached;

		zs_slab_fail_nth(n);
		pool = zs_create_pool("slab");
		reached = zs_slab_attempts() - before >= n;
		zs_slab_fail_nth(0);
		if (pool) {
			KUNIT_EXPECT_FALSE_MSG(test, reached,
					       "allocation %lu failed but the "
					       "pool was made",
					       n);
			zs_destroy_pool(pool);
		}
		KUNIT_EXPECT_EQ_MSG(test, zs_slab_live(), base,
				    "failing allocation %lu", n);
		if (!reached)
			break;
	}
	KUNIT_EXPECT_GT(test, n, 1UL);
}

/* Metadata failures inside the workload: zs_malloc fails, nothing leaks. */
static void faults_slab_workload(struct kunit *test)
{
	const struct fault_geo *g = test->param_value;
	unsigned long n;

	for (n = 1; n < 400; n += zt_under_valgrind() ? 3 : 1) {
		struct zt_provider pv;
		struct workload w;
		struct zs_pool *pool;
		unsigned long before;
		long base0 = zs_slab_live();
		bool reached;
		char what[64];

		snprintf(what, sizeof(what), "metadata allocation %lu failed",
			 n);
		zt_provider_init(&pv);
		pool = provider_pool(test, &pv, g);
		KUNIT_ASSERT_NOT_NULL(test, pool);
		/* bring this thread's mapping area up before counting */
		{
			unsigned long h = zs_malloc(pool, 3000);

			KUNIT_ASSERT_NE(test, h, 0UL);
			KUNIT_ASSERT_TRUE(test, zt_write(pool, h, 3000, 1));
			zs_free(pool, h);
		}
		before = zs_slab_attempts();
		zs_slab_fail_nth(n);
		run_workload(pool, &pv, g->page_size, &w);
		reached = zs_slab_attempts() - before >= n;
		zs_slab_fail_nth(0);
		if (reached)
			KUNIT_EXPECT_GE_MSG(test, w.failed, 1UL, "%s", what);
		finish_workload(test, pool, &pv, g->page_size, &w, what);
		zs_destroy_pool(pool);
		KUNIT_EXPECT_EQ_MSG(test, pv.allocs, pv.frees, "%s", what);
		KUNIT_EXPECT_EQ_MSG(test, zs_slab_live(), base0, "%s", what);
		if (!reached)
			break;
	}
}

/* The mapping area of a thread cannot be made: the map fails cleanly. */
#include <pthread.h>

struct area_job {
	struct zs_pool *pool;
	unsigned long h;
	unsigned long up_before, up_failed, up_after;
	bool failed_map_null, second_ok;
};

static void *area_fail_thread(void *arg)
{
	struct area_job *j = arg;
	void *p;

	j->up_before = zs_cpu_nr_up();
	zs_cpu_fail_next_up(1);
	p = zs_map_object(j->pool, j->h, ZS_MM_RO);
	j->failed_map_null = p == NULL;
	if (p)
		zs_unmap_object(j->pool, j->h);
	j->up_failed = zs_cpu_nr_up();
	j->second_ok = zt_check(j->pool, j->h, 3072, 42, ZS_MM_RO);
	j->up_after = zs_cpu_nr_up();
	return NULL;
}

static void faults_mapping_area_up_fails(struct kunit *test)
{
	struct zt_reports *rep = zt_record_reports(test);
	struct zs_pool *pool = zt_pool(test, NULL);
	struct area_job j = {.pool = pool};
	unsigned long h[4];
	unsigned int i;
	pthread_t th;

	for (i = 0; i < 4; i++) {
		h[i] = zs_malloc(pool, 3072);
		KUNIT_ASSERT_NE(test, h[i], 0UL);
		KUNIT_ASSERT_TRUE(test, zt_write(pool, h[i], 3072, 42));
	}
	j.h = h[1]; /* straddles pages 0 and 1 */
	KUNIT_ASSERT_EQ(test, pthread_create(&th, NULL, area_fail_thread, &j),
			0);
	KUNIT_ASSERT_EQ(test, pthread_join(th, NULL), 0);
	KUNIT_EXPECT_TRUE(test, j.failed_map_null);
	KUNIT_EXPECT_EQ(test, j.up_failed, j.up_before);
	KUNIT_EXPECT_TRUE(test, j.second_ok);
	KUNIT_EXPECT_EQ(test, j.up_after, j.up_before + 1);
	/* the thread went down when it exited */
	KUNIT_EXPECT_EQ(test, zs_cpu_nr_up(), j.up_before);
	kunit_info(test, "reports while failing: %lu", rep->count);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_TRUE(test,
				  zt_check(pool, h[i], 3072, 42, ZS_MM_RO));
		zs_free(pool, h[i]);
	}
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

static struct kunit_case faults_cases[] = {
	KUNIT_CASE_PARAM(faults_fail_nth_page, fault_geo_gen_params),
	KUNIT_CASE_PARAM(faults_exhausted_from_nth, fault_geo_gen_params),
	KUNIT_CASE(faults_pfn_exhaustion),
	KUNIT_CASE(faults_slab_create_pool),
	KUNIT_CASE_PARAM(faults_slab_workload, fault_geo_gen_params),
	KUNIT_CASE(faults_mapping_area_up_fails),
	{}};

static struct kunit_suite faults_suite = {
	.name = "zs_faults",
	.test_cases = faults_cases,
};

kunit_test_suite(faults_suite);
