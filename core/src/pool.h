/* SPDX-License-Identifier: MIT */
/* The inside of a pool and its classes, shared by the core's files. */
#ifndef ZS_POOL_H
#define ZS_POOL_H

#include <stdatomic.h>
#include <stdbool.h>

#include <zsmalloc.h>

#include "handle.h"
#include "kernel/atomic.h"
#include "kernel/compiler.h"
#include "kernel/lock.h"
#include "kernel/page.h"
#include "meta.h"
#include "radix.h"
#include "size_class.h"

struct zspage;

/*
 * Fine fullness for compaction, as the kernel has had since 6.4: 0% (empty,
 * never kept), ten 10% steps (the last covering 90..99%) and 100%.
 */
enum zs_ratio {
	ZS_RATIO_0,
	ZS_RATIO_10,	  /* 1..9% in use (below 10%) */
	ZS_RATIO_99 = 10, /* 90..99% */
	ZS_RATIO_100,
	ZS_NR_RATIOS
};

struct size_class {
	struct zs_mutex lock; /* serving classes only */
	size_t size;
	unsigned int index; /* shard * geo.nr_steps + step: page class_idx */
	unsigned int step;  /* its size step */
	unsigned int shard; /* whose threads allocate from it */
	unsigned int served_by; /* step of the serving class, same shard */
	unsigned int pages_per_zspage;
	unsigned int objs_per_zspage;
	/*
	 * Under lock: kept zspages by fullness group, counted only (they sit
	 * on the ratio lists). ZS_EMPTY stays 0: empty zspages are released.
	 */
	unsigned long nr_zspages[ZS_NR_FULLNESS_GROUPS];
	/*
	 * Their sum, written under lock and read without it: zs_compact
	 * skips a class with fewer than two (nothing to gain) without
	 * taking its lock, most classes of a small pool.
	 */
	zs_atomic_ulong nr_kept;
	unsigned long obj_allocated;
	unsigned long obj_used;
	unsigned long pages_used;
	/*
	 * Under lock: every kept zspage sits on the list of its ratio, the
	 * one list it is on (zs_malloc takes from the fullest, compaction
	 * moves from the emptiest).
	 */
	struct zspage *ratio_list[ZS_NR_RATIOS];
	unsigned long nr_ratio[ZS_NR_RATIOS];
	/*
	 * Stamps zspages tried this pass. It wraps: a zspage may then be
	 * skipped once, which is harmless.
	 */
	unsigned int compact_pass;
	/*
	 * Under lock: zs_pool_check is looking at the class; whoever takes
	 * the lock to change it waits (zs_class_lock).
	 */
	bool frozen;
	/*
	 * Under lock: the freed object whose link is not stored yet, the
	 * head of link_zs's free list (zspage.c, "links stored late"); NULL
	 * when none waits.
	 */
	struct zspage *link_zs;
	unsigned long link_word;
	unsigned int link_idx;
};

/*
 * Class shards: up to this many full sets of classes, each with its own
 * locks, lists and zspages. A thread allocates from one set (its number
 * modulo the pool's shards), so threads that store objects of the same
 * sizes at the same time do not queue on one class lock, nor write the
 * same zspages. An object stays in its shard (compaction moves objects
 * within a class); its handle slot names the shard.
 */
#define ZS_MAX_SHARDS 4u
/* Words of a bitmap with a bit per size step. */
#define ZS_KEPT_WORDS ((ZS_MAX_STEPS + ZS_BITS_PER_LONG - 1) / ZS_BITS_PER_LONG)

/*
 * A class shard's page frames: the pfns its zspages freed last, kept (in
 * the bitmap, with their table leaves, but naming no page) for its next
 * zspages, so that making and freeing zspages seldom takes pool->lock,
 * which every thread's zspages would otherwise queue on; and the count of
 * its pages (zspages' and migration spares), summed for zs_get_total_pages.
 * A shard that needs a pfn none is free for empties every cache first, so
 * a cache never makes a pool run out of frames.
 */
#define ZS_PFN_CACHE 64u
struct zs_pfn_cache {
	_Alignas(ZS_CACHE_LINE) struct zs_mutex lock; /* before pool->lock */
	unsigned int n;
	zs_atomic_ulong pages;	    /* changed under lock, read without */
	uint32_t pfn[ZS_PFN_CACHE]; /* pfn[n - 1] is handed out next */
};

