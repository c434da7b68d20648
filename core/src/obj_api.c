// SPDX-License-Identifier: MIT
/*
 * The copy-based access API of the 2025 kernel, beside map/unmap:
 *
 * zs_obj_read_begin() returns a pointer into the page for an object inside
 * one page (the page stays kmapped until zs_obj_read_end()), or copies an
 * object that straddles two pages into the caller's local_copy and returns
 * that. Either way the object is pinned (its mapcount held) until
 * zs_obj_read_end(), so it cannot be freed or moved meanwhile.
 * zs_obj_write() copies bytes in, straddling or not, pinned only while it
 * copies.
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
 * Resolve handle to its slot and class, pin the object (so that no mover
 * touches it) and find where it is now; or NULL, nothing held, after a
 * report. The caller unpins. With own given, an object pinned to the limit
 * is found without a pin of ours (*own false): those pins hold it still.
 */
static struct zs_handle_slot *obj_pin(struct zs_pool *pool,
				      unsigned long handle, const char *op,
				      struct zs_obj_loc *loc, bool *own)
{
	struct zs_handle_slot *slot;
	struct size_class *class;
	bool pinned = false;
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
	switch (zs_slot_pin_live(slot, zs_handle_gen(handle))) {
	case ZS_PINNED:
		pinned = true;
		break;
	case ZS_PIN_LIMIT:
		if (own)
			break;
		zs_report(op, "handle %#lx is pinned %u times", handle,
			  ZS_SLOT_MAP_LIMIT);
		return NULL;
	case ZS_PIN_STALE:
		zs_report(op, "handle %#lx was freed concurrently", handle);
		return NULL;
	}
	obj = zs_slot_obj_guarded(pool, slot, handle);
	if (!obj || !zs_obj_locate(pool, class, obj, loc)) {
		if (pinned)
			zs_slot_unpin_live(slot, zs_handle_gen(handle));
		zs_report(op, "handle %#lx: location %#lx is not its object",
			  handle, obj);
		return NULL;
	}
	if (own)
		*own = pinned;
	return slot;
}

void *zs_obj_read_begin(struct zs_pool *pool, unsigned long handle,
			void *local_copy)
{
	struct zs_handle_slot *slot;
	struct zs_obj_loc loc;
	char *base, *p;

	slot = obj_pin(pool, handle, "zs_obj_read_begin", &loc, NULL);
	if (!slot)
		return NULL;
	p = NULL;
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
	if (!p)
		zs_slot_unpin_live(slot, zs_handle_gen(handle));
	return p; /* pinned until zs_obj_read_end */
}

void zs_obj_read_end(struct zs_pool *pool, unsigned long handle,
		     void *handle_mem)
{
	struct zs_handle_slot *slot;
	struct zs_obj_loc loc;
	char *p = handle_mem;
	bool own;

	/* a pin of its own, so that the checks below see the object held
	 * still even when no read was begun */
	slot = obj_pin(pool, handle, "zs_obj_read_end", &loc, &own);
	if (!slot)
		return;
	if (zs_slot_mapcount(slot) < (own ? 2u : 1u)) {
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
	zs_slot_unpin_live(slot, zs_handle_gen(handle)); /* the read's */
out:
	if (own)
		zs_slot_unpin_live(slot, zs_handle_gen(handle));
}

void zs_obj_write(struct zs_pool *pool, unsigned long handle,
		  const void *handle_mem, size_t mem_len)
{
	struct zs_handle_slot *slot;
	struct zs_obj_loc loc;

	if (mem_len && !handle_mem) {
		zs_report("zs_obj_write", "handle %#lx: no buffer", handle);
		return;
	}
	slot = obj_pin(pool, handle, "zs_obj_write", &loc, NULL);
	if (!slot)
		return;
	if (mem_len > zs_slot_size(slot))
		zs_report("zs_obj_write",
			  "handle %#lx: %zu bytes do not fit its %u", handle,
			  mem_len, zs_slot_size(slot));
	else if (zs_obj_copy(pool, &loc, (void *)handle_mem, mem_len, true,
			     false))
		zs_slot_set_written(slot);
	zs_slot_unpin_live(slot, zs_handle_gen(handle));
}
