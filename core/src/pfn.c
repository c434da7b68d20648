// SPDX-License-Identifier: MIT
/*
 * The pool's emulated physical memory: page descriptors by page frame
 * number. A descriptor, once made, keeps its pfn for the pool's life (like
 * struct page), so a lookup never meets freed memory and needs no lock.
 */
#include "pool.h"

#include "kernel/report.h"
#include "kernel/slab.h"

struct zs_page *zs_pfn_to_page(struct zs_pool *pool, unsigned long pfn)
{
	_Atomic(struct zs_page *) *entry;

	if (pfn == 0 || pfn >= pool->pfn_limit)
		return NULL;
	entry = zs_radix_lookup(&pool->pfn_table, pfn);
	if (!entry)
		return NULL;
	return atomic_load_explicit(entry, memory_order_acquire);
}

/* An unused descriptor, or a new one with the next pfn; under pool->lock. */
static struct zs_page *take_descriptor(struct zs_pool *pool)
{
	_Atomic(struct zs_page *) *entry;
	struct zs_page *page = pool->unused;

	if (page) {
		pool->unused = page->next;
		page->next = NULL;
		return page;
	}
	if (pool->next_pfn >= pool->pfn_limit)
		return NULL; /* the emulated physical memory is exhausted */
	entry = zs_radix_populate(&pool->pfn_table, pool->next_pfn);
	if (!entry)
		return NULL;
	page = zs_kzalloc(sizeof(*page));
	if (!page)
		return NULL;
	page->pfn = pool->next_pfn++;
	atomic_store_explicit(entry, page, memory_order_release);
	return page;
}

struct zs_page *zs_pool_page_alloc(struct zs_pool *pool)
{
	struct zs_page *page;

	zs_mutex_lock(&pool->lock);
	page = take_descriptor(pool);
	zs_mutex_unlock(&pool->lock);
	if (!page)
		return NULL;
	if (zs_page_get_mem(page, &pool->pages, pool->geo.page_size) != 0) {
		zs_mutex_lock(&pool->lock);
		page->next = pool->unused;
		pool->unused = page;
		zs_mutex_unlock(&pool->lock);
		return NULL;
	}
	zs_atomic_add(&pool->pages_allocated, 1);
	return page;
}

void zs_pool_page_free(struct zs_pool *pool, struct zs_page *page)
{
	zs_page_put_mem(page, &pool->pages, pool->geo.page_size);
	zs_atomic_sub(&pool->pages_allocated, 1);
	zs_mutex_lock(&pool->lock);
	page->zspage = NULL;
	page->next = pool->unused;
	pool->unused = page;
	zs_mutex_unlock(&pool->lock);
}
