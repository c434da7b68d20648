// SPDX-License-Identifier: MIT
#include "harness.h"

#include "fail.h"

struct zs_pool *zs_fuzz_pool(const struct zs_pool_config *cfg, int may_fail)
{
	struct zs_pool *pool = zs_create_pool_config("fuzz", cfg);

	if (!pool && !may_fail)
		zs_fuzz_fail("zs_create_pool_config refused page %zu, chain "
			     "%u, physmem %u, merge %s",
			     cfg->page_size, cfg->max_pages_per_zspage,
			     cfg->physmem_bits,
			     cfg->no_class_merge ? "off" : "on");
	return pool;
}
