// SPDX-License-Identifier: MIT
/*
 * Per-thread mapping areas: up and down through the CPU callback, failure
 * of "up" reaching zs_map_object() cleanly with nothing registered, thread
 * exit and last-pool teardown taking the area down.
 */
#include "zs_test_util.h"

#include <pthread.h>

#include "kernel/percpu.h"
#include "kernel/slab.h"

static void percpu_up_and_down(struct kunit *test)
{
	unsigned long n0;

	KUNIT_ASSERT_TRUE(test, zs_cpu_down());
	n0 = zs_cpu_nr_up();
	KUNIT_EXPECT_NULL(test, zs_cpu_area_this());
	KUNIT_EXPECT_EQ(test, zs_cpu_up(), 0);
	KUNIT_EXPECT_NOT_NULL(test, zs_cpu_area_this());
	KUNIT_EXPECT_EQ(test, zs_cpu_nr_up(), n0 + 1);
	KUNIT_EXPECT_EQ(test, zs_cpu_up(), 0); /* already up: nothing new */
	KUNIT_EXPECT_EQ(test, zs_cpu_nr_up(), n0 + 1);
	KUNIT_EXPECT_TRUE(test, zs_cpu_down());
	KUNIT_EXPECT_NULL(test, zs_cpu_area_this());
	KUNIT_EXPECT_EQ(test, zs_cpu_nr_up(), n0);
}

/* A failed "up" makes zs_map_object return NULL, without a report. */
static void percpu_failed_up_reaches_map_cleanly(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned long h = zs_malloc(pool, 200);
	unsigned long reports, n0;
	long live;

	KUNIT_ASSERT_NE(test, h, 0ul);
	KUNIT_ASSERT_TRUE(test, zs_cpu_down());
	n0 = zs_cpu_nr_up();
	reports = zs_report_count();
	live = zs_slab_live();

	zs_cpu_fail_next_up(1);
	KUNIT_EXPECT_NULL(test, zs_map_object(pool, h, ZS_MM_WO));
	KUNIT_EXPECT_EQ(test, zs_report_count(), reports);
	KUNIT_EXPECT_EQ(test, zs_cpu_nr_up(), n0);
	KUNIT_EXPECT_NULL(test, zs_cpu_area_this());
	KUNIT_EXPECT_EQ(test, zs_slab_live(), live);
	/* nothing is mapped: unmapping now is a violation */
	{
		struct zt_reports *rep = zt_record_reports(test);

		zs_unmap_object(pool, h);
		KUNIT_EXPECT_EQ(test, rep->count, 1ul);
		zs_set_report_handler(NULL, NULL);
	}
	/* and the next try works */
	KUNIT_EXPECT_TRUE(test, zt_write(pool, h, 200, 3));
	KUNIT_EXPECT_TRUE(test, zt_check(pool, h, 200, 3, ZS_MM_RO));
	KUNIT_EXPECT_EQ(test, zs_cpu_nr_up(), n0 + 1);
	zs_free(pool, h);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/* Each allocation of UP_PREPARE failing leaves nothing behind. */
static void percpu_up_unwinds_every_step(struct kunit *test)
{
	unsigned long n0;
	unsigned int nth;

	KUNIT_ASSERT_TRUE(test, zs_cpu_down());
	n0 = zs_cpu_nr_up();
	for (nth = 1; nth <= 2; nth++) {
		long live = zs_slab_live();

		zs_slab_fail_nth(nth);
		KUNIT_EXPECT_EQ_MSG(test, zs_cpu_up(), -1, "nth %u", nth);
		zs_slab_fail_nth(0);
		KUNIT_EXPECT_EQ(test, zs_slab_live(), live);
		KUNIT_EXPECT_EQ(test, zs_cpu_nr_up(), n0);
		KUNIT_EXPECT_NULL(test, zs_cpu_area_this());
	}
	KUNIT_EXPECT_EQ(test, zs_cpu_up(), 0);
	KUNIT_EXPECT_TRUE(test, zs_cpu_down());
}

static void percpu_down_refused_while_mapping(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned long h = zs_malloc(pool, 64);

	KUNIT_ASSERT_NE(test, h, 0ul);
	KUNIT_ASSERT_NOT_NULL(test, zs_map_object(pool, h, ZS_MM_WO));
	KUNIT_EXPECT_FALSE(test, zs_cpu_down());
	KUNIT_EXPECT_NOT_NULL(test, zs_cpu_area_this());
	zs_unmap_object(pool, h);
	KUNIT_EXPECT_TRUE(test, zs_cpu_down());
	zs_free(pool, h);
}

struct thread_job {
	struct zs_pool *pool;
	unsigned long handle;
	bool keep_mapped;
	bool ok;
};

static void *map_and_exit(void *arg)
{
	struct thread_job *job = arg;
	void *p = zs_map_object(job->pool, job->handle, ZS_MM_RO);

	job->ok = p != NULL;
	if (p && !job->keep_mapped)
		zs_unmap_object(job->pool, job->handle);
	return NULL;
}

/* A thread that exits goes down; exiting with a mapping is reported. */
static void percpu_thread_exit_takes_area_down(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	struct thread_job job = {.pool = pool};
	struct zt_reports *rep = zt_record_reports(test);
	unsigned long n0 = zs_cpu_nr_up();
	pthread_t t;

	job.handle = zs_malloc(pool, 300);
	KUNIT_ASSERT_NE(test, job.handle, 0ul);
	KUNIT_ASSERT_TRUE(test, zt_write(pool, job.handle, 300, 9));
	n0 = zs_cpu_nr_up();

	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, map_and_exit, &job), 0);
	pthread_join(t, NULL);
	KUNIT_EXPECT_TRUE(test, job.ok);
	KUNIT_EXPECT_EQ(test, zs_cpu_nr_up(), n0);
	KUNIT_EXPECT_EQ(test, rep->count, 0ul);

	job.keep_mapped = true;
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, map_and_exit, &job), 0);
	pthread_join(t, NULL);
	KUNIT_EXPECT_TRUE(test, job.ok);
	KUNIT_EXPECT_EQ(test, zs_cpu_nr_up(), n0);
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
	KUNIT_EXPECT_STREQ(test, rep->what, "thread exit");
}

/* The last pool's destruction takes the calling thread down. */
static void percpu_last_pool_takes_area_down(struct kunit *test)
{
	struct zs_pool *pool = zs_create_pool("last");
	unsigned long h;

	KUNIT_ASSERT_NOT_NULL(test, pool);
	h = zs_malloc(pool, 64);
	KUNIT_ASSERT_TRUE(test, zt_write(pool, h, 64, 1));
	KUNIT_EXPECT_NOT_NULL(test, zs_cpu_area_this());
	zs_free(pool, h);
	zs_destroy_pool(pool);
	KUNIT_EXPECT_NULL(test, zs_cpu_area_this());
}

static struct kunit_case percpu_cases[] = {
	KUNIT_CASE(percpu_up_and_down),
	KUNIT_CASE(percpu_failed_up_reaches_map_cleanly),
	KUNIT_CASE(percpu_up_unwinds_every_step),
	KUNIT_CASE(percpu_down_refused_while_mapping),
	KUNIT_CASE(percpu_thread_exit_takes_area_down),
	KUNIT_CASE(percpu_last_pool_takes_area_down),
	{}};

static struct kunit_suite percpu_suite = {
	.name = "percpu",
	.test_cases = percpu_cases,
};
kunit_test_suite(percpu_suite);
