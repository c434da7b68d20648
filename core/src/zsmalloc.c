// SPDX-License-Identifier: MIT
/* The public entry points: pools, allocation, freeing. */
#include <zsmalloc.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "kernel/percpu.h"
#include "kernel/report.h"
#include "kernel/slab.h"
#include "pool.h"
#include "zspage.h"

/* Live pools: when the last goes, the calling thread's area goes too. */
static atomic_ulong nr_pools;

static void setup_classes(struct zs_pool *pool)
{
	const struct zs_geometry *g = &pool->geo;
	unsigned int i;

	pool->nr_distinct = 0;
	for (i = g->nr_steps; i-- > 0;) {
		struct size_class *c = &pool->classes[i];
		struct size_class *above =
			i + 1 < g->nr_steps ? zs_serving_class(pool, i + 1)
					    : NULL;

		c->index = i;
		c->size = zs_step_size(g, i);
		c->pages_per_zspage = zs_best_pages_per_zspage(
			g->page_size, c->size, g->chain);
		c->objs_per_zspage = (unsigned int)(c->pages_per_zspage *
						    g->page_size / c->size);
		c->served_by = i;
		if (g->merge && above &&
		    above->pages_per_zspage == c->pages_per_zspage &&
		    above->objs_per_zspage == c->objs_per_zspage)
			c->served_by = above->index;
		if (c->served_by == i)
			pool->nr_distinct++;
	}
}

/* How far zs_create_pool_config got: undone in reverse by free_pool. */
enum pool_stage {
	POOL_ALLOCATED,
	POOL_LOCKED,  /* pool->lock exists */
	POOL_META,    /* the metadata caches exist */
	POOL_HANDLES, /* the handle table exists */
	POOL_CLASSES, /* pool->classes exists */
	POOL_CHECK,   /* check_mutex exists */
};

/* Undo creation; the class locks below nr_class_locks exist. */
static void free_pool(struct zs_pool *pool, enum pool_stage stage,
		      unsigned int nr_class_locks)
{
	unsigned int i;

	for (i = 0; i < nr_class_locks; i++) {
		if (pool->classes[i].served_by == i)
			zs_mutex_destroy(&pool->classes[i].lock);
	}
	if (stage >= POOL_CHECK)
		zs_mutex_destroy(&pool->check_mutex);
	if (stage >= POOL_CLASSES)
		zs_vfree(pool->classes,
			 pool->geo.nr_steps * sizeof(*pool->classes));
	if (stage >= POOL_HANDLES)
		zs_handle_table_destroy(&pool->handles);
	if (stage >= POOL_META)
		zs_meta_destroy(&pool->meta);
	if (stage >= POOL_LOCKED)
		zs_mutex_destroy(&pool->lock);
	zs_radix_destroy(&pool->pfn_table);
	zs_kfree(pool->pfn_used);
	zs_kfree(pool);
}

struct zs_pool *zs_create_pool_config(const char *name,
				      const struct zs_pool_config *cfg)
{
	struct zs_geometry geo;
	struct zs_pool *pool;
	struct size_class *c;
	char why[160], who[48];

	snprintf(who, sizeof(who), "pool %s", name ? name : "?");
	if (zs_geometry_init(&geo, cfg, why, sizeof(why)) != 0) {
		zs_notice(who, "%s", why);
		return NULL;
	}
	if (cfg && cfg->pages &&
	    (!cfg->pages->alloc_page || !cfg->pages->free_page)) {
		zs_notice(who, "page provider lacks alloc_page or free_page");
		return NULL;
	}
	pool = zs_kzalloc(sizeof(*pool));
	if (!pool)
		return NULL;
	snprintf(pool->name, sizeof(pool->name), "%s", name ? name : "");
	pool->geo = geo;
	pool->pages =
		cfg && cfg->pages ? *cfg->pages : zs_default_page_provider;
	/* pfns must fit pfn_bits; past the table's reach, the table bounds */
	pool->pfn_limit = geo.pfn_bits >= 3 * ZS_RADIX_BITS
				  ? ZS_RADIX_CAPACITY
				  : 1ul << geo.pfn_bits;
	zs_radix_init(&pool->pfn_table, sizeof(_Atomic(struct zs_page *)));
	if (zs_mutex_init(&pool->lock) != 0) {
		free_pool(pool, POOL_ALLOCATED, 0);
		return NULL;
	}
	if (zs_meta_init(&pool->meta) != 0) {
		free_pool(pool, POOL_LOCKED, 0);
		return NULL;
	}
	/* pfns stay below the pfn table's reach, 2^30: they pack too */
#if ZS_SLOT_PACKED
	_Static_assert(3 * ZS_RADIX_BITS + ZS_OBJ_LOW_BITS <= ZS_SLOT_LOC_BITS,
		       "a location packs into a handle slot");
#endif
	if (zs_handle_table_init(&pool->handles, pool->geo.obj_index_bits,
				 ZS_OBJ_LOW_BITS) != 0) {
		free_pool(pool, POOL_META, 0);
		return NULL;
	}
	/* about 100 KiB at 4 KiB pages: whole pages, reused from the table
	 * cache when pools come and go */
	pool->classes = zs_vzalloc(geo.nr_steps * sizeof(*pool->classes));
	if (!pool->classes) {
		free_pool(pool, POOL_HANDLES, 0);
		return NULL;
	}
	setup_classes(pool);
	if (zs_mutex_init(&pool->check_mutex) != 0) {
		free_pool(pool, POOL_CLASSES, 0);
		return NULL;
	}
	zs_for_each_serving_class(pool, c) {
		if (zs_mutex_init(&c->lock) != 0) {
			free_pool(pool, POOL_CHECK, c->index);
			return NULL;
		}
	}
	atomic_fetch_add(&nr_pools, 1);
	return pool;
}

