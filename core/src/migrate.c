// SPDX-License-Identifier: MIT
/*
 * Page migration: move the contents of one page of a zspage to a fresh
 * page with a new page frame number, as the kernel does for memory
 * hot-unplug and for compaction of physical memory. Every location word
 * naming the old pfn is rewritten: the handle slots of the objects that
 * start on the page, and the free-list links naming free objects that
 * start there (the list's head is an index, which does not change). The
 * page's descriptor stays where it is, in its zspage's, with the new
 * memory and pfn; the old memory goes back to the provider and the old pfn
 * is free again.
 *
 * Locks: the pfn's class is looked up under the pfn lock, its class lock
 * taken and the lookup checked again (no page of a locked class comes or
 * goes, so its descriptors are stable); then every object touching the
 * page is held (zs_slot_hold: no map, read or write can pin it and read
 * its location, descriptor or memory). The kernel's zs_free takes a
 * pool-wide migrate lock (shared) for this; here zs_malloc and zs_free
 * take no pool-wide lock. A page with a pinned object on it (mapped, being
 * read or written, even partly) is refused with -EBUSY and left as it
 * was.
 */
#include <zsmalloc.h>

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "kernel/atomic.h"
#include "kernel/kmap.h"
#include "kernel/report.h"
#include "kernel/sanitize.h"
#include "obj_copy.h"
#include "pool.h"
#include "zspage.h"

/* Objects whose bytes touch page k of zs: [*lo, *hi). */
static void objs_on_page(const struct zs_pool *pool, const struct zspage *zs,
			 unsigned int k, unsigned int *lo, unsigned int *hi)
{
	size_t size = zs->class->size;
	size_t start = (size_t)k << pool->geo.page_shift;
	size_t end = start + pool->geo.page_size;
	size_t last = (end - 1) / size + 1;

	*lo = (unsigned int)(start / size);
	*hi = (unsigned int)(last < zs->class->objs_per_zspage
				     ? last
				     : zs->class->objs_per_zspage);
}

/* Copy the whole page, its closed bytes too, inside kmap windows. */
static bool copy_page(struct zs_pool *pool, struct zs_page *from,
		      struct zs_page *to)
{
	size_t ps = pool->geo.page_size;
	char *src = kmap_atomic(from);
	char *dst;

	if (!src)
		return false;
	dst = kmap_atomic(to);
	if (!dst) {
		kunmap_atomic(src);
		return false;
	}
	zs_san_open_defined(src, ps);
	zs_san_open_undefined(dst, ps);
	memcpy(dst, src, ps);
	zs_san_close(dst, ps);
	zs_san_close(src, ps);
	kunmap_atomic(dst);
	kunmap_atomic(src);
	return true;
}

/* The location word w, with old_pfn replaced by new_pfn. */
static unsigned long repoint(const struct zs_pool *pool, unsigned long w,
			     unsigned long old_pfn, unsigned long new_pfn)
{
	if (zs_obj_pfn(pool, w) != old_pfn)
		return w;
	return zs_obj_word(pool, new_pfn, zs_obj_index(pool, w));
}

/*
 * Rewrite the free list's words naming old_pfn; the zspage already has its
 * new page. Walks at most the zspage's object count.
 */
static void repoint_free_list(struct zs_pool *pool, struct zspage *zs,
			      unsigned long old_pfn, unsigned long new_pfn)
{
	struct size_class *class = zs->class;
	unsigned long obj, link;
	unsigned int n;

	/* the head is an index: it names no pfn */
	obj = zspage_free_head(pool, zs);
	for (n = 0; obj && n < class->objs_per_zspage; n++) {
		struct zs_obj_loc loc;
		unsigned long next;
		bool ok = zs_obj_locate(pool, class, obj, &loc);

		ZS_BUG_ON(!ok);
		ok = zs_obj_copy(pool, NULL, &loc, &link, sizeof(link), false,
				 false);
		ZS_BUG_ON(!ok);
		next = repoint(pool, link >> ZS_OBJ_TAG_BITS, old_pfn, new_pfn);
		if (next << ZS_OBJ_TAG_BITS != link) {
			link = next << ZS_OBJ_TAG_BITS;
			ok = zs_obj_copy(pool, NULL, &loc, &link, sizeof(link),
					 true, false);
			ZS_BUG_ON(!ok);
		}
		obj = next;
	}
}

/*
 * page (of zs) takes spare's memory and pfn, already a copy of its own;
 * every location word follows, and the old memory and pfn go back.
 */
