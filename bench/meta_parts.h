/* SPDX-License-Identifier: MIT */
/*
 * zsmalloc's metadata by part (zs_pool_meta), collected after each step
 * of a run and printed as one table at its end, beside the run's own.
 */
#ifndef BENCH_META_PARTS_H
#define BENCH_META_PARTS_H

#include <stdint.h>

#include "backend.h"

/*
 * After a step: objs live objects, beyond bytes of resident growth beyond
 * the pool's pages. Nothing for backends other than zsmalloc pools.
 */
void meta_parts_record(struct backend *b, const char *step, uint64_t objs,
		       int64_t beyond);
/* The table of the steps recorded, then forgets them; none: nothing. */
void meta_parts_print(void);

#endif /* BENCH_META_PARTS_H */
