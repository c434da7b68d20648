// SPDX-License-Identifier: MIT
#include "slab.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arena.h"
#include "compiler.h"
#include "lock.h"
#include "percpu.h"
#include "report.h"
#include "release.h"
#include "sysmem.h"
#include "sanitize.h"

/*
 * The counters are striped by thread number, a cache line each: every
 * zspage made or freed counts one, and a single counter written by every
 * thread would move its line from core to core on each. Their sums are
 * exact whenever no allocation runs at the same time (the tests' case).
 */
#define SLAB_STRIPES 4u
static struct {
	atomic_ulong attempts;
	atomic_long live;
	char pad[ZS_CACHE_LINE - sizeof(atomic_ulong) - sizeof(atomic_long)];
} slab_count[SLAB_STRIPES];
/* 0: off; otherwise the attempt number that fails. */
static atomic_ulong slab_fail_at;
static atomic_bool slab_fail_every;

static unsigned int slab_stripe(void)
{
	return zs_cpu_number() % SLAB_STRIPES;
}

static void live_add(long delta)
{
	atomic_fetch_add_explicit(&slab_count[slab_stripe()].live, delta,
				  memory_order_relaxed);
}

void zs_slab_fail_all(bool on)
{
	atomic_store(&slab_fail_every, on);
}

void zs_slab_fail_nth(unsigned long nth)
{
	atomic_store(&slab_fail_at, nth ? zs_slab_attempts() + nth : 0);
}

unsigned long zs_slab_attempts(void)
{
	unsigned long n = 0;

	for (unsigned int i = 0; i < SLAB_STRIPES; i++)
		n += atomic_load(&slab_count[i].attempts);
	return n;
}

long zs_slab_live(void)
{
	long n = 0;

	for (unsigned int i = 0; i < SLAB_STRIPES; i++)
		n += atomic_load(&slab_count[i].live);
	return n;
}

/*
 * Counts the attempt; true when the fault hook says this one fails. The
 * sum is read only while a failure is armed (single-threaded tests).
 */
