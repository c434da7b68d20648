// SPDX-License-Identifier: MIT
/*
 * zs_bulk: pools of hundreds to thousands of objects, so that the pool's
 * bookkeeping outgrows its first parts and must shrink again, which no
 * 32-object model reaches: descriptor chunks drained by zs_compact (their
 * descriptors move), pfn-table leaves emptied by zs_compact's migrations
 * and given back, handle-table chunks given back once their slots leave
 * the quarantine. The input makes and frees objects in runs, compacts
 * (now and then with one object mapped) and migrates pages.
 *
 * Oracles: every object holds its serial number and its pattern, compared
 * after every zs_compact and a migration of its page, before it is freed
 * and at the end; zs_malloc and zs_page_migrate fail only when the pfn
 * space is used up, and migration is never busy with nothing mapped; each
 * class passes the model's class check (whole zspages, fullness bounds)
 * and their counts add up to the pool's pages and the live objects; after
 * zs_compact with nothing mapped no class keeps a zspage's worth of free
 * slots; zs_pool_meta is at least what the live objects need, and with no
 * page left the pool holds no descriptor chunk and only pfn 0's leaf; at
 * the end the pool is empty and whole (the model's last check).
 */
#include <errno.h>
#include <string.h>

#include "fail.h"
#include "harness.h"
#include "input.h"
#include "model.h"
#include "pages.h"
#include "sizes.h"

enum bulk_op {
	BULK_ALLOC,   /* kind u8, param u16, step u8, count u8, seed u8 */
	BULK_FREE,    /* sel u8, a u8, c u8 */
	BULK_COMPACT, /* hold u8: bit 0 maps one object RO meanwhile */
	BULK_MIGRATE, /* pick u8, count u8 */
	BULK_CHURN,   /* count u8, seed u8: free the oldest, store again */
	BULK_CHECK,   /* - */
	BULK_NR_OPS
};

/* Ops per input: one op can make a thousand objects. */
#define BULK_MAX_OPS 48
/* Live objects at once, and the pool's memory: bounded time and RSS. */
#define BULK_MAX_OBJS  4096u
#define BULK_MAX_BYTES ((size_t)8 << 20)
/* Frames per pfn-table leaf and slots per handle-table chunk, as
 * zsmalloc.h documents them for zs_pool_meta. */
#define BULK_META_PART 1024ul

struct bulk_obj {
	unsigned long handle;
	uint32_t size;
	uint32_t serial;
	uint8_t seed;
};

struct bulk {
	struct zs_pool *pool;
	struct zs_model m; /* owns no object: pool info, frames, last check */
	struct bulk_obj obj[BULK_MAX_OBJS];
	unsigned int n;
	uint32_t next_serial;
	int had_page; /* a zspage was ever made: pfn 0's leaf exists */
};

static struct bulk bulk;
static uint8_t want[65536], got[65536];

/* An object's bytes: its serial number (little endian, as much of it as
 * fits), then the pattern of its seed. */
ZS_FUZZ_OWN_BYTES static void expected(const struct bulk_obj *o, uint8_t *dst)
{
	zs_pattern_fill(dst, 0, o->size, o->seed);
	for (unsigned int i = 0; i < 4 && i < o->size; i++)
		dst[i] = (uint8_t)(o->serial >> (8 * i));
}

ZS_FUZZ_OWN_BYTES static size_t first_diff(const uint8_t *a, const uint8_t *b,
					   size_t n)
{
	size_t i = 0;

	while (i < n && a[i] == b[i])
		i++;
	return i;
}

static void compare(const struct bulk_obj *o, const uint8_t *p,
		    const char *when)
{
	size_t at;

	expected(o, want);
	/* checked: memcmp's interceptor reads every byte of p's span */
	if (memcmp(want, p, o->size) == 0)
		return;
	at = first_diff(want, p, o->size); /* < size: they differ */
	zs_fuzz_fail("%s: object %u (handle %#lx, %u bytes) differs at "
		     "byte %zu: %#x, want %#x",
		     when, o->serial, o->handle, o->size, at, p[at], want[at]);
}

