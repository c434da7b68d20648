// SPDX-License-Identifier: MIT
#include "page.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lock.h"
#include "percpu.h"
#include "release.h"
#include "report.h"
#include "retain.h"
#include "sanitize.h"
#include "sysmem.h"

/*
 * The built-in provider: pages carved out of anonymous mappings of
 * ZS_REGION_BYTES, one page size per region (every size 4..64 KiB divides
 * it). A freed page first waits, still resident, in a hot stack of its
 * size and of the freeing thread's lane (at most ZS_HOT_BYTES each), and
 * the next allocation of that size takes it back with no fault and no
 * system call (from its own lane's stack first). When a stack is full, the
 * whole batch moves to the size's retained ring (retain.h), still
 * resident, taken back next; retained pages that waited ZS_RETAIN_MS go
 * back to the system when a later batch comes, all of them on a trim and
 * when a pool of this provider is destroyed (MADV_DONTNEED on each run of
 * adjacent pages, in one system call where it can: resident drops now, not
 * under memory pressure as with MADV_FREE), and each index then waits, out
 * of band, on its region's free stack: the provider never writes to page
 * memory, so such a page stays non-resident until it is handed out again.
 * Retained pages never make resident memory exceed the most the pages in
 * use ever took: they are taken before anything is carved. A pool emptied
 * in one go therefore does not pay the kernel's cost of taking its pages
 * back (about 0.3 us a page, batched or not) unless nothing takes them
 * again. zs_page_provider_trim_keep() gives the freed pages back but for
 * a reserve of the latest freed, hot ones first (zs_compact keeps
 * ZS_PAGE_TRIM_KEEP, so that the pages a pool takes again right after are
 * not faulted in anew); zs_page_provider_trim() gives every one back.
 * Under a trim threshold (zs_set_page_trim_threshold) all of these but the
 * full trim keep that many bytes of freed pages resident, the newest. A
 * region whose pages are all free is given up, except one per page size
 * kept as a spare (no resident memory, only address space) so that a pool
 * at a region edge does not map and unmap on every other page; its address
 * space is kept for the next region, or unmapped (map_region). Pages of
 * the system's size carved for the first time are faulted in by one
 * MADV_POPULATE_WRITE call, up to ZS_AHEAD_BYTES ahead (in one region at a
 * time), rather than by a fault at each first touch: several times cheaper
 * per page (docs/benchmarks.md, notes). One mutex guards the regions, and
 * each hot stack and retained ring has its own, so that threads freeing
 * and taking pages at once do not queue on one lock; giving memory back
 * and faulting it in run outside them. A freed page's region is checked when its batch goes
 * back.
 *
 * Regions are aligned to their size, so each is one page table of the
 * system's; their address space is mapped several at a time (below). They
 * belong to a lane: a thread carves fresh pages from a
 * region of its lane (its number modulo ZS_PV_LANES), so that threads
 * faulting fresh pages in at once do not queue on one page table's lock
 * in the kernel. Freed pages of any lane are reused before a lane maps a
 * region of its own.
 */

#define ZS_REGION_BYTES ((size_t)2 << 20)
#define ZS_PV_MIN_SHIFT 12u
#define ZS_PV_MAX_SHIFT 16u
#define ZS_PV_SIZES	(ZS_PV_MAX_SHIFT - ZS_PV_MIN_SHIFT + 1)
/* Freed pages kept resident per page size: 256 of 4 KiB, 16 of 64 KiB. */
#define ZS_HOT_BYTES ((size_t)1 << 20)
#define ZS_HOT_MAX   (ZS_HOT_BYTES >> ZS_PV_MIN_SHIFT)
/* Fresh pages of a size faulted in before they are handed out, at most
 * (per lane). */
#define ZS_AHEAD_BYTES ((size_t)64 << 10)
#define ZS_PV_LANES    4u
/* How long a retained page waits for reuse before it goes back, in ms. */
#define ZS_RETAIN_MS 1000u

