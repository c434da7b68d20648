/* SPDX-License-Identifier: MIT */
/*
 * Giving page memory back to the system (MADV_DONTNEED: resident memory
 * drops now, the next touch reads zeros), many ranges at a time.
 *
 * Each madvise() flushes the TLB on its own, and while another thread of
 * the process runs, that flush interrupts its CPU. One process_madvise()
 * on the process itself takes every range of a batch in one system call,
 * and recent kernels flush once for all of it (Linux 6.18 on the machine of
 * docs/benchmarks.md: 0.4-0.5 us a page in batches of 256 scattered pages,
 * against 6 us with a madvise each and 26 us with a second thread
 * running). Where process_madvise is missing or refused (older kernels,
 * seccomp, Valgrind, other systems), every range gets its own madvise.
 */
#ifndef ZS_KERNEL_RELEASE_H
#define ZS_KERNEL_RELEASE_H

#include <stdbool.h>
#include <stddef.h>

struct zs_range {
	void *addr; /* aligned to the system's page size */
	size_t len; /* a multiple of it */
};

/* MADV_DONTNEED on each of the n ranges. */
void zs_release_ranges(const struct zs_range *r, size_t n);
/*
 * Sort r[0..n) by address and join each run of adjacent ranges into one,
 * in place: how many ranges are left. One system call then covers a run.
 */
size_t zs_ranges_coalesce(struct zs_range *r, size_t n);

/* For tests: whether the one-call path is in use (false: one madvise per
 * range), and forcing the per-range path on (or back off). */
bool zs_release_batched(void);
void zs_release_force_per_range(bool on);

#endif
