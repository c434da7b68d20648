// SPDX-License-Identifier: MIT
/*
 * One case per fix in the seed history, each written so that the old
 * behaviour would fail it.
 */
#include "zs_test_util.h"

/* Handles sorted, then no two alike. */
static int cmp_handle(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static bool all_distinct(unsigned long *h, size_t n)
{
	size_t i;

	qsort(h, n, sizeof(*h), cmp_handle);
	for (i = 1; i < n; i++)
		if (h[i] == h[i - 1])
			return false;
	return true;
}

/*
 * Fix 1: with 64 KiB pages and 32-bit physical addresses the top class
 * was 65312, so a full-page object had no class. Check it, and the same
 * at every page size, width and a few chain lengths.
 */
static void seed_max_size_alloc(struct kunit *test)
{
	static const size_t pages[] = {4096, 16384, 65536};
	static const unsigned int chains[] = {1, 4, 16};
	unsigned int p, c, w;

	for (p = 0; p < 3; p++) {
		unsigned int shift = zt_log2(pages[p]);
		unsigned int widths[] = {0, 32, ZT_WIDTH(shift + 20),
					 ZT_BITS_PER_LONG};

		for (c = 0; c < 3; c++) {
			for (w = 0; w < 4; w++) {
				struct zs_pool_config cfg = {
					.page_size = pages[p],
					.max_pages_per_zspage = chains[c],
					.physmem_bits = widths[w],
				};
				struct zs_pool *pool;
				size_t max = pages[p];
				unsigned long h;

				pool = zs_create_pool_config("max", &cfg);
				KUNIT_ASSERT_NOT_NULL_MSG(
					test, pool,
					"page %zu chain %u width %u", max,
					chains[c], widths[w]);
				KUNIT_EXPECT_EQ(test, zs_max_alloc_size(pool),
						max);
				KUNIT_EXPECT_EQ(test, zs_class_size(pool, max),
						max);
				h = zs_malloc(pool, max);
				KUNIT_EXPECT_NE_MSG(
					test, h, 0UL,
					"page %zu chain %u width %u", max,
					chains[c], widths[w]);
				if (h) {
					KUNIT_EXPECT_TRUE(
						test,
						zt_write(pool, h, max, h));
					KUNIT_EXPECT_TRUE(
						test, zt_check(pool, h, max, h,
							       ZS_MM_RO));
					KUNIT_EXPECT_EQ(
						test, zs_get_total_pages(pool),
						1UL);
					zs_free(pool, h);
				}
				KUNIT_EXPECT_EQ(test, zs_malloc(pool, max + 1),
						0UL);
				KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool),
						0UL);
				KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
				zs_destroy_pool(pool);
			}
		}
	}
}

/* The exact configuration of the seed's bug, on its own. */
static void seed_max_size_64k_physmem32(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 65536, 0, 32);
	struct zs_pool_info info;
	struct zs_class_stat top;
	unsigned long h;

	zs_pool_info(pool, &info);
	KUNIT_ASSERT_EQ(test,
			zs_class_stat(pool, info.nr_size_classes - 1, &top), 0);
	KUNIT_EXPECT_EQ(test, top.size, (size_t)65536);
	h = zs_malloc(pool, 65536);
	KUNIT_ASSERT_NE(test, h, 0UL);
	KUNIT_EXPECT_TRUE(test, zt_write(pool, h, 65536, 7));
	KUNIT_EXPECT_TRUE(test, zt_check(pool, h, 65536, 7, ZS_MM_RO));
	KUNIT_EXPECT_TRUE(test, zt_rewrite(pool, h, 65536, 7, 8));
	KUNIT_EXPECT_TRUE(test, zt_check(pool, h, 65536, 8, ZS_MM_RO));
	zs_free(pool, h);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/*
 * Fix 2: kunmap_atomic got the object's address, not the page's. Objects
 * at non-zero offsets inside a page, mapped and unmapped many times in
 * every mode: a wrong address, or a kmap slot left behind each time
 * (the stack is 16 deep), would be reported.
 */