struct zs_pool {
	char name[32];
	struct zs_geometry geo;
	struct zs_page_provider pages;
	struct size_class *classes; /* shard 0's geo.nr_steps classes */
	unsigned int nr_distinct;
	/*
	 * The serving steps (the same in every shard), ascending, and for
	 * each step k the position there of the first serving step at k or
	 * above: the class walks below touch only classes that serve, not
	 * every step's descriptor.
	 */
	uint16_t serving[ZS_MAX_STEPS];
	uint16_t serving_from[ZS_MAX_STEPS + 1];
	unsigned int nr_shards; /* 1..ZS_MAX_SHARDS */
	/*
	 * Each shard's classes (shard 0: classes), made when a thread of the
	 * shard first allocates, under check_mutex (so zs_pool_check sees
	 * every shard or waits for the new one); NULL until then.
	 */
	_Atomic(struct size_class *) shards[ZS_MAX_SHARDS];

	/*
	 * Per shard, a bit per serving step whose class keeps a zspage: set
	 * and cleared under the class lock as its kept count leaves and
	 * reaches 0, read without it. zs_compact and zs_destroy_pool walk
	 * these bits, not every class of the table (a small pool keeps a few
	 * of its 257, each on a cache line of its own).
	 */
	_Alignas(ZS_CACHE_LINE)
		zs_atomic_ulong kept_map[ZS_MAX_SHARDS][ZS_KEPT_WORDS];
	/*
	 * Per shard, a bit per serving step whose class was ever used: set
	 * once, under check_mutex, before its first zspage is made
	 * (zs_malloc), read without it. zs_pool_check freezes and walks only
	 * these classes: nobody changes another, which it finds as made.
	 */
	_Alignas(ZS_CACHE_LINE)
		zs_atomic_ulong used_map[ZS_MAX_SHARDS][ZS_KEPT_WORDS];

	/*
	 * pfn -> _Atomic(struct zs_page *), read by every map and free; its
	 * own fields change only when a leaf comes or goes.
	 */
	struct zs_radix pfn_table;
	unsigned long pfn_limit; /* pfns below this may be used */

	/*
	 * Above: read on every operation and written almost never. Below,
	 * each on lines of its own: what threads write as they make and free
	 * zspages, so that one thread's write does not take the lines the
	 * others read from their caches. Page frames first: the lock's line
	 * also holds the bitmap's hint, written under it.
	 */
	_Alignas(ZS_CACHE_LINE) struct zs_mutex lock;
	unsigned long *pfn_used; /* bitmap of pfns in use (or cached) */
	unsigned long pfn_hint;	 /* no free pfn in words below this */
	unsigned long pfn_words; /* the bitmap's length in words */

	/* Each class shard's page count and freed pfns (struct above). */
	struct zs_pfn_cache pfn_cache[ZS_MAX_SHARDS];

	/*
	 * zspage descriptors (their pages' inside), a cache per class shard
	 * (below nr_shards), each on its own lines: threads of different
	 * shards making zspages at once do not queue on one lock.
	 */
	struct zs_meta meta[ZS_MAX_SHARDS];

	/*
	 * Held by zs_pool_check from freezing the classes to thawing them:
	 * a thread that finds its class frozen sleeps on it.
	 */
	struct zs_mutex check_mutex;

	/* its read-mostly fields first, its lock's a line apart */
	struct zs_handle_table handles;

	/* zs_pool_stats */
	zs_atomic_ulong pages_compacted;
	zs_atomic_ulong objs_moved;
	zs_atomic_ulong objs_pinned;
	zs_atomic_ulong pages_migrated;
	zs_atomic_ulong migrate_busy;
};

/* Shard s's classes, or NULL when no thread of it has allocated yet. */
static inline struct size_class *zs_shard_classes(const struct zs_pool *pool,
						  unsigned int s)
{
	return atomic_load_explicit(&pool->shards[s], memory_order_acquire);
}

/* The class at absolute index i (shard * nr_steps + step), or NULL. */
static inline struct size_class *zs_class_by_index(const struct zs_pool *pool,
						   unsigned int i)
{
	unsigned int n = pool->geo.nr_steps;
	struct size_class *arr;

	if (i >= n * pool->nr_shards)
		return NULL;
	arr = zs_shard_classes(pool, i / n);
	return arr ? &arr[i % n] : NULL;
}

/* The class serving step in shard s's classes arr. */
static inline struct size_class *zs_arr_serving(struct size_class *arr,
						unsigned int step)
{
	return &arr[arr[step].served_by];
}

/* Shard 0's class serving step (geometry: the same in every shard). */
static inline struct size_class *zs_serving_class(struct zs_pool *pool,
						  unsigned int step)
{
	return zs_arr_serving(pool->classes, step);
}

