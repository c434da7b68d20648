// SPDX-License-Identifier: MIT
#include "handle.h"

#include <sched.h>
#include <string.h>

#include "kernel/report.h"
#include "kernel/slab.h"

#define SLOT_MASK ZS_HANDLE_SLOT_MASK
#define GEN_MASK  ZS_HANDLE_GEN_MASK
#define TAG_MASK  ZS_HANDLE_TAG_MASK
#define GEN_SHIFT ZS_HANDLE_GEN_SHIFT
#define TAG_SHIFT ZS_HANDLE_TAG_SHIFT

static atomic_uint next_pool_tag;

/*
 * One more on a counter that only the table lock's holder writes (others
 * only read it, for zs_pool_stats): a plain load and store, where an
 * atomic add would be a locked instruction on every zs_free.
 */
static void count_locked(zs_atomic_ulong *c)
{
	zs_atomic_set(c, zs_atomic_read(c) + 1);
}

static unsigned long make_handle(unsigned int tag, unsigned int gen,
				 unsigned long slot)
{
	return ((unsigned long)tag << TAG_SHIFT) |
	       ((unsigned long)(gen & GEN_MASK) << GEN_SHIFT) | slot;
}

#if ZS_SLOT_PACKED
static unsigned long pack_location(const struct zs_handle_table *t,
				   unsigned long obj)
{
	unsigned long low = obj & ((1ul << t->loc_index_bits) - 1);

	return (obj >> t->loc_index_bits) << t->loc_low_bits | low;
}

/* obj packed, and whether it fits: nonzero, in the bits, and back whole. */
static bool pack_fits(const struct zs_handle_table *t, unsigned long obj,
		      unsigned long *packed)
{
	*packed = pack_location(t, obj);
	return obj && *packed >> ZS_SLOT_LOC_BITS == 0 &&
	       zs_slot_unpack(t, *packed) == obj;
}
#endif

bool zs_handle_location_fits(const struct zs_handle_table *t, unsigned long obj)
{
#if ZS_SLOT_PACKED
	unsigned long packed;

	return pack_fits(t, obj, &packed);
#else
	(void)t;
	return obj != 0;
#endif
}

int zs_handle_table_init(struct zs_handle_table *t, unsigned int index_bits,
			 unsigned int low_bits)
{
#if ZS_SLOT_PACKED
	ZS_BUG_ON(index_bits >= ZS_BITS_PER_LONG ||
		  low_bits >= ZS_SLOT_LOC_BITS);
#endif
	t->loc_index_bits = index_bits;
	t->loc_low_bits = low_bits;
	/* Tags cycle through 1..TAG_MASK: handle 0 can never be issued. */
	t->tag = atomic_fetch_add(&next_pool_tag, 1) % TAG_MASK + 1;
	t->nr_free = 0;
	t->q_head = 0;
	t->q_len = 0;
	t->chunks = NULL;
	t->nr_chunks = 0;
	t->chunks_cap = 0;
	t->ready_head = 0;
	t->nr_chunks_made = 0;
	zs_atomic_set(&t->frees, 0);
	zs_atomic_set(&t->chunks_freed, 0);
	t->max_slots = SLOT_MASK < ZS_RADIX_CAPACITY - 1 ? SLOT_MASK + 1
							 : ZS_RADIX_CAPACITY;
	zs_radix_init(&t->slots, ZS_SLOT_BYTES);
	t->quarantine =
		zs_kmalloc(ZS_HANDLE_QUARANTINE * sizeof(*t->quarantine));
	if (!t->quarantine)
		return -1;
	if (zs_mutex_init(&t->lock)) {
		zs_kfree(t->quarantine);
		return -1;
	}
	for (unsigned int i = 0; i < ZS_HANDLE_SHARDS; i++) {
		t->shards[i].n = 0;
		t->shards[i].next = t->shards[i].n_ahead = 0;
		if (zs_mutex_init(&t->shards[i].lock)) {
			while (i--)
				zs_mutex_destroy(&t->shards[i].lock);
			zs_mutex_destroy(&t->lock);
			zs_kfree(t->quarantine);
			return -1;
		}
	}
	return 0;
}

void zs_handle_table_destroy(struct zs_handle_table *t)
{
	zs_radix_destroy(&t->slots);
	zs_kfree(t->quarantine);
	zs_kfree(t->chunks);
	for (unsigned int i = 0; i < ZS_HANDLE_SHARDS; i++)
		zs_mutex_destroy(&t->shards[i].lock);
	zs_mutex_destroy(&t->lock);
}

