// SPDX-License-Identifier: MIT
/*
 * The copy-based access API of the 2025 kernel, beside map/unmap:
 *
 * zs_obj_read_begin() returns a pointer into the page for an object inside
 * one page (the page stays kmapped until zs_obj_read_end()), or copies an
 * object that straddles two pages into the caller's local_copy and returns
 * that. Either way the object is pinned (its mapcount held) until
 * zs_obj_read_end(), so it cannot be freed or moved meanwhile.
 * zs_obj_write() copies bytes in, straddling or not, pinned only while it
 * copies.
 *
 * Unlike zs_map_object() these use no per-thread mapping area: reads may
 * nest (kmap order is LIFO, as kmap_local in the kernel) and may be mixed
 * with one map/unmap on the same thread. A thread only keeps a record of
 * the reads it has open, which spares their ends a second lookup.
 */
#include <zsmalloc.h>

#include "kernel/kmap.h"
#include "kernel/report.h"
#include "kernel/sanitize.h"
#include "obj_copy.h"
#include "obj_shadow.h"
#include "pin_fast.h"
#include "pool.h"

#include <string.h>

/*
 * Resolve handle to its slot and class, pin the object (so that no mover
 * touches it) and find where it is now; or NULL, nothing held, after a
 * report. The caller unpins. With own given, an object pinned to the limit
 * is found without a pin of ours (*own false): those pins hold it still.
 */
static struct zs_handle_slot *obj_pin(struct zs_pool *pool,
				      unsigned long handle, const char *op,
				      struct zs_obj_loc *loc, bool *own)
{
	struct zs_handle_slot *slot;
	struct size_class *class;
	bool pinned = false;
	unsigned long obj;

	if (!pool) {
		zs_report(op, "no pool (handle %#lx)", handle);
		return NULL;
	}
	slot = zs_handle_resolve(&pool->handles, handle, op, &obj);
	if (!slot)
		return NULL;
	class = zs_slot_class(pool, slot);
	if (!class) {
		zs_report(op,
			  "handle %#lx: location %#lx is not its object "
			  "(size %u is corrupt)",
			  handle, obj, zs_slot_size(slot));
		return NULL;
	}
	switch (zs_slot_pin_live(slot, zs_handle_gen(handle))) {
	case ZS_PINNED:
		pinned = true;
		break;
	case ZS_PIN_LIMIT:
		if (own)
			break;
		zs_report(op, "handle %#lx is pinned %u times", handle,
			  ZS_SLOT_MAP_LIMIT);
		return NULL;
	case ZS_PIN_STALE:
		zs_report(op, "handle %#lx was freed concurrently", handle);
		return NULL;
	}
	obj = zs_slot_obj_guarded(pool, slot, handle);
	if (!obj || !zs_obj_locate(pool, class, obj, loc)) {
		if (pinned)
			zs_slot_unpin_live(slot, zs_handle_gen(handle));
		zs_report(op, "handle %#lx: location %#lx is not its object",
			  handle, obj);
		return NULL;
	}
	if (own)
		*own = pinned;
	return slot;
}

/*
 * The reads this thread has begun and not yet ended, newest last. With
 * one, zs_obj_read_end closes a read without walking from the handle to
 * the object again: that walk, right after the caller's copy, cost as
 * much as the rest of the end (bench/notes.md, "The copy-based read's
 * end"). An end that finds no record of its own (more reads open than
 * there is room for, a read begun on another thread, a wrong address)
 * takes the checked path, as before.
 */
#define ZS_OPEN_READS 8

struct open_read {
	struct zs_pool *pool;
	unsigned long handle;
	void *mem;   /* what zs_obj_read_begin returned */
	void *kaddr; /* kmap_atomic's address; NULL: copied */
	struct zs_handle_slot *slot;
	size_t span; /* bytes closed again after the read */
};

static _Thread_local struct open_read open_reads[ZS_OPEN_READS];
static _Thread_local unsigned int nr_open_reads;
/*
 * Pools destroyed so far, and that count when this thread's records were
 * last known good: a record kept across a zs_destroy_pool (a read left
 * open, the caller's bug) could otherwise match a new pool at the same
 * address. Forgetting records costs only the checked path.
 */