static inline bool zs_class_serves(const struct size_class *c)
{
	return c->served_by == c->step;
}

/*
 * The serving classes (steps no merge folded into a larger class) of
 * every shard made, for the loops below: the first at step k of shard s
 * or after it (in step order, then the next shards), or the last below
 * step k of shard s (then the shards before); NULL when there is none.
 */
static inline struct size_class *zs_serving_up(struct zs_pool *pool,
					       unsigned int s, unsigned int k)
{
	for (; s < pool->nr_shards; s++, k = 0) {
		struct size_class *arr = zs_shard_classes(pool, s);
		unsigned int i = pool->serving_from[k];

		if (arr && i < pool->nr_distinct)
			return &arr[pool->serving[i]];
	}
	return NULL;
}

static inline struct size_class *zs_serving_down(struct zs_pool *pool,
						 unsigned int s, unsigned int k)
{
	for (s++; s-- > 0; k = pool->geo.nr_steps) {
		struct size_class *arr = zs_shard_classes(pool, s);
		unsigned int i = pool->serving_from[k];

		if (arr && i > 0)
			return &arr[pool->serving[i - 1]];
	}
	return NULL;
}

/*
 * A step map: one shard's bit per size step (kept_map, used_map), read
 * and changed atomically. ZS_STEP_NONE: no such bit.
 */
#define ZS_STEP_NONE (ZS_KEPT_WORDS * ZS_BITS_PER_LONG)

static inline bool zs_step_test(zs_atomic_ulong *map, unsigned int k)
{
	return zs_atomic_read(&map[k / ZS_BITS_PER_LONG]) >>
		       (k % ZS_BITS_PER_LONG) &
	       1;
}

static inline void zs_step_set(zs_atomic_ulong *map, unsigned int k, bool on)
{
	zs_atomic_ulong *w = &map[k / ZS_BITS_PER_LONG];
	unsigned long bit = 1ul << (k % ZS_BITS_PER_LONG);

	if (on)
		atomic_fetch_or_explicit(w, bit, memory_order_relaxed);
	else
		atomic_fetch_and_explicit(w, ~bit, memory_order_relaxed);
}

/* The lowest set step at or above k, or ZS_STEP_NONE. */
static inline unsigned int zs_step_next(zs_atomic_ulong *map, unsigned int k)
{
	for (unsigned int w = k / ZS_BITS_PER_LONG; w < ZS_KEPT_WORDS; w++) {
		unsigned long bits = zs_atomic_read(&map[w]);

		if (w == k / ZS_BITS_PER_LONG)
			bits &= ~0ul << (k % ZS_BITS_PER_LONG);
		if (bits)
			return w * ZS_BITS_PER_LONG +
			       (unsigned int)__builtin_ctzl(bits);
	}
	return ZS_STEP_NONE;
}

/* The highest set step below k, or ZS_STEP_NONE. */
static inline unsigned int zs_step_prev(zs_atomic_ulong *map, unsigned int k)
{
	for (unsigned int w = (k + ZS_BITS_PER_LONG - 1) / ZS_BITS_PER_LONG;
	     w-- > 0;) {
		unsigned long bits = zs_atomic_read(&map[w]);

		if (k < (w + 1) * ZS_BITS_PER_LONG)
			bits &= (1ul << (k % ZS_BITS_PER_LONG)) - 1;
		if (bits)
			return w * ZS_BITS_PER_LONG + (ZS_BITS_PER_LONG - 1) -
			       (unsigned int)__builtin_clzl(bits);
	}
	return ZS_STEP_NONE;
}

/* Whether class c was ever used (used_map). */
static inline bool zs_class_used(struct zs_pool *pool,
				 const struct size_class *c)
{
	return zs_step_test(pool->used_map[c->shard], c->step);
}

/* Mark class c as used; under check_mutex (zs_pool_check's walk). */
static inline void zs_used_mark(struct zs_pool *pool,
				const struct size_class *c)
{
	zs_step_set(pool->used_map[c->shard], c->step, true);
}

/* Mark (or clear) class c as keeping zspages; under its lock. */
static inline void zs_kept_mark(struct zs_pool *pool,
				const struct size_class *c, bool kept)
{
	zs_step_set(pool->kept_map[c->shard], c->step, kept);
}

/*
 * The class of the highest marked step below step k of shard s, then of
 * the shards before (from their top); NULL when there is none. A hint:
 * a class may gain or lose its last zspage meanwhile.
 */