struct zs_region {
	char *base; /* page_size-aligned, ZS_REGION_BYTES long */
	size_t page_size;
	unsigned int nr_pages;	/* ZS_REGION_BYTES / page_size */
	unsigned int used;	/* pages ever carved (bump pointer) */
	unsigned int nr_free;	/* entries on free_idx */
	unsigned int populated; /* carved, or faulted in ahead, below */
	bool avail;		/* on its lane's avail list */
	uint8_t lane;
	struct zs_region *prev, *next; /* avail list */
	uint16_t free_idx[];	       /* indices of freed pages, a stack */
};

struct zs_pv_size {
	/* regions with a page to give, by lane */
	struct zs_region *avail[ZS_PV_LANES];
	unsigned int nr_empty; /* regions with every page free (<= 1) */
	/* per lane, the region whose pages used..populated-1 were faulted in
	 * ahead */
	struct zs_region *ahead[ZS_PV_LANES];
};

/* Freed pages of one size and lane, still resident, newest on top; live
 * to their regions. */
struct zs_pv_hot {
	pthread_mutex_t lock;
	atomic_uint nr; /* set under lock; read without it to pass it by */
	atomic_ulong last_free; /* its lane's clock at its latest free */
	char *page[ZS_HOT_MAX];
};

static pthread_mutex_t pv_lock = ZS_STATIC_MUTEX_INIT;
static struct zs_pv_size pv_sizes[ZS_PV_SIZES];

#define RETAINED_INIT                                                          \
	{                                                                      \
		.lock = ZS_STATIC_MUTEX_INIT                                   \
	}
static struct zs_retained pv_retained[ZS_PV_SIZES] = {
	RETAINED_INIT, RETAINED_INIT, RETAINED_INIT, RETAINED_INIT,
	RETAINED_INIT};
static atomic_uint pv_retain_ms = ZS_RETAIN_MS;
static atomic_size_t pv_trim_threshold; /* zs_set_page_trim_threshold */

#define HOT_INIT                                                               \
	{                                                                      \
		.lock = ZS_STATIC_MUTEX_INIT                                   \
	}
#define HOT_LANES                                                              \
	{                                                                      \
		HOT_INIT, HOT_INIT, HOT_INIT, HOT_INIT                         \
	}
_Static_assert(ZS_PV_LANES == 4 && ZS_PV_SIZES == 5,
	       "pv_hot's initialiser names every lane and size");
static struct zs_pv_hot pv_hot[ZS_PV_SIZES][ZS_PV_LANES] = {
	HOT_LANES, HOT_LANES, HOT_LANES, HOT_LANES, HOT_LANES};
/*
 * Pages each lane's threads freed, ever: the lane's clock for trim; a
 * cache line each, as the lanes' threads write them at once. Advanced by
 * a plain load and store, not a locked add on every free: two threads of
 * one lane may lose a tick, which only blurs trim's order of sizes.
 */
static struct {
	atomic_ulong frees;
	char pad[64 - sizeof(atomic_ulong)];
} pv_lane_clock[ZS_PV_LANES];
/* every mapped region, sorted by base, for the lookup on free */
static struct zs_region **pv_regions;
static size_t pv_nr_regions, pv_cap_regions;
static size_t pv_live_pages; /* handed out and not freed, or hot */

static atomic_bool pv_populate_off; /* the system has no populate */
static atomic_ulong pv_map_attempts;
static atomic_ulong pv_map_fail_at; /* 0: off */

void zs_page_provider_fail_nth(unsigned long nth)
{
	atomic_store(&pv_map_fail_at,
		     nth ? atomic_load(&pv_map_attempts) + nth : 0);
}

static unsigned int hot_nr(struct zs_pv_hot *h)
{
	return atomic_load_explicit(&h->nr, memory_order_relaxed);
}

static void hot_set_nr(struct zs_pv_hot *h, unsigned int n)
{
	atomic_store_explicit(&h->nr, n, memory_order_relaxed);
}

unsigned int zs_page_provider_set_retain_ms(unsigned int ms)
{
	return atomic_exchange(&pv_retain_ms, ms);
}

size_t zs_set_page_trim_threshold(size_t bytes)
{
	return atomic_exchange(&pv_trim_threshold, bytes);
}