static atomic_ulong pools_destroyed;
static _Thread_local unsigned long open_reads_epoch;

void zs_obj_reads_pool_destroyed(void)
{
	atomic_fetch_add_explicit(&pools_destroyed, 1, memory_order_relaxed);
}

static void open_reads_check_epoch(void)
{
	unsigned long now =
		atomic_load_explicit(&pools_destroyed, memory_order_relaxed);

	if (open_reads_epoch != now) {
		open_reads_epoch = now;
		nr_open_reads = 0;
	}
}

static void open_read_push(struct zs_pool *pool, unsigned long handle,
			   void *mem, void *kaddr, struct zs_handle_slot *slot,
			   size_t span)
{
	open_reads_check_epoch();
	if (nr_open_reads < ZS_OPEN_READS)
		open_reads[nr_open_reads++] = (struct open_read){
			pool, handle, mem, kaddr, slot, span};
}

/* This thread's record of a read of handle that returned mem, or -1. */
static int open_read_find(const struct zs_pool *pool, unsigned long handle,
			  const void *mem)
{
	open_reads_check_epoch();
	for (unsigned int i = nr_open_reads; i-- > 0;) {
		const struct open_read *o = &open_reads[i];

		if (o->handle == handle && o->pool == pool && o->mem == mem)
			return (int)i;
	}
	return -1;
}

static void open_read_drop(unsigned int i)
{
	for (nr_open_reads--; i < nr_open_reads; i++)
		open_reads[i] = open_reads[i + 1];
}

/* A pinned object: its slot, where it is, its size and whether it is fresh. */
struct obj_ref {
	struct zs_handle_slot *slot;
	struct zs_obj_loc loc;
	unsigned int size;
	bool fresh;
};

/*
 * Pin the object of handle for op: the short way when nothing is off,
 * else obj_pin's, which reports what it refuses. false: nothing held.
 */
static ZS_ALWAYS_INLINE bool obj_get(struct zs_pool *pool, unsigned long handle,
				     const char *op, struct obj_ref *r)
{
	struct size_class *class;
	struct zs_slot_view v;

	if (pool) {
		r->slot = zs_pin_fast(pool, handle, &v, &class, &r->loc.page,
				      &r->loc.idx);
		if (r->slot) {
			r->loc.off = zs_obj_offset(pool, class, r->loc.idx);
			r->loc.obj_size = class->size;
			r->size = v.size;
			r->fresh = v.fresh;
			return true;
		}
	}
	r->slot = obj_pin(pool, handle, op, &r->loc, NULL);
	if (!r->slot)
		return false;
	r->size = zs_slot_size(r->slot);
	r->fresh = zs_slot_fresh(r->slot);
	return true;
}

void *zs_obj_read_begin(struct zs_pool *pool, unsigned long handle,
			void *local_copy)
{
	struct obj_ref r;
	char *base, *p;

	if (!obj_get(pool, handle, "zs_obj_read_begin", &r))
		return NULL;
	p = NULL;
	base = NULL;
	if (zs_obj_spans(pool, &r.loc)) {
		if (!local_copy)
			zs_report("zs_obj_read_begin",
				  "handle %#lx straddles two pages and no "
				  "local copy buffer was given",
				  handle);
		else if (zs_obj_copy(pool, r.slot, &r.loc, local_copy, r.size,
				     false, r.fresh))
			p = local_copy;
	} else {
		base = kmap_atomic(r.loc.page);
		if (base) {
			p = base + r.loc.off;
			zs_obj_shadow_open(r.slot, p, r.size, r.fresh);
		}
	}
	if (!p) /* another holder that let go meanwhile counted this pin */
		zs_obj_shadow_release_all(pool, r.slot, &r.loc, 1,
					  zs_handle_gen(handle));
	else
		open_read_push(pool, handle, p, base, r.slot,
			       base ? r.loc.obj_size : 0);
	return p; /* pinned until zs_obj_read_end */
}

