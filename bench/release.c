// SPDX-License-Identifier: MIT
/*
 * bench_release: what giving memory back, and taking fresh memory, cost
 * on this machine per page, with nothing of zsmalloc in the way.
 * zsmalloc's discard gives back each page it empties
 * (core/src/kernel/release.c); glibc's free keeps them until a whole heap
 * is free and unmaps it in one call. This says how much of that difference
 * is the machine's: one range against many small ones, one call per batch
 * against one per page, and the same with a second thread running (every
 * TLB flush then interrupts its CPU too).
 *
 *   bench_release [--pages N] [--runs R]
 *
 * Each way gives back N resident pages R times (where they are runs or
 * single pages, a page that stays resident lies between two); it prints
 * the median ns per page, with the minimum and maximum, as a markdown
 * table. A second table takes N fresh pages and writes each once, by a
 * fault at each page or after one MADV_POPULATE_WRITE per 64 KiB (what
 * the built-in provider does with fresh pages).
 */
#include "timing.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/syscall.h>
#endif

#define MAX_RUNS 31
#define BATCH	 256 /* pages per call, as the built-in provider's 4 KiB batches */

static size_t sys_page;

/* 2 * n pages, each written: resident. NULL when mmap fails. */
static char *map_resident(size_t n)
{
	char *p = mmap(NULL, 2 * n * sys_page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_NOHUGEPAGE
	madvise(p, 2 * n * sys_page, MADV_NOHUGEPAGE); /* as the provider */
#endif
	for (size_t i = 0; i < 2 * n; i++)
		p[i * sys_page] = (char)i;
	return p;
}

static int self_pidfd(void)
{
#if defined(SYS_pidfd_open) && defined(SYS_process_madvise)
	return (int)syscall(SYS_pidfd_open, (long)getpid(), 0L);
#else
	return -1;
#endif
}

enum way {
	ONE_RANGE,
	MUNMAP,
	RUNS_BATCHED,
	SINGLES_BATCHED,
	SINGLES_EACH,
	NR_WAYS
};

static const char *const way_names[NR_WAYS] = {
	"one range (madvise DONTNEED over all of them)",
	"munmap of one mapping",
	"runs of 4 pages, one process_madvise per 256 runs",
	"single pages, one process_madvise per 256",
	"single pages, one madvise each",
};

/*
 * Gives back n pages of p (the first n, or runs a page apart); ns taken,
 * or -1 when the system refused the call.
 */
static double give_back(enum way w, char *p, size_t n, int pidfd)
{
	size_t len = w == RUNS_BATCHED ? 4 : 1;
	double t0 = bench_now_ns();

	switch (w) {
	case ONE_RANGE:
		madvise(p, n * sys_page, MADV_DONTNEED);
		break;
	case MUNMAP:
		munmap(p, n * sys_page);
		break;
	case RUNS_BATCHED:
	case SINGLES_BATCHED:
		/* runs of len pages, a page apart */
		for (size_t i = 0; i < n; i += BATCH * len) {
			struct iovec v[BATCH];
			size_t k = 0;

			for (size_t j = i; j < n && k < BATCH; j += len, k++) {
				v[k].iov_base =
					p + j / len * (len + 1) * sys_page;
				v[k].iov_len =
					(n - j < len ? n - j : len) * sys_page;
			}
#ifdef SYS_process_madvise
			if (syscall(SYS_process_madvise, (long)pidfd, v,
				    (unsigned long)k, (long)MADV_DONTNEED,
				    0L) < 0)
				return -1; /* refused: no figure */
#endif
		}
		break;
	case SINGLES_EACH:
		for (size_t i = 0; i < n; i++)
			madvise(p + 2 * i * sys_page, sys_page, MADV_DONTNEED);
		break;
	default:
		break;
	}
	return bench_now_ns() - t0;
}

static atomic_bool stop_spinning;

static void *spin(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop_spinning, memory_order_relaxed))
		;
	return NULL;
}

/*
 * The median, minimum and maximum ns per page of way w over runs: 0, -1
 * when memory could not be mapped, -2 when the system refused the way.
 */
static int measure(enum way w, size_t n, int runs, int pidfd, double st[3])
{
	double v[MAX_RUNS];

	for (int r = 0; r < runs; r++) {
		char *p = map_resident(n);

		if (!p)
			return -1;
		v[r] = give_back(w, p, n, pidfd);
		if (v[r] < 0) {
			munmap(p, 2 * n * sys_page);
			return -2;
		}
		v[r] /= (double)n;
		if (w != MUNMAP)
			munmap(p, 2 * n * sys_page);
		else
			munmap(p + n * sys_page, n * sys_page);
	}
	bench_stats(v, runs, &st[0], &st[1], &st[2]);
	return 0;
}

#if defined(__linux__) && !defined(MADV_POPULATE_WRITE)
#define MADV_POPULATE_WRITE 23
#endif

