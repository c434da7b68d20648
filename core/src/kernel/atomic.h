/* SPDX-License-Identifier: MIT */
/*
 * Counters and published words. Counters are relaxed (they order nothing);
 * a word that publishes other fields is stored with release and loaded with
 * acquire.
 */
#ifndef ZS_KERNEL_ATOMIC_H
#define ZS_KERNEL_ATOMIC_H

#include <stdatomic.h>
#include <stdbool.h>

typedef atomic_ulong zs_atomic_ulong;

static inline unsigned long zs_atomic_read(zs_atomic_ulong *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

static inline void zs_atomic_set(zs_atomic_ulong *a, unsigned long v)
{
	atomic_store_explicit(a, v, memory_order_relaxed);
}

static inline void zs_atomic_add(zs_atomic_ulong *a, unsigned long v)
{
	atomic_fetch_add_explicit(a, v, memory_order_relaxed);
}

static inline void zs_atomic_sub(zs_atomic_ulong *a, unsigned long v)
{
	atomic_fetch_sub_explicit(a, v, memory_order_relaxed);
}

static inline unsigned long zs_load_acquire(zs_atomic_ulong *a)
{
	return atomic_load_explicit(a, memory_order_acquire);
}

static inline void zs_store_release(zs_atomic_ulong *a, unsigned long v)
{
	atomic_store_explicit(a, v, memory_order_release);
}

/*
 * Test hooks that fail the next n calls: takes one from *left when it is
 * not 0 (true: this call fails), in one step however many threads ask.
 */
static inline bool zs_take_injected_failure(atomic_uint *left)
{
	unsigned int n = atomic_load(left);

	while (n && !atomic_compare_exchange_weak(left, &n, n - 1))
		;
	return n != 0;
}

#endif /* ZS_KERNEL_ATOMIC_H */
