// SPDX-License-Identifier: MIT
/* The public entry points: pools, allocation, freeing. */
#include <zsmalloc.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "class_layout.h"
#include "kernel/percpu.h"
#include "kernel/report.h"
#include "kernel/slab.h"
#include "pool.h"
#include "zspage.h"

/* Live pools: when the last goes, the calling thread's area goes too. */
static atomic_ulong nr_pools;

/* Class i of shard s: its geometry; the rest is the table's zeros. */
static void init_class(struct size_class *c, const struct zs_geometry *g,
		       unsigned int s, unsigned int i, unsigned int pages,
		       unsigned int objs, unsigned int served_by)
{
	c->index = s * g->nr_steps + i;
	c->step = i;
	c->shard = s;
	c->size = zs_step_size(g, i);
	c->pages_per_zspage = pages;
	c->objs_per_zspage = objs;
	c->served_by = served_by;
}

/* Shard 0's classes, arr, and the pool's serving walk, from the layout of
 * the pool's geometry. */
static void setup_classes(struct zs_pool *pool, struct size_class *arr)
{
	const struct zs_geometry *g = &pool->geo;
	struct zs_class_layout l;

	zs_class_layout_get(g, &l);
	ZS_BUG_ON(l.nr_steps != g->nr_steps || g->nr_steps > ZS_MAX_STEPS);
	for (unsigned int i = 0; i < g->nr_steps; i++)
		init_class(&arr[i], g, 0, i, l.pages[i], l.objs[i],
			   l.served_by[i]);
	pool->nr_distinct = l.nr_distinct;
	memcpy(pool->serving, l.serving, sizeof(pool->serving));
	memcpy(pool->serving_from, l.serving_from, sizeof(pool->serving_from));
}

/* Shard s's classes, arr: shard 0's geometry (every shard has it). */
static void setup_shard_classes(struct zs_pool *pool, struct size_class *arr,
				unsigned int s)
{
	const struct size_class *first = pool->classes;

	for (unsigned int i = 0; i < pool->geo.nr_steps; i++)
		init_class(&arr[i], &pool->geo, s, i, first[i].pages_per_zspage,
			   first[i].objs_per_zspage, first[i].served_by);
}

/* The class locks of arr's serving classes below step n exist: undone. */
static void destroy_class_locks(struct size_class *arr, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (zs_class_serves(&arr[i]))
			zs_mutex_destroy(&arr[i].lock);
}

/* Every serving class of arr gets its lock: 0, or -1 with none made. */
static int init_class_locks(struct zs_pool *pool, struct size_class *arr)
{
	for (unsigned int i = 0; i < pool->geo.nr_steps; i++) {
		if (zs_class_serves(&arr[i]) &&
		    zs_mutex_init(&arr[i].lock) != 0) {
			destroy_class_locks(arr, i);
			return -1;
		}
	}
	return 0;
}

static size_t classes_bytes(const struct zs_pool *pool)
{
	return pool->geo.nr_steps * sizeof(struct size_class);
}

/*
 * Shard s's classes, made now if no thread of the shard allocated before;
 * NULL when making them fails (the caller then uses shard 0's). Made
 * under check_mutex: a zs_pool_check running now sees them only when it
 * is done, and one that starts later sees them whole.
 */
static struct size_class *shard_classes_get(struct zs_pool *pool,
					    unsigned int s)
{
	struct size_class *arr = zs_shard_classes(pool, s);

	if (arr)
		return arr;
	zs_mutex_lock(&pool->check_mutex);
	arr = zs_shard_classes(pool, s);
	if (!arr) {
		arr = zs_vzalloc(classes_bytes(pool));
		if (arr) {
			setup_shard_classes(pool, arr, s);
			if (init_class_locks(pool, arr) == 0) {
				atomic_store_explicit(&pool->shards[s], arr,
						      memory_order_release);
			} else {
				zs_vfree(arr, classes_bytes(pool));
				arr = NULL;
			}
		}
	}
	zs_mutex_unlock(&pool->check_mutex);
	return arr;
}