/*
 * ns per page to take n fresh pages and write each once: by the write's
 * fault (populate 0), or after one MADV_POPULATE_WRITE per 64 KiB, as the
 * built-in provider does. -1 when mmap fails, -2 without the call.
 */
static double take_fresh(size_t n, bool populate)
{
	size_t chunk = ((size_t)64 << 10) / sys_page;
	char *p = mmap(NULL, n * sys_page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	double t0, t;

	if (p == MAP_FAILED)
		return -1;
#ifdef MADV_NOHUGEPAGE
	madvise(p, n * sys_page, MADV_NOHUGEPAGE);
#endif
	chunk = chunk ? chunk : 1;
	t0 = bench_now_ns();
	for (size_t i = 0; populate && i < n; i += chunk) {
#ifdef MADV_POPULATE_WRITE
		size_t k = n - i < chunk ? n - i : chunk;

		if (madvise(p + i * sys_page, k * sys_page,
			    MADV_POPULATE_WRITE) != 0) {
			munmap(p, n * sys_page);
			return -2;
		}
#else
		munmap(p, n * sys_page);
		return -2;
#endif
	}
	for (size_t i = 0; i < n; i++)
		p[i * sys_page] = (char)i;
	t = (bench_now_ns() - t0) / (double)n;
	munmap(p, n * sys_page);
	return t;
}

/* The fresh-page table: a fault each against one call per 64 KiB. */
static int print_take(size_t pages, int runs)
{
	static const char *const names[2] = {
		"a fault at each page's first write",
		"one MADV_POPULATE_WRITE per 64 KiB, then the writes",
	};

	printf("\n| way of taking %zu fresh pages of %zu bytes | ns/page, "
	       "median (min-max) |\n|---|---:|\n",
	       pages, sys_page);
	for (int w = 0; w < 2; w++) {
		double v[MAX_RUNS], st[3];
		bool refused = false;

		for (int r = 0; r < runs && !refused; r++) {
			v[r] = take_fresh(pages, w == 1);
			if (v[r] == -1)
				return -1;
			refused = v[r] == -2;
		}
		if (refused) {
			printf("| %s | not on this system |\n", names[w]);
			continue;
		}
		bench_stats(v, runs, &st[0], &st[1], &st[2]);
		printf("| %s | %.0f (%.0f-%.0f) |\n", names[w], st[0], st[1],
		       st[2]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t pages = 16384;
	int runs = 5, pidfd;
	long sp = sysconf(_SC_PAGESIZE);

	sys_page = sp > 0 ? (size_t)sp : 4096;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pages") && i + 1 < argc) {
			pages = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: bench_release [--pages N] "
					"[--runs R]\n");
			return 2;
		}
	}
	if (pages < 1 || runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "bench_release: --pages >= 1, --runs 1..%d\n",
			MAX_RUNS);
		return 2;
	}
	pidfd = self_pidfd();
	printf("| way of giving back %zu pages of %zu bytes | ns/page, 1 "
	       "thread, "
	       "median (min-max) | with a second thread running |\n",
	       pages, sys_page);
	printf("|---|---:|---:|\n");
	for (int w = 0; w < NR_WAYS; w++) {
		/* a madvise each is slow: an eighth of the pages is enough */
		size_t n = w == SINGLES_EACH && pages >= 8 ? pages / 8 : pages;
		double alone[3], busy[3];
		pthread_t t;
		int rc;

		if ((w == RUNS_BATCHED || w == SINGLES_BATCHED) && pidfd < 0) {
			printf("| %s | no process_madvise here | |\n",
			       way_names[w]);
			continue;
		}
		rc = measure((enum way)w, n, runs, pidfd, alone);
		if (rc == -2) {
			printf("| %s | refused here | |\n", way_names[w]);
			continue;
		}
		if (rc != 0)
			goto no_memory;
		atomic_store(&stop_spinning, false);
		if (pthread_create(&t, NULL, spin, NULL) != 0) {
			fprintf(stderr, "bench_release: no thread\n");
			return 1;
		}
		if (measure((enum way)w, n, runs, pidfd, busy) != 0) {
			atomic_store(&stop_spinning, true);
			pthread_join(t, NULL);
			goto no_memory;
		}
		atomic_store(&stop_spinning, true);
		pthread_join(t, NULL);
		printf("| %s | %.0f (%.0f-%.0f) | %.0f (%.0f-%.0f) |\n",
		       way_names[w], alone[0], alone[1], alone[2], busy[0],
		       busy[1], busy[2]);
	}
	if (print_take(pages, runs) != 0)
		goto no_memory;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		printf("\n(one CPU online: the second thread time-shares "
		       "it)\n");
	if (pidfd >= 0)
		close(pidfd);
	return 0;
no_memory:
	fprintf(stderr, "bench_release: cannot map %zu pages\n", 2 * pages);
	return 1;
}