/* A ready slot's pin word: its generation and the next ready slot. */
static void set_ready_link(struct zs_handle_slot *slot, unsigned int link)
{
	atomic_store_explicit(zs_slot_pin_word(slot),
			      zs_slot_gen(slot) << ZS_SLOT_GEN_SHIFT | link,
			      memory_order_relaxed);
}

static unsigned int ready_link(struct zs_handle_slot *slot)
{
	return atomic_load_explicit(zs_slot_pin_word(slot),
				    memory_order_relaxed) &
	       ZS_SLOT_MAP_MASK;
}

static atomic_ulong mover_waits;

/* Out of line: a pin that finds a mover lets it run. */
void zs_slot_wait_mover(void)
{
	atomic_fetch_add_explicit(&mover_waits, 1, memory_order_relaxed);
	sched_yield();
}

unsigned long zs_slot_mover_waits(void)
{
	return atomic_load_explicit(&mover_waits, memory_order_relaxed);
}

/* Slots a chunk can hand out: slot 0 of the table never is. */
static unsigned int chunk_capacity(unsigned long c)
{
	return c ? ZS_HANDLE_CHUNK_SLOTS : ZS_HANDLE_CHUNK_SLOTS - 1;
}

static void ready_list_add(struct zs_handle_table *t, unsigned long c)
{
	struct zs_handle_chunk *ch = &t->chunks[c];

	ch->prev = 0;
	ch->next = t->ready_head;
	if (t->ready_head)
		t->chunks[t->ready_head - 1].prev = (unsigned int)c + 1;
	t->ready_head = (unsigned int)c + 1;
}

static void ready_list_del(struct zs_handle_table *t, unsigned long c)
{
	struct zs_handle_chunk *ch = &t->chunks[c];

	if (ch->prev)
		t->chunks[ch->prev - 1].next = ch->next;
	else
		t->ready_head = ch->next;
	if (ch->next)
		t->chunks[ch->next - 1].prev = ch->prev;
	ch->prev = ch->next = 0;
}

/* Room in t->chunks for chunk c; false when out of memory. */
static bool chunks_fit(struct zs_handle_table *t, unsigned long c)
{
	struct zs_handle_chunk *n;
	unsigned long cap;

	if (c < t->chunks_cap)
		return true;
	cap = t->chunks_cap ? 2 * t->chunks_cap : 16;
	n = zs_kzalloc(cap * sizeof(*n));
	if (!n)
		return false;
	if (t->chunks)
		memcpy(n, t->chunks, t->chunks_cap * sizeof(*n));
	zs_kfree(t->chunks);
	t->chunks = n;
	t->chunks_cap = cap;
	return true;
}

/*
 * Make the lowest chunk not made now, every slot ready; false: none. Its
 * slots are set up one by one as take_ready first hands them out.
 */
static bool make_chunk(struct zs_handle_table *t)
{
	struct zs_handle_chunk *ch;
	unsigned long c;
	void *leaf;

	for (c = 0; c < t->nr_chunks && t->chunks[c].made; c++)
		;
	if ((c + 1) * ZS_HANDLE_CHUNK_SLOTS > t->max_slots || !chunks_fit(t, c))
		return false;
	leaf = zs_radix_populate(&t->slots, c * ZS_HANDLE_CHUNK_SLOTS);
	if (!leaf)
		return false;
	/* mapped whole, so page aligned: a slot reference keeps its index in
	 * the low bits (zs_slot_ref) */
	ZS_BUG_ON((uintptr_t)leaf & (ZS_HANDLE_CHUNK_SLOTS - 1));
	ch = &t->chunks[c];
	ch->made = true;
	ch->ready = 0;
	ch->fresh = c ? 0 : 1; /* slot 0 of the table is never handed out */
	ch->nr_ready = chunk_capacity(c);
	ready_list_add(t, c);
	if (c == t->nr_chunks)
		t->nr_chunks++;
	t->nr_chunks_made++;
	t->nr_free += ch->nr_ready;
	return true;
}

/*
 * Every slot of chunk c is ready: give its leaf back. Its next slots start
 * at the highest generation any of them reached, so no handle it issued
 * can name a slot of the new chunk.
 */
