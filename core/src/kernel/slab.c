// SPDX-License-Identifier: MIT
#include "slab.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lock.h"
#include "release.h"
#include "sanitize.h"

static atomic_ulong slab_attempts;
static atomic_long slab_live;
/* 0: off; otherwise the attempt number that fails. */
static atomic_ulong slab_fail_at;
static atomic_bool slab_fail_every;

void zs_slab_fail_all(bool on)
{
	atomic_store(&slab_fail_every, on);
}

void zs_slab_fail_nth(unsigned long nth)
{
	atomic_store(&slab_fail_at,
		     nth ? atomic_load(&slab_attempts) + nth : 0);
}

unsigned long zs_slab_attempts(void)
{
	return atomic_load(&slab_attempts);
}

long zs_slab_live(void)
{
	return atomic_load(&slab_live);
}

/* Counts the attempt; true when the fault hook says this one fails. */
static int slab_should_fail(void)
{
	unsigned long n = atomic_fetch_add(&slab_attempts, 1) + 1;
	unsigned long at = atomic_load(&slab_fail_at);

	if (atomic_load(&slab_fail_every))
		return 1;
	if (at && n == at) {
		atomic_store(&slab_fail_at, 0);
		return 1;
	}
	return 0;
}

void *zs_kmalloc(size_t size)
{
	void *p;

	if (slab_should_fail())
		return NULL;
	p = malloc(size ? size : 1);
	if (p)
		atomic_fetch_add(&slab_live, 1);
	return p;
}

void *zs_kzalloc(size_t size)
{
	void *p;

	if (slab_should_fail())
		return NULL;
	p = calloc(1, size ? size : 1);
	if (p)
		atomic_fetch_add(&slab_live, 1);
	return p;
}

void zs_kfree(void *p)
{
	if (!p)
		return;
	atomic_fetch_sub(&slab_live, 1);
	free(p);
}

/*
 * Tables of whole pages come straight from mmap: a freed table goes back
 * to the system, where a free()d block in the middle of malloc's heap
 * would stay resident. A few freed tables (VMAP_CACHE_BYTES of resident
 * memory in all) wait for reuse first, closed to memory checkers: a pool
 * made and destroyed again and again (a fuzzer's life) then costs no
 * mmap, no munmap and no TLB shootdown per table. A pool's own tables
 * (class table, pfn and handle radix nodes, handle and descriptor chunks)
 * come to some 150 KiB at 4 KiB pages, many of them 4-16 KiB: the cache
 * holds a few pools' worth. zs_compact gives its memory back in one
 * release call (zs_vmap_trim_keep), all but the tables freed last that fit
 * in ZS_VMAP_TRIM_KEEP, and keeps the tables' address space for reuse: no
 * unmapping per table, and a pool made right after a compaction (a
 * fuzzer compacts several times per input) does not fault its class table
 * and first chunks in again. A free that finds the bound reached gives
 * all of it back; only a table with no slot left is unmapped (one already
 * given back first).
 */
#define VMAP_CACHE_SLOTS 128
#define VMAP_CACHE_BYTES ((size_t)1 << 20)

static pthread_mutex_t vmap_lock = ZS_STATIC_MUTEX_INIT;
static struct {
	void *p;
	size_t size;
	bool resident;	     /* false: given back by a trim, reads zeros */
	unsigned long stamp; /* when it was put: a trim keeps the latest */
} vmap_cache[VMAP_CACHE_SLOTS];
static size_t vmap_resident_bytes; /* of the resident cached tables */
static unsigned long vmap_stamp;
/*
 * Tables evicted from the cache (given back already: address space only)
 * wait here, under vmap_lock, to be unmapped VMAP_DOOMED at a time: sorted,
 * each run of adjacent ones in one munmap. With a second thread running,
 * every munmap is a TLB shootdown on the other CPU, and a discard that
 * empties thousands of tables had paid one per table.
 */
#define VMAP_DOOMED 64
static struct zs_range vmap_doomed[VMAP_DOOMED];
static unsigned int vmap_nr_doomed;
static atomic_ulong vmap_unmapped; /* tables unmapped, ever */

