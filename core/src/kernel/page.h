/* SPDX-License-Identifier: MIT */
/*
 * Page descriptors (the analogue of struct page) and page providers.
 *
 * In a zsmalloc pool a descriptor lives in its zspage's descriptor, as long
 * as the zspage (pfn.c, zspage.h); zbud keeps one in each of its page
 * headers.
 * All metadata is here, out of band: page memory holds only object bytes
 * and the free-list links inside free objects.
 */
#ifndef ZS_KERNEL_PAGE_H
#define ZS_KERNEL_PAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include <zsmalloc.h>

/*
 * 16 bytes on 64-bit builds: one per pool page. In a zsmalloc pool the
 * descriptors of a zspage's pages sit in the zspage descriptor itself, in
 * page order, so a page finds its zspage from its index (zs_page_zspage)
 * and its neighbour one descriptor on, and no descriptor is allocated or
 * pointed to on its own.
 */
struct zs_page {
	void *mem;		  /* page_size bytes, NULL while unused */
	uint32_t pfn;		  /* emulated page frame number, never 0 */
	unsigned short index;	  /* position in the zspage */
	unsigned short class_idx; /* its class, readable under the pfn lock */
};

/*
 * The built-in provider: pages carved from 2 MiB anonymous mappings; freed
 * pages are kept resident for reuse (1 MiB of each size and lane, then in
 * batches for up to ZS_RETAIN_MS) and given back to the system
 * (MADV_DONTNEED) in batches after that wait, when a pool of this provider
 * is destroyed, or at zs_page_provider_trim(); fresh pages of the system's
 * page size are faulted in (MADV_POPULATE_WRITE) up to 64 KiB ahead of
 * their use, in one call; thread safe, any page size 4..64 KiB (others:
 * alloc_page returns NULL).
 */
extern const struct zs_page_provider zs_default_page_provider;

/* Older C libraries lack the name; older kernels answer EINVAL. */
#if defined(__linux__) && !defined(MADV_POPULATE_WRITE)
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/* For tests: the nth next region mapping fails (0: none). */
void zs_page_provider_fail_nth(unsigned long nth);
/* For tests: regions mapped now, pages handed out and not freed. */
void zs_page_provider_stats(size_t *regions, size_t *live_pages);
/*
 * Give every freed page still resident back to the system now, and the
 * fresh pages faulted in ahead of their use (at most 64 KiB a size).
 */
void zs_page_provider_trim(void);
/*
 * The same, but keep up to keep bytes of the freed pages resident (at
 * least the trim threshold's, unless keep is 0): the latest freed, of the
 * page sizes freed into last; and the pages ahead.
 */
void zs_page_provider_trim_keep(size_t keep);
/*
 * Give back the retained pages (kept past the hot stacks), the oldest
 * first, until the freed pages resident fit in the trim threshold
 * (zs_set_page_trim_threshold; all of them at 0); never the hot ones:
 * what zs_destroy_pool does for a pool of this provider.
 */
void zs_page_provider_release_retained(void);
/* For tests: pages retained now (freed, resident, past the hot stacks). */
size_t zs_page_provider_retained(void);
/* For tests: how long a retained page waits before it goes back, in ms
 * (0: batches go back at once); the old value. */
unsigned int zs_page_provider_set_retain_ms(unsigned int ms);
/* What zs_compact keeps: a few zspages' worth, taken again at no fault. */
#define ZS_PAGE_TRIM_KEEP ((size_t)256 << 10)
/* zs_set_page_trim_threshold's bytes now (0: none set). */
size_t zs_page_trim_threshold(void);

/*
 * Give page memory to a descriptor from a provider: checks the alignment
 * and closes the bytes to memory checkers. 0, or -1 with nothing held.
 */
int zs_page_get_mem(struct zs_page *page, const struct zs_page_provider *pv,
		    size_t page_size);
/* Give the memory back (opened first, the provider may look at it). */
void zs_page_put_mem(struct zs_page *page, const struct zs_page_provider *pv,
		     size_t page_size);

#endif /* ZS_KERNEL_PAGE_H */