static int slab_should_fail(void)
{
	unsigned long at;

	atomic_fetch_add(&slab_count[slab_stripe()].attempts, 1);
	if (atomic_load(&slab_fail_every))
		return 1;
	at = atomic_load(&slab_fail_at);
	if (at && zs_slab_attempts() == at) {
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
		live_add(1);
	return p;
}

void *zs_kzalloc(size_t size)
{
	void *p;

	if (slab_should_fail())
		return NULL;
	p = calloc(1, size ? size : 1);
	if (p)
		live_add(1);
	return p;
}

void *zs_kzalloc_aligned(size_t align, size_t size)
{
	void *p;

	ZS_BUG_ON(align == 0 || (align & (align - 1)) || size % align);
	if (slab_should_fail())
		return NULL;
	p = aligned_alloc(align, size);
	if (p) {
		memset(p, 0, size);
		live_add(1);
	}
	return p;
}

void zs_kfree(void *p)
{
	if (!p)
		return;
	live_add(-1);
	free(p);
}

/*
 * Tables of whole pages: their address space comes from the arena
 * (arena.c), a larger one straight from mmap, so that a freed table's
 * memory goes back to the system, where a free()d block in the middle of
 * malloc's heap would stay resident. A few freed tables (VMAP_CACHE_BYTES
 * in all) wait resident for reuse first, closed to memory checkers: a
 * pool made and destroyed again and again (a fuzzer's life) then costs
 * no system call per table. A pool's own tables (class table, pfn and
 * handle radix nodes, descriptor chunks) come to some 150 KiB at 4 KiB
 * pages, many of them 4-16 KiB: the cache holds a few pools' worth.
 * zs_compact gives the cache's memory back in one release call
 * (zs_vmap_trim_keep), but for the tables freed last that fit in
 * ZS_VMAP_TRIM_KEEP: a pool made right after a compaction (a fuzzer
 * compacts several times per input) does not fault its class table and
 * first chunks in again. A free that finds the bound reached gives all of
 * it back.
 */
#define VMAP_CACHE_SLOTS 128
#define VMAP_CACHE_BYTES ((size_t)1 << 20)

static pthread_mutex_t vmap_lock = ZS_STATIC_MUTEX_INIT;
static struct {
	void *p;
	size_t size;
	unsigned long stamp; /* when it was put: a trim keeps the latest */
} vmap_cache[VMAP_CACHE_SLOTS];
static size_t vmap_resident_bytes; /* of the cached tables */
static unsigned long vmap_stamp;
static atomic_ulong vmap_unmapped; /* tables unmapped, ever */

/* A table's size: whole system pages. */
static size_t table_bytes(size_t size)
{
	size_t sys = zs_sys_page_size();

	return size ? (size + sys - 1) & ~(sys - 1) : sys;
}

/* A cached table of exactly size bytes, or NULL. */
static void *vmap_cache_take(size_t size)
{
	void *p = NULL;

	pthread_mutex_lock(&vmap_lock);
	for (int i = 0; i < VMAP_CACHE_SLOTS; i++) {
		if (vmap_cache[i].p && vmap_cache[i].size == size) {
			p = vmap_cache[i].p;
			vmap_cache[i].p = NULL;
			vmap_resident_bytes -= size;
			break;
		}
	}
	pthread_mutex_unlock(&vmap_lock);
	return p;
}

/* Keeps p, resident, for reuse when there is room; false otherwise. */
static bool vmap_cache_put(void *p, size_t size)
{
	bool kept = false;

	pthread_mutex_lock(&vmap_lock);
	if (vmap_resident_bytes + size > VMAP_CACHE_BYTES)
		goto out;
	for (int i = 0; i < VMAP_CACHE_SLOTS; i++) {
		if (!vmap_cache[i].p) {
			vmap_cache[i].p = p;
			vmap_cache[i].size = size;
			vmap_cache[i].stamp = ++vmap_stamp;
			vmap_resident_bytes += size;
			kept = true;
			break;
		}
	}
out:
	pthread_mutex_unlock(&vmap_lock);
	return kept;
}

/*
 * Tables out of use, closed: those the arena serves give their memory
 * back in one release call and return to it; the others are unmapped,
 * each run of adjacent ones in one munmap. Reorders r.
 */
static void tables_drop(struct zs_range *r, size_t n)
{
	size_t served = 0, runs;

	for (size_t i = 0; i < n; i++) {
		if (zs_arena_serves(r[i].len)) {
			struct zs_range t = r[served];

			r[served++] = r[i];
			r[i] = t;
		}
	}
	zs_release_ranges(r, served);
	for (size_t i = 0; i < served; i++)
		zs_arena_give(r[i].addr, r[i].len);
	r += served;
	n -= served;
	for (size_t i = 0; i < n; i++)
		zs_san_open_defined(r[i].addr, r[i].len);
	runs = zs_ranges_coalesce(r, n);
	for (size_t i = 0; i < runs; i++)
		munmap(r[i].addr, r[i].len);
	atomic_fetch_add(&vmap_unmapped, n);
}

/*
 * Every table is written soon after it is made: a write to each page now
 * faults it in once, where a first read would map the zero page and the
 * write after it fault again, with a TLB shootdown on every other CPU
 * the process runs on.
 */
static void touch_for_write(char *p, size_t size)
{
	size_t sys = zs_sys_page_size();

	for (size_t off = 0; off < size; off += sys)
		((volatile char *)p)[off] = 0;
}

void *zs_vmap_zeroed(size_t size)
{
	void *p;

	size = table_bytes(size);
	p = vmap_cache_take(size);
	if (p) {
		zs_san_open_undefined(p, size);
		memset(p, 0, size);
		return p;
	}
	if (zs_arena_serves(size)) {
		p = zs_arena_take(size);
	} else {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		p = p == MAP_FAILED ? NULL : p;
	}
	if (p)
		touch_for_write(p, size);
	return p;
}

/*
 * When the cache's resident memory is at its bound, all of it goes back
 * in one release call (zs_vmap_trim) and p takes a place beside it:
 * giving back each table that does not fit would cost a system call per
 * table, where a trim frees them all at once.
 */
void zs_vunmap(void *p, size_t size)
{
	struct zs_range r;

	size = table_bytes(size);
	zs_san_close(p, size);
	if (size <= VMAP_CACHE_BYTES) {
		if (vmap_cache_put(p, size))
			return;
		zs_vmap_trim();
		if (vmap_cache_put(p, size))
			return;
	}
	/* never fits, or no slot even after a trim */
	r.addr = p;
	r.len = size;
	tables_drop(&r, 1);
}

static int newer_first(const void *a, const void *b)
{
	unsigned long x = vmap_cache[*(const int *)a].stamp;
	unsigned long y = vmap_cache[*(const int *)b].stamp;

	return (x < y) - (x > y);
}

/*
 * Which cached tables a trim keeps: the latest put first, as long as they
 * fit in keep bytes. Under lock; marks them in keep_slot.
 */
static size_t pick_kept_locked(size_t keep, bool *keep_slot)
{
	int order[VMAP_CACHE_SLOTS], n = 0;
	size_t kept = 0;

	for (int i = 0; i < VMAP_CACHE_SLOTS; i++)
		if (vmap_cache[i].p)
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
	size_t n = 0;

	pthread_mutex_lock(&vmap_lock);
	if (vmap_resident_bytes <= keep) { /* every table would be kept */
		pthread_mutex_unlock(&vmap_lock);
		return;
	}
	vmap_resident_bytes = keep ? pick_kept_locked(keep, keep_slot) : 0;
	for (unsigned int i = 0; i < VMAP_CACHE_SLOTS; i++) {
		if (vmap_cache[i].p && !keep_slot[i]) {
			out[n].addr = vmap_cache[i].p;
			out[n++].len = vmap_cache[i].size;
			vmap_cache[i].p = NULL;
		}
	}
	pthread_mutex_unlock(&vmap_lock);
	tables_drop(out, n);
}

void zs_vmap_trim(void)
{
	zs_vmap_trim_keep(0);
}

unsigned long zs_vmap_unmapped(void)
{
	return atomic_load(&vmap_unmapped);
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
	live_add(delta);
}

void *zs_vzalloc(size_t size)
{
	void *p;

	if (slab_should_fail())
		return NULL;
	p = zs_vmap_zeroed(size);
	if (p)
		live_add(1);
	return p;
}

void zs_vfree(void *p, size_t size)
{
	if (!p)
		return;
	live_add(-1);
	zs_vunmap(p, size);
}