static void seed_kmap_exact_unmap(struct kunit *test)
{
	enum { N = 8, ROUNDS = 300 };
	struct zt_reports *rep = zt_record_reports(test);
	struct zs_pool *pool = zt_pool(test, NULL);
	unsigned long before = zs_report_count();
	unsigned long h[N];
	uintptr_t first[N];
	bool offset_seen = false;
	unsigned int i, r;

	for (i = 0; i < N; i++) {
		h[i] = zs_malloc(pool, 48);
		KUNIT_ASSERT_NE(test, h[i], 0UL);
		KUNIT_ASSERT_TRUE(test, zt_write(pool, h[i], 48, i));
	}
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < N; i++) {
			enum zs_mapmode mm = (enum zs_mapmode)((r + i) % 3);
			unsigned char *p = zs_map_object(pool, h[i], mm);

			KUNIT_ASSERT_NOT_NULL(test, p);
			if (r == 0) {
				first[i] = (uintptr_t)p;
				if ((uintptr_t)p % 4096 != 0)
					offset_seen = true;
			} else {
				/* an in-page object is the page itself */
				KUNIT_EXPECT_EQ(test, (uintptr_t)p, first[i]);
			}
			if (mm != ZS_MM_WO)
				KUNIT_EXPECT_EQ(test, zt_mismatch(p, 48, i),
						(size_t)48);
			zt_fill(p, 48, i);
			zs_unmap_object(pool, h[i]);
		}
		if (rep->count)
			break;
	}
	KUNIT_EXPECT_TRUE(test, offset_seen);
	KUNIT_EXPECT_EQ_MSG(test, rep->count, 0UL, "%s: %s", rep->what,
			    rep->details);
	KUNIT_EXPECT_EQ(test, zs_report_count(), before);
	for (i = 0; i < N; i++) {
		KUNIT_EXPECT_TRUE(test, zt_check(pool, h[i], 48, i, ZS_MM_RO));
		zs_free(pool, h[i]);
	}
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/*
 * Fix 3: the init error path. A pool whose page provider fails from the
 * first call: every allocation fails cleanly, nothing is left behind, and
 * the pool works once the provider recovers.
 */
static void seed_init_error_first_use(struct kunit *test)
{
	static const size_t sizes[] = {1, 32, 100, 3000, 3264, 4096};
	struct zt_provider pv;
	struct zs_pool_config cfg = {.pages = &pv.ops};
	struct zs_pool *pool;
	unsigned long h;
	unsigned int i;

	zt_provider_init(&pv);
	pv.fail_from = 1;
	pool = zs_create_pool_config("init", &cfg);
	if (!pool) {
		/* refusing the pool is clean too, if nothing is held */
		KUNIT_EXPECT_EQ(test, zt_provider_live(&pv), 0UL);
		return;
	}
	for (i = 0; i < 6; i++) {
		KUNIT_EXPECT_EQ(test, zs_malloc(pool, sizes[i]), 0UL);
		KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0UL);
		KUNIT_EXPECT_EQ(test, zt_class_pages(pool), 0UL);
		KUNIT_EXPECT_EQ(test, zt_provider_live(&pv), 0UL);
		KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	}
	KUNIT_EXPECT_GE(test, pv.calls, 6UL);

	pv.fail_from = 0;
	for (i = 0; i < 6; i++) {
		h = zs_malloc(pool, sizes[i]);
		KUNIT_EXPECT_NE(test, h, 0UL);
		if (!h)
			continue;
		KUNIT_EXPECT_TRUE(test, zt_write(pool, h, sizes[i], i));
		KUNIT_EXPECT_TRUE(test,
				  zt_check(pool, h, sizes[i], i, ZS_MM_RO));
		KUNIT_EXPECT_EQ(test, zt_provider_live(&pv),
				zs_get_total_pages(pool));
		zs_free(pool, h);
	}
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	zs_destroy_pool(pool);
	KUNIT_EXPECT_EQ(test, pv.allocs, pv.frees);
	KUNIT_EXPECT_EQ(test, pv.misaligned, 0UL);
}

