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
#include <stddef.h>
#include <stdint.h>

#include "kernel/atomic.h"
#include "kernel/compiler.h"
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

/*
 * ZS_HANDLE_WRAP_TEST (the zsmalloc_wrap library: tests and fuzzing only)
 * keeps 3 of the generation bits and a quarantine of 4, so that a slot's
 * generation wraps after 8 reuses, within one fuzz input, on 32- and
 * 64-bit builds alike.
 */
#ifdef ZS_HANDLE_WRAP_TEST
#undef ZS_HANDLE_GEN_BITS
#define ZS_HANDLE_GEN_BITS 3u
/* the tag takes the bits given up, so every bit of a handle is checked */
#undef ZS_HANDLE_TAG_BITS
#define ZS_HANDLE_TAG_BITS                                                     \
	((unsigned int)sizeof(unsigned long) * 8u - ZS_HANDLE_SLOT_BITS -      \
	 ZS_HANDLE_GEN_BITS)
#endif

/*
 * A slot lives in its chunk as parallel words, so that no padding is paid:
 *   64-bit, 12 bytes: word [location:45][size-1:16][fresh:1] (packed
 *     below) and pin [generation:16][mapcount:16];
 *   32-bit, 12 bytes: word (the location), pin, and info [fresh:1][size:17].
 * While a slot is ready for reuse its word is 0 and the low half of pin
 * holds the next ready slot of its chunk (index in the chunk + 1; 0 ends).
 * The class is not kept: it follows from the size.
 *
 * A struct zs_handle_slot pointer is a reference, never dereferenced: its
 * chunk's address (page aligned) plus its index in the chunk.
 */
struct zs_handle_slot;

#if ULONG_MAX > 0xffffffffUL
#define ZS_SLOT_PACKED 1
#else
#define ZS_SLOT_PACKED 0
#endif

#define ZS_SLOT_MAP_MASK  0xffffu
#define ZS_SLOT_GEN_SHIFT 16u
/*
 * The count field's top value means a mover holds the slot (it is
 * copying the object or rewriting what leads to it), so the most pins
 * one object can have is one less.
 */
#define ZS_SLOT_MOVING	  0xffffu
#define ZS_SLOT_MAP_LIMIT 0xfffeu

#if ZS_SLOT_PACKED
/* A location packs into 45 bits: a high part and an index (see init). */
#define ZS_SLOT_LOC_BITS    45u
#define ZS_SLOT_LOC_SHIFT   19u
#define ZS_SLOT_SIZE_SHIFT  1u
#define ZS_SLOT_SIZE_BITS   16u /* size - 1: sizes 1..65536 */
#define ZS_SLOT_SHARD_SHIFT 17u /* the class shard, below the location */
#define ZS_SLOT_FRESH	    1ul
#define ZS_SLOT_BYTES	    (sizeof(zs_atomic_ulong) + sizeof(atomic_uint))
#else
#define ZS_SLOT_SIZE_MASK   ((1u << 17) - 1)
#define ZS_SLOT_FRESH	    (1u << 17)
#define ZS_SLOT_SHARD_SHIFT 18u
#define ZS_SLOT_BYTES	    (sizeof(zs_atomic_ulong) + 2 * sizeof(atomic_uint))
#endif
#define ZS_SLOT_SHARD_BITS 2u /* class shards: up to 4 */

/* Slots per chunk: a chunk is a leaf of the radix table. */
#define ZS_HANDLE_CHUNK_SLOTS ZS_RADIX_FANOUT

static inline uintptr_t zs_slot_chunk(const struct zs_handle_slot *s)
{
	return (uintptr_t)s & ~(uintptr_t)(ZS_HANDLE_CHUNK_SLOTS - 1);
}

static inline size_t zs_slot_nr(const struct zs_handle_slot *s)
{
	return (uintptr_t)s & (ZS_HANDLE_CHUNK_SLOTS - 1);
}