/* A cached table of exactly size bytes, resident ones first; or NULL. */
static void *vmap_cache_take(size_t size)
{
	int found = -1;
	void *p = NULL;

	pthread_mutex_lock(&vmap_lock);
	for (int i = 0; i < VMAP_CACHE_SLOTS; i++) {
		if (vmap_cache[i].p && vmap_cache[i].size == size) {
			found = i;
			if (vmap_cache[i].resident)
				break;
		}
	}
	if (found >= 0) {
		p = vmap_cache[found].p;
		vmap_cache[found].p = NULL;
		if (vmap_cache[found].resident)
			vmap_resident_bytes -= size;
	}
	pthread_mutex_unlock(&vmap_lock);
	return p;
}

/*
 * Keeps p (resident or not) for reuse when there is room; false
 * otherwise. A resident table may take the slot of one given back
 * earlier, whose mapping is then *evicted for the caller to unmap.
 */
static bool vmap_cache_put(void *p, size_t size, bool resident,
			   struct zs_range *evicted)
{
	int slot = -1, spare = -1;

	evicted->addr = NULL;
	pthread_mutex_lock(&vmap_lock);
	if (resident && vmap_resident_bytes + size > VMAP_CACHE_BYTES) {
		pthread_mutex_unlock(&vmap_lock);
		return false;
	}
	for (int i = 0; i < VMAP_CACHE_SLOTS && slot < 0; i++) {
		if (!vmap_cache[i].p)
			slot = i;
		else if (spare < 0 && !vmap_cache[i].resident)
			spare = i;
	}
	if (slot < 0 && resident && spare >= 0) {
		evicted->addr = vmap_cache[spare].p;
		evicted->len = vmap_cache[spare].size;
		slot = spare;
	}
	if (slot >= 0) {
		vmap_cache[slot].p = p;
		vmap_cache[slot].size = size;
		vmap_cache[slot].resident = resident;
		vmap_cache[slot].stamp = ++vmap_stamp;
		if (resident)
			vmap_resident_bytes += size;
	}
	pthread_mutex_unlock(&vmap_lock);
	return slot >= 0;
}

static void vmap_unmap(void *p, size_t size)
{
	zs_san_open_defined(p, size); /* the next mapping here starts clean */
	munmap(p, size);
	atomic_fetch_add(&vmap_unmapped, 1);
}

/* Unmap r[0..n), each run of adjacent ranges in one call. */
static void unmap_runs(struct zs_range *r, size_t n)
{
	size_t runs;

	for (size_t i = 0; i < n; i++)
		zs_san_open_defined(r[i].addr, r[i].len);
	runs = zs_ranges_coalesce(r, n);
	for (size_t i = 0; i < runs; i++)
		munmap(r[i].addr, r[i].len);
	atomic_fetch_add(&vmap_unmapped, n);
}

/*
 * A table given back (not resident) to unmap: queued; when the queue is
 * full, all of it goes (outside the lock), or with flush, whatever waits.
 */
static void vmap_doom(void *p, size_t size, bool flush)
{
	struct zs_range batch[VMAP_DOOMED];
	unsigned int n = 0;

	pthread_mutex_lock(&vmap_lock);
	if (p) {
		vmap_doomed[vmap_nr_doomed].addr = p;
		vmap_doomed[vmap_nr_doomed++].len = size;
	}
	if (flush || vmap_nr_doomed == VMAP_DOOMED) {
		n = vmap_nr_doomed;
		memcpy(batch, vmap_doomed, n * sizeof(*batch));
		vmap_nr_doomed = 0;
	}
	pthread_mutex_unlock(&vmap_lock);
	if (n)
		unmap_runs(batch, n);
}

