// SPDX-License-Identifier: MIT
#include "model.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"
#include "harness.h"
#include "mode_work.h"
#include "pages.h"
#include "sizes.h"

#define NO_COVERAGE ZS_FUZZ_NO_COVERAGE

void zs_model_init(struct zs_model *m, struct zs_pool *pool)
{
	memset(m, 0, sizeof(*m));
	m->pool = pool;
	m->mapped = -1;
	zs_pool_info(pool, &m->info);
	if (m->info.page_size == 0 || m->info.max_alloc_size == 0 ||
	    m->info.nr_size_classes == 0 || m->info.size_class_delta == 0)
		zs_fuzz_fail("zs_pool_info: empty geometry (page %zu, max "
			     "%zu, classes %u, delta %zu)",
			     m->info.page_size, m->info.max_alloc_size,
			     m->info.nr_size_classes, m->info.size_class_delta);
	if (zs_max_alloc_size(pool) != m->info.max_alloc_size)
		zs_fuzz_fail("zs_max_alloc_size %zu != info %zu",
			     zs_max_alloc_size(pool), m->info.max_alloc_size);
}

int zs_model_frames_short(struct zs_model *m, unsigned long need)
{
	if (m->alloc_fail_ok && m->alloc_fail_ok(m->fail_ctx))
		return 1;
	if (need == 0)
		return 0;
	if (m->shared_pool)
		return m->info.max_pages < m->shared_pages_bound;
	return zs_get_total_pages(m->pool) + need > m->info.max_pages;
}

/*
 * The serving steps of every geometry read so far, by page size, chain
 * and merging (the smallest size and step count are kept to tell two
 * physmem widths apart): a geometry's merge map is a function of it, so
 * it is read from the pool, and checked, the first time only. Reading
 * 257 class statistics was 5% of a zs_misuse input.
 */
struct merge_map {
	bool valid;
	size_t min_size;
	unsigned int nr_steps, nr_serving;
	unsigned short serving[ZS_MODEL_MAX_STEPS];
};

static struct merge_map merge_maps[5][16][2]; /* 4..64 KiB, chain, merge */
static pthread_mutex_t merge_maps_lock = PTHREAD_MUTEX_INITIALIZER;

static struct merge_map *merge_map_of(const struct zs_pool_info *info)
{
	unsigned int ps = info->page_shift - 12,
		     chain = info->max_pages_per_zspage - 1;

	if (ps >= 5 || chain >= 16)
		return NULL;
	return &merge_maps[ps][chain][info->class_merge != 0];
}

static bool merge_map_known(struct zs_model *m)
{
	struct merge_map *mm = merge_map_of(&m->info);
	bool hit;

	if (!mm)
		return false;
	pthread_mutex_lock(&merge_maps_lock);
	hit = mm->valid && mm->min_size == m->info.min_alloc_size &&
	      mm->nr_steps == m->info.nr_size_classes;
	if (hit) {
		m->nr_serving = mm->nr_serving;
		memcpy(m->serving, mm->serving,
		       mm->nr_serving * sizeof(m->serving[0]));
	}
	pthread_mutex_unlock(&merge_maps_lock);
	return hit;
}

static void merge_map_keep(const struct zs_model *m)
{
	struct merge_map *mm = merge_map_of(&m->info);

	if (!mm)
		return;
	pthread_mutex_lock(&merge_maps_lock);
	mm->min_size = m->info.min_alloc_size;
	mm->nr_steps = m->info.nr_size_classes;
	mm->nr_serving = m->nr_serving;
	memcpy(mm->serving, m->serving, m->nr_serving * sizeof(m->serving[0]));
	mm->valid = true;
	pthread_mutex_unlock(&merge_maps_lock);
}