static inline struct size_class *zs_kept_down(struct zs_pool *pool,
					      unsigned int s, unsigned int k)
{
	for (s++; s-- > 0; k = pool->geo.nr_steps) {
		struct size_class *arr = zs_shard_classes(pool, s);
		unsigned int i = zs_step_prev(pool->kept_map[s], k);

		if (arr && i != ZS_STEP_NONE)
			return &arr[i];
	}
	return NULL;
}

/*
 * Walk every serving class of every shard made, c its class: shard 0's
 * smallest first or, _reverse, the last shard's largest first. Merged
 * steps are skipped, so a loop that also looks at those keeps its own.
 */
#define zs_for_each_serving_class(pool, c)                                     \
	for ((c) = zs_serving_up((pool), 0, 0); (c);                           \
	     (c) = zs_serving_up((pool), (c)->shard, (c)->step + 1))
#define zs_for_each_serving_class_reverse(pool, c)                             \
	for ((c) = zs_serving_down((pool), (pool)->nr_shards - 1,              \
				   (pool)->geo.nr_steps);                      \
	     (c); (c) = zs_serving_down((pool), (c)->shard, (c)->step))
/* The classes that keep zspages (marked), the last shard's largest first. */
#define zs_for_each_kept_class_reverse(pool, c)                                \
	for ((c) = zs_kept_down((pool), (pool)->nr_shards - 1,                 \
				(pool)->geo.nr_steps);                         \
	     (c); (c) = zs_kept_down((pool), (c)->shard, (c)->step))

/*
 * The class lock, for a change to the class: when zs_pool_check has the
 * class frozen, wait (on check_mutex, holding nothing) until it is done.
 * A frozen flag and not the class lock itself, so that the checker never
 * holds hundreds of locks (TSan tracks 64) and zs_malloc/zs_free take no
 * pool-wide lock.
 */
static inline void zs_class_lock(struct zs_pool *pool, struct size_class *c)
{
	zs_mutex_lock(&c->lock);
	while (c->frozen) {
		zs_mutex_unlock(&c->lock);
		zs_mutex_lock(&pool->check_mutex);
		zs_mutex_unlock(&pool->check_mutex);
		zs_mutex_lock(&c->lock);
	}
}

/* zs_destroy_pool, telling whether it refused: 0 or -EBUSY. */
int zs_pool_try_destroy(struct zs_pool *pool);

/*
 * The serving class at absolute index class_idx, or NULL when that is no
 * serving class.
 */
static inline struct size_class *zs_class_at(struct zs_pool *pool,
					     unsigned int class_idx)
{
	struct size_class *c = zs_class_by_index(pool, class_idx);

	return c && zs_class_serves(c) ? c : NULL;
}

/*
 * The class of the calling thread's shard serving allocations of size
 * (1..max_size); made first if needed (shard 0's when that fails).
 */
struct size_class *zs_size_class(struct zs_pool *pool, size_t size);

/*
 * The class serving objects of size in shard, as zs_malloc chose it; NULL
 * when the size or shard is out of range.
 */
static inline struct size_class *
zs_class_of(struct zs_pool *pool, unsigned int size, unsigned int shard)
{
	struct size_class *arr;

	if (size == 0 || size > pool->geo.max_size || shard >= pool->nr_shards)
		return NULL;
	arr = zs_shard_classes(pool, shard);
	if (!arr)
		return NULL;
	return zs_arr_serving(arr, zs_size_to_step(&pool->geo, size));
}

/*
 * The class serving a live slot's object, from its size and shard; NULL
 * when the slot names no object (freed meanwhile), or the size or shard
 * is out of range.
 */
static inline struct size_class *zs_slot_class(struct zs_pool *pool,
					       struct zs_handle_slot *slot)
{
	return zs_class_of(pool, zs_slot_size(slot), zs_slot_shard(slot));
}

/*
 * Pinned or held (or under the class lock): the slot's location now, or 0
 * when the handle went stale (freed by another thread) meanwhile.
 */
static inline unsigned long zs_slot_obj_guarded(struct zs_pool *pool,
						struct zs_handle_slot *slot,
						unsigned long handle)
{
	unsigned long obj = zs_slot_location(&pool->handles, slot);

	if (zs_slot_gen(slot) != zs_handle_gen(handle))
		return 0;
	return obj;
}

/*
 * zs_destroy_pool tells the copy-based API a pool is gone, so that no
 * thread trusts a record of a read it left open there (obj_api.c).
 */
void zs_obj_reads_pool_destroyed(void);

