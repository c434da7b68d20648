// SPDX-License-Identifier: MIT
#include "release.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Valgrind does not know these calls (it warns at each): memcheck builds
 * (ZS_VALGRIND) go without them. */
#if defined(__linux__) && !defined(ZS_VALGRIND)
#include <sys/syscall.h>
#include <sys/uio.h>
#if defined(SYS_process_madvise) && defined(SYS_pidfd_open)
#define ZS_HAVE_PROCESS_MADVISE 1
#endif
#endif

/* Set by tests (the kernel's refusal sets `unsupported` below). */
static atomic_bool per_range_forced;

void zs_release_force_per_range(bool on)
{
	atomic_store(&per_range_forced, on);
}

static void release_each(const struct zs_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		madvise(r[i].addr, r[i].len, MADV_DONTNEED);
}

#ifdef ZS_HAVE_PROCESS_MADVISE

#define BATCH_MAX 1024 /* UIO_MAXIOV */

static atomic_bool unsupported; /* the kernel said no: stop asking */
static atomic_int self_fd = -1; /* a pidfd of this process, or -1 */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* A child must not advise its parent's memory through an inherited fd. */
static void forget_parent_fd(void)
{
	int fd = atomic_exchange(&self_fd, -1);

	if (fd >= 0)
		close(fd);
}

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, forget_parent_fd);
}

static int pidfd_self(void)
{
	int fd = atomic_load(&self_fd);
	int none = -1;

	if (fd >= 0)
		return fd;
	pthread_once(&atfork_once, register_atfork);
	fd = (int)syscall(SYS_pidfd_open, (long)getpid(), 0L);
	if (fd < 0) {
		atomic_store(&unsupported, true);
		return -1;
	}
	/* two threads may open one each: the first stored is kept */
	if (!atomic_compare_exchange_strong(&self_fd, &none, fd)) {
		close(fd);
		fd = none;
	}
	return fd;
}

/*
 * One process_madvise for up to BATCH_MAX ranges. How many of them it
 * covered for sure; the caller advises the rest one by one.
 */
static size_t release_batch(const struct zs_range *r, size_t n, int fd)
{
	struct iovec v[BATCH_MAX];
	size_t total = 0, done = 0;
	long rc;

	for (size_t i = 0; i < n; i++) {
		v[i].iov_base = r[i].addr;
		v[i].iov_len = r[i].len;
		total += r[i].len;
	}
	rc = syscall(SYS_process_madvise, (long)fd, v, (unsigned long)n,
		     (long)MADV_DONTNEED, 0L);
	if (rc < 0) {
		/* not this kernel, not for DONTNEED, or not allowed here */
		if (errno == ENOSYS || errno == EINVAL || errno == EPERM ||
		    errno == EBADF || errno == ESRCH)
			atomic_store(&unsupported, true);
		return 0;
	}
	if ((size_t)rc == total)
		return n;
	/* stopped part way: the ranges it finished, in order */
	while (done < n && (size_t)rc >= r[done].len) {
		rc -= (long)r[done].len;
		done++;
	}
	return done;
}

bool zs_release_batched(void)
{
	return !atomic_load(&per_range_forced) && !atomic_load(&unsupported);
}

void zs_release_ranges(const struct zs_range *r, size_t n)
{
	while (n > 0 && zs_release_batched()) {
		size_t k = n < BATCH_MAX ? n : BATCH_MAX;
		int fd = pidfd_self();
		size_t done;

		if (fd < 0)
			break;
		done = release_batch(r, k, fd);
		if (done < k) {
			/* the rest of this batch one by one, then go on */
			release_each(r + done, k - done);
		}
		r += k;
		n -= k;
	}
	release_each(r, n);
}

#else

bool zs_release_batched(void)
{
	return false;
}

void zs_release_ranges(const struct zs_range *r, size_t n)
{
	release_each(r, n);
}

#endif

static int range_cmp(const void *a, const void *b)
{
	const char *x = ((const struct zs_range *)a)->addr;
	const char *y = ((const struct zs_range *)b)->addr;

	return (x > y) - (x < y);
}

/*
 * Sort by address with a radix sort, 8 bits a pass over the bits where the
 * addresses differ (a provider's batch: a few passes over page numbers).
 * qsort's merge sort and its call per comparison were 5% of a discard.
 * Batches up to RADIX_MAX (a hot stack's 257) use a buffer on the stack;
 * larger ones go to qsort.
 */
#define RADIX_MAX 512u

static void ranges_sort(struct zs_range *r, size_t n)
{
	struct zs_range buf[RADIX_MAX], *from = r, *to = buf, *t;
	uintptr_t diff = 0, k0;
	unsigned int lo, hi;

	if (n < 2)
		return;
	if (n > RADIX_MAX) {
		qsort(r, n, sizeof(*r), range_cmp);
		return;
	}
	k0 = (uintptr_t)r[0].addr;
	for (size_t i = 1; i < n; i++)
		diff |= (uintptr_t)r[i].addr ^ k0;
	if (!diff)
		return;
	lo = (unsigned int)__builtin_ctzl(diff);
	hi = (unsigned int)(sizeof(diff) * 8) -
	     (unsigned int)__builtin_clzl(diff);
	for (unsigned int shift = lo; shift < hi; shift += 8) {
		size_t count[256] = {0}, at = 0;

		for (size_t i = 0; i < n; i++)
			count[((uintptr_t)from[i].addr >> shift) & 255]++;
		for (unsigned int d = 0; d < 256; d++) {
			size_t c = count[d];

			count[d] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			to[count[((uintptr_t)from[i].addr >> shift) & 255]++] =
				from[i];
		t = from;
		from = to;
		to = t;
	}
	if (from != r)
		memcpy(r, from, n * sizeof(*r));
}

size_t zs_ranges_coalesce(struct zs_range *r, size_t n)
{
	size_t out = 0;

	ranges_sort(r, n);
	for (size_t i = 0; i < n; i++) {
		if (out && (char *)r[out - 1].addr + r[out - 1].len ==
				   (char *)r[i].addr)
			r[out - 1].len += r[i].len;
		else
			r[out++] = r[i];
	}
	return out;
}