/* Every step names a serving class at or above it (merging goes up). */
static void read_merge_map(struct zs_model *m)
{
	struct zs_class_stat st;
	unsigned int nr = m->info.nr_size_classes;

	if (nr > ZS_MODEL_MAX_STEPS)
		zs_fuzz_fail("%u size steps, the model holds %u", nr,
			     ZS_MODEL_MAX_STEPS);
	for (unsigned int i = 0; i < nr; i++) {
		if (zs_class_stat(m->pool, i, &st) != 0)
			zs_fuzz_fail("zs_class_stat(%u) failed", i);
		if (st.merged_into < i || st.merged_into >= nr)
			zs_fuzz_fail("step %u merged into %u", i,
				     st.merged_into);
		if (st.merged_into == i)
			m->serving[m->nr_serving++] = (unsigned short)i;
	}
	if (zs_class_stat(m->pool, nr, &st) != -1)
		zs_fuzz_fail("zs_class_stat past the last class succeeded");
	if (m->nr_serving != m->info.nr_distinct_classes)
		zs_fuzz_fail("%u serving classes, info says %u", m->nr_serving,
			     m->info.nr_distinct_classes);
	merge_map_keep(m);
}

const unsigned short *zs_model_serving(struct zs_model *m, unsigned int *n)
{
	if (m->nr_serving == 0 && !merge_map_known(m))
		read_merge_map(m);
	*n = m->nr_serving;
	return m->serving;
}

unsigned long zs_model_frames_for_alloc(struct zs_model *m, size_t size)
{
	size_t csize = zs_class_size(m->pool, size);
	unsigned int step = zs_check_class_of(m->pool, &m->info, size);
	struct zs_class_stat st;

	if (zs_class_stat(m->pool, step, &st) != 0)
		zs_fuzz_fail("zs_class_stat(%u) failed", step);
	if (st.size != csize)
		zs_fuzz_fail("class %u serves size %zu, zs_class_size(%zu) "
			     "says %zu",
			     step, st.size, size, csize);
	if (!m->shared_pool && st.obj_used < st.obj_allocated)
		return 0;
	return st.pages_per_zspage;
}

static void note_used_class(struct zs_model *m, unsigned int step)
{
	if (step >= m->info.nr_size_classes || step >= ZS_MODEL_MAX_STEPS)
		zs_fuzz_fail("a size is served by step %u of %u", step,
			     m->info.nr_size_classes);
	m->used[step / 64] |= (uint64_t)1 << (step % 64);
}

unsigned int zs_model_used_classes(const struct zs_model *m,
				   unsigned short *out)
{
	unsigned int n = 0;

	for (unsigned int w = 0; w < sizeof(m->used) / sizeof(m->used[0]);
	     w++) {
		for (uint64_t bits = m->used[w]; bits; bits &= bits - 1) {
			unsigned int bit = (unsigned int)__builtin_ctzll(bits);

			out[n++] = (unsigned short)(w * 64 + bit);
		}
	}
	return n;
}

int zs_model_is_stale(const struct zs_model *m, unsigned long h)
{
	unsigned int n =
		m->nstale < ZS_MODEL_STALE ? m->nstale : ZS_MODEL_STALE;

	for (unsigned int i = 0; i < n; i++)
		if (m->stale[i] == h)
			return 1;
	return 0;
}

void zs_model_note_free(struct zs_model *m, unsigned long h)
{
	struct zs_pool_stats st;
	unsigned int i = m->nstale++ % ZS_MODEL_STALE;

	zs_pool_stats(m->pool, &st);
	m->stale[i] = h;
	m->stale_frees[i] = st.handles_freed;
	m->stale_chunks[i] = st.handle_chunks_freed;
}

/* Frees on the pool before h, freed then, may be issued again. */
static unsigned long reissue_bound(const struct zs_model *m, int jumped)
{
	unsigned long q = m->info.handle_quarantine;

	if (jumped || m->shared_pool)
		return q;
	return m->info.handle_generations * (q + 1) - 1;
}