/* Compare through a map (RO) or the read API, by the object's serial. */
static void verify(struct bulk *b, const struct bulk_obj *o, const char *when)
{
	uint8_t *p;

	if (o->serial & 1) {
		p = zs_map_object(b->pool, o->handle, ZS_MM_RO);
		if (!p)
			zs_fuzz_fail("%s: zs_map_object(%#lx) failed", when,
				     o->handle);
		compare(o, p, when);
		zs_unmap_object(b->pool, o->handle);
	} else {
		p = zs_obj_read_begin(b->pool, o->handle, got);
		if (!p)
			zs_fuzz_fail("%s: zs_obj_read_begin(%#lx) failed", when,
				     o->handle);
		compare(o, p, when);
		zs_obj_read_end(b->pool, o->handle, p);
	}
}

static void verify_all(struct bulk *b, const char *when)
{
	for (unsigned int i = 0; i < b->n; i++)
		verify(b, &b->obj[i], when);
}

static void write_obj(struct bulk *b, const struct bulk_obj *o)
{
	expected(o, want);
	if (o->serial & 2) {
		uint8_t *p = zs_map_object(b->pool, o->handle, ZS_MM_WO);

		if (!p)
			zs_fuzz_fail("zs_map_object(%#lx, WO) failed",
				     o->handle);
		memcpy(p, want, o->size);
		zs_unmap_object(b->pool, o->handle);
	} else {
		zs_obj_write(b->pool, o->handle, want, o->size);
	}
}

static int room_for_more(struct bulk *b)
{
	return b->n < BULK_MAX_OBJS &&
	       zs_get_total_pages(b->pool) * b->m.info.page_size <
		       BULK_MAX_BYTES;
}

/*
 * Store one object of size into b->obj[at] (at most b->n: at b->n it is
 * one more); 0 when the pfn space explains a failure.
 */
static int store_at(struct bulk *b, unsigned int at, size_t size, uint8_t seed)
{
	struct bulk_obj *o = &b->obj[at];
	unsigned long h = zs_malloc(b->pool, size);

	if (!h) {
		unsigned long need = zs_model_frames_for_alloc(&b->m, size);

		if (zs_model_frames_short(&b->m, need))
			return 0;
		zs_fuzz_fail("zs_malloc(%zu) failed with %lu of %lu page "
			     "frames in use, %lu needed, %u objects",
			     size, zs_get_total_pages(b->pool),
			     b->m.info.max_pages, need, b->n);
	}
	b->had_page = 1;
	o->handle = h;
	o->size = (uint32_t)size;
	o->serial = b->next_serial++;
	o->seed = (uint8_t)(seed + o->serial);
	if (at == b->n)
		b->n++;
	write_obj(b, o);
	return 1;
}

static void op_alloc(struct bulk *b, uint8_t kind, uint16_t param, uint8_t step,
		     uint8_t count, uint8_t seed)
{
	unsigned int n = (count % 64u + 1) * 16;

	for (unsigned int i = 0; i < n && room_for_more(b); i++) {
		size_t size = zs_pick_size(b->pool, &b->m.info, kind,
					   (uint16_t)(param + i * step));

		if (!store_at(b, b->n, size, seed))
			break;
	}
}

/* Free (after comparing) the objects marked in pick[], keeping order. */
static void free_marked(struct bulk *b, const uint8_t *pick)
{
	unsigned int kept = 0;

	for (unsigned int i = 0; i < b->n; i++) {
		if (!pick[i]) {
			b->obj[kept++] = b->obj[i];
			continue;
		}
		verify(b, &b->obj[i], "before zs_free");
		zs_free(b->pool, b->obj[i].handle);
	}
	b->n = kept;
}

/*
 * Which objects go: every k-th, all but every k-th (sparse survivors:
 * chunks and leaves left at most half used), a run, or every object of
 * one class (a class emptied while the others stay).
 */
static void op_free(struct bulk *b, uint8_t sel, uint8_t a, uint8_t c)
{
	static uint8_t pick[BULK_MAX_OBJS];
	unsigned int k = a % 16u + 2, n = b->n;

	if (n == 0)
		return;
	for (unsigned int i = 0; i < n; i++) {
		switch (sel % 4) {
		case 0:
			pick[i] = i % k == c % k;
			break;
		case 1:
			pick[i] = i % k != c % k;
			break;
		case 2:
			pick[i] = i >= c * n / 256 &&
				  i < (c * n / 256) + (a + 1u) * n / 256 + 1;
			break;
		default:
			pick[i] = zs_class_size(b->pool, b->obj[i].size) ==
				  zs_class_size(b->pool,
						b->obj[c * n / 256].size);
			break;
		}
	}
	free_marked(b, pick);
}

