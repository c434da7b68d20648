// SPDX-License-Identifier: MIT
#include "moves.h"

#include <errno.h>
#include <string.h>

#include "checkers.h"
#include "fail.h"
#include "mode_work.h"
#include "scratch.h"

/*
 * No class keeps a whole zspage of free slots. Only the classes the model
 * allocated from are read: their pages must then be all the pool has, so
 * any other class holds no zspage, tight or not (the check at the end of
 * the input reads every class).
 */
static void check_tight(struct zs_model *m)
{
	struct zs_class_stat st;
	unsigned short used[ZS_MODEL_MAX_STEPS];
	unsigned int n = zs_model_used_classes(m, used);
	unsigned long pages = 0, total;

	for (unsigned int k = 0; k < n; k++) {
		unsigned int i = used[k];

		if (zs_class_stat(m->pool, i, &st) != 0)
			zs_fuzz_fail("zs_class_stat(%u) failed", i);
		if (st.merged_into != i)
			zs_fuzz_fail("step %u served by %u, was by itself", i,
				     st.merged_into);
		if (st.obj_allocated - st.obj_used >= st.objs_per_zspage)
			zs_fuzz_fail("class %u (size %zu, %u objs per zspage): "
				     "%lu of %lu slots unused after "
				     "zs_compact",
				     i, st.size, st.objs_per_zspage,
				     st.obj_allocated - st.obj_used,
				     st.obj_allocated);
		pages += st.pages_used;
	}
	total = zs_get_total_pages(m->pool);
	if (pages != total)
		zs_fuzz_fail("after zs_compact the pool has %lu pages, the %u "
			     "classes objects were allocated from %lu",
			     total, n, pages);
}

/* After a move: the mapping still shows its object (then it is dropped,
 * as it always was here); every object is compared at its next use. */
static void check_after_move(struct zs_model *m, const char *by)
{
	zs_model_check_mapping(m);
	zs_model_unmap(m);
	zs_model_moved(m, by);
}

static void op_compact(struct zs_model *m)
{
	unsigned long before = zs_get_total_pages(m->pool), freed;
	struct zs_pool_stats s0, s1;

	zs_pool_stats(m->pool, &s0);
	freed = zs_compact(m->pool);
	zs_pool_stats(m->pool, &s1);
	if (s1.pages_compacted < s0.pages_compacted + freed)
		zs_fuzz_fail("zs_compact released %lu pages, stats went "
			     "%lu -> %lu",
			     freed, s0.pages_compacted, s1.pages_compacted);
	if (!m->shared_pool) {
		unsigned long after = zs_get_total_pages(m->pool);

		if (after + freed != before)
			zs_fuzz_fail("zs_compact said %lu pages released; "
				     "the pool went %lu -> %lu",
				     freed, before, after);
		/* with nothing pinned, every class ends tight */
		if (m->mapped < 0)
			check_tight(m);
	}
	check_after_move(m, "zs_compact");
}

static void op_migrate(struct zs_model *m, uint8_t hint)
{
	int slot = zs_model_pick_live(m, hint);
	unsigned long pfn, before = zs_get_total_pages(m->pool);
	int ret;

	if (slot < 0)
		return;
	pfn = zs_handle_pfn(m->pool, m->obj[slot].handle);
	if (pfn == 0)
		zs_fuzz_fail("zs_handle_pfn(%#lx) failed", m->obj[slot].handle);
	ret = zs_page_migrate(m->pool, pfn);
	if (ret == -EBUSY) {
		/* only a pinned object on the page excuses it */
		if (m->mapped < 0 && !m->shared_pool)
			zs_fuzz_fail("zs_page_migrate(pfn %lu) busy with "
				     "nothing mapped",
				     pfn);
		if (m->mapped == slot &&
		    zs_handle_pfn(m->pool, m->obj[slot].handle) != pfn)
			zs_fuzz_fail("busy migration moved the object");
	} else if (ret == 0) {
		if (m->mapped == slot)
			zs_fuzz_fail("zs_page_migrate moved the page of "
				     "mapped object %#lx",
				     m->obj[slot].handle);
		/* (shared: another thread may have moved it back since,
		 * onto the descriptor this migration gave up) */
		if (!m->shared_pool &&
		    zs_handle_pfn(m->pool, m->obj[slot].handle) == pfn)
			zs_fuzz_fail("object %#lx still on pfn %lu after its "
				     "page was migrated",
				     m->obj[slot].handle, pfn);
	} else if (ret == -ENOMEM) {
		/* a fresh page is needed: only a full pfn space explains it */
		if (!zs_model_frames_short(m, 1))
			zs_fuzz_fail("zs_page_migrate(pfn %lu) returned "
				     "-ENOMEM with %lu of %lu page frames "
				     "in use",
				     pfn, zs_get_total_pages(m->pool),
				     m->info.max_pages);
	} else if (!(ret == -ENOENT && m->shared_pool)) {
		zs_fuzz_fail("zs_page_migrate(pfn %lu) returned %d", pfn, ret);
	}
	if (!m->shared_pool && zs_get_total_pages(m->pool) != before)
		zs_fuzz_fail("migration changed the pool from %lu to %lu "
			     "pages",
			     before, zs_get_total_pages(m->pool));
	check_after_move(m, "zs_page_migrate");
}

