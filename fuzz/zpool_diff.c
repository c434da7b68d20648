// SPDX-License-Identifier: MIT
/*
 * zpool_diff: one op stream applied to a zsmalloc pool and a zbud pool
 * through zpool. Both must accept and refuse the same sizes with the same
 * error, every object must read back identically from both and as the
 * model says, and both pools must be empty at the end.
 *
 * Beyond the differential part:
 * - a zbud layout model (first/last buddy, unbuddied lists by free chunks,
 *   tightest fit, LIFO within a list) predicts the page and buddy of every
 *   zbud object; the map address must agree;
 * - a recording report handler: every misuse op (double free, stale,
 *   forged and other-pool handles, nested maps, unmaps without a map, free
 *   while mapped, NULL pools, bad modes, direct zbud API misuse) must be
 *   reported exactly once per bad call, every valid op must report
 *   nothing, and objects keep their bytes;
 * - zpool API edges: hostile type names, refused configs, driver
 *   register/unregister (-EINVAL, -EEXIST, -EBUSY, -ENOENT), type and size
 *   consistency;
 * - a counting page provider that fails input-chosen calls: allocations
 *   fail only with -ENOMEM and only when a page allocation failed under
 *   them, every page held is accounted for and none outlives its pool.
 *
 * Input: [page u8 (% 3: 4, 16, 64 KiB)][flags u8: bit 0 the built-in page
 * provider (no counting, no faults); bit 1 pools through the harness's own
 * drivers "fz-zsmalloc"/"fz-zbud" (direct backend access: zs_pool_check,
 * zbud_pool_check); bit 2 faults: a u64 mask follows (page allocation call
 * i < 64 fails when bit i is set)] then ops, op byte % NR_OPS:
 * 0 alloc (kind u8, param u16, seed u8), 1 free (slot u8), 2 rewrite (slot
 * u8, off u16, len u16, seed u8), 3 read (slot u8), 4 check, 5 misuse (kind
 * u8, slot u8, arg u64), 6 api (kind u8, arg u8, then arg % 48 name bytes
 * for kind 0), 7 burst (n u8: with faults, the next op's first n % 8 + 1 page
 * allocations fail),
 * 8 nested map (slot u8, slot u8).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zbud.h>
#include <zpool.h>

#include "fail.h"
#include "harness.h"
#include "input.h"
#include "model.h"
#include "notices.h"
#include "pages.h"

/* The core's metadata fault hook (core/src/kernel/slab.h). */
void zs_slab_fail_nth(unsigned long nth);
unsigned long zs_slab_attempts(void);
long zs_slab_live(void);

#define SLOTS	32
#define MAX_OPS 512
#define STALE	8
/* zs_pool_check and zbud_pool_check walk every list and slot: a few per
 * input find what more would (as in zs_ops); teardown always runs them. */
#define DEEP_CHECKS 2

enum { ZS, ZB, NR_POOLS };
static const char *const builtin_types[NR_POOLS] = {"zsmalloc", "zbud"};
static const char *const own_types[NR_POOLS] = {"fz-zsmalloc", "fz-zbud"};

enum op {
	OP_ALLOC,
	OP_FREE,
	OP_REWRITE,
	OP_READ,
	OP_CHECK,
	OP_MISUSE,
	OP_API,
	OP_BURST,
	OP_NESTED,
	NR_OPS
};

enum {
	FLAG_BUILTIN_PAGES = 1,
	FLAG_OWN_DRIVERS = 2,
	FLAG_FAULTS = 4,
};

struct object {
	unsigned long handle[NR_POOLS]; /* handle[ZS] 0: slot empty */
	size_t size;
	uint8_t *bytes; /* what both must hold */
	int zpage;	/* the zbud model's page */
	int buddy;	/* 0 first, 1 last */
};

/* A counting provider over the recycling one, failing chosen calls. */
struct provider {
	struct diff *d;
	unsigned long live;
	int failed; /* a call failed since the op began */
};

/* The zbud model: where each object must be. */
#define ZPAGES (SLOTS + 1)
struct zpage {
	int used;
	uintptr_t base;		/* learnt at the first map; 0: not yet */
	unsigned int chunks[2]; /* first, last */
	int list;		/* -1 full, else the free chunks */
	unsigned long seq;	/* when it was put on its list (LIFO) */
};

struct diff {
	struct zpool *pool[NR_POOLS];
	const char *const *types;
	size_t page_size;
	unsigned int nchunks;
	struct object obj[SLOTS];
	unsigned int live;
	unsigned long stale[NR_POOLS][STALE];
	unsigned int nstale;
	struct provider prov[NR_POOLS];
	struct zs_page_provider pages[NR_POOLS];
	int counting; /* pages come through prov */
	uint64_t mask;
	unsigned long calls;
	unsigned int burst;
	unsigned int slab;  /* the next zbud alloc: metadata alloc n fails */
	struct zs_pool *zs; /* with own drivers: the backends */
	struct zbud_pool *zb;
	struct zpage zp[ZPAGES];
	unsigned long seq;
	unsigned int deep_checks; /* backend self-checks run so far */
};

/* ---- reports ---- */

static struct {
	unsigned long calls, expected, base;
} rec;

static void record(void *ctx, const char *what, const char *details)
{
	(void)ctx;
	(void)details;
	if (!what || !what[0])
		zs_fuzz_fail("report with an empty 'what'");
	rec.calls++;
}

/* The calls since the last expect() must have made exactly n reports. */
static void expect(unsigned long n, const char *op)
{
	unsigned long total = zs_report_count() - rec.base;

	rec.expected += n;
	if (rec.calls != rec.expected || total != rec.expected)
		zs_fuzz_fail("%s: %lu reports (%lu counted), %lu expected", op,
			     rec.calls, total, rec.expected);
	zs_fuzz_notices_expect(0, op);
}

