// SPDX-License-Identifier: MIT
/*
 * zpool: a registry of backend drivers and the front end that forwards to
 * them. The built-in drivers (zsmalloc here, zbud in zbud_zpool.c) are
 * registered on first use. A type string is only ever compared with
 * registered types: it selects nothing else, and when it is printed it is
 * escaped and cut short, as an argument, never as a format.
 */
#include <zpool.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "kernel/report.h"
#include "kernel/slab.h"
#include "pool.h"
#include "zbud_zpool.h"

struct zpool {
	struct zpool_driver *driver;
	void *pool;
	const struct zpool_ops *ops;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zpool_driver *drivers;

/* ---- the zsmalloc backend ---- */

static void *zs_zpool_create(const char *name, const struct zpool_config *cfg,
			     const struct zpool_ops *ops, struct zpool *zpool)
{
	struct zs_pool_config zc = {0};

	(void)ops; /* nothing evicts: there is no shrinker */
	(void)zpool;
	if (cfg) {
		zc.page_size = cfg->page_size;
		zc.pages = cfg->pages;
	}
	return zs_create_pool_config(name, &zc);
}

static int zs_zpool_destroy(void *pool)
{
	return zs_pool_try_destroy(pool);
}

static int zs_zpool_malloc(void *pool, size_t size, unsigned long *handle)
{
	unsigned long h;

	if (size == 0)
		return -EINVAL;
	if (size > zs_max_alloc_size(pool))
		return -ENOSPC;
	h = zs_malloc(pool, size);
	if (!h)
		return -ENOMEM;
	*handle = h;
	return 0;
}

static void zs_zpool_free(void *pool, unsigned long handle)
{
	zs_free(pool, handle);
}

static void *zs_zpool_map(void *pool, unsigned long handle,
			  enum zpool_mapmode mm)
{
	enum zs_mapmode zm = mm == ZPOOL_MM_RO	 ? ZS_MM_RO
			     : mm == ZPOOL_MM_WO ? ZS_MM_WO
						 : ZS_MM_RW;

