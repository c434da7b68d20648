// SPDX-License-Identifier: MIT
#include "radix.h"

#include <string.h>

#include "kernel/report.h"
#include "kernel/slab.h"

/* Nodes of at least a page are mapped whole: freeing one gives it back. */
#define RADIX_VMALLOC_MIN 4096u

static void *node_alloc(size_t size)
{
	return size >= RADIX_VMALLOC_MIN ? zs_vzalloc(size) : zs_kzalloc(size);
}

static void node_free(void *p, size_t size)
{
	if (size >= RADIX_VMALLOC_MIN)
		zs_vfree(p, size);
	else
		zs_kfree(p);
}

void zs_radix_init(struct zs_radix *r, size_t elem_size)
{
	r->elem_size = elem_size;
	atomic_init(&r->nr_leaves, 0);
	r->top_end = 0;
	/* all-zero bytes are NULL (see zs_radix_populate): one memset, where
	 * a store per entry cost a pool's creation 1024 checked stores */
	memset(r->top, 0, sizeof(r->top));
}

void *zs_radix_populate(struct zs_radix *r, unsigned long index)
{
	_Atomic(void *) *mid;
	_Atomic(void *) *slot;
	unsigned long top;
	char *leaf;

	if (index >= ZS_RADIX_CAPACITY)
		return NULL;
	top = index >> (2 * ZS_RADIX_BITS);
	slot = &r->top[top];
	mid = atomic_load_explicit(slot, memory_order_relaxed);
	if (!mid) {
		/* all-zero bytes are NULL pointers on every platform we run */
		mid = node_alloc(ZS_RADIX_FANOUT * sizeof(*mid));
		if (!mid)
			return NULL;
		if (top >= r->top_end)
			r->top_end = top + 1;
		atomic_store_explicit(slot, mid, memory_order_release);
	}
	slot = &mid[(index >> ZS_RADIX_BITS) & ZS_RADIX_MASK];
	leaf = atomic_load_explicit(slot, memory_order_relaxed);
	if (!leaf) {
		leaf = node_alloc(ZS_RADIX_FANOUT * r->elem_size);
		if (!leaf)
			return NULL;
		atomic_fetch_add_explicit(&r->nr_leaves, 1,
					  memory_order_relaxed);
		atomic_store_explicit(slot, leaf, memory_order_release);
	}
	return leaf + (index & ZS_RADIX_MASK) * r->elem_size;
}

void zs_radix_depopulate(struct zs_radix *r, unsigned long index)
{
	_Atomic(void *) *mid;
	void *leaf;

	if (index >= ZS_RADIX_CAPACITY)
		return;
	mid = atomic_load_explicit(&r->top[index >> (2 * ZS_RADIX_BITS)],
				   memory_order_relaxed);
	if (!mid)
		return;
	leaf = atomic_exchange_explicit(
		&mid[(index >> ZS_RADIX_BITS) & ZS_RADIX_MASK], NULL,
		memory_order_acq_rel);
	if (leaf) {
		atomic_fetch_sub_explicit(&r->nr_leaves, 1,
					  memory_order_relaxed);
		node_free(leaf, ZS_RADIX_FANOUT * r->elem_size);
	}
}

size_t zs_radix_leaf_bytes(const struct zs_radix *r)
{
	return ZS_RADIX_FANOUT * r->elem_size;
}

unsigned long zs_radix_nr_leaves(struct zs_radix *r)
{
	return atomic_load_explicit(&r->nr_leaves, memory_order_relaxed);
}

/*
 * Every node goes. A pool's tables use the first few slots of a node, so
 * the walk stops at the last top slot ever used and, within the middle
 * nodes, once every leaf counted in nr_leaves has been found.
 */
void zs_radix_destroy(struct zs_radix *r)
{
	unsigned long left = zs_radix_nr_leaves(r);

	for (unsigned long i = 0; i < r->top_end; i++) {
		_Atomic(void *) *mid = atomic_load(&r->top[i]);

		if (!mid)
			continue;
		for (unsigned long j = 0; j < ZS_RADIX_FANOUT && left; j++) {
			void *leaf = atomic_exchange(&mid[j], NULL);

			if (leaf) {
				node_free(leaf, ZS_RADIX_FANOUT * r->elem_size);
				left--;
			}
		}
		node_free(mid, ZS_RADIX_FANOUT * sizeof(*mid));
		atomic_store(&r->top[i], NULL);
	}
	atomic_store(&r->nr_leaves, left);
	r->top_end = 0;
}
