/* SPDX-License-Identifier: MIT */
/*
 * How a harness says "the allocator is wrong": a clear message on stderr,
 * then abort(), so every engine (libFuzzer, AFL++, the replay driver under
 * ctest) records a crash with the input that caused it.
 */
#ifndef ZS_FUZZ_FAIL_H
#define ZS_FUZZ_FAIL_H

#if defined(__GNUC__)
#define ZS_FUZZ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ZS_FUZZ_PRINTF(a, b)
#endif

_Noreturn void zs_fuzz_fail(const char *fmt, ...) ZS_FUZZ_PRINTF(1, 2);

#endif /* ZS_FUZZ_FAIL_H */