void zs_model_check_new_handle(struct zs_model *m, unsigned long h)
{
	unsigned int n =
		m->nstale < ZS_MODEL_STALE ? m->nstale : ZS_MODEL_STALE;
	struct zs_pool_stats st;
	unsigned long since, bound;
	int latest = -1;

	for (int i = 0; i < ZS_MODEL_SLOTS; i++)
		if (m->obj[i].handle == h)
			zs_fuzz_fail("zs_malloc returned handle %#lx, already "
				     "live in slot %d",
				     h, i);
	/* The latest free of h counts (it may have come back before). */
	for (unsigned int i = 0; i < n; i++)
		if (m->stale[i] == h &&
		    (latest < 0 || m->stale_frees[i] > m->stale_frees[latest]))
			latest = (int)i;
	if (latest < 0)
		return;
	zs_pool_stats(m->pool, &st);
	since = st.handles_freed - m->stale_frees[latest];
	bound = reissue_bound(m, st.handle_chunks_freed !=
					 m->stale_chunks[latest]);
	/* A slot is reused early only when no new one can be made: an
	 * injected allocation failure explains that. */
	if (since < bound &&
	    !(m->alloc_fail_ok && m->alloc_fail_ok(m->fail_ctx)))
		zs_fuzz_fail("zs_malloc returned handle %#lx again %lu frees "
			     "after it was freed; its slot's generations "
			     "(%lu, quarantine %lu) need %lu: a stale handle "
			     "would be accepted",
			     h, since, m->info.handle_generations,
			     m->info.handle_quarantine, bound);
}

/*
 * Shadow buffers (the bytes, then the defined flags) are reused through a
 * small cache by power-of-two capacity: fresh heap memory for every
 * object, kept in the sanitizer's quarantine after each free, cost page
 * faults and resident memory out of proportion. Shared: threads hand
 * objects to each other.
 */
#define SHADOW_BUCKETS 20  /* capacities 2^0 .. 2^19: objects up to 256 KiB */
#define SHADOW_KEEP    144 /* per capacity: 4 threads' models and a queue */

static struct {
	pthread_mutex_t lock;
	uint8_t *buf[SHADOW_BUCKETS][SHADOW_KEEP];
	unsigned int n[SHADOW_BUCKETS];
} shadow_cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static unsigned int shadow_bucket(size_t bytes)
{
	unsigned int b = 0;

	while (((size_t)1 << b) < bytes)
		b++;
	return b;
}

static uint8_t *shadow_get(size_t size)
{
	unsigned int b = shadow_bucket(2 * size);
	uint8_t *p = NULL;

	if (b >= SHADOW_BUCKETS)
		return malloc(2 * size);
	pthread_mutex_lock(&shadow_cache.lock);
	if (shadow_cache.n[b])
		p = shadow_cache.buf[b][--shadow_cache.n[b]];
	pthread_mutex_unlock(&shadow_cache.lock);
	return p ? p : malloc((size_t)1 << b);
}

static void shadow_put(uint8_t *p, size_t size)
{
	unsigned int b = shadow_bucket(2 * size);

	if (p && b < SHADOW_BUCKETS) {
		pthread_mutex_lock(&shadow_cache.lock);
		if (shadow_cache.n[b] < SHADOW_KEEP) {
			shadow_cache.buf[b][shadow_cache.n[b]++] = p;
			p = NULL;
		}
		pthread_mutex_unlock(&shadow_cache.lock);
	}
	free(p);
}

void zs_model_release_shadow(struct zs_obj *o)
{
	shadow_put(o->bytes, o->size);
	memset(o, 0, sizeof(*o));
}

int zs_model_alloc(struct zs_model *m, size_t size)
{
	struct zs_obj *o;
	unsigned long h;
	unsigned int step;
	int slot = -1;

	for (int i = 0; i < ZS_MODEL_SLOTS; i++) {
		if (!m->obj[i].handle) {
			slot = i;
			break;
		}
	}
	if (slot < 0)
		return -1;
	step = zs_check_class_of(m->pool, &m->info, size);
	h = zs_malloc(m->pool, size);
	if (!h) {
		unsigned long need = zs_model_frames_for_alloc(m, size);

		if (zs_model_frames_short(m, need))
			return -1;
		zs_fuzz_fail("zs_malloc(%zu) failed with %lu of %lu page "
			     "frames in use, %lu needed (page %zu, chain %u, "
			     "physmem %u, %u live)",
			     size, zs_get_total_pages(m->pool),
			     m->info.max_pages, need, m->info.page_size,
			     m->info.max_pages_per_zspage, m->info.physmem_bits,
			     m->live);
	}
	zs_model_check_new_handle(m, h);
	note_used_class(m, step);
	o = &m->obj[slot];
	o->bytes = shadow_get(size);
	if (!o->bytes)
		zs_fuzz_fail("out of memory for the shadow of %zu bytes", size);
	o->def = o->bytes + size; /* cleared by the first partial fill */
	o->handle = h;
	o->size = size;
	o->ndef = 0;
	m->live++;
	return slot;
}