static void free_chunk(struct zs_handle_table *t, unsigned long c)
{
	struct zs_handle_chunk *ch = &t->chunks[c];
	void *leaf = zs_radix_leaf(&t->slots, c * ZS_HANDLE_CHUNK_SLOTS);
	unsigned int i, d, far = 0;

	ZS_BUG_ON(!leaf);
	/* slots from fresh on never left gen_base */
	for (i = c ? 0 : 1; i < ch->fresh; i++) {
		d = (zs_slot_gen(zs_slot_ref(leaf, i)) - ch->gen_base) &
		    GEN_MASK;
		if (d > far)
			far = d;
	}
	ch->gen_base = (ch->gen_base + far) & GEN_MASK;
	ready_list_del(t, c);
	t->nr_free -= ch->nr_ready;
	ch->nr_ready = 0;
	ch->ready = 0;
	ch->fresh = 0;
	ch->made = false;
	t->nr_chunks_made--;
	count_locked(&t->chunks_freed);
	zs_radix_depopulate(&t->slots, c * ZS_HANDLE_CHUNK_SLOTS);
}

/* A slot out of quarantine: ready for reuse, its chunk maybe freed. */
static void make_ready(struct zs_handle_table *t, unsigned long index)
{
	unsigned long c = index / ZS_HANDLE_CHUNK_SLOTS;
	unsigned int i = (unsigned int)(index % ZS_HANDLE_CHUNK_SLOTS);
	struct zs_handle_chunk *ch = &t->chunks[c];
	struct zs_handle_slot *slot = zs_handle_slot_at(t, index);

	ZS_BUG_ON(!slot || !ch->made);
	set_ready_link(slot, ch->ready);
	ch->ready = i + 1;
	if (ch->nr_ready++ == 0)
		ready_list_add(t, c);
	/* keep one chunk with ready slots, so a pool at an edge does not
	 * free and make a chunk on every other call */
	if (ch->nr_ready == chunk_capacity(c) && (ch->prev || ch->next))
		free_chunk(t, c);
}

/* The oldest quarantined slot, off the ring. */
static unsigned long quarantine_pop(struct zs_handle_table *t)
{
	unsigned long index = t->quarantine[t->q_head];

	t->q_head = (t->q_head + 1) % ZS_HANDLE_QUARANTINE;
	t->q_len--;
	return index;
}

/*
 * A ready slot off the first chunk with one; NULL when none. Slots that
 * came back come first, so the chunk's untouched tail stays untouched as
 * long as it can.
 */
static struct zs_handle_slot *take_ready(struct zs_handle_table *t,
					 unsigned long *indexp)
{
	unsigned long c, index;
	struct zs_handle_chunk *ch;
	struct zs_handle_slot *slot;

	if (!t->ready_head)
		return NULL;
	c = t->ready_head - 1;
	ch = &t->chunks[c];
	ZS_BUG_ON(!ch->nr_ready ||
		  (!ch->ready && ch->fresh >= ZS_HANDLE_CHUNK_SLOTS));
	if (ch->ready) {
		index = c * ZS_HANDLE_CHUNK_SLOTS + ch->ready - 1;
		slot = zs_handle_slot_at(t, index);
		ZS_BUG_ON(!slot);
		ch->ready = ready_link(slot);
	} else {
		index = c * ZS_HANDLE_CHUNK_SLOTS + ch->fresh++;
		slot = zs_handle_slot_at(t, index);
		ZS_BUG_ON(!slot);
		/*
		 * Its first generation. Relaxed: the slot is handed out under
		 * the table lock, and a racing lookup (a stale or forged
		 * handle) sees this or the leaf's zero, and the generation
		 * check or the empty word rejects both.
		 */
		atomic_store_explicit(zs_slot_pin_word(slot),
				      ch->gen_base << ZS_SLOT_GEN_SHIFT,
				      memory_order_relaxed);
	}
	if (--ch->nr_ready == 0)
		ready_list_del(t, c);
	t->nr_free--;
	*indexp = index;
	return slot;
}

/* This thread's shard: threads are numbered as they first use a table. */
static struct zs_handle_shard *this_shard(struct zs_handle_table *t)
{
	static atomic_uint next_thread;
	static _Thread_local unsigned int thread_nr; /* 0: not numbered */

	if (!thread_nr)
		thread_nr =
			atomic_fetch_add(&next_thread, 1) % ZS_HANDLE_SHARDS +
			1;
	return &t->shards[thread_nr - 1];
}

/*
 * Fill s (empty) with up to a batch of ready slots, made to look reserved;
 * a chunk is made only for the first. With none ready and no chunk to be
 * made, the oldest quarantined slot is reused early. Under s->lock; takes
 * the table lock. False when the table has nothing to give.
 */
