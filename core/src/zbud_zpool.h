/* SPDX-License-Identifier: MIT */
/* zbud's zpool driver, registered by zpool.c on first use. */
#ifndef ZS_ZBUD_ZPOOL_H
#define ZS_ZBUD_ZPOOL_H

#include <zpool.h>

extern struct zpool_driver zbud_zpool_driver;

struct zbud_pool;
/* zbud_destroy_pool, telling whether it refused: 0 or -EBUSY. */
int zbud_try_destroy(struct zbud_pool *pool);

#endif /* ZS_ZBUD_ZPOOL_H */
