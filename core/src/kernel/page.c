// SPDX-License-Identifier: MIT
#include "page.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "report.h"
#include "sanitize.h"

/*
 * The built-in provider: pages carved out of anonymous mappings of
 * ZS_REGION_BYTES, one page size per region (every size 4..64 KiB divides
 * it). A freed page's memory goes back to the system at once
 * (MADV_DONTNEED: resident drops now, not under memory pressure as with
 * MADV_FREE) and its index waits, out of band, on the region's free stack:
 * the provider never writes to page memory, so a free page stays
 * non-resident until it is handed out again. A region whose pages are all
 * free is unmapped, except one per page size kept as a spare (no resident
 * memory, only address space) so that a pool at a region edge does not map
 * and unmap on every other page. One mutex guards it all; madvise of a
 * single page runs outside it.
 */

#define ZS_REGION_BYTES ((size_t)2 << 20)
#define ZS_PV_MIN_SHIFT 12u
#define ZS_PV_MAX_SHIFT 16u
#define ZS_PV_SIZES	(ZS_PV_MAX_SHIFT - ZS_PV_MIN_SHIFT + 1)

struct zs_region {
	char *base; /* page_size-aligned, ZS_REGION_BYTES long */
	size_t page_size;
	unsigned int nr_pages;	       /* ZS_REGION_BYTES / page_size */
	unsigned int used;	       /* pages ever carved (bump pointer) */
	unsigned int nr_free;	       /* entries on free_idx */
	bool avail;		       /* on its size's avail list */
	struct zs_region *prev, *next; /* avail list */
	uint16_t free_idx[];	       /* indices of freed pages, a stack */
};

struct zs_pv_size {
	struct zs_region *avail; /* regions with a page to give */
	unsigned int nr_empty;	 /* regions with every page free (<= 1) */
};

static pthread_mutex_t pv_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zs_pv_size pv_sizes[ZS_PV_SIZES];
/* every mapped region, sorted by base, for the lookup on free */
static struct zs_region **pv_regions;
static size_t pv_nr_regions, pv_cap_regions;
static size_t pv_live_pages;

static atomic_ulong pv_map_attempts;
static atomic_ulong pv_map_fail_at; /* 0: off */

void zs_page_provider_fail_nth(unsigned long nth)
{
	atomic_store(&pv_map_fail_at,
		     nth ? atomic_load(&pv_map_attempts) + nth : 0);
}

void zs_page_provider_stats(size_t *regions, size_t *live_pages)
{
	pthread_mutex_lock(&pv_lock);
	*regions = pv_nr_regions;
	*live_pages = pv_live_pages;
	pthread_mutex_unlock(&pv_lock);
}

static size_t sys_page_size(void)
{
	static atomic_size_t cached;
	size_t s = atomic_load(&cached);

	if (!s) {
		long v = sysconf(_SC_PAGESIZE);

		s = v > 0 ? (size_t)v : 4096;
		atomic_store(&cached, s);
	}
	return s;
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

/* mmap ZS_REGION_BYTES aligned to page_size, or NULL. */
static char *map_region(size_t page_size)
{
	size_t sys = sys_page_size();
	size_t extra = page_size > sys ? page_size - sys : 0;
	unsigned long n = atomic_fetch_add(&pv_map_attempts, 1) + 1;
	unsigned long at = atomic_load(&pv_map_fail_at);
	char *p, *base;

	if (at && n == at) {
		atomic_store(&pv_map_fail_at, 0);
		return NULL;
	}
	p = mmap(NULL, ZS_REGION_BYTES + extra, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	base = (char *)(((uintptr_t)p + page_size - 1) &
			~(uintptr_t)(page_size - 1));
	if (base > p)
		munmap(p, (size_t)(base - p));
	if (p + extra > base)
		munmap(base + ZS_REGION_BYTES, (size_t)(p + extra - base));
#ifdef MADV_NOHUGEPAGE
	/* a huge page would make a whole 2 MiB resident on first touch */
	madvise(base, ZS_REGION_BYTES, MADV_NOHUGEPAGE);
#endif
	zs_san_close(base, ZS_REGION_BYTES);
	return base;
}

static void unmap_region(char *base)
{
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
	r->next = sz->avail;
	if (r->next)
		r->next->prev = r;
	sz->avail = r;
	r->avail = true;
}

static void avail_del(struct zs_region *r, struct zs_pv_size *sz)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		sz->avail = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	r->avail = false;
}

/* A new region on its size's avail list and in the lookup; under lock. */
static struct zs_region *region_create(size_t page_size, struct zs_pv_size *sz)
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
	r->base = map_region(page_size);
	if (!r->base) {
		free(r);
		return NULL;
	}
	r->page_size = page_size;
	r->nr_pages = nr;
	i = region_upper(r->base);
	for (size_t j = pv_nr_regions; j > i; j--)
		pv_regions[j] = pv_regions[j - 1];
	pv_regions[i] = r;
	pv_nr_regions++;
	avail_add(r, sz);
	sz->nr_empty++; /* every page free, until the caller takes one */
	return r;
}

