// SPDX-License-Identifier: MIT
/*
 * zs_misuse: valid ops on pool A (and a second pool B, whose handles are
 * "other-pool" handles for A) mixed with bad ones: double free, stale and
 * forged handles, nested maps, unmatched or mismatched unmaps, oversized
 * allocs, bad calls into the API (no pool, bad mode, refused configs,
 * misaligned provider pages, free or destroy while mapped), and misuse of
 * the move API (zs_obj_read_begin/end and zs_obj_write on bad handles or
 * arguments, zs_page_migrate of pfns not the pool's or pinned, no-pool
 * zs_compact and friends, compaction while an object is pinned).
 * A recording report handler is installed; every bad op must be
 * reported (zs_report_count goes up, the handler is called) and must not
 * hurt: the current mapping stays usable and every live object keeps its
 * bytes. Valid ops must report nothing.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkers.h"
#include "fail.h"
#include "harness.h"
#include "input.h"
#include "model.h"
#include "notices.h"
#include "ops.h"
#include "pages.h"
#include "scratch.h"

enum bad_op {
	BAD_DOUBLE_FREE = ZS_NR_COMMON_OPS, /* idx u8 */
	BAD_STALE_MAP,			    /* idx u8, mode u8 */
	BAD_FORGED,			    /* how u8, value u64 */
	BAD_OTHER_POOL,			    /* slot u8, how u8 */
	BAD_NESTED_MAP,			    /* slot u8, slot u8, mode u8 */
	BAD_UNMAP,			    /* how u8, slot u8 */
	BAD_OVERSIZE,			    /* param u16 */
	OP_ON_B,			    /* op u8 + its args, on pool B */
	BAD_API,			    /* kind u8, slot u8 */
	NR_MISUSE_OPS
};

static const enum zs_mapmode modes[] = {ZS_MM_RW, ZS_MM_RO, ZS_MM_WO};

struct recorder {
	unsigned long calls;
	char what[64];
};

static struct recorder rec;

static void record(void *ctx, const char *what, const char *details)
{
	struct recorder *r = ctx;

	(void)details;
	if (!what || !what[0])
		zs_fuzz_fail("report with an empty 'what'");
	r->calls++;
	strncpy(r->what, what, sizeof(r->what) - 1);
}

struct counts {
	unsigned long calls, total;
};

static struct counts now(void)
{
	struct counts c = {rec.calls, zs_report_count()};

	return c;
}

static void expect_reported(struct counts before, const char *op)
{
	struct counts after = now();

	if (after.calls <= before.calls || after.total <= before.total)
		zs_fuzz_fail("misuse not reported: %s (handler %lu -> %lu, "
			     "count %lu -> %lu)",
			     op, before.calls, after.calls, before.total,
			     after.total);
}

/* The calls of the move API: each bad one is reported exactly once. */
static void expect_reported_once(struct counts before, const char *op)
{
	struct counts after = now();

	if (after.calls != before.calls + 1 || after.total != before.total + 1)
		zs_fuzz_fail("misuse not reported exactly once: %s (handler "
			     "%lu -> %lu, count %lu -> %lu)",
			     op, before.calls, after.calls, before.total,
			     after.total);
}

static void expect_quiet(struct counts before, const char *op)
{
	struct counts after = now();

	if (after.calls != before.calls || after.total != before.total)
		zs_fuzz_fail("valid %s was reported as '%s'", op, rec.what);
}

static int is_live(const struct zs_model *m, unsigned long h)
{
	for (int i = 0; i < ZS_MODEL_SLOTS; i++)
		if (m->obj[i].handle == h)
			return 1;
	return 0;
}

/*
 * Churn: allocate and free enough objects outside the model that freed
 * handle slots leave the library's reuse quarantine (1024; 4 in the wrap
 * build, zs_misuse_wrap) and come back. Each must come back under a new
 * generation unless its generations wrapped, which takes a quarantine's
 * worth of frees at least: the model checks every new handle against the
 * ones it freed. Costly, so twice per input.
 */
#define CHURN_ROUNDS	 1100
#define CHURNS_PER_INPUT 2
#define CHURN_TRIGGER	 0xF0 /* idx bytes from here on churn first */
static unsigned int churns;

static void churn(struct zs_model *a)
{
	struct counts c = now();

	if (churns++ >= CHURNS_PER_INPUT)
		return;
	for (unsigned int i = 0; i < CHURN_ROUNDS; i++) {
		unsigned long h = zs_malloc(a->pool, 1);

		if (!h) {
			/* only a full pfn space may stop it */
			if (zs_model_frames_short(
				    a, zs_model_frames_for_alloc(a, 1)))
				return;
			zs_fuzz_fail("churn: zs_malloc(1) failed with %lu of "
				     "%lu page frames in use",
				     zs_get_total_pages(a->pool),
				     a->info.max_pages);
		}
		zs_model_check_new_handle(a, h);
		zs_free(a->pool, h);
	}
	/* every handle it was given must have been freed quietly */
	expect_quiet(c, "churn of zs_malloc(1) and zs_free");
}

