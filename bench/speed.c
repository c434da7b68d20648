// SPDX-License-Identifier: MIT
/*
 * bench_speed: replay a trace's stream of stored sizes as operations.
 * store = allocate + write the bytes, load = read them back, rewrite =
 * free + store another size in place (the steady state), discard = free.
 * zsmalloc is accessed through map/unmap (or its copy-based API, or loads
 * through zs_obj_read_batch, 16 objects a call), malloc blocks with memcpy.
 * With T threads, thread i takes every T-th object and all share one pool;
 * the phases are separated by barriers and timed as a whole. Each figure
 * is the median of R runs with the minimum and maximum beside it. With
 * more threads than online CPUs, the threads time-share (said on stderr).
 *
 *   bench_speed TRACE --backend NAME [--threads T] [--runs R] [--tsv FILE]
 *
 * --tsv appends one line of medians: label, threads, then ns/op of store,
 * load, rewrite and discard (bench/run.sh plots ops/s against threads).
 * --phase-times prints when each phase of each run began and ended, in
 * seconds of CLOCK_MONOTONIC, on stderr: with `perf record -k
 * CLOCK_MONOTONIC`, `perf report --time BEGIN,END` shows one phase.
 *   bench_speed --memcpy [--runs R]     large-copy bandwidth of the machine
 */
#include "backend.h"
#include "timing.h"
#include "trace.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { PH_STORE, PH_LOAD, PH_REWRITE, PH_DISCARD, NR_PHASES };
/* objects per call of a backend that loads several at once */
#define LOAD_BATCH 16
static const char *const phase_names[NR_PHASES] = {"store", "load", "rewrite",
						   "discard"};

struct shared {
	struct backend *b;
	const uint32_t *sizes;
	size_t n;
	unsigned int threads;
	pthread_barrier_t barrier;
};

struct worker {
	struct shared *s;
	unsigned int id;
	pthread_t tid;
	unsigned long *handles;
	unsigned char *buf;
	unsigned char *bufs[LOAD_BATCH]; /* load_batch's */
	unsigned long sink;
	size_t failed;
	double start[NR_PHASES], end[NR_PHASES];
};

static void load_each(struct worker *w)
{
	struct shared *s = w->s;
	size_t k = 0;

	for (size_t i = w->id; i < s->n; i += s->threads, k++) {
		if (!w->handles[k])
			continue;
		s->b->load(s->b, w->handles[k], w->buf, s->sizes[i]);
		w->sink += w->buf[s->sizes[i] - 1];
	}
}

/* The same objects in the same order, LOAD_BATCH at a time. */
static void load_batched(struct worker *w)
{
	struct shared *s = w->s;
	unsigned long h[LOAD_BATCH];
	size_t last[LOAD_BATCH], m = 0, k = 0;

	for (size_t i = w->id; i < s->n; i += s->threads, k++) {
		if (w->handles[k]) {
			h[m] = w->handles[k];
			last[m++] = s->sizes[i] - 1;
		}
		if (m == LOAD_BATCH || (m && i + s->threads >= s->n)) {
			s->b->load_batch(s->b, h, (void *const *)w->bufs, m);
			for (size_t j = 0; j < m; j++)
				w->sink += w->bufs[j][last[j]];
			m = 0;
		}
	}
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	struct backend *b = s->b;
	size_t k = 0;

	/* each thread stamps its own phases: a preempted main thread
	 * must not shift them */
	pthread_barrier_wait(&s->barrier);
	w->start[PH_STORE] = bench_now_ns();
	for (size_t i = w->id; i < s->n; i += s->threads, k++) {
		w->handles[k] = b->store(b, w->buf, s->sizes[i]);
		w->failed += !w->handles[k];
	}
	w->end[PH_STORE] = bench_now_ns();
	pthread_barrier_wait(&s->barrier);
	w->start[PH_LOAD] = bench_now_ns();
	if (b->load_batch)
		load_batched(w);
	else
		load_each(w);
	w->end[PH_LOAD] = bench_now_ns();
	/* rewrite: free each object and store another object's size in its
	 * place, as zram does when a page is written again; the pool stays
	 * full, so this is the steady state with few fresh pages */
	pthread_barrier_wait(&s->barrier);
	w->start[PH_REWRITE] = bench_now_ns();
	k = 0;
	for (size_t i = w->id; i < s->n; i += s->threads, k++) {
		if (w->handles[k])
			b->discard(b, w->handles[k]);
		w->handles[k] =
			b->store(b, w->buf, s->sizes[(i + s->n / 2) % s->n]);
		w->failed += !w->handles[k];
	}
	w->end[PH_REWRITE] = bench_now_ns();
	pthread_barrier_wait(&s->barrier);
	w->start[PH_DISCARD] = bench_now_ns();
	k = 0;
	for (size_t i = w->id; i < s->n; i += s->threads, k++)
		if (w->handles[k])
			b->discard(b, w->handles[k]);
	w->end[PH_DISCARD] = bench_now_ns();
	return NULL;
}