/* ---- pages ---- */

static void *counted_alloc(void *ctx, size_t page_size)
{
	struct provider *p = ctx;
	struct diff *d = p->d;
	unsigned long call = d->calls++;
	void *page;

	if (page_size != d->page_size)
		zs_fuzz_fail("alloc_page(%zu) on a %zu-byte pool", page_size,
			     d->page_size);
	if ((call < 64 && (d->mask >> call) & 1) || d->burst) {
		if (d->burst)
			d->burst--;
		p->failed = 1;
		return NULL;
	}
	page = zs_recycling_pages.alloc_page(zs_recycling_pages.ctx, page_size);
	if (page)
		p->live++;
	return page;
}

static void counted_free(void *ctx, void *page, size_t page_size)
{
	struct provider *p = ctx;

	if (!p->live)
		zs_fuzz_fail("free_page(%p): more pages back than out", page);
	p->live--;
	zs_recycling_pages.free_page(zs_recycling_pages.ctx, page, page_size);
}

/* ---- the harness's own drivers: direct access to the backends ---- */

static struct diff *creating; /* the input whose pools are being made */

static void *own_zs_create(const char *name, const struct zpool_config *cfg,
			   const struct zpool_ops *ops, struct zpool *zpool)
{
	struct zs_pool_config zc = {0};
	struct zs_pool *pool;

	(void)ops;
	(void)zpool;
	if (cfg) {
		zc.page_size = cfg->page_size;
		zc.pages = cfg->pages;
	}
	pool = zs_create_pool_config(name, &zc);
	if (creating)
		creating->zs = pool;
	return pool;
}

/* Reports a refusal but cannot tell it: the harness cleans up itself. */
static int own_zs_destroy(void *pool)
{
	zs_destroy_pool(pool);
	return 0;
}

static int own_zs_malloc(void *pool, size_t size, unsigned long *handle)
{
	unsigned long h;

	if (size == 0)
		return -EINVAL;
	if (size > zs_max_alloc_size(pool))
		return -ENOSPC;
	h = zs_malloc(pool, size);
	if (!h)
		return -ENOMEM;
	*handle = h;
	return 0;
}

static void own_zs_free(void *pool, unsigned long handle)
{
	zs_free(pool, handle);
}

static void *own_zs_map(void *pool, unsigned long handle, enum zpool_mapmode mm)
{
	return zs_map_object(pool, handle,
			     mm == ZPOOL_MM_RO	 ? ZS_MM_RO
			     : mm == ZPOOL_MM_WO ? ZS_MM_WO
						 : ZS_MM_RW);
}

static void own_zs_unmap(void *pool, unsigned long handle)
{
	zs_unmap_object(pool, handle);
}

static uint64_t own_zs_total(void *pool)
{
	return (uint64_t)zs_get_total_pages(pool) * zs_max_alloc_size(pool);
}

static void *own_zb_create(const char *name, const struct zpool_config *cfg,
			   const struct zpool_ops *ops, struct zpool *zpool)
{
	struct zbud_config zc = {0};
	struct zbud_pool *pool;

	(void)name;
	(void)ops;
	(void)zpool;
	if (cfg) {
		zc.page_size = cfg->page_size;
		zc.pages = cfg->pages;
	}
	pool = zbud_create_pool(&zc);
	if (creating)
		creating->zb = pool;
	return pool;
}

static int own_zb_destroy(void *pool)
{
	zbud_destroy_pool(pool);
	return 0;
}

static int own_zb_malloc(void *pool, size_t size, unsigned long *handle)
{
	return zbud_alloc(pool, size, handle);
}

static void own_zb_free(void *pool, unsigned long handle)
{
	zbud_free(pool, handle);
}

static void *own_zb_map(void *pool, unsigned long handle, enum zpool_mapmode mm)
{
	(void)mm;
	return zbud_map(pool, handle);
}

static void own_zb_unmap(void *pool, unsigned long handle)
{
	zbud_unmap(pool, handle);
}

static uint64_t own_zb_total(void *pool)
{
	return zbud_get_pool_size(pool) * zbud_page_size(pool);
}

#define ZS_CALLS                                                               \
	.create = own_zs_create, .destroy = own_zs_destroy,                    \
	.malloc = own_zs_malloc, .free = own_zs_free, .map = own_zs_map,       \
	.unmap = own_zs_unmap, .total_size = own_zs_total
#define ZB_CALLS                                                               \
	.create = own_zb_create, .destroy = own_zb_destroy,                    \
	.malloc = own_zb_malloc, .free = own_zb_free, .map = own_zb_map,       \
	.unmap = own_zb_unmap, .total_size = own_zb_total

static struct zpool_driver own_drivers[NR_POOLS] = {
	{.type = "fz-zsmalloc", ZS_CALLS},
	{.type = "fz-zbud", ZB_CALLS},
};
/* Registered and unregistered inside one op. */
static struct zpool_driver extra_driver = {.type = "fz-extra", ZB_CALLS};

/* ---- the zbud model ---- */

static unsigned int chunks_of(size_t size)
{
	return (unsigned int)((size + ZBUD_CHUNK_SIZE - 1) / ZBUD_CHUNK_SIZE);
}

/*
 * The page zbud takes for chunks: the tightest list with room (fewest
 * free chunks, at least chunks), newest first on it; -1: a new page. One
 * pass over the pages, not one per list: with 64 KiB pages there are
 * 1024 lists.
 */
