// SPDX-License-Identifier: MIT
#include "kmap.h"

#include "report.h"

_Thread_local struct zs_kmap_stack zs_kmap_stack;

void *zs_kmap_refuse(const struct zs_page *page)
{
	if (!page || !page->mem)
		zs_report("kmap_atomic", "page %p has no memory",
			  (const void *)page);
	else
		zs_report("kmap_atomic",
			  "nesting deeper than %d mappings (pfn %u)",
			  ZS_KMAP_DEPTH, (unsigned int)page->pfn);
	return NULL;
}

bool zs_kunmap_refuse(const void *addr)
{
	const struct zs_kmap_stack *s = &zs_kmap_stack;

	if (s->depth == 0)
		zs_report("kunmap_atomic", "%p: nothing is mapped", addr);
	else
		zs_report("kunmap_atomic",
			  "%p is not the last address mapped (%p, depth %u)",
			  addr, s->addr[s->depth - 1], s->depth);
	return false;
}

unsigned int kmap_depth(void)
{
	return zs_kmap_stack.depth;
}

unsigned long kmap_total(void)
{
	return zs_kmap_stack.total;
}
