/* SPDX-License-Identifier: MIT */
/*
 * A three-level table of fixed-size elements indexed by an integer. Leaves
 * are allocated on demand and never move or go away before the table does,
 * so a lookup needs no lock; populating must be serialised by the caller.
 */
#ifndef ZS_RADIX_H
#define ZS_RADIX_H

#include <stdatomic.h>
#include <stddef.h>

#define ZS_RADIX_BITS	10u
#define ZS_RADIX_FANOUT (1ul << ZS_RADIX_BITS)
/* Indices below this fit. */
#define ZS_RADIX_CAPACITY (1ul << (3 * ZS_RADIX_BITS))

struct zs_radix {
	size_t elem_size;
	_Atomic(void *) top[ZS_RADIX_FANOUT];
};

void zs_radix_init(struct zs_radix *r, size_t elem_size);
/* The element, or NULL when index was never populated. */
void *zs_radix_lookup(struct zs_radix *r, unsigned long index);
/* The element, zero-filled when new; NULL when out of memory. */
void *zs_radix_populate(struct zs_radix *r, unsigned long index);
void zs_radix_destroy(struct zs_radix *r);

#endif /* ZS_RADIX_H */
