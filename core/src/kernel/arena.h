/* SPDX-License-Identifier: MIT */
/*
 * Address space for the metadata tables of whole pages (slab.c's vmap
 * tables: descriptor chunks, radix leaves, class tables). A table is
 * carved out of a 2 MiB mapping that holds tables of its size only, and
 * goes back to it when freed: making and freeing tables then costs no
 * mmap or munmap, each of which takes the process's mmap lock for
 * writing (every other thread's page faults wait) and, for munmap, flushes
 * the TLB of every CPU the process runs on. A mapping whose every table is
 * free is unmapped, but for one spare per size.
 */
#ifndef ZS_KERNEL_ARENA_H
#define ZS_KERNEL_ARENA_H

#include <stdbool.h>
#include <stddef.h>

/* The largest table the arena serves. */
#define ZS_ARENA_MAX_BYTES ((size_t)128 << 10)

/*
 * Whether the arena serves tables of size bytes: a multiple of the
 * system's page size, at most ZS_ARENA_MAX_BYTES.
 */
bool zs_arena_serves(size_t size);
/*
 * A table of size bytes (served sizes only), all zeros and open to memory
 * checkers; NULL when no mapping can be made.
 */
void *zs_arena_take(size_t size);
/*
 * Give back a table from zs_arena_take, closed to memory checkers, its
 * memory given back to the system already (it reads zeros).
 */
void zs_arena_give(void *p, size_t size);
/* For tests: the arena's mappings now, and those unmapped so far. */
void zs_arena_stats(size_t *mapped, unsigned long *unmapped);

#endif /* ZS_KERNEL_ARENA_H */