/* The reference to slot i of the chunk at leaf. */
static inline struct zs_handle_slot *zs_slot_ref(void *leaf, size_t i)
{
	return (struct zs_handle_slot *)((char *)leaf + i);
}

static inline zs_atomic_ulong *zs_slot_word(const struct zs_handle_slot *s)
{
	return (zs_atomic_ulong *)zs_slot_chunk(s) + zs_slot_nr(s);
}

static inline atomic_uint *zs_slot_pin_word(const struct zs_handle_slot *s)
{
	return (atomic_uint *)(zs_slot_chunk(s) +
			       ZS_HANDLE_CHUNK_SLOTS *
				       sizeof(zs_atomic_ulong)) +
	       zs_slot_nr(s);
}

#if !ZS_SLOT_PACKED
static inline atomic_uint *zs_slot_info_word(const struct zs_handle_slot *s)
{
	return zs_slot_pin_word(s) + ZS_HANDLE_CHUNK_SLOTS;
}
#endif

static inline unsigned int zs_slot_gen(const struct zs_handle_slot *s)
{
	return atomic_load(zs_slot_pin_word(s)) >> ZS_SLOT_GEN_SHIFT;
}

/* Pins of a live slot (a ready one keeps its link there). */
static inline unsigned int zs_slot_mapcount(const struct zs_handle_slot *s)
{
	return atomic_load(zs_slot_pin_word(s)) & ZS_SLOT_MAP_MASK;
}

/*
 * Pin once more, where no mover can hold the slot (zbud): false (nothing
 * changed) when the count is at its limit.
 */
static inline bool zs_slot_pin(struct zs_handle_slot *s)
{
	atomic_uint *pin = zs_slot_pin_word(s);
	unsigned int v = atomic_load(pin);

	do {
		if ((v & ZS_SLOT_MAP_MASK) >= ZS_SLOT_MAP_LIMIT)
			return false;
	} while (!atomic_compare_exchange_weak(pin, &v, v + 1));
	return true;
}

enum zs_pin_result {
	ZS_PINNED,
	ZS_PIN_STALE, /* the slot's generation is not gen: freed */
	ZS_PIN_LIMIT, /* pinned ZS_SLOT_MAP_LIMIT times already */
};

/* Let a mover run; and, for tests, how many times pins have waited. */
void zs_slot_wait_mover(void);
unsigned long zs_slot_mover_waits(void);

/*
 * Pin the object of a handle of generation gen before its location is
 * read: while pinned, no mover touches it or what leads to it (slot,
 * page descriptors, zspage descriptor, page memory). Waits while a mover
 * holds it; the mover's release pairs with this acquire, so the location
 * and bytes read next are the moved ones.
 */
static inline enum zs_pin_result zs_slot_pin_live(struct zs_handle_slot *s,
						  unsigned int gen)
{
	atomic_uint *pin = zs_slot_pin_word(s);
	unsigned int v = atomic_load(pin);

	for (;;) {
		if (v >> ZS_SLOT_GEN_SHIFT != gen)
			return ZS_PIN_STALE;
		if ((v & ZS_SLOT_MAP_MASK) == ZS_SLOT_MOVING) {
			zs_slot_wait_mover();
			v = atomic_load(pin);
			continue;
		}
		if ((v & ZS_SLOT_MAP_MASK) == ZS_SLOT_MAP_LIMIT)
			return ZS_PIN_LIMIT;
		if (atomic_compare_exchange_weak(pin, &v, v + 1))
			return ZS_PINNED;
	}
}

/*
 * A mover takes a live object, under its class lock (so it is not freed
 * meanwhile): false when it is pinned. Held, it cannot be pinned until
 * zs_slot_unhold.
 */
static inline bool zs_slot_hold(struct zs_handle_slot *s)
{
	atomic_uint *pin = zs_slot_pin_word(s);
	unsigned int v = atomic_load(pin);

	if (v & ZS_SLOT_MAP_MASK)
		return false;
	return atomic_compare_exchange_strong(pin, &v, v | ZS_SLOT_MOVING);
}