/* A freed handle of A that is not live again, or 0. */
static unsigned long stale_handle(struct zs_model *a, uint8_t idx)
{
	unsigned int n =
		a->nstale < ZS_MODEL_STALE ? a->nstale : ZS_MODEL_STALE;
	unsigned long h;

	if (n == 0) {
		int slot = zs_model_alloc(a, 1);

		if (slot < 0)
			return 0;
		zs_model_free(a, slot);
		n = 1;
	}
	h = a->stale[idx % n];
	return is_live(a, h) ? 0 : h;
}

/* Maps a bad handle (or a good one while another map is held). */
static void bad_map(struct zs_pool *pool, unsigned long h, uint8_t mode,
		    const char *op)
{
	struct counts c = now();
	void *p = zs_map_object(pool, h, modes[mode % 3]);

	if (p)
		zs_fuzz_fail("%s: zs_map_object(%#lx) returned %p, not NULL",
			     op, h, p);
	expect_reported(c, op);
}

static void bad_free(struct zs_pool *pool, unsigned long h, const char *op)
{
	struct counts c = now();

	zs_free(pool, h);
	expect_reported(c, op);
}

static void bad_unmap(struct zs_pool *pool, unsigned long h, const char *op)
{
	struct counts c = now();

	zs_unmap_object(pool, h);
	expect_reported(c, op);
}

static void op_forged(struct zs_model *a, struct zs_input *in)
{
	uint8_t how = zs_input_u8(in);
	uint64_t v = zs_input_u64(in);
	unsigned long h = (unsigned long)v;
	int slot = zs_model_pick_live(a, (uint8_t)(v >> 56));

	if ((how & 1) && slot >= 0) {
		/* One flipped bit hits the tag, generation or slot check. */
		unsigned int bit =
			(unsigned int)(v % (sizeof(long) * CHAR_BIT));

		h = a->obj[slot].handle ^ (1ul << bit);
	}
	if (h == 0 || is_live(a, h))
		return;
	if (how & 2)
		bad_free(a->pool, h, "free of a forged handle");
	else
		bad_map(a->pool, h, how >> 2, "map of a forged handle");
}

static void op_other_pool(struct zs_model *a, struct zs_model *b,
			  struct zs_input *in)
{
	uint8_t s = zs_input_u8(in);
	uint8_t how = zs_input_u8(in);
	int slot = zs_model_pick_live(b, s);
	unsigned long h;

	if (slot < 0)
		slot = zs_model_alloc(b, 1 + s);
	if (slot < 0)
		return;
	zs_model_unmap(b);
	h = b->obj[slot].handle;
	if (is_live(a, h))
		return;
	if (how & 1)
		bad_free(a->pool, h, "free of another pool's handle");
	else
		bad_map(a->pool, h, how >> 1, "map of another pool's handle");
}

static void op_nested(struct zs_model *a, struct zs_model *b,
		      struct zs_input *in)
{
	uint8_t s1 = zs_input_u8(in);
	uint8_t s2 = zs_input_u8(in);
	uint8_t mode = zs_input_u8(in);
	int first = zs_model_pick_live(a, s1);
	int second;

	if (first < 0)
		return;
	zs_model_unmap(b);
	if (a->mapped < 0)
		zs_model_map(a, first, modes[mode % 3]);
	if (mode & 4) {
		second = zs_model_pick_live(b, s2);
		if (second >= 0)
			bad_map(b->pool, b->obj[second].handle, mode >> 3,
				"map in another pool while one is held");
		return;
	}
	second = zs_model_pick_live(a, s2);
	bad_map(a->pool, a->obj[second].handle, mode >> 3, "nested map");
}

static void op_unmap(struct zs_model *a, struct zs_model *b,
		     struct zs_input *in)
{
	uint8_t how = zs_input_u8(in);
	int slot = zs_model_pick_live(a, zs_input_u8(in));
	int other;

	if (slot < 0)
		return;
	zs_model_unmap(b);
	if (!(how & 1)) {
		zs_model_unmap(a);
		bad_unmap(a->pool, a->obj[slot].handle, "unmap without a map");
		return;
	}
	if (a->mapped < 0)
		zs_model_map(a, slot, modes[(how >> 1) % 3]);
	other = zs_model_pick_live(a, (unsigned int)a->mapped + 1);
	if (other != a->mapped)
		bad_unmap(a->pool, a->obj[other].handle,
			  "unmap of a handle not mapped");
	else
		bad_unmap(a->pool, 0, "unmap of handle 0");
}

