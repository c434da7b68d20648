/* SPDX-License-Identifier: MIT */
/*
 * kmap_atomic()/kunmap_atomic(): every touch of page memory happens between
 * the two. Each thread keeps a LIFO stack of the pages it has mapped;
 * unmapping must name exactly the address kmap_atomic() returned for the
 * top entry. Violations are reported and change nothing.
 */
#ifndef ZS_KERNEL_KMAP_H
#define ZS_KERNEL_KMAP_H

#include <stdbool.h>

#include "page.h"

/* Like the kernel's KM_TYPE_NR: how deep one thread may nest. */
#define ZS_KMAP_DEPTH 16

/* The page's address, or NULL (reported) when the stack is full. */
void *kmap_atomic(struct zs_page *page);
/* false (reported) unless addr is the top entry's address. */
bool kunmap_atomic(void *addr);
/* Pages the calling thread has mapped now. */
unsigned int kmap_depth(void);
/* kmap_atomic() calls that mapped a page, by the calling thread ever. */
unsigned long kmap_total(void);

#endif /* ZS_KERNEL_KMAP_H */
