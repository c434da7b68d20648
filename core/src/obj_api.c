// SPDX-License-Identifier: MIT
/*
 * The copy-based access API of the 2025 kernel, beside map/unmap:
 *
 * zs_obj_read_begin() returns a pointer into the page for an object inside
 * one page (the page stays kmapped until zs_obj_read_end()), or copies an
 * object that straddles two pages into the caller's local_copy and returns
 * that. Either way the object is pinned (its mapcount held) until
 * zs_obj_read_end(), so it cannot be freed or moved meanwhile.
 * zs_obj_write() copies bytes in, straddling or not, and holds nothing.
 *
 * Unlike zs_map_object() these use no per-thread area: reads may nest
 * (kmap order is LIFO, as kmap_local in the kernel) and may be mixed with
 * one map/unmap on the same thread.
 */
#include <zsmalloc.h>

#include "kernel/kmap.h"
#include "kernel/report.h"
#include "kernel/sanitize.h"
#include "obj_copy.h"
#include "pool.h"

/*
 * Resolve handle to its slot, class and current location, and take the
 * class's migration guard shared (the caller drops it); or NULL, nothing
 * held, after a report.
 */
static struct zs_handle_slot *obj_resolve(struct zs_pool *pool,
					  unsigned long handle, const char *op,
					  struct size_class **classp,
					  struct zs_obj_loc *loc)
{
	struct zs_handle_slot *slot;
	struct size_class *class;
	unsigned long obj;

	if (!pool) {
		zs_report(op, "no pool (handle %#lx)", handle);
		return NULL;
	}
	slot = zs_handle_resolve(&pool->handles, handle, op, &obj);
	if (!slot)
		return NULL;
	class = zs_slot_class(pool, slot);
	if (!class) {
		zs_report(op,
			  "handle %#lx: location %#lx is not its object "
			  "(size %u is corrupt)",
			  handle, obj, zs_slot_size(slot));
		return NULL;
	}
	zs_read_lock(&class->migrate_lock);
	obj = zs_slot_obj_guarded(pool, slot, handle);
	if (!obj || !zs_obj_locate(pool, class, obj, loc)) {
		zs_read_unlock(&class->migrate_lock);
		zs_report(op, "handle %#lx: location %#lx is not its object",
			  handle, obj);
		return NULL;
	}
	*classp = class;
	return slot;
}

void *zs_obj_read_begin(struct zs_pool *pool, unsigned long handle,
			void *local_copy)
{
	struct zs_handle_slot *slot;
	struct size_class *class;
	struct zs_obj_loc loc;
	char *base, *p;

	slot = obj_resolve(pool, handle, "zs_obj_read_begin", &class, &loc);
	if (!slot)
		return NULL;
	p = NULL;
	if (zs_slot_mapcount(slot) == ZS_SLOT_MAP_MASK) {
		zs_report("zs_obj_read_begin", "handle %#lx is pinned %u times",
			  handle, ZS_SLOT_MAP_MASK);
		zs_read_unlock(&class->migrate_lock);
		return NULL;
	}
	if (zs_obj_spans(pool, &loc)) {
		if (!local_copy)
			zs_report("zs_obj_read_begin",
				  "handle %#lx straddles two pages and no "
				  "local copy buffer was given",
				  handle);
		else if (zs_obj_copy(pool, &loc, local_copy, zs_slot_size(slot),
				     false, zs_slot_fresh(slot)))
			p = local_copy;
	} else {
		base = kmap_atomic(loc.page);
		if (base) {
			p = base + loc.off;
			if (zs_slot_fresh(slot))
				zs_san_open_undefined(p, zs_slot_size(slot));
			else
				zs_san_open_defined(p, zs_slot_size(slot));
		}
	}
	if (p && !zs_slot_pin(slot)) {
		/* another thread pinned it to the limit meanwhile */
		zs_report("zs_obj_read_begin", "handle %#lx is pinned %u times",
			  handle, ZS_SLOT_MAP_MASK);
		if (!zs_obj_spans(pool, &loc)) {
			zs_san_close(p, loc.obj_size);
			kunmap_atomic(p - loc.off);
		}
		p = NULL;
	}
	zs_read_unlock(&class->migrate_lock);
	return p;
}

void zs_obj_read_end(struct zs_pool *pool, unsigned long handle,
		     void *handle_mem)
{
	struct zs_handle_slot *slot;
	struct size_class *class;
	struct zs_obj_loc loc;
	char *p = handle_mem;

	slot = obj_resolve(pool, handle, "zs_obj_read_end", &class, &loc);
	if (!slot)
		return;
	if (zs_slot_mapcount(slot) == 0) {
		zs_report("zs_obj_read_end",
			  "handle %#lx: no read of it was begun", handle);
		goto out;
	}
	if (!zs_obj_spans(pool, &loc)) {
		char *base = loc.page->mem;

		if (p != base + loc.off) {
			zs_report("zs_obj_read_end",
				  "handle %#lx: %p is not what "
				  "zs_obj_read_begin returned (%p)",
				  handle, handle_mem, (void *)(base + loc.off));
			goto out;
		}
		/* the address kmap_atomic gave, not the object's */
		if (!kunmap_atomic(base))
			goto out;
		zs_san_close(p, loc.obj_size);
	} else if (!p) {
		zs_report("zs_obj_read_end", "handle %#lx: no buffer", handle);
		goto out;
	}
	zs_slot_unpin(slot);
out:
	zs_read_unlock(&class->migrate_lock);
}

void zs_obj_write(struct zs_pool *pool, unsigned long handle,
		  const void *handle_mem, size_t mem_len)
{
	struct zs_handle_slot *slot;
	struct size_class *class;
	struct zs_obj_loc loc;

	if (mem_len && !handle_mem) {
		zs_report("zs_obj_write", "handle %#lx: no buffer", handle);
		return;
	}
	slot = obj_resolve(pool, handle, "zs_obj_write", &class, &loc);
	if (!slot)
		return;
	if (mem_len > zs_slot_size(slot))
		zs_report("zs_obj_write",
			  "handle %#lx: %zu bytes do not fit its %u", handle,
			  mem_len, zs_slot_size(slot));
	else if (zs_obj_copy(pool, &loc, (void *)handle_mem, mem_len, true,
			     false))
		zs_slot_set_written(slot);
	zs_read_unlock(&class->migrate_lock);
}