static void op_oversize(struct zs_model *a, struct zs_input *in)
{
	uint16_t param = zs_input_u16(in);
	size_t size = param == 0xffff ? 0 : a->info.max_alloc_size + 1 + param;
	unsigned long h = zs_malloc(a->pool, size);

	if (h != 0)
		zs_fuzz_fail("zs_malloc(%zu) over max %zu returned %#lx", size,
			     a->info.max_alloc_size, h);
}

/*
 * A provider whose pages are one word off a page boundary, which the core
 * must refuse (and give back) at once. They come from a few static
 * frames, closed to the checkers while free as freed heap would be: an
 * aligned_alloc of two pages went to ASan's mmap allocator at 64 KiB
 * pages, an mmap per page and, when ASan's quarantine recycled it, a
 * munmap and a TLB flush (4-6% of zs_misuse's time). More pages out at
 * once than frames (never seen) come from the heap.
 */
#define CROOKED_FRAMES 4
#define CROOKED_FRAME  ((size_t)2 * 65536)

static _Alignas(65536) char crooked_frames[CROOKED_FRAMES][CROOKED_FRAME];
static bool crooked_out[CROOKED_FRAMES];

static int crooked_frame_of(const char *p)
{
	for (int i = 0; i < CROOKED_FRAMES; i++)
		if (p == crooked_frames[i])
			return i;
	return -1;
}

static void *crooked_alloc(void *ctx, size_t page_size)
{
	static bool closed;
	char *p = NULL;

	(void)ctx;
	if (!closed) {
		zs_fuzz_close(crooked_frames, sizeof(crooked_frames));
		closed = true;
	}
	for (int i = 0; i < CROOKED_FRAMES && !p; i++) {
		if (!crooked_out[i] && 2 * page_size <= CROOKED_FRAME) {
			crooked_out[i] = true;
			p = crooked_frames[i];
			zs_fuzz_open_undefined(p, 2 * page_size);
		}
	}
	if (!p)
		p = aligned_alloc(page_size, 2 * page_size);
	if (!p)
		zs_fuzz_fail("out of memory for a crooked page");
	return p + sizeof(long);
}

static void crooked_free(void *ctx, void *page, size_t page_size)
{
	char *p = (char *)page - sizeof(long);
	int i = crooked_frame_of(p);

	(void)ctx;
	if (i < 0) {
		free(p);
		return;
	}
	if (!crooked_out[i])
		zs_fuzz_fail("crooked page %p given back twice", page);
	crooked_out[i] = false;
	zs_fuzz_close(p, 2 * page_size);
}

/* Configs the library must refuse: NULL pool, no report, one notice. */
static void refused_configs(const struct zs_model *a, uint8_t slot)
{
	struct zs_page_provider half = {crooked_alloc, NULL, NULL};
	struct zs_pool_config cfg = {
		.page_size = a->info.page_size,
		.max_pages_per_zspage = a->info.max_pages_per_zspage,
	};
	struct zs_pool *p;

	switch (slot % 4) {
	case 0:
		cfg.page_size = a->info.page_size * 3 / 2; /* no power of 2 */
		break;
	case 1:
		cfg.max_pages_per_zspage = 17 + slot;
		break;
	case 2:
		cfg.physmem_bits = a->info.page_shift; /* no pfn bits */
		break;
	default:
		cfg.pages = &half;
		break;
	}
	p = zs_create_pool_config("refused", &cfg);
	if (p)
		zs_fuzz_fail("a bad config (case %u) made a pool", slot % 4);
	zs_fuzz_notices_expect(1, "refused pool config");
}

/* Statistics of every kind, and their answers to bad arguments. */
static void stats(struct zs_model *a)
{
	struct zs_class_stat st;
	size_t len = 0;
	char *buf = NULL;
	FILE *out = open_memstream(&buf, &len);

	if (zs_class_stat(a->pool, a->info.nr_size_classes, &st) != -1 ||
	    zs_class_stat(NULL, 0, &st) != -1)
		zs_fuzz_fail("zs_class_stat accepted a bad index or pool");
	if (zs_class_size(a->pool, 0) != 0 ||
	    zs_class_size(a->pool, a->info.max_alloc_size + 1) != 0 ||
	    zs_class_size(NULL, 1) != 0 || zs_max_alloc_size(NULL) != 0 ||
	    zs_get_total_pages(NULL) != 0)
		zs_fuzz_fail("a size or total query answered a bad argument");
	if (!out)
		zs_fuzz_fail("open_memstream failed");
	zs_dump_classes(a->pool, out);
	zs_dump_classes(NULL, out);
	fclose(out);
	if (!buf || !strstr(buf, "Total"))
		zs_fuzz_fail("zs_dump_classes wrote no totals");
	free(buf);
}

/*
 * A handle of no live object of A: (how % 3) a freed one, a live one with
 * bit s flipped, or one of pool B's. 0 when none is to be had.
 */
