/* SPDX-License-Identifier: MIT */
/* What every harness file shares: the engine's entry point and pool setup. */
#ifndef ZS_FUZZ_HARNESS_H
#define ZS_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "zsmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * For the harnesses' own loops over data bytes (making a page, comparing
 * with the model): coverage feedback there is noise, and libFuzzer's
 * comparison hooks, called per byte, would cost most of an execution.
 */
#if defined(__clang__)
#define ZS_FUZZ_NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))
#else
#define ZS_FUZZ_NO_COVERAGE
#endif
/*
 * Also without ASan and UBSan checks, for loops over the harness's own
 * buffers only (never over memory the library handed out): the checks
 * would make them byte-at-a-time and they guard nothing under test.
 */
#if defined(__clang__)
#define ZS_FUZZ_OWN_BYTES                                                      \
	__attribute__((no_sanitize("coverage", "address", "undefined"),        \
		       noinline))
#else
#define ZS_FUZZ_OWN_BYTES
#endif

/*
 * Creates a pool for a decoded config. Every config the decoder produces
 * is valid, so a NULL pool fails the run unless may_fail (faults injected).
 */
struct zs_pool *zs_fuzz_pool(const struct zs_pool_config *cfg, int may_fail);

#endif /* ZS_FUZZ_HARNESS_H */
