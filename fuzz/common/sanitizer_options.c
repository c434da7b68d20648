// SPDX-License-Identifier: MIT
/*
 * Defaults for the sanitizers a harness runs under; ASAN_OPTIONS (and
 * TSAN_OPTIONS) still override each of them.
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
 *
 * Under ThreadSanitizer (preset libfuzzer-tsan, the soak's zs_threads leg)
 * the first report stops the run, and libFuzzer's own counters are not
 * reported (below).
 */
#include "checkers.h"

#ifdef ZS_FUZZ_ASAN
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
	return "quarantine_size_mb=2";
}
#elif defined(ZS_FUZZ_TSAN)
/* TSan calls these while it starts, before an instrumented function's
 * entry hook may run. */
#define ZS_TSAN_EARLY __attribute__((no_sanitize("thread")))

ZS_TSAN_EARLY const char *__tsan_default_options(void);
ZS_TSAN_EARLY const char *__tsan_default_suppressions(void);

/* A report is a finding: stop at the first, so that the engine keeps the
 * input that raced. */
ZS_TSAN_EARLY const char *__tsan_default_options(void)
{
	return "halt_on_error=1:second_deadlock_stack=1";
}

/*
 * libFuzzer's edge counters (-fsanitize=fuzzer) are plain byte increments
 * that every thread makes at every edge, inserted before ThreadSanitizer
 * instruments the code, so it reports them as races: hundreds a minute in
 * zs_threads, all at the start of the counters' section, which the
 * symboliser names __TMC_END__ (crtstuff's symbol at the same address) or
 * __start___sancov_cntrs. Nothing of the core, the model or the harness
 * lives there. The engine binaries only: the replay drivers have no
 * counters.
 */
ZS_TSAN_EARLY const char *__tsan_default_suppressions(void)
{
#ifdef ZS_FUZZ_EDGE_COUNTERS
	return "race:__TMC_END__\n"
	       "race:__start___sancov_cntrs\n";
#else
	return "";
#endif
}
#else
/* ISO C wants something in every translation unit. */
typedef int zs_fuzz_no_sanitizer_options;
#endif