static unsigned long bad_handle(struct zs_model *a, struct zs_model *b,
				unsigned int how, uint8_t s)
{
	unsigned long h = 0;
	int slot;

	switch (how % 3) {
	case 0:
		return stale_handle(a, s);
	case 1:
		slot = zs_model_pick_live(a, s >> 3);
		if (slot >= 0)
			h = a->obj[slot].handle ^
			    (1ul << (s % (sizeof(long) * CHAR_BIT)));
		break;
	default:
		slot = zs_model_pick_live(b, s);
		if (slot < 0)
			slot = zs_model_alloc(b, 1 + s);
		if (slot >= 0)
			h = b->obj[slot].handle;
		break;
	}
	return is_live(a, h) ? 0 : h;
}

static const char *const bad_names[] = {"freed", "forged", "other-pool"};

#define BAD_BATCH_MAX 4
#define BAD_ITEM      (-1) /* the bad handle */
#define NO_BUFFER     (-2) /* a live handle, no buffer */

/*
 * zs_obj_read_batch with bad items among live objects of A: the bad
 * handle, and with s & 0x80 a live one without a buffer. Each bad item is
 * reported once and gets length 0, its buffer untouched (closed to ASan);
 * the live ones are read whole, and the count says how many.
 */
static void bad_batch(struct zs_model *a, unsigned long bad, uint8_t s)
{
	int x = zs_model_pick_live(a, s), y = zs_model_pick_live(a, s >> 3);
	int item[BAD_BATCH_MAX];
	unsigned long h[BAD_BATCH_MAX];
	uint8_t *buf[BAD_BATCH_MAX];
	size_t len[BAD_BATCH_MAX], size[BAD_BATCH_MAX], n = 0, nbad, got;
	struct counts c;

	if (x < 0)
		return;
	zs_model_unmap(a);
	/* x, the bad handle and y, turned by s */
	for (unsigned int k = 0; k < 3; k++) {
		unsigned int at = (k + s) % 3;

		item[at] = k == 0 ? x : k == 1 ? BAD_ITEM : y;
	}
	n = 3;
	if (s & 0x80)
		item[n++] = NO_BUFFER;
	for (size_t i = 0; i < n; i++) {
		int it = item[i];

		h[i] = it == BAD_ITEM	 ? bad
		       : it == NO_BUFFER ? a->obj[x].handle
					 : a->obj[it].handle;
		size[i] = it >= 0 ? a->obj[it].size : 64;
		buf[i] = it == NO_BUFFER ? NULL : zs_scratch_get(size[i]);
		if (it == BAD_ITEM) /* not to be written */
			zs_fuzz_close(buf[i], size[i]);
		len[i] = 1; /* every item's length is set */
	}
	nbad = 1 + (s & 0x80 ? 1 : 0);
	c = now();
	got = zs_obj_read_batch(a->pool, h, n, (void *const *)buf, len);
	if (rec.calls - c.calls != nbad || zs_report_count() - c.total != nbad)
		zs_fuzz_fail("zs_obj_read_batch with %zu bad items of %zu: "
			     "%lu reports (handler %lu)",
			     nbad, n, zs_report_count() - c.total,
			     rec.calls - c.calls);
	if (got != n - nbad)
		zs_fuzz_fail("zs_obj_read_batch read %zu of %zu items, %zu bad",
			     got, n, nbad);
	for (size_t i = 0; i < n; i++) {
		int it = item[i];

		if (len[i] != (it >= 0 ? size[i] : 0))
			zs_fuzz_fail("zs_obj_read_batch: item %zu (%#lx) "
				     "read %zu bytes, expected %zu",
				     i, h[i], len[i], it >= 0 ? size[i] : 0);
		if (it >= 0) {
			zs_model_compare(a, it, buf[i]);
			a->obj[it].unchecked = NULL;
		}
		if (buf[i])
			zs_scratch_put(buf[i], size[i]);
	}
	zs_model_verify_all(a);
}

/* zs_obj_read_begin and zs_obj_read_end on a bad handle. */
static void bad_read(struct zs_model *a, struct zs_model *b, unsigned int how,
		     uint8_t s)
{
	unsigned long h = bad_handle(a, b, how, s);
	uint8_t copy[64];
	struct counts c;
	void *p;

	if (!h)
		return;
	c = now();
	p = zs_obj_read_begin(a->pool, h, copy);
	if (p)
		zs_fuzz_fail("zs_obj_read_begin of a %s handle %#lx returned "
			     "%p",
			     bad_names[how % 3], h, p);
	expect_reported_once(c, "zs_obj_read_begin of a bad handle");
	c = now();
	zs_obj_read_end(a->pool, h, copy);
	expect_reported_once(c, "zs_obj_read_end of a bad handle");
	if ((how / 3) & 1)
		bad_batch(a, h, s);
}