/*
 * Fix 3, continued: a zspage of several pages whose k-th page cannot be
 * had. The pages already taken go back; nothing is half-built.
 */
static void seed_init_error_partial_zspage(struct kunit *test)
{
	struct zt_provider pv;
	struct zs_pool_config cfg = {.pages = &pv.ops};
	struct zs_pool *pool;
	struct zs_pool_info info;
	struct zs_class_stat st;
	unsigned int i, k;
	size_t size = 0;
	unsigned int ppz = 0;

	zt_provider_init(&pv);
	pool = zs_create_pool_config("partial", &cfg);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	zs_pool_info(pool, &info);
	/* the largest class with a full chain of pages */
	for (i = 0; i < info.nr_size_classes; i++) {
		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &st), 0);
		if (st.merged_into == i &&
		    st.pages_per_zspage == info.max_pages_per_zspage) {
			size = st.size;
			ppz = st.pages_per_zspage;
		}
	}
	KUNIT_ASSERT_GT(test, ppz, 1u);

	for (k = 1; k <= ppz; k++) {
		pv.fail_at = pv.calls + k;
		KUNIT_EXPECT_EQ_MSG(test, zs_malloc(pool, size), 0UL,
				    "page %u of %u failed", k, ppz);
		KUNIT_EXPECT_EQ(test, zt_provider_live(&pv), 0UL);
		KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0UL);
		KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	}
	pv.fail_at = 0;
	{
		unsigned long h = zs_malloc(pool, size);

		KUNIT_EXPECT_NE(test, h, 0UL);
		KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool),
				(unsigned long)ppz);
		KUNIT_EXPECT_EQ(test, zt_provider_live(&pv),
				(unsigned long)ppz);
		zs_free(pool, h);
	}
	KUNIT_EXPECT_EQ(test, zt_provider_live(&pv), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	zs_destroy_pool(pool);
	KUNIT_EXPECT_EQ(test, pv.allocs, pv.frees);
}

/*
 * Fix 3, mapping areas: a thread's first map of an object that spans two
 * pages needs that thread's mapping area. Many short-lived threads each
 * do one spanning map and exit; the areas come and go (leaks show under
 * ASan/Valgrind) and each map sees the right bytes.
 */
struct area_job {
	struct zs_pool *pool;
	unsigned long h;
	size_t size;
	unsigned long seed;
	bool ok;
};

#include <pthread.h>

static void *area_thread(void *arg)
{
	struct area_job *j = arg;

	j->ok = zt_check(j->pool, j->h, j->size, j->seed, ZS_MM_RO) &&
		zt_rewrite(j->pool, j->h, j->size, j->seed, j->seed + 1);
	return NULL;
}

static void seed_init_mapping_area_threads(struct kunit *test)
{
	enum { THREADS = 12 };
	struct zs_pool *pool = zt_pool(test, NULL);
	unsigned long h[4];
	unsigned int i, t;

	/* 3072-byte objects: 4 in 3 pages, the middle two span pages */
	for (i = 0; i < 4; i++) {
		h[i] = zs_malloc(pool, 3072);
		KUNIT_ASSERT_NE(test, h[i], 0UL);
		KUNIT_ASSERT_TRUE(test, zt_write(pool, h[i], 3072, 100 * i));
	}
	for (t = 0; t < THREADS; t++) {
		struct area_job j = {pool, h[t % 4], 3072,
				     100 * (t % 4) + t / 4, false};
		pthread_t th;

		KUNIT_ASSERT_EQ(test,
				pthread_create(&th, NULL, area_thread, &j), 0);
		KUNIT_ASSERT_EQ(test, pthread_join(th, NULL), 0);
		KUNIT_EXPECT_TRUE_MSG(test, j.ok, "thread %u", t);
	}
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_TRUE(test,
				  zt_check(pool, h[i], 3072,
					   100 * i + THREADS / 4, ZS_MM_RO));
		zs_free(pool, h[i]);
	}
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/*
 * Fix 4: class merging. At 4 KiB pages and chain 4 the 255 steps fold
 * into 69 classes (the kernel's figure), and a spread of sizes then needs
 * fewer pages than with one class per step.
 */
