/* SPDX-License-Identifier: MIT */
/*
 * The fuzzers' own page provider: a pool with it takes the core's paths
 * for a provider that is not the built-in one (no give-back on
 * zs_compact or zs_destroy_pool, its free_page called for every page).
 * Its pages are the built-in provider's (zs_builtin_page_provider), so
 * that pools of either kind share one set of freed pages kept resident
 * between inputs (the trim threshold input.c sets) rather than two.
 * Thread-safe; the inputs choose it or the built-in provider.
 */
#ifndef ZS_FUZZ_PAGES_H
#define ZS_FUZZ_PAGES_H

#include <stdbool.h>

#include "zsmalloc.h"

extern const struct zs_page_provider zs_recycling_pages;

/*
 * Called as an input sets up its pools: freed pages of either provider
 * stay resident for the inputs after, which would only fault them in
 * again (a kernel cost, no test), up to a budget; past it they go back to
 * the system as they do in any program.
 */
void zs_fuzz_pages_begin(void);

/*
 * The budget, for the inputs set up after: 20 MiB unless a target that
 * takes more again (zs_ops) sets more. Every byte of it is resident in a
 * long run, within the targets' 128 MB.
 */
void zs_fuzz_pages_keep(size_t bytes);

/* Pages of zs_recycling_pages handed out and not given back. */
unsigned int zs_fuzz_pages_out(void);

/*
 * Under ASan: fail unless every byte of every page handed out and not
 * given back is closed, as the core leaves them when no pool holds an
 * object (mapped, being read or written). Call only at such a point.
 * Elsewhere nothing.
 */
void zs_fuzz_pages_check_closed(const char *when);
/* Does zs_fuzz_pages_check_closed look (an ASan build)? */
bool zs_fuzz_pages_check_is_real(void);

#endif /* ZS_FUZZ_PAGES_H */
