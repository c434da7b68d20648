// SPDX-License-Identifier: MIT
/*
 * zstore_roundtrip: writes, reads and discards of input-chosen pages
 * (same-filled, compressible, incompressible, partly random) on a store of
 * an input-chosen backend, compressor, size and memory limit. Every read
 * must equal the last successful write of its slot (zeros if none), a
 * failed write must be -ENOMEM with a limit set and change nothing, the
 * pool must stay within the limit, and the statistics must add up.
 *
 * Input: [page size u8 (% 3)][flags u8: bit 0 zbud, bit 1 zstd, bit 2
 * built-in page provider][slots u8 (1 + b % 32)][limit u8 (0: none, else
 * b pages)] then ops (docs/zstore.md).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zstore.h>

#include "fail.h"
#include "harness.h"
#include "input.h"
#include "pages.h"

#define MAX_SLOTS 32
#define MAX_OPS	  256

enum op { OP_WRITE, OP_READ, OP_DISCARD, OP_STATS, NR_OPS };

enum page_kind {
	PAGE_SAME,	/* every word equal */
	PAGE_TEXT,	/* compresses well */
	PAGE_RANDOM,	/* does not compress: huge */
	PAGE_PARTLY,	/* param random bytes, then zeros */
	PAGE_NEAR_SAME, /* same-filled but for one byte */
	NR_PAGE_KINDS
};

struct model_slot {
	bool written;
	enum page_kind kind;
	uint8_t *page;
};

struct roundtrip {
	struct zstore *store;
	size_t page_size, nr_slots;
	uint64_t limit;
	struct model_slot slot[MAX_SLOTS];
	uint8_t *buf, *back;
};

/* xorshift64: a macro, so make_page's loops keep it inline (a function
 * with other sanitizer attributes would not be inlined there). */
#define NEXT_RAND(x) ((x) ^= (x) << 13, (x) ^= (x) >> 7, (x) ^= (x) << 17, (x))

/* n bytes of xorshift64 output from state x, a whole word per step. */
ZS_FUZZ_OWN_BYTES static void random_bytes(uint8_t *p, size_t n, uint64_t x)
{
	size_t i = 0;
	uint64_t w;

	for (; i + sizeof(w) <= n; i += sizeof(w)) {
		w = NEXT_RAND(x);
		memcpy(p + i, &w, sizeof(w)); /* a constant size: one store */
	}
	w = NEXT_RAND(x);
	for (; i < n; i++, w >>= 8)
		p[i] = (uint8_t)w;
}

ZS_FUZZ_OWN_BYTES static void make_page(const struct roundtrip *r, uint8_t *p,
					enum page_kind kind, uint8_t seed,
					uint16_t param)
{
	const size_t n = r->page_size;
	uint64_t x = (uint64_t)seed * 0x9e3779b97f4a7c15ull + param + 1;
	unsigned long w = (unsigned long)param * 0x0101010101010101ull;
	size_t k;

	switch (kind) {
	case PAGE_SAME:
		w ^= seed; /* param 0, seed 0: the zero page */
		for (size_t i = 0; i < n; i += sizeof(w))
			memcpy(p + i, &w, sizeof(w));
		return;
	case PAGE_TEXT: {
		/* byte i: 'a' + (i / run + param) % period, counted up */
		unsigned int run = 1u + seed % 8u, period = 1u + param % 26u;
		unsigned int v = param % period, left = run;

		for (size_t i = 0; i < n; i++) {
			p[i] = (uint8_t)('a' + v);
			if (--left == 0) {
				left = run;
				v = v + 1 == period ? 0 : v + 1;
			}
		}
		p[0] = '0'; /* not a letter: never same-filled */
		return;
	}
	case PAGE_RANDOM:
		random_bytes(p, n, x);
		return;
	case PAGE_PARTLY:
		k = 1 + (size_t)param * n / 65536;
		random_bytes(p, k, x);
		memset(p + k, 0, n - k);
		p[n - 1] = (uint8_t)(p[0] + 1); /* never same-filled */
		return;
	default:
		for (size_t i = 0; i < n; i += sizeof(w))
			memcpy(p + i, &w, sizeof(w));
		p[param % n] ^= (uint8_t)(seed | 1u);
		return;
	}
}

/* Index of the first nonzero byte of p[0..n), or n. */
ZS_FUZZ_OWN_BYTES static size_t first_nonzero(const uint8_t *p, size_t n)
{
	size_t i = 0;
	uint64_t w;

	/* a word at a time up to the word that is not zero */
	for (; i + sizeof(w) <= n; i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		if (w)
			break;
	}
	while (i < n && p[i] == 0)
		i++;
	return i;
}

static void check_read(struct roundtrip *r, size_t s)
{
	int err = zstore_read(r->store, s, r->back);
	size_t i;

	if (err)
		zs_fuzz_fail("read of slot %zu: %d", s, err);
	if (!r->slot[s].written) {
		i = first_nonzero(r->back, r->page_size);
		if (i < r->page_size)
			zs_fuzz_fail("empty slot %zu: byte %zu is %u", s, i,
				     r->back[i]);
		return;
	}
	if (memcmp(r->back, r->slot[s].page, r->page_size) != 0)
		zs_fuzz_fail("slot %zu does not read as last written", s);
}

/* The kind a slot must have, given what the model knows. */
static bool kind_ok(const struct model_slot *m, enum zstore_slot_kind k)
{
	if (!m->written)
		return k == ZSTORE_SLOT_EMPTY;
	switch (m->kind) {
	case PAGE_SAME:
		return k == ZSTORE_SLOT_SAME;
	case PAGE_TEXT:
		return k == ZSTORE_SLOT_COMPRESSED;
	case PAGE_RANDOM:
		return k == ZSTORE_SLOT_HUGE;
	default: /* depends on the compressor */
		return k == ZSTORE_SLOT_COMPRESSED || k == ZSTORE_SLOT_HUGE;
	}
}

