/* SPDX-License-Identifier: MIT */
/*
 * The short way from a handle to its pinned object, shared by map/unmap
 * and the copy-based API: no report on any path, so that it stays short
 * enough for the processor to overlap one object's cache misses with the
 * next lookup's (bench/notes.md, "The map path's length"). Whatever it
 * refuses, the caller's checked path looks at again and reports.
 */
#ifndef ZS_PIN_FAST_H
#define ZS_PIN_FAST_H

#include "kernel/compiler.h"
#include "pool.h"
#include "zspage.h"

/*
 * The slot handle names in pool's table, not pinned: NULL for another
 * pool's tag or slot 0. The pin and the batch's early look share it.
 */
static ZS_ALWAYS_INLINE struct zs_handle_slot *
zs_slot_of_handle(struct zs_pool *pool, unsigned long handle)
{
	struct zs_handle_table *t = &pool->handles;
	unsigned long index = zs_handle_slot_index(handle);

	if (zs_handle_tag(handle) != t->tag || !index)
		return NULL;
	return zs_handle_slot_at(t, index);
}

/*
 * Pinned, each slot word read once: the object's slot (its view in v,
 * its class, page and index filled in); NULL, with nothing held, when
 * anything is off.
 */
static ZS_ALWAYS_INLINE struct zs_handle_slot *
zs_pin_fast(struct zs_pool *pool, unsigned long handle, struct zs_slot_view *v,
	    struct size_class **classp, struct zs_page **pagep,
	    unsigned int *idxp)
{
	unsigned int gen = zs_handle_gen(handle);
	struct zs_handle_slot *slot = zs_slot_of_handle(pool, handle);

	if (!slot || zs_slot_pin_live(slot, gen) != ZS_PINNED)
		return NULL;
	/* the generation again: a free racing the pin (the caller's bug) */
	if (zs_slot_view(&pool->handles, slot, v) && zs_slot_gen(slot) == gen) {
		*classp = zs_class_of(pool, v->size, v->shard);
		if (*classp &&
		    zspage_of_obj(pool, *classp, v->obj, idxp, pagep))
			return slot;
	}
	zs_slot_unpin_live(slot, gen);
	return NULL;
}

#endif /* ZS_PIN_FAST_H */
