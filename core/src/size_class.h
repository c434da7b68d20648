/* SPDX-License-Identifier: MIT */
/*
 * Pure math of a pool's geometry: delta, min and max sizes, the size steps,
 * pages per zspage and class merging. No memory, no locks.
 */
#ifndef ZS_SIZE_CLASS_H
#define ZS_SIZE_CLASS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <zsmalloc.h>

#include "kernel/compiler.h"

/* The platform's physical address width, as x86 has MAX_PHYSMEM_BITS. */
#define ZS_DEFAULT_PHYSMEM_BITS (ZS_BITS_PER_LONG == 64 ? 46u : 32u)
#define ZS_OBJ_TAG_BITS		1u
#define ZS_MIN_PAGE_SIZE	4096u
#define ZS_MAX_PAGE_SIZE	65536u
#define ZS_MAX_CHAIN		16u
#define ZS_DEFAULT_CHAIN	4u
/* Smallest object: the kernel's 32, and always room for a link word. */
#define ZS_MIN_OBJ_SIZE 32u
/*
 * Object indices in a zspage stay below 2^ZS_OBJ_LOW_BITS (16 pages of 64
 * KiB in 32-byte objects), so a handle slot packs an index in that many
 * bits beside its pfn.
 */
#define ZS_OBJ_LOW_BITS 15u
_Static_assert(ZS_MAX_CHAIN *ZS_MAX_PAGE_SIZE / ZS_MIN_OBJ_SIZE <=
		       1u << ZS_OBJ_LOW_BITS,
	       "object indices fit ZS_OBJ_LOW_BITS");
/* Size steps: the class delta is page_size / 256, so at most 256 + 1. */
#define ZS_MAX_STEPS 257u
/* Almost empty up to 3/4 in use: the 2015 threshold (2014 had 1/4). */
#define ZS_FULLNESS_FRAC 4u

struct zs_geometry {
	size_t page_size;
	unsigned int page_shift;
	unsigned int chain; /* max pages per zspage */
	unsigned int physmem_bits;
	unsigned int pfn_bits;
	unsigned int obj_index_bits;
	size_t min_size;
	size_t max_size;
	size_t delta;
	unsigned int delta_shift; /* delta is 2^delta_shift */
	unsigned int nr_steps;
	bool merge;
};

/*
 * Fill g from cfg (zeros meaning defaults). 0, or -1 with why (a sentence
 * for the user) when the config cannot be honoured.
 */
int zs_geometry_init(struct zs_geometry *g, const struct zs_pool_config *cfg,
		     char *why, size_t why_len);

/* Object size of step i; the top step is exactly max_size. */
size_t zs_step_size(const struct zs_geometry *g, unsigned int i);
/*
 * The step serving size (1..max_size), before merging. Inline, with a
 * shift: every zs_malloc, and every map and free (the class follows from
 * the size kept in the handle slot), asks.
 */
static inline unsigned int zs_size_to_step(const struct zs_geometry *g,
					   size_t size)
{
	if (size <= g->min_size)
		return 0;
	return (unsigned int)((size - g->min_size + g->delta - 1) >>
			      g->delta_shift);
}
/* Pages per zspage with the best usage, ties going to fewer pages. */
unsigned int zs_best_pages_per_zspage(size_t page_size, size_t size,
				      unsigned int chain);
/* Fullness group of a zspage with inuse of objs objects in use. */
enum zs_fullness_group zs_fullness_of(unsigned int inuse, unsigned int objs);

#endif /* ZS_SIZE_CLASS_H */
