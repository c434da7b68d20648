// SPDX-License-Identifier: MIT
/*
 * Class shards: threads allocate from their own set of classes (their
 * number modulo the pool's shards), so that two threads storing objects
 * of one size use two zspages and two class locks. An object stays in its
 * shard through frees from other threads, compaction and migration; the
 * statistics sum the shards; the checker walks them all.
 */
#include "zs_test_util.h"

#include <pthread.h>
#include <unistd.h>

#include "pool.h"

#define OBJ_SIZE 200
#define NR_OBJS	 64

struct batch {
	struct zs_pool *pool;
	size_t size;
	unsigned long h[NR_OBJS];
	unsigned long seed;
	unsigned int n;	   /* objects to store (malloc) or freed (free) */
	bool free_them;	   /* free h[] instead of storing */
	unsigned int fail; /* stores or checks that failed */
};

static void *batch_main(void *arg)
{
	struct batch *b = arg;

	for (unsigned int i = 0; i < b->n; i++) {
		if (b->free_them) {
			if (!zt_check(b->pool, b->h[i], b->size, b->seed + i,
				      ZS_MM_RO))
				b->fail++;
			zs_free(b->pool, b->h[i]);
			continue;
		}
		b->h[i] = zs_malloc(b->pool, b->size);
		if (!b->h[i] ||
		    !zt_write(b->pool, b->h[i], b->size, b->seed + i))
			b->fail++;
	}
	return NULL;
}

/* Runs b on a thread of its own, to its end. */
static void on_new_thread(struct kunit *test, struct batch *b)
{
	pthread_t th;

	KUNIT_ASSERT_EQ(test, pthread_create(&th, NULL, batch_main, b), 0);
	KUNIT_ASSERT_EQ(test, pthread_join(th, NULL), 0);
	KUNIT_EXPECT_EQ(test, b->fail, 0u);
}

static struct zs_pool *shard_pool(struct kunit *test, unsigned int shards)
{
	struct zs_pool_config cfg = {.shards = shards};
	struct zs_pool *pool = zt_pool(test, &cfg);
	struct zs_pool_info info;

	zs_pool_info(pool, &info);
	KUNIT_EXPECT_EQ(test, info.nr_shards, shards);
	return pool;
}

/* Kept zspages of size's class, over all shards and groups. */
static unsigned long class_zspages(struct zs_pool *pool, size_t size)
{
	struct zs_class_stat st;
	unsigned long n = 0;

	if (zs_class_stat(pool, zt_class_of(pool, size), &st) != 0)
		return ULONG_MAX;
	for (int g = 0; g < ZS_NR_FULLNESS_GROUPS; g++)
		n += st.zspages[g];
	return n;
}

/*
 * Two threads created one after the other have consecutive numbers, so
 * with two shards they allocate from different ones: one object each
 * makes two zspages of the class, where one shard makes one.
 */
