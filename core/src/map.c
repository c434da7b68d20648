// SPDX-License-Identifier: MIT
/*
 * zs_map_object()/zs_unmap_object(). An object inside one page is handed
 * out straight from kmap_atomic() and the page stays kmapped until unmap;
 * an object across two pages is copied into the thread's mapping area
 * (not for WO) and back on unmap (not for RO). Only the object's own bytes
 * are opened to memory checkers, and only while it is mapped.
 */
#include <zsmalloc.h>

#include <string.h>

#include "access_count.h"
#include "kernel/compiler.h"
#include "kernel/kmap.h"
#include "kernel/percpu.h"
#include "kernel/report.h"
#include "kernel/sanitize.h"
#include "obj_copy.h"
#include "obj_shadow.h"
#include "pin_fast.h"
#include "pool.h"
#include "zspage.h"

/* Round up to ASan's granule: the area is closed in whole granules. */
static size_t granules(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/*
 * Copy a spanning object between its two pages and buf; its page bytes
 * stay open only while another pinner than slot's holds them open.
 */
static bool copy_spanning(struct zs_cpu_area *a,
			  const struct zs_handle_slot *slot, size_t obj_size,
			  size_t page_size, bool to_pages, bool undefined)
{
	size_t first = page_size - a->off; /* object bytes on the 1st page */
	size_t n1 = a->len < first ? a->len : first;
	size_t n2 = a->len - n1;
	char *p1, *p2;

	p1 = kmap_atomic(a->page);
	if (!p1)
		return false;
	p2 = kmap_atomic(zs_page_next(a->page));
	if (!p2) {
		kunmap_atomic(p1);
		return false;
	}
	undefined = undefined || to_pages;
	zs_obj_shadow_open(slot, p1 + a->off, n1, undefined);
	if (to_pages)
		memcpy(p1 + a->off, a->buf, n1);
	else
		memcpy(a->buf, p1 + a->off, n1);
	if (n2) {
		zs_obj_shadow_open(slot, p2, n2, undefined);
		if (to_pages)
			memcpy(p2, a->buf + n1, n2);
		else
			memcpy(a->buf + n1, p2, n2);
	}
	zs_obj_shadow_close(slot, p1 + a->off, first, 1);
	zs_obj_shadow_close(slot, p2, obj_size - first, 1);
	kunmap_atomic(p2);
	kunmap_atomic(p1);
	zs_count_copy(to_pages, a->len);
	return true;
}

/*
 * Open a pinned object for the caller: in place when it lies within one
 * page, else through the thread's area. NULL (unpinned again) when a
 * kmap fails, which kmap_atomic reports.
 */
static ZS_ALWAYS_INLINE void *
map_pinned(struct zs_pool *pool, struct zs_cpu_area *a, unsigned long handle,
	   enum zs_mapmode mm, struct zs_handle_slot *slot,
	   struct size_class *class, struct zs_page *page, unsigned int idx,
	   const struct zs_slot_view *v)
{
	size_t off = zs_obj_offset(pool, class, idx);
	bool undefined = v->fresh || mm == ZS_MM_WO;

	a->handle = handle;
	a->mm = mm;
	a->page = page;
	a->off = off;
	a->len = v->size;
	a->spans = off + class->size > pool->geo.page_size;
	if (!a->spans) {
		a->kaddr = kmap_atomic(page);
		if (!a->kaddr)
			goto fail;
		a->user = (char *)a->kaddr + off;
		zs_obj_shadow_open(slot, a->user, a->len, undefined);
	} else {
		if (mm == ZS_MM_WO) {
			zs_san_open_undefined(a->buf, a->len);
		} else {
			zs_san_open_defined(a->buf, a->len);
			if (!copy_spanning(a, slot, class->size,
					   pool->geo.page_size, false,
					   undefined)) {
				zs_san_close(a->buf, granules(a->len));
				goto fail;
			}
		}
		a->kaddr = NULL;
		a->user = a->buf;
	}
	a->slot = slot;
	a->obj_size = class->size;
	a->pool = pool;
	return a->user;
fail:
	/* another holder that let go meanwhile counted this pin */
	zs_obj_shadow_release_all(pool, slot,
				  &(struct zs_obj_loc){.page = page,
						       .off = off,
						       .obj_size = class->size},
				  1, zs_handle_gen(handle));
	return NULL;
}

/* Every check in turn, each failure reported with what it found. */
static ZS_COLD void *map_checked(struct zs_pool *pool, unsigned long handle,
				 enum zs_mapmode mm)
{
	struct zs_handle_slot *slot;
	struct zs_cpu_area *a;
	struct size_class *class;
	struct zs_slot_view v = {0};
	struct zs_page *page;
	unsigned long obj;
	unsigned int idx;

	if (!pool) {
		zs_report("zs_map_object", "no pool (handle %#lx)", handle);
		return NULL;
	}
	if (mm != ZS_MM_RW && mm != ZS_MM_RO && mm != ZS_MM_WO) {
		zs_report("zs_map_object", "handle %#lx: bad mode %d", handle,
			  (int)mm);
		return NULL;
	}
	a = zs_cpu_area_get();
	if (!a)
		return NULL; /* the thread could not come up: no memory */
	if (a->pool) {
		zs_report("zs_map_object",
			  "handle %#lx mapped while this thread still maps "
			  "handle %#lx",
			  handle, a->handle);
		return NULL;
	}
	slot = zs_handle_resolve(&pool->handles, handle, "zs_map_object", &obj);
	if (!slot)
		return NULL;
	class = zs_slot_class(pool, slot);
	if (!class) {
		zs_report("zs_map_object",
			  "handle %#lx: location %#lx is not its object "
			  "(size %u is corrupt)",
			  handle, obj, zs_slot_size(slot));
		return NULL;
	}
	/* pinned first: no mover changes the location or its page now */
	switch (zs_slot_pin_live(slot, zs_handle_gen(handle))) {
	case ZS_PINNED:
		break;
	case ZS_PIN_LIMIT:
		zs_report("zs_map_object", "handle %#lx is pinned %u times",
			  handle, ZS_SLOT_MAP_LIMIT);
		return NULL;
	case ZS_PIN_STALE:
		zs_report("zs_map_object", "handle %#lx was freed concurrently",
			  handle);
		return NULL;
	}
	/* one read of the slot, then its generation again (a racing free) */
	obj = 0;
	if (zs_slot_view(&pool->handles, slot, &v) &&
	    zs_slot_gen(slot) == zs_handle_gen(handle))
		obj = v.obj;
	if (!obj || !zspage_of_obj(pool, class, obj, &idx, &page)) {
		zs_slot_unpin_live(slot, zs_handle_gen(handle));
		zs_report("zs_map_object",
			  "handle %#lx: location %#lx is not its object",
			  handle, obj);
		return NULL;
	}
	return map_pinned(pool, a, handle, mm, slot, class, page, idx, &v);
}

void *zs_map_object(struct zs_pool *pool, unsigned long handle,
		    enum zs_mapmode mm)
{
	struct zs_cpu_area *a = zs_cpu_area_this();
	struct zs_handle_slot *slot;
	struct size_class *class;
	struct zs_slot_view v;
	struct zs_page *page;
	unsigned int idx;

	if (pool && a && !a->pool &&
	    (mm == ZS_MM_RO || mm == ZS_MM_WO || mm == ZS_MM_RW)) {
		slot = zs_pin_fast(pool, handle, &v, &class, &page, &idx);
		if (slot)
			return map_pinned(pool, a, handle, mm, slot, class,
					  page, idx, &v);
	}
	return map_checked(pool, handle, mm);
}

void zs_unmap_object(struct zs_pool *pool, unsigned long handle)
{
	struct zs_cpu_area *a = zs_cpu_area_this();
	struct zs_handle_slot *slot;
	struct zs_obj_loc loc;

	if (!a || !a->pool) {
		zs_report("zs_unmap_object",
			  "handle %#lx: this thread maps nothing", handle);
		return;
	}
	if (a->pool != pool || a->handle != handle) {
		zs_report("zs_unmap_object",
			  "handle %#lx is not the one this thread maps (%#lx)",
			  handle, a->handle);
		return;
	}
	if (!a->spans) {
		/* the address kmap_atomic gave, not the object's (seed bug) */
		if (!kunmap_atomic(a->kaddr))
			return;
	} else {
		if (a->mm != ZS_MM_RO &&
		    !copy_spanning(a, a->slot, a->obj_size, pool->geo.page_size,
				   true, false))
			return;
		zs_san_close(a->buf, granules(a->len));
	}
	slot = a->slot;
	if (a->mm != ZS_MM_RO)
		zs_slot_set_written(slot);
	if (!a->spans) {
		zs_obj_shadow_release(slot, a->user, a->obj_size, 1,
				      zs_handle_gen(handle));
	} else {
		/* a copy by another pinner meanwhile may have left them open */
		loc = (struct zs_obj_loc){.page = a->page,
					  .off = a->off,
					  .obj_size = a->obj_size};
		zs_obj_shadow_release_all(pool, slot, &loc, 1,
					  zs_handle_gen(handle));
	}
	a->pool = NULL;
	a->slot = NULL;
	a->user = NULL;
	a->kaddr = NULL;
}
