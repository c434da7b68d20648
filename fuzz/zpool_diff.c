// SPDX-License-Identifier: MIT
/*
 * zpool_diff: one op stream applied to a zsmalloc pool and a zbud pool
 * through zpool. Both must accept and refuse the same sizes with the same
 * error, every object must read back identically from both and as the
 * model says, and both pools must be empty at the end.
 *
 * Input: [page size u8 (% 3: 4, 16, 64 KiB)][flags u8 (bit 0: built-in
 * page provider instead of the recycling one)] then ops (docs/zstore.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zpool.h>

#include "fail.h"
#include "harness.h"
#include "input.h"
#include "model.h"
#include "pages.h"

#define SLOTS	32
#define MAX_OPS 512

enum { ZS, ZB, NR_POOLS };
static const char *const pool_types[NR_POOLS] = {"zsmalloc", "zbud"};

enum op { OP_ALLOC, OP_FREE, OP_REWRITE, OP_READ, OP_CHECK, NR_OPS };

struct object {
	unsigned long handle[NR_POOLS]; /* handle[ZS] 0: slot empty */
	size_t size;
	uint8_t *bytes; /* what both must hold */
};

struct diff {
	struct zpool *pool[NR_POOLS];
	size_t page_size;
	struct object obj[SLOTS];
	unsigned int live;
};

/* Sizes around the edges that matter to either allocator. */
static size_t pick_size(const struct diff *d, uint8_t kind, uint16_t param)
{
	const size_t page = d->page_size;

	switch (kind % 5) {
	case 0: /* 64-byte chunk edges (zbud); may reach page + 1 */
		return (1 + param % (page / 64)) * 64 + (param >> 12) % 3 - 1;
	case 1: /* around half a page: two buddies or not */
		return page / 2 + (size_t)(param % 129) - 64;
	case 2: /* the largest objects */
		return page - (size_t)(param % 130);
	case 3: /* refused: 0 or above a page */
		return param % 2 ? 0 : page + 1 + param;
	default:
		return 1 + param % page;
	}
}

static void fill(uint8_t *dst, size_t off, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = zs_pattern_byte(seed, off + i);
}

static uint8_t *map(struct diff *d, int p, unsigned int slot,
		    enum zpool_mapmode mm)
{
	uint8_t *m = zpool_map_handle(d->pool[p], d->obj[slot].handle[p], mm);

	if (!m)
		zs_fuzz_fail("%s: map of slot %u failed", pool_types[p], slot);
	return m;
}

static void compare(const struct diff *d, int p, unsigned int slot,
		    const uint8_t *m)
{
	const struct object *o = &d->obj[slot];

	if (memcmp(m, o->bytes, o->size) != 0)
		zs_fuzz_fail("%s: slot %u (%zu bytes) differs from the model",
			     pool_types[p], slot, o->size);
}

static void op_alloc(struct diff *d, struct zs_input *in)
{
	uint8_t kind = zs_input_u8(in);
	size_t size = pick_size(d, kind, zs_input_u16(in));
	uint8_t seed = zs_input_u8(in);
	unsigned long h[NR_POOLS] = {0};
	int err[NR_POOLS];
	struct object *o = NULL;

	for (int p = 0; p < NR_POOLS; p++)
		err[p] = zpool_malloc(d->pool[p], size, &h[p]);
	if (err[ZS] != err[ZB])
		zs_fuzz_fail("size %zu: zsmalloc says %d, zbud %d", size,
			     err[ZS], err[ZB]);
	if (err[ZS]) {
		if (size != 0 && size <= d->page_size)
			zs_fuzz_fail("size %zu refused (%d)", size, err[ZS]);
		return;
	}
	for (unsigned int i = 0; i < SLOTS && !o; i++)
		if (!d->obj[i].handle[ZS])
			o = &d->obj[i];
	if (!o) { /* table full: give the objects back */
		for (int p = 0; p < NR_POOLS; p++)
			zpool_free(d->pool[p], h[p]);
		return;
	}
	o->bytes = malloc(size);
	if (!o->bytes)
		zs_fuzz_fail("out of memory");
	o->size = size;
	fill(o->bytes, 0, size, seed);
	for (int p = 0; p < NR_POOLS; p++) {
		uint8_t *m;

		o->handle[p] = h[p];
		m = map(d, p, (unsigned int)(o - d->obj), ZPOOL_MM_WO);
		memcpy(m, o->bytes, size);
		zpool_unmap_handle(d->pool[p], h[p]);
	}
	d->live++;
}

/* A live slot at or after hint, or -1. */
static int pick_live(const struct diff *d, uint8_t hint)
{
	for (unsigned int i = 0; i < SLOTS; i++) {
		unsigned int s = (hint + i) % SLOTS;

		if (d->obj[s].handle[ZS])
			return (int)s;
	}
	return -1;
}