/* Freed pages in the hot stacks, in bytes: a hint read without locks. */
static size_t hot_bytes(void)
{
	size_t bytes = 0;

	for (unsigned int si = 0; si < ZS_PV_SIZES; si++)
		for (unsigned int l = 0; l < ZS_PV_LANES; l++)
			bytes += (size_t)hot_nr(&pv_hot[si][l])
				 << (si + ZS_PV_MIN_SHIFT);
	return bytes;
}

size_t zs_page_trim_threshold(void)
{
	return atomic_load_explicit(&pv_trim_threshold, memory_order_relaxed);
}

/* Retained pages, in bytes: a hint read without locks. */
static size_t retained_bytes(void)
{
	size_t bytes = 0;

	for (unsigned int si = 0; si < ZS_PV_SIZES; si++)
		bytes += zs_retained_nr(&pv_retained[si])
			 << (si + ZS_PV_MIN_SHIFT);
	return bytes;
}

size_t zs_page_provider_retained(void)
{
	size_t n = 0;

	for (unsigned int si = 0; si < ZS_PV_SIZES; si++) {
		pthread_mutex_lock(&pv_retained[si].lock);
		n += zs_retained_nr(&pv_retained[si]);
		pthread_mutex_unlock(&pv_retained[si].lock);
	}
	return n;
}

void zs_page_provider_stats(size_t *regions, size_t *live_pages)
{
	size_t resting = zs_page_provider_retained(); /* freed, resident */

	for (unsigned int si = 0; si < ZS_PV_SIZES; si++) {
		for (unsigned int l = 0; l < ZS_PV_LANES; l++) {
			struct zs_pv_hot *h = &pv_hot[si][l];

			pthread_mutex_lock(&h->lock);
			resting += hot_nr(h);
			pthread_mutex_unlock(&h->lock);
		}
	}
	pthread_mutex_lock(&pv_lock);
	*regions = pv_nr_regions;
	*live_pages = pv_live_pages - resting;
	pthread_mutex_unlock(&pv_lock);
}

static unsigned int this_lane(void)
{
	return zs_cpu_number() % ZS_PV_LANES;
}

/* The lane's clock, one tick on. */
static unsigned long lane_tick(unsigned int lane)
{
	atomic_ulong *c = &pv_lane_clock[lane].frees;
	unsigned long t = atomic_load_explicit(c, memory_order_relaxed) + 1;

	atomic_store_explicit(c, t, memory_order_relaxed);
	return t;
}

/* Index of page_size in pv_sizes, or -1 when it is not a page size. */
static int size_index(size_t page_size)
{
	unsigned int s;

	for (s = ZS_PV_MIN_SHIFT; s <= ZS_PV_MAX_SHIFT; s++)
		if (page_size == (size_t)1 << s)
			return (int)(s - ZS_PV_MIN_SHIFT);
	return -1;
}

/*
 * Address space for regions is mapped ZS_RESERVE_REGIONS at a time and
 * handed out a region at a time, under pv_lock: each mapping (with its
 * trims and its madvise) takes the process's mmap lock for writing, which
 * stalls every other thread's page faults, so one call per 2 MiB region
 * cost two threads storing at once a sleep every few hundred pages. The
 * part not handed out yet is address space only (no resident memory, no
 * commit charge). A region given up goes on its own (unmap_region).
 */
#define ZS_RESERVE_REGIONS (sizeof(void *) == 8 ? 16u : 2u)
static char *pv_reserve;	     /* next region's base */
static unsigned int pv_reserve_left; /* regions mapped and not handed out */
/*
 * Bases of regions given up, their pages given back already: reused first,
 * so that regions made and given up again and again (a fuzzer's pools)
 * keep to the same addresses instead of ever new reservations (which
 * under ASan would fault in fresh shadow memory for each). Beyond these,
 * a region given up is unmapped.
 */
static char *pv_spare_bases[ZS_RESERVE_REGIONS];
static unsigned int pv_nr_spare_bases;