	return zs_map_object(pool, handle, zm);
}

static void zs_zpool_unmap(void *pool, unsigned long handle)
{
	zs_unmap_object(pool, handle);
}

static uint64_t zs_zpool_total_size(void *pool)
{
	/* the largest object is one page: that is the pool's page size */
	return (uint64_t)zs_get_total_pages(pool) * zs_max_alloc_size(pool);
}

static struct zpool_driver zs_zpool_driver = {
	.type = "zsmalloc",
	.create = zs_zpool_create,
	.destroy = zs_zpool_destroy,
	.malloc = zs_zpool_malloc,
	.free = zs_zpool_free,
	.map = zs_zpool_map,
	.unmap = zs_zpool_unmap,
	.total_size = zs_zpool_total_size,
};

/* ---- the registry ---- */

/* What a driver may call itself: 1..ZPOOL_TYPE_MAX of [a-z0-9_-]. */
static bool type_ok(const char *type)
{
	size_t n;

	if (!type)
		return false;
	n = strnlen(type, ZPOOL_TYPE_MAX + 1);
	if (n == 0 || n > ZPOOL_TYPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = type[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Exact match only; under registry_lock. */
static struct zpool_driver *find_locked(const char *type)
{
	struct zpool_driver *d;

	if (!type_ok(type))
		return NULL;
	for (d = drivers; d; d = d->next)
		if (strcmp(d->type, type) == 0)
			return d;
	return NULL;
}

static int register_locked(struct zpool_driver *driver)
{
	if (!driver || !type_ok(driver->type) || !driver->create ||
	    !driver->destroy || !driver->malloc || !driver->free ||
	    !driver->map || !driver->unmap || !driver->total_size)
		return -EINVAL;
	if (find_locked(driver->type))
		return -EEXIST;
	driver->refcount = 0;
	driver->next = drivers;
	drivers = driver;
	return 0;
}

static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

static void register_builtins(void)
{
	pthread_mutex_lock(&registry_lock);
	ZS_BUG_ON(register_locked(&zs_zpool_driver) != 0);
	ZS_BUG_ON(register_locked(&zbud_zpool_driver) != 0);
	pthread_mutex_unlock(&registry_lock);
}

static void lock_registry(void)
{
	pthread_once(&builtins_once, register_builtins);
	pthread_mutex_lock(&registry_lock);
}

int zpool_register_driver(struct zpool_driver *driver)
{
	int err;

	lock_registry();
	err = register_locked(driver);
	pthread_mutex_unlock(&registry_lock);
	return err;
}

int zpool_unregister_driver(struct zpool_driver *driver)
{
	struct zpool_driver **pp;
	int err = -ENOENT;

	lock_registry();
	for (pp = &drivers; *pp; pp = &(*pp)->next) {
		if (*pp != driver)
			continue;
		if (driver->refcount) {
			err = -EBUSY;
		} else {
			*pp = driver->next;
			driver->next = NULL;
			err = 0;
		}
		break;
	}
	pthread_mutex_unlock(&registry_lock);
	return err;
}

bool zpool_has_pool(const char *type)
{
	bool found;

	lock_registry();
	found = find_locked(type) != NULL;
	pthread_mutex_unlock(&registry_lock);
	return found;
}

/* A printable, bounded copy of a type for a message. */
static void escape_type(char *out, size_t cap, const char *type)
{
	size_t o = 0;

	if (!type) {
		snprintf(out, cap, "(null)");
		return;
	}
	for (size_t i = 0; type[i]; i++) {
		unsigned char c = (unsigned char)type[i];

		if (i > ZPOOL_TYPE_MAX || o + 5 >= cap) {
			snprintf(out + o, cap - o, "...");
			return;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

struct zpool *zpool_create_pool_config(const char *type, const char *name,
				       const struct zpool_ops *ops,
				       const struct zpool_config *cfg)
{
	struct zpool_driver *driver;
	struct zpool *zpool;
	char shown[4 * (ZPOOL_TYPE_MAX + 1) + 16];

	lock_registry();
	driver = find_locked(type);
	if (driver)
		driver->refcount++; /* it cannot go away under us now */
	pthread_mutex_unlock(&registry_lock);
	if (!driver) {
		escape_type(shown, sizeof(shown), type);
		zs_notice("zpool", "no backend of type \"%s\"", shown);
		return NULL;
	}
	zpool = zs_kzalloc(sizeof(*zpool));
	if (zpool) {
		zpool->driver = driver;
		zpool->ops = ops;
		zpool->pool =
			driver->create(name ? name : "zpool", cfg, ops, zpool);
		if (zpool->pool)
			return zpool;
		zs_kfree(zpool);
	}
	pthread_mutex_lock(&registry_lock);
	driver->refcount--;
	pthread_mutex_unlock(&registry_lock);
	return NULL;
}

struct zpool *zpool_create_pool(const char *type, const char *name,
				const struct zpool_ops *ops)
{
	return zpool_create_pool_config(type, name, ops, NULL);
}

void zpool_destroy_pool(struct zpool *zpool)
{
	struct zpool_driver *driver;

	if (!zpool)
		return;
	driver = zpool->driver;
	if (driver->destroy(zpool->pool) != 0)
		return; /* refused and reported: both pools stay usable */
	zs_kfree(zpool);
	pthread_mutex_lock(&registry_lock);
	driver->refcount--;
	pthread_mutex_unlock(&registry_lock);
}

const char *zpool_get_type(const struct zpool *zpool)
{
	return zpool ? zpool->driver->type : NULL;
}

int zpool_malloc(struct zpool *zpool, size_t size, unsigned long *handle)
{
	if (!zpool || !handle) {
		zs_report("zpool_malloc", "no %s",
			  zpool ? "handle pointer" : "pool");
		return -EINVAL;
	}
	return zpool->driver->malloc(zpool->pool, size, handle);
}

void zpool_free(struct zpool *zpool, unsigned long handle)
{
	if (!zpool) {
		zs_report("zpool_free", "no pool (handle %#lx)", handle);
		return;
	}
	zpool->driver->free(zpool->pool, handle);
}

void *zpool_map_handle(struct zpool *zpool, unsigned long handle,
		       enum zpool_mapmode mm)
{
	if (!zpool) {
		zs_report("zpool_map_handle", "no pool (handle %#lx)", handle);
		return NULL;
	}
	if (mm != ZPOOL_MM_RW && mm != ZPOOL_MM_RO && mm != ZPOOL_MM_WO) {
		zs_report("zpool_map_handle", "handle %#lx: bad mode %d",
			  handle, (int)mm);
		return NULL;
	}
	return zpool->driver->map(zpool->pool, handle, mm);
}

void zpool_unmap_handle(struct zpool *zpool, unsigned long handle)
{
	if (!zpool) {
		zs_report("zpool_unmap_handle", "no pool (handle %#lx)",
			  handle);
		return;
	}
	zpool->driver->unmap(zpool->pool, handle);
}

uint64_t zpool_get_total_size(struct zpool *zpool)
{
	return zpool ? zpool->driver->total_size(zpool->pool) : 0;
}