/* Every check of zs_obj_read_end in turn, each failure reported. */
static ZS_COLD void read_end_checked(struct zs_pool *pool, unsigned long handle,
				     void *handle_mem)
{
	struct zs_handle_slot *slot;
	struct zs_obj_loc loc;
	char *p = handle_mem;
	bool own;

	/* a pin of its own, so that the checks below see the object held
	 * still even when no read was begun */
	slot = obj_pin(pool, handle, "zs_obj_read_end", &loc, &own);
	if (!slot)
		return;
	if (zs_slot_mapcount(slot) < (own ? 2u : 1u)) {
		zs_report("zs_obj_read_end",
			  "handle %#lx: no read of it was begun", handle);
		goto out;
	}
	if (!zs_obj_spans(pool, &loc)) {
		char *base = loc.page->mem;

		if (p != base + loc.off) {
			zs_report("zs_obj_read_end",
				  "handle %#lx: %p is not what "
				  "zs_obj_read_begin returned (%p)",
				  handle, handle_mem, (void *)(base + loc.off));
			goto out;
		}
		/* the address kmap_atomic gave, not the object's */
		if (!kunmap_atomic(base))
			goto out;
		/* the read's pin and this call's own */
		zs_obj_shadow_release(slot, p, loc.obj_size, own ? 2 : 1,
				      zs_handle_gen(handle));
		return;
	}
	if (!p) {
		zs_report("zs_obj_read_end", "handle %#lx: no buffer", handle);
		goto out;
	}
	/* a copy by another pinner meanwhile may have left it open */
	zs_obj_shadow_release_all(pool, slot, &loc, own ? 2 : 1,
				  zs_handle_gen(handle));
	return;
out:
	if (own)
		zs_slot_unpin_live(slot, zs_handle_gen(handle));
}

void zs_obj_read_end(struct zs_pool *pool, unsigned long handle,
		     void *handle_mem)
{
	unsigned int gen = zs_handle_gen(handle);
	struct open_read *o;
	atomic_uint *pin;
	unsigned int v;
	int i;

	i = pool ? open_read_find(pool, handle, handle_mem) : -1;
	if (i < 0) {
		read_end_checked(pool, handle, handle_mem);
		return;
	}
	o = &open_reads[i];
	/*
	 * The read's pin holds the object still, unless it was freed or its
	 * pin dropped elsewhere meanwhile (both the caller's bugs): then the
	 * checked path looks again, and the record goes.
	 */
	pin = zs_slot_pin_word(o->slot);
	v = atomic_load(pin);
	if (v >> ZS_SLOT_GEN_SHIFT != gen || !(v & ZS_SLOT_MAP_MASK) ||
	    (v & ZS_SLOT_MAP_MASK) == ZS_SLOT_MOVING) {
		open_read_drop((unsigned int)i);
		read_end_checked(pool, handle, handle_mem);
		return;
	}
	if (!o->kaddr && ZS_POISONS_PAGES) {
		/* the record does not say where the copied object's bytes
		 * are, which the checked path closes when the read is last */
		open_read_drop((unsigned int)i);
		read_end_checked(pool, handle, handle_mem);
		return;
	}
	if (o->kaddr) {
		/* a refused pairing is reported; the read stays open */
		if (!kunmap_atomic(o->kaddr))
			return;
	}
	zs_obj_shadow_release(o->slot, handle_mem, o->span, 1, gen);
	open_read_drop((unsigned int)i);
}

void zs_obj_write(struct zs_pool *pool, unsigned long handle,
		  const void *handle_mem, size_t mem_len)
{
	struct obj_ref r;

	if (mem_len && !handle_mem) {
		zs_report("zs_obj_write", "handle %#lx: no buffer", handle);
		return;
	}
	if (!obj_get(pool, handle, "zs_obj_write", &r))
		return;
	if (mem_len > r.size)
		zs_report("zs_obj_write",
			  "handle %#lx: %zu bytes do not fit its %u", handle,
			  mem_len, r.size);
	else if (zs_obj_copy(pool, r.slot, &r.loc, (void *)handle_mem, mem_len,
			     true, false))
		zs_slot_set_written(r.slot);
	/* a reader beside this write may have kept the copy from closing */
	zs_obj_shadow_release_all(pool, r.slot, &r.loc, 1,
				  zs_handle_gen(handle));
}