static void seed_class_merging(struct kunit *test)
{
	struct zs_pool_config merged_cfg = {0};
	struct zs_pool_config plain_cfg = {.no_class_merge = 1};
	struct zs_pool *merged = zt_pool(test, &merged_cfg);
	struct zs_pool *plain = zt_pool(test, &plain_cfg);
	struct zs_pool_info mi, pi;
	unsigned long *hm, *hp;
	unsigned long pages_m, pages_p;
	size_t s, n = 0, bytes = 0;

	zs_pool_info(merged, &mi);
	zs_pool_info(plain, &pi);
	KUNIT_EXPECT_EQ(test, mi.nr_size_classes, 255u);
	KUNIT_EXPECT_EQ(test, pi.nr_size_classes, 255u);
	KUNIT_EXPECT_EQ(test, mi.nr_distinct_classes, 69u);
	KUNIT_EXPECT_EQ(test, pi.nr_distinct_classes, 255u);
	KUNIT_EXPECT_LT(test, mi.nr_distinct_classes, pi.nr_distinct_classes);

	/* one object of each 16-byte step */
	hm = kunit_kcalloc(test, 256, sizeof(*hm), GFP_KERNEL);
	hp = kunit_kcalloc(test, 256, sizeof(*hp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hm);
	KUNIT_ASSERT_NOT_NULL(test, hp);
	for (s = 32; s <= 4096; s += 16, n++) {
		hm[n] = zs_malloc(merged, s);
		hp[n] = zs_malloc(plain, s);
		KUNIT_ASSERT_NE(test, hm[n], 0UL);
		KUNIT_ASSERT_NE(test, hp[n], 0UL);
		KUNIT_ASSERT_TRUE(test, zt_write(merged, hm[n], s, n));
		KUNIT_ASSERT_TRUE(test, zt_write(plain, hp[n], s, n));
		bytes += s;
	}
	pages_m = zs_get_total_pages(merged);
	pages_p = zs_get_total_pages(plain);
	kunit_info(test, "%zu bytes: %lu pages merged, %lu unmerged", bytes,
		   pages_m, pages_p);
	KUNIT_EXPECT_LT(test, pages_m, pages_p);
	KUNIT_EXPECT_GE(test, pages_m * 4096, (unsigned long)bytes);
	for (s = 32, n = 0; s <= 4096; s += 16, n++) {
		KUNIT_EXPECT_TRUE(test,
				  zt_check(merged, hm[n], s, n, ZS_MM_RO));
		KUNIT_EXPECT_TRUE(test, zt_check(plain, hp[n], s, n, ZS_MM_RO));
		zs_free(merged, hm[n]);
		zs_free(plain, hp[n]);
	}
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(merged), 0UL);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(plain), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(merged), 0);
	KUNIT_EXPECT_EQ(test, zs_pool_check(plain), 0);
}

/*
 * Fix 5: the free list must run through every object of every page of a
 * new zspage, whatever page size % class size is. Fill each class's first
 * zspage to capacity: exactly objs_per_zspage distinct objects fit before
 * a second zspage appears, and all keep their bytes.
 */