/* zs_obj_write of a bad handle: reported, and no object changes. */
static void bad_write(struct zs_model *a, struct zs_model *b, unsigned int how,
		      uint8_t s)
{
	unsigned long h = bad_handle(a, b, how, s);
	uint8_t junk[64];
	struct counts c;

	if (!h)
		return;
	memset(junk, 0xa5, sizeof(junk));
	c = now();
	zs_obj_write(a->pool, h, junk, 1 + s % sizeof(junk));
	expect_reported_once(c, "zs_obj_write of a bad handle");
	zs_model_verify_all(a);
	zs_model_verify_all(b);
}

static void bad_read_end_call(struct zs_model *a, unsigned long h, void *p,
			      const char *op)
{
	struct counts c = now();

	zs_obj_read_end(a->pool, h, p);
	expect_reported_once(c, op);
}

/*
 * zs_obj_read_end without a begin, with a NULL pointer, or on another
 * handle than the one being read; then the right end, quietly.
 */
static void bad_read_end(struct zs_model *a, unsigned int how, uint8_t s)
{
	int x = zs_model_pick_live(a, s), y;
	struct zs_obj *o;
	struct counts c;
	uint8_t *copy, *p;

	if (x < 0)
		return;
	zs_model_unmap(a);
	o = &a->obj[x];
	y = zs_model_pick_live(a, (unsigned int)x + 1 + (s >> 5));
	if (how % 4 == 0) {
		bad_read_end_call(a, o->handle, NULL,
				  "zs_obj_read_end without a begin");
		return;
	}
	copy = malloc(o->size);
	if (!copy)
		zs_fuzz_fail("out of memory for %zu bytes", o->size);
	c = now();
	p = zs_obj_read_begin(a->pool, o->handle, how % 4 == 3 ? NULL : copy);
	if (p) {
		expect_quiet(c, "zs_obj_read_begin");
		zs_model_compare(a, x, p);
	} else if (how % 4 == 3) {
		/* straddles two pages and no local copy was given */
		expect_reported_once(c,
				     "zs_obj_read_begin without a local copy");
		free(copy);
		return;
	} else {
		zs_fuzz_fail("zs_obj_read_begin(%#lx) returned NULL",
			     o->handle);
	}
	if (how % 4 == 1 && y != x)
		bad_read_end_call(a, a->obj[y].handle, p,
				  "zs_obj_read_end on another handle");
	else
		bad_read_end_call(a, o->handle, NULL,
				  "zs_obj_read_end with a NULL pointer");
	c = now();
	zs_model_compare(a, x, p);
	zs_obj_read_end(a->pool, o->handle, p);
	expect_quiet(c, "zs_obj_read_end after a bad one");
	free(copy);
	zs_model_verify(a, x);
}

/* zs_obj_write longer than the object, or from a NULL buffer. */
static void bad_write_args(struct zs_model *a, unsigned int how, uint8_t s)
{
	int x = zs_model_pick_live(a, s);
	struct zs_obj *o;
	struct counts c;
	uint8_t *junk;
	size_t len;

	if (x < 0)
		return;
	zs_model_unmap(a);
	o = &a->obj[x];
	len = o->size + 1 + s;
	c = now();
	if (how & 1) {
		zs_obj_write(a->pool, o->handle, NULL, 1 + s % o->size);
		expect_reported_once(c, "zs_obj_write from NULL");
	} else {
		junk = malloc(len);
		if (!junk)
			zs_fuzz_fail("out of memory for %zu bytes", len);
		memset(junk, 0x5a, len);
		zs_obj_write(a->pool, o->handle, junk, len);
		free(junk);
		expect_reported_once(c, "zs_obj_write longer than the object");
	}
	zs_model_verify_all(a);
}

/*
 * Pins object x the way s says: odd, a map in one of the three modes (the
 * model holds it; NULL returned); even, a zs_obj_read_begin into a fresh
 * local copy (*copyp), whose pointer is returned.
 */
static uint8_t *pin(struct zs_model *a, int x, uint8_t s, uint8_t **copyp)
{
	uint8_t *p;

	*copyp = NULL;
	if (s & 1) {
		zs_model_map(a, x, modes[(s >> 1) % 3]);
		return NULL;
	}
	zs_model_unmap(a);
	*copyp = malloc(a->obj[x].size);
	if (!*copyp)
		zs_fuzz_fail("out of memory");
	p = zs_obj_read_begin(a->pool, a->obj[x].handle, *copyp);
	if (!p)
		zs_fuzz_fail("zs_obj_read_begin(%#lx) failed",
			     a->obj[x].handle);
	return p;
}

