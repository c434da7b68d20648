/* SPDX-License-Identifier: MIT */
/* The inside of a pool and its classes, shared by the core's files. */
#ifndef ZS_POOL_H
#define ZS_POOL_H

#include <zsmalloc.h>

#include "handle.h"
#include "kernel/atomic.h"
#include "kernel/lock.h"
#include "kernel/page.h"
#include "radix.h"
#include "size_class.h"

struct zspage;

struct size_class {
	struct zs_mutex lock; /* serving classes only */
	size_t size;
	unsigned int index;
	unsigned int served_by; /* index of the serving class */
	unsigned int pages_per_zspage;
	unsigned int objs_per_zspage;
	/* Under lock. ZS_EMPTY stays empty: empty zspages are released. */
	struct zspage *fullness_list[ZS_NR_FULLNESS_GROUPS];
	unsigned long nr_zspages[ZS_NR_FULLNESS_GROUPS];
	unsigned long obj_allocated;
	unsigned long obj_used;
	unsigned long pages_used;
};

struct zs_pool {
	char name[32];
	struct zs_geometry geo;
	struct zs_page_provider pages;
	struct size_class *classes; /* geo.nr_steps of them */
	unsigned int nr_distinct;

	/* Page frames: lock guards next_pfn and the unused descriptors. */
	struct zs_mutex lock;
	unsigned long next_pfn;
	unsigned long pfn_limit;   /* pfns below this exist */
	struct zs_page *unused;	   /* descriptors without memory */
	struct zs_radix pfn_table; /* pfn -> _Atomic(struct zs_page *) */

	/*
	 * Held for reading by zs_malloc/zs_free around their class work, for
	 * writing by zs_pool_check, which then sees every class at rest
	 * without holding hundreds of locks at once.
	 */
	struct zs_rwlock check_lock;

	zs_atomic_ulong pages_allocated;
	struct zs_handle_table handles;
};

static inline struct size_class *zs_serving_class(struct zs_pool *pool,
						  unsigned int step)
{
	return &pool->classes[pool->classes[step].served_by];
}

/* zs_destroy_pool, telling whether it refused: 0 or -EBUSY. */
int zs_pool_try_destroy(struct zs_pool *pool);

/* The descriptor of pfn, or NULL when pfn was never given out. */
struct zs_page *zs_pfn_to_page(struct zs_pool *pool, unsigned long pfn);

/* A descriptor with memory and a pfn, or NULL (nothing held then). */
struct zs_page *zs_pool_page_alloc(struct zs_pool *pool);
/* The memory goes back to the provider, the descriptor is kept. */
void zs_pool_page_free(struct zs_pool *pool, struct zs_page *page);

/* Location words: (pfn << obj_index_bits) | index in the zspage. */
static inline unsigned long zs_obj_word(const struct zs_pool *pool,
					unsigned long pfn, unsigned int idx)
{
	return (pfn << pool->geo.obj_index_bits) | idx;
}

static inline unsigned long zs_obj_pfn(const struct zs_pool *pool,
				       unsigned long obj)
{
	return obj >> pool->geo.obj_index_bits;
}

static inline unsigned int zs_obj_index(const struct zs_pool *pool,
					unsigned long obj)
{
	return (unsigned int)(obj & ((1ul << pool->geo.obj_index_bits) - 1));
}

#endif /* ZS_POOL_H */