struct zs_pool *zs_create_pool(const char *name)
{
	return zs_create_pool_config(name, NULL);
}

static void release_class(struct zs_pool *pool, struct size_class *c)
{
	for (unsigned int r = ZS_RATIO_10; r < ZS_NR_RATIOS; r++) {
		while (c->ratio_list[r]) {
			struct zspage *zs = c->ratio_list[r];

			c->ratio_list[r] = zs->rnext;
			zs->fullness = ZS_EMPTY;
			zspage_release(pool, zs);
		}
	}
}

void zs_destroy_pool(struct zs_pool *pool)
{
	(void)zs_pool_try_destroy(pool);
}

int zs_pool_try_destroy(struct zs_pool *pool)
{
	struct zs_cpu_area *area = zs_cpu_area_this();
	struct size_class *c;

	if (!pool)
		return 0;
	if (area && area->pool == pool) {
		zs_report("zs_destroy_pool",
			  "pool %s is destroyed while handle %#lx is mapped",
			  pool->name, area->handle);
		return -EBUSY;
	}
	zs_for_each_serving_class(pool, c)
		release_class(pool, c);
	free_pool(pool, POOL_CHECK, pool->geo.nr_steps);
	if (atomic_fetch_sub(&nr_pools, 1) == 1)
		zs_cpu_down(); /* nothing of ours stays behind at exit */
	return 0;
}

unsigned long zs_malloc(struct zs_pool *pool, size_t size)
{
	struct zs_handle_slot *slot = NULL;
	struct size_class *class;
	unsigned long handle, obj;
	struct zspage *zs;
	unsigned int idx;

	if (!pool) {
		zs_report("zs_malloc", "no pool");
		return 0;
	}
	/* as the kernel: no object of these sizes, and no report either */
	if (size == 0 || size > pool->geo.max_size)
		return 0;
	class = zs_size_class(pool, size);
	handle = zs_handle_reserve(&pool->handles, &slot);
	if (!handle)
		return 0;

	zs_class_lock(pool, class);
	zs = zspage_fullest(class);
	if (!zs) {
		zs = zspage_create(pool, class);
		if (!zs)
			goto fail;
		class->obj_allocated += class->objs_per_zspage;
		class->pages_used += class->pages_per_zspage;
	}
	obj = zspage_pop_free(pool, zs);
	if (!obj) {
		if (zs->inuse == 0) {
			class->obj_allocated -= class->objs_per_zspage;
			class->pages_used -= class->pages_per_zspage;
			zspage_release(pool, zs);
		}
		goto fail;
	}
	idx = zs_obj_index(pool, obj);
	zspage_handles(zs)[idx] = (unsigned int)zs_handle_slot_index(handle);
	zs->inuse++;
	class->obj_used++;
	zspage_refile(class, zs);

	zs_handle_publish(&pool->handles, slot, obj, size);
	zs_mutex_unlock(&class->lock);
	return handle;
fail:
	zs_mutex_unlock(&class->lock);
	zs_mutex_lock(&pool->handles.lock);
	zs_handle_release_locked(&pool->handles, handle, slot);
	zs_mutex_unlock(&pool->handles.lock);
	return 0;
}

