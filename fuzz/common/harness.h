/* SPDX-License-Identifier: MIT */
/* What every harness file shares: the engine's entry point and pool setup. */
#ifndef ZS_FUZZ_HARNESS_H
#define ZS_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "zsmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Creates a pool for a decoded config. Every config the decoder produces
 * is valid, so a NULL pool fails the run unless may_fail (faults injected).
 */
struct zs_pool *zs_fuzz_pool(const struct zs_pool_config *cfg, int may_fail);

#endif /* ZS_FUZZ_HARNESS_H */