/*
 * zs_obj_read_batch pins this many objects, copies them out, then unpins
 * them: each pin is a locked instruction, which waits for every earlier
 * load, so pins between copies would make each object's misses wait for
 * the previous object's (bench/notes.md, "Batched reads").
 */
#define ZS_READ_BATCH 16
#define ZS_LINE	      64

/* Ask for every line of a pinned object, both pages' parts. */
static void prefetch_obj(const struct zs_pool *pool, const struct obj_ref *r)
{
	size_t first = pool->geo.page_size - r->loc.off;
	const char *p = r->loc.page->mem;

	if (!p)
		return; /* the copy's kmap reports it */
	if (first > r->size)
		first = r->size;
	for (size_t o = 0; o < first; o += ZS_LINE)
		__builtin_prefetch(p + r->loc.off + o);
	p = first < r->size ? zs_page_next(r->loc.page)->mem : NULL;
	for (size_t o = 0; p && o < r->size - first; o += ZS_LINE)
		__builtin_prefetch(p + o);
}

/*
 * Ask for the page descriptor of handle's object, read without a pin (only
 * a hint: the pin reads it again): the pins' locked instructions would
 * otherwise wait for each descriptor's miss in turn.
 */
static void prefetch_desc(struct zs_pool *pool, unsigned long handle)
{
	struct zs_handle_slot *slot = zs_slot_of_handle(pool, handle);
	struct zs_slot_view v;
	struct zs_page *page;

	if (!slot || !zs_slot_view(&pool->handles, slot, &v))
		return;
	page = zs_pfn_to_page(pool, zs_obj_pfn(pool, v.obj));
	if (page)
		__builtin_prefetch(page);
}

/* Up to ZS_READ_BATCH of them: pin all, copy all, unpin all. */
static size_t read_group(struct zs_pool *pool, const unsigned long *handles,
			 size_t n, void *const *bufs, size_t *lens)
{
	struct obj_ref r[ZS_READ_BATCH];
	bool held[ZS_READ_BATCH];
	size_t done = 0;

	for (size_t i = 0; i < n; i++)
		prefetch_desc(pool, handles[i]);
	for (size_t i = 0; i < n; i++) {
		held[i] = false;
		if (!bufs[i])
			zs_report("zs_obj_read_batch",
				  "handle %#lx (item %zu): no buffer",
				  handles[i], i);
		else
			held[i] = obj_get(pool, handles[i], "zs_obj_read_batch",
					  &r[i]);
		if (held[i])
			prefetch_obj(pool, &r[i]);
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;

		if (held[i] && zs_obj_copy(pool, r[i].slot, &r[i].loc, bufs[i],
					   r[i].size, false, r[i].fresh)) {
			len = r[i].size;
			done++;
		}
		if (lens)
			lens[i] = len;
	}
	for (size_t i = 0; i < n; i++) {
		if (!held[i])
			continue;
		/* a duplicate in the group kept the copies from closing it */
		zs_obj_shadow_release_all(pool, r[i].slot, &r[i].loc, 1,
					  zs_handle_gen(handles[i]));
	}
	return done;
}

size_t zs_obj_read_batch(struct zs_pool *pool, const unsigned long *handles,
			 size_t n, void *const *bufs, size_t *lens)
{
	size_t done = 0;

	if (!n)
		return 0;
	if (!pool || !handles || !bufs) {
		zs_report("zs_obj_read_batch", "%s is NULL (%zu handles)",
			  !pool	     ? "the pool"
			  : !handles ? "handles"
				     : "bufs",
			  n);
		if (lens)
			memset(lens, 0, n * sizeof(*lens));
		return 0;
	}
	for (size_t at = 0; at < n; at += ZS_READ_BATCH) {
		size_t m = n - at < ZS_READ_BATCH ? n - at : ZS_READ_BATCH;

		done += read_group(pool, handles + at, m, bufs + at,
				   lens ? lens + at : NULL);
	}
	return done;
}
