// SPDX-License-Identifier: MIT
#include "pages.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PAGES_ASAN 1
#endif
#if __has_feature(memory_sanitizer)
#define PAGES_MSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PAGES_ASAN 1
#endif

#ifdef PAGES_ASAN
#include <sanitizer/asan_interface.h>
#endif
#ifdef PAGES_MSAN
#include <sanitizer/msan_interface.h>
#endif
#ifdef ZS_VALGRIND
#include <valgrind/memcheck.h>
#endif

#define CACHE_BYTES (8u << 20) /* per page size */

struct page_cache {
	size_t page_size;
	unsigned int n;
	void *pages[CACHE_BYTES / 4096];
};

static struct page_cache caches[3] = {
	{4096, 0, {0}}, {16384, 0, {0}}, {65536, 0, {0}}};
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static struct page_cache *cache_for(size_t page_size)
{
	for (int i = 0; i < 3; i++)
		if (caches[i].page_size == page_size)
			return &caches[i];
	return NULL;
}

static void hide(void *p, size_t n)
{
#ifdef PAGES_ASAN
	ASAN_POISON_MEMORY_REGION(p, n);
#endif
#ifdef ZS_VALGRIND
	VALGRIND_MAKE_MEM_NOACCESS(p, n);
#endif
	(void)p;
	(void)n;
}

/* A page as fresh memory would be: undefined where a tool can tell. */
static void *hand_out(void *p, size_t n)
{
#ifdef PAGES_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
#if defined(PAGES_MSAN)
	__msan_allocated_memory(p, n);
#elif defined(ZS_VALGRIND)
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
#else
	memset(p, 0xa5, n); /* not zeros: fresh pages promise nothing */
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
	pthread_mutex_unlock(&cache_lock);
	if (!p)
		p = aligned_alloc(page_size, page_size);
	if (!p)
		zs_fuzz_fail("out of memory for a %zu-byte page", page_size);
	return hand_out(p, page_size);
}

static void recycled_free(void *ctx, void *page, size_t page_size)
{
	struct page_cache *c = cache_for(page_size);
	int kept = 0;

	(void)ctx;
	if (!c || !page)
		zs_fuzz_fail("free_page(%p, %zu): not a page of ours", page,
			     page_size);
	pthread_mutex_lock(&cache_lock);
	if (c->n < CACHE_BYTES / page_size) {
		/* hidden before another thread can take it */
		hide(page, page_size);
		c->pages[c->n++] = page;
		kept = 1;
	}
	pthread_mutex_unlock(&cache_lock);
	if (!kept)
		free(page);
}

const struct zs_page_provider zs_recycling_pages = {recycled_alloc,
						    recycled_free, NULL};
