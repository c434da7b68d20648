/* SPDX-License-Identifier: MIT */
/*
 * What the system gives: its page size, and aligned anonymous mappings
 * (the built-in provider's regions, the table arena's mappings).
 */
#ifndef ZS_KERNEL_SYSMEM_H
#define ZS_KERNEL_SYSMEM_H

#include <stddef.h>

/* The system's page size (4096 where it cannot be read). */
size_t zs_sys_page_size(void);

/*
 * An anonymous read-write mapping of bytes (a power of two, at least the
 * system's page size) aligned to bytes, or NULL. Transparent huge pages
 * are turned off in it where the system has them: a huge page would make
 * a whole 2 MiB resident at the first touch.
 */
void *zs_map_aligned(size_t bytes);
/* The same for bytes (a multiple of the system's page size) aligned to
 * align (a power of two, at least that page size). */
void *zs_map_aligned_span(size_t align, size_t bytes);

#endif