/*
 * May a read see the object of slot as its shadow has it? Not an object
 * mapped for writing: a straddling one's writes are still in the thread's
 * area. An RO mapping's own writes are either in the page and the shadow
 * (in place) or only in the area copy (straddling).
 */
static int readable(const struct zs_model *m, int slot)
{
	return slot >= 0 && (slot != m->mapped || m->mode == ZS_MM_RO);
}

/* Begin a read of slot's object into copy, checked against its shadow. */
static uint8_t *read_begin_checked(struct zs_model *m, int slot, uint8_t *copy)
{
	struct zs_obj *o = &m->obj[slot];
	struct zs_access_counts counts;
	uint8_t *p;

	zs_access_counts(&counts);
	p = zs_obj_read_begin(m->pool, o->handle, copy);
	if (!p)
		zs_fuzz_fail("zs_obj_read_begin(%#lx) returned NULL",
			     o->handle);
	/* the local copy only for a straddling object, filled once */
	zs_work_check_read(&counts, p == copy, o->size, o->handle);
	zs_model_compare(m, slot, p);
	o->unchecked = NULL;
	return p;
}

static void read_end_checked(struct zs_model *m, int slot, uint8_t *p)
{
	struct zs_access_counts counts;

	zs_access_counts(&counts);
	zs_obj_read_end(m->pool, m->obj[slot].handle, p);
	zs_work_check_none(&counts, "zs_obj_read_end", m->obj[slot].handle);
}

/*
 * Read through the 2025 API, nested inside any current mapping, the
 * object's own too when mapped RO. Hints with NESTED_HINT set read the
 * object a second time inside the first; after the inner end the outer
 * view (and a mapping of it) must still hold its bytes, open to the memory
 * checkers: several openers of one object keep it open until the last.
 */
#define NESTED_HINT 0x10

static void op_obj_read(struct zs_model *m, uint8_t hint)
{
	int slot = zs_model_pick_live(m, hint);
	struct zs_obj *o;
	uint8_t *copy, *inner_copy, *p, *inner;

	if (!readable(m, slot))
		return;
	o = &m->obj[slot];
	copy = zs_scratch_get(o->size);
	p = read_begin_checked(m, slot, copy);
	if (hint & NESTED_HINT) {
		inner_copy = zs_scratch_get(o->size);
		inner = read_begin_checked(m, slot, inner_copy);
		read_end_checked(m, slot, inner);
		zs_scratch_put(inner_copy, o->size);
		zs_model_compare(m, slot, p);
	}
	read_end_checked(m, slot, p);
	if (slot == m->mapped)
		zs_model_check_mapping(m);
	zs_scratch_put(copy, o->size);
}

/*
 * ZS_OP_OBJ_READ hints from here on read through zs_obj_read_batch
 * instead: (hint & 31) + 1 items, more than the core's group of 16 for
 * half of them.
 */
#define BATCH_HINT 0xe0
#define BATCH_MAX  32

/* Whether the object of slot straddles two pages now (a read tells). */
static int obj_spans(struct zs_model *m, int slot)
{
	const struct zs_obj *o = &m->obj[slot];
	uint8_t *copy = zs_scratch_get(o->size);
	uint8_t *p = zs_obj_read_begin(m->pool, o->handle, copy);

	if (!p)
		zs_fuzz_fail("zs_obj_read_begin(%#lx) returned NULL",
			     o->handle);
	zs_obj_read_end(m->pool, o->handle, p);
	zs_scratch_put(copy, o->size);
	return p == copy;
}

