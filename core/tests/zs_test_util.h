/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the core KUnit suites: object patterns, pool setup with
 * automatic teardown, a recording report handler and a counting page
 * provider that can be told to fail.
 */
#ifndef ZS_TEST_UTIL_H
#define ZS_TEST_UTIL_H

#include <kunit/test.h>

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zsmalloc.h>

#ifdef ZS_VALGRIND
#include <valgrind/valgrind.h>
#endif

#define ZT_BITS_PER_LONG ((unsigned int)(sizeof(unsigned long) * CHAR_BIT))

/* The platform default of physmem_bits, as the design fixes it. */
#define ZT_DEFAULT_PHYSMEM (ZT_BITS_PER_LONG == 64 ? 46u : 32u)
/* A width, clamped to what a 32-bit build can take. */
#define ZT_WIDTH(w) ((w) < ZT_BITS_PER_LONG ? (w) : ZT_BITS_PER_LONG)

/* Heavy sweeps thin out under Valgrind; every other flavour runs all. */
static inline bool zt_under_valgrind(void)
{
#ifdef ZS_VALGRIND
	return RUNNING_ON_VALGRIND != 0;
#else
	return false;
#endif
}

static inline unsigned int zt_log2(size_t v)
{
	unsigned int s = 0;

	while (((size_t)1 << s) < v)
		s++;
	return s;
}

/* ---- object contents ---- */

/*
 * Word w of an object tagged seed. Every byte depends on the seed and on
 * its position, so swapped, shifted or truncated objects all show.
 */
static inline uint64_t zt_word(unsigned long seed, size_t w)
{
	uint64_t x = (uint64_t)seed * 0x9e3779b97f4a7c15ull + w;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 32);
}

static inline void zt_fill(void *dst, size_t n, unsigned long seed)
{
	unsigned char *p = dst;
	size_t i;

	for (i = 0; i < n; i += 8) {
		uint64_t w = zt_word(seed, i / 8);
		size_t k = n - i < 8 ? n - i : 8;

		memcpy(p + i, &w, k);
	}
}

/* Offset of the first wrong byte, or n when the object is intact. */
static inline size_t zt_mismatch(const void *src, size_t n, unsigned long seed)
{
	const unsigned char *p = src;
	size_t i, j;

	for (i = 0; i < n; i += 8) {
		uint64_t w = zt_word(seed, i / 8);
		size_t k = n - i < 8 ? n - i : 8;

		if (memcmp(p + i, &w, k) != 0) {
			for (j = 0; j < k; j++)
				if (p[i + j] != ((unsigned char *)&w)[j])
					return i + j;
		}
	}
	return n;
}

/* Write an object's pattern through a write-only mapping. */
static inline bool zt_write(struct zs_pool *pool, unsigned long h, size_t n,
			    unsigned long seed)
{
	void *p = zs_map_object(pool, h, ZS_MM_WO);

	if (!p)
		return false;
	zt_fill(p, n, seed);
	zs_unmap_object(pool, h);
	return true;
}

/* Check an object's pattern through a mapping of the given mode. */
static inline bool zt_check(struct zs_pool *pool, unsigned long h, size_t n,
			    unsigned long seed, enum zs_mapmode mm)
{
	void *p = zs_map_object(pool, h, mm);
	size_t bad;

	if (!p)
		return false;
	bad = zt_mismatch(p, n, seed);
	zs_unmap_object(pool, h);
	return bad == n;
}

/*
 * Check the old pattern and write a new one through one RW mapping: what
 * was read must be the old bytes, what is left must be the new ones.
 */
static inline bool zt_rewrite(struct zs_pool *pool, unsigned long h, size_t n,
			      unsigned long old_seed, unsigned long new_seed)
{
	void *p = zs_map_object(pool, h, ZS_MM_RW);
	bool ok;

	if (!p)
		return false;
	ok = zt_mismatch(p, n, old_seed) == n;
	zt_fill(p, n, new_seed);
	zs_unmap_object(pool, h);
	return ok;
}

/* ---- pools ---- */

static inline void zt_destroy_pool_action(void *pool)
{
	zs_destroy_pool(pool);
}

/* A pool destroyed when the case ends, however it ends. */
static inline struct zs_pool *zt_pool(struct kunit *test,
				      const struct zs_pool_config *cfg)
{
	struct zs_pool *pool;

	pool = cfg ? zs_create_pool_config("kunit", cfg)
		   : zs_create_pool("kunit");
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(
		test, 0,
		kunit_add_action_or_reset(test, zt_destroy_pool_action, pool));
	return pool;
}

