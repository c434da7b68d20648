/* SPDX-License-Identifier: MIT */
/*
 * A three-level table of fixed-size elements indexed by an integer. Leaves
 * are allocated on demand and never move; a lookup needs no lock. The
 * owner may give an unused leaf back (depopulate) when it knows nobody can
 * be looking into it; populating and depopulating are serialised by the
 * caller.
 */
#ifndef ZS_RADIX_H
#define ZS_RADIX_H

#include <stdatomic.h>
#include <stddef.h>

#define ZS_RADIX_BITS	10u
#define ZS_RADIX_FANOUT (1ul << ZS_RADIX_BITS)
/* Indices below this fit. */
#define ZS_RADIX_CAPACITY (1ul << (3 * ZS_RADIX_BITS))
#define ZS_RADIX_MASK	  (ZS_RADIX_FANOUT - 1)

struct zs_radix {
	size_t elem_size;
	atomic_ulong nr_leaves; /* leaves allocated now */
	/* One past the highest top slot given a node: zs_radix_destroy looks
	 * no further. Written by zs_radix_populate, which its callers
	 * serialise; read only by zs_radix_destroy. */
	unsigned long top_end;
	_Atomic(void *) top[ZS_RADIX_FANOUT];
};

void zs_radix_init(struct zs_radix *r, size_t elem_size);
/* The element, zero-filled when new; NULL when out of memory. */
void *zs_radix_populate(struct zs_radix *r, unsigned long index);

/*
 * The leaf holding index (its element 0), or NULL. Inline: every map and
 * free looks up its handle's slot and its page this way.
 */
static inline void *zs_radix_leaf(struct zs_radix *r, unsigned long index)
{
	_Atomic(void *) *mid;

	if (index >= ZS_RADIX_CAPACITY)
		return NULL;
	mid = atomic_load_explicit(&r->top[index >> (2 * ZS_RADIX_BITS)],
				   memory_order_acquire);
	if (!mid)
		return NULL;
	return atomic_load_explicit(
		&mid[(index >> ZS_RADIX_BITS) & ZS_RADIX_MASK],
		memory_order_acquire);
}

/* The element, or NULL when index was never populated. */
static inline void *zs_radix_lookup(struct zs_radix *r, unsigned long index)
{
	char *leaf = zs_radix_leaf(r, index);

	return leaf ? leaf + (index & ZS_RADIX_MASK) * r->elem_size : NULL;
}

/* Free the leaf holding index; its elements must be unused. */
void zs_radix_depopulate(struct zs_radix *r, unsigned long index);
unsigned long zs_radix_nr_leaves(struct zs_radix *r);
/* Bytes of one leaf. */
size_t zs_radix_leaf_bytes(const struct zs_radix *r);
void zs_radix_destroy(struct zs_radix *r);

#endif /* ZS_RADIX_H */
