/* SPDX-License-Identifier: MIT */
/*
 * A pool's small metadata (zspage descriptors, with their pages'
 * descriptors inside): the analogue of the kernel's kmem_cache for them.
 * Objects of one size share 4 KiB chunks mapped on their own; a chunk
 * whose last object is freed goes back to the system, where a block freed
 * in the middle of malloc's heap would stay resident for the life of the
 * process.
 *
 * Sizes are rounded up to 8 bytes; above ZS_META_MAX an object is a
 * malloc'd block as before (few: only classes of very many objects per
 * zspage have such descriptors). Objects are zeroed. Every object counts
 * as one metadata allocation (zs_slab_live, the fault hook) as a malloc'd
 * block did.
 */
#ifndef ZS_META_H
#define ZS_META_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/compiler.h"
#include "kernel/lock.h"

#define ZS_META_CHUNK  4096u
#define ZS_META_ALIGN  8u
#define ZS_META_MAX    1024u
#define ZS_META_CACHES (ZS_META_MAX / ZS_META_ALIGN)
#define ZS_META_MAP_WORDS                                                      \
	((ZS_META_CACHES + ZS_BITS_PER_LONG - 1) / ZS_BITS_PER_LONG)

struct zs_meta_chunk;

struct zs_meta_cache {
	struct zs_meta_chunk *partial;	/* chunks with a free object */
	struct zs_meta_chunk *draining; /* sparse ones, not allocated from */
	unsigned long nr_chunks, nr_partial;
};

struct zs_meta {
	_Alignas(ZS_CACHE_LINE) struct zs_mutex lock;
	/* cache i holds objects of (i + 1) * ZS_META_ALIGN bytes */
	struct zs_meta_cache caches[ZS_META_CACHES];
	/* caches holding a chunk: the walks over them visit only those */
	unsigned long in_use[ZS_META_MAP_WORDS];
	size_t large_bytes; /* objects above ZS_META_MAX, malloc'd */
};

int zs_meta_init(struct zs_meta *m);
/* Every object must have been freed. */
void zs_meta_destroy(struct zs_meta *m);
/* A zeroed object of size bytes, or NULL. */
void *zs_meta_zalloc(struct zs_meta *m, size_t size);
/* Free p, allocated with the same size. */
void zs_meta_free(struct zs_meta *m, void *p, size_t size);
/*
 * Compaction of the caches themselves, by their users: between begin and
 * end, chunks that were at most half used (in caches with more than one
 * chunk with room) are drained: nothing is allocated from them, so a user
 * that moves its objects out (allocate, copy, repoint, free) empties them
 * and they go back to the system.
 */
/* Returns the chunks now being drained (0: nothing to do). */
unsigned long zs_meta_drain_begin(struct zs_meta *m);
void zs_meta_drain_end(struct zs_meta *m);
/*
 * What the caches hold now, read at once: their chunks, and in bytes the
 * chunks and the objects too large for one.
 */
void zs_meta_usage(struct zs_meta *m, unsigned long *chunks, size_t *bytes);
/* Is p (allocated with size) in a chunk being drained? */
bool zs_meta_draining(struct zs_meta *m, const void *p, size_t size);

/* Chunks mapped now (for tests and the bench). */
unsigned long zs_meta_nr_chunks(struct zs_meta *m);

#endif /* ZS_META_H */