static bool take_ahead(struct zs_handle_table *t, struct zs_handle_shard *s)
{
	struct zs_handle_slot *slot;
	unsigned long index;

	s->next = s->n_ahead = 0;
	zs_mutex_lock(&t->lock);
	while (s->n_ahead < ZS_HANDLE_BATCH) {
		slot = take_ready(t, &index);
		if (!slot && !s->n_ahead && make_chunk(t))
			slot = take_ready(t, &index);
		if (!slot)
			break;
		set_ready_link(slot, 0); /* mapcount 0 */
		s->ahead[s->n_ahead++] = (unsigned int)index;
	}
	if (!s->n_ahead && t->q_len) {
		/* no memory for a chunk: reuse early (a slot that existed) */
		s->ahead[s->n_ahead++] = (unsigned int)quarantine_pop(t);
		t->nr_free--;
	}
	zs_mutex_unlock(&t->lock);
	return s->n_ahead > 0;
}

/* s's slots taken ahead, back to their chunks; under s->lock. */
static void give_back_ahead(struct zs_handle_table *t,
			    struct zs_handle_shard *s)
{
	if (s->next == s->n_ahead)
		return;
	zs_mutex_lock(&t->lock);
	for (; s->next < s->n_ahead; s->next++) {
		make_ready(t, s->ahead[s->next]);
		t->nr_free++;
	}
	zs_mutex_unlock(&t->lock);
	s->next = s->n_ahead = 0;
}

unsigned long zs_handle_reserve(struct zs_handle_table *t,
				struct zs_handle_slot **slotp)
{
	struct zs_handle_shard *s = this_shard(t);
	struct zs_handle_slot *slot;
	unsigned long index;
	unsigned int pin;

	zs_mutex_lock(&s->lock);
	if (s->next == s->n_ahead && !take_ahead(t, s)) {
		/* the last resort: whatever other threads hold */
		zs_mutex_unlock(&s->lock);
		zs_handle_flush(t);
		zs_mutex_lock(&s->lock);
		if (s->next == s->n_ahead && !take_ahead(t, s)) {
			zs_mutex_unlock(&s->lock);
			return 0;
		}
	}
	index = s->ahead[s->next++];
	zs_mutex_unlock(&s->lock);
	/* taken, so its chunk stays; no other thread writes it now */
	slot = zs_handle_slot_at(t, index);
	ZS_BUG_ON(!slot || zs_atomic_read(zs_slot_word(slot)) != 0);
	pin = atomic_load(zs_slot_pin_word(slot));
	ZS_BUG_ON(pin & ZS_SLOT_MAP_MASK);
	*slotp = slot;
	return make_handle(t->tag, pin >> ZS_SLOT_GEN_SHIFT, index);
}

void zs_handle_publish(const struct zs_handle_table *t,
		       struct zs_handle_slot *slot, unsigned long obj,
		       size_t size, unsigned int shard)
{
#if ZS_SLOT_PACKED
	unsigned long packed;

	ZS_BUG_ON(!pack_fits(t, obj, &packed) || size == 0 || size > 65536 ||
		  shard >> ZS_SLOT_SHARD_BITS);
	zs_store_release(zs_slot_word(slot),
			 packed << ZS_SLOT_LOC_SHIFT |
				 (unsigned long)shard << ZS_SLOT_SHARD_SHIFT |
				 (unsigned long)(size - 1)
					 << ZS_SLOT_SIZE_SHIFT |
				 ZS_SLOT_FRESH);
#else
	ZS_BUG_ON(!zs_handle_location_fits(t, obj) || size == 0 ||
		  size > 65536 || shard >> ZS_SLOT_SHARD_BITS);
	atomic_store_explicit(zs_slot_info_word(slot),
			      (unsigned int)size | ZS_SLOT_FRESH |
				      shard << ZS_SLOT_SHARD_SHIFT,
			      memory_order_relaxed);
	zs_store_release(zs_slot_word(slot), obj);
#endif
}

void zs_handle_move(const struct zs_handle_table *t,
		    struct zs_handle_slot *slot, unsigned long obj)
{
#if ZS_SLOT_PACKED
	zs_atomic_ulong *word = zs_slot_word(slot);
	unsigned long w = zs_atomic_read(word), n, packed;

