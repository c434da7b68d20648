// SPDX-License-Identifier: MIT
/*
 * bench_density: the untar-and-delete workload. Store every page of a
 * trace (allocate + write its compressed size), then delete top-level
 * directories largest first, freeing their pages. After the load and after
 * each deletion print the seed's columns: orig_size, compr_size, used_size,
 * overhead (used - compr) and overhead_ratio ((used - compr) / compr).
 *
 * used_size is the pool's own page count for zsmalloc and zpool backends,
 * and resident growth (/proc/self/statm) for malloc; the resident growth is
 * printed for every row, so zsmalloc's metadata counts too. "meta B/obj"
 * is metadata alone: resident growth beyond the pool's pages (beyond the
 * stored bytes for malloc) per live object. For zsmalloc a second table
 * splits it by part, from zs_pool_meta().
 */
#include "backend.h"
#include "meta_parts.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct opts {
	const char *trace, *backend, *label, *tsv;
	enum trace_codec codec;
	int shuffle, release, compact;
	uint64_t seed;
	int deletes;
};

struct totals {
	uint64_t orig, compr, objs;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_density TRACE --backend NAME [--codec lzo|lz4]\n"
		"       [--order archive|shuffle] [--seed N] [--deletes N]\n"
		"       [--release] [--compact] [--label TEXT] [--tsv FILE]\n"
		"  NAME: zsmalloc[-nomerge][-cN], malloc, zpool-TYPE\n"
		"  --deletes N: delete the N largest top-level dirs (-1: all)\n"
		"  --release: give freed memory back after each deletion\n"
		"  --compact: zs_compact after each deletion (zsmalloc)\n");
	exit(2);
}

static double mib(uint64_t n)
{
	return (double)n / (1024.0 * 1024.0);
}

static void report(const struct opts *o, struct backend *b, FILE *tsv,
		   const char *step, const struct totals *t, uint64_t rss0)
{
	uint64_t rss = resident_bytes();
	int64_t rss_used = (int64_t)(rss - rss0);
	uint64_t pool = b->pool_bytes(b);
	int64_t used = pool ? (int64_t)pool : rss_used;
	int64_t over = used - (int64_t)t->compr;
	int64_t rss_over = rss_used - (int64_t)t->compr;
	double ratio = t->compr ? 100.0 * (double)over / (double)t->compr : 0;
	double rss_ratio =
		t->compr ? 100.0 * (double)rss_over / (double)t->compr : 0;
	double meta = t->objs ? (double)(rss_used - used) / (double)t->objs : 0;

	if (!pool) /* malloc: what the blocks hold beyond their bytes */
		meta = t->objs ? (double)rss_over / (double)t->objs : 0;
	else
		meta_parts_record(b, step, t->objs, rss_used - used);

	printf("| %-14s | %9.2f | %9.2f | %9.2f | %8.2f | %8.2f%% | %9.2f | "
	       "%8.2f%% | %8llu | %10.1f |\n",
	       step, mib(t->orig), mib(t->compr), (double)used / 1048576.0,
	       (double)over / 1048576.0, ratio, (double)rss_used / 1048576.0,
	       rss_ratio, (unsigned long long)t->objs, meta);
	if (tsv)
		fprintf(tsv,
			"%s\t%s\t%llu\t%llu\t%lld\t%lld\t%.4f\t%lld\t%.4f\t%"
			"llu\t%.1f\n",
			o->label, step, (unsigned long long)t->orig,
			(unsigned long long)t->compr, (long long)used,
			(long long)over, ratio, (long long)rss_used, rss_ratio,
			(unsigned long long)t->objs, meta);
}