/* The classes' objects and pages against the pool's and ours; after a
 * zs_compact with nothing mapped, no class has a zspage of free slots. */
static void check_counts(struct bulk *b, int tight)
{
	struct zs_class_stat st;
	unsigned long pages = 0, used = 0, total;
	unsigned int nr;
	const unsigned short *serving = zs_model_serving(&b->m, &nr);

	for (unsigned int k = 0; k < nr; k++) {
		if (zs_class_stat(b->pool, serving[k], &st) != 0)
			zs_fuzz_fail("zs_class_stat(%u) failed", serving[k]);
		zs_model_check_class(&st);
		if (tight &&
		    st.obj_allocated - st.obj_used >= st.objs_per_zspage)
			zs_fuzz_fail("class %u (size %zu, %u objs per zspage): "
				     "%lu of %lu slots unused after zs_compact",
				     serving[k], st.size, st.objs_per_zspage,
				     st.obj_allocated - st.obj_used,
				     st.obj_allocated);
		pages += st.pages_used;
		used += st.obj_used;
	}
	total = zs_get_total_pages(b->pool);
	if (pages != total || used != b->n)
		zs_fuzz_fail("classes hold %lu pages and %lu objects; the pool "
			     "has %lu pages, we have %u objects",
			     pages, used, total, b->n);
}

/* zs_pool_meta: enough for what lives, and nothing left once no page is. */
static void check_meta(struct bulk *b)
{
	struct zs_pool_meta mt;
	unsigned long pages = zs_get_total_pages(b->pool);

	zs_pool_meta(b->pool, &mt);
	/* pfn 0's leaf stays once made: by any page taken, or a failed
	 * zs_malloc that took a frame and gave it back */
	if (pages == 0) {
		if (mt.desc_chunks != 0 || mt.desc_bytes != 0 ||
		    mt.pfn_leaves > 1 ||
		    mt.pfn_leaves < (unsigned long)b->had_page)
			zs_fuzz_fail("no page left, yet %lu descriptor chunks "
				     "(%zu bytes) and %lu pfn leaves (want 0 "
				     "and %s)",
				     mt.desc_chunks, mt.desc_bytes,
				     mt.pfn_leaves,
				     b->had_page ? "1" : "0 or 1");
	} else if (mt.desc_bytes == 0 ||
		   mt.pfn_leaves * BULK_META_PART < pages + 1) {
		/* a zspage's descriptor (its pages' inside it) is in a
		 * chunk, or malloc'd when large: bytes either way */
		zs_fuzz_fail("%lu pages held with %zu bytes of descriptors "
			     "and %lu pfn leaves",
			     pages, mt.desc_bytes, mt.pfn_leaves);
	}
	/* slot 0 of the first chunk names no object */
	if (b->n && mt.handle_chunks * BULK_META_PART < b->n + 1ul)
		zs_fuzz_fail("%u live handles in %lu handle chunks", b->n,
			     mt.handle_chunks);
}

static void op_check(struct bulk *b)
{
	int rc = zs_pool_check(b->pool);

	if (rc != 0)
		zs_fuzz_fail("zs_pool_check returned %d", rc);
	check_counts(b, 0);
	check_meta(b);
}

static void op_compact(struct bulk *b, uint8_t hold)
{
	unsigned long before = zs_get_total_pages(b->pool), freed, after;
	const struct bulk_obj *held = NULL;
	uint8_t *p = NULL;

	if ((hold & 1) && b->n) {
		held = &b->obj[(hold >> 1) * b->n / 128];
		p = zs_map_object(b->pool, held->handle, ZS_MM_RO);
		if (!p)
			zs_fuzz_fail("zs_map_object(%#lx) failed",
				     held->handle);
	}
	freed = zs_compact(b->pool);
	after = zs_get_total_pages(b->pool);
	if (after + freed != before)
		zs_fuzz_fail("zs_compact said %lu pages released; the pool "
			     "went %lu -> %lu",
			     freed, before, after);
	if (held) {
		/* a mapped object stays where it is */
		compare(held, p, "mapped through zs_compact");
		zs_unmap_object(b->pool, held->handle);
	}
	zs_fuzz_pages_check_closed("after zs_compact, nothing held");
	check_counts(b, held == NULL);
	check_meta(b);
	verify_all(b, "after zs_compact");
}