void *zs_vmap_zeroed(size_t size)
{
	void *p;

	size = size ? size : 1;
	p = vmap_cache_take(size);
	if (p) {
		zs_san_open_undefined(p, size);
		memset(p, 0, size);
		return p;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * When the cache's resident memory is at its bound, all of it goes back
 * in one release call (zs_vmap_trim) and p takes a place beside it:
 * unmapping each table that does not fit would cost a TLB flush per table
 * and free its pages one by one, where a trim frees them all at once and
 * a later unmap finds no page left (several times cheaper).
 */
static bool vmap_keep(void *p, size_t size)
{
	struct zs_range evicted;
	bool kept = vmap_cache_put(p, size, true, &evicted);

	if (evicted.addr)
		vmap_doom(evicted.addr, evicted.len, false);
	return kept;
}

void zs_vunmap(void *p, size_t size)
{
	size = size ? size : 1;
	zs_san_close(p, size);
	if (size <= VMAP_CACHE_BYTES) {
		if (vmap_keep(p, size))
			return;
		zs_vmap_trim();
		if (vmap_keep(p, size))
			return;
	}
	vmap_unmap(p, size); /* never fits, or no slot even after a trim */
}

static int newer_first(const void *a, const void *b)
{
	unsigned long x = vmap_cache[*(const int *)a].stamp;
	unsigned long y = vmap_cache[*(const int *)b].stamp;

	return (x < y) - (x > y);
}

/*
 * Which resident tables a trim keeps: the latest put first, as long as
 * they fit in keep bytes. Under lock; marks them in keep_slot.
 */
static size_t pick_kept_locked(size_t keep, bool *keep_slot)
{
	int order[VMAP_CACHE_SLOTS], n = 0;
	size_t kept = 0;

	for (int i = 0; i < VMAP_CACHE_SLOTS; i++)
		if (vmap_cache[i].p && vmap_cache[i].resident)
			order[n++] = i;
	qsort(order, (size_t)n, sizeof(order[0]), newer_first);
	for (int k = 0; k < n; k++) {
		int i = order[k];

		if (kept + vmap_cache[i].size <= keep) {
			keep_slot[i] = true;
			kept += vmap_cache[i].size;
		}
	}
	return kept;
}

void zs_vmap_trim_keep(size_t keep)
{
	struct zs_range out[VMAP_CACHE_SLOTS];
	bool keep_slot[VMAP_CACHE_SLOTS] = {false};
	unsigned int n = 0;

	/* out of the cache while released: nobody may take one meanwhile */
	pthread_mutex_lock(&vmap_lock);
	vmap_resident_bytes = keep ? pick_kept_locked(keep, keep_slot) : 0;
	for (unsigned int i = 0; i < VMAP_CACHE_SLOTS; i++) {
		if (vmap_cache[i].p && vmap_cache[i].resident &&
		    !keep_slot[i]) {
			out[n].addr = vmap_cache[i].p;
			out[n++].len = vmap_cache[i].size;
			vmap_cache[i].p = NULL;
		}
	}
	pthread_mutex_unlock(&vmap_lock);
	zs_release_ranges(out, n); /* the kernel rounds each length up */
	for (unsigned int i = 0; i < n; i++) {
		struct zs_range evicted;

		if (!vmap_cache_put(out[i].addr, out[i].len, false, &evicted))
			vmap_doom(out[i].addr, out[i].len, false);
	}
	if (!keep)
		vmap_doom(NULL, 0,
			  true); /* a full trim leaves nothing queued */
}

void zs_vmap_trim(void)
{
	zs_vmap_trim_keep(0);
}

unsigned long zs_vmap_unmapped(void)
{
	return atomic_load(&vmap_unmapped);
}

unsigned int zs_vmap_doomed(void)
{
	unsigned int n;

	pthread_mutex_lock(&vmap_lock);
	n = vmap_nr_doomed;
	pthread_mutex_unlock(&vmap_lock);
	return n;
}

size_t zs_vmap_resident(void)
{
	size_t n;

	pthread_mutex_lock(&vmap_lock);
	n = vmap_resident_bytes;
	pthread_mutex_unlock(&vmap_lock);
	return n;
}

bool zs_slab_fault(void)
{
	return slab_should_fail();
}

void zs_slab_account(long delta)
{
	atomic_fetch_add(&slab_live, delta);
}

void *zs_vzalloc(size_t size)
{
	void *p;

	if (slab_should_fail())
		return NULL;
	p = zs_vmap_zeroed(size);
	if (p)
		atomic_fetch_add(&slab_live, 1);
	return p;
}

void zs_vfree(void *p, size_t size)
{
	if (!p)
		return;
	atomic_fetch_sub(&slab_live, 1);
	zs_vunmap(p, size);
}
