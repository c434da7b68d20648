// SPDX-License-Identifier: MIT
/*
 * bench_blobs: many small blobs, the dense-store job of issue 12 beside
 * the page trace. Store COUNT blobs of sizes spread evenly over the powers
 * of two in [MIN, MAX] (so as many of 16..31 bytes as of 256..511), then
 * free them in a random order down to half, a tenth and a hundredth of
 * them, and print after each step what the store holds: the pool's own
 * pages (resident growth for malloc), resident growth, and the metadata
 * per live blob (resident growth beyond the pool's pages, or beyond the
 * blobs' bytes for malloc).
 */
#include "backend.h"
#include "meta_parts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct opts {
	const char *backend, *label, *tsv;
	unsigned long count;
	size_t min, max;
	uint64_t seed;
	int release, compact;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_blobs --backend NAME [--count N] [--min BYTES]\n"
		"       [--max BYTES] [--seed N] [--release] [--compact]\n"
		"       [--label TEXT] [--tsv FILE]\n"
		"  NAME: zsmalloc[-builtin][-nomerge][-cN], malloc, "
		"zpool-TYPE\n"
		"  defaults: --count 1000000 --min 16 --max 512 --seed 1\n"
		"  --release: give freed memory back after each step (malloc)\n"
		"  --compact: zs_compact after each step (zsmalloc)\n");
	exit(2);
}

static uint64_t next_random(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int log2_floor(size_t n)
{
	unsigned int k = 0;

	while (n >>= 1)
		k++;
	return k;
}

/* A power of two in [min, max] picked evenly, then a size within it. */
static size_t blob_size(const struct opts *o, uint64_t *s)
{
	unsigned int lo = log2_floor(o->min), hi = log2_floor(o->max);
	unsigned int k = lo + (unsigned int)(next_random(s) % (hi - lo + 1));
	size_t a = (size_t)1 << k, b = ((size_t)2 << k) - 1;

	if (a < o->min)
		a = o->min;
	if (b > o->max)
		b = o->max;
	return a + (size_t)(next_random(s) % (b - a + 1));
}

static double mib(int64_t n)
{
	return (double)n / (1024.0 * 1024.0);
}

/* How far n bytes exceed data, in percent of data. */
static double percent_over(int64_t n, uint64_t data)
{
	return data ? 100.0 * (double)(n - (int64_t)data) / (double)data : 0;
}

static void report(const struct opts *o, struct backend *b, FILE *tsv,
		   const char *step, unsigned long objs, uint64_t data,
		   uint64_t rss0)
{
	int64_t rss = (int64_t)(resident_bytes() - rss0);
	uint64_t pool = b->pool_bytes(b);
	int64_t used = pool ? (int64_t)pool : rss;
	double over = percent_over(used, data);
	double rss_over = percent_over(rss, data);
	/* malloc: what its blocks hold beyond the bytes; pools: beyond pages */
	int64_t meta = pool ? rss - used : rss - (int64_t)data;
	double per = objs ? (double)meta / (double)objs : 0;

	if (pool)
		meta_parts_record(b, step, objs, meta);

	printf("| %-6s | %8lu | %8.2f | %8.2f | %8.2f%% | %8.2f | %8.2f%% | "
	       "%8.1f |\n",
	       step, objs, mib((int64_t)data), mib(used), over, mib(rss),
	       rss_over, per);
	if (tsv)
		fprintf(tsv,
			"%s\t%s\t%lu\t%llu\t%lld\t%.4f\t%lld\t%.4f\t%.1f\n",
			o->label, step, objs, (unsigned long long)data,
			(long long)used, over, (long long)rss, rss_over, per);
}

static void parse(struct opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--release") == 0) {
			o->release = 1;
			continue;
		}
		if (strcmp(a, "--compact") == 0) {
			o->compact = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (strcmp(a, "--backend") == 0)
			o->backend = argv[++i];
		else if (strcmp(a, "--count") == 0)
			o->count = strtoul(argv[++i], NULL, 10);
		else if (strcmp(a, "--min") == 0)
			o->min = strtoul(argv[++i], NULL, 10);
		else if (strcmp(a, "--max") == 0)
			o->max = strtoul(argv[++i], NULL, 10);
		else if (strcmp(a, "--seed") == 0)
			o->seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(a, "--label") == 0)
			o->label = argv[++i];
		else if (strcmp(a, "--tsv") == 0)
			o->tsv = argv[++i];
		else
			usage();
	}
	if (!o->backend || !o->count || !o->min || o->min > o->max ||
	    o->max > 4096)
		usage();
	if (!o->label)
		o->label = o->backend;
}