static void op_migrate(struct bulk *b, uint8_t pick, uint8_t count)
{
	unsigned int n = count % 8u + 1;

	for (unsigned int i = 0; i < n && b->n; i++) {
		const struct bulk_obj *o =
			&b->obj[(pick * b->n / 256 + i * 97u) % b->n];
		unsigned long pfn = zs_handle_pfn(b->pool, o->handle);
		unsigned long before = zs_get_total_pages(b->pool);
		int ret;

		if (pfn == 0)
			zs_fuzz_fail("zs_handle_pfn(%#lx) failed", o->handle);
		ret = zs_page_migrate(b->pool, pfn);
		if (ret == 0) {
			if (zs_handle_pfn(b->pool, o->handle) == pfn)
				zs_fuzz_fail("object %#lx still on pfn %lu "
					     "after its page was migrated",
					     o->handle, pfn);
		} else if (ret != -ENOMEM || !zs_model_frames_short(&b->m, 1)) {
			zs_fuzz_fail("zs_page_migrate(pfn %lu) returned %d "
				     "with nothing mapped, %lu of %lu page "
				     "frames in use",
				     pfn, ret, zs_get_total_pages(b->pool),
				     b->m.info.max_pages);
		}
		if (zs_get_total_pages(b->pool) != before)
			zs_fuzz_fail("migration changed the pool from %lu to "
				     "%lu pages",
				     before, zs_get_total_pages(b->pool));
		verify(b, o, "after zs_page_migrate");
	}
}

/* Free objects and store their sizes again in their places, from the
 * oldest on: slots cycle through the quarantine, so old handle chunks can
 * empty. */
static void op_churn(struct bulk *b, uint8_t count, uint8_t seed)
{
	unsigned int n = (count % 32u + 1) * 16;

	for (unsigned int i = 0; i < n && i < b->n; i++) {
		struct bulk_obj old = b->obj[i];

		verify(b, &old, "before zs_free");
		zs_free(b->pool, old.handle);
		if (!store_at(b, i, old.size, seed)) {
			b->obj[i] = b->obj[--b->n]; /* no frame for it now */
			break;
		}
	}
}

static void run_op(struct bulk *b, struct zs_input *in, unsigned int op)
{
	uint8_t x, y, z;

	switch (op) {
	case BULK_ALLOC: {
		uint8_t kind = zs_input_u8(in);
		uint16_t param = zs_input_u16(in);

		x = zs_input_u8(in);
		y = zs_input_u8(in);
		op_alloc(b, kind, param, x, y, zs_input_u8(in));
		break;
	}
	case BULK_FREE:
		x = zs_input_u8(in);
		y = zs_input_u8(in);
		z = zs_input_u8(in);
		op_free(b, x, y, z);
		break;
	case BULK_COMPACT:
		op_compact(b, zs_input_u8(in));
		break;
	case BULK_MIGRATE:
		x = zs_input_u8(in);
		op_migrate(b, x, zs_input_u8(in));
		break;
	case BULK_CHURN:
		x = zs_input_u8(in);
		op_churn(b, x, zs_input_u8(in));
		break;
	default:
		op_check(b);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bulk *b = &bulk;
	struct zs_input in;
	struct zs_fuzz_config cfg;

	zs_input_init(&in, data, size);
	zs_input_config(&in, &cfg);
	memset(b, 0, sizeof(*b));
	b->pool = zs_fuzz_pool(&cfg.pool, 0);
	zs_model_init(&b->m, b->pool);
	for (int n = 0; n < BULK_MAX_OPS && zs_input_left(&in); n++)
		run_op(b, &in, zs_input_u8(&in) % BULK_NR_OPS);

	zs_fuzz_pages_check_closed("at the end, nothing held");
	verify_all(b, "at the end");
	while (b->n)
		zs_free(b->pool, b->obj[--b->n].handle);
	check_meta(b);
	zs_compact(b->pool);
	check_meta(b);
	zs_model_finish(&b->m); /* owns nothing: the pool must be empty */
	zs_destroy_pool(b->pool);
	return 0;
}