static void fill_every_class(struct kunit *test, size_t page_size,
			     unsigned int chain)
{
	struct zs_pool *pool = zt_pool_geo(test, page_size, chain, 0);
	struct zs_pool_info info;
	unsigned long *h, *sorted;
	unsigned int i, n, classes = 0, odd = 0;

	zs_pool_info(pool, &info);
	/* a zspage holds at most chain * page / min objects */
	n = (unsigned int)(chain * page_size / info.min_alloc_size) + 1;
	h = kunit_kcalloc(test, n, sizeof(*h), GFP_KERNEL);
	sorted = kunit_kcalloc(test, n, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_NOT_NULL(test, sorted);

	for (i = 0; i < info.nr_size_classes; i++) {
		struct zs_class_stat st;
		unsigned int objs, k;

		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &st), 0);
		if (st.merged_into != i)
			continue;
		classes++;
		if (page_size % st.size && st.pages_per_zspage > 1)
			odd++;
		objs = st.objs_per_zspage;
		KUNIT_ASSERT_LT(test, objs, n);
		for (k = 0; k < objs; k++) {
			h[k] = zs_malloc(pool, st.size);
			KUNIT_ASSERT_NE(test, h[k], 0UL);
			KUNIT_ASSERT_TRUE(
				test, zt_write(pool, h[k], st.size, h[k] ^ k));
		}
		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &st), 0);
		KUNIT_EXPECT_EQ_MSG(test, st.pages_used,
				    (unsigned long)st.pages_per_zspage,
				    "page %zu class %zu: full zspage spilled",
				    page_size, st.size);
		KUNIT_EXPECT_EQ(test, st.zspages[ZS_FULL], 1UL);
		KUNIT_EXPECT_EQ(test, st.obj_used, (unsigned long)objs);
		KUNIT_EXPECT_EQ(test, st.obj_allocated, (unsigned long)objs);

		/* one more needs a second zspage */
		h[objs] = zs_malloc(pool, st.size);
		KUNIT_ASSERT_NE(test, h[objs], 0UL);
		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &st), 0);
		KUNIT_EXPECT_EQ(test, st.pages_used, 2UL * st.pages_per_zspage);

		memcpy(sorted, h, (objs + 1) * sizeof(*h));
		KUNIT_EXPECT_TRUE_MSG(test, all_distinct(sorted, objs + 1),
				      "class %zu issued a handle twice",
				      st.size);
		for (k = 0; k < objs; k++) {
			if (!zt_check(pool, h[k], st.size, h[k] ^ k,
				      ZS_MM_RO)) {
				KUNIT_FAIL(test,
					   "page %zu class %zu object %u of "
					   "%u lost its bytes",
					   page_size, st.size, k, objs);
				break;
			}
		}
		for (k = 0; k <= objs; k++)
			zs_free(pool, h[k]);
		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &st), 0);
		KUNIT_EXPECT_EQ(test, st.pages_used, 0UL);
	}
	/* the test really met the awkward ratios */
	KUNIT_EXPECT_GT(test, odd, 0u);
	KUNIT_EXPECT_EQ(test, classes, info.nr_distinct_classes);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

static void seed_free_list_linking_4k(struct kunit *test)
{
	fill_every_class(test, 4096, 4);
	fill_every_class(test, 4096, 16);
}

static void seed_free_list_linking_16k(struct kunit *test)
{
	fill_every_class(test, 16384, 4);
}

static void seed_free_list_linking_64k(struct kunit *test)
{
	fill_every_class(test, 65536, 4);
}

/*
 * Fix 6: the fullness threshold is 3/4 (it was 1/4). A zspage of 8
 * objects is almost empty up to 6 in use, almost full at 7, full at 8;
 * with the old threshold it would be almost full from 3.
 */
