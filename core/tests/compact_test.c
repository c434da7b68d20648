// SPDX-License-Identifier: MIT
/*
 * zs_compact(): a pool filled and then mostly freed gives its pages back;
 * every object keeps its bytes and its handle; mapped or read objects stay
 * where they are; the pool check passes after every compaction; and it all
 * holds with other threads allocating, mapping and freeing meanwhile.
 */
#include "zs_move_util.h"

#include <pthread.h>
#include <stdatomic.h>

#include "kernel/kmap.h"
#include "kernel/sanitize.h"
#include "kernel/slab.h"
#include "pool.h"

/* No class keeps a whole zspage's worth of free slots. */
static void expect_tight(struct kunit *test, struct zs_pool *pool)
{
	struct zs_pool_info info;
	struct zs_class_stat st;
	unsigned int i;

	zs_pool_info(pool, &info);
	for (i = 0; i < info.nr_size_classes; i++) {
		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &st), 0);
		if (st.merged_into != i)
			continue;
		KUNIT_EXPECT_LT(test, st.obj_allocated - st.obj_used,
				(unsigned long)st.objs_per_zspage);
	}
}

static struct obj *fill(struct kunit *test, struct zs_pool *pool,
			unsigned int n, size_t max, uint64_t *rng)
{
	struct obj *o = kunit_kzalloc(test, n * sizeof(*o), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, o);
	for (i = 0; i < n; i++) {
		o[i].size = 1 + zt_rand(rng) % max;
		o[i].seed = zt_rand(rng);
		o[i].h = zs_malloc(pool, o[i].size);
		KUNIT_ASSERT_NE(test, o[i].h, 0ul);
		KUNIT_ASSERT_TRUE(test,
				  zt_write(pool, o[i].h, o[i].size, o[i].seed));
	}
	return o;
}

static void compact_geometry(struct kunit *test, size_t page_size,
			     unsigned int chain, int no_merge)
{
	struct zs_pool_config cfg = {.page_size = page_size,
				     .max_pages_per_zspage = chain,
				     .no_class_merge = no_merge};
	struct zs_pool *pool = zt_pool(test, &cfg);
	unsigned int n = zt_under_valgrind() ? 600 : 3000, i;
	uint64_t rng = 0x1234567ull + page_size + chain;
	struct zs_pool_stats st;
	unsigned long before, freed;
	struct obj *o = fill(test, pool, n, page_size, &rng);

	/* free three in four, scattered */
	for (i = 0; i < n; i++) {
		if (zt_rand(&rng) % 4) {
			zs_free(pool, o[i].h);
			o[i].h = 0;
		}
	}
	before = zs_get_total_pages(pool);
	freed = zs_compact(pool);
	KUNIT_EXPECT_GT(test, freed, 0ul);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), before - freed);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), zt_class_pages(pool));
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	expect_tight(test, pool);
	expect_intact(test, pool, o, n);
	zs_pool_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.pages_compacted, freed);
	KUNIT_EXPECT_GT(test, st.objs_moved, 0ul);
	KUNIT_EXPECT_EQ(test, st.objs_pinned, 0ul);
	/* nothing left to do */
	KUNIT_EXPECT_EQ(test, zs_compact(pool), 0ul);
	/* handles keep working: rewrite half, free the rest */
	for (i = 0; i < n; i++) {
		if (!o[i].h)
			continue;
		if (i % 2) {
			KUNIT_EXPECT_TRUE(test,
					  zt_rewrite(pool, o[i].h, o[i].size,
						     o[i].seed, o[i].seed + 1));
			o[i].seed++;
		} else {
			zs_free(pool, o[i].h);
			o[i].h = 0;
		}
	}
	zs_compact(pool);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	expect_intact(test, pool, o, n);
	for (i = 0; i < n; i++)
		zs_free(pool, o[i].h);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
	KUNIT_EXPECT_EQ(test, zs_compact(pool), 0ul);
}