static void move_page(struct zs_pool *pool, struct zspage *zs,
		      struct zs_page *page, struct zs_page *spare,
		      unsigned int lo, unsigned int hi)
{
	const unsigned int *handles = zspage_handles(zs);
	unsigned long old_pfn = page->pfn;
	unsigned int i;

	zs_pool_page_swap(pool, page, spare);
	for (i = lo; i < hi; i++) {
		struct zs_handle_slot *slot;
		unsigned long w;

		if (!handles[i])
			continue;
		slot = zs_handle_slot_at(&pool->handles, handles[i]);
		w = zs_slot_location(&pool->handles, slot);
		if (zs_obj_pfn(pool, w) == old_pfn)
			zs_handle_move(&pool->handles, slot,
				       repoint(pool, w, old_pfn, page->pfn));
	}
	repoint_free_list(pool, zs, old_pfn, page->pfn);
	zs_pool_page_put_spare(pool, spare); /* the old memory and pfn */
}

int zs_page_migrate(struct zs_pool *pool, unsigned long pfn)
{
	int ret;

	if (!pool) {
		zs_report("zs_page_migrate", "no pool (pfn %lu)", pfn);
		return -EINVAL;
	}
	ret = zs_pool_page_migrate(pool, pfn);
	if (ret == 0)
		zs_atomic_add(&pool->pages_migrated, 1);
	else if (ret == -EBUSY)
		zs_atomic_add(&pool->migrate_busy, 1);
	return ret;
}

/*
 * The serving class whose zspage holds pfn, looked up under every pfn lock
 * (a table entry is set and cleared under one of them, its class set
 * first, so it cannot go meanwhile); NULL when pfn is in no zspage.
 */
static struct size_class *pfn_class(struct zs_pool *pool, unsigned long pfn)
{
	struct size_class *class = NULL;
	struct zs_page *page;

	zs_pool_pfn_lock_all(pool);
	page = zs_pfn_to_page(pool, pfn);
	if (page)
		class = zs_class_at(pool, page->class_idx);
	zs_pool_pfn_unlock_all(pool);
	return class;
}

static atomic_uint recheck_fail; /* injected re-check failures left */

void zs_migrate_fail_recheck_next(unsigned int n)
{
	atomic_store(&recheck_fail, n);
}

/*
 * Lock the class of pfn's zspage: its class lock, then a second look that
 * the page is still that class's (it may have been freed, and the pfn
 * given to another class, between the look and the lock). With the class
 * lock held, no page of the class comes or goes, and a zspage being made
 * is done. 0 with *classp locked; -ENOENT when pfn is in no zspage;
 * -EBUSY (nothing held) when it keeps changing hands.
 */
static int lock_pfn_class(struct zs_pool *pool, unsigned long pfn,
			  struct size_class **classp)
{
	for (int tries = 0; tries < ZS_MIGRATE_LOOKUPS; tries++) {
		struct size_class *class = pfn_class(pool, pfn);

		if (!class)
			return -ENOENT;
		zs_class_lock(pool, class);
		if (pfn_class(pool, pfn) == class &&
		    !zs_take_injected_failure(&recheck_fail)) {
			*classp = class;
			return 0;
		}
		zs_mutex_unlock(&class->lock);
	}
	return -EBUSY;
}

int zs_pool_page_migrate(struct zs_pool *pool, unsigned long pfn)
{
	struct size_class *class;
	struct zs_page *page, spare = {0};
	struct zspage *zs;
	unsigned int lo, hi;
	int ret = 0;

	ret = lock_pfn_class(pool, pfn, &class);
	if (ret)
		return ret;
	page = zs_pfn_to_page(pool, pfn);
	ZS_BUG_ON(!page || !page->mem);
	zs = zs_page_zspage(page);
	ZS_BUG_ON(zs->class != class);
	/* the copy and repoint_free_list read the links in page memory */
	zspage_store_link(pool, class);
	objs_on_page(pool, zs, page->index, &lo, &hi);
	if (!zspage_hold(pool, zs, lo, hi)) {
		ret = -EBUSY;
		goto out;
	}
	spare.index = page->index;
	if (zs_pool_page_take_spare(pool, &spare, class->index) != 0) {
		ret = -ENOMEM;
	} else if (!copy_page(pool, page, &spare)) {
		zs_pool_page_put_spare(pool, &spare);
		ret = -ENOMEM;
	} else {
		move_page(pool, zs, page, &spare, lo, hi);
	}
	zspage_unhold(pool, zs, lo, hi);
out:
	zs_mutex_unlock(&class->lock);
	return ret;
}

unsigned long zs_handle_pfn(struct zs_pool *pool, unsigned long handle)
{
	struct zs_handle_slot *slot;
	struct size_class *class;
	unsigned long obj;

	if (!pool) {
		zs_report("zs_handle_pfn", "no pool (handle %#lx)", handle);
		return 0;
	}
	slot = zs_handle_resolve(&pool->handles, handle, "zs_handle_pfn", &obj);
	if (!slot)
		return 0;
	class = zs_slot_class(pool, slot);
	if (!class) {
		zs_report("zs_handle_pfn", "handle %#lx: size %u is corrupt",
			  handle, zs_slot_size(slot));
		return 0;
	}
	/* where it is now: a mover may change that the next moment */
	obj = zs_slot_obj_guarded(pool, slot, handle);
	return zs_obj_pfn(pool, obj);
}
