// SPDX-License-Identifier: MIT
/*
 * zs_page_migrate(): a page's contents move to a fresh page with a new
 * pfn; every handle and free-list word follows, objects keep their bytes,
 * the pool check passes; a page with a mapped or read object on it is
 * refused with -EBUSY and left alone; and it all holds beside other
 * threads allocating, mapping, compacting and freeing.
 */
#include "zs_move_util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "kernel/kmap.h"
#include "pool.h"

/* Migrate every page that exists now; returns how many moved. */
static unsigned long migrate_all(struct kunit *test, struct zs_pool *pool)
{
	unsigned long top = zs_get_total_pages(pool) * 3 + 64, pfn, moved = 0;

	for (pfn = 0; pfn < top; pfn++) {
		int ret = zs_page_migrate(pool, pfn);

		KUNIT_EXPECT_TRUE(test, ret == 0 || ret == -ENOENT);
		if (ret == 0)
			moved++;
	}
	return moved;
}

static void migrate_geometry(struct kunit *test, size_t page_size,
			     unsigned int chain)
{
	struct zs_pool *pool = zt_pool_geo(test, page_size, chain, 0);
	unsigned int n = zt_under_valgrind() ? 300 : 1500, i;
	uint64_t rng = 0xfeedull + page_size + chain;
	unsigned long pages, moved, *pfns;
	struct zs_pool_stats st;
	struct obj *o;

	o = kunit_kzalloc(test, n * sizeof(*o), GFP_KERNEL);
	pfns = kunit_kzalloc(test, n * sizeof(*pfns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o);
	KUNIT_ASSERT_NOT_NULL(test, pfns);
	for (i = 0; i < n; i++) {
		o[i].size = 1 + zt_rand(&rng) % page_size;
		o[i].seed = zt_rand(&rng);
		o[i].h = zs_malloc(pool, o[i].size);
		KUNIT_ASSERT_NE(test, o[i].h, 0ul);
		KUNIT_ASSERT_TRUE(test,
				  zt_write(pool, o[i].h, o[i].size, o[i].seed));
	}
	/* free lists with entries on many pages */
	for (i = 0; i < n; i += 3) {
		zs_free(pool, o[i].h);
		o[i].h = 0;
	}
	for (i = 0; i < n; i++)
		pfns[i] = o[i].h ? zs_handle_pfn(pool, o[i].h) : 0;
	pages = zs_get_total_pages(pool);
	moved = migrate_all(test, pool);
	/* a page may move twice: its fresh pfn can lie ahead of the walk */
	KUNIT_EXPECT_GE(test, moved, pages);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), pages);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	expect_intact(test, pool, o, n);
	for (i = 0; i < n; i++)
		if (o[i].h)
			KUNIT_EXPECT_NE(test, zs_handle_pfn(pool, o[i].h),
					pfns[i]);
	zs_pool_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.pages_migrated, moved);
	/* the free lists still work: refill, then compact, migrate again */
	for (i = 0; i < n; i += 3) {
		o[i].size = 1 + zt_rand(&rng) % page_size;
		o[i].h = zs_malloc(pool, o[i].size);
		KUNIT_ASSERT_NE(test, o[i].h, 0ul);
		KUNIT_ASSERT_TRUE(test,
				  zt_write(pool, o[i].h, o[i].size, o[i].seed));
	}
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	for (i = 0; i < n; i += 2) {
		zs_free(pool, o[i].h);
		o[i].h = 0;
	}
	zs_compact(pool);
	migrate_all(test, pool);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	expect_intact(test, pool, o, n);
	for (i = 0; i < n; i++)
		zs_free(pool, o[i].h);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

static void migrate_4k(struct kunit *test)
{
	migrate_geometry(test, 4096, 4);
}

static void migrate_64k_chain16(struct kunit *test)
{
	migrate_geometry(test, 65536, 16);
}

static void migrate_8k_chain1(struct kunit *test)
{
	migrate_geometry(test, 8192, 1);
}

