/* SPDX-License-Identifier: MIT */
/*
 * kmap_atomic()/kunmap_atomic(): every touch of page memory happens between
 * the two. Each thread keeps a LIFO stack of the pages it has mapped;
 * unmapping must name exactly the address kmap_atomic() returned for the
 * top entry. Violations are reported and change nothing.
 *
 * The two are inline (every map and unmap of an object runs them); the
 * reports are not.
 */
#ifndef ZS_KERNEL_KMAP_H
#define ZS_KERNEL_KMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "page.h"

/* Like the kernel's KM_TYPE_NR: how deep one thread may nest. */
#define ZS_KMAP_DEPTH 16

struct zs_kmap_stack {
	unsigned int depth;
	unsigned long total; /* pages mapped, ever */
	void *addr[ZS_KMAP_DEPTH];
	struct zs_page *page[ZS_KMAP_DEPTH];
};

/* The calling thread's stack; only the functions below touch it. */
extern _Thread_local struct zs_kmap_stack zs_kmap_stack;

/* Report why page cannot be mapped; NULL. */
void *zs_kmap_refuse(const struct zs_page *page);
/* Report why addr cannot be unmapped; false. */
bool zs_kunmap_refuse(const void *addr);

/* The page's address, or NULL (reported) when the stack is full. */
static inline void *kmap_atomic(struct zs_page *page)
{
	struct zs_kmap_stack *s = &zs_kmap_stack;
	void *mem = page ? page->mem : NULL;

	if (!mem || s->depth == ZS_KMAP_DEPTH)
		return zs_kmap_refuse(page);
	s->addr[s->depth] = mem;
	s->page[s->depth] = page;
	s->depth++;
	s->total++;
	return mem;
}

/* false (reported) unless addr is the top entry's address. */
static inline bool kunmap_atomic(void *addr)
{
	struct zs_kmap_stack *s = &zs_kmap_stack;

	if (s->depth == 0 || s->addr[s->depth - 1] != addr)
		return zs_kunmap_refuse(addr);
	s->depth--;
	s->addr[s->depth] = NULL;
	s->page[s->depth] = NULL;
	return true;
}

/* Pages the calling thread has mapped now. */
unsigned int kmap_depth(void);
/* kmap_atomic() calls that mapped a page, by the calling thread ever. */
unsigned long kmap_total(void);

#endif /* ZS_KERNEL_KMAP_H */
