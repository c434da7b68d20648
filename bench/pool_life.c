// SPDX-License-Identifier: MIT
/*
 * bench_pool_life: what a pool's life costs when it is short: create it,
 * store and free one object, destroy it. Users who make a pool per
 * device, per request or per test pay it each time, and so does every
 * fuzz input (each makes its own pool).
 *
 *   bench_pool_life [--cycles N] [--runs R]
 *
 * For each configuration (page size, chain, class merging, shards) it
 * times N lives R times and prints the median ns per life, with the
 * minimum and maximum, as a markdown table. The pool uses the built-in
 * page provider.
 */
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zsmalloc.h>

#define MAX_RUNS 31

struct life_config {
	size_t page_size;
	unsigned int chain;
	int no_merge;
	unsigned int shards;
};

static const struct life_config configs[] = {
	{4096, 4, 0, 1},  {4096, 4, 1, 1},   {4096, 4, 0, 4},
	{16384, 8, 0, 1}, {65536, 16, 0, 1}, {65536, 16, 1, 1},
};

/* One life; exits on a failure, which no configuration here should see. */
static void live_once(const struct zs_pool_config *cfg)
{
	struct zs_pool *pool = zs_create_pool_config("life", cfg);
	unsigned long h;
	void *p;

	if (!pool) {
		fprintf(stderr,
			"bench_pool_life: zs_create_pool_config failed\n");
		exit(1);
	}
	h = zs_malloc(pool, 100);
	if (!h) {
		fprintf(stderr, "bench_pool_life: zs_malloc failed\n");
		exit(1);
	}
	p = zs_map_object(pool, h, ZS_MM_WO);
	memset(p, 0x5a, 100);
	zs_unmap_object(pool, h);
	zs_free(pool, h);
	zs_destroy_pool(pool);
}

int main(int argc, char **argv)
{
	long cycles = 2000;
	int runs = 7;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cycles") && i + 1 < argc)
			cycles = atol(argv[++i]);
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_pool_life [--cycles N] "
					"[--runs R]\n");
			return 2;
		}
	}
	if (cycles < 1 || runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr,
			"bench_pool_life: --cycles >= 1, --runs 1..%d\n",
			MAX_RUNS);
		return 2;
	}
	printf("| page size | chain | merged | shards | ns per life (median) "
	       "| min | max |\n");
	printf("|---:|---:|:---:|---:|---:|---:|---:|\n");
	for (size_t k = 0; k < sizeof(configs) / sizeof(configs[0]); k++) {
		const struct life_config *lc = &configs[k];
		struct zs_pool_config cfg = {
			.page_size = lc->page_size,
			.max_pages_per_zspage = lc->chain,
			.no_class_merge = lc->no_merge,
			.shards = lc->shards,
		};
		double v[MAX_RUNS], med, lo, hi;

		live_once(
			&cfg); /* warm: the first maps what later ones reuse */
		for (int r = 0; r < runs; r++) {
			double t0 = bench_now_ns();

			for (long c = 0; c < cycles; c++)
				live_once(&cfg);
			v[r] = (bench_now_ns() - t0) / (double)cycles;
		}
		bench_stats(v, runs, &med, &lo, &hi);
		printf("| %zu | %u | %s | %u | %.0f | %.0f | %.0f |\n",
		       lc->page_size, lc->chain, lc->no_merge ? "no" : "yes",
		       lc->shards, med, lo, hi);
	}
	return 0;
}
