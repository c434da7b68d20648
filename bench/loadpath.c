// SPDX-License-Identifier: MIT
/*
 * bench_loadpath: where the load phase's time goes, one thread. Every
 * stored size of the trace (LZO) goes into a zsmalloc pool (the built-in
 * provider) and, the same bytes, into a malloc block. Then the objects
 * that lie within one page are read back in store order, six ways:
 *
 *   map+copy+unmap     zs_map_object(RO), memcpy out, zs_unmap_object
 *   the same, prefetched ahead: the first three lines of the object
 *                      AHEAD places on, from the address an earlier map
 *                      gave (what a prefetch hint in the API could win)
 *   map+unmap          the same without touching the object
 *   map+byte+unmap     the same reading only its first byte
 *   copy, pool address memcpy from the address the map gave, no map
 *   copy, malloc block memcpy from the malloc'd copy
 *
 * Objects that straddle two pages are left out of every row: their map
 * copies them into the thread's area, which the two "copy" rows cannot
 * imitate. Each figure is the median of R runs, ns per object; the six
 * ways take turns within each run.
 *
 *   bench_loadpath TRACE [--runs R]
 */
#include "backend.h"
#include "timing.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	M_MAP_COPY,
	M_MAP_PREFETCH,
	M_MAP_ONLY,
	M_MAP_BYTE,
	M_COPY_POOL,
	M_COPY_HEAP,
	NR_M
};
/* how far ahead the prefetching row reaches, in objects */
#define AHEAD 4

static const char *const mode_names[NR_M] = {
	"map+copy+unmap", "the same, prefetched ahead", "map+unmap",
	"map+byte+unmap", "copy, pool address",		"copy, malloc block"};

struct objs {
	struct zs_pool *pool;
	size_t n;
	unsigned long *handle;
	uint32_t *size;
	unsigned char **addr; /* where the map put it; NULL: straddles */
	unsigned char **block;
};

static int addr_cmp(const void *a, const void *b)
{
	const unsigned char *x = *(unsigned char *const *)a;
	const unsigned char *y = *(unsigned char *const *)b;

	return (x > y) - (x < y);
}

/*
 * Every straddling object maps to this thread's area, one address for all
 * of them: the only address the sorted list holds twice. Returns how many
 * objects lie within a page.
 */
static size_t find_in_page(struct objs *o)
{
	unsigned char **sorted = malloc(o->n * sizeof(*sorted));
	unsigned char *area = NULL;
	size_t in_page = o->n;

	if (!sorted)
		return 0;
	for (size_t i = 0; i < o->n; i++) {
		o->addr[i] = zs_map_object(o->pool, o->handle[i], ZS_MM_RO);
		zs_unmap_object(o->pool, o->handle[i]);
		sorted[i] = o->addr[i];
	}
	qsort(sorted, o->n, sizeof(*sorted), addr_cmp);
	for (size_t i = 1; i < o->n && !area; i++)
		if (sorted[i] == sorted[i - 1])
			area = sorted[i];
	for (size_t i = 0; i < o->n; i++)
		if (o->addr[i] == area) {
			o->addr[i] = NULL;
			in_page--;
		}
	free(sorted);
	return in_page;
}

/* One pass of mode m over the objects within a page: ns in all. */
static double pass(const struct objs *o, int m, unsigned char *buf,
		   unsigned long *sink)
{
	double t0 = bench_now_ns();

	for (size_t i = 0; i < o->n; i++) {
		const unsigned char *p;

		if (!o->addr[i])
			continue;
		if (m == M_COPY_POOL || m == M_COPY_HEAP) {
			p = m == M_COPY_POOL ? o->addr[i] : o->block[i];
			memcpy(buf, p, o->size[i]);
			*sink += buf[o->size[i] - 1];
			continue;
		}
		if (m == M_MAP_PREFETCH && i + AHEAD < o->n &&
		    o->addr[i + AHEAD])
			for (int l = 0; l < 3; l++)
				__builtin_prefetch(o->addr[i + AHEAD] + 64 * l);
		p = zs_map_object(o->pool, o->handle[i], ZS_MM_RO);
		if (m == M_MAP_COPY || m == M_MAP_PREFETCH)
			memcpy(buf, p, o->size[i]);
		else if (m == M_MAP_BYTE)
			buf[0] = p[0];
		else
			*sink += (unsigned long)(uintptr_t)p;
		zs_unmap_object(o->pool, o->handle[i]);
		*sink += buf[0];
	}
	return bench_now_ns() - t0;
}