static void two_threads_zspages(struct kunit *test, unsigned int shards,
				unsigned long expect)
{
	struct zs_pool *pool = shard_pool(test, shards);
	struct batch a = {.pool = pool, .size = OBJ_SIZE, .n = 1, .seed = 1};
	struct batch b = {.pool = pool, .size = OBJ_SIZE, .n = 1, .seed = 2};
	struct zs_class_stat st;

	on_new_thread(test, &a);
	on_new_thread(test, &b);
	KUNIT_EXPECT_EQ(test, class_zspages(pool, OBJ_SIZE), expect);
	KUNIT_ASSERT_EQ(
		test, zs_class_stat(pool, zt_class_of(pool, OBJ_SIZE), &st), 0);
	KUNIT_EXPECT_EQ(test, st.obj_used, 2ul);
	KUNIT_EXPECT_EQ(test, st.obj_allocated, expect * st.objs_per_zspage);
	KUNIT_EXPECT_EQ(test, zt_class_pages(pool), zs_get_total_pages(pool));
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_TRUE(test, zt_check(pool, a.h[0], OBJ_SIZE, 1, ZS_MM_RO));
	KUNIT_EXPECT_TRUE(test, zt_check(pool, b.h[0], OBJ_SIZE, 2, ZS_MM_RO));
	zs_free(pool, a.h[0]);
	zs_free(pool, b.h[0]);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

static void shard_threads_apart(struct kunit *test)
{
	two_threads_zspages(test, 2, 2);
}

static void shard_one_shared(struct kunit *test)
{
	two_threads_zspages(test, 1, 1);
}

/* A thread frees what another stored, in the other's shard. */
static void shard_free_elsewhere(struct kunit *test)
{
	struct zs_pool *pool = shard_pool(test, 4);
	struct batch a = {.pool = pool, .size = OBJ_SIZE, .n = NR_OBJS};
	struct batch b = {.pool = pool, .size = 3000, .n = NR_OBJS};

	a.seed = 100;
	b.seed = 200;
	on_new_thread(test, &a);
	on_new_thread(test, &b);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	/* each freed by a thread of yet another shard */
	a.free_them = b.free_them = true;
	on_new_thread(test, &b);
	on_new_thread(test, &a);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/*
 * Compaction and migration keep an object in its shard: a zs_free after
 * them, from a thread of another shard, finds it under the right lock.
 */
static void shard_moves_stay(struct kunit *test)
{
	struct zs_pool *pool = shard_pool(test, 2);
	struct batch a = {.pool = pool, .size = OBJ_SIZE, .n = NR_OBJS};
	struct batch b = {.pool = pool, .size = OBJ_SIZE, .n = NR_OBJS};
	unsigned long before, pfn;

	a.seed = 300;
	b.seed = 400;
	on_new_thread(test, &a);
	on_new_thread(test, &b);
	/* every other object of each thread freed: zspages half used */
	for (unsigned int i = 0; i < NR_OBJS; i += 2) {
		zs_free(pool, a.h[i]);
		zs_free(pool, b.h[i]);
	}
	before = zs_get_total_pages(pool);
	KUNIT_EXPECT_GT(test, zs_compact(pool), 0ul);
	KUNIT_EXPECT_LT(test, zs_get_total_pages(pool), before);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	pfn = zs_handle_pfn(pool, b.h[1]);
	KUNIT_ASSERT_NE(test, pfn, 0ul);
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, pfn), 0);
	KUNIT_EXPECT_NE(test, zs_handle_pfn(pool, b.h[1]), pfn);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	for (unsigned int i = 1; i < NR_OBJS; i += 2) {
		KUNIT_EXPECT_TRUE(test, zt_check(pool, a.h[i], OBJ_SIZE,
						 a.seed + i, ZS_MM_RO));
		KUNIT_EXPECT_TRUE(test, zt_check(pool, b.h[i], OBJ_SIZE,
						 b.seed + i, ZS_MM_RO));
	}
	/* the odd ones, freed by this thread, of one shard or the other */
	for (unsigned int i = 1; i < NR_OBJS; i += 2) {
		zs_free(pool, a.h[i]);
		zs_free(pool, b.h[i]);
	}
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/* The config bounds: 0 is one per online CPU up to 4, above 4 refused. */
static void shard_config(struct kunit *test)
{
	struct zs_pool_config cfg = {.shards = ZS_MAX_SHARDS + 1};
	struct zt_reports *r = zt_record_reports(test);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int expect = cpus < 1			   ? 1
			      : cpus < (long)ZS_MAX_SHARDS ? (unsigned int)cpus
							   : ZS_MAX_SHARDS;
	struct zs_pool_info info;

	zs_set_notice_handler(zt_record_report, r);
	KUNIT_EXPECT_NULL(test, zs_create_pool_config("kunit", &cfg));
	zs_set_notice_handler(NULL, NULL);
	KUNIT_EXPECT_EQ(test, r->count, 1ul);
	KUNIT_EXPECT_NOT_NULL(test, strstr(r->details, "class shards"));
	zs_pool_info(zt_pool(test, NULL), &info);
	KUNIT_EXPECT_EQ(test, info.nr_shards, expect);
	shard_pool(test, ZS_MAX_SHARDS);
}

/*
 * A slot naming a shard the pool does not have (bits flipped): the
 * checker reports it, zs_free and zs_map_object refuse it, and the object
 * is intact once it is put back.
 */
static void shard_slot_corrupt(struct kunit *test)
{
	struct zs_pool *pool = shard_pool(test, 2);
	unsigned long h = zs_malloc(pool, OBJ_SIZE), obj, saved;
	struct zs_handle_slot *slot;
	struct zt_reports *r;

	KUNIT_ASSERT_NE(test, h, 0ul);
	KUNIT_ASSERT_TRUE(test, zt_write(pool, h, OBJ_SIZE, 7));
	slot = zs_handle_resolve(&pool->handles, h, "test", &obj);
	KUNIT_ASSERT_NOT_NULL(test, slot);
#if ZS_SLOT_PACKED
	saved = zs_atomic_read(zs_slot_word(slot));
	zs_atomic_set(zs_slot_word(slot), saved | 3ul << ZS_SLOT_SHARD_SHIFT);
#else
	saved = atomic_load(zs_slot_info_word(slot));
	atomic_store(zs_slot_info_word(slot),
		     (unsigned int)saved | 3u << ZS_SLOT_SHARD_SHIFT);
#endif
	KUNIT_EXPECT_EQ(test, zs_slot_shard(slot), 3u);
	r = zt_record_reports(test);
	KUNIT_EXPECT_GT(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_GT(test, r->count, 0ul);
	r->count = 0;
	zs_free(pool, h);
	KUNIT_EXPECT_EQ(test, r->count, 1ul);
	KUNIT_EXPECT_NOT_NULL(test, strstr(r->details, "corrupt"));
	KUNIT_EXPECT_NULL(test, zs_map_object(pool, h, ZS_MM_RO));
#if ZS_SLOT_PACKED
	zs_atomic_set(zs_slot_word(slot), saved);
#else
	atomic_store(zs_slot_info_word(slot), (unsigned int)saved);
#endif
	zs_set_report_handler(NULL, NULL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_TRUE(test, zt_check(pool, h, OBJ_SIZE, 7, ZS_MM_RO));
	zs_free(pool, h);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

/*
 * The class walks (zs_for_each_serving_class and its reverse) visit the
 * serving classes of every shard made, each once, in step order then
 * shard order (or exactly backwards), whatever the page size, chain and
 * merging: as a scan of every step's class finds them.
 */
static void shard_walks_every_serving_class(struct kunit *test)
{
	static struct size_class *order[ZS_MAX_SHARDS * ZS_MAX_STEPS];
	static const struct zs_pool_config cfgs[] = {
		{.page_size = 4096, .max_pages_per_zspage = 4, .shards = 4},
		{.page_size = 16384,
		 .max_pages_per_zspage = 1,
		 .no_class_merge = 1,
		 .shards = 3},
		{.page_size = 65536, .max_pages_per_zspage = 16, .shards = 2},
	};

	for (size_t k = 0; k < sizeof(cfgs) / sizeof(cfgs[0]); k++) {
		struct zs_pool *pool = zt_pool(test, &cfgs[k]);
		struct batch b[ZS_MAX_SHARDS];
		unsigned int n = pool->geo.nr_steps, want = 0, seen = 0;
		struct size_class *c;

		/* ZS_MAX_SHARDS new threads: one of every thread number
		 * modulo the shards, so every shard is made */
		for (unsigned int t = 0; t < ZS_MAX_SHARDS; t++) {
			b[t] = (struct batch){.pool = pool,
					      .size = OBJ_SIZE,
					      .seed = 900 + t,
					      .n = 1};
			on_new_thread(test, &b[t]);
		}
		for (unsigned int sh = 0; sh < pool->nr_shards; sh++) {
			struct size_class *arr = zs_shard_classes(pool, sh);

			KUNIT_ASSERT_NOT_NULL(test, arr);
			for (unsigned int i = 0; i < n; i++)
				want += zs_class_serves(&arr[i]);
		}
		zs_for_each_serving_class(pool, c) {
			KUNIT_EXPECT_TRUE(test, zs_class_serves(c));
			/* ascending: step order within a shard, then shards */
			if (seen)
				KUNIT_EXPECT_LT(test, order[seen - 1]->index,
						c->index);
			if (seen < ZS_MAX_SHARDS * ZS_MAX_STEPS)
				order[seen] = c;
			seen++;
		}
		KUNIT_EXPECT_EQ(test, seen, want);
		zs_for_each_serving_class_reverse(pool, c) {
			KUNIT_ASSERT_GT(test, seen, 0u);
			KUNIT_EXPECT_PTR_EQ(test, c, order[--seen]);
		}
		KUNIT_EXPECT_EQ(test, seen, 0u);
		for (unsigned int t = 0; t < ZS_MAX_SHARDS; t++)
			zs_free(pool, b[t].h[0]);
	}
}

static struct kunit_case shard_cases[] = {
	KUNIT_CASE(shard_threads_apart),
	KUNIT_CASE(shard_one_shared),
	KUNIT_CASE(shard_free_elsewhere),
	KUNIT_CASE(shard_moves_stay),
	KUNIT_CASE(shard_config),
	KUNIT_CASE(shard_slot_corrupt),
	KUNIT_CASE(shard_walks_every_serving_class),
	{}};

static struct kunit_suite shard_suite = {
	.name = "zs_shards",
	.test_cases = shard_cases,
};

kunit_test_suite(shard_suite);