/* ZS_REGION_BYTES aligned to ZS_REGION_BYTES, or NULL; under pv_lock. */
static char *map_region(void)
{
	unsigned long n = atomic_fetch_add(&pv_map_attempts, 1) + 1;
	unsigned long at = atomic_load(&pv_map_fail_at);
	char *base;

	if (at && n == at) {
		atomic_store(&pv_map_fail_at, 0);
		return NULL;
	}
	if (pv_nr_spare_bases) {
		base = pv_spare_bases[--pv_nr_spare_bases];
		zs_san_close(base, ZS_REGION_BYTES);
		return base;
	}
	if (!pv_reserve_left) {
		/* aligned to a region, so every region in it is */
		pv_reserve = zs_map_aligned_span(
			ZS_REGION_BYTES, ZS_RESERVE_REGIONS * ZS_REGION_BYTES);
		if (!pv_reserve)
			return NULL;
		pv_reserve_left = ZS_RESERVE_REGIONS;
	}
	base = pv_reserve;
	pv_reserve += ZS_REGION_BYTES;
	pv_reserve_left--;
	zs_san_close(base, ZS_REGION_BYTES);
	return base;
}

/*
 * A region given up (its pages given back, but for those faulted in ahead
 * and never carved, which go now): kept for reuse, or unmapped.
 */
static void unmap_region(char *base)
{
	madvise(base, ZS_REGION_BYTES, MADV_DONTNEED);
	pthread_mutex_lock(&pv_lock);
	if (pv_nr_spare_bases < ZS_RESERVE_REGIONS) {
		pv_spare_bases[pv_nr_spare_bases++] = base;
		base = NULL;
	}
	pthread_mutex_unlock(&pv_lock);
	if (!base)
		return;
	zs_san_open_defined(base, ZS_REGION_BYTES);
	munmap(base, ZS_REGION_BYTES);
}

/* Position of the first region whose base is above p. */
static size_t region_upper(const void *p)
{
	size_t lo = 0, hi = pv_nr_regions;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((const char *)p < pv_regions[mid]->base)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static struct zs_region *region_of(const void *p)
{
	size_t i = region_upper(p);
	struct zs_region *r;

	if (i == 0)
		return NULL;
	r = pv_regions[i - 1];
	if ((const char *)p >= r->base + ZS_REGION_BYTES)
		return NULL;
	return r;
}

static void avail_add(struct zs_region *r, struct zs_pv_size *sz)
{
	r->prev = NULL;
	r->next = sz->avail[r->lane];
	if (r->next)
		r->next->prev = r;
	sz->avail[r->lane] = r;
	r->avail = true;
}

static void avail_del(struct zs_region *r, struct zs_pv_size *sz)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		sz->avail[r->lane] = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	r->avail = false;
}

/* Fault in len bytes at p for writing, in one call, where the system can. */
static void populate(char *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	if (atomic_load_explicit(&pv_populate_off, memory_order_relaxed))
		return;
	if (madvise(p, len, MADV_POPULATE_WRITE) != 0 && errno == EINVAL)
		atomic_store(&pv_populate_off, true);
#else
	(void)p;
	(void)len;
#endif
}

/*
 * Give back the pages of sz faulted in ahead and not handed out. Under
 * lock: the moment it is dropped, a carve may hand out the first of them.
 */
static void drop_ahead_locked(struct zs_pv_size *sz, unsigned int lane,
			      size_t page_size)
{
	struct zs_region *r = sz->ahead[lane];

	if (!r)
		return;
	if (r->populated > r->used)
		madvise(r->base + (size_t)r->used * page_size,
			(size_t)(r->populated - r->used) * page_size,
			MADV_DONTNEED);
	r->populated = r->used;
	sz->ahead[lane] = NULL;
}

/*
 * Page idx of r is being carved, under lock: how many pages from it on the
 * caller faults in once the lock is dropped (0: they are in already, or
 * pages of this size are not the system's).
 */
static size_t carve_ahead_locked(struct zs_pv_size *sz, struct zs_region *r,
				 unsigned int idx, size_t page_size)
{
	size_t n = ZS_AHEAD_BYTES / page_size;

	/* a larger page is left to fault in where it is written: a
	 * zspage's objects may use only its first system pages for long */
	if (idx < r->populated || page_size != zs_sys_page_size())
		return 0;
	if (sz->ahead[r->lane] != r)
		drop_ahead_locked(sz, r->lane, page_size);
	sz->ahead[r->lane] = r;
	if (n > r->nr_pages - idx)
		n = r->nr_pages - idx;
	r->populated = idx + (unsigned int)n;
	return n;
}