/* The mover is done: its writes before this are seen by the next pin. */
static inline void zs_slot_unhold(struct zs_handle_slot *s)
{
	atomic_uint *pin = zs_slot_pin_word(s);

	atomic_store_explicit(pin,
			      atomic_load_explicit(pin, memory_order_relaxed) &
				      ~ZS_SLOT_MAP_MASK,
			      memory_order_release);
}

/*
 * seq_cst: a mover that sees the count drop also sees the bytes. Returns
 * the count before.
 */
static inline unsigned int zs_slot_unpin(struct zs_handle_slot *s)
{
	return atomic_fetch_sub(zs_slot_pin_word(s), 1) & ZS_SLOT_MAP_MASK;
}

/*
 * Drop a pin taken with zs_slot_pin_live(s, gen). When the slot has moved
 * to another generation meanwhile (a free that raced the pin: the
 * caller's bug), the free already zeroed the count and there is nothing
 * to drop: a plain decrement would borrow from the generation and bring
 * the old one back. seq_cst, as zs_slot_unpin.
 */
static inline void zs_slot_unpin_live(struct zs_handle_slot *s,
				      unsigned int gen)
{
	atomic_uint *pin = zs_slot_pin_word(s);
	unsigned int v = atomic_load(pin);

	do {
		if (v >> ZS_SLOT_GEN_SHIFT != gen ||
		    (v & ZS_SLOT_MAP_MASK) == 0 ||
		    (v & ZS_SLOT_MAP_MASK) == ZS_SLOT_MOVING)
			return;
	} while (!atomic_compare_exchange_weak(pin, &v, v - 1));
}

/*
 * The bits that say size - 1 (or size), the class shard and the fresh
 * flag: the slot word itself on 64-bit builds, the info word beside it on
 * 32-bit ones. Each zs_slot_* below reads them anew; zs_slot_view decodes
 * one read.
 */
#if ZS_SLOT_PACKED
typedef unsigned long zs_slot_bits;

static inline zs_slot_bits zs_slot_bits_read(const struct zs_handle_slot *s)
{
	return zs_atomic_read(zs_slot_word(s));
}

/* 0 for a slot that names no object. */
static inline unsigned int zs_slot_bits_size(zs_slot_bits w)
{
	return w ? (unsigned int)((w >> ZS_SLOT_SIZE_SHIFT) &
				  ((1ul << ZS_SLOT_SIZE_BITS) - 1)) +
			       1
		 : 0;
}
#else
typedef unsigned int zs_slot_bits;

static inline zs_slot_bits zs_slot_bits_read(const struct zs_handle_slot *s)
{
	return atomic_load_explicit(zs_slot_info_word(s), memory_order_relaxed);
}

static inline unsigned int zs_slot_bits_size(zs_slot_bits w)
{
	return w & ZS_SLOT_SIZE_MASK;
}
#endif

static inline unsigned int zs_slot_bits_shard(zs_slot_bits w)
{
	return (unsigned int)(w >> ZS_SLOT_SHARD_SHIFT) &
	       ((1u << ZS_SLOT_SHARD_BITS) - 1);
}

static inline bool zs_slot_bits_fresh(zs_slot_bits w)
{
	return w & ZS_SLOT_FRESH;
}

static inline unsigned int zs_slot_size(const struct zs_handle_slot *s)
{
	return zs_slot_bits_size(zs_slot_bits_read(s));
}

/* The class shard of a live slot's object (0 for a zbud pool's). */
static inline unsigned int zs_slot_shard(const struct zs_handle_slot *s)
{
	return zs_slot_bits_shard(zs_slot_bits_read(s));
}

static inline bool zs_slot_fresh(const struct zs_handle_slot *s)
{
	return zs_slot_bits_fresh(zs_slot_bits_read(s));
}

/*
 * Written through a mapping or zs_obj_write: no longer fresh. Only while
 * the object cannot move (pinned).
 */
