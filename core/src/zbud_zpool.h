/* SPDX-License-Identifier: MIT */
/* zbud's zpool driver, registered by zpool.c on first use. */
#ifndef ZS_ZBUD_ZPOOL_H
#define ZS_ZBUD_ZPOOL_H

#include <zpool.h>

extern struct zpool_driver zbud_zpool_driver;

#endif /* ZS_ZBUD_ZPOOL_H */