void zs_model_free(struct zs_model *m, int slot)
{
	struct zs_obj *o = &m->obj[slot];

	if (!o->handle)
		return;
	zs_model_settle(m, slot);
	if (m->mapped >= 0)
		zs_model_unmap(m);
	zs_free(m->pool, o->handle);
	zs_model_note_free(m, o->handle);
	zs_model_release_shadow(o);
	m->live--;
}

/* Index of the first byte where p differs from bytes[0, n), or n. */
NO_COVERAGE static size_t run_difference(const uint8_t *p, const uint8_t *bytes,
					 size_t n)
{
	size_t i;

	if (memcmp(p, bytes, n) == 0)
		return n;
	for (i = 0; p[i] == bytes[i]; i++)
		;
	return i;
}

/*
 * Only defined bytes are compared (an undefined one may hold anything,
 * and reading it would be a use of uninitialised memory under MSan). They
 * come in a few runs, found with memchr over the flags and each compared
 * with one memcmp: a check per byte made this loop a sixth of zs_threads.
 */
NO_COVERAGE static size_t first_difference(const struct zs_obj *o,
					   const uint8_t *p)
{
	size_t i = 0, end, d;

	if (o->ndef == o->size)
		return run_difference(p, o->bytes, o->size);
	while (i < o->size) {
		const uint8_t *on = memchr(o->def + i, 1, o->size - i);
		const uint8_t *off;

		if (!on)
			break;
		i = (size_t)(on - o->def);
		off = memchr(o->def + i, 0, o->size - i);
		end = off ? (size_t)(off - o->def) : o->size;
		d = run_difference(p + i, o->bytes + i, end - i);
		if (d != end - i)
			return i + d;
		i = end;
	}
	return o->size;
}

void zs_model_compare(const struct zs_model *m, int slot, const uint8_t *p)
{
	const struct zs_obj *o = &m->obj[slot];
	size_t i;

	if (o->ndef == 0)
		return;
	i = first_difference(o, p);
	if (i == o->size)
		return;
	zs_fuzz_fail("object %#lx (slot %d, size %zu, page %zu, chain %u): "
		     "byte %zu is %#x, expected %#x%s%s",
		     o->handle, slot, o->size, m->info.page_size,
		     m->info.max_pages_per_zspage, i, p[i], o->bytes[i],
		     o->unchecked ? "; first compared since " : "",
		     o->unchecked ? o->unchecked : "");
}

uint8_t *zs_model_map(struct zs_model *m, int slot, enum zs_mapmode mode)
{
	struct zs_obj *o = &m->obj[slot];
	uint8_t *p;

	if (mode == ZS_MM_WO)
		zs_model_settle(m, slot); /* before its bytes are given up */
	if (m->mapped >= 0)
		zs_model_unmap(m);
	zs_access_counts(&m->counts);
	p = zs_map_object(m->pool, o->handle, mode);
	if (!p)
		zs_fuzz_fail("zs_map_object(%#lx, mode %d) returned NULL",
			     o->handle, (int)mode);
	m->spans = zs_work_check_map(&m->counts, mode, o->size, o->handle);
	m->map_own = 0;
	if (mode == ZS_MM_WO) {
		/* WO promises nothing about what the mapping holds. */
		zs_obj_undefine(o);
	} else {
		zs_model_compare(m, slot, p);
	}
	o->unchecked = NULL;
	m->mapped = slot;
	m->mode = mode;
	m->map = p;
	return p;
}