static int zmodel_pick(const struct diff *d, unsigned int chunks)
{
	int best = -1;

	for (int z = 0; z < ZPAGES; z++) {
		const struct zpage *zp = &d->zp[z];

		if (!zp->used || zp->list < (int)chunks ||
		    zp->list >= (int)d->nchunks)
			continue;
		if (best < 0 || zp->list < d->zp[best].list ||
		    (zp->list == d->zp[best].list && zp->seq > d->zp[best].seq))
			best = z;
	}
	return best;
}

static void zmodel_refile(struct diff *d, struct zpage *zp)
{
	unsigned int free = d->nchunks - zp->chunks[0] - zp->chunks[1];

	zp->list = zp->chunks[0] && zp->chunks[1] ? -1
		   : free == 0			  ? -1
						  : (int)free;
	zp->seq = ++d->seq;
}

/* Places an object of chunks as zbud must; the model page. */
static int zmodel_alloc(struct diff *d, unsigned int chunks, int *buddy)
{
	int z = zmodel_pick(d, chunks);

	if (z < 0) {
		for (z = 0; z < ZPAGES && d->zp[z].used; z++)
			;
		if (z == ZPAGES)
			zs_fuzz_fail("zbud model: out of pages");
		memset(&d->zp[z], 0, sizeof(d->zp[z]));
		d->zp[z].used = 1;
	}
	*buddy = d->zp[z].chunks[0] ? 1 : 0;
	d->zp[z].chunks[*buddy] = chunks;
	zmodel_refile(d, &d->zp[z]);
	return z;
}

static void zmodel_free(struct diff *d, int z, int buddy)
{
	d->zp[z].chunks[buddy] = 0;
	if (!d->zp[z].chunks[0] && !d->zp[z].chunks[1])
		d->zp[z].used = 0;
	else
		zmodel_refile(d, &d->zp[z]);
}

static unsigned int zmodel_pages(const struct diff *d)
{
	unsigned int n = 0;

	for (int z = 0; z < ZPAGES; z++)
		n += d->zp[z].used != 0;
	return n;
}

/* A zbud map address must be where the model put the object. */
static void zmodel_check_map(struct diff *d, int z, int buddy, size_t size,
			     const void *m)
{
	uintptr_t a = (uintptr_t)m;
	uintptr_t base = a & ~(uintptr_t)(d->page_size - 1);
	size_t off =
		buddy ? d->page_size - chunks_of(size) * ZBUD_CHUNK_SIZE : 0;

	if (a - base != off)
		zs_fuzz_fail("zbud: %s buddy of %zu bytes at page offset %zu, "
			     "not %zu",
			     buddy ? "last" : "first", size, (size_t)(a - base),
			     off);
	if (d->zp[z].base && d->zp[z].base != base)
		zs_fuzz_fail("zbud: object of %zu bytes not in the page the "
			     "tightest fit gives",
			     size);
	if (!d->zp[z].base) {
		for (int o = 0; o < ZPAGES; o++)
			if (o != z && d->zp[o].used && d->zp[o].base == base)
				zs_fuzz_fail(
					"zbud: a new page was expected for "
					"%zu bytes, got a used one",
					size);
		d->zp[z].base = base;
	}
}

/* ---- objects ---- */

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
	zs_pattern_fill(dst, off, len, seed);
}

static uint8_t *map(struct diff *d, int p, unsigned int slot,
		    enum zpool_mapmode mm)
{
	uint8_t *m = zpool_map_handle(d->pool[p], d->obj[slot].handle[p], mm);

	if (!m)
		zs_fuzz_fail("%s: map of slot %u failed", d->types[p], slot);
	return m;
}

static void compare(const struct diff *d, int p, unsigned int slot,
		    const uint8_t *m)
{
	const struct object *o = &d->obj[slot];

	if (memcmp(m, o->bytes, o->size) != 0)
		zs_fuzz_fail("%s: slot %u (%zu bytes) differs from the model",
			     d->types[p], slot, o->size);
}

static void remember_stale(struct diff *d, const unsigned long *h)
{
	for (int p = 0; p < NR_POOLS; p++)
		d->stale[p][d->nstale % STALE] = h[p];
	d->nstale++;
}

