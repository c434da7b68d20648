// SPDX-License-Identifier: MIT
/*
 * zs_faults: the pool's pages come from a provider that fails the calls
 * the input chooses (a bit mask over the first 64 calls, then every Nth,
 * plus bursts from the op stream). zs_malloc may fail only when a page
 * allocation failed under it; the pool must stay consistent, keep every
 * object's bytes, and give back every page: the provider counts what it
 * handed out and checks each page that comes back is one of its own.
 * Metadata allocations (zspage descriptors, handle and pfn table
 * leaves, the pool itself) fail on demand too, and none may outlive the
 * pool; some inputs destroy the pool with their objects still live.
 */
#include <stdlib.h>
#include <string.h>

#include "checkers.h"
#include "fail.h"
#include "harness.h"
#include "input.h"
#include "model.h"
#include "ops.h"
#include "pages.h"

/*
 * The library's metadata fault hooks (core/src/kernel/slab.h): not public
 * API, but in the static library every harness links.
 */
void zs_slab_fail_nth(unsigned long nth);
unsigned long zs_slab_attempts(void);
long zs_slab_live(void);

#define PAGE_SET 4096 /* > the most pages 32 objects can hold (512) */

enum fault_op {
	OP_BURST = ZS_NR_COMMON_OPS, /* n u8: fail the next n % 8 + 1 calls */
	OP_CALM,		     /* - : stop the bursts and the every-N */
	OP_SLAB,		     /* n u8, kind u8, param u16: alloc with
					metadata allocation n % 8 + 1 failing */
	NR_FAULT_OPS
};

struct faulty {
	size_t page_size;
	unsigned long calls, live;
	uint64_t mask;	       /* call i < 64 fails when bit i is set */
	unsigned int every;    /* later, call i fails when i % every == 0 */
	unsigned int burst;    /* the next burst calls fail */
	int failed;	       /* a call failed since the op began */
	unsigned long slab_at; /* metadata allocation that fails; 0: none */
	void *pages[PAGE_SET];
};

static const void *const tombstone = &tombstone;

static size_t page_hash(const void *p, size_t page_size)
{
	return ((uintptr_t)p / page_size * 2654435761u) % PAGE_SET;
}

static void set_add(struct faulty *f, void *p)
{
	size_t i = page_hash(p, f->page_size);

	for (size_t k = 0; k < PAGE_SET; k++, i = (i + 1) % PAGE_SET) {
		if (!f->pages[i] || f->pages[i] == tombstone) {
			f->pages[i] = p;
			return;
		}
	}
	zs_fuzz_fail("more than %d live pages", PAGE_SET);
}

static int set_del(struct faulty *f, void *p)
{
	size_t i = page_hash(p, f->page_size);

	for (size_t k = 0; k < PAGE_SET && f->pages[i];
	     k++, i = (i + 1) % PAGE_SET) {
		if (f->pages[i] == p) {
			f->pages[i] = (void *)tombstone;
			return 0;
		}
	}
	return -1;
}

static int should_fail(struct faulty *f, unsigned long call)
{
	if (f->burst > 0) {
		f->burst--;
		return 1;
	}
	if (call < 64)
		return (f->mask >> call) & 1;
	return f->every && call % f->every == 0;
}

static void *faulty_alloc(void *ctx, size_t page_size)
{
	struct faulty *f = ctx;
	unsigned long call = f->calls++;
	void *p;

	if (page_size != f->page_size)
		zs_fuzz_fail("alloc_page(%zu) on a %zu-byte pool", page_size,
			     f->page_size);
	if (should_fail(f, call)) {
		f->failed = 1;
		return NULL;
	}
	/* memory from the recycling cache: an aligned malloc per page cost
	 * an mmap and a munmap under ASan; cached pages are poisoned, so a
	 * touch after free is still caught */
	p = zs_recycling_pages.alloc_page(NULL, page_size);
#ifndef ZS_FUZZ_MSAN
	/* Garbage, not zeros: the allocator must not rely on fresh pages
	 * being clear. Under MSan the bytes stay uninitialised instead. */
	memset(p, 0xa5 ^ (int)(call & 0xff), page_size);
#endif
	set_add(f, p);
	f->live++;
	return p;
}