static inline void zs_slot_set_written(struct zs_handle_slot *s)
{
#if ZS_SLOT_PACKED
	atomic_fetch_and_explicit(zs_slot_word(s), ~ZS_SLOT_FRESH,
				  memory_order_relaxed);
#else
	atomic_fetch_and_explicit(zs_slot_info_word(s), ~ZS_SLOT_FRESH,
				  memory_order_relaxed);
#endif
}

/*
 * Freed slots wait in a FIFO (a ring) and are reused only once this many
 * are waiting (or no new slot can be made), so a slot comes back only
 * after that many other frees: a generation repeats after GEN_BITS wraps
 * times that, not after 2^GEN_BITS frees of one object (64 on 32-bit
 * builds).
 */
#ifdef ZS_HANDLE_WRAP_TEST
#define ZS_HANDLE_QUARANTINE 4ul
#else
#define ZS_HANDLE_QUARANTINE 1024ul
#endif

/*
 * zs_free queues retired slots through a batch per thread (a shard of the
 * table, picked by a thread number), so the table lock is taken once per
 * ZS_HANDLE_BATCH frees: with two threads freeing, that lock was found
 * taken on one acquisition in seven. A slot thus enters the quarantine
 * up to a batch after its free. The ZS_HANDLE_WRAP_TEST build keeps a
 * batch of 1, so its 4-slot quarantine is exercised exactly.
 */
#ifdef ZS_HANDLE_WRAP_TEST
#define ZS_HANDLE_BATCH 1u
#else
#define ZS_HANDLE_BATCH 32u
#endif
#define ZS_HANDLE_SHARDS 8u

/*
 * zs_malloc takes its slots the same way: a shard holds up to a batch of
 * ready slots taken off the table under one lock acquisition (word 0,
 * mapcount 0, generation never issued: as a reserved slot), and hands
 * them out under the shard's lock alone. zs_handle_flush gives them back.
 */
struct zs_handle_shard {
	/* taken before the table's; each shard on lines of its own */
	_Alignas(ZS_CACHE_LINE) struct zs_mutex lock;
	unsigned int n;
	unsigned int retired[ZS_HANDLE_BATCH]; /* slot indices, oldest first */
	/* taken ahead: ahead[next..n_ahead) are still to hand out */
	unsigned int next, n_ahead;
	unsigned int ahead[ZS_HANDLE_BATCH];
};

/*
 * What the table keeps about each chunk, made or given back. A chunk whose
 * slots are all ready for reuse (none live, none quarantined) is given back
 * and made again when needed; gen_base then moves past every generation
 * its slots issued, so a stale handle into the new chunk is still stale.
 *
 * A new chunk's slots are set up as they are first handed out, not when
 * it is made: slots from fresh on were never handed out, and their words
 * are still the zeros of a new leaf. Linking all 1024 when the chunk was
 * made cost every pool's first zs_malloc a pass over 12 KiB, and every
 * walk of the chunk (zs_pool_check, giving it back) a pass over slots
 * that never held an object.
 */
struct zs_handle_chunk {
	unsigned int gen_base; /* generation of its slots when made */
	unsigned int nr_ready; /* ready: on its list, and from fresh on */
	unsigned int ready;    /* first slot on the list (index + 1; 0: none) */
	unsigned int fresh;    /* slots below were handed out at least once */
	unsigned int prev, next; /* list of chunks with ready slots (+1) */
	bool made;
};

struct zs_handle_table {
	/*
	 * Read by every free, map and read (zs_handle_resolve), written only
	 * when the table is made or a leaf of it comes or goes: on lines of
	 * their own, apart from the lock's, which both threads of a pair
	 * write every few dozen frees.
	 */
	unsigned int tag;
	/*
	 * Packed slots: a location word L is (high << loc_index_bits) | index
	 * with index < 2^loc_low_bits; the slot keeps high and index side by
	 * side in ZS_SLOT_LOC_BITS.
	 */
	unsigned int loc_index_bits, loc_low_bits;
	unsigned long max_slots;
	struct zs_radix slots;