static void op_alloc(struct diff *d, struct zs_input *in)
{
	uint8_t kind = zs_input_u8(in);
	size_t size = pick_size(d, kind, zs_input_u16(in));
	uint8_t seed = zs_input_u8(in);
	unsigned long h[NR_POOLS] = {0};
	int err[NR_POOLS] = {0};
	struct object *o = NULL;
	int z = -1, buddy = 0, slabbed = 0;

	for (int p = 0; p < NR_POOLS; p++) {
		unsigned long at = zs_slab_attempts() + d->slab;

		d->prov[p].failed = 0;
		if (p == ZB && d->slab)
			zs_slab_fail_nth(d->slab);
		err[p] = zpool_malloc(d->pool[p], size, &h[p]);
		if (p == ZB && d->slab) {
			zs_slab_fail_nth(0);
			d->prov[p].failed |= zs_slab_attempts() >= at;
			slabbed = zs_slab_attempts() >= at;
		}
		if (err[p] == -ENOMEM && !d->prov[p].failed)
			zs_fuzz_fail("%s: -ENOMEM for %zu bytes without a "
				     "failed page",
				     d->types[p], size);
	}
	if (!err[ZB]) {
		void *m = zpool_map_handle(d->pool[ZB], h[ZB], ZPOOL_MM_WO);

		z = zmodel_alloc(d, chunks_of(size), &buddy);
		if (!m)
			zs_fuzz_fail("zbud: fresh object not mappable");
		zmodel_check_map(d, z, buddy, size, m);
		zpool_unmap_handle(d->pool[ZB], h[ZB]);
	} else if (err[ZB] == -ENOMEM && !slabbed &&
		   zmodel_pick(d, chunks_of(size)) >= 0) {
		zs_fuzz_fail("zbud: -ENOMEM with a page to take %zu bytes",
			     size);
	}
	if (err[ZS] != err[ZB]) {
		if (err[ZS] != -ENOMEM && err[ZB] != -ENOMEM)
			zs_fuzz_fail("size %zu: zsmalloc says %d, zbud %d",
				     size, err[ZS], err[ZB]);
	} else if (err[ZS]) {
		if (size != 0 && size <= d->page_size && err[ZS] != -ENOMEM)
			zs_fuzz_fail("size %zu refused (%d)", size, err[ZS]);
		return;
	}
	for (unsigned int i = 0; i < SLOTS && !o && !err[ZS] && !err[ZB]; i++)
		if (!d->obj[i].handle[ZS])
			o = &d->obj[i];
	if (!o) { /* one failed or the table is full: give them back */
		for (int p = 0; p < NR_POOLS; p++)
			if (!err[p])
				zpool_free(d->pool[p], h[p]);
		if (z >= 0)
			zmodel_free(d, z, buddy);
		return;
	}
	o->bytes = malloc(size);
	if (!o->bytes)
		zs_fuzz_fail("out of memory");
	o->size = size;
	o->zpage = z;
	o->buddy = buddy;
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

static int is_live(const struct diff *d, int p, unsigned long h)
{
	for (unsigned int i = 0; i < SLOTS; i++)
		if (d->obj[i].handle[ZS] && d->obj[i].handle[p] == h)
			return 1;
	return 0;
}

static void free_slot(struct diff *d, unsigned int s)
{
	for (int p = 0; p < NR_POOLS; p++)
		zpool_free(d->pool[p], d->obj[s].handle[p]);
	remember_stale(d, d->obj[s].handle);
	zmodel_free(d, d->obj[s].zpage, d->obj[s].buddy);
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
				     d->types[p], s);
		memcpy(m + start, o->bytes + start, n);
		zpool_unmap_handle(d->pool[p], o->handle[p]);
	}
}

static void op_read(struct diff *d, unsigned int s)
{
	for (int p = 0; p < NR_POOLS; p++) {
		const uint8_t *m = map(d, p, s, ZPOOL_MM_RO);

		if (p == ZB)
			zmodel_check_map(d, d->obj[s].zpage, d->obj[s].buddy,
					 d->obj[s].size, m);
		compare(d, p, s, m);
		zpool_unmap_handle(d->pool[p], d->obj[s].handle[p]);
	}
}

/*
 * zbud holds exactly the model's pages; zsmalloc holds pages iff objects
 * live; the provider has out exactly the pages the pools hold; with our
 * own drivers both backends pass their own checks.
 */
static void op_check(struct diff *d, bool final)
{
	uint64_t zb = zpool_get_total_size(d->pool[ZB]) / d->page_size;
	uint64_t zs = zpool_get_total_size(d->pool[ZS]);
	bool deep = final || d->deep_checks < DEEP_CHECKS;

	if (zb != zmodel_pages(d) || zb < (d->live + 1) / 2 || zb > d->live)
		zs_fuzz_fail("zbud holds %llu pages for %u objects, the model "
			     "%u",
			     (unsigned long long)zb, d->live, zmodel_pages(d));
	if ((zs == 0) != (d->live == 0) || zs % d->page_size)
		zs_fuzz_fail("zsmalloc holds %llu bytes for %u objects",
			     (unsigned long long)zs, d->live);
	if (d->counting &&
	    (d->prov[ZB].live != zb || d->prov[ZS].live != zs / d->page_size))
		zs_fuzz_fail("provider pages out %lu (zbud) and %lu "
			     "(zsmalloc), pools hold %llu and %llu",
			     d->prov[ZB].live, d->prov[ZS].live,
			     (unsigned long long)zb,
			     (unsigned long long)(zs / d->page_size));
	if (deep) {
		d->deep_checks++;
		/* between ops every map has ended */
		zs_fuzz_pages_check_closed("with nothing held");
	}
	if (d->zb) {
		if ((deep && zbud_pool_check(d->zb) != 0) ||
		    zbud_nr_objects(d->zb) != d->live ||
		    zbud_page_size(d->zb) != d->page_size ||
		    zbud_get_pool_size(d->zb) != zb)
			zs_fuzz_fail("zbud: check failed or counts differ");
	}
	if (deep && d->zs && zs_pool_check(d->zs) != 0)
		zs_fuzz_fail("zsmalloc: zs_pool_check failed");
	expect(0, "check");
}

/* ---- misuse ---- */

static unsigned long stale_handle(const struct diff *d, int p, uint64_t arg)
{
	unsigned long h;

	if (!d->nstale)
		return 0;
	h = d->stale[p][arg % (d->nstale < STALE ? d->nstale : STALE)];
	return is_live(d, p, h) ? 0 : h;
}

static void bad_free(struct diff *d, int p, unsigned long h, const char *op)
{
	zpool_free(d->pool[p], h);
	expect(1, op);
}

static void bad_map(struct diff *d, int p, unsigned long h, uint64_t mode,
		    const char *op)
{
	void *m =
		zpool_map_handle(d->pool[p], h, (enum zpool_mapmode)(mode % 3));

	if (m)
		zs_fuzz_fail("%s: %s map returned %p, not NULL", op,
			     d->types[p], m);
	expect(1, op);
}

static void bad_unmap(struct diff *d, int p, unsigned long h, const char *op)
{
	zpool_unmap_handle(d->pool[p], h);
	expect(1, op);
}