/* Checks the pinned bytes against the model and ends a read pin. */
static void unpin(struct zs_model *a, int x, uint8_t *p, uint8_t *copy)
{
	if (p) {
		zs_model_compare(a, x, p);
		zs_obj_read_end(a->pool, a->obj[x].handle, p);
		free(copy);
	} else {
		zs_model_check_mapping(a);
	}
}

/*
 * zs_page_migrate of pfns A does not own (0, beyond any, a page it has
 * given back): -ENOENT, quietly; of the page of an object mapped or being
 * read: -EBUSY, quietly, the object neither moved nor changed.
 */
static void bad_migrate(struct zs_model *a, unsigned int how, uint8_t s)
{
	unsigned long pages = zs_get_total_pages(a->pool), pfn = 0;
	struct zs_pool_stats s0, s1;
	struct counts c = now();
	uint8_t *copy = NULL, *p = NULL;
	int x, ret;

	switch (how % 5) {
	case 0:
		break;
	case 1:
		pfn = ULONG_MAX - s;
		break;
	case 2:
		pfn = 1ul << (sizeof(long) * CHAR_BIT - 1 - s % 8);
		break;
	case 3: /* a page given back: an object alone on its zspage, freed */
		x = zs_model_alloc(a, a->info.max_alloc_size);
		if (x < 0)
			return;
		pages = zs_get_total_pages(a->pool);
		pfn = zs_handle_pfn(a->pool, a->obj[x].handle);
		zs_model_free(a, x);
		if (zs_get_total_pages(a->pool) >= pages)
			return; /* its zspage held others too */
		pages = zs_get_total_pages(a->pool);
		break;
	default: /* pinned */
		x = zs_model_pick_live(a, s);
		if (x < 0)
			return;
		p = pin(a, x, s, &copy);
		pfn = zs_handle_pfn(a->pool, a->obj[x].handle);
		zs_pool_stats(a->pool, &s0);
		ret = zs_page_migrate(a->pool, pfn);
		expect_quiet(c, "zs_page_migrate of a pinned page");
		zs_pool_stats(a->pool, &s1);
		if (ret != -EBUSY)
			zs_fuzz_fail("zs_page_migrate(pfn %lu) of pinned %#lx "
				     "returned %d, not -EBUSY",
				     pfn, a->obj[x].handle, ret);
		if (s1.migrate_busy != s0.migrate_busy + 1 ||
		    s1.pages_migrated != s0.pages_migrated)
			zs_fuzz_fail("busy migration: stats busy %lu -> %lu, "
				     "migrated %lu -> %lu",
				     s0.migrate_busy, s1.migrate_busy,
				     s0.pages_migrated, s1.pages_migrated);
		if (zs_handle_pfn(a->pool, a->obj[x].handle) != pfn)
			zs_fuzz_fail("busy migration moved pinned %#lx",
				     a->obj[x].handle);
		unpin(a, x, p, copy);
		expect_quiet(c, "access after a busy migration");
		zs_model_verify_all(a);
		return;
	}
	ret = zs_page_migrate(a->pool, pfn);
	expect_quiet(c, "zs_page_migrate of a pfn not the pool's");
	if (ret != -ENOENT)
		zs_fuzz_fail("zs_page_migrate(pfn %#lx) not the pool's "
			     "returned %d, not -ENOENT",
			     pfn, ret);
	if (zs_get_total_pages(a->pool) != pages)
		zs_fuzz_fail("a refused migration changed the pool");
}

/* No pool: zs_compact, zs_page_migrate, zs_handle_pfn are reported;
 * zs_pool_stats zeroes its answer quietly. A's bad handle: reported. */
static void no_pool_moves(struct zs_model *a, struct zs_model *b, uint8_t s)
{
	struct zs_pool_stats st;
	struct counts c = now();
	unsigned long h;

	if (zs_compact(NULL) != 0)
		zs_fuzz_fail("zs_compact(NULL) released pages");
	expect_reported_once(c, "zs_compact without a pool");
	c = now();
	if (zs_page_migrate(NULL, 1 + s) != -EINVAL)
		zs_fuzz_fail("zs_page_migrate(NULL) did not say -EINVAL");
	expect_reported_once(c, "zs_page_migrate without a pool");
	c = now();
	if (zs_handle_pfn(NULL, 1 + s) != 0)
		zs_fuzz_fail("zs_handle_pfn(NULL) answered a pfn");
	expect_reported_once(c, "zs_handle_pfn without a pool");
	memset(&st, 0xff, sizeof(st));
	c = now();
	zs_pool_stats(NULL, &st);
	expect_quiet(c, "zs_pool_stats(NULL)");
	if (st.pages_compacted || st.objs_moved || st.objs_pinned ||
	    st.pages_migrated || st.migrate_busy)
		zs_fuzz_fail("zs_pool_stats(NULL) left nonzero stats");
	h = bad_handle(a, b, s, s);
	if (h) {
		c = now();
		if (zs_handle_pfn(a->pool, h) != 0)
			zs_fuzz_fail("zs_handle_pfn of a bad handle %#lx", h);
		expect_reported_once(c, "zs_handle_pfn of a bad handle");
	}
}