static inline struct zs_pool *zt_pool_geo(struct kunit *test, size_t page_size,
					  unsigned int chain,
					  unsigned int physmem)
{
	/* one class shard: a case that looks inside finds every zspage in
	 * pool->classes, whatever its thread's number */
	struct zs_pool_config cfg = {
		.page_size = page_size,
		.max_pages_per_zspage = chain,
		.physmem_bits = physmem,
		.shards = 1,
	};

	return zt_pool(test, &cfg);
}

/* Sum of pages_used over the classes that serve allocations. */
static inline unsigned long zt_class_pages(struct zs_pool *pool)
{
	struct zs_pool_info info;
	struct zs_class_stat st;
	unsigned long sum = 0;
	unsigned int i;

	zs_pool_info(pool, &info);
	for (i = 0; i < info.nr_size_classes; i++) {
		if (zs_class_stat(pool, i, &st) != 0)
			break;
		if (st.merged_into == i)
			sum += st.pages_used;
	}
	return sum;
}

/* Index of the size step that serves size (its merged_into). */
static inline unsigned int zt_class_of(struct zs_pool *pool, size_t size)
{
	struct zs_pool_info info;
	struct zs_class_stat st;
	unsigned int i;

	zs_pool_info(pool, &info);
	if (size <= info.min_alloc_size)
		i = 0;
	else
		i = (unsigned int)((size - info.min_alloc_size +
				    info.size_class_delta - 1) /
				   info.size_class_delta);
	if (i >= info.nr_size_classes || zs_class_stat(pool, i, &st) != 0)
		return UINT_MAX;
	return st.merged_into;
}

/* ---- system memory ---- */

static inline size_t zt_sys_page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Is every system page of [p, p + n) resident (mincore)? */
static inline bool zt_resident(const char *p, size_t n)
{
	size_t sys = zt_sys_page();

	for (size_t off = 0; off < n; off += sys) {
		unsigned char v = 0;

		if (mincore((void *)(p + off), sys, &v) != 0 || !(v & 1))
			return false;
	}
	return true;
}

static inline bool zt_all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- reports ---- */

struct zt_reports {
	unsigned long count;
	char what[128];
	char details[256];
};

static inline void zt_record_report(void *ctx, const char *what,
				    const char *details)
{
	struct zt_reports *r = ctx;

	r->count++;
	snprintf(r->what, sizeof(r->what), "%s", what ? what : "(null)");
	snprintf(r->details, sizeof(r->details), "%s",
		 details ? details : "(null)");
}

static inline void zt_restore_report_handler(void *unused)
{
	(void)unused;
	zs_set_report_handler(NULL, NULL);
}

/* Record reports instead of aborting until the case ends. */
static inline struct zt_reports *zt_record_reports(struct kunit *test)
{
	struct zt_reports *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	zs_set_report_handler(zt_record_report, r);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(
				test, zt_restore_report_handler, NULL));
	return r;
}

/* ---- page provider that counts and fails on demand ---- */

struct zt_provider {
	struct zs_page_provider ops;
	unsigned long calls;	 /* alloc_page calls, failed ones included */
	unsigned long allocs;	 /* pages handed out */
	unsigned long frees;	 /* pages given back */
	unsigned long fail_at;	 /* fail call number fail_at (1-based); 0: no */
	unsigned long fail_from; /* fail every call from this one; 0: no */
	unsigned long misaligned; /* frees of memory we never handed out */
	size_t page_size;
};

static inline void *zt_provider_alloc(void *ctx, size_t page_size)
{
	struct zt_provider *pv = ctx;
	void *p;

	pv->calls++;
	if (pv->calls == pv->fail_at ||
	    (pv->fail_from && pv->calls >= pv->fail_from))
		return NULL;
	p = aligned_alloc(page_size, page_size);
	if (p) {
		pv->allocs++;
		pv->page_size = page_size;
	}
	return p;
}

static inline void zt_provider_free(void *ctx, void *page, size_t page_size)
{
	struct zt_provider *pv = ctx;

	if (!page || (uintptr_t)page % page_size != 0)
		pv->misaligned++;
	pv->frees++;
	free(page);
}

static inline void zt_provider_init(struct zt_provider *pv)
{
	memset(pv, 0, sizeof(*pv));
	pv->ops.alloc_page = zt_provider_alloc;
	pv->ops.free_page = zt_provider_free;
	pv->ops.ctx = pv;
}

static inline unsigned long zt_provider_live(const struct zt_provider *pv)
{
	return pv->allocs - pv->frees;
}

/* ---- a small deterministic generator ---- */

static inline uint64_t zt_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

#endif /* ZS_TEST_UTIL_H */