/* Direct zbud calls the zpool front end cannot make. */
static void zbud_api_misuse(struct diff *d, unsigned int s)
{
	unsigned long h = d->obj[s].handle[ZB], got = 0;

	if (zbud_alloc(NULL, 64, &got) != -EINVAL)
		zs_fuzz_fail("zbud_alloc(NULL pool) is not -EINVAL");
	expect(1, "zbud_alloc(NULL pool)");
	if (zbud_alloc(d->zb, 64, NULL) != -EINVAL)
		zs_fuzz_fail("zbud_alloc(NULL handle) is not -EINVAL");
	expect(1, "zbud_alloc(NULL handle)");
	zbud_free(NULL, h);
	expect(1, "zbud_free(NULL pool)");
	if (zbud_map(NULL, h))
		zs_fuzz_fail("zbud_map(NULL pool) returned memory");
	expect(1, "zbud_map(NULL pool)");
	zbud_unmap(NULL, h);
	expect(1, "zbud_unmap(NULL pool)");
	if (zbud_pool_check(NULL) != 1)
		zs_fuzz_fail("zbud_pool_check(NULL) is not 1");
	expect(1, "zbud_pool_check(NULL)");
	/* quiet ones */
	zbud_destroy_pool(zbud_create_pool(NULL));
	zbud_free(d->zb, 0);
	zbud_destroy_pool(NULL);
	if (zbud_get_pool_size(NULL) || zbud_page_size(NULL) ||
	    zbud_nr_objects(NULL))
		zs_fuzz_fail("zbud getters of NULL are not 0");
	if (zbud_alloc(d->zb, 0, &got) != -EINVAL ||
	    zbud_alloc(d->zb, d->page_size + 1, &got) != -ENOSPC)
		zs_fuzz_fail("zbud_alloc: refused sizes give the wrong code");
	expect(0, "zbud quiet calls");
}

/* zpool calls without a pool or with a bad mode. */
static void zpool_api_misuse(struct diff *d, int p, unsigned int s,
			     uint64_t arg)
{
	unsigned long h = d->obj[s].handle[p], got = 0;

	if (zpool_malloc(NULL, 64, &got) != -EINVAL)
		zs_fuzz_fail("zpool_malloc(NULL pool) is not -EINVAL");
	expect(1, "zpool_malloc(NULL pool)");
	if (zpool_malloc(d->pool[p], 64, NULL) != -EINVAL)
		zs_fuzz_fail("zpool_malloc(NULL handle) is not -EINVAL");
	expect(1, "zpool_malloc(NULL handle)");
	zpool_free(NULL, h);
	expect(1, "zpool_free(NULL pool)");
	if (zpool_map_handle(NULL, h, ZPOOL_MM_RO))
		zs_fuzz_fail("zpool_map_handle(NULL pool) returned memory");
	expect(1, "zpool_map_handle(NULL pool)");
	zpool_unmap_handle(NULL, h);
	expect(1, "zpool_unmap_handle(NULL pool)");
	if (zpool_map_handle(d->pool[p], h,
			     (enum zpool_mapmode)(3 + arg % 1000)))
		zs_fuzz_fail("zpool_map_handle: bad mode gave memory");
	expect(1, "zpool_map_handle(bad mode)");
	if (zpool_map_handle(d->pool[p], h, (enum zpool_mapmode) - 1))
		zs_fuzz_fail("zpool_map_handle: mode -1 gave memory");
	expect(1, "zpool_map_handle(mode -1)");
	zpool_destroy_pool(NULL);
	if (zpool_get_total_size(NULL) || zpool_get_type(NULL))
		zs_fuzz_fail("zpool getters of NULL are not 0");
	expect(0, "zpool quiet calls");
}

static void op_misuse(struct diff *d, struct zs_input *in)
{
	uint8_t kind = zs_input_u8(in);
	int s = pick_live(d, zs_input_u8(in));
	uint64_t arg = zs_input_u64(in);
	int p = (kind >> 4) & 1;
	unsigned long h;
	uint8_t *m, *m2;

	switch (kind % 9) {
	case 0: /* double free */
		h = stale_handle(d, p, arg);
		if (h)
			bad_free(d, p, h, "double free");
		break;
	case 1: /* map of a freed handle */
		h = stale_handle(d, p, arg);
		if (h)
			bad_map(d, p, h, arg >> 8, "stale map");
		break;
	case 2: /* forged: one bit of a live handle flipped, or raw */
		h = (unsigned long)arg;
		if (s >= 0 && !(kind & 0x20))
			h = d->obj[s].handle[p] ^
			    (1ul << (arg % (sizeof(long) * CHAR_BIT)));
		if (!h || is_live(d, p, h))
			break;
		if (kind & 0x40)
			bad_free(d, p, h, "forged free");
		else if (kind & 0x80)
			bad_unmap(d, p, h, "forged unmap");
		else
			bad_map(d, p, h, arg >> 8, "forged map");
		break;
	case 3: /* the other pool's handle */
		if (s < 0)
			break;
		h = d->obj[s].handle[!p];
		if (kind & 0x40)
			bad_free(d, p, h, "other-pool free");
		else
			bad_map(d, p, h, arg, "other-pool map");
		break;
	case 4: /* unmap without a map */
		if (s >= 0)
			bad_unmap(d, p, d->obj[s].handle[p], "unmap unmapped");
		break;
	case 5: /* free while mapped */
		if (s < 0)
			break;
		m = map(d, p, (unsigned int)s, ZPOOL_MM_RO);
		bad_free(d, p, d->obj[s].handle[p], "free while mapped");
		compare(d, p, (unsigned int)s, m);
		zpool_unmap_handle(d->pool[p], d->obj[s].handle[p]);
		break;
	case 6: /* NULL pools, bad modes */
		if (s >= 0)
			zpool_api_misuse(d, p, (unsigned int)s, arg);
		break;
	case 7: /* the zbud API itself */
		if (s >= 0 && d->zb)
			zbud_api_misuse(d, (unsigned int)s);
		break;
	default: /* zsmalloc: a second map while one is held */
		if (s < 0)
			break;
		m = map(d, ZS, (unsigned int)s, ZPOOL_MM_RO);
		h = d->obj[pick_live(d, (uint8_t)arg)].handle[ZS];
		m2 = zpool_map_handle(d->pool[ZS], h, ZPOOL_MM_RO);
		if (m2)
			zs_fuzz_fail("zsmalloc: nested map returned memory");
		expect(1, "nested zsmalloc map");
		compare(d, ZS, (unsigned int)s, m);
		zpool_unmap_handle(d->pool[ZS], d->obj[s].handle[ZS]);
		break;
	}
	expect(0, "misuse");
}