static void check_stats(struct roundtrip *r)
{
	struct zstore_stats st;
	uint64_t same = 0, huge = 0, comp = 0, bytes = 0;

	for (size_t s = 0; s < r->nr_slots; s++) {
		enum zstore_slot_kind k;
		size_t b;

		if (zstore_slot_info(r->store, s, &k, &b) != 0 ||
		    !kind_ok(&r->slot[s], k))
			zs_fuzz_fail("slot %zu has kind %d", s, (int)k);
		same += k == ZSTORE_SLOT_SAME;
		huge += k == ZSTORE_SLOT_HUGE;
		comp += k == ZSTORE_SLOT_COMPRESSED;
		if ((k == ZSTORE_SLOT_HUGE && b != r->page_size) ||
		    (k == ZSTORE_SLOT_COMPRESSED &&
		     (b == 0 || b > r->page_size / 4 * 3)))
			zs_fuzz_fail("slot %zu: kind %d with %zu bytes", s,
				     (int)k, b);
		bytes += b;
	}
	zstore_get_stats(r->store, &st);
	if (st.same_pages != same || st.huge_pages != huge ||
	    st.pages_stored != same + huge + comp ||
	    st.orig_data_size != st.pages_stored * r->page_size ||
	    st.compr_data_size != bytes)
		zs_fuzz_fail("stats do not add up: stored %llu same %llu huge "
			     "%llu compr %llu",
			     (unsigned long long)st.pages_stored,
			     (unsigned long long)st.same_pages,
			     (unsigned long long)st.huge_pages,
			     (unsigned long long)st.compr_data_size);
	if (st.mem_used_total < st.compr_data_size ||
	    st.mem_used_max < st.mem_used_total ||
	    (huge + comp == 0 && st.mem_used_total != 0) ||
	    (r->limit && st.mem_used_max > r->limit))
		zs_fuzz_fail("memory: used %llu max %llu compr %llu limit %llu",
			     (unsigned long long)st.mem_used_total,
			     (unsigned long long)st.mem_used_max,
			     (unsigned long long)st.compr_data_size,
			     (unsigned long long)r->limit);
}

static void op_write(struct roundtrip *r, struct zs_input *in)
{
	size_t s = zs_input_u8(in) % r->nr_slots;
	enum page_kind kind = (enum page_kind)(zs_input_u8(in) % NR_PAGE_KINDS);
	uint8_t seed = zs_input_u8(in);
	uint16_t param = zs_input_u16(in);
	struct model_slot *m = &r->slot[s];
	int err;

	make_page(r, r->buf, kind, seed, param);
	err = zstore_write(r->store, s, r->buf);
	if (err == -ENOMEM && r->limit && kind != PAGE_SAME)
		return; /* refused: the slot must read as before */
	if (err)
		zs_fuzz_fail("write of slot %zu (kind %d): %d", s, (int)kind,
			     err);
	memcpy(m->page, r->buf, r->page_size);
	m->written = true;
	m->kind = kind;
}

static void run_op(struct roundtrip *r, struct zs_input *in, unsigned int op)
{
	size_t s;

	switch (op) {
	case OP_WRITE:
		op_write(r, in);
		return;
	case OP_READ:
		check_read(r, zs_input_u8(in) % r->nr_slots);
		return;
	case OP_DISCARD:
		s = zs_input_u8(in) % r->nr_slots;
		if (zstore_discard(r->store, s) != 0)
			zs_fuzz_fail("discard of slot %zu failed", s);
		r->slot[s].written = false;
		return;
	default:
		check_stats(r);
		return;
	}
}

static void setup(struct roundtrip *r, struct zs_input *in)
{
	static const size_t page_sizes[] = {4096, 16384, 65536};
	struct zstore_config cfg = {0};
	uint8_t flags;
	int err;

	memset(r, 0, sizeof(*r));
	zs_fuzz_pages_begin();
	r->page_size = page_sizes[zs_input_u8(in) % 3];
	flags = zs_input_u8(in);
	r->nr_slots = 1 + zs_input_u8(in) % MAX_SLOTS;
	r->limit = (uint64_t)zs_input_u8(in) * r->page_size;
	cfg.nr_pages = r->nr_slots;
	cfg.page_size = r->page_size;
	cfg.backend = flags & 1 ? "zbud" : "zsmalloc";
	cfg.comp = flags & 2 ? ZSTORE_ZSTD : ZSTORE_LZ4;
	cfg.pages = flags & 4 ? NULL : &zs_recycling_pages;
	cfg.mem_limit = r->limit;
	r->store = zstore_create(&cfg, &err);
	r->buf = malloc(r->page_size);
	r->back = malloc(r->page_size);
	if (!r->store || !r->buf || !r->back)
		zs_fuzz_fail("no store (%d) or buffers", err);
	for (size_t s = 0; s < r->nr_slots; s++) {
		r->slot[s].page = malloc(r->page_size);
		if (!r->slot[s].page)
			zs_fuzz_fail("out of memory");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zs_input in;
	struct roundtrip r;

	zs_input_init(&in, data, size);
	setup(&r, &in);
	for (int n = 0; n < MAX_OPS && zs_input_left(&in); n++)
		run_op(&r, &in, zs_input_u8(&in) % NR_OPS);
	check_stats(&r);
	/* zstore holds an object only within a call */
	zs_fuzz_pages_check_closed("at the end, nothing held");
	for (size_t s = 0; s < r.nr_slots; s++) {
		check_read(&r, s);
		free(r.slot[s].page);
	}
	zstore_destroy(r.store);
	free(r.buf);
	free(r.back);
	return 0;
}