	_Alignas(ZS_CACHE_LINE) struct zs_mutex lock;
	unsigned long nr_free; /* quarantined + ready */
	/* The quarantine: freed slots, oldest at q_head. */
	unsigned int *quarantine;
	unsigned long q_head, q_len;
	/* Chunks: made or not; the ready list. */
	struct zs_handle_chunk *chunks;
	unsigned long nr_chunks, chunks_cap;
	unsigned int ready_head; /* chunk index + 1; 0: none */
	unsigned long nr_chunks_made;
	/* For zs_pool_stats; written under lock, read without. frees
	 * counts slots queued, each up to a batch after its zs_free. */
	zs_atomic_ulong frees;
	zs_atomic_ulong chunks_freed;

	struct zs_handle_shard shards[ZS_HANDLE_SHARDS];
};

/*
 * An empty table for locations (high << index_bits) | index, index below
 * 2^low_bits and high below 2^(ZS_SLOT_LOC_BITS - low_bits) (64-bit; the
 * 32-bit slot keeps the word whole).
 */
int zs_handle_table_init(struct zs_handle_table *t, unsigned int index_bits,
			 unsigned int low_bits);
void zs_handle_table_destroy(struct zs_handle_table *t);

/* A slot for a new object (obj still 0) and its handle; 0 when full. */
unsigned long zs_handle_reserve(struct zs_handle_table *t,
				struct zs_handle_slot **slotp);
/* Whether location obj fits a slot of t. */
bool zs_handle_location_fits(const struct zs_handle_table *t,
			     unsigned long obj);
/*
 * Publish a new object's location, size (1..65536) and class shard (below
 * 2^ZS_SLOT_SHARD_BITS), fresh (never written): the handle becomes valid.
 */
void zs_handle_publish(const struct zs_handle_table *t,
		       struct zs_handle_slot *slot, unsigned long obj,
		       size_t size, unsigned int shard);

/* A handle's fields (the layout at the top of this file). */
#define ZS_HANDLE_SLOT_MASK ((1ul << ZS_HANDLE_SLOT_BITS) - 1)
#define ZS_HANDLE_GEN_MASK  ((1u << ZS_HANDLE_GEN_BITS) - 1)
#define ZS_HANDLE_TAG_MASK  ((1u << ZS_HANDLE_TAG_BITS) - 1)
#define ZS_HANDLE_GEN_SHIFT ZS_HANDLE_SLOT_BITS
#define ZS_HANDLE_TAG_SHIFT (ZS_HANDLE_SLOT_BITS + ZS_HANDLE_GEN_BITS)

/* The parts of a handle. Inline, as what follows: every map takes them. */
static inline unsigned long zs_handle_slot_index(unsigned long handle)
{
	return handle & ZS_HANDLE_SLOT_MASK;
}

static inline unsigned int zs_handle_gen(unsigned long handle)
{
	return (unsigned int)(handle >> ZS_HANDLE_GEN_SHIFT) &
	       ZS_HANDLE_GEN_MASK;
}

static inline unsigned int zs_handle_tag(unsigned long handle)
{
	return (unsigned int)(handle >> ZS_HANDLE_TAG_SHIFT) &
	       ZS_HANDLE_TAG_MASK;
}

/* The slot at index, or NULL (never made, or its chunk was given back). */
static inline struct zs_handle_slot *
zs_handle_slot_at(struct zs_handle_table *t, unsigned long index)
{
	void *leaf = zs_radix_leaf(&t->slots, index);

	return leaf ? zs_slot_ref(leaf, index % ZS_HANDLE_CHUNK_SLOTS) : NULL;
}

#if ZS_SLOT_PACKED
/* The location that ZS_SLOT_LOC_BITS packed bits stand for. */
static inline unsigned long zs_slot_unpack(const struct zs_handle_table *t,
					   unsigned long packed)
{
	unsigned long low = packed & ((1ul << t->loc_low_bits) - 1);

	return (packed >> t->loc_low_bits) << t->loc_index_bits | low;
}
#endif

