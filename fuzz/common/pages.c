// SPDX-License-Identifier: MIT
#include "pages.h"

#include "fail.h"

/*
 * 20 MiB: in 30 s runs, zs_misuse took 0.78 page faults an input with
 * 20 MiB and 0.83 with 40, zs_threads 2.9-4.2 and 2.5-3.3 (its runs
 * differ by more than that), and the pool pages' share of RSS grows to it
 * (zs_threads after 2 minutes: 20 MB with 20 MiB, 28 MB and growing with
 * 40; its ten-minute soak peaked at 180 MB with 40). zs_ops, whose
 * inputs take up to 32 MiB of any of three page sizes, faults 1.6-2.8
 * times an input with 20 MiB and 0.3-0.5 with 40, and keeps 40.
 */
static size_t keep_resident = (size_t)20 << 20;

void zs_fuzz_pages_keep(size_t bytes)
{
	keep_resident = bytes;
}

void zs_fuzz_pages_begin(void)
{
	zs_set_page_trim_threshold(keep_resident);
}

/* The sizes the inputs choose (input.c): anything else is a harness bug. */
static int fuzzed_size(size_t page_size)
{
	return page_size == 4096 || page_size == 16384 || page_size == 65536;
}

/*
 * A page comes as fresh heap memory would: addressable, undefined to the
 * memory checkers (the built-in provider opens it so), and holding an
 * earlier pool's bytes when it was used before, zeros when never.
 */
static void *recycled_alloc(void *ctx, size_t page_size)
{
	const struct zs_page_provider *b = zs_builtin_page_provider();
	void *p;

	(void)ctx;
	if (!fuzzed_size(page_size))
		zs_fuzz_fail("alloc_page(%zu): not a fuzzed page size",
			     page_size);
	p = b->alloc_page(b->ctx, page_size);
	if (!p)
		zs_fuzz_fail("out of memory for a %zu-byte page", page_size);
	return p;
}

/* Closed to the memory checkers by the built-in provider, which reports
 * a page it did not give out. */
static void recycled_free(void *ctx, void *page, size_t page_size)
{
	const struct zs_page_provider *b = zs_builtin_page_provider();

	(void)ctx;
	if (!page || !fuzzed_size(page_size))
		zs_fuzz_fail("free_page(%p, %zu): not a page of ours", page,
			     page_size);
	b->free_page(b->ctx, page, page_size);
}

const struct zs_page_provider zs_recycling_pages = {recycled_alloc,
						    recycled_free, NULL};