static void faulty_free(void *ctx, void *page, size_t page_size)
{
	struct faulty *f = ctx;

	if (page_size != f->page_size)
		zs_fuzz_fail("free_page(%p, %zu) on a %zu-byte pool", page,
			     page_size, f->page_size);
	if (set_del(f, page) != 0)
		zs_fuzz_fail("free_page(%p): not a live page of the provider",
			     page);
	f->live--;
	zs_recycling_pages.free_page(NULL, page, page_size);
}

static int fault_excuses(void *ctx)
{
	struct faulty *f = ctx;

	return f->failed || (f->slab_at && zs_slab_attempts() >= f->slab_at);
}

/* Fail metadata allocation n (1: the next) until disarmed. */
static void slab_arm(struct faulty *f, unsigned long n)
{
	f->slab_at = n ? zs_slab_attempts() + n : 0;
	zs_slab_fail_nth(n);
}

static void run_one(struct zs_model *m, struct faulty *f, struct zs_input *in)
{
	unsigned int op = zs_input_u8(in) % NR_FAULT_OPS;

	f->failed = 0;
	if (op == OP_BURST) {
		f->burst = 1 + zs_input_u8(in) % 8;
	} else if (op == OP_CALM) {
		f->burst = 0;
		f->every = 0;
	} else if (op == OP_SLAB) {
		/* a plain alloc: no map, so the thread's map area (metadata
		 * too) is never what fails */
		slab_arm(f, 1 + zs_input_u8(in) % 8);
		zs_run_common_op(m, in, ZS_OP_ALLOC);
		slab_arm(f, 0);
	} else {
		zs_run_common_op(m, in, op);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct faulty f;
	struct zs_page_provider prov = {faulty_alloc, faulty_free, &f};
	struct zs_input in;
	struct zs_fuzz_config cfg;
	struct zs_pool *pool;
	struct zs_model m;
	long slab_live = zs_slab_live();
	int keep_objects;

	zs_input_init(&in, data, size);
	zs_input_config(&in, &cfg);
	memset(&f, 0, sizeof(f));
	f.page_size = cfg.pool.page_size;
	f.mask = zs_input_u64(&in);
	f.every = zs_input_u8(&in);
	cfg.pool.pages = &prov;
	/* target bits: 0 destroy with objects live, 1..4 metadata fault */
	keep_objects = cfg.target_bits & 1;
	slab_arm(&f, (cfg.target_bits >> 1) % 16);
	pool = zs_create_pool_config("faults", &cfg.pool);
	if (!pool && !fault_excuses(&f))
		zs_fuzz_fail("zs_create_pool_config failed, no fault injected");
	slab_arm(&f, 0);
	if (!pool) {
		if (f.live != 0)
			zs_fuzz_fail("failed pool creation kept %lu pages",
				     f.live);
		if (zs_slab_live() != slab_live)
			zs_fuzz_fail("failed pool creation kept %ld metadata "
				     "allocations",
				     zs_slab_live() - slab_live);
		return 0;
	}
	zs_model_init(&m, pool);
	m.sole = 1;
	m.alloc_fail_ok = fault_excuses;
	m.fail_ctx = &f;
	for (int n = 0; n < ZS_MAX_OPS && zs_input_left(&in); n++)
		run_one(&m, &f, &in);
	f.burst = 0;
	f.every = 0;
	f.mask = 0;
	if (keep_objects) {
		/* the pool goes with its objects: every page comes back */
		unsigned int nlive = m.live;

		zs_model_verify_all(&m);
		zs_model_unmap(&m);
		zs_destroy_pool(pool);
		for (int i = 0; i < ZS_MODEL_SLOTS; i++) {
			struct zs_obj o;

			if (zs_model_take_out(&m, i, &o) == 0) {
				zs_model_release_shadow(&o); /* shadow only */
			}
		}
		if (f.live != 0)
			zs_fuzz_fail("%lu provider pages leaked by destroying "
				     "a pool with %u objects",
				     f.live, nlive);
		goto out;
	}
	zs_model_finish(&m);
	if (f.live != 0)
		zs_fuzz_fail("%lu provider pages not given back after every "
			     "object was freed",
			     f.live);
	zs_destroy_pool(pool);
	if (f.live != 0)
		zs_fuzz_fail("%lu provider pages leaked by zs_destroy_pool",
			     f.live);
out:
	if (zs_slab_live() != slab_live)
		zs_fuzz_fail("%ld metadata allocations outlive the pool",
			     zs_slab_live() - slab_live);
	return 0;
}
