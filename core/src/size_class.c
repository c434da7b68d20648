// SPDX-License-Identifier: MIT
#include "size_class.h"

#include <stdio.h>

static bool is_power_of_two(size_t v)
{
	return v && !(v & (v - 1));
}

static unsigned int log2_of(size_t v)
{
	unsigned int s = 0;

	while (((size_t)1 << s) < v)
		s++;
	return s;
}

int zs_geometry_init(struct zs_geometry *g, const struct zs_pool_config *cfg,
		     char *why, size_t why_len)
{
	size_t ps = cfg && cfg->page_size ? cfg->page_size : ZS_MIN_PAGE_SIZE;
	unsigned int chain = cfg && cfg->max_pages_per_zspage
				     ? cfg->max_pages_per_zspage
				     : ZS_DEFAULT_CHAIN;
	unsigned int pm = cfg && cfg->physmem_bits ? cfg->physmem_bits
						   : ZS_DEFAULT_PHYSMEM_BITS;
	size_t min;

	if (!is_power_of_two(ps) || ps < ZS_MIN_PAGE_SIZE ||
	    ps > ZS_MAX_PAGE_SIZE) {
		snprintf(why, why_len,
			 "page size %zu is not a power of two in %u..%u", ps,
			 ZS_MIN_PAGE_SIZE, ZS_MAX_PAGE_SIZE);
		return -1;
	}
	if (chain > ZS_MAX_CHAIN) {
		snprintf(why, why_len,
			 "%u pages per zspage: at most %u are supported", chain,
			 ZS_MAX_CHAIN);
		return -1;
	}
	g->page_size = ps;
	g->page_shift = log2_of(ps);
	if (pm <= g->page_shift || pm > ZS_BITS_PER_LONG) {
		snprintf(why, why_len,
			 "physmem_bits %u must be above the page shift %u and "
			 "at most %u",
			 pm, g->page_shift, ZS_BITS_PER_LONG);
		return -1;
	}
	g->chain = chain;
	g->physmem_bits = pm;
	g->pfn_bits = pm - g->page_shift;
	g->obj_index_bits = ZS_BITS_PER_LONG - g->pfn_bits - ZS_OBJ_TAG_BITS;

	/* obj_index_bits >= page_shift - 1 >= 11 here, so the shift is safe */
	min = ((size_t)chain << g->page_shift) >> g->obj_index_bits;
	if (min < ZS_MIN_OBJ_SIZE)
		min = ZS_MIN_OBJ_SIZE;
	min = (min + 7) & ~(size_t)7;
	g->min_size = min;
	g->max_size = ps;
	g->delta = ps >> 8;
	g->delta_shift = g->page_shift - 8;
	if (min > ps || (((size_t)chain << g->page_shift) / min) >
				(1ul << g->obj_index_bits)) {
		snprintf(why, why_len,
			 "%u object index bits cannot number the objects of "
			 "a zspage",
			 g->obj_index_bits);
		return -1;
	}
	/* Rounded up: the top step is clamped to max, never short of it. */
	g->nr_steps =
		(unsigned int)((g->max_size - min + g->delta - 1) / g->delta) +
		1;
	g->merge = !(cfg && cfg->no_class_merge);
	return 0;
}

size_t zs_step_size(const struct zs_geometry *g, unsigned int i)
{
	size_t s = g->min_size + (size_t)i * g->delta;

	return s < g->max_size ? s : g->max_size;
}

unsigned int zs_best_pages_per_zspage(size_t page_size, size_t size,
				      unsigned int chain)
{
	unsigned long long best_used = 0, best_span = 1;
	/* objects in n pages, floor(n * page_size / size), carried from n - 1
	 * without a division each: every pool works this out for every step */
	size_t per_page = page_size / size, left = page_size % size;
	size_t objs = 0, carry = 0;
	unsigned int n, best = 1;

	for (n = 1; n <= chain; n++) {
		unsigned long long span = (unsigned long long)n * page_size;
		unsigned long long used;

		objs += per_page;
		carry += left;
		if (carry >= size) {
			objs++;
			carry -= size;
		}
		used = (unsigned long long)objs * size;

		/* used/span > best_used/best_span, exactly */
		if (used * best_span > best_used * span) {
			best_used = used;
			best_span = span;
			best = n;
		}
	}
	return best;
}

enum zs_fullness_group zs_fullness_of(unsigned int inuse, unsigned int objs)
{
	if (inuse == 0)
		return ZS_EMPTY;
	if (inuse == objs)
		return ZS_FULL;
	if (inuse <= 3 * objs / ZS_FULLNESS_FRAC)
		return ZS_ALMOST_EMPTY;
	return ZS_ALMOST_FULL;
}