static int store_all(struct objs *o, const struct trace *t)
{
	unsigned char src[4096];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 1);
	for (uint32_t p = 0; p < t->npages; p++) {
		size_t n = trace_stored_size(t, t->pages[p].csize[TRACE_LZO]);
		unsigned char *dst;

		if (!n)
			continue;
		o->size[o->n] = (uint32_t)n;
		o->handle[o->n] = zs_malloc(o->pool, n);
		o->block[o->n] = malloc(n);
		if (!o->handle[o->n] || !o->block[o->n])
			return -1;
		dst = zs_map_object(o->pool, o->handle[o->n], ZS_MM_WO);
		memcpy(dst, src, n);
		zs_unmap_object(o->pool, o->handle[o->n]);
		memcpy(o->block[o->n], src, n);
		o->n++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long sink = 0;
	unsigned char buf[4096];
	struct objs o = {0};
	struct backend b;
	struct trace t;
	size_t in_page;
	int runs = 7;
	double *ns[NR_M];

	if (argc == 4 && strcmp(argv[2], "--runs") == 0)
		runs = atoi(argv[3]);
	if ((argc != 2 && argc != 4) || runs < 1) {
		fprintf(stderr, "usage: bench_loadpath TRACE [--runs R]\n");
		return 2;
	}
	if (trace_load(&t, argv[1]) ||
	    backend_open(&b, "zsmalloc-builtin", t.page_size))
		return 1;
	o.pool = b.pool;
	o.handle = calloc(t.npages, sizeof(*o.handle));
	o.size = calloc(t.npages, sizeof(*o.size));
	o.addr = calloc(t.npages, sizeof(*o.addr));
	o.block = calloc(t.npages, sizeof(*o.block));
	for (int m = 0; m < NR_M; m++)
		ns[m] = calloc((size_t)runs, sizeof(*ns[m]));
	if (!o.handle || !o.size || !o.addr || !o.block || !ns[NR_M - 1] ||
	    store_all(&o, &t) != 0) {
		fprintf(stderr, "bench_loadpath: out of memory\n");
		return 1;
	}
	in_page = find_in_page(&o);
	if (!in_page) {
		fprintf(stderr,
			"bench_loadpath: no object lies within a page\n");
		return 1;
	}
	printf("%zu objects, %zu within a page; ns per object, median of %d "
	       "runs (min-max), one thread\n\n",
	       o.n, in_page, runs);
	printf("| read | ns/object |\n|---|---:|\n");
	/* the modes take turns within each run: the machine's moods hit all */
	for (int r = 0; r < runs; r++)
		for (int m = 0; m < NR_M; m++)
			ns[m][r] = pass(&o, m, buf, &sink) / (double)in_page;
	for (int m = 0; m < NR_M; m++) {
		double med, lo, hi;

		bench_stats(ns[m], runs, &med, &lo, &hi);
		printf("| %s | %.1f (%.1f-%.1f) |\n", mode_names[m], med, lo,
		       hi);
	}
	if (sink == 1) /* keeps the reads */
		printf("\n");
	for (size_t i = 0; i < o.n; i++) {
		b.discard(&b, o.handle[i]);
		free(o.block[i]);
	}
	b.destroy(&b);
	free(o.handle);
	free(o.size);
	free(o.addr);
	free(o.block);
	for (int m = 0; m < NR_M; m++)
		free(ns[m]);
	trace_free(&t);
	return 0;
}