/* Returns 0 and fills ns[phase] (wall time of each phase) for one run. */
static int phase_times;

static int one_run(const char *name, const uint32_t *sizes, size_t n,
		   unsigned int threads, size_t page_size, double *ns)
{
	struct backend b;
	struct shared s = {.sizes = sizes, .n = n, .threads = threads};
	struct worker *w = calloc(threads, sizeof(*w));
	size_t failed = 0;

	if (!w || backend_open(&b, name, page_size))
		return -1;
	s.b = &b;
	pthread_barrier_init(&s.barrier, NULL, threads);
	for (unsigned int i = 0; i < threads; i++) {
		w[i].s = &s;
		w[i].id = i;
		w[i].handles = calloc(n / threads + 1, sizeof(unsigned long));
		w[i].buf = malloc(page_size);
		if (!w[i].handles || !w[i].buf)
			return -1;
		memset(w[i].buf, 0x5a + (int)i, page_size);
		for (int j = 0; j < LOAD_BATCH; j++) {
			w[i].bufs[j] = malloc(page_size);
			if (!w[i].bufs[j])
				return -1;
			memset(w[i].bufs[j], 0x5a + (int)i, page_size);
		}
		pthread_create(&w[i].tid, NULL, work, &w[i]);
	}
	for (int p = 0; p < NR_PHASES; p++)
		ns[p] = 0;
	for (unsigned int i = 0; i < threads; i++)
		pthread_join(w[i].tid, NULL);
	/* a phase lasts from the first thread's start to the last's end */
	for (int p = 0; p < NR_PHASES; p++) {
		double lo = w[0].start[p], hi = w[0].end[p];

		for (unsigned int i = 1; i < threads; i++) {
			lo = w[i].start[p] < lo ? w[i].start[p] : lo;
			hi = w[i].end[p] > hi ? w[i].end[p] : hi;
		}
		ns[p] = hi - lo;
		if (phase_times)
			fprintf(stderr, "bench_speed: phase %s: %.6f,%.6f\n",
				phase_names[p], lo / 1e9, hi / 1e9);
	}
	for (unsigned int i = 0; i < threads; i++) {
		failed += w[i].failed;
		free(w[i].handles);
		free(w[i].buf);
		for (int j = 0; j < LOAD_BATCH; j++)
			free(w[i].bufs[j]);
	}
	pthread_barrier_destroy(&s.barrier);
	b.destroy(&b);
	free(w);
	if (failed)
		fprintf(stderr, "bench_speed: %zu stores failed\n", failed);
	return 0;
}