int main(int argc, char **argv)
{
	struct opts o = {.codec = TRACE_LZO, .seed = 1, .deletes = 10};
	struct trace t;
	struct backend b;
	struct totals tot = {0, 0, 0};
	uint32_t *order, *gorder;
	unsigned long *handles;
	unsigned char *src;
	FILE *tsv = NULL;
	uint64_t rss0, failed = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--release") == 0) {
			o.release = 1;
			continue;
		}
		if (strcmp(a, "--compact") == 0) {
			o.compact = 1;
			continue;
		}
		if (a[0] != '-') {
			o.trace = a;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (strcmp(a, "--backend") == 0)
			o.backend = argv[++i];
		else if (strcmp(a, "--codec") == 0) {
			if (trace_codec_parse(argv[++i], &o.codec))
				usage();
		} else if (strcmp(a, "--order") == 0)
			o.shuffle = strcmp(argv[++i], "shuffle") == 0;
		else if (strcmp(a, "--seed") == 0)
			o.seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(a, "--deletes") == 0)
			o.deletes = atoi(argv[++i]);
		else if (strcmp(a, "--label") == 0)
			o.label = argv[++i];
		else if (strcmp(a, "--tsv") == 0)
			o.tsv = argv[++i];
		else
			usage();
	}
	if (!o.trace || !o.backend)
		usage();
	if (!o.label)
		o.label = o.backend;
	if (trace_load(&t, o.trace))
		return 1;
	if (o.deletes < 0 || (uint32_t)o.deletes > t.ngroups)
		o.deletes = (int)t.ngroups;

	/* Everything the replay itself needs is made and touched first. */
	order = calloc(t.nfiles + 1, sizeof(*order));
	gorder = calloc(t.ngroups + 1, sizeof(*gorder));
	handles = calloc(t.npages + 1, sizeof(*handles));
	src = malloc(t.page_size);
	if (!order || !gorder || !handles || !src) {
		fprintf(stderr, "bench_density: out of memory\n");
		return 1;
	}
	/*
	 * Touched before the baseline: a memset of calloc'd memory is folded
	 * away by the compiler, and the array's pages would then count as the
	 * backend's memory when the replay first writes them.
	 */
	for (uint32_t i = 0; i <= t.npages; i++)
		((volatile unsigned long *)handles)[i] = 0;
	for (uint32_t i = 0; i < t.page_size; i++)
		src[i] = (unsigned char)(i * 7 + 1);
	trace_file_order(&t, o.shuffle, o.seed, order);
	trace_groups_by_size(&t, gorder);
	if (o.tsv) {
		tsv = fopen(o.tsv, "a");
		if (!tsv) {
			perror(o.tsv);
			return 1;
		}
	}
	if (backend_open(&b, o.backend, t.page_size))
		return 1;
	rss0 = resident_bytes();

	printf("\n%s (%s, %s order%s, %s malloc underneath)\n\n", o.label,
	       trace_codec_name(o.codec), o.shuffle ? "shuffled" : "archive",
	       o.release   ? ", memory released after deletes"
	       : o.compact ? ", zs_compact after deletes"
			   : "",
	       backend_malloc_name());
	printf("| step           |  orig MiB | compr MiB |  used MiB | over "
	       "MiB "
	       "|  over %%  |   RSS MiB | RSS over %% |  objects | meta B/obj "
	       "|\n");
	printf("|----------------|----------:|----------:|----------:|---------"
	       ":"
	       "|---------:|----------:|----------:|---------:|-----------:|"
	       "\n");

	for (uint32_t i = 0; i < t.nfiles; i++) {
		const struct trace_file *f = &t.files[order[i]];

		for (uint32_t p = f->first_page; p < f->first_page + f->npages;
		     p++) {
			size_t n = trace_stored_size(&t,
						     t.pages[p].csize[o.codec]);

			if (!n)
				continue;
			handles[p] = b.store(&b, src, n);
			if (!handles[p]) {
				failed++;
				continue;
			}
			tot.orig += t.page_size;
			tot.compr += n;
			tot.objs++;
		}
	}
	report(&o, &b, tsv, "full", &tot, rss0);

	for (int d = 0; d < o.deletes; d++) {
		uint32_t g = gorder[d];
		char step[64];

		for (uint32_t i = 0; i < t.nfiles; i++) {
			const struct trace_file *f = &t.files[i];

			if (f->group != g)
				continue;
			for (uint32_t p = f->first_page;
			     p < f->first_page + f->npages; p++) {
				if (!handles[p])
					continue;
				b.discard(&b, handles[p]);
				handles[p] = 0;
				tot.orig -= t.page_size;
				tot.objs--;
				tot.compr -= trace_stored_size(
					&t, t.pages[p].csize[o.codec]);
			}
		}
		if (o.release)
			backend_malloc_release();
		if (o.compact && b.compact)
			b.compact(&b);
		snprintf(step, sizeof(step), "-%s", t.groups[g]);
		report(&o, &b, tsv, step, &tot, rss0);
	}
	meta_parts_print();
	if (failed)
		printf("\n%llu stores failed\n", (unsigned long long)failed);

	for (uint32_t p = 0; p < t.npages; p++)
		if (handles[p])
			b.discard(&b, handles[p]);
	b.destroy(&b);
	if (tsv)
		fclose(tsv);
	free(order);
	free(gorder);
	free(handles);
	free(src);
	trace_free(&t);
	return 0;
}