/*
 * zs_pattern_byte block by block: i * 167 mod 256 only depends on i mod
 * 256 (a table), and the rest is one constant per 256-byte block, so each
 * block is a table row plus a constant: a loop with no carried value,
 * which vectorises (an accumulator would not). (Calling the inline from
 * here would not inline it: the sanitizer attributes differ.)
 */
static uint8_t pattern_row[256];
static pthread_once_t pattern_once = PTHREAD_ONCE_INIT;

static void pattern_row_init(void)
{
	for (unsigned int k = 0; k < 256; k++)
		pattern_row[k] = (uint8_t)(k * 167u);
}

/*
 * The first and last byte of a span, touched with ASan's checks: a fill
 * that runs past the end of its buffer (or starts before it) is reported
 * here. Every byte checked was a quarter of zs_bulk's time, for spans
 * that are the harness's own buffers.
 */
static void touch_ends(uint8_t *dst, size_t len)
{
	volatile uint8_t *v = dst;

	if (len)
		(void)(v[0] + v[len - 1]);
}

static ZS_FUZZ_OWN_BYTES void fill_unchecked(uint8_t *dst, size_t off,
					     size_t len, uint8_t seed)
{
	pthread_once(&pattern_once, pattern_row_init);
	for (size_t done = 0, n; done < len; done += n) {
		size_t i = off + done, in = i & 255;
		uint8_t c = (uint8_t)(seed + (i >> 8) * 13u);

		n = 256 - in < len - done ? 256 - in : len - done;
		for (size_t k = 0; k < n; k++)
			dst[done + k] = (uint8_t)(pattern_row[in + k] + c);
	}
}

void zs_pattern_fill(uint8_t *dst, size_t off, size_t len, uint8_t seed)
{
	touch_ends(dst, len);
	fill_unchecked(dst, off, len, seed);
}

/* Only the harness's own shadow is written here: no ASan checks needed. */
ZS_FUZZ_OWN_BYTES void zs_model_fill(struct zs_obj *o, size_t off, size_t len,
				     uint8_t seed)
{
	size_t newly = 0;

	zs_pattern_fill(o->bytes + off, off, len, seed);
	if (o->ndef == o->size)
		return;
	if (len == o->size) { /* all defined: the flags say nothing now */
		o->ndef = o->size;
		return;
	}
	if (o->ndef == 0) {
		memset(o->def, 0, o->size); /* whatever they said before */
		newly = len;
	} else {
		for (size_t i = off; i < off + len; i++)
			newly += o->def[i] == 0;
	}
	memset(o->def + off, 1, len);
	o->ndef += newly;
}

/* Through an RO mapping of a straddling object: only the copy changes.
 * Built in a buffer of ours, copied (checked) into the library's. */
static void write_ro_copy(struct zs_model *m, size_t off, size_t len,
			  uint8_t seed)
{
	uint8_t block[256];

	for (size_t done = 0, n; done < len; done += n) {
		n = len - done < sizeof(block) ? len - done : sizeof(block);
		zs_pattern_fill(block, off + done, n, seed);
		memcpy(m->map + off + done, block, n);
	}
	m->map_own = 1;
}

void zs_model_write(struct zs_model *m, size_t off, size_t len, uint8_t seed)
{
	struct zs_obj *o;

	if (m->mapped < 0)
		return;
	o = &m->obj[m->mapped];
	if (m->mode == ZS_MM_RO && o->ndef == 0)
		return;
	if (off >= o->size)
		off %= o->size;
	if (len > o->size - off)
		len = o->size - off;
	if (m->mode == ZS_MM_RO && m->spans) {
		write_ro_copy(m, off, len, seed);
		return;
	}
	zs_model_fill(o, off, len, seed);
	memcpy(m->map + off, o->bytes + off, len);
}

void zs_model_check_mapping(const struct zs_model *m)
{
	if (m->mapped >= 0 && m->mode != ZS_MM_WO && !m->map_own)
		zs_model_compare(m, m->mapped, m->map);
}