static void free_slot(struct diff *d, unsigned int s)
{
	for (int p = 0; p < NR_POOLS; p++)
		zpool_free(d->pool[p], d->obj[s].handle[p]);
	free(d->obj[s].bytes);
	memset(&d->obj[s], 0, sizeof(d->obj[s]));
	d->live--;
}

static void op_rewrite(struct diff *d, unsigned int s, uint16_t off,
		       uint16_t len, uint8_t seed)
{
	struct object *o = &d->obj[s];
	size_t start = off % o->size;
	size_t n = 1 + len % (o->size - start);

	fill(o->bytes + start, start, n, seed);
	for (int p = 0; p < NR_POOLS; p++) {
		uint8_t *m = map(d, p, s, ZPOOL_MM_RW);

		/* the old bytes first: RW must show them */
		if (memcmp(m, o->bytes, start) != 0 ||
		    memcmp(m + start + n, o->bytes + start + n,
			   o->size - start - n) != 0)
			zs_fuzz_fail("%s: RW map of slot %u lost bytes",
				     pool_types[p], s);
		memcpy(m + start, o->bytes + start, n);
		zpool_unmap_handle(d->pool[p], o->handle[p]);
	}
}

static void op_read(struct diff *d, unsigned int s)
{
	for (int p = 0; p < NR_POOLS; p++) {
		const uint8_t *m = map(d, p, s, ZPOOL_MM_RO);

		compare(d, p, s, m);
		zpool_unmap_handle(d->pool[p], d->obj[s].handle[p]);
	}
}

/* zbud needs a page per two objects at best, one per object at worst. */
static void op_check(struct diff *d)
{
	uint64_t zb = zpool_get_total_size(d->pool[ZB]) / d->page_size;
	uint64_t zs = zpool_get_total_size(d->pool[ZS]);

	if (zb < (d->live + 1) / 2 || zb > d->live)
		zs_fuzz_fail("zbud holds %llu pages for %u objects",
			     (unsigned long long)zb, d->live);
	if ((zs == 0) != (d->live == 0) || zs % d->page_size)
		zs_fuzz_fail("zsmalloc holds %llu bytes for %u objects",
			     (unsigned long long)zs, d->live);
}

static void run_op(struct diff *d, struct zs_input *in, unsigned int op)
{
	int s;

	switch (op) {
	case OP_ALLOC:
		op_alloc(d, in);
		return;
	case OP_FREE:
		s = pick_live(d, zs_input_u8(in));
		if (s >= 0)
			free_slot(d, (unsigned int)s);
		return;
	case OP_REWRITE: {
		uint8_t hint = zs_input_u8(in);
		uint16_t off = zs_input_u16(in), len = zs_input_u16(in);
		uint8_t seed = zs_input_u8(in);

		s = pick_live(d, hint);
		if (s >= 0)
			op_rewrite(d, (unsigned int)s, off, len, seed);
		return;
	}
	case OP_READ:
		s = pick_live(d, zs_input_u8(in));
		if (s >= 0)
			op_read(d, (unsigned int)s);
		return;
	default:
		op_check(d);
		return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t page_sizes[] = {4096, 16384, 65536};
	struct zpool_config cfg = {0};
	struct zs_input in;
	struct diff d;

	memset(&d, 0, sizeof(d));
	zs_input_init(&in, data, size);
	d.page_size = page_sizes[zs_input_u8(&in) % 3];
	cfg.page_size = d.page_size;
	cfg.pages = zs_input_u8(&in) & 1 ? NULL : &zs_recycling_pages;
	for (int p = 0; p < NR_POOLS; p++) {
		d.pool[p] = zpool_create_pool_config(pool_types[p], "fuzz",
						     NULL, &cfg);
		if (!d.pool[p])
			zs_fuzz_fail("no %s pool", pool_types[p]);
	}
	for (int n = 0; n < MAX_OPS && zs_input_left(&in); n++)
		run_op(&d, &in, zs_input_u8(&in) % NR_OPS);
	for (unsigned int s = 0; s < SLOTS; s++) {
		if (d.obj[s].handle[ZS]) {
			op_read(&d, s);
			free_slot(&d, s);
		}
	}
	op_check(&d);
	for (int p = 0; p < NR_POOLS; p++) {
		if (zpool_get_total_size(d.pool[p]) != 0)
			zs_fuzz_fail("%s: %llu bytes held after freeing all",
				     pool_types[p],
				     (unsigned long long)zpool_get_total_size(
					     d.pool[p]));
		zpool_destroy_pool(d.pool[p]);
	}
	return 0;
}