static void seed_fullness_threshold(struct kunit *test)
{
	struct zs_pool *pool = zt_pool(test, NULL);
	unsigned int cls = zt_class_of(pool, 512);
	struct zs_class_stat st;
	unsigned long h[8];
	unsigned int k;

	KUNIT_ASSERT_NE(test, cls, UINT_MAX);
	KUNIT_ASSERT_EQ(test, zs_class_stat(pool, cls, &st), 0);
	KUNIT_ASSERT_EQ(test, st.objs_per_zspage, 8u);
	for (k = 1; k <= 8; k++) {
		h[k - 1] = zs_malloc(pool, 512);
		KUNIT_ASSERT_NE(test, h[k - 1], 0UL);
		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, cls, &st), 0);
		KUNIT_EXPECT_EQ_MSG(test, st.zspages[ZS_ALMOST_EMPTY],
				    k <= 6 ? 1UL : 0UL, "%u in use", k);
		KUNIT_EXPECT_EQ_MSG(test, st.zspages[ZS_ALMOST_FULL],
				    k == 7 ? 1UL : 0UL, "%u in use", k);
		KUNIT_EXPECT_EQ_MSG(test, st.zspages[ZS_FULL],
				    k == 8 ? 1UL : 0UL, "%u in use", k);
	}
	for (k = 8; k > 0; k--)
		zs_free(pool, h[k - 1]);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/*
 * Fix 7: zs_get_total_pages() counts pages, not bytes, and equals the sum
 * of the classes' pages_used, at every page size.
 */
static void seed_total_pages_units(struct kunit *test)
{
	static const size_t pages[] = {4096, 16384, 65536};
	unsigned int p;

	for (p = 0; p < 3; p++) {
		size_t ps = pages[p];
		struct zs_pool *pool = zt_pool_geo(test, ps, 4, 0);
		struct zs_pool_info info;
		struct zs_class_stat st;
		unsigned long h1, h2, h3, want;
		size_t odd = 0; /* a class of 3 pages per zspage */
		unsigned int i;

		zs_pool_info(pool, &info);
		for (i = 0; i < info.nr_size_classes && !odd; i++) {
			KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &st), 0);
			if (st.merged_into == i && st.pages_per_zspage == 3)
				odd = st.size;
		}
		KUNIT_ASSERT_NE(test, odd, (size_t)0);

		h1 = zs_malloc(pool, ps);
		KUNIT_ASSERT_NE(test, h1, 0UL);
		KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 1UL);
		h2 = zs_malloc(pool, 32);
		KUNIT_ASSERT_NE(test, h2, 0UL);
		KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 2UL);
		h3 = zs_malloc(pool, odd);
		KUNIT_ASSERT_NE(test, h3, 0UL);
		want = 5;
		KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), want);
		KUNIT_EXPECT_EQ(test, zt_class_pages(pool), want);
		zs_free(pool, h1);
		KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), want - 1);
		KUNIT_EXPECT_EQ(test, zt_class_pages(pool), want - 1);
		zs_free(pool, h3);
		zs_free(pool, h2);
		KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0UL);
		KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	}
}

static struct kunit_case seed_fixes_cases[] = {
	KUNIT_CASE(seed_max_size_alloc),
	KUNIT_CASE(seed_max_size_64k_physmem32),
	KUNIT_CASE(seed_kmap_exact_unmap),
	KUNIT_CASE(seed_init_error_first_use),
	KUNIT_CASE(seed_init_error_partial_zspage),
	KUNIT_CASE(seed_init_mapping_area_threads),
	KUNIT_CASE(seed_class_merging),
	KUNIT_CASE(seed_free_list_linking_4k),
	KUNIT_CASE(seed_free_list_linking_16k),
	KUNIT_CASE(seed_free_list_linking_64k),
	KUNIT_CASE(seed_fullness_threshold),
	KUNIT_CASE(seed_total_pages_units),
	{}};

static struct kunit_suite seed_fixes_suite = {
	.name = "zs_seed_fixes",
	.test_cases = seed_fixes_cases,
};

kunit_test_suite(seed_fixes_suite);