/* zbud: two maps held at once are fine; unmapped in LIFO order. */
static void op_nested(struct diff *d, struct zs_input *in)
{
	int a = pick_live(d, zs_input_u8(in));
	int b = pick_live(d, zs_input_u8(in));
	uint8_t *ma, *mb;

	if (a < 0)
		return;
	ma = map(d, ZB, (unsigned int)a, ZPOOL_MM_RO);
	mb = map(d, ZB, (unsigned int)b, ZPOOL_MM_RW);
	compare(d, ZB, (unsigned int)a, ma);
	compare(d, ZB, (unsigned int)b, mb);
	zpool_unmap_handle(d->pool[ZB], d->obj[b].handle[ZB]);
	zpool_unmap_handle(d->pool[ZB], d->obj[a].handle[ZB]);
	expect(0, "nested zbud maps");
}

/* ---- zpool API edges ---- */

static int registered(const struct diff *d, const char *t)
{
	if (!t)
		return 0;
	for (int p = 0; p < NR_POOLS; p++)
		if (!strcmp(t, builtin_types[p]) ||
		    (d->types == own_types && !strcmp(t, own_types[p])))
			return 1;
	return 0;
}

static void try_type(struct diff *d, const char *t)
{
	struct zpool_config cfg = {
		d->page_size, d->pages[ZB].alloc_page ? &d->pages[ZB] : NULL};
	struct zpool *z;
	int want = registered(d, t);

	if (zpool_has_pool(t) != want)
		zs_fuzz_fail("zpool_has_pool disagrees on a type");
	z = zpool_create_pool_config(t, "hostile", NULL, &cfg);
	zs_fuzz_notices_expect(!want, "zpool_create_pool_config of a type");
	if (!z != !want)
		zs_fuzz_fail("zpool_create_pool_config: pool %p for a type "
			     "that is%s registered",
			     (void *)z, want ? "" : " not");
	if (z) {
		if (strcmp(zpool_get_type(z), t) != 0 ||
		    zpool_get_total_size(z) != 0)
			zs_fuzz_fail("new pool: wrong type or not empty");
		zpool_destroy_pool(z);
	}
	expect(0, "type lookup");
}

static void api_types(struct diff *d, struct zs_input *in, uint8_t arg)
{
	static const char *const hostile[] = {
		"",
		"zpool-zbud",
		"%s%s%s%n%x",
		"ZBUD",
		"zbud ",
		"../zbud",
		"zsmalloc\n",
		"zbudzbudzbudzbudzbudzbudzbudzbudzbud",
		"z\"\\\x01\x7f\xff",
		"\xe2\x82\xac",
		"zsmalloc",
		"zbud",
		"fz-zbud",
		"fz-zsmallo",
	};
	char name[49];
	size_t n = arg % 48;

	for (size_t i = 0; i < n; i++)
		name[i] = (char)zs_input_u8(in);
	name[n] = '\0';
	try_type(d, name);
	try_type(d, hostile[arg % (sizeof(hostile) / sizeof(hostile[0]))]);
	if (arg & 0x80)
		try_type(d, NULL);
}

/* Defaults: no config, no name; and configs that must be refused. */
static void api_configs(struct diff *d, uint8_t arg)
{
	static const size_t bad_sizes[] = {1000, 2048, 12288, 131072, 4097};
	const struct zs_page_provider no_free = {zs_recycling_pages.alloc_page,
						 NULL, NULL};
	const char *t = builtin_types[arg & 1];
	struct zpool_config cfg = {bad_sizes[(arg >> 1) % 5], NULL};
	struct zpool *z;
	unsigned long h;

	z = zpool_create_pool(t, (arg & 2) ? NULL : "defaults", NULL);
	if (!z)
		zs_fuzz_fail("%s: no pool with the defaults", t);
	if (zpool_malloc(z, 100, &h) != 0)
		zs_fuzz_fail("%s: default pool refused 100 bytes", t);
	if (zpool_get_total_size(z) == 0 || zpool_get_total_size(z) % 4096)
		zs_fuzz_fail("%s: default pool: not in 4 KiB pages", t);
	zpool_free(z, h);
	zpool_destroy_pool(z);
	if (zpool_create_pool_config(t, "bad", NULL, &cfg))
		zs_fuzz_fail("%s: page size %zu accepted", t, cfg.page_size);
	zs_fuzz_notices_expect(1, "bad page size");
	cfg.page_size = d->page_size;
	cfg.pages = &no_free;
	if (zpool_create_pool_config(t, "bad", NULL, &cfg))
		zs_fuzz_fail("%s: provider without free_page accepted", t);
	zs_fuzz_notices_expect(1, "provider without free_page");
	if (!zpool_has_pool(t))
		zs_fuzz_fail("%s: gone after refused configs", t);
	if (arg & 0x10) { /* a zbud pool whose metadata allocation n fails */
		struct zbud_config zc = {d->page_size, NULL};
		long live = zs_slab_live();
		unsigned long at = zs_slab_attempts() + 1 + (arg >> 5) % 4;
		struct zbud_pool *zb;

		zs_slab_fail_nth(1 + (arg >> 5) % 4);
		zb = zbud_create_pool(&zc);
		zs_slab_fail_nth(0);
		if (!zb && zs_slab_attempts() < at)
			zs_fuzz_fail("zbud_create_pool failed, no fault");
		zbud_destroy_pool(zb);
		if (zs_slab_live() != live)
			zs_fuzz_fail("zbud_create_pool: %ld metadata "
				     "allocations leaked",
				     zs_slab_live() - live);
	}
	expect(0, "configs");
}

