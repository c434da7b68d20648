/* SPDX-License-Identifier: MIT */
/*
 * Metadata allocation (the analogue of kmalloc). Page memory never comes
 * from here. The counters and the fault hook let tests fail the Nth
 * allocation and check that every allocation was given back.
 */
#ifndef ZS_KERNEL_SLAB_H
#define ZS_KERNEL_SLAB_H

#include <stdbool.h>
#include <stddef.h>

void *zs_kmalloc(size_t size);
void *zs_kzalloc(size_t size);
/* Zeroed, align-aligned (a power of two dividing size); zs_kfree frees it. */
void *zs_kzalloc_aligned(size_t align, size_t size);
void zs_kfree(void *p);
/* Zeroed whole pages (arena.h, or mmap), given back to the system when
 * freed. */
void *zs_vzalloc(size_t size);
void zs_vfree(void *p, size_t size);

/*
 * For allocators built on top (the pool's metadata caches): whole pages
 * as zs_vzalloc gives them, without counting or fault injection; a failed
 * mapping is NULL. The caller counts its own objects with
 * zs_slab_fault (true: fail this one) and zs_slab_account.
 */
void *zs_vmap_zeroed(size_t size);
void zs_vunmap(void *p, size_t size);
/*
 * Gives the memory of every freed table the cache holds back to the system
 * (and the tables to the arena), but for the tables freed last that fit in
 * keep bytes. zs_compact keeps ZS_VMAP_TRIM_KEEP: about one pool's
 * class table and first chunks at 4 KiB pages.
 */
#define ZS_VMAP_TRIM_KEEP ((size_t)128 << 10)
void zs_vmap_trim_keep(size_t keep);
void zs_vmap_trim(void); /* keeps nothing */
/* Bytes of freed tables the cache holds resident. */
size_t zs_vmap_resident(void);
/* Tables above the arena's sizes (arena.h) unmapped so far (for tests). */
unsigned long zs_vmap_unmapped(void);
bool zs_slab_fault(void);
void zs_slab_account(long delta);

/*
 * Fail the nth allocation from now on (1: the next one); 0 turns the hook
 * off. Process-wide: only for single-threaded tests.
 */
void zs_slab_fail_nth(unsigned long nth);
/* Fail every allocation while on (counted as attempts); same caveat. */
void zs_slab_fail_all(bool on);
/* Allocations attempted since the process started (failed ones too). */
unsigned long zs_slab_attempts(void);
/* Allocations not given back yet. */
long zs_slab_live(void);

#endif /* ZS_KERNEL_SLAB_H */
