/* SPDX-License-Identifier: MIT */
/*
 * Indirect handles. A handle names a slot of the pool's handle table; the
 * slot holds the object's location word. A handle is
 *   64-bit: [tag:16][generation:16][slot:32]
 *   32-bit: [tag:4][generation:6][slot:22]
 * and is valid only if the tag is the pool's, the slot is in use and the
 * slot's generation is the handle's. Freeing bumps the generation, so a
 * stale handle is caught even after its slot was reused.
 */
#ifndef ZS_HANDLE_H
#define ZS_HANDLE_H

#include <stdatomic.h>
#include <stdbool.h>

#include "kernel/atomic.h"
#include "kernel/lock.h"
#include "radix.h"
#include "size_class.h"

#if ULONG_MAX > 0xffffffffUL
#define ZS_HANDLE_SLOT_BITS 32u
#define ZS_HANDLE_GEN_BITS  16u
#define ZS_HANDLE_TAG_BITS  16u
#else
#define ZS_HANDLE_SLOT_BITS 22u
#define ZS_HANDLE_GEN_BITS  6u
#define ZS_HANDLE_TAG_BITS  4u
#endif

struct zs_handle_slot {
	zs_atomic_ulong obj;  /* location word; 0 while free or reserved */
	atomic_uint gen;      /* generation of the handle naming it */
	atomic_uint mapcount; /* mappings held now, over all threads */
	/* Written before obj is published, read after it is loaded. */
	unsigned int size;	/* requested size */
	unsigned int class_idx; /* serving class */
	unsigned int next_free; /* free slot chain, under the table lock */
	/* Owned by whoever owns the object. */
	bool fresh; /* never written through a mapping */
};

/*
 * Freed slots wait in a FIFO and are reused only once this many are
 * waiting (or no new slot can be made), so a slot comes back only after
 * that many other frees: a generation repeats after GEN_BITS wraps times
 * that, not after 2^GEN_BITS frees of one object (64 on 32-bit builds).
 */
#define ZS_HANDLE_QUARANTINE 1024ul

struct zs_handle_table {
	struct zs_mutex lock;
	unsigned int tag;
	unsigned long nr_slots;	 /* slots ever used, slot 0 included */
	unsigned long free_head; /* oldest freed slot; 0: none */
	unsigned long free_tail; /* newest freed slot */
	unsigned long nr_free;
	unsigned long max_slots;
	struct zs_radix slots;
};

int zs_handle_table_init(struct zs_handle_table *t);
void zs_handle_table_destroy(struct zs_handle_table *t);

/* A slot for a new object (obj still 0) and its handle; 0 when full. */
unsigned long zs_handle_reserve(struct zs_handle_table *t,
				struct zs_handle_slot **slotp);
/* Publish the object's location: the handle becomes valid. */
void zs_handle_publish(struct zs_handle_slot *slot, unsigned long obj);
/*
 * Give a slot back (reserved or published), under t->lock: bumps the
 * generation so that every handle naming it goes stale.
 */
void zs_handle_release_locked(struct zs_handle_table *t, unsigned long handle,
			      struct zs_handle_slot *slot);

/*
 * The slot of a valid handle and its location word, or NULL after a report
 * saying why (op names the caller). No lock: the slot never goes away.
 */
struct zs_handle_slot *zs_handle_resolve(struct zs_handle_table *t,
					 unsigned long handle, const char *op,
					 unsigned long *objp);

unsigned long zs_handle_slot_index(unsigned long handle);
unsigned int zs_handle_gen(unsigned long handle);

#endif /* ZS_HANDLE_H */
