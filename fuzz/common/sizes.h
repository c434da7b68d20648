/* SPDX-License-Identifier: MIT */
/*
 * Allocation sizes that break allocators: the edges of the pool's real size
 * classes (read back through zs_class_stat, so merging and clamping are the
 * library's, not ours), sizes whose objects straddle page boundaries, the
 * smallest and largest sizes, and uniform sizes.
 */
#ifndef ZS_FUZZ_SIZES_H
#define ZS_FUZZ_SIZES_H

#include <stddef.h>
#include <stdint.h>

#include "zsmalloc.h"

enum zs_size_kind {
	ZS_SIZE_CLASS_EDGE, /* a class's size, -1, +1 */
	ZS_SIZE_STRADDLE,   /* page_size / k + j: objects cross pages */
	ZS_SIZE_MIN,	    /* 1, min_alloc_size and its neighbours */
	ZS_SIZE_MAX,	    /* max_alloc_size and just below */
	ZS_SIZE_UNIFORM,    /* 1..max */
	ZS_NR_SIZE_KINDS
};

/* A valid size (1..max_alloc_size) chosen by kind and param. */
size_t zs_pick_size(struct zs_pool *pool, const struct zs_pool_info *info,
		    uint8_t kind, uint16_t param);

/*
 * Checks the class that serves size against the class table: it is the
 * class of step ceil((size - min) / delta) (or its merge target), at least
 * size bytes and at most a page. Fails the run otherwise; returns the step
 * of the class that serves it.
 */
unsigned int zs_check_class_of(struct zs_pool *pool,
			       const struct zs_pool_info *info, size_t size);

#endif /* ZS_FUZZ_SIZES_H */
