/* SPDX-License-Identifier: MIT */
/*
 * An object's bytes, opened to memory checkers by each of its pinners and
 * closed by the last to let go. One object may be open several times at
 * once: reads nested on one thread, a batch or a read inside a map of the
 * same object, two threads reading it. A close by one of them must not hide
 * the bytes from another, which still holds them (a false report, where
 * the kernel's contract allows the access), and once all have let go the
 * bytes must be closed again (or a stray access goes unseen).
 *
 * So an open and a "close unless others still hold it" on one object are
 * serialised by a lock picked by the object's slot: a pinner that pins
 * after a closer has counted the pins opens only after that close. A hold
 * ends with its count, close and unpin under that lock in one go: two
 * holders letting go at once would otherwise each count the other and
 * neither close. Only builds that close page bytes (ASan, memcheck) take
 * the lock; elsewhere an open is the plain one (MSan still learns what is
 * uninitialised), a close is nothing and a release only unpins.
 */
#ifndef ZS_OBJ_SHADOW_H
#define ZS_OBJ_SHADOW_H

#include <stdbool.h>
#include <stddef.h>

#include "handle.h"
#include "kernel/sanitize.h"
#include "obj_copy.h"

#if ZS_POISONS_PAGES
/* Open p[0, n) of the object pinned through slot: defined or not. */
void zs_obj_shadow_open(const struct zs_handle_slot *slot, void *p, size_t n,
			bool undefined);

/*
 * Close p[0, n) unless the slot holds more pins than the caller's own
 * (mine): another pinner still has the object open. slot NULL: a mover or
 * a free object, which nobody else holds: close. Within a hold; its end
 * is a release.
 */
void zs_obj_shadow_close(const struct zs_handle_slot *slot, const void *p,
			 size_t n, unsigned int mine);

/*
 * The end of a hold: close p[0, n) unless the slot holds more pins than
 * the caller's (mine), then drop those mine pins, taken in generation gen.
 */
void zs_obj_shadow_release(struct zs_handle_slot *slot, const void *p, size_t n,
			   unsigned int mine, unsigned int gen);

/*
 * The same for the object's whole class-size span at loc, both pages'
 * parts of a straddling one, without mapping them (their bytes are not
 * touched): the end of a hold whose copies may have left them open.
 */
void zs_obj_shadow_release_all(const struct zs_pool *pool,
			       struct zs_handle_slot *slot,
			       const struct zs_obj_loc *loc, unsigned int mine,
			       unsigned int gen);
#else
/* Without closed page bytes: the plain open, and nothing to close. */
static inline void zs_obj_shadow_open(const struct zs_handle_slot *slot,
				      void *p, size_t n, bool undefined)
{
	(void)slot;
	if (undefined)
		zs_san_open_undefined(p, n);
	else
		zs_san_open_defined(p, n);
}

static inline void zs_obj_shadow_close(const struct zs_handle_slot *slot,
				       const void *p, size_t n,
				       unsigned int mine)
{
	(void)slot;
	(void)p;
	(void)n;
	(void)mine;
}

static inline void zs_obj_shadow_release(struct zs_handle_slot *slot,
					 const void *p, size_t n,
					 unsigned int mine, unsigned int gen)
{
	(void)p;
	(void)n;
	while (mine--)
		zs_slot_unpin_live(slot, gen);
}

static inline void zs_obj_shadow_release_all(const struct zs_pool *pool,
					     struct zs_handle_slot *slot,
					     const struct zs_obj_loc *loc,
					     unsigned int mine,
					     unsigned int gen)
{
	(void)pool;
	(void)loc;
	zs_obj_shadow_release(slot, NULL, 0, mine, gen);
}
#endif

#endif /* ZS_OBJ_SHADOW_H */
