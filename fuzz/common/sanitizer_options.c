// SPDX-License-Identifier: MIT
/*
 * Defaults for the sanitizers a harness runs under; ASAN_OPTIONS still
 * overrides each of them.
 *
 * quarantine_size_mb: ASan keeps freed heap chunks unusable for its
 * quarantine's worth of later frees, 256 MiB by default. Page memory and
 * the core's tables never pass through malloc, object shadows and read
 * copies come from reused blocks (model.c, scratch.c), so an input frees
 * little heap. Measured over 40 s of fuzzing each target, the heap one
 * input frees: at most 0.3-0.9 MiB in zs_bulk, zs_faults, zs_ops and
 * zs_threads; above 2 MiB in 1.7% of zs_misuse's inputs and 3.0% of
 * zpool_diff's (large descriptors, pools made and destroyed by the
 * hundred; up to 19.7 MiB, which the 8 MiB used before did not hold
 * either). So 2 MiB keeps every chunk an input frees closed for the rest
 * of that input in nearly every input. More only cycles fresh memory
 * through ASan's size classes, each of which grows to hold its share of
 * the quarantine: zs_misuse peaked at 156 MB of RSS with 8 MiB, 107 with 2.
 */
#include "checkers.h"

#ifdef ZS_FUZZ_ASAN
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
	return "quarantine_size_mb=2";
}
#else
/* ISO C wants something in every translation unit. */
typedef int zs_fuzz_no_sanitizer_options;
#endif