static void api_drivers(struct diff *d, uint8_t arg)
{
	struct zpool_driver bad = {.type = "fz-bad", ZB_CALLS};
	struct zpool_driver dup = {.type = "zbud", ZB_CALLS};
	struct zpool *z;
	unsigned long h;

	if (zpool_register_driver(NULL) != -EINVAL)
		zs_fuzz_fail("register(NULL) is not -EINVAL");
	switch (arg % 5) {
	case 0:
		bad.type = NULL;
		break;
	case 1:
		bad.type = "Upper";
		break;
	case 2:
		bad.type = "";
		break;
	case 3:
		bad.type = "a-type-name-of-thirty-two-bytes!";
		break;
	default:
		bad.map = NULL;
		break;
	}
	if (zpool_register_driver(&bad) != -EINVAL)
		zs_fuzz_fail("bad driver %u not -EINVAL", arg % 5);
	bad.type = "fz-bad";
	bad.map = own_zb_map;
	if ((arg & 8) && zpool_unregister_driver(&bad) != -ENOENT)
		zs_fuzz_fail("unregister of a stranger is not -ENOENT");
	if (zpool_register_driver(&dup) != -EEXIST)
		zs_fuzz_fail("a second \"zbud\" is not -EEXIST");
	if (zpool_register_driver(&extra_driver) != 0)
		zs_fuzz_fail("register fz-extra failed");
	if (zpool_register_driver(&extra_driver) != -EEXIST)
		zs_fuzz_fail("register fz-extra twice is not -EEXIST");
	if (!zpool_has_pool("fz-extra"))
		zs_fuzz_fail("fz-extra registered but not found");
	{
		struct zpool_config cfg = {d->page_size, NULL};
		struct diff *was = creating;

		creating = NULL;
		z = zpool_create_pool_config("fz-extra", NULL, NULL, &cfg);
		creating = was;
	}
	if (!z)
		zs_fuzz_fail("no pool of fz-extra");
	if (zpool_malloc(z, 1 + arg, &h) != 0)
		zs_fuzz_fail("fz-extra refused %u bytes", 1 + arg);
	if (zpool_unregister_driver(&extra_driver) != -EBUSY)
		zs_fuzz_fail("unregister with a live pool is not -EBUSY");
	if (d->types == own_types &&
	    zpool_unregister_driver(&own_drivers[arg & 1]) != -EBUSY)
		zs_fuzz_fail("unregister of %s in use is not -EBUSY",
			     own_types[arg & 1]);
	zpool_free(z, h);
	zpool_destroy_pool(z);
	if (zpool_unregister_driver(&extra_driver) != 0)
		zs_fuzz_fail("unregister of fz-extra failed");
	if (zpool_unregister_driver(&extra_driver) != -ENOENT)
		zs_fuzz_fail("second unregister is not -ENOENT");
	if (zpool_has_pool("fz-extra"))
		zs_fuzz_fail("fz-extra found after unregister");
	expect(0, "drivers");
}

static void api_consistency(struct diff *d)
{
	for (int p = 0; p < NR_POOLS; p++) {
		const char *t = zpool_get_type(d->pool[p]);

		if (!t || strcmp(t, d->types[p]) != 0 || !zpool_has_pool(t))
			zs_fuzz_fail("%s: zpool_get_type says %s", d->types[p],
				     t ? t : "NULL");
	}
	op_check(d, false);
}

/*
 * Destroying a pool while one of its objects is mapped is reported and
 * refused by the backend, but zpool_destroy_pool forgets the pool anyway:
 * only with our own drivers can the harness still unmap and destroy it.
 */
static void api_destroy_mapped(struct diff *d, uint8_t arg)
{
	int p = arg & 1;
	struct zpool_config cfg = {d->page_size, NULL};
	struct zpool *z;
	unsigned long h, h2;
	void *m;

	if (d->types != own_types)
		return;
	creating = d;
	z = zpool_create_pool_config(own_types[p], "doomed", NULL, &cfg);
	if (!z)
		zs_fuzz_fail("%s: no scratch pool", own_types[p]);
	if (zpool_malloc(z, 64 + arg, &h) != 0)
		zs_fuzz_fail("%s: scratch alloc failed", own_types[p]);
	m = zpool_map_handle(z, h, ZPOOL_MM_WO);
	if (!m)
		zs_fuzz_fail("%s: scratch map failed", own_types[p]);
	memset(m, arg, 64 + arg);
	if (zpool_malloc(z, d->page_size, &h2) != 0)
		zs_fuzz_fail("%s: scratch page alloc failed", own_types[p]);
	zpool_destroy_pool(z);
	expect(1, "destroy while mapped");
	if (p == ZB) {
		zbud_unmap(d->zb, h);
		zbud_destroy_pool(d->zb);
	} else {
		zs_unmap_object(d->zs, h);
		zs_destroy_pool(d->zs);
	}
	expect(0, "scratch cleanup");
	/* the input's own pools again */
	creating = NULL;
	d->zb = NULL;
	d->zs = NULL;
}