/* Does the pool take its pages from the built-in provider? */
static inline bool zs_pool_builtin_pages(const struct zs_pool *pool)
{
	return pool->pages.free_page == zs_default_page_provider.free_page;
}

/* The descriptor of pfn, or NULL when pfn was never given out. */
static inline struct zs_page *zs_pfn_to_page(struct zs_pool *pool,
					     unsigned long pfn)
{
	_Atomic(struct zs_page *) *entry;

	if (pfn == 0 || pfn >= pool->pfn_limit)
		return NULL;
	entry = zs_radix_lookup(&pool->pfn_table, pfn);
	if (!entry)
		return NULL;
	return atomic_load_explicit(entry, memory_order_acquire);
}

/* The pool's pages: every shard's count (zs_get_total_pages). */
static inline unsigned long zs_pool_nr_pages(struct zs_pool *pool)
{
	unsigned long n = 0;

	for (unsigned int s = 0; s < ZS_MAX_SHARDS; s++)
		n += zs_atomic_read(&pool->pfn_cache[s].pages);
	return n;
}

/*
 * Give pages[0..n), descriptors in one zspage's (index set), memory and
 * pfns for class class_idx, from its shard's cache or else under one pfn
 * lock, the pfn table naming them (their class set before, for
 * zs_page_migrate): how many got both (those past them have neither).
 */
unsigned int zs_pool_pages_take(struct zs_pool *pool, struct zs_page *pages,
				unsigned int n, unsigned int class_idx);
/* Their memory back to the provider, their entries cleared, their pfns
 * into their shard's cache. */
void zs_pool_pages_put(struct zs_pool *pool, struct zs_page *pages,
		       unsigned int n);
/* The caches' locks: 0, or -1 with none made. */
int zs_pool_pfn_caches_init(struct zs_pool *pool);
void zs_pool_pfn_caches_destroy(struct zs_pool *pool);
/* Every shard's cached pfns back to the bitmap (for zs_compact, before it
 * packs the pfn table). */
void zs_pool_pfn_flush(struct zs_pool *pool);
/* Every lock under which a pfn table entry changes (the shards' caches',
 * then pool->lock): entries and the bitmap hold still. */
void zs_pool_pfn_lock_all(struct zs_pool *pool);
void zs_pool_pfn_unlock_all(struct zs_pool *pool);
/*
 * For a migration: spare (a descriptor of the caller's) gets memory and a
 * pfn that the table does not name yet: 0, or -1 with nothing held.
 */
int zs_pool_page_take_spare(struct zs_pool *pool, struct zs_page *spare,
			    unsigned int class_idx);
/* Give a spare's memory and pfn back. */
void zs_pool_page_put_spare(struct zs_pool *pool, struct zs_page *spare);
/*
 * page takes spare's memory and pfn, which the table now names it by, and
 * spare takes page's old ones, which the table no longer names.
 */
void zs_pool_page_swap(struct zs_pool *pool, struct zs_page *page,
		       struct zs_page *spare);
/*
 * The pfn table names page, a copy of old (same pfn, its zspage's
 * descriptor moved), instead of old.
 */
void zs_pool_page_rehome(struct zs_pool *pool, const struct zs_page *old,
			 struct zs_page *page);
/*
 * A pfn worth moving for a denser table, below below: the highest in use
 * in a table leaf at most half used, with a free pfn in a lower leaf (a
 * migrated page takes the lowest free pfn); 0 when there is none.
 */
unsigned long zs_pool_pfn_to_pack(struct zs_pool *pool, unsigned long below);
/* zs_page_migrate, counted in no statistic: 0 or -errno. */
int zs_pool_page_migrate(struct zs_pool *pool, unsigned long pfn);
/*
 * How often a migration looks up the pfn's class and locks it before it
 * gives up with -EBUSY, when each time the pfn has gone to another class
 * by the time the lock is held.
 */
#define ZS_MIGRATE_LOOKUPS 8
/*
 * For tests: the next n re-checks under a class lock find the pfn gone to
 * another class (no thread can make that happen on cue). Process-wide.
 */
void zs_migrate_fail_recheck_next(unsigned int n);
/* pfn table leaves allocated now (for tests). */
unsigned long zs_pool_nr_pfn_leaves(struct zs_pool *pool);

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

/* Where object idx of a zspage of class starts in its first page. */
static inline size_t zs_obj_offset(const struct zs_pool *pool,
				   const struct size_class *class,
				   unsigned int idx)
{
	return ((size_t)idx * class->size) & (pool->geo.page_size - 1);
}

#endif /* ZS_POOL_H */