static void compact_4k(struct kunit *test)
{
	compact_geometry(test, 4096, 4, 0);
}

static void compact_4k_chain16_unmerged(struct kunit *test)
{
	compact_geometry(test, 4096, 16, 1);
}

static void compact_64k(struct kunit *test)
{
	compact_geometry(test, 65536, 4, 0);
}

static void compact_16k_chain1(struct kunit *test)
{
	compact_geometry(test, 16384, 1, 0);
}

/* One class, one object left per zspage: all but one zspage go. */
static void compact_one_class(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	struct obj o[512];
	struct zs_class_stat st;
	unsigned int i, per, cls;
	unsigned long freed;

	memset(o, 0, sizeof(o));
	for (i = 0; i < 512; i++) {
		o[i].size = 200;
		o[i].seed = i;
		o[i].h = zs_malloc(pool, 200);
		KUNIT_ASSERT_NE(test, o[i].h, 0ul);
		KUNIT_ASSERT_TRUE(test, zt_write(pool, o[i].h, 200, i));
	}
	cls = zt_class_of(pool, 200);
	KUNIT_ASSERT_EQ(test, zs_class_stat(pool, cls, &st), 0);
	per = st.objs_per_zspage;
	KUNIT_ASSERT_GT(test, 512u / per, 4u);
	for (i = 0; i < 512; i++) {
		if (i % per) {
			zs_free(pool, o[i].h);
			o[i].h = 0;
		}
	}
	KUNIT_ASSERT_EQ(test, zs_class_stat(pool, cls, &st), 0);
	KUNIT_EXPECT_EQ(test, st.obj_used, (512ul + per - 1) / per);
	freed = zs_compact(pool);
	KUNIT_ASSERT_EQ(test, zs_class_stat(pool, cls, &st), 0);
	KUNIT_EXPECT_EQ(test, st.obj_allocated, (unsigned long)per);
	KUNIT_EXPECT_EQ(test, freed,
			((512ul + per - 1) / per - 1) * st.pages_per_zspage);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	expect_intact(test, pool, o, 512);
	for (i = 0; i < 512; i++)
		zs_free(pool, o[i].h);
}