struct size_class *zs_size_class(struct zs_pool *pool, size_t size)
{
	unsigned int step = zs_size_to_step(&pool->geo, size);
	struct size_class *arr = pool->classes;

	if (pool->nr_shards > 1) {
		unsigned int s = zs_cpu_number() % pool->nr_shards;

		if (s) {
			arr = shard_classes_get(pool, s);
			if (!arr)
				arr = pool->classes;
		}
	}
	return zs_arr_serving(arr, step);
}

/*
 * The shards a pool gets when its config names none: one per CPU online
 * when the process made its first such pool. Read once: glibc opens and
 * reads /sys/devices/system/cpu/online on every call, 6% of the time of a
 * fuzz input that makes two pools (zpool_diff).
 */
static unsigned int default_shards(void)
{
	static atomic_uint cached;
	unsigned int n = atomic_load_explicit(&cached, memory_order_relaxed);
	long cpus;

	if (n)
		return n;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		n = 1;
	else
		n = cpus < (long)ZS_MAX_SHARDS ? (unsigned int)cpus
					       : ZS_MAX_SHARDS;
	atomic_store_explicit(&cached, n, memory_order_relaxed);
	return n;
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

/*
 * Undo creation. From POOL_CHECK on, every shard made has its class locks
 * (creation makes shard 0's before it says POOL_CHECK).
 */
static void free_pool(struct zs_pool *pool, enum pool_stage stage)
{
	if (stage >= POOL_CHECK) {
		for (unsigned int s = 0; s < pool->nr_shards; s++) {
			struct size_class *arr = zs_shard_classes(pool, s);

			if (!arr)
				continue;
			destroy_class_locks(arr, pool->geo.nr_steps);
			if (s)
				zs_vfree(arr, classes_bytes(pool));
		}
		zs_mutex_destroy(&pool->check_mutex);
	}
	if (stage >= POOL_CLASSES)
		zs_vfree(pool->classes, classes_bytes(pool));
	if (stage >= POOL_HANDLES)
		zs_handle_table_destroy(&pool->handles);
	if (stage >= POOL_META)
		for (unsigned int s = 0; s < pool->nr_shards; s++)
			zs_meta_destroy(&pool->meta[s]);
	if (stage >= POOL_LOCKED) {
		zs_pool_pfn_caches_destroy(pool);
		zs_mutex_destroy(&pool->lock);
	}
	zs_radix_destroy(&pool->pfn_table);
	zs_kfree(pool->pfn_used);
	zs_kfree(pool);
}

struct zs_pool *zs_create_pool_config(const char *name,
				      const struct zs_pool_config *cfg)
{
	struct zs_geometry geo;
	struct zs_pool *pool;
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
	if (cfg && cfg->shards > ZS_MAX_SHARDS) {
		zs_notice(who, "%u class shards: at most %u", cfg->shards,
			  ZS_MAX_SHARDS);
		return NULL;
	}
	/* aligned, so that its lines fall where its layout says */
	pool = zs_kzalloc_aligned(_Alignof(struct zs_pool), sizeof(*pool));
	if (!pool)
		return NULL;
	snprintf(pool->name, sizeof(pool->name), "%s", name ? name : "");
	pool->geo = geo;
	pool->nr_shards = cfg && cfg->shards ? cfg->shards : default_shards();
	pool->pages =
		cfg && cfg->pages ? *cfg->pages : zs_default_page_provider;
	/* pfns must fit pfn_bits; past the table's reach, the table bounds */
	pool->pfn_limit = geo.pfn_bits >= 3 * ZS_RADIX_BITS
				  ? ZS_RADIX_CAPACITY
				  : 1ul << geo.pfn_bits;
	zs_radix_init(&pool->pfn_table, sizeof(_Atomic(struct zs_page *)));
	if (zs_mutex_init(&pool->lock) != 0) {
		free_pool(pool, POOL_ALLOCATED);
		return NULL;
	}
	if (zs_pool_pfn_caches_init(pool) != 0) {
		zs_mutex_destroy(&pool->lock);
		free_pool(pool, POOL_ALLOCATED);
		return NULL;
	}
	for (unsigned int s = 0; s < pool->nr_shards; s++) {
		if (zs_meta_init(&pool->meta[s]) != 0) {
			while (s-- > 0)
				zs_meta_destroy(&pool->meta[s]);
			free_pool(pool, POOL_LOCKED);
			return NULL;
		}
	}
	/* pfns stay below the pfn table's reach, 2^30: they pack too */
#if ZS_SLOT_PACKED
	_Static_assert(3 * ZS_RADIX_BITS + ZS_OBJ_LOW_BITS <= ZS_SLOT_LOC_BITS,
		       "a location packs into a handle slot");
#endif
	if (zs_handle_table_init(&pool->handles, pool->geo.obj_index_bits,
				 ZS_OBJ_LOW_BITS) != 0) {
		free_pool(pool, POOL_META);
		return NULL;
	}
	/* about 80 KiB at 4 KiB pages: whole pages, reused from the table
	 * cache when pools come and go; the other shards' when used */
	pool->classes = zs_vzalloc(classes_bytes(pool));
	if (!pool->classes) {
		free_pool(pool, POOL_HANDLES);
		return NULL;
	}
	setup_classes(pool, pool->classes);
	if (zs_mutex_init(&pool->check_mutex) != 0) {
		free_pool(pool, POOL_CLASSES);
		return NULL;
	}
	if (init_class_locks(pool, pool->classes) != 0) {
		zs_mutex_destroy(&pool->check_mutex);
		free_pool(pool, POOL_CLASSES);
		return NULL;
	}
	atomic_store_explicit(&pool->shards[0], pool->classes,
			      memory_order_relaxed);
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
	bool builtin;

	if (!pool)
		return 0;
	if (area && area->pool == pool) {
		zs_report("zs_destroy_pool",
			  "pool %s is destroyed while handle %#lx is mapped",
			  pool->name, area->handle);
		return -EBUSY;
	}
	zs_for_each_kept_class_reverse(pool, c)
		release_class(pool, c);
	builtin = zs_pool_builtin_pages(pool);
	free_pool(pool, POOL_CHECK);
	zs_obj_reads_pool_destroyed();
	/* the pool's pages go back with it, not a wait later */
	if (builtin)
		zs_page_provider_release_retained();
	if (atomic_fetch_sub(&nr_pools, 1) == 1)
		zs_cpu_down(); /* nothing of ours stays behind at exit */
	return 0;
}

/*
 * A class's first use waits for any zs_pool_check at work, which does not
 * freeze classes unused when it began (they cannot change meanwhile).
 */
static ZS_COLD void class_first_use(struct zs_pool *pool, struct size_class *c)
{
	zs_mutex_lock(&pool->check_mutex);
	zs_used_mark(pool, c);
	zs_mutex_unlock(&pool->check_mutex);
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

	if (!zs_class_used(pool, class))
		class_first_use(pool, class);
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
	zspage_refile(pool, class, zs);

	zs_handle_publish(&pool->handles, slot, obj, size, class->shard);
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
	zspage_refile(pool, class, zs);
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
	return pool ? zs_pool_nr_pages(pool) : 0;
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
	info->nr_shards = pool->nr_shards;
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
	for (unsigned int s = 0; s < pool->nr_shards; s++) {
		unsigned long chunks;
		size_t bytes;

		zs_meta_usage(&pool->meta[s], &chunks, &bytes);
		meta->desc_chunks += chunks;
		meta->desc_bytes += bytes;
	}
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