/*
 * zs_compact while this thread holds a mapping or a read: the pinned
 * object stays where it is and keeps its bytes; nothing is reported.
 */
static void compact_pinned(struct zs_model *a, uint8_t s)
{
	int x = zs_model_pick_live(a, s);
	unsigned long pfn;
	uint8_t *copy = NULL, *p = NULL;
	struct counts c;

	if (x < 0)
		return;
	c = now();
	p = pin(a, x, s, &copy);
	pfn = zs_handle_pfn(a->pool, a->obj[x].handle);
	zs_compact(a->pool);
	if (zs_handle_pfn(a->pool, a->obj[x].handle) != pfn)
		zs_fuzz_fail("zs_compact moved %#lx while it was pinned",
			     a->obj[x].handle);
	unpin(a, x, p, copy);
	expect_quiet(c, "zs_compact with a pinned object");
	zs_model_verify_all(a);
}

enum api_kind {
	API_FREE_MAPPED,
	API_DESTROY_MAPPED,
	API_NO_POOL,
	API_BAD_MODE,
	API_CONFIG,
	API_STATS,
	API_READ_BAD,	    /* how = kind / NR_API_KINDS: freed, forged, B */
	API_WRITE_BAD,	    /* how: as API_READ_BAD */
	API_READ_END,	    /* how % 4: no begin, other handle, NULL, no copy */
	API_WRITE_ARGS,	    /* how & 1: NULL buffer, else too long */
	API_MIGRATE_BAD,    /* how % 5: pfn 0, ~0, 2^63.., given back, pinned */
	API_MOVES_NO_POOL,  /* + zs_handle_pfn of a bad handle */
	API_COMPACT_PINNED, /* s & 1: mapped, else being read */
	NR_API_KINDS
};

/* Bad calls into the API itself (kind % NR_API_KINDS). */
static void op_api(struct zs_model *a, struct zs_model *b, struct zs_input *in)
{
	uint8_t kind = zs_input_u8(in);
	uint8_t s = zs_input_u8(in);
	int slot = zs_model_pick_live(a, s);
	struct counts c;
	unsigned long h = slot >= 0 ? a->obj[slot].handle : 0;
	unsigned int how = kind / NR_API_KINDS;

	switch (kind % NR_API_KINDS) {
	case API_FREE_MAPPED: /* free while mapped: reported, the object stays */
		if (slot < 0)
			return;
		if (a->mapped < 0)
			zs_model_map(a, slot, modes[(kind >> 3) % 3]);
		bad_free(a->pool, a->obj[a->mapped].handle,
			 "free of a mapped handle");
		break;
	case API_DESTROY_MAPPED: /* destroy while mapped: reported, the pool stays */
		if (slot < 0)
			return;
		if (a->mapped < 0)
			zs_model_map(a, slot, modes[(kind >> 3) % 3]);
		c = now();
		zs_destroy_pool(a->pool);
		expect_reported(c, "destroy of a pool with a mapping held");
		break;
	case API_NO_POOL:
		zs_model_unmap(a);
		c = now();
		if (zs_malloc(NULL, 1 + s) != 0)
			zs_fuzz_fail("zs_malloc(NULL) returned a handle");
		expect_reported(c, "zs_malloc without a pool");
		if (h)
			bad_free(NULL, h, "zs_free without a pool");
		bad_map(NULL, h ? h : 1, kind >> 3, "map without a pool");
		bad_unmap(NULL, h ? h : 1, "unmap without a pool");
		c = now();
		if (zs_pool_check(NULL) == 0)
			zs_fuzz_fail("zs_pool_check(NULL) found nothing");
		expect_reported(c, "zs_pool_check without a pool");
		/* as the kernel: freeing handle 0 or destroying no pool is
		 * quietly nothing */
		c = now();
		zs_free(a->pool, 0);
		zs_destroy_pool(NULL);
		expect_quiet(c, "zs_free(0), zs_destroy_pool(NULL)");
		break;
	case API_BAD_MODE: /* a mode that is none of RW, RO, WO */
		if (slot < 0)
			return;
		zs_model_unmap(a);
		c = now();
		if (zs_map_object(a->pool, h, (enum zs_mapmode)(3 + s)))
			zs_fuzz_fail("zs_map_object took mode %d", 3 + s);
		expect_reported(c, "map in a bad mode");
		break;
	case API_CONFIG: /* refused configs, and pages the provider misaligned */
		c = now();
		refused_configs(a, s);
		expect_quiet(c, "refused pool config");
		if (s & 4) {
			struct zs_page_provider crooked = {crooked_alloc,
							   crooked_free, NULL};
			struct zs_pool_config cfg = {
				.page_size = a->info.page_size,
				.max_pages_per_zspage =
					a->info.max_pages_per_zspage,
				.pages = &crooked,
			};
			struct zs_pool *p = zs_fuzz_pool(&cfg, 0);

			c = now();
			if (zs_malloc(p, 1 + s) != 0)
				zs_fuzz_fail("zs_malloc on misaligned pages");
			expect_reported(c, "misaligned provider page");
			if (zs_get_total_pages(p) != 0 || zs_pool_check(p) != 0)
				zs_fuzz_fail("a refused page left a trace");
			zs_destroy_pool(p);
		}
		break;
	case API_STATS:
		c = now();
		stats(a);
		expect_quiet(c, "statistics");
		break;
	case API_READ_BAD:
		bad_read(a, b, how, s);
		break;
	case API_WRITE_BAD:
		bad_write(a, b, how, s);
		break;
	case API_READ_END:
		bad_read_end(a, how, s);
		break;
	case API_WRITE_ARGS:
		bad_write_args(a, how, s);
		break;
	case API_MIGRATE_BAD:
		bad_migrate(a, how, s);
		break;
	case API_MOVES_NO_POOL:
		no_pool_moves(a, b, s);
		break;
	default:
		compact_pinned(a, s);
		break;
	}
}

