// SPDX-License-Identifier: MIT
#include "handle.h"

#include "kernel/report.h"

#define SLOT_MASK ((1ul << ZS_HANDLE_SLOT_BITS) - 1)
#define GEN_MASK  ((1u << ZS_HANDLE_GEN_BITS) - 1)
#define TAG_MASK  ((1u << ZS_HANDLE_TAG_BITS) - 1)
#define GEN_SHIFT ZS_HANDLE_SLOT_BITS
#define TAG_SHIFT (ZS_HANDLE_SLOT_BITS + ZS_HANDLE_GEN_BITS)

static atomic_uint next_pool_tag;

unsigned long zs_handle_slot_index(unsigned long handle)
{
	return handle & SLOT_MASK;
}

unsigned int zs_handle_gen(unsigned long handle)
{
	return (unsigned int)(handle >> GEN_SHIFT) & GEN_MASK;
}

static unsigned int handle_tag(unsigned long handle)
{
	return (unsigned int)(handle >> TAG_SHIFT) & TAG_MASK;
}

static unsigned long make_handle(unsigned int tag, unsigned int gen,
				 unsigned long slot)
{
	return ((unsigned long)tag << TAG_SHIFT) |
	       ((unsigned long)(gen & GEN_MASK) << GEN_SHIFT) | slot;
}

int zs_handle_table_init(struct zs_handle_table *t)
{
	/* Tags cycle through 1..TAG_MASK: handle 0 can never be issued. */
	t->tag = atomic_fetch_add(&next_pool_tag, 1) % TAG_MASK + 1;
	t->nr_slots = 1;
	t->free_head = 0;
	t->free_tail = 0;
	t->nr_free = 0;
	t->max_slots = SLOT_MASK < ZS_RADIX_CAPACITY - 1 ? SLOT_MASK + 1
							 : ZS_RADIX_CAPACITY;
	zs_radix_init(&t->slots, sizeof(struct zs_handle_slot));
	return zs_mutex_init(&t->lock) ? -1 : 0;
}

void zs_handle_table_destroy(struct zs_handle_table *t)
{
	zs_radix_destroy(&t->slots);
	zs_mutex_destroy(&t->lock);
}

/* The oldest freed slot, off the FIFO; under t->lock. */
static struct zs_handle_slot *take_free_slot(struct zs_handle_table *t,
					     unsigned long *indexp)
{
	unsigned long index = t->free_head;
	struct zs_handle_slot *slot = zs_radix_lookup(&t->slots, index);

	ZS_BUG_ON(!slot);
	t->free_head = slot->next_free;
	if (!t->free_head)
		t->free_tail = 0;
	t->nr_free--;
	*indexp = index;
	return slot;
}

unsigned long zs_handle_reserve(struct zs_handle_table *t,
				struct zs_handle_slot **slotp)
{
	struct zs_handle_slot *slot = NULL;
	unsigned long index = 0;
	unsigned long handle = 0;

	zs_mutex_lock(&t->lock);
	if (t->nr_free > ZS_HANDLE_QUARANTINE ||
	    (t->nr_free && t->nr_slots >= t->max_slots)) {
		slot = take_free_slot(t, &index);
	} else if (t->nr_slots < t->max_slots) {
		index = t->nr_slots;
		slot = zs_radix_populate(&t->slots, index);
		if (slot)
			t->nr_slots++;
		else if (t->nr_free) /* no memory for a leaf: reuse early */
			slot = take_free_slot(t, &index);
	}
	if (slot) {
		ZS_BUG_ON(zs_atomic_read(&slot->obj) != 0);
		slot->next_free = 0;
		handle = make_handle(t->tag, atomic_load(&slot->gen), index);
		*slotp = slot;
	}
	zs_mutex_unlock(&t->lock);
	return handle;
}

void zs_handle_publish(struct zs_handle_slot *slot, unsigned long obj)
{
	ZS_BUG_ON(obj == 0);
	zs_store_release(&slot->obj, obj);
}

void zs_handle_release_locked(struct zs_handle_table *t, unsigned long handle,
			      struct zs_handle_slot *slot)
{
	unsigned long index = zs_handle_slot_index(handle);

	zs_atomic_set(&slot->obj, 0);
	atomic_store(&slot->gen, (atomic_load(&slot->gen) + 1) & GEN_MASK);
	slot->next_free = 0;
	if (t->free_tail) {
		struct zs_handle_slot *tail =
			zs_radix_lookup(&t->slots, t->free_tail);

		ZS_BUG_ON(!tail);
		tail->next_free = (unsigned int)index;
	} else {
		t->free_head = index;
	}
	t->free_tail = index;
	t->nr_free++;
}

struct zs_handle_slot *zs_handle_resolve(struct zs_handle_table *t,
					 unsigned long handle, const char *op,
					 unsigned long *objp)
{
	unsigned long index = zs_handle_slot_index(handle);
	struct zs_handle_slot *slot;
	unsigned long obj;

	if (handle_tag(handle) != t->tag) {
		zs_report(op, "handle %#lx does not belong to this pool",
			  handle);
		return NULL;
	}
	slot = index ? zs_radix_lookup(&t->slots, index) : NULL;
	if (!slot) {
		zs_report(op, "handle %#lx was never issued", handle);
		return NULL;
	}
	obj = zs_load_acquire(&slot->obj);
	if (atomic_load(&slot->gen) != zs_handle_gen(handle)) {
		zs_report(op,
			  "handle %#lx is stale: its object was freed "
			  "(generation %u, slot now at %u)",
			  handle, zs_handle_gen(handle),
			  atomic_load(&slot->gen));
		return NULL;
	}
	if (!obj) {
		zs_report(op, "handle %#lx names no object", handle);
		return NULL;
	}
	*objp = obj;
	return slot;
}