static void op_api(struct diff *d, struct zs_input *in)
{
	uint8_t kind = zs_input_u8(in);
	uint8_t arg = zs_input_u8(in);
	struct zs_pool *zs = d->zs;
	struct zbud_pool *zb = d->zb;

	switch (kind % 5) {
	case 0:
		api_types(d, in, arg);
		break;
	case 1:
		api_configs(d, arg);
		break;
	case 2:
		api_drivers(d, arg);
		break;
	case 3:
		api_consistency(d);
		break;
	default:
		api_destroy_mapped(d, arg);
		d->zs = zs;
		d->zb = zb;
		break;
	}
}

static void run_op(struct diff *d, struct zs_input *in, unsigned int op)
{
	int s;

	switch (op) {
	case OP_ALLOC:
		op_alloc(d, in);
		break;
	case OP_FREE:
		s = pick_live(d, zs_input_u8(in));
		if (s >= 0)
			free_slot(d, (unsigned int)s);
		break;
	case OP_REWRITE: {
		uint8_t hint = zs_input_u8(in);
		uint16_t off = zs_input_u16(in), len = zs_input_u16(in);
		uint8_t seed = zs_input_u8(in);

		s = pick_live(d, hint);
		if (s >= 0)
			op_rewrite(d, (unsigned int)s, off, len, seed);
		break;
	}
	case OP_READ:
		s = pick_live(d, zs_input_u8(in));
		if (s >= 0)
			op_read(d, (unsigned int)s);
		break;
	case OP_CHECK:
		op_check(d, false);
		break;
	case OP_MISUSE:
		op_misuse(d, in);
		break;
	case OP_API:
		op_api(d, in);
		break;
	case OP_BURST: {
		uint8_t n = zs_input_u8(in);

		if (n & 0x80)
			d->slab = n % 4 + 1u;
		else if (d->counting && d->mask)
			d->burst = n % 8 + 1u;
		break;
	}
	default:
		op_nested(d, in);
		break;
	}
	if (op != OP_BURST)
		d->burst = d->slab = 0;
	expect(0, "valid op");
}

static void setup(struct diff *d, struct zs_input *in)
{
	static const size_t page_sizes[] = {4096, 16384, 65536};
	struct zpool_config cfg = {0};
	uint8_t flags;

	zs_fuzz_pages_begin();
	d->page_size = page_sizes[zs_input_u8(in) % 3];
	d->nchunks = (unsigned int)(d->page_size / ZBUD_CHUNK_SIZE);
	flags = zs_input_u8(in);
	d->counting = !(flags & FLAG_BUILTIN_PAGES);
	if (d->counting && (flags & FLAG_FAULTS))
		d->mask = zs_input_u64(in);
	d->types = flags & FLAG_OWN_DRIVERS ? own_types : builtin_types;
	if (d->types == own_types) {
		for (int p = 0; p < NR_POOLS; p++)
			if (zpool_register_driver(&own_drivers[p]) != 0)
				zs_fuzz_fail("register %s failed",
					     own_types[p]);
	}
	cfg.page_size = d->page_size;
	for (int p = 0; p < NR_POOLS; p++) {
		d->prov[p].d = d;
		d->pages[p].alloc_page = counted_alloc;
		d->pages[p].free_page = counted_free;
		d->pages[p].ctx = &d->prov[p];
		cfg.pages = d->counting ? &d->pages[p] : NULL;
		creating = d;
		d->pool[p] = zpool_create_pool_config(d->types[p], "fuzz", NULL,
						      &cfg);
		creating = NULL;
		if (!d->pool[p])
			zs_fuzz_fail("no %s pool", d->types[p]);
	}
	if (!d->counting)
		memset(d->pages, 0, sizeof(d->pages));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zs_input in;
	struct diff d;

	memset(&d, 0, sizeof(d));
	memset(&rec, 0, sizeof(rec));
	rec.base = zs_report_count();
	zs_set_report_handler(record, NULL);
	zs_fuzz_notices_begin();
	zs_input_init(&in, data, size);
	setup(&d, &in);
	expect(0, "setup");
	for (int n = 0; n < MAX_OPS && zs_input_left(&in); n++)
		run_op(&d, &in, zs_input_u8(&in) % NR_OPS);
	zs_fuzz_pages_check_closed("at the end, nothing held");
	for (unsigned int s = 0; s < SLOTS; s++) {
		if (d.obj[s].handle[ZS]) {
			op_read(&d, s);
			free_slot(&d, s);
		}
	}
	op_check(&d, true);
	for (int p = 0; p < NR_POOLS; p++) {
		if (zpool_get_total_size(d.pool[p]) != 0)
			zs_fuzz_fail("%s: %llu bytes held after freeing all",
				     d.types[p],
				     (unsigned long long)zpool_get_total_size(
					     d.pool[p]));
		zpool_destroy_pool(d.pool[p]);
		if (d.counting && d.prov[p].live)
			zs_fuzz_fail("%s: %lu provider pages outlive the pool",
				     d.types[p], d.prov[p].live);
	}
	if (d.types == own_types)
		for (int p = 0; p < NR_POOLS; p++)
			if (zpool_unregister_driver(&own_drivers[p]) != 0)
				zs_fuzz_fail("unregister %s failed",
					     own_types[p]);
	expect(0, "teardown");
	zs_set_report_handler(NULL, NULL);
	return 0;
}
