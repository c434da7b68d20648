// SPDX-License-Identifier: MIT
/*
 * zs_ops: one pool per input (page size, chain, physmem width and merging
 * from the config prefix), then valid ops only: alloc, free, map RO/WO/RW,
 * whole and partial writes (also around page edges), read-checks, unmap
 * and pool checks, all against the shadow model; then (ops 8..11) the
 * moves: zs_compact and zs_page_migrate, after which the mapping held is
 * checked and every object before its next use, and the copy-based access
 * API. At the end every object is freed and the pool must be empty and
 * consistent.
 */
#include "harness.h"
#include "input.h"
#include "model.h"
#include "moves.h"
#include "ops.h"
#include "pages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zs_input in;
	struct zs_fuzz_config cfg;
	struct zs_pool *pool;
	struct zs_model m;

	zs_fuzz_pages_keep((size_t)40 << 20); /* see pages.c */
	zs_input_init(&in, data, size);
	zs_input_config(&in, &cfg);
	pool = zs_fuzz_pool(&cfg.pool, 0);
	zs_model_init(&m, pool);
	m.sole = 1;
	for (int n = 0; n < ZS_MAX_OPS && zs_input_left(&in); n++) {
		unsigned int op =
			zs_input_u8(&in) % (ZS_NR_COMMON_OPS + ZS_NR_MOVE_OPS);

		if (op < ZS_NR_COMMON_OPS)
			zs_run_common_op(&m, &in, op);
		else
			zs_run_move_op(&m, &in, op - ZS_NR_COMMON_OPS);
	}
	zs_model_finish(&m);
	zs_destroy_pool(pool);
	return 0;
}