static void run_bad(struct zs_model *a, struct zs_model *b, struct zs_input *in,
		    unsigned int op)
{
	unsigned long h;
	uint8_t idx, mode;

	switch (op) {
	case BAD_DOUBLE_FREE:
		idx = zs_input_u8(in);
		if (idx >= CHURN_TRIGGER)
			churn(a);
		h = stale_handle(a, idx);
		if (h)
			bad_free(a->pool, h, "double free");
		break;
	case BAD_STALE_MAP:
		idx = zs_input_u8(in);
		mode = zs_input_u8(in);
		h = stale_handle(a, idx);
		if (h)
			bad_map(a->pool, h, mode, "map of a freed handle");
		break;
	case BAD_FORGED:
		op_forged(a, in);
		break;
	case BAD_OTHER_POOL:
		op_other_pool(a, b, in);
		break;
	case BAD_NESTED_MAP:
		op_nested(a, b, in);
		break;
	case BAD_UNMAP:
		op_unmap(a, b, in);
		break;
	case BAD_OVERSIZE:
		op_oversize(a, in);
		break;
	default:
		op_api(a, b, in);
		break;
	}
}

static void run_one(struct zs_model *a, struct zs_model *b, struct zs_input *in)
{
	unsigned int op = zs_input_u8(in) % NR_MISUSE_OPS;
	struct counts c;
	int slot;

	if (op < ZS_NR_COMMON_OPS) {
		c = now();
		zs_model_unmap(b);
		zs_run_common_op(a, in, op);
		expect_quiet(c, "op on pool A");
	} else if (op == OP_ON_B) {
		c = now();
		zs_model_unmap(a);
		zs_run_common_op(b, in, zs_input_u8(in) % ZS_NR_COMMON_OPS);
		expect_quiet(c, "op on pool B");
	} else {
		/* Bad ops run with B unmapped (nested maps choose their own). */
		zs_model_unmap(b);
		run_bad(a, b, in, op);
		/* No harm done: the mapping held (if any) still reads right
		 * and unmaps quietly, and so does one chosen object. */
		c = now();
		zs_model_check_mapping(a);
		zs_model_unmap(a);
		slot = zs_model_pick_live(a, op);
		if (slot >= 0)
			zs_model_verify(a, slot);
		expect_quiet(c, "access after a reported misuse");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zs_input in;
	struct zs_fuzz_config cfg;
	struct zs_pool *pa, *pb;
	struct zs_model a, b;

	zs_input_init(&in, data, size);
	zs_input_config(&in, &cfg);
	memset(&rec, 0, sizeof(rec));
	churns = 0;
	zs_set_report_handler(record, &rec);
	zs_fuzz_notices_begin();
	pa = zs_fuzz_pool(&cfg.pool, 0);
	pb = zs_fuzz_pool(&cfg.pool, 0);
	zs_model_init(&a, pa);
	zs_model_init(&b, pb);
	for (int n = 0; n < ZS_MAX_OPS && zs_input_left(&in); n++)
		run_one(&a, &b, &in);
	{
		struct counts c = now();

		zs_model_unmap(&a);
		zs_model_unmap(&b);
		zs_fuzz_pages_check_closed("at the end, nothing held");
		zs_model_finish(&a);
		zs_model_finish(&b);
		expect_quiet(c, "final frees and checks");
	}
	zs_fuzz_notices_expect(0, "the input");
	zs_destroy_pool(pa);
	zs_destroy_pool(pb);
	zs_set_report_handler(NULL, NULL);
	return 0;
}
