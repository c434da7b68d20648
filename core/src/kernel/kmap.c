// SPDX-License-Identifier: MIT
#include "kmap.h"

#include "report.h"

struct kmap_stack {
	unsigned int depth;
	unsigned long total; /* pages mapped, ever */
	void *addr[ZS_KMAP_DEPTH];
	struct zs_page *page[ZS_KMAP_DEPTH];
};

static _Thread_local struct kmap_stack kmap_stack;

void *kmap_atomic(struct zs_page *page)
{
	struct kmap_stack *s = &kmap_stack;

	if (!page || !page->mem) {
		zs_report("kmap_atomic", "page %p has no memory", (void *)page);
		return NULL;
	}
	if (s->depth == ZS_KMAP_DEPTH) {
		zs_report("kmap_atomic",
			  "nesting deeper than %d mappings (pfn %u)",
			  ZS_KMAP_DEPTH, (unsigned int)page->pfn);
		return NULL;
	}
	s->addr[s->depth] = page->mem;
	s->page[s->depth] = page;
	s->depth++;
	s->total++;
	return page->mem;
}

bool kunmap_atomic(void *addr)
{
	struct kmap_stack *s = &kmap_stack;

	if (s->depth == 0) {
		zs_report("kunmap_atomic", "%p: nothing is mapped", addr);
		return false;
	}
	if (s->addr[s->depth - 1] != addr) {
		zs_report("kunmap_atomic",
			  "%p is not the last address mapped (%p, depth %u)",
			  addr, s->addr[s->depth - 1], s->depth);
		return false;
	}
	s->depth--;
	s->addr[s->depth] = NULL;
	s->page[s->depth] = NULL;
	return true;
}

unsigned int kmap_depth(void)
{
	return kmap_stack.depth;
}

unsigned long kmap_total(void)
{
	return kmap_stack.total;
}
