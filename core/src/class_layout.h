/* SPDX-License-Identifier: MIT */
/*
 * The shape of every class of a geometry: pages and objects per zspage and
 * which step serves which once equal classes merge. Pure math, but 257
 * steps of it (a search over chain lengths and a division each) were a
 * third of a short-lived pool's life, so the layouts made last are kept
 * and a pool of a known geometry copies one.
 */
#ifndef ZS_CLASS_LAYOUT_H
#define ZS_CLASS_LAYOUT_H

#include <stdint.h>

#include "size_class.h"

struct zs_class_layout {
	unsigned int nr_steps;
	unsigned int nr_distinct;	  /* serving steps */
	uint8_t pages[ZS_MAX_STEPS];	  /* pages per zspage (1..16) */
	uint16_t objs[ZS_MAX_STEPS];	  /* objects per zspage */
	uint16_t served_by[ZS_MAX_STEPS]; /* itself, or a larger step */
	/* the serving steps ascending; for step k, the position there of
	 * the first serving step at k or above (pool.h's walks) */
	uint16_t serving[ZS_MAX_STEPS];
	uint16_t serving_from[ZS_MAX_STEPS + 1];
};

/* The layout of g's classes into out: from the cache, or worked out. */
void zs_class_layout_get(const struct zs_geometry *g,
			 struct zs_class_layout *out);
/* Works it out, bypassing the cache (for tests to compare against). */
void zs_class_layout_compute(const struct zs_geometry *g,
			     struct zs_class_layout *out);

#endif /* ZS_CLASS_LAYOUT_H */
