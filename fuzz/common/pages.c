// SPDX-License-Identifier: MIT
#include "pages.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stdint.h>

#include "checkers.h"
#include "fail.h"

/*
 * Cached pages stay resident: a page taken again costs no fault and no
 * mmap. The budget covers all but the heaviest zs_ops inputs (32 objects
 * in 16-page zspages of 64 KiB: 32 MiB) and, beside the built-in
 * provider's as much (input.c), keeps peak RSS under 128 MB; pages past
 * it are unmapped at once.
 */
#define CACHE_BYTES ((size_t)20 << 20)
#define NR_SIZES    3

struct page_cache {
	size_t page_size;
	unsigned int n;
	void *pages[CACHE_BYTES / 4096];
};

static struct page_cache caches[NR_SIZES] = {
	{4096, 0, {0}}, {16384, 0, {0}}, {65536, 0, {0}}};
static size_t cached_bytes; /* over every size, under cache_lock */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static struct page_cache *cache_for(size_t page_size)
{
	for (int i = 0; i < NR_SIZES; i++)
		if (caches[i].page_size == page_size)
			return &caches[i];
	return NULL;
}

/*
 * A page_size-aligned mapping of page_size bytes, or NULL. Straight from
 * mmap, not malloc: a freed page then leaves no trace in the sanitizer's
 * heap (no quarantine, no fill of fresh chunks).
 */
static void *map_page(size_t page_size)
{
	size_t len = 2 * page_size;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + page_size - 1) &
		     ~(uintptr_t)(page_size - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + page_size < p + len)
		munmap(a + page_size, (size_t)(p + len - (a + page_size)));
	return a;
}

/*
 * A page as fresh memory would be: undefined where a tool can tell, and
 * never all zeros (fresh pages promise nothing). A new mapping is zeros,
 * so it is filled once; a recycled page still holds an earlier input's
 * objects and free-list words, which is as good and costs no pass.
 */
static void *hand_out(void *p, size_t n, int mapped_now)
{
	zs_fuzz_open_undefined(p, n);
#if !defined(ZS_FUZZ_MSAN) && !defined(ZS_VALGRIND)
	if (mapped_now)
		memset(p, 0xa5, n);
#else
	(void)mapped_now;
#endif
	return p;
}

static void *recycled_alloc(void *ctx, size_t page_size)
{
	struct page_cache *c = cache_for(page_size);
	void *p = NULL;

	(void)ctx;
	if (!c)
		zs_fuzz_fail("alloc_page(%zu): not a fuzzed page size",
			     page_size);
	pthread_mutex_lock(&cache_lock);
	if (c->n > 0)
		p = c->pages[--c->n];
	if (p)
		cached_bytes -= page_size;
	pthread_mutex_unlock(&cache_lock);
	if (p)
		return hand_out(p, page_size, 0);
	p = map_page(page_size);
	if (!p)
		zs_fuzz_fail("out of memory for a %zu-byte page", page_size);
	return hand_out(p, page_size, 1);
}

/*
 * Room for page_size more bytes, made by unmapping cached pages of the
 * other sizes, fullest cache first: inputs switch page sizes all the time,
 * and a budget filled with one size must not turn every page of another
 * into an mmap, a fault per 4 KiB and a munmap. Under cache_lock; the
 * unmapped pages are returned in *victims (at most max) for the caller to
 * unmap after unlocking.
 */
static unsigned int make_room(size_t page_size, void **victims, size_t *sizes,
			      unsigned int max)
{
	unsigned int nv = 0;

	while (cached_bytes + page_size > CACHE_BYTES && nv < max) {
		struct page_cache *big = NULL;

		for (int i = 0; i < NR_SIZES; i++) {
			struct page_cache *c = &caches[i];

			if (c->page_size != page_size && c->n > 0 &&
			    (!big ||
			     c->n * c->page_size > big->n * big->page_size))
				big = c;
		}
		if (!big)
			break;
		victims[nv] = big->pages[--big->n];
		sizes[nv++] = big->page_size;
		cached_bytes -= big->page_size;
	}
	return nv;
}

static void recycled_free(void *ctx, void *page, size_t page_size)
{
	struct page_cache *c = cache_for(page_size);
	void *victims[17]; /* 64 KiB of 4 KiB pages, then this one */
	size_t sizes[17];
	unsigned int nv;
	int kept = 0;

	(void)ctx;
	if (!c || !page)
		zs_fuzz_fail("free_page(%p, %zu): not a page of ours", page,
			     page_size);
	pthread_mutex_lock(&cache_lock);
	nv = make_room(page_size, victims, sizes, 16);
	if (cached_bytes + page_size <= CACHE_BYTES) {
		/* hidden before another thread can take it */
		zs_fuzz_close(page, page_size);
		c->pages[c->n++] = page;
		cached_bytes += page_size;
		kept = 1;
	}
	pthread_mutex_unlock(&cache_lock);
	if (!kept) {
		victims[nv] = page;
		sizes[nv++] = page_size;
	}
	/* the sanitizer may have them poisoned: clear that first */
	for (unsigned int i = 0; i < nv; i++) {
		/* ASan's shadow outlives the mapping: whoever maps the
		 * address next must not find it poisoned */
		zs_fuzz_forget(victims[i], sizes[i]);
		munmap(victims[i], sizes[i]);
	}
}

const struct zs_page_provider zs_recycling_pages = {recycled_alloc,
						    recycled_free, NULL};
