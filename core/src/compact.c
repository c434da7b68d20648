// SPDX-License-Identifier: MIT
/*
 * zs_compact(): in each class, move the objects of the emptiest zspages
 * into the fullest and release the zspages left empty. A handle names a
 * slot, so moving an object is copying its bytes and rewriting the slot.
 *
 * Locks, per class and per source zspage (a short stretch): the class lock
 * (no malloc/free in the class); each object is held (zs_slot_hold: no map,
 * read or write pins it) while it moves. A pinned object (mapped, being
 * read or written) is never moved; its zspage is then kept and not tried
 * again in this pass. Between stretches every lock is dropped.
 */
#include <zsmalloc.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "kernel/page.h"
#include "kernel/report.h"
#include "kernel/slab.h"
#include "obj_copy.h"
#include "pool.h"
#include "zspage.h"

/* Whole zspages' worth of unused object slots in the class. */
static unsigned long class_freeable(const struct size_class *c)
{
	return (c->obj_allocated - c->obj_used) / c->objs_per_zspage;
}

/* The emptiest zspage not tried in this pass (lowest ratio first). */
static struct zspage *pick_src(struct size_class *c)
{
	unsigned int r;
	struct zspage *zs;

	for (r = ZS_RATIO_10; r < ZS_RATIO_100; r++)
		for (zs = c->ratio_list[r]; zs; zs = zs->rnext)
			if (zs->compact_stamp != c->compact_pass)
				return zs;
	return NULL;
}

/* The fullest zspage with room, other than src (highest ratio first). */
static struct zspage *pick_dst(struct size_class *c, struct zspage *src)
{
	unsigned int r;
	struct zspage *zs;

	for (r = ZS_RATIO_99; r >= ZS_RATIO_10; r--)
		for (zs = c->ratio_list[r]; zs; zs = zs->rnext)
			if (zs != src)
				return zs;
	return NULL;
}

/*
 * Move object sidx of src into a free object of dst, page to page.
 * 1 moved, 0 pinned (left alone), -1 failed (nothing changed).
 */
static int move_object(struct zs_pool *pool, struct zspage *src,
		       unsigned int sidx, struct zspage *dst)
{
	struct size_class *class = src->class;
	unsigned int *from_handles = zspage_handles(src);
	struct zs_handle_slot *slot;
	struct zs_obj_loc from, to;
	unsigned long dobj;
	bool found;

	slot = zs_handle_slot_at(&pool->handles, from_handles[sidx]);
	ZS_BUG_ON(!slot);
	if (!zs_slot_hold(slot))
		return 0;
	dobj = zspage_pop_free(pool, dst);
	if (!dobj) {
		zs_slot_unhold(slot);
		return -1;
	}
	found = zs_obj_locate(pool, class, zspage_obj_word(pool, src, sidx),
			      &from) &&
		zs_obj_locate(pool, class, dobj, &to);
	ZS_BUG_ON(!found);
	if (!zs_obj_copy_obj(pool, &from, &to, zs_slot_size(slot),
			     zs_slot_fresh(slot))) {
		zspage_push_free(pool, dst, to.idx);
		zs_slot_unhold(slot);
		return -1;
	}
	zspage_handles(dst)[to.idx] = from_handles[sidx];
	dst->inuse++;
	zs_handle_move(&pool->handles, slot, dobj);
	zs_slot_unhold(slot);
	from_handles[sidx] = 0;
	src->inuse--;
	/* the copy above just read its page: only a corrupt head can fail */
	ZS_BUG_ON(zspage_push_free(pool, src, sidx) != 0);
	zspage_refile(pool, class, dst);
	zspage_refile(pool, class, src);
	return 1;
}

/* Give an empty zspage back; under the class lock. */
static void release_empty(struct zs_pool *pool, struct size_class *c,
			  struct zspage *zs)
{
	ZS_BUG_ON(zs->inuse != 0 || zs->fullness != ZS_EMPTY);
	c->obj_allocated -= c->objs_per_zspage;
	c->pages_used -= c->pages_per_zspage;
	zspage_release(pool, zs);
}

/*
 * One stretch: empty one source zspage into the fullest others. Returns
 * pages released (0 or pages_per_zspage), or -1 when the class is done.
 */
static long compact_step(struct zs_pool *pool, struct size_class *c)
{
	struct zspage *src, *dst = NULL;
	const unsigned int *handles;
	unsigned int i;
	long freed = 0;
	int moved;

	if (class_freeable(c) == 0)
		return -1;
	src = pick_src(c);
	if (!src)
		return -1;
	src->compact_stamp = c->compact_pass;
	handles = zspage_handles(src);
	for (i = 0; i < c->objs_per_zspage && src->inuse; i++) {
		if (!handles[i])
			continue;
		if (!dst || dst->inuse == c->objs_per_zspage)
			dst = pick_dst(c, src);
		if (!dst)
			break;
		moved = move_object(pool, src, i, dst);
		if (moved < 0)
			break;
		if (moved)
			zs_atomic_add(&pool->objs_moved, 1);
		else
			zs_atomic_add(&pool->objs_pinned, 1);
	}
	if (src->inuse == 0) {
		release_empty(pool, c, src);
		freed = c->pages_per_zspage;
	}
	return dst || freed ? freed : -1;
}