/* Mapped and read objects stay put; their pointers stay good. */
static void compact_skips_pinned(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	static unsigned char copies[8][4096];
	struct obj o[512];
	void *p[8], *m;
	unsigned int i, k = 0, per, cls;
	struct zs_class_stat st;
	struct zs_pool_stats ps;
	unsigned long freed;

	memset(o, 0, sizeof(o));
	for (i = 0; i < 512; i++) {
		o[i].size = 300;
		o[i].seed = i + 77;
		o[i].h = zs_malloc(pool, 300);
		KUNIT_ASSERT_NE(test, o[i].h, 0ul);
		KUNIT_ASSERT_TRUE(test, zt_write(pool, o[i].h, 300, i + 77));
	}
	cls = zt_class_of(pool, 300);
	KUNIT_ASSERT_EQ(test, zs_class_stat(pool, cls, &st), 0);
	per = st.objs_per_zspage;
	for (i = 0; i < 512; i++) {
		if (i % per) {
			zs_free(pool, o[i].h);
			o[i].h = 0;
		}
	}
	/* pin the survivors of the first 8 zspages: 7 reads and a map */
	for (i = 0; i < 7; i++) {
		p[i] = zs_obj_read_begin(pool, o[i * per].h, copies[i]);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	m = zs_map_object(pool, o[7 * per].h, ZS_MM_RW);
	KUNIT_ASSERT_NOT_NULL(test, m);
	freed = zs_compact(pool);
	zs_pool_stats(pool, &ps);
	KUNIT_EXPECT_GT(test, ps.objs_pinned, 0ul);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	/* the pinned objects' bytes are where the pointers say */
	for (i = 0; i < 7; i++)
		KUNIT_EXPECT_EQ(test, zt_mismatch(p[i], 300, i * per + 77),
				(size_t)300);
	KUNIT_EXPECT_EQ(test, zt_mismatch(m, 300, 7 * per + 77), (size_t)300);
	zt_fill(m, 300, 999);
	o[7 * per].seed = 999;
	zs_unmap_object(pool, o[7 * per].h);
	for (i = 7; i-- > 0;)
		zs_obj_read_end(pool, o[i * per].h, p[i]);
	KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
	/* now they may move: more is released */
	freed += zs_compact(pool);
	KUNIT_ASSERT_EQ(test, zs_class_stat(pool, cls, &st), 0);
	KUNIT_EXPECT_EQ(test, st.obj_allocated, (unsigned long)per);
	KUNIT_EXPECT_GT(test, freed, 0ul);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	for (k = 0; k < 512; k++)
		if (o[k].h)
			KUNIT_EXPECT_TRUE(test, zt_check(pool, o[k].h, 300,
							 o[k].seed, ZS_MM_RO));
	for (i = 0; i < 512; i++)
		zs_free(pool, o[i].h);
}

/* Page memory behind h's first page: every granule closed (ASan, memcheck). */
static void expect_page_closed(struct kunit *test, struct zs_pool *pool,
			       unsigned long h, size_t page_size)
{
	struct zs_page *page;
	size_t i;

	if (!zs_san_tells_closed())
		return;
	page = zs_pfn_to_page(pool, zs_handle_pfn(pool, h));
	KUNIT_ASSERT_NOT_NULL(test, page);
	for (i = 0; i < page_size; i += 8)
		if (!zs_san_is_closed((char *)page->mem + i))
			break;
	KUNIT_EXPECT_EQ(test, i, page_size);
}

/* Does object idx of a class of size run onto the next page, and where? */
static size_t edge_of(size_t idx, size_t size, size_t page_size)
{
	size_t off = idx * size % page_size;

	return off + size > page_size ? page_size - off : 0;
}

/*
 * Objects of about 3/4 of a page straddle pages at several offsets. For
 * every source index s and destination index d: zspage A keeps only
 * object s, zspage B has only slot d free; zs_compact moves A's object
 * into B's slot page to page (up to three pieces when both straddle at
 * different offsets) and releases A. Every byte arrives, the copy is
 * counted once each way, and page memory is left closed.
 */
static void compact_straddling(struct kunit *test, size_t page_size)
{
	struct zs_pool *pool = zt_pool_geo(test, page_size, 4, 0);
	size_t size = page_size - page_size / 4 - 5;
	unsigned int cls = zt_class_of(pool, size), per, s, d, i;
	unsigned int three_pieces = 0;
	struct zs_access_counts c0, c1;
	struct zs_pool_stats p0, p1;
	struct zs_class_stat st;
	struct obj o[2 * 16];
	unsigned long dst_pfn;

	KUNIT_ASSERT_EQ(test, zs_class_stat(pool, cls, &st), 0);
	per = st.objs_per_zspage;
	KUNIT_ASSERT_LE(test, per, 16u);
	for (s = 0; s < per; s++) {
		for (d = 0; d < per; d++) {
			size_t es = edge_of(s, st.size, page_size);
			size_t ed = edge_of(d, st.size, page_size);

			if (es && ed && es != ed)
				three_pieces++;
			memset(o, 0, sizeof(o));
			for (i = 0; i < 2 * per; i++) {
				o[i].size = size;
				o[i].seed = s * 1000 + d * 100 + i;
				o[i].h = zs_malloc(pool, size);
				KUNIT_ASSERT_NE(test, o[i].h, 0ul);
				KUNIT_ASSERT_TRUE(test,
						  zt_write(pool, o[i].h, size,
							   o[i].seed));
			}
			/* A: objects 0..per-1, B: per..2*per-1 */
			for (i = 0; i < per; i++) {
				if (i == s)
					continue;
				zs_free(pool, o[i].h);
				o[i].h = 0;
			}
			dst_pfn = zs_handle_pfn(pool, o[per + d].h);
			zs_free(pool, o[per + d].h);
			o[per + d].h = 0;

			zs_pool_stats(pool, &p0);
			zs_access_counts(&c0);
			KUNIT_EXPECT_EQ(test, zs_compact(pool),
					(unsigned long)st.pages_per_zspage);
			zs_access_counts(&c1);
			zs_pool_stats(pool, &p1);
			KUNIT_EXPECT_EQ(test, p1.objs_moved - p0.objs_moved,
					1ul);
			KUNIT_EXPECT_EQ(test, c1.copies_out - c0.copies_out,
					1ul);
			KUNIT_EXPECT_EQ(test, c1.bytes_out - c0.bytes_out,
					(unsigned long)size);
			KUNIT_EXPECT_EQ(test, c1.copies_in - c0.copies_in, 1ul);
			KUNIT_EXPECT_EQ(test, c1.bytes_in - c0.bytes_in,
					(unsigned long)size);
			KUNIT_EXPECT_EQ(test, kmap_depth(), 0u);
			/* it went to B's free slot */
			KUNIT_EXPECT_EQ(test, zs_handle_pfn(pool, o[s].h),
					dst_pfn);
			KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool),
					(unsigned long)st.pages_per_zspage);
			for (i = 0; i < 2 * per; i++)
				if (o[i].h)
					expect_page_closed(test, pool, o[i].h,
							   page_size);
			KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
			expect_intact(test, pool, o, 2 * per);
			for (i = 0; i < 2 * per; i++)
				zs_free(pool, o[i].h);
			KUNIT_ASSERT_EQ(test, zs_get_total_pages(pool), 0ul);
		}
	}
	/* the geometry has the case the pieces are for */
	KUNIT_EXPECT_GT(test, three_pieces, 0u);
}

