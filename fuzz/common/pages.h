/* SPDX-License-Identifier: MIT */
/*
 * A page provider that keeps freed pages for the next pool instead of
 * giving them back to malloc: under ASan, fresh page-aligned memory for
 * every input costs more than the allocator itself. Cached pages are
 * poisoned (ASan, Valgrind), and a page handed out is filled with a fixed
 * pattern (or left uninitialised under MSan and Valgrind), so nothing of
 * an earlier input can be seen: runs stay deterministic.
 * Thread-safe; the inputs choose it or the library's built-in provider.
 */
#ifndef ZS_FUZZ_PAGES_H
#define ZS_FUZZ_PAGES_H

#include "zsmalloc.h"

extern const struct zs_page_provider zs_recycling_pages;

#endif /* ZS_FUZZ_PAGES_H */