/* The location a nonzero slot word w holds (the word itself on 32-bit). */
static inline unsigned long
zs_slot_word_location(const struct zs_handle_table *t, unsigned long w)
{
#if ZS_SLOT_PACKED
	return zs_slot_unpack(t, w >> ZS_SLOT_LOC_SHIFT);
#else
	(void)t;
	return w;
#endif
}

/*
 * The slot's location word now (acquire), 0 when it names no object.
 * Stable while the object cannot move.
 */
static inline unsigned long zs_slot_location(const struct zs_handle_table *t,
					     const struct zs_handle_slot *slot)
{
	unsigned long w = zs_load_acquire(zs_slot_word(slot));

	return w ? zs_slot_word_location(t, w) : 0;
}

/* A live slot read once: what it says about its object. */
struct zs_slot_view {
	unsigned long obj; /* location, never 0 */
	unsigned int size; /* 1..65536 */
	unsigned int shard;
	bool fresh;
};

/*
 * Read a slot once (acquire) into v: false when it names no object. For
 * paths that want all of it, where each zs_slot_* read is an atomic load
 * the compiler may not merge.
 */
static inline bool zs_slot_view(const struct zs_handle_table *t,
				const struct zs_handle_slot *s,
				struct zs_slot_view *v)
{
	unsigned long w = zs_load_acquire(zs_slot_word(s));
	zs_slot_bits bits;

	if (!w)
		return false;
	v->obj = zs_slot_word_location(t, w);
#if ZS_SLOT_PACKED
	bits = w;
#else
	bits = zs_slot_bits_read(s);
#endif
	v->size = zs_slot_bits_size(bits);
	v->shard = zs_slot_bits_shard(bits);
	v->fresh = zs_slot_bits_fresh(bits);
	return true;
}

/*
 * A mover's new location for a live slot, released after the bytes; size
 * and the fresh flag stay. Only under whatever keeps others from moving
 * or freeing the object.
 */
void zs_handle_move(const struct zs_handle_table *t,
		    struct zs_handle_slot *slot, unsigned long obj);
/*
 * Give a slot back (reserved or published), under t->lock: bumps the
 * generation so that every handle naming it goes stale.
 */
void zs_handle_release_locked(struct zs_handle_table *t, unsigned long handle,
			      struct zs_handle_slot *slot);

/*
 * zs_handle_release_locked in two halves, so that zs_free takes the table
 * lock after its class lock, not inside it. Retire: the slot names no
 * object and its generation moves on (every handle naming it is stale),
 * under whatever lock owns the object; no table lock. The slot is then
 * neither live nor free (as a reserved one is) until it is queued.
 */
void zs_handle_retire(struct zs_handle_slot *slot);
/* Queue a retired slot for reuse (its quarantine), under t->lock. */
void zs_handle_queue_locked(struct zs_handle_table *t, unsigned long handle);
/*
 * Queue a retired slot through the calling thread's batch: the table lock
 * is taken when the batch is full, for all of it. No lock held.
 */
void zs_handle_queue(struct zs_handle_table *t, unsigned long handle);
/*
 * Queue every batched slot now and give back every slot taken ahead
 * (zs_compact, tests). No lock held.
 */
void zs_handle_flush(struct zs_handle_table *t);
/* Chunks of slots made and not given back. */
unsigned long zs_handle_nr_chunks(struct zs_handle_table *t);

/*
 * The slot of a valid handle and its location word, or NULL after a report
 * saying why (op names the caller). No lock: a slot's chunk goes away only
 * once every slot of it is free and out of quarantine, so a valid handle's
 * slot stays (a handle freed by another thread meanwhile is the caller's
 * race, as ever).
 */
struct zs_handle_slot *zs_handle_resolve(struct zs_handle_table *t,
					 unsigned long handle, const char *op,
					 unsigned long *objp);

#endif /* ZS_HANDLE_H */