static int run_memcpy(int runs)
{
	size_t len = (size_t)64 << 20;
	unsigned char *a = malloc(len), *c = malloc(len);
	double *gbs = calloc((size_t)runs, sizeof(*gbs));
	double med, lo, hi;

	if (!a || !c || !gbs)
		return 1;
	memset(a, 1, len);
	memset(c, 2, len);
	for (int r = 0; r < runs; r++) {
		double t0 = bench_now_ns();

		for (int k = 0; k < 8; k++) {
			memcpy(k % 2 ? a : c, k % 2 ? c : a, len);
			__asm__ volatile("" : : "r"(a), "r"(c) : "memory");
		}
		gbs[r] = 8.0 * (double)len / (bench_now_ns() - t0);
	}
	bench_stats(gbs, runs, &med, &lo, &hi);
	printf("| memcpy 64 MiB | %.2f GB/s | %.2f | %.2f | %.3f ns/B |\n", med,
	       lo, hi, 1.0 / med);
	free(a);
	free(c);
	free(gbs);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_speed TRACE --backend NAME "
			"[--threads T] [--runs R] [--codec lzo|lz4] "
			"[--tsv FILE] [--phase-times]\n"
			"       bench_speed --memcpy [--runs R]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *path = NULL, *name = NULL, *tsv_path = NULL;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	double med_ns[NR_PHASES];
	enum trace_codec codec = TRACE_LZO;
	unsigned int threads = 1;
	int runs = 7, memcpy_only = 0;
	struct trace t;
	uint32_t *sizes;
	size_t n = 0;
	double *ns[NR_PHASES], total_ops = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--memcpy") == 0) {
			memcpy_only = 1;
			continue;
		}
		if (strcmp(a, "--phase-times") == 0) {
			phase_times = 1;
			continue;
		}
		if (a[0] != '-') {
			path = a;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (strcmp(a, "--backend") == 0)
			name = argv[++i];
		else if (strcmp(a, "--threads") == 0)
			threads = (unsigned int)atoi(argv[++i]);
		else if (strcmp(a, "--runs") == 0)
			runs = atoi(argv[++i]);
		else if (strcmp(a, "--tsv") == 0)
			tsv_path = argv[++i];
		else if (strcmp(a, "--codec") == 0) {
			if (trace_codec_parse(argv[++i], &codec))
				usage();
		} else
			usage();
	}
	if (runs < 1 || threads < 1 || threads > 64)
		usage();
	if (memcpy_only)
		return run_memcpy(runs);
	if (!path || !name)
		usage();
	if (trace_load(&t, path))
		return 1;
	sizes = malloc(sizeof(*sizes) * (t.npages + 1));
	if (!sizes)
		return 1;
	for (uint32_t p = 0; p < t.npages; p++) {
		size_t s = trace_stored_size(&t, t.pages[p].csize[codec]);

		if (s)
			sizes[n++] = (uint32_t)s;
	}
	for (int p = 0; p < NR_PHASES; p++) {
		ns[p] = calloc((size_t)runs, sizeof(double));
		if (!ns[p])
			return 1;
	}
	for (int r = 0; r < runs; r++) {
		double one[NR_PHASES];

		if (one_run(name, sizes, n, threads, t.page_size, one))
			return 1;
		for (int p = 0; p < NR_PHASES; p++)
			ns[p][r] = one[p] / (double)n;
	}
	/* | backend | threads | store | load | rewrite | discard | Mops/s |
	 * Mops/s: store, load and discard (one op each per object) */
	printf("| %s (%s malloc) | %u |", name, backend_malloc_name(), threads);
	for (int p = 0; p < NR_PHASES; p++) {
		double med, lo, hi;

		bench_stats(ns[p], runs, &med, &lo, &hi);
		printf(" %.1f (%.1f-%.1f) |", med, lo, hi);
		med_ns[p] = med;
		if (p != PH_REWRITE)
			total_ops += med;
		free(ns[p]);
	}
	/* ops/s over all three phases, from the median ns per op */
	printf(" %.2f |\n", 1e3 / (total_ops / NR_PHASES));
	if (tsv_path) {
		FILE *f = fopen(tsv_path, "a");

		if (!f) {
			perror(tsv_path);
			return 1;
		}
		fprintf(f, "%s (%s malloc)\t%u", name, backend_malloc_name(),
			threads);
		for (int p = 0; p < NR_PHASES; p++)
			fprintf(f, "\t%.1f", med_ns[p]);
		fprintf(f, "\n");
		fclose(f);
	}
	if (cpus > 0 && threads > (unsigned long)cpus)
		fprintf(stderr,
			"bench_speed: %u threads on %ld online CPUs: the "
			"threads time-share\n",
			threads, cpus);
	fprintf(stderr,
		"bench_speed: %s, %u threads: %zu objects, %d runs; "
		"phases: %s %s %s\n",
		name, threads, n, runs, phase_names[0], phase_names[1],
		phase_names[2]);
	free(sizes);
	trace_free(&t);
	return 0;
}