/* A mapped or read object's page is refused, then moves once released. */
static void migrate_busy(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned char copy[4096];
	struct zs_pool_stats st;
	unsigned long h[32], pfn, spfn = 0, straddler = 0;
	unsigned char *p;
	void *m;
	unsigned int i;

	for (i = 0; i < 32; i++) {
		h[i] = zs_malloc(pool, 1500);
		KUNIT_ASSERT_NE(test, h[i], 0ul);
		KUNIT_ASSERT_TRUE(test, zt_write(pool, h[i], 1500, i));
	}
	/* a mapping pins its page */
	pfn = zs_handle_pfn(pool, h[0]);
	KUNIT_ASSERT_NE(test, pfn, 0ul);
	m = zs_map_object(pool, h[0], ZS_MM_RO);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, pfn), -EBUSY);
	KUNIT_EXPECT_EQ(test, zt_mismatch(m, 1500, 0), (size_t)1500);
	zs_unmap_object(pool, h[0]);
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, pfn), 0);
	KUNIT_EXPECT_NE(test, zs_handle_pfn(pool, h[0]), pfn);
	/* a read of a straddling object pins the page it runs onto */
	for (i = 1; i < 32 && !straddler; i++) {
		p = zs_obj_read_begin(pool, h[i], copy);
		KUNIT_ASSERT_NOT_NULL(test, p);
		if (p == copy)
			straddler = h[i];
		else
			zs_obj_read_end(pool, h[i], p);
	}
	KUNIT_ASSERT_NE(test, straddler, 0ul);
	/* the next object starts on the page the straddler runs onto */
	for (i = 1; i + 1 < 32; i++)
		if (h[i] == straddler)
			spfn = zs_handle_pfn(pool, h[i + 1]);
	KUNIT_ASSERT_NE(test, spfn, 0ul);
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, spfn), -EBUSY);
	KUNIT_EXPECT_EQ(test,
			zs_page_migrate(pool, zs_handle_pfn(pool, straddler)),
			-EBUSY);
	zs_obj_read_end(pool, straddler, p);
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, spfn), 0);
	zs_pool_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.migrate_busy, 3ul);
	KUNIT_EXPECT_EQ(test, st.pages_migrated, 2ul);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	for (i = 0; i < 32; i++) {
		KUNIT_EXPECT_TRUE(test,
				  zt_check(pool, h[i], 1500, i, ZS_MM_RO));
		zs_free(pool, h[i]);
	}
}

static void recheck_fail_off(void *unused)
{
	(void)unused;
	zs_migrate_fail_recheck_next(0);
}

/*
 * The pfn keeps changing class between the lookup and the class lock
 * (injected: no thread can do it on cue). After ZS_MIGRATE_LOOKUPS such
 * changes zs_page_migrate gives up with -EBUSY, holding nothing and
 * changing nothing; with one fewer it goes through.
 */
static void migrate_class_keeps_changing(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	struct zs_pool_stats s0, s1;
	unsigned long h[2], pfn, pages;
	unsigned int i;

	KUNIT_ASSERT_EQ(
		test, 0,
		kunit_add_action_or_reset(test, recheck_fail_off, NULL));
	for (i = 0; i < 2; i++) {
		h[i] = zs_malloc(pool, 3000); /* h[1] straddles */
		KUNIT_ASSERT_NE(test, h[i], 0ul);
		KUNIT_ASSERT_TRUE(test, zt_write(pool, h[i], 3000, 40 + i));
	}
	pfn = zs_handle_pfn(pool, h[1]);
	pages = zs_get_total_pages(pool);
	zs_pool_stats(pool, &s0);

	zs_migrate_fail_recheck_next(ZS_MIGRATE_LOOKUPS);
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, pfn), -EBUSY);
	zs_pool_stats(pool, &s1);
	KUNIT_EXPECT_EQ(test, s1.migrate_busy, s0.migrate_busy + 1);
	KUNIT_EXPECT_EQ(test, s1.pages_migrated, s0.pages_migrated);
	KUNIT_EXPECT_EQ(test, zs_handle_pfn(pool, h[1]), pfn);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), pages);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	/* the checker freezes every class: no class lock was kept */
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_TRUE(test,
				  zt_check(pool, h[i], 3000, 40 + i, ZS_MM_RO));

	/* every injected failure was used: one fewer and it goes through */
	zs_migrate_fail_recheck_next(ZS_MIGRATE_LOOKUPS - 1);
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, pfn), 0);
	zs_pool_stats(pool, &s0);
	KUNIT_EXPECT_EQ(test, s0.migrate_busy, s1.migrate_busy);
	KUNIT_EXPECT_EQ(test, s0.pages_migrated, s1.pages_migrated + 1);
	KUNIT_EXPECT_NE(test, zs_handle_pfn(pool, h[1]), pfn);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), pages);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_TRUE(test,
				  zt_check(pool, h[i], 3000, 40 + i, ZS_MM_RO));
	/* and none is left over */
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, zs_handle_pfn(pool, h[1])),
			0);
	for (i = 0; i < 2; i++)
		zs_free(pool, h[i]);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