/* A new region of lane on its avail list and in the lookup; under lock. */
static struct zs_region *region_create(size_t page_size, struct zs_pv_size *sz,
				       unsigned int lane)
{
	unsigned int nr = (unsigned int)(ZS_REGION_BYTES / page_size);
	struct zs_region *r;
	size_t i;

	if (pv_nr_regions == pv_cap_regions) {
		size_t cap = pv_cap_regions ? 2 * pv_cap_regions : 64;
		struct zs_region **n =
			realloc(pv_regions, cap * sizeof(*pv_regions));

		if (!n)
			return NULL;
		pv_regions = n;
		pv_cap_regions = cap;
	}
	r = calloc(1, sizeof(*r) + nr * sizeof(r->free_idx[0]));
	if (!r)
		return NULL;
	r->base = map_region();
	if (!r->base) {
		free(r);
		return NULL;
	}
	r->page_size = page_size;
	r->nr_pages = nr;
	r->lane = (uint8_t)lane;
	i = region_upper(r->base);
	for (size_t j = pv_nr_regions; j > i; j--)
		pv_regions[j] = pv_regions[j - 1];
	pv_regions[i] = r;
	pv_nr_regions++;
	avail_add(r, sz);
	sz->nr_empty++; /* every page free, until the caller takes one */
	return r;
}

/*
 * Where a thread of lane takes a page of sz from, under lock: its lane's
 * first region with one, else another lane's with a freed page, else a
 * new region of its lane; NULL when that cannot be made.
 */
static struct zs_region *
pick_region_locked(size_t page_size, struct zs_pv_size *sz, unsigned int lane)
{
	if (sz->avail[lane])
		return sz->avail[lane];
	for (unsigned int l = 0; l < ZS_PV_LANES; l++)
		for (struct zs_region *r = sz->avail[l]; r; r = r->next)
			if (r->nr_free)
				return r;
	return region_create(page_size, sz, lane);
}

/* The top of h, or NULL when it is empty. */
static char *hot_pop(struct zs_pv_hot *h)
{
	char *page = NULL;
	unsigned int n;

	if (!hot_nr(h))
		return NULL;
	pthread_mutex_lock(&h->lock);
	n = hot_nr(h);
	if (n) {
		page = h->page[n - 1];
		hot_set_nr(h, n - 1);
	}
	pthread_mutex_unlock(&h->lock);
	return page;
}

/* A freed page still resident: from the thread's lane, else another's. */
static char *hot_take(unsigned int si)
{
	unsigned int lane = this_lane();

	for (unsigned int k = 0; k < ZS_PV_LANES; k++) {
		char *page = hot_pop(&pv_hot[si][(lane + k) % ZS_PV_LANES]);

		if (page)
			return page;
	}
	return NULL;
}

static void *region_alloc_page(void *ctx, size_t page_size)
{
	int si = size_index(page_size);
	struct zs_pv_size *sz;
	struct zs_region *r;
	unsigned int idx;
	size_t fault_in;
	char *page;

	(void)ctx;
	if (si < 0)
		return NULL;
	page = hot_take((unsigned int)si);
	if (!page)
		page = zs_retained_take(&pv_retained[si]);
	if (page) {
		zs_san_open_undefined(page, page_size);
		return page;
	}
	sz = &pv_sizes[si];
	pthread_mutex_lock(&pv_lock);
	r = pick_region_locked(page_size, sz, this_lane());
	if (!r) {
		pthread_mutex_unlock(&pv_lock);
		return NULL;
	}
	if (r->used == r->nr_free)
		sz->nr_empty--; /* the spare comes into use */
	if (r->nr_free) {
		/* one page: a call to fault it in costs what its fault does */
		idx = r->free_idx[--r->nr_free];
		fault_in = 0;
	} else {
		idx = r->used++;
		fault_in = carve_ahead_locked(sz, r, idx, page_size);
	}
	if (!r->nr_free && r->used == r->nr_pages)
		avail_del(r, sz);
	pv_live_pages++;
	page = r->base + (size_t)idx * page_size;
	pthread_mutex_unlock(&pv_lock);
	/*
	 * Outside the lock: a trim that gives the pages ahead back meanwhile
	 * only leaves them resident, a page carved meanwhile is not changed.
	 */
	if (fault_in)
		populate(page, fault_in * page_size);
	/* like fresh heap memory: addressable, uninitialised */
	zs_san_open_undefined(page, page_size);
	return page;
}