void zs_free(struct zs_pool *pool, unsigned long handle)
{
	struct zs_handle_slot *slot;
	struct size_class *class;
	struct zs_page *page;
	unsigned long obj;
	struct zspage *zs;
	unsigned int idx;

	if (!handle)
		return;
	if (!pool) {
		zs_report("zs_free", "no pool (handle %#lx)", handle);
		return;
	}
	slot = zs_handle_resolve(&pool->handles, handle, "zs_free", &obj);
	if (!slot)
		return;
	class = zs_slot_class(pool, slot);
	if (!class) {
		zs_report("zs_free", "handle %#lx: size %u is corrupt", handle,
			  zs_slot_size(slot));
		return;
	}

	zs_class_lock(pool, class);
	/*
	 * Again under the lock: another thread may have freed it meanwhile,
	 * and a compaction may have moved it (the class lock now keeps it).
	 */
	obj = zs_slot_location(&pool->handles, slot);
	if (zs_slot_gen(slot) != zs_handle_gen(handle) || !obj) {
		zs_report("zs_free", "handle %#lx was freed concurrently",
			  handle);
		goto out;
	}
	if (zs_slot_mapcount(slot)) {
		zs_report("zs_free", "handle %#lx is still mapped", handle);
		goto out;
	}
	zs = zspage_of_obj(pool, class, obj, &idx, &page);
	if (!zs || zspage_handles(zs)[idx] != zs_handle_slot_index(handle)) {
		zs_report("zs_free",
			  "handle %#lx: location %#lx is not its object",
			  handle, obj);
		goto out;
	}
	if (zspage_push_free(pool, zs, idx) != 0)
		goto out;
	/* the object is gone with the class lock; the slot is queued after */
	zs_handle_retire(slot);
	zspage_handles(zs)[idx] = 0;
	zs->inuse--;
	class->obj_used--;
	zspage_refile(class, zs);
	if (zs->inuse == 0) {
		/* empty zspages are never kept */
		class->obj_allocated -= class->objs_per_zspage;
		class->pages_used -= class->pages_per_zspage;
		zspage_release(pool, zs);
	}
	zs_mutex_unlock(&class->lock);
	zs_handle_queue(&pool->handles, handle);
	return;
out:
	zs_mutex_unlock(&class->lock);
}

unsigned long zs_get_total_pages(struct zs_pool *pool)
{
	return pool ? zs_atomic_read(&pool->pages_allocated) : 0;
}

size_t zs_max_alloc_size(const struct zs_pool *pool)
{
	return pool ? pool->geo.max_size : 0;
}

void zs_pool_info(const struct zs_pool *pool, struct zs_pool_info *info)
{
	const struct zs_geometry *g;

	memset(info, 0, sizeof(*info));
	if (!pool)
		return; /* all zero, as zs_pool_stats gives */
	g = &pool->geo;
	info->page_size = g->page_size;
	info->page_shift = g->page_shift;
	info->max_pages_per_zspage = g->chain;
	info->physmem_bits = g->physmem_bits;
	info->obj_index_bits = g->obj_index_bits;
	info->min_alloc_size = g->min_size;
	info->max_alloc_size = g->max_size;
	info->size_class_delta = g->delta;
	info->nr_size_classes = g->nr_steps;
	info->nr_distinct_classes = pool->nr_distinct;
	info->class_merge = g->merge;
	info->max_pages = pool->pfn_limit - 1; /* pfn 0 is never used */
	info->handle_quarantine = ZS_HANDLE_QUARANTINE;
	info->handle_generations = 1ul << ZS_HANDLE_GEN_BITS;
}

void zs_pool_meta(struct zs_pool *pool, struct zs_pool_meta *meta)
{
	memset(meta, 0, sizeof(*meta));
	if (!pool)
		return;
	zs_meta_usage(&pool->meta, &meta->desc_chunks, &meta->desc_bytes);
	meta->pfn_leaves = zs_pool_nr_pfn_leaves(pool);
	meta->pfn_bytes =
		meta->pfn_leaves * zs_radix_leaf_bytes(&pool->pfn_table);
	meta->handle_chunks = zs_handle_nr_chunks(&pool->handles);
	meta->handle_bytes =
		meta->handle_chunks * zs_radix_leaf_bytes(&pool->handles.slots);
}

size_t zs_class_size(const struct zs_pool *pool, size_t size)
{
	const struct size_class *c;

	if (!pool || size == 0 || size > pool->geo.max_size)
		return 0;
	c = &pool->classes[zs_size_to_step(&pool->geo, size)];
	return pool->classes[c->served_by].size;
}