static void migrate_misuse(struct kunit *test)
{
	struct zt_reports *r = zt_record_reports(test);
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned long h = zs_malloc(pool, 100);

	KUNIT_ASSERT_NE(test, h, 0ul);
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, 1ul << 20), -ENOENT);
	KUNIT_EXPECT_EQ(test, r->count, 0ul);
	KUNIT_EXPECT_EQ(test, zs_page_migrate(NULL, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, r->count, 1ul);
	KUNIT_EXPECT_STREQ(test, r->what, "zs_page_migrate");
	zs_free(pool, h);
	/* the page went with its last object */
	KUNIT_EXPECT_EQ(test, zs_handle_pfn(pool, h), 0ul);
	KUNIT_EXPECT_EQ(test, r->count, 2ul);
	KUNIT_EXPECT_STREQ(test, r->what, "zs_handle_pfn");
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/* ---- threads ---- */

#define THREADS 2
#define SLOTS	48

struct stress {
	struct zs_pool *pool;
	unsigned long iters;
	atomic_bool stop;
	atomic_ulong errors;
	atomic_ulong migrations;
	atomic_ulong checks; /* whole-pool checks while the users ran */
};

static void *user_main(void *arg)
{
	struct stress *s = arg;
	static _Thread_local unsigned char copy[4096];
	struct obj mine[SLOTS];
	uint64_t rng = (uint64_t)(uintptr_t)&mine | 1;
	unsigned long it;
	unsigned int i;

	memset(mine, 0, sizeof(mine));
	for (it = 0; it < s->iters; it++) {
		uint64_t r = zt_rand(&rng);
		struct obj *o = &mine[r % SLOTS];
		unsigned int op = (unsigned int)((r >> 8) % 5);
		unsigned char *p;

		if (!o->h) {
			o->size = 1 + (r >> 16) % 4096;
			o->seed = r >> 3;
			o->h = zs_malloc(s->pool, o->size);
			if (!o->h || !zt_write(s->pool, o->h, o->size, o->seed))
				atomic_fetch_add(&s->errors, 1);
			continue;
		}
		switch (op) {
		case 0:
			if (!zt_check(s->pool, o->h, o->size, o->seed,
				      ZS_MM_RO))
				atomic_fetch_add(&s->errors, 1);
			break;
		case 1:
			p = zs_obj_read_begin(s->pool, o->h, copy);
			if (!p || zt_mismatch(p, o->size, o->seed) != o->size)
				atomic_fetch_add(&s->errors, 1);
			if (p)
				zs_obj_read_end(s->pool, o->h, p);
			break;
		case 2:
			if (!zt_rewrite(s->pool, o->h, o->size, o->seed,
					o->seed + 1))
				atomic_fetch_add(&s->errors, 1);
			o->seed++;
			break;
		case 3: {
			int ret = zs_page_migrate(s->pool,
						  zs_handle_pfn(s->pool, o->h));

			if (ret == 0)
				atomic_fetch_add(&s->migrations, 1);
			else if (ret != -EBUSY && ret != -ENOENT)
				atomic_fetch_add(&s->errors, 1);
			break;
		}
		default:
			zs_free(s->pool, o->h);
			o->h = 0;
			break;
		}
	}
	for (i = 0; i < SLOTS; i++) {
		if (mine[i].h && !zt_check(s->pool, mine[i].h, mine[i].size,
					   mine[i].seed, ZS_MM_RO))
			atomic_fetch_add(&s->errors, 1);
		zs_free(s->pool, mine[i].h);
	}
	return NULL;
}

/*
 * Migrates pages by pfn blindly, compacts and checks the whole pool (which
 * must be consistent at any moment: the checker takes every class lock),
 * until told to stop.
 */
static void *mover_main(void *arg)
{
	struct stress *s = arg;
	unsigned long pfn = 1;

	while (!atomic_load(&s->stop)) {
		int ret = zs_page_migrate(s->pool, pfn);

		if (ret == 0)
			atomic_fetch_add(&s->migrations, 1);
		else if (ret != -EBUSY && ret != -ENOENT)
			atomic_fetch_add(&s->errors, 1);
		pfn = pfn % 200 + 1;
		if (pfn == 1)
			zs_compact(s->pool);
		if (pfn % 25 == 0) {
			if (zs_pool_check(s->pool) != 0)
				atomic_fetch_add(&s->errors, 1);
			atomic_fetch_add(&s->checks, 1);
		}
	}
	return NULL;
}

static void migrate_threads(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	pthread_t users[THREADS], mover;
	struct stress s;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	s.pool = pool;
	s.iters = zt_under_valgrind() ? 2000 : 15000;
	KUNIT_ASSERT_EQ(test, pthread_create(&mover, NULL, mover_main, &s), 0);
	for (i = 0; i < THREADS; i++)
		KUNIT_ASSERT_EQ(test,
				pthread_create(&users[i], NULL, user_main, &s),
				0);
	for (i = 0; i < THREADS; i++)
		pthread_join(users[i], NULL);
	atomic_store(&s.stop, true);
	pthread_join(mover, NULL);
	kunit_info(test, "%lu migrations, %lu checks",
		   atomic_load(&s.migrations), atomic_load(&s.checks));
	KUNIT_EXPECT_EQ(test, atomic_load(&s.errors), 0ul);
	KUNIT_EXPECT_GT(test, atomic_load(&s.migrations), 0ul);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

static struct kunit_case migrate_cases[] = {
	KUNIT_CASE(migrate_4k),
	KUNIT_CASE(migrate_64k_chain16),
	KUNIT_CASE(migrate_8k_chain1),
	KUNIT_CASE(migrate_busy),
	KUNIT_CASE(migrate_class_keeps_changing),
	KUNIT_CASE(migrate_misuse),
	KUNIT_CASE(migrate_threads),
	{}};

static struct kunit_suite migrate_suite = {
	.name = "migrate",
	.test_cases = migrate_cases,
};
kunit_test_suite(migrate_suite);