	ZS_BUG_ON(!pack_fits(t, obj, &packed));
	/* a CAS, so a fresh bit cleared meanwhile is not brought back */
	do {
		ZS_BUG_ON(w == 0);
		n = (w & ((1ul << ZS_SLOT_LOC_SHIFT) - 1)) |
		    packed << ZS_SLOT_LOC_SHIFT;
	} while (!atomic_compare_exchange_weak_explicit(
		word, &w, n, memory_order_release, memory_order_relaxed));
#else
	ZS_BUG_ON(!zs_handle_location_fits(t, obj));
	zs_store_release(zs_slot_word(slot), obj);
#endif
}

void zs_handle_retire(struct zs_handle_slot *slot)
{
	unsigned int gen = zs_slot_gen(slot);

	zs_atomic_set(zs_slot_word(slot), 0);
	/* a new generation: every handle naming the slot goes stale */
	atomic_store(zs_slot_pin_word(slot), ((gen + 1) & GEN_MASK)
						     << ZS_SLOT_GEN_SHIFT);
#if !ZS_SLOT_PACKED
	atomic_store_explicit(zs_slot_info_word(slot), 0, memory_order_relaxed);
#endif
}

void zs_handle_release_locked(struct zs_handle_table *t, unsigned long handle,
			      struct zs_handle_slot *slot)
{
	zs_handle_retire(slot);
	zs_handle_queue_locked(t, handle);
}

static void queue_index_locked(struct zs_handle_table *t, unsigned long index)
{
	if (t->q_len == ZS_HANDLE_QUARANTINE)
		make_ready(t, quarantine_pop(t));
	t->quarantine[(t->q_head + t->q_len) % ZS_HANDLE_QUARANTINE] =
		(unsigned int)index;
	t->q_len++;
	t->nr_free++;
	count_locked(&t->frees);
}

void zs_handle_queue_locked(struct zs_handle_table *t, unsigned long handle)
{
	queue_index_locked(t, zs_handle_slot_index(handle));
}

/* Queue s's batch; under s->lock. */
static void flush_shard(struct zs_handle_table *t, struct zs_handle_shard *s)
{
	if (!s->n)
		return;
	zs_mutex_lock(&t->lock);
	for (unsigned int i = 0; i < s->n; i++)
		queue_index_locked(t, s->retired[i]);
	zs_mutex_unlock(&t->lock);
	s->n = 0;
}

void zs_handle_queue(struct zs_handle_table *t, unsigned long handle)
{
	struct zs_handle_shard *s = this_shard(t);

	zs_mutex_lock(&s->lock);
	s->retired[s->n++] = (unsigned int)zs_handle_slot_index(handle);
	if (s->n == ZS_HANDLE_BATCH)
		flush_shard(t, s);
	zs_mutex_unlock(&s->lock);
}

unsigned long zs_handle_nr_chunks(struct zs_handle_table *t)
{
	unsigned long n;

	zs_mutex_lock(&t->lock);
	n = t->nr_chunks_made;
	zs_mutex_unlock(&t->lock);
	return n;
}

void zs_handle_flush(struct zs_handle_table *t)
{
	for (unsigned int i = 0; i < ZS_HANDLE_SHARDS; i++) {
		zs_mutex_lock(&t->shards[i].lock);
		flush_shard(t, &t->shards[i]);
		give_back_ahead(t, &t->shards[i]);
		zs_mutex_unlock(&t->shards[i].lock);
	}
}

struct zs_handle_slot *zs_handle_resolve(struct zs_handle_table *t,
					 unsigned long handle, const char *op,
					 unsigned long *objp)
{
	unsigned long index = zs_handle_slot_index(handle);
	struct zs_handle_slot *slot;
	unsigned long obj;

	if (zs_handle_tag(handle) != t->tag) {
		zs_report(op, "handle %#lx does not belong to this pool",
			  handle);
		return NULL;
	}
	slot = index ? zs_handle_slot_at(t, index) : NULL;
	if (!slot) {
		zs_report(op,
			  "handle %#lx was never issued (or its slot's chunk "
			  "was given back: stale)",
			  handle);
		return NULL;
	}
	obj = zs_slot_location(t, slot);
	if (zs_slot_gen(slot) != zs_handle_gen(handle)) {
		zs_report(op,
			  "handle %#lx is stale: its object was freed "
			  "(generation %u, slot now at %u)",
			  handle, zs_handle_gen(handle), zs_slot_gen(slot));
		return NULL;
	}
	if (!obj) {
		zs_report(op, "handle %#lx names no object", handle);
		return NULL;
	}
	*objp = obj;
	return slot;
}
