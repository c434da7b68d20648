/* SPDX-License-Identifier: MIT */
/*
 * Copying an object's bytes between its page(s) and a buffer, one kmap
 * window per page (the copy-based access API, page migration), or straight
 * into another object, a source and a destination page mapped at once
 * (compaction). Only the bytes copied are opened to memory checkers, and
 * each object's whole class-size span is closed again afterwards, unless
 * another pinner still holds it open (obj_shadow.h).
 */
#ifndef ZS_OBJ_COPY_H
#define ZS_OBJ_COPY_H

#include <stdbool.h>
#include <stddef.h>

#include "pool.h"

/* Where an object lives now. */
struct zs_obj_loc {
	struct zs_page *page; /* page on which the object starts */
	unsigned int idx;     /* index in its zspage */
	size_t off;	      /* offset in its first page */
	size_t obj_size;      /* the class's object size */
};

/* Fill loc from a location word of class; false when obj is not one. */
bool zs_obj_locate(struct zs_pool *pool, struct size_class *class,
		   unsigned long obj, struct zs_obj_loc *loc);

/* Does the object run onto the next page? */
static inline bool zs_obj_spans(const struct zs_pool *pool,
				const struct zs_obj_loc *loc)
{
	return loc->off + loc->obj_size > pool->geo.page_size;
}

struct zs_handle_slot;

/*
 * Copy the first len bytes of the object into buf (to_obj false) or from
 * buf into the object (to_obj true). undefined: when reading, the object
 * never held data (memory checkers see the copy as uninitialised).
 * holder: the slot through which the caller holds one pin of the object
 * (its span stays open to memory checkers while others hold it too), or
 * NULL for an object nobody else can hold (a mover's, a free one).
 * false when a kmap failed (reported by kmap_atomic), nothing copied then.
 */
bool zs_obj_copy(struct zs_pool *pool, const struct zs_handle_slot *holder,
		 const struct zs_obj_loc *loc, void *buf, size_t len,
		 bool to_obj, bool undefined);

/*
 * Copy the first len bytes of object from into object to (same class, no
 * overlap), piece by piece between page edges: up to three pieces when
 * both straddle at different offsets, each with one source and one
 * destination page mapped (unmapped in reverse order), as the kernel's
 * zs_object_copy. undefined: from never held data. Counted as one copy
 * out of pages and one into pages. false when a kmap failed (reported by
 * kmap_atomic), nothing copied then.
 */
bool zs_obj_copy_obj(struct zs_pool *pool, const struct zs_obj_loc *from,
		     const struct zs_obj_loc *to, size_t len, bool undefined);

#endif /* ZS_OBJ_COPY_H */