static size_t hot_max(size_t page_size)
{
	size_t n = ZS_HOT_BYTES / page_size;

	return n < ZS_HOT_MAX ? n : ZS_HOT_MAX;
}

/*
 * Page idx of r goes back on its region's free stack (its memory given
 * back already); under lock. The region to unmap, if it became an empty
 * one beyond the spare, or NULL.
 */
static char *region_release_locked(struct zs_region *r, struct zs_pv_size *sz,
				   size_t idx)
{
	char *unmap = NULL;

	r->free_idx[r->nr_free++] = (uint16_t)idx;
	pv_live_pages--;
	if (!r->avail)
		avail_add(r, sz);
	if (r->nr_free == r->used) {
		if (sz->nr_empty) {
			size_t i = region_upper(r->base) - 1;

			avail_del(r, sz);
			if (sz->ahead[r->lane] == r)
				sz->ahead[r->lane] =
					NULL; /* unmapped with it */
			for (; i + 1 < pv_nr_regions; i++)
				pv_regions[i] = pv_regions[i + 1];
			pv_nr_regions--;
			unmap = r->base;
			free(r);
		} else {
			sz->nr_empty++;
			/* pages smaller than the system's were not given back */
			if (r->page_size < zs_sys_page_size())
				madvise(r->base, ZS_REGION_BYTES,
					MADV_DONTNEED);
		}
	}
	return unmap;
}

/*
 * Is page one that a region of page_size carved? Under lock. The region,
 * or NULL (reported).
 */
static struct zs_region *page_region_locked(const char *page, size_t page_size)
{
	struct zs_region *r = region_of(page);
	size_t off = r ? (size_t)(page - r->base) : 0;

	if (r && r->page_size == page_size && off % page_size == 0 &&
	    off / page_size < r->used)
		return r;
	zs_report("page provider",
		  "free of %p (%zu bytes): not a page it gave out",
		  (const void *)page, page_size);
	return NULL;
}

/*
 * Give n pages of one size back to the system and to their regions. They
 * are on no hot stack and still live, so no region of theirs goes away
 * meanwhile. A page no region gave out is reported and left alone. One
 * range per run of adjacent pages, all of them given back in one call
 * where the system allows (release.h).
 */
static void release_batch(char **pages, size_t n, size_t page_size)
{
	struct zs_pv_size *sz = &pv_sizes[size_index(page_size)];
	char *unmap[ZS_HOT_MAX + 1];
	struct zs_range runs[ZS_HOT_MAX + 1];
	struct zs_region *owner[ZS_HOT_MAX + 1];
	size_t nr_unmap = 0, valid = 0, i;

	pthread_mutex_lock(&pv_lock);
	for (i = 0; i < n; i++) {
		struct zs_region *r = page_region_locked(pages[i], page_size);

		if (r) {
			owner[valid] = r;
			pages[valid++] = pages[i];
		}
	}
	pthread_mutex_unlock(&pv_lock);
	if (page_size >= zs_sys_page_size()) {
		for (i = 0; i < valid; i++) {
			runs[i].addr = pages[i];
			runs[i].len = page_size;
		}
		zs_release_ranges(runs, zs_ranges_coalesce(runs, valid));
	}
	pthread_mutex_lock(&pv_lock);
	for (i = 0; i < valid; i++) {
		struct zs_region *r = owner[i];
		char *u = region_release_locked(
			r, sz, (size_t)(pages[i] - r->base) / page_size);

		if (u)
			unmap[nr_unmap++] = u;
	}
	pthread_mutex_unlock(&pv_lock);
	for (i = 0; i < nr_unmap; i++)
		unmap_region(unmap[i]);
}