static void compact_straddling_4k(struct kunit *test)
{
	compact_straddling(test, 4096);
}

static void compact_straddling_64k(struct kunit *test)
{
	compact_straddling(test, 65536);
}

static void slab_fail_all_off(void *unused)
{
	(void)unused;
	zs_slab_fail_all(false);
}

/*
 * zs_compact needs no metadata allocation to move objects (no bounce
 * buffer): with every one failing it still moves them and releases pages.
 */
static void compact_without_slab(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	unsigned int n = 400, i;
	uint64_t rng = 0xc0ffee;
	struct zs_pool_stats st;
	unsigned long before, freed;
	long live;
	struct obj *o = fill(test, pool, n, 4096, &rng);

	for (i = 0; i < n; i++) {
		if (zt_rand(&rng) % 4) {
			zs_free(pool, o[i].h);
			o[i].h = 0;
		}
	}
	before = zs_get_total_pages(pool);
	live = zs_slab_live();
	KUNIT_ASSERT_EQ(
		test, 0,
		kunit_add_action_or_reset(test, slab_fail_all_off, NULL));
	zs_slab_fail_all(true);
	freed = zs_compact(pool);
	zs_slab_fail_all(false);
	KUNIT_EXPECT_GT(test, freed, 0ul);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), before - freed);
	KUNIT_EXPECT_LE(test, zs_slab_live(), live);
	zs_pool_stats(pool, &st);
	KUNIT_EXPECT_GT(test, st.objs_moved, 0ul);
	KUNIT_EXPECT_EQ(test, st.pages_compacted, freed);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	expect_tight(test, pool);
	expect_intact(test, pool, o, n);
	for (i = 0; i < n; i++)
		zs_free(pool, o[i].h);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

static void compact_misuse(struct kunit *test)
{
	struct zt_reports *r = zt_record_reports(test);
	struct zs_pool_stats st;

	KUNIT_EXPECT_EQ(test, zs_compact(NULL), 0ul);
	KUNIT_EXPECT_EQ(test, r->count, 1ul);
	KUNIT_EXPECT_STREQ(test, r->what, "zs_compact");
	memset(&st, 0xff, sizeof(st));
	zs_pool_stats(NULL, &st);
	KUNIT_EXPECT_EQ(test, st.pages_compacted, 0ul);
}

