/* SPDX-License-Identifier: MIT */
/*
 * The stores a replay can use, behind one small interface: zsmalloc pools
 * (map/unmap access), the process's malloc (memcpy access; which malloc
 * depends on LD_PRELOAD), and zpool backends (zbud).
 */
#ifndef BENCH_BACKEND_H
#define BENCH_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <zsmalloc.h>

struct region;

struct backend {
	const char *kind; /* "zsmalloc", "malloc", "zpool" */
	void *pool;
	int merge;	       /* zsmalloc: class merging */
	unsigned int chain;    /* zsmalloc: max pages per zspage */
	char zpool_type[32];   /* zpool: driver type */
	struct region *region; /* zsmalloc: bench page provider, or NULL */
	struct zs_page_provider provider;
	/* store = allocate + write; 0 when the allocation failed */
	unsigned long (*store)(struct backend *b, const void *src, size_t n);
	void (*load)(struct backend *b, unsigned long h, void *dst, size_t n);
	/* NULL, or n objects at once, object i whole into dst[i] */
	void (*load_batch)(struct backend *b, const unsigned long *h,
			   void *const *dst, size_t n);
	void (*discard)(struct backend *b, unsigned long h);
	/* bytes of pages the pool holds by its own count; 0: none kept */
	uint64_t (*pool_bytes)(struct backend *b);
	/* zsmalloc: zs_compact, pages released; NULL: nothing to compact */
	unsigned long (*compact)(struct backend *b);
	void (*destroy)(struct backend *b);
};

/*
 * name: "zsmalloc[-builtin][-nomerge][-cN][-obj][-batch]" (chain N,
 * default 4; -builtin: the core's own page provider instead of the bench's
 * give-back-at-free one; -obj: the 2025 access API, zs_obj_write and
 * zs_obj_read_begin/_end, instead of map/unmap; -batch: loads through
 * zs_obj_read_batch), "malloc", or
 * "zpool-TYPE" (zpool-zbud, zpool-zsmalloc). 0, or -1 with a
 * message.
 */
int backend_open(struct backend *b, const char *name, size_t page_size);

/* Which malloc the process runs on: "glibc", "jemalloc" or "mimalloc". */
const char *backend_malloc_name(void);
/*
 * Give freed memory back to the system the allocator's own way:
 * malloc_trim(0) for glibc, an arena purge for jemalloc, mi_collect(true)
 * for mimalloc.
 */
void backend_malloc_release(void);

/* Resident bytes of this process (/proc/self/statm), 0 if unknown. */
uint64_t resident_bytes(void);

#endif