/* Give back the retained pages of size si that came at or before `before`. */
static void release_retained(unsigned int si, uint64_t before)
{
	size_t page_size = (size_t)1 << (si + ZS_PV_MIN_SHIFT), n;
	char *batch[ZS_HOT_MAX];

	while ((n = zs_retained_pop_old(&pv_retained[si], batch, ZS_HOT_MAX,
					before)) != 0)
		release_batch(batch, n, page_size);
}

/*
 * A full hot stack's batch: retained, and the retained pages that waited
 * long enough go back; given back at once when nothing is retained (a
 * wait of 0) or the ring cannot grow.
 */
static void retain_batch(unsigned int si, char **batch, size_t n,
			 size_t page_size)
{
	uint64_t wait =
		atomic_load_explicit(&pv_retain_ms, memory_order_relaxed);
	uint64_t now;

	if (!wait) {
		release_batch(batch, n, page_size);
		return;
	}
	now = zs_retain_now_ms();
	if (!zs_retained_push(&pv_retained[si], batch, n, now))
		release_batch(batch, n, page_size);
	/* under the threshold, nothing waits too long */
	if (now >= wait &&
	    hot_bytes() + retained_bytes() > zs_page_trim_threshold())
		release_retained(si, now - wait);
}

/*
 * Give back retained pages, the oldest of any size first, until at most
 * budget bytes of them are left.
 */
static void release_retained_to(size_t budget)
{
	char *batch[ZS_HOT_MAX];

	for (;;) {
		unsigned int old_si = ZS_PV_SIZES;
		uint64_t oldest = UINT64_MAX;
		size_t bytes = 0, page_size, want, n;

		for (unsigned int si = 0; si < ZS_PV_SIZES; si++) {
			size_t nr = zs_retained_nr(&pv_retained[si]);
			uint64_t t;

			if (!nr)
				continue;
			bytes += nr << (si + ZS_PV_MIN_SHIFT);
			t = zs_retained_oldest_ms(&pv_retained[si]);
			if (old_si == ZS_PV_SIZES || t < oldest) {
				old_si = si;
				oldest = t;
			}
		}
		if (bytes <= budget || old_si == ZS_PV_SIZES)
			return;
		page_size = (size_t)1 << (old_si + ZS_PV_MIN_SHIFT);
		want = (bytes - budget + page_size - 1) / page_size;
		n = zs_retained_pop_old(&pv_retained[old_si], batch,
					want < ZS_HOT_MAX ? want : ZS_HOT_MAX,
					UINT64_MAX);
		if (n)
			release_batch(batch, n, page_size);
	}
}

void zs_page_provider_release_retained(void)
{
	size_t hot = hot_bytes(), t = zs_page_trim_threshold();

	release_retained_to(t > hot ? t - hot : 0);
}

static void region_free_page(void *ctx, void *page, size_t page_size)
{
	int si = size_index(page_size);
	char *batch[ZS_HOT_MAX + 1];
	struct zs_pv_hot *h;
	unsigned int lane, n;

	(void)ctx;
	if (si < 0 || ((uintptr_t)page & (page_size - 1))) {
		zs_report("page provider",
			  "free of %p (%zu bytes): not a page it gave out",
			  page, page_size);
		return;
	}
	zs_san_close(page, page_size);
	lane = this_lane();
	h = &pv_hot[si][lane];
	pthread_mutex_lock(&h->lock);
	atomic_store_explicit(&h->last_free, lane_tick(lane),
			      memory_order_relaxed);
	n = hot_nr(h);
	if (n < hot_max(page_size)) {
		h->page[n] = page;
		hot_set_nr(h, n + 1);
		pthread_mutex_unlock(&h->lock);
		return;
	}
	/* the stack is full: it is retained with this page, as one batch */
	memcpy(batch, h->page, n * sizeof(*batch));
	hot_set_nr(h, 0);
	pthread_mutex_unlock(&h->lock);
	batch[n++] = page;
	retain_batch((unsigned int)si, batch, n, page_size);
}

struct hot_ref {
	unsigned int si, lane;
	unsigned long last_free;
};

static int freed_later_first(const void *a, const void *b)
{
	unsigned long x = ((const struct hot_ref *)a)->last_free;
	unsigned long y = ((const struct hot_ref *)b)->last_free;

	return (x < y) - (x > y);
}

