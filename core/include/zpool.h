/* SPDX-License-Identifier: MIT */
/*
 * zpool: one front end over several allocators of compressed pages, as the
 * 2014 kernel had it. A backend registers a driver under a type name;
 * users create pools by type and then use handles through the driver, so a
 * client such as zstore does not care which allocator is behind it.
 *
 * Built-in backends, registered on first use: "zsmalloc" and "zbud".
 *
 * The type a caller passes only ever selects a registered driver by exact
 * comparison: it is never used as a format string, never completed with a
 * prefix and never used to find or load anything else. A type is 1 to
 * ZPOOL_TYPE_MAX bytes of [a-z0-9_-] when a driver registers it; any other
 * string simply names no driver.
 */
#ifndef ZPOOL_H
#define ZPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zsmalloc.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZPOOL_TYPE_MAX 31

enum zpool_mapmode {
	ZPOOL_MM_RW, /* read and write */
	ZPOOL_MM_RO, /* read only: changes may be lost */
	ZPOOL_MM_WO, /* write only: the old contents are unspecified */
};

struct zpool;

/*
 * Callbacks from a pool to its user. The 2014 kernel had evict() for
 * zpool_shrink(); nothing here shrinks a pool, so the ops are only kept
 * and handed to the backend. NULL is fine.
 */
struct zpool_ops {
	int (*evict)(struct zpool *pool, unsigned long handle);
};

/* User-space settings a backend takes when a pool is created. */
struct zpool_config {
	size_t page_size; /* power of two, 4096..65536; 0: 4096 */
	const struct zs_page_provider *pages; /* NULL: built-in provider */
};

/*
 * A backend. The fields after total_size belong to zpool.c (a driver
 * leaves them zero). A driver stays registered until unregistered; it
 * cannot be unregistered while pools of it exist.
 */
struct zpool_driver {
	const char *type;
	/* The backend's pool, or NULL. */
	void *(*create)(const char *name, const struct zpool_config *cfg,
			const struct zpool_ops *ops, struct zpool *zpool);
	/* 0, or nonzero when the backend refused (and said why): the
	 * pool is kept, e.g. while an object of it is mapped. */
	int (*destroy)(void *pool);
	/* 0, or -EINVAL (size 0), -ENOSPC (too large), -ENOMEM. */
	int (*malloc)(void *pool, size_t size, unsigned long *handle);
	void (*free)(void *pool, unsigned long handle);
	void *(*map)(void *pool, unsigned long handle, enum zpool_mapmode mm);
	void (*unmap)(void *pool, unsigned long handle);
	uint64_t (*total_size)(void *pool); /* bytes of pages held */

	/* zpool.c's own: registry link and live pools */
	struct zpool_driver *next;
	unsigned long refcount;
};

/* 0; -EINVAL for a bad type or missing callback; -EEXIST if taken. */
int zpool_register_driver(struct zpool_driver *driver);
/* 0; -EBUSY while pools of it exist; -ENOENT if not registered. */
int zpool_unregister_driver(struct zpool_driver *driver);

/* True when type names a registered driver. */
bool zpool_has_pool(const char *type);

/*
 * A pool of backend type, or NULL (unknown type, refused config, no
 * memory). name labels the pool in messages; ops may be NULL.
 */
struct zpool *zpool_create_pool(const char *type, const char *name,
				const struct zpool_ops *ops);
/* The same with a page size and page provider (cfg NULL: defaults). */
struct zpool *zpool_create_pool_config(const char *type, const char *name,
				       const struct zpool_ops *ops,
				       const struct zpool_config *cfg);
void zpool_destroy_pool(struct zpool *zpool);
/* The registered type string of the pool's driver. */
const char *zpool_get_type(const struct zpool *zpool);

/* 0 and *handle, or a negative errno (see struct zpool_driver). */
int zpool_malloc(struct zpool *zpool, size_t size, unsigned long *handle);
void zpool_free(struct zpool *zpool, unsigned long handle);
void *zpool_map_handle(struct zpool *zpool, unsigned long handle,
		       enum zpool_mapmode mm);
void zpool_unmap_handle(struct zpool *zpool, unsigned long handle);
/* Bytes of page memory the pool holds now. */
uint64_t zpool_get_total_size(struct zpool *zpool);

#ifdef __cplusplus
}
#endif

#endif /* ZPOOL_H */