int main(int argc, char **argv)
{
	static const unsigned int keep_per_mille[] = {500, 100, 10};
	struct opts o = {.count = 1000000, .min = 16, .max = 512, .seed = 1};
	unsigned long *handles, *order, live;
	uint32_t *sizes;
	unsigned char src[4096];
	uint64_t rng, data = 0, rss0;
	struct backend b;
	FILE *tsv = NULL;

	parse(&o, argc, argv);
	handles = malloc(o.count * sizeof(*handles));
	order = malloc(o.count * sizeof(*order));
	sizes = malloc(o.count * sizeof(*sizes));
	if (!handles || !order || !sizes) {
		fprintf(stderr, "bench_blobs: out of memory\n");
		return 1;
	}
	/* every array the run needs is written before the baseline */
	rng = o.seed;
	for (unsigned long i = 0; i < o.count; i++) {
		unsigned long j = (unsigned long)(next_random(&rng) % (i + 1));

		handles[i] = 0;
		sizes[i] = (uint32_t)blob_size(&o, &rng);
		if (j != i) /* inside-out shuffle */
			order[i] = order[j];
		order[j] = i;
	}
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 1);
	if (o.tsv && !(tsv = fopen(o.tsv, "a"))) {
		perror(o.tsv);
		return 1;
	}
	if (backend_open(&b, o.backend, 4096))
		return 1;
	rss0 = resident_bytes();

	printf("\n%s (%lu blobs of %zu..%zu bytes, freed in random order%s, "
	       "%s malloc underneath)\n\n",
	       o.label, o.count, o.min, o.max,
	       o.release   ? ", memory released after each step"
	       : o.compact ? ", zs_compact after each step"
			   : "",
	       backend_malloc_name());
	printf("| step   |    blobs | data MiB | used MiB |   over %%  | "
	       " RSS MiB | RSS over %% | meta B/obj |\n");
	printf("|--------|---------:|---------:|---------:|----------:|"
	       "---------:|----------:|-----------:|\n");
	for (unsigned long i = 0; i < o.count; i++) {
		handles[i] = b.store(&b, src, sizes[i]);
		if (!handles[i]) {
			fprintf(stderr, "bench_blobs: store %lu failed\n", i);
			return 1;
		}
		data += sizes[i];
	}
	live = o.count;
	report(&o, &b, tsv, "full", live, data, rss0);
	for (size_t s = 0; s < sizeof(keep_per_mille) / sizeof(*keep_per_mille);
	     s++) {
		unsigned long target =
			(unsigned long)((uint64_t)o.count * keep_per_mille[s] /
					1000);
		char step[16];

		for (; live > target; live--) {
			unsigned long i = order[o.count - live];

			b.discard(&b, handles[i]);
			handles[i] = 0;
			data -= sizes[i];
		}
		if (o.release)
			backend_malloc_release();
		if (o.compact && b.compact)
			b.compact(&b);
		snprintf(step, sizeof(step), "%u%%", keep_per_mille[s] / 10);
		report(&o, &b, tsv, step, live, data, rss0);
	}
	meta_parts_print();
	for (unsigned long i = 0; i < o.count; i++)
		if (handles[i])
			b.discard(&b, handles[i]);
	b.destroy(&b);
	if (tsv)
		fclose(tsv);
	free(handles);
	free(order);
	free(sizes);
	return 0;
}
