/* SPDX-License-Identifier: MIT */
/*
 * Per-thread counts of the copies the access paths make between an
 * object's pages and a buffer, read with kmap_total() through
 * zs_access_counts(): tests and fuzzers check that each mapping mode does
 * the work it promises, no more and no less.
 */
#ifndef ZS_ACCESS_COUNT_H
#define ZS_ACCESS_COUNT_H

#include <stdbool.h>
#include <stddef.h>

/* One whole copy of an object's bytes (both of its pages) is done. */
void zs_count_copy(bool to_pages, size_t bytes);

#endif /* ZS_ACCESS_COUNT_H */