/*
 * The batch's buffers come from one scratch block, each followed by at
 * least BATCH_GAP closed bytes: a copy past an object's end is caught as
 * with a block of its own, without up to 32 blocks of up to 64 KiB going
 * through ASan's quarantine at every batch (peak RSS). The block stays
 * within the scratch rings' largest capacity, so it is reused too.
 */
#define BATCH_GAP   8
#define BATCH_BYTES ((size_t)256 << 10)

/* Where the buffer after one of size bytes at off starts. */
static size_t batch_next(size_t off, size_t size)
{
	return (off + size + 7) / 8 * 8 + BATCH_GAP;
}

/*
 * Live objects from hint on with a stride of 3 (with few, some repeat),
 * the mapped one too when mapped RO (its mapping is checked afterwards:
 * still open to the memory checkers, the same bytes); each lands whole in
 * its own buffer.
 */
static void op_obj_read_batch(struct zs_model *m, uint8_t hint)
{
	unsigned long h[BATCH_MAX];
	uint8_t *buf[BATCH_MAX], *block;
	size_t len[BATCH_MAX], off[BATCH_MAX + 1], n = 0, bytes = 0, got, next;
	int slot[BATCH_MAX];
	long spanning = m->shared_pool ? -1 : 0;
	struct zs_access_counts counts;

	off[0] = 0;
	for (unsigned int k = 0; k <= (hint & (BATCH_MAX - 1)); k++) {
		int s = zs_model_pick_live(m, hint + 3 * k);

		if (s < 0)
			return;
		if (!readable(m, s))
			continue;
		next = batch_next(off[n], m->obj[s].size);
		if (next > BATCH_BYTES)
			break;
		off[n + 1] = next;
		slot[n] = s;
		h[n] = m->obj[s].handle;
		bytes += m->obj[s].size;
		/* another thread's compaction may move it meanwhile */
		if (spanning >= 0)
			spanning += obj_spans(m, s);
		n++;
	}
	block = zs_scratch_get(off[n]);
	for (size_t i = 0; i < n; i++) {
		size_t size = m->obj[slot[i]].size;

		buf[i] = block + off[i];
		zs_fuzz_close(buf[i] + size, off[i + 1] - off[i] - size);
	}
	zs_access_counts(&counts);
	got = zs_obj_read_batch(m->pool, h, n, (void *const *)buf, len);
	if (got != n)
		zs_fuzz_fail("zs_obj_read_batch read %zu of %zu live objects",
			     got, n);
	zs_work_check_batch(&counts, n, bytes, spanning);
	for (size_t i = 0; i < n; i++) {
		struct zs_obj *o = &m->obj[slot[i]];

		if (len[i] != o->size)
			zs_fuzz_fail("zs_obj_read_batch: item %zu (%#lx) "
				     "read %zu bytes of %zu",
				     i, o->handle, len[i], o->size);
		zs_model_compare(m, slot[i], buf[i]);
		o->unchecked = NULL;
	}
	zs_model_check_mapping(m);
	zs_scratch_put(block, off[n]);
}

static void op_obj_write(struct zs_model *m, uint8_t hint, uint16_t len,
			 uint8_t seed)
{
	int slot = zs_model_pick_live(m, hint);
	struct zs_obj *o;
	struct zs_access_counts counts;
	size_t n;

	if (slot < 0 || slot == m->mapped)
		return;
	zs_model_settle(m, slot);
	o = &m->obj[slot];
	/* 0: the whole object, else a head of len % size + 1 bytes */
	n = len == 0 ? o->size : 1 + len % o->size;
	zs_model_fill(o, 0, n, seed);
	zs_access_counts(&counts);
	zs_obj_write(m->pool, o->handle, o->bytes, n);
	zs_work_check_write(&counts, n, o->handle);
}

void zs_run_move_op(struct zs_model *m, struct zs_input *in, unsigned int op)
{
	switch (op) {
	case ZS_OP_COMPACT:
		op_compact(m);
		break;
	case ZS_OP_MIGRATE:
		op_migrate(m, zs_input_u8(in));
		break;
	case ZS_OP_OBJ_READ: {
		uint8_t hint = zs_input_u8(in);

		if (hint >= BATCH_HINT)
			op_obj_read_batch(m, hint);
		else
			op_obj_read(m, hint);
		break;
	}
	default: {
		uint8_t hint = zs_input_u8(in);
		uint16_t len = zs_input_u16(in);

		op_obj_write(m, hint, len, zs_input_u8(in));
		break;
	}
	}
}