static unsigned long compact_class(struct zs_pool *pool, struct size_class *c)
{
	unsigned long freed = 0, steps = 0, limit = 0;
	unsigned int r;
	long step;

	/* one zspage alone never frees a page (an empty one is not kept) */
	if (zs_atomic_read(&c->nr_kept) < 2)
		return 0;
	zs_class_lock(pool, c);
	c->compact_pass++;
	/* each step tries a zspage of its own: bound the pass by them */
	for (r = 0; r < ZS_NR_RATIOS; r++)
		limit += c->nr_ratio[r];
	zs_mutex_unlock(&c->lock);
	while (steps++ < limit) {
		zs_class_lock(pool, c);
		step = compact_step(pool, c);
		zs_mutex_unlock(&c->lock);
		if (step < 0)
			break;
		freed += (unsigned long)step;
	}
	return freed;
}

/*
 * Move the class's descriptors out of metadata chunks being drained, so
 * that those chunks empty and go back; under the class lock, each zspage
 * with every object held (a pin reads its descriptors).
 */
static void rehome_class(struct zs_pool *pool, struct size_class *c)
{
	unsigned int n = c->objs_per_zspage;

	if (zs_atomic_read(&c->nr_kept) == 0)
		return;
	zs_class_lock(pool, c);
	for (unsigned int r = ZS_RATIO_10; r < ZS_NR_RATIOS; r++)
		for (struct zspage *zs = c->ratio_list[r]; zs; zs = zs->rnext)
			if (zspage_hold(pool, zs, 0, n)) {
				zs = zspage_rehome(pool, zs);
				zspage_unhold(pool, zs, 0, n);
			}
	zs_mutex_unlock(&c->lock);
}

unsigned long zs_compact(struct zs_pool *pool)
{
	unsigned long freed = 0, draining = 0;
	struct size_class *c;

	if (!pool) {
		zs_report("zs_compact", "no pool");
		return 0;
	}
	/* no bounce buffer: objects go page to page, so no failed allocation
	 * can stop them */
	zs_for_each_kept_class_reverse(pool, c)
		freed += compact_class(pool, c);
	/* then the pfn table: pages of sparse leaves move to low pfns (the
	 * shards' cached pfns first go back, so that they keep no leaf) */
	zs_pool_pfn_flush(pool);
	for (unsigned long pfn = ULONG_MAX;
	     (pfn = zs_pool_pfn_to_pack(pool, pfn)) != 0;)
		if (zs_pool_page_migrate(pool, pfn) == -ENOMEM)
			break;
	/* then the metadata: descriptors out of sparse chunks */
	for (unsigned int s = 0; s < pool->nr_shards; s++)
		if (zs_shard_classes(pool, s))
			draining += zs_meta_drain_begin(&pool->meta[s]);
	if (draining)
		zs_for_each_kept_class_reverse(pool, c)
			rehome_class(pool, c);
	/* a shard made meanwhile has nothing being drained: no harm */
	for (unsigned int s = 0; s < pool->nr_shards; s++)
		if (zs_shard_classes(pool, s))
			zs_meta_drain_end(&pool->meta[s]);
	zs_atomic_add(&pool->pages_compacted, freed);
	/* batched frees into the quarantine, so their chunks can go back */
	zs_handle_flush(&pool->handles);
	/* asked for memory back: the built-in provider's freed pages and the
	 * freed tables too, all but a small reserve of each, or what the
	 * trim threshold keeps when that is more (a pool made next faults
	 * none of its class tables in again) */
	if (zs_pool_builtin_pages(pool))
		zs_page_provider_trim_keep(ZS_PAGE_TRIM_KEEP);
	zs_vmap_trim_keep(zs_page_trim_threshold() > ZS_VMAP_TRIM_KEEP
				  ? zs_page_trim_threshold()
				  : ZS_VMAP_TRIM_KEEP);
	return freed;
}

void zs_pool_stats(struct zs_pool *pool, struct zs_pool_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (!pool)
		return;
	stats->pages_compacted = zs_atomic_read(&pool->pages_compacted);
	stats->objs_moved = zs_atomic_read(&pool->objs_moved);
	stats->objs_pinned = zs_atomic_read(&pool->objs_pinned);
	stats->pages_migrated = zs_atomic_read(&pool->pages_migrated);
	stats->migrate_busy = zs_atomic_read(&pool->migrate_busy);
	stats->handles_freed = zs_atomic_read(&pool->handles.frees);
	stats->handle_chunks_freed =
		zs_atomic_read(&pool->handles.chunks_freed);
}