/* ---- threads ---- */

#define THREADS 3
#define SLOTS	48

struct stress {
	struct zs_pool *pool;
	unsigned long iters;
	atomic_bool stop;
	atomic_ulong errors;
	atomic_ulong compactions;
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
		unsigned int op = (unsigned int)((r >> 8) % 6);
		unsigned char *p;

		if (!o->h) {
			o->size = 1 + (r >> 16) % 3000;
			o->seed = r >> 3;
			o->h = zs_malloc(s->pool, o->size);
			if (!o->h) {
				atomic_fetch_add(&s->errors, 1);
				continue;
			}
			if (op % 2) {
				if (!zt_write(s->pool, o->h, o->size, o->seed))
					atomic_fetch_add(&s->errors, 1);
			} else {
				unsigned char buf[3000];

				zt_fill(buf, o->size, o->seed);
				zs_obj_write(s->pool, o->h, buf, o->size);
			}
			continue;
		}
		switch (op) {
		case 0:
		case 1:
			if (!zt_check(s->pool, o->h, o->size, o->seed,
				      ZS_MM_RO))
				atomic_fetch_add(&s->errors, 1);
			break;
		case 2:
			p = zs_obj_read_begin(s->pool, o->h, copy);
			if (!p || zt_mismatch(p, o->size, o->seed) != o->size)
				atomic_fetch_add(&s->errors, 1);
			if (p)
				zs_obj_read_end(s->pool, o->h, p);
			break;
		case 3:
			if (!zt_rewrite(s->pool, o->h, o->size, o->seed,
					o->seed + 1))
				atomic_fetch_add(&s->errors, 1);
			o->seed++;
			break;
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

static void *compactor_main(void *arg)
{
	struct stress *s = arg;

	while (!atomic_load(&s->stop)) {
		zs_compact(s->pool);
		atomic_fetch_add(&s->compactions, 1);
	}
	return NULL;
}

static void compact_threads(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	pthread_t users[THREADS], compactor;
	struct zs_pool_stats st;
	struct stress s;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	s.pool = pool;
	s.iters = zt_under_valgrind() ? 3000 : 20000;
	KUNIT_ASSERT_EQ(
		test, pthread_create(&compactor, NULL, compactor_main, &s), 0);
	for (i = 0; i < THREADS; i++)
		KUNIT_ASSERT_EQ(test,
				pthread_create(&users[i], NULL, user_main, &s),
				0);
	for (i = 0; i < THREADS; i++)
		pthread_join(users[i], NULL);
	atomic_store(&s.stop, true);
	pthread_join(compactor, NULL);
	zs_pool_stats(pool, &st);
	kunit_info(test, "%lu compactions: %lu pages, %lu moves, %lu pinned",
		   atomic_load(&s.compactions), st.pages_compacted,
		   st.objs_moved, st.objs_pinned);
	KUNIT_EXPECT_EQ(test, atomic_load(&s.errors), 0ul);
	KUNIT_EXPECT_GT(test, atomic_load(&s.compactions), 0ul);
	KUNIT_EXPECT_GT(test, st.objs_moved, 0ul);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

static struct kunit_case compact_cases[] = {
	KUNIT_CASE(compact_4k),
	KUNIT_CASE(compact_4k_chain16_unmerged),
	KUNIT_CASE(compact_64k),
	KUNIT_CASE(compact_16k_chain1),
	KUNIT_CASE(compact_one_class),
	KUNIT_CASE(compact_skips_pinned),
	KUNIT_CASE(compact_straddling_4k),
	KUNIT_CASE(compact_straddling_64k),
	KUNIT_CASE(compact_without_slab),
	KUNIT_CASE(compact_misuse),
	KUNIT_CASE(compact_threads),
	{}};

static struct kunit_suite compact_suite = {
	.name = "compact",
	.test_cases = compact_cases,
};
kunit_test_suite(compact_suite);