void zs_model_unmap(struct zs_model *m)
{
	const struct zs_obj *o;

	if (m->mapped < 0)
		return;
	o = &m->obj[m->mapped];
	zs_access_counts(&m->counts);
	zs_unmap_object(m->pool, o->handle);
	zs_work_check_unmap(&m->counts, m->mode, m->spans, o->size, o->handle);
	m->mapped = -1;
	m->map = NULL;
}

void zs_model_verify(struct zs_model *m, int slot)
{
	if (!m->obj[slot].handle)
		return;
	zs_model_map(m, slot, ZS_MM_RO);
	zs_model_unmap(m);
}

void zs_model_verify_all(struct zs_model *m)
{
	for (int i = 0; i < ZS_MODEL_SLOTS; i++)
		zs_model_verify(m, i);
}

void zs_model_moved(struct zs_model *m, const char *by)
{
	for (int i = 0; i < ZS_MODEL_SLOTS; i++)
		if (m->obj[i].handle)
			m->obj[i].unchecked = by;
}

void zs_model_settle(struct zs_model *m, int slot)
{
	struct zs_obj *o = &m->obj[slot];
	uint8_t *copy, *p;

	if (!o->handle || !o->unchecked)
		return;
	if (o->ndef == 0) { /* nothing to compare */
		o->unchecked = NULL;
		return;
	}
	if (slot == m->mapped) /* (a mapping was compared when made) */
		zs_model_unmap(m);
	copy = shadow_get(o->size);
	if (!copy)
		zs_fuzz_fail("out of memory for %zu bytes", o->size);
	p = zs_obj_read_begin(m->pool, o->handle, copy);
	if (!p)
		zs_fuzz_fail("zs_obj_read_begin(%#lx) returned NULL",
			     o->handle);
	zs_model_compare(m, slot, p);
	zs_obj_read_end(m->pool, o->handle, p);
	shadow_put(copy, o->size);
	o->unchecked = NULL;
}

int zs_model_pick_live(const struct zs_model *m, unsigned int hint)
{
	for (unsigned int k = 0; k < ZS_MODEL_SLOTS; k++) {
		unsigned int i = (hint + k) % ZS_MODEL_SLOTS;

		if (m->obj[i].handle)
			return (int)i;
	}
	return -1;
}

/*
 * The groups bound the objects in use: an almost-empty zspage holds 1..t
 * objects and an almost-full one t+1..objs-1, with t = 3/4 of objs
 * (rounded down), as the kernel files them since 2015.
 */
static void check_fullness_bounds(const struct zs_class_stat *st)
{
	unsigned long objs = st->objs_per_zspage;
	unsigned long t = 3 * objs / 4;
	unsigned long ae = st->zspages[ZS_ALMOST_EMPTY];
	unsigned long af = st->zspages[ZS_ALMOST_FULL];
	unsigned long full = st->zspages[ZS_FULL] * objs;
	unsigned long lo = full + ae + af * (t + 1);
	unsigned long hi = full + ae * t + af * (objs ? objs - 1 : 0);

	if (st->obj_used < lo || st->obj_used > hi)
		zs_fuzz_fail("class %u (%u objs per zspage): %lu in use does "
			     "not fit %lu almost-empty and %lu almost-full "
			     "zspages (threshold %lu): [%lu, %lu]",
			     st->index, st->objs_per_zspage, st->obj_used, ae,
			     af, t, lo, hi);
}

/* Whole zspages, and their objects in use (model.h). */
void zs_model_check_class(const struct zs_class_stat *st)
{
	unsigned long nz = 0, partial;

	for (int g = 0; g < ZS_NR_FULLNESS_GROUPS; g++)
		nz += st->zspages[g];
	partial = st->zspages[ZS_ALMOST_EMPTY] + st->zspages[ZS_ALMOST_FULL];
	check_fullness_bounds(st);
	if (st->zspages[ZS_EMPTY] != 0 ||
	    st->obj_allocated != nz * st->objs_per_zspage ||
	    st->pages_used != nz * st->pages_per_zspage ||
	    st->obj_used > st->obj_allocated ||
	    st->obj_used <
		    st->zspages[ZS_FULL] * st->objs_per_zspage + partial ||
	    st->obj_used + partial > st->obj_allocated)
		zs_fuzz_fail("class %u (size %zu, %u pages, %u objs): "
			     "zspages %lu/%lu/%lu/%lu, allocated %lu, used "
			     "%lu, pages %lu do not add up",
			     st->index, st->size, st->pages_per_zspage,
			     st->objs_per_zspage, st->zspages[0],
			     st->zspages[1], st->zspages[2], st->zspages[3],
			     st->obj_allocated, st->obj_used, st->pages_used);
}

