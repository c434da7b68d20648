/* SPDX-License-Identifier: MIT */
/*
 * zbud: the simple allocator for compressed pages. A page holds at most two
 * objects ("buddies"): the first from the start of the page, the last from
 * the end. Sizes are rounded up to 64-byte chunks; pages with one buddy
 * free wait on lists indexed by their free chunks, so an allocation takes
 * the tightest page it fits in.
 *
 * Like the core (zsmalloc.h), page metadata lives out of band, so an object
 * may take a whole page; handles are checked before they are followed and
 * misuse goes through the core's report mechanism (zs_set_report_handler);
 * page bytes are touched only inside kmap_atomic windows and are closed to
 * memory checkers while not mapped.
 */
#ifndef ZBUD_H
#define ZBUD_H

#include <stddef.h>
#include <stdint.h>

#include <zsmalloc.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZBUD_CHUNK_SIZE 64u

struct zbud_pool;

struct zbud_config {
	size_t page_size; /* power of two, 4096..65536; 0: 4096 */
	const struct zs_page_provider *pages; /* NULL: built-in provider */
};

/* NULL when cfg is refused (one "zsmalloc: zbud: ..." line) or no memory. */
struct zbud_pool *zbud_create_pool(const struct zbud_config *cfg);
/* Frees every page, live objects included; refused while mapped. */
void zbud_destroy_pool(struct zbud_pool *pool);
/* 0 and *handle; -EINVAL (size 0, no pool), -ENOSPC (> page), -ENOMEM. */
int zbud_alloc(struct zbud_pool *pool, size_t size, unsigned long *handle);
void zbud_free(struct zbud_pool *pool, unsigned long handle); /* 0: no-op */
/* The object's bytes until zbud_unmap; NULL after a report. */
void *zbud_map(struct zbud_pool *pool, unsigned long handle);
void zbud_unmap(struct zbud_pool *pool, unsigned long handle);
/* Pages the pool holds now. */
uint64_t zbud_get_pool_size(struct zbud_pool *pool);

/* ---- Beyond the kernel's API ---- */

size_t zbud_page_size(const struct zbud_pool *pool);
/* Objects alive now. */
unsigned long zbud_nr_objects(struct zbud_pool *pool);
/* Checks lists, chunk counts and handles; 0, or the problems reported. */
int zbud_pool_check(struct zbud_pool *pool);

#ifdef __cplusplus
}
#endif

#endif /* ZBUD_H */