/*
 * The hot stacks in the order a trim keeps pages: the calling thread's
 * lane first (the pool it compacts takes pages again right after), then
 * the others; in a lane, the sizes freed into last first.
 */
static size_t hot_keep_order(struct hot_ref *o)
{
	unsigned int me = this_lane();
	size_t n = 0;

	for (unsigned int k = 0; k < ZS_PV_LANES; k++) {
		unsigned int lane = (me + k) % ZS_PV_LANES;
		size_t first = n;

		/* a hint: no lock, a free meanwhile may change it */
		for (unsigned int si = 0; si < ZS_PV_SIZES; si++, n++)
			o[n] = (struct hot_ref){
				si, lane,
				atomic_load_explicit(
					&pv_hot[si][lane].last_free,
					memory_order_relaxed)};
		qsort(o + first, n - first, sizeof(*o), freed_later_first);
	}
	return n;
}

void zs_page_provider_trim_keep(size_t keep)
{
	struct hot_ref order[ZS_PV_SIZES * ZS_PV_LANES];
	size_t n = hot_keep_order(order), left, hot = hot_bytes();
	char *batch[ZS_HOT_MAX];

	/* a trim of everything is one; zs_compact's keeps the threshold */
	if (keep && keep < zs_page_trim_threshold())
		keep = zs_page_trim_threshold();
	left = keep;
	/* older than every hot page: they go first, past what keep leaves
	 * of it once the hot pages are kept */
	release_retained_to(keep > hot ? keep - hot : 0);
	for (size_t i = 0; i < n; i++) {
		size_t page_size = (size_t)1 << (order[i].si + ZS_PV_MIN_SHIFT);
		struct zs_pv_hot *h = &pv_hot[order[i].si][order[i].lane];
		unsigned int nr, kept, out;

		/* a hint with no lock: a page freed into an empty stack
		 * meanwhile is newer than any trim must give back */
		if (!hot_nr(h))
			continue;
		pthread_mutex_lock(&h->lock);
		nr = hot_nr(h);
		kept = left / page_size < nr ? (unsigned int)(left / page_size)
					     : nr;
		left -= kept * page_size;
		/* the oldest go: the bottom of the stack */
		out = nr - kept;
		if (out) {
			memcpy(batch, h->page, out * sizeof(*batch));
			memmove(h->page, h->page + out,
				kept * sizeof(*h->page));
			hot_set_nr(h, kept);
		}
		pthread_mutex_unlock(&h->lock);
		if (out)
			release_batch(batch, out, page_size);
	}
	if (keep)
		return;
	pthread_mutex_lock(&pv_lock);
	for (unsigned int si = 0; si < ZS_PV_SIZES; si++)
		for (unsigned int l = 0; l < ZS_PV_LANES; l++)
			drop_ahead_locked(&pv_sizes[si], l,
					  (size_t)1 << (si + ZS_PV_MIN_SHIFT));
	pthread_mutex_unlock(&pv_lock);
}

void zs_page_provider_trim(void)
{
	zs_page_provider_trim_keep(0);
}

const struct zs_page_provider zs_default_page_provider = {
	.alloc_page = region_alloc_page,
	.free_page = region_free_page,
	.ctx = NULL,
};

const struct zs_page_provider *zs_builtin_page_provider(void)
{
	return &zs_default_page_provider;
}

int zs_page_get_mem(struct zs_page *page, const struct zs_page_provider *pv,
		    size_t page_size)
{
	void *mem = pv->alloc_page(pv->ctx, page_size);

	if (!mem)
		return -1;
	if ((uintptr_t)mem & (page_size - 1)) {
		zs_report("page provider",
			  "page %p is not aligned to %zu bytes", mem,
			  page_size);
		pv->free_page(pv->ctx, mem, page_size);
		return -1;
	}
	zs_san_close(mem, page_size);
	page->mem = mem;
	return 0;
}

void zs_page_put_mem(struct zs_page *page, const struct zs_page_provider *pv,
		     size_t page_size)
{
	ZS_BUG_ON(!page->mem);
	zs_san_open_defined(page->mem, page_size);
	pv->free_page(pv->ctx, page->mem, page_size);
	page->mem = NULL;
}
