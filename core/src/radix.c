// SPDX-License-Identifier: MIT
#include "radix.h"

#include "kernel/report.h"
#include "kernel/slab.h"

#define RADIX_MASK (ZS_RADIX_FANOUT - 1)

void zs_radix_init(struct zs_radix *r, size_t elem_size)
{
	unsigned long i;

	r->elem_size = elem_size;
	for (i = 0; i < ZS_RADIX_FANOUT; i++)
		atomic_init(&r->top[i], NULL);
}

void *zs_radix_lookup(struct zs_radix *r, unsigned long index)
{
	_Atomic(void *) *mid;
	char *leaf;

	if (index >= ZS_RADIX_CAPACITY)
		return NULL;
	mid = atomic_load_explicit(&r->top[index >> (2 * ZS_RADIX_BITS)],
				   memory_order_acquire);
	if (!mid)
		return NULL;
	leaf = atomic_load_explicit(&mid[(index >> ZS_RADIX_BITS) & RADIX_MASK],
				    memory_order_acquire);
	if (!leaf)
		return NULL;
	return leaf + (index & RADIX_MASK) * r->elem_size;
}

void *zs_radix_populate(struct zs_radix *r, unsigned long index)
{
	_Atomic(void *) *mid;
	_Atomic(void *) *slot;
	char *leaf;

	if (index >= ZS_RADIX_CAPACITY)
		return NULL;
	slot = &r->top[index >> (2 * ZS_RADIX_BITS)];
	mid = atomic_load_explicit(slot, memory_order_relaxed);
	if (!mid) {
		/* all-zero bytes are NULL pointers on every platform we run */
		mid = zs_kzalloc(ZS_RADIX_FANOUT * sizeof(*mid));
		if (!mid)
			return NULL;
		atomic_store_explicit(slot, mid, memory_order_release);
	}
	slot = &mid[(index >> ZS_RADIX_BITS) & RADIX_MASK];
	leaf = atomic_load_explicit(slot, memory_order_relaxed);
	if (!leaf) {
		leaf = zs_kzalloc(ZS_RADIX_FANOUT * r->elem_size);
		if (!leaf)
			return NULL;
		atomic_store_explicit(slot, leaf, memory_order_release);
	}
	return leaf + (index & RADIX_MASK) * r->elem_size;
}

void zs_radix_destroy(struct zs_radix *r)
{
	unsigned long i, j;

	for (i = 0; i < ZS_RADIX_FANOUT; i++) {
		_Atomic(void *) *mid = atomic_load(&r->top[i]);

		if (!mid)
			continue;
		for (j = 0; j < ZS_RADIX_FANOUT; j++)
			zs_kfree(atomic_load(&mid[j]));
		zs_kfree(mid);
		atomic_store(&r->top[i], NULL);
	}
}