static void *region_alloc_page(void *ctx, size_t page_size)
{
	int si = size_index(page_size);
	struct zs_pv_size *sz;
	struct zs_region *r;
	unsigned int idx;
	char *page;

	(void)ctx;
	if (si < 0)
		return NULL;
	sz = &pv_sizes[si];
	pthread_mutex_lock(&pv_lock);
	r = sz->avail;
	if (!r)
		r = region_create(page_size, sz);
	if (!r) {
		pthread_mutex_unlock(&pv_lock);
		return NULL;
	}
	if (r->used == r->nr_free)
		sz->nr_empty--; /* the spare comes into use */
	if (r->nr_free)
		idx = r->free_idx[--r->nr_free];
	else
		idx = r->used++;
	if (!r->nr_free && r->used == r->nr_pages)
		avail_del(r, sz);
	pv_live_pages++;
	page = r->base + (size_t)idx * page_size;
	pthread_mutex_unlock(&pv_lock);
	/* like fresh heap memory: addressable, uninitialised */
	zs_san_open_undefined(page, page_size);
	return page;
}

static void region_free_page(void *ctx, void *page, size_t page_size)
{
	int si = size_index(page_size);
	bool whole_pages = page_size >= sys_page_size();
	char *unmap = NULL;
	struct zs_pv_size *sz;
	struct zs_region *r;
	size_t off;

	(void)ctx;
	if (whole_pages)
		madvise(page, page_size, MADV_DONTNEED);
	zs_san_close(page, page_size);
	pthread_mutex_lock(&pv_lock);
	r = region_of(page);
	off = r ? (size_t)((char *)page - r->base) : 0;
	if (si < 0 || !r || r->page_size != page_size || off % page_size != 0 ||
	    off / page_size >= r->used) {
		pthread_mutex_unlock(&pv_lock);
		zs_report("page provider",
			  "free of %p (%zu bytes): not a page it gave out",
			  page, page_size);
		return;
	}
	sz = &pv_sizes[si];
	r->free_idx[r->nr_free++] = (uint16_t)(off / page_size);
	pv_live_pages--;
	if (!r->avail)
		avail_add(r, sz);
	if (r->nr_free == r->used) {
		if (sz->nr_empty) {
			size_t i = region_upper(r->base) - 1;

			avail_del(r, sz);
			for (; i + 1 < pv_nr_regions; i++)
				pv_regions[i] = pv_regions[i + 1];
			pv_nr_regions--;
			unmap = r->base;
			free(r);
		} else {
			sz->nr_empty++;
			/* pages smaller than the system's were not given back */
			if (!whole_pages)
				madvise(r->base, ZS_REGION_BYTES,
					MADV_DONTNEED);
		}
	}
	pthread_mutex_unlock(&pv_lock);
	if (unmap)
		unmap_region(unmap);
}

const struct zs_page_provider zs_default_page_provider = {
	.alloc_page = region_alloc_page,
	.free_page = region_free_page,
	.ctx = NULL,
};

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
