// SPDX-License-Identifier: MIT
#include "sizes.h"

#include "fail.h"

#include <stdint.h>

static size_t clamp_size(const struct zs_pool_info *info, size_t size)
{
	if (size < 1)
		return 1;
	if (size > info->max_alloc_size)
		return info->max_alloc_size;
	return size;
}

static size_t class_edge(struct zs_pool *pool, const struct zs_pool_info *info,
			 uint16_t param)
{
	struct zs_class_stat st;
	unsigned int idx = (param >> 2) % info->nr_size_classes;
	long adj = (long)(param & 3) - 1; /* -1, 0, +1, +2 */

	if (zs_class_stat(pool, idx, &st) != 0)
		zs_fuzz_fail("zs_class_stat(%u) failed, nr_size_classes %u",
			     idx, info->nr_size_classes);
	if (adj < 0 && st.size <= 1)
		return 1;
	return clamp_size(info, (size_t)((long)st.size + adj));
}

static size_t straddle(const struct zs_pool_info *info, uint16_t param)
{
	/* Sizes just around page_size / k make k objects that cross pages
	 * at every phase; odd sizes never align to a boundary at all. */
	size_t k = 2 + (param & 15);
	long j = (long)((param >> 4) & 7) - 3;
	size_t base = info->page_size / k;

	if (param & 0x8000)
		base = (info->page_size * 3) / (k + 1) / 2 * 2 + 1;
	return clamp_size(info, (size_t)((long)base + j));
}

static size_t min_size(const struct zs_pool_info *info, uint16_t param)
{
	switch (param % 5) {
	case 0:
		return 1;
	case 1:
		return clamp_size(info, info->min_alloc_size - 1);
	case 2:
		return clamp_size(info, info->min_alloc_size);
	case 3:
		return clamp_size(info, info->min_alloc_size + 1);
	default:
		return clamp_size(info, 1 + (param >> 3) % 64);
	}
}

size_t zs_pick_size(struct zs_pool *pool, const struct zs_pool_info *info,
		    uint8_t kind, uint16_t param)
{
	switch (kind % ZS_NR_SIZE_KINDS) {
	case ZS_SIZE_CLASS_EDGE:
		return class_edge(pool, info, param);
	case ZS_SIZE_STRADDLE:
		return straddle(info, param);
	case ZS_SIZE_MIN:
		return min_size(info, param);
	case ZS_SIZE_MAX:
		return info->max_alloc_size - (param % 4 == 3 ? 1 : 0);
	default:
		return 1 + (size_t)param % info->max_alloc_size;
	}
}

/* Pages per zspage that waste least for objects of size (ties: fewer). */
static unsigned int best_pages(const struct zs_pool_info *info, size_t size)
{
	unsigned int best = 1;
	uint64_t best_used = 0, best_span = 1;

	for (unsigned int n = 1; n <= info->max_pages_per_zspage; n++) {
		uint64_t span = (uint64_t)n * info->page_size;
		uint64_t used = span / size * size;

		/* used/span > best_used/best_span, without division; 64-bit
		 * products: up to 2^20 * 2^20 even where size_t is 32-bit */
		if (used * best_span > best_used * span) {
			best = n;
			best_used = used;
			best_span = span;
		}
	}
	return best;
}

/*
 * A step may only be served by a class of its own geometry: the pages per
 * zspage its own size would choose and the same objects per zspage (the
 * kernel's merge rule). Merging on pages alone would lose density and
 * corrupt nothing, so no other oracle sees it.
 */
static void check_step_geometry(const struct zs_pool_info *info,
				unsigned int idx,
				const struct zs_class_stat *st)
{
	size_t own = info->min_alloc_size + idx * info->size_class_delta;
	unsigned int pages;

	if (own > info->max_alloc_size)
		own = info->max_alloc_size;
	pages = best_pages(info, own);
	if (st->pages_per_zspage != pages ||
	    st->objs_per_zspage != pages * info->page_size / own)
		zs_fuzz_fail("step %u (size %zu) is served by class %u with %u "
			     "pages and %u objects per zspage; its own "
			     "geometry is %u pages, %zu objects",
			     idx, own, st->merged_into, st->pages_per_zspage,
			     st->objs_per_zspage, pages,
			     pages * info->page_size / own);
}

unsigned int zs_check_class_of(struct zs_pool *pool,
			       const struct zs_pool_info *info, size_t size)
{
	struct zs_class_stat st;
	size_t got = zs_class_size(pool, size);
	unsigned int idx = 0;

	if (size > info->min_alloc_size)
		idx = (unsigned int)((size - info->min_alloc_size +
				      info->size_class_delta - 1) /
				     info->size_class_delta);
	if (idx >= info->nr_size_classes)
		zs_fuzz_fail("size %zu maps to step %u of only %u classes "
			     "(page %zu, min %zu, delta %zu)",
			     size, idx, info->nr_size_classes, info->page_size,
			     info->min_alloc_size, info->size_class_delta);
	if (zs_class_stat(pool, idx, &st) != 0)
		zs_fuzz_fail("zs_class_stat(%u) failed", idx);
	if (got < size || got > info->max_alloc_size)
		zs_fuzz_fail("zs_class_size(%zu) = %zu, outside [size, %zu]",
			     size, got, info->max_alloc_size);
	if (got != st.size)
		zs_fuzz_fail("zs_class_size(%zu) = %zu but step %u serves "
			     "%zu (merged into %u)",
			     size, got, idx, st.size, st.merged_into);
	check_step_geometry(info, idx, &st);
	return st.merged_into;
}
