// SPDX-License-Identifier: MIT
#include "page.h"

#include <stdint.h>
#include <stdlib.h>

#include "report.h"
#include "sanitize.h"

static void *heap_alloc_page(void *ctx, size_t page_size)
{
	void *p = NULL;

	(void)ctx;
	if (posix_memalign(&p, page_size, page_size) != 0)
		return NULL;
	return p;
}

static void heap_free_page(void *ctx, void *page, size_t page_size)
{
	(void)ctx;
	(void)page_size;
	free(page);
}

const struct zs_page_provider zs_default_page_provider = {
	.alloc_page = heap_alloc_page,
	.free_page = heap_free_page,
	.ctx = NULL,
};

int zs_page_get_mem(struct zs_page *page, const struct zs_page_provider *pv,
		    size_t page_size)
{
	void *mem = pv->alloc_page(pv->ctx, page_size);

	if (!mem)
		return -1;
	if ((uintptr_t)mem & (page_size - 1)) {
		zs_report("page provider",
			  "page %p is not aligned to %zu bytes", mem,
			  page_size);
		pv->free_page(pv->ctx, mem, page_size);
		return -1;
	}
	zs_san_close(mem, page_size);
	page->mem = mem;
	return 0;
}

void zs_page_put_mem(struct zs_page *page, const struct zs_page_provider *pv,
		     size_t page_size)
{
	ZS_BUG_ON(!page->mem);
	zs_san_open_defined(page->mem, page_size);
	pv->free_page(pv->ctx, page->mem, page_size);
	page->mem = NULL;
}