/*
 * The classes' counts against their zspages, and their sums against the
 * pool and the model. every: all serving classes; else only those the
 * model allocated from, whose sums then leave every other class without
 * a page or an object (the check at the end of an input reads them all).
 */
static void check_stats(struct zs_model *m, bool every)
{
	struct zs_class_stat st;
	unsigned long pages = 0, used = 0, total;
	unsigned short used_steps[ZS_MODEL_MAX_STEPS];
	const unsigned short *serving = used_steps;
	unsigned int n;

	if (every)
		serving = zs_model_serving(m, &n);
	else
		n = zs_model_used_classes(m, used_steps);

	for (unsigned int k = 0; k < n; k++) {
		if (zs_class_stat(m->pool, serving[k], &st) != 0)
			zs_fuzz_fail("zs_class_stat(%u) failed", serving[k]);
		if (st.merged_into != serving[k])
			zs_fuzz_fail("step %u served by %u, was by itself",
				     serving[k], st.merged_into);
		zs_model_check_class(&st);
		pages += st.pages_used;
		used += st.obj_used;
	}
	total = zs_get_total_pages(m->pool);
	if (pages != total || used != m->live)
		zs_fuzz_fail("classes hold %lu pages and %lu objects; pool "
			     "says %lu pages, model has %u objects",
			     pages, used, total, m->live);
}

static void full_check(struct zs_model *m, bool every)
{
	int rc;

	zs_model_unmap(m);
	if (m->sole)
		zs_fuzz_pages_check_closed("with nothing held");
	rc = zs_pool_check(m->pool);
	if (rc != 0)
		zs_fuzz_fail("zs_pool_check returned %d", rc);
	if (!m->shared_pool)
		check_stats(m, every);
}

void zs_model_check_pool(struct zs_model *m)
{
	/* zs_pool_check walks every free list and the stats every class:
	 * a few per input find what more would, at a fraction of the time. */
	if (m->checks < ZS_MODEL_FULL_CHECKS) {
		m->checks++;
		full_check(m, false);
	}
}

void zs_model_free_all(struct zs_model *m)
{
	zs_model_unmap(m);
	for (int i = 0; i < ZS_MODEL_SLOTS; i++)
		zs_model_free(m, i);
}

void zs_model_finish(struct zs_model *m)
{
	unsigned long pages;

	zs_model_unmap(m);
	if (m->sole)
		zs_fuzz_pages_check_closed("at the end, nothing held");
	zs_model_verify_all(m);
	zs_model_free_all(m);
	pages = zs_get_total_pages(m->pool);
	if (pages != 0)
		zs_fuzz_fail("%lu pages still held after every object was "
			     "freed",
			     pages);
	full_check(m, true);
}

int zs_model_take_out(struct zs_model *m, int slot, struct zs_obj *out)
{
	if (slot < 0 || !m->obj[slot].handle)
		return -1;
	if (m->mapped >= 0)
		zs_model_unmap(m);
	*out = m->obj[slot];
	memset(&m->obj[slot], 0, sizeof(m->obj[slot]));
	m->live--;
	return 0;
}

int zs_model_put_in(struct zs_model *m, struct zs_obj *obj)
{
	/* a shared pool's classes are never read by class (other threads) */
	if (!m->shared_pool)
		note_used_class(
			m, zs_check_class_of(m->pool, &m->info, obj->size));
	for (int i = 0; i < ZS_MODEL_SLOTS; i++) {
		if (!m->obj[i].handle) {
			m->obj[i] = *obj;
			m->live++;
			return i;
		}
	}
	return -1;
}
