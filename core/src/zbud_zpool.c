// SPDX-License-Identifier: MIT
/* zbud as a zpool backend: the calls map one to one. */
#include <zbud.h>
#include <zpool.h>

#include "zbud_zpool.h"

static void *zbud_zpool_create(const char *name, const struct zpool_config *cfg,
			       const struct zpool_ops *ops, struct zpool *zpool)
{
	struct zbud_config zc = {0};

	(void)name; /* zbud pools have no name */
	(void)ops;  /* nothing evicts: there is no shrinker */
	(void)zpool;
	if (cfg) {
		zc.page_size = cfg->page_size;
		zc.pages = cfg->pages;
	}
	return zbud_create_pool(&zc);
}

static int zbud_zpool_destroy(void *pool)
{
	return zbud_try_destroy(pool);
}

static int zbud_zpool_malloc(void *pool, size_t size, unsigned long *handle)
{
	return zbud_alloc(pool, size, handle);
}

static void zbud_zpool_free(void *pool, unsigned long handle)
{
	zbud_free(pool, handle);
}

/* zbud hands out the page bytes themselves: every mode is the same. */
static void *zbud_zpool_map(void *pool, unsigned long handle,
			    enum zpool_mapmode mm)
{
	(void)mm;
	return zbud_map(pool, handle);
}

static void zbud_zpool_unmap(void *pool, unsigned long handle)
{
	zbud_unmap(pool, handle);
}

static uint64_t zbud_zpool_total_size(void *pool)
{
	return zbud_get_pool_size(pool) * zbud_page_size(pool);
}

struct zpool_driver zbud_zpool_driver = {
	.type = "zbud",
	.create = zbud_zpool_create,
	.destroy = zbud_zpool_destroy,
	.malloc = zbud_zpool_malloc,
	.free = zbud_zpool_free,
	.map = zbud_zpool_map,
	.unmap = zbud_zpool_unmap,
	.total_size = zbud_zpool_total_size,
};
