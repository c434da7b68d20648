// SPDX-License-Identifier: MIT
/*
 * Defaults for the sanitizers a harness runs under; ASAN_OPTIONS still
 * overrides each of them.
 *
 * quarantine_size_mb: ASan keeps freed heap chunks unusable for its
 * quarantine's worth of later frees, 256 MiB by default. Each input is
 * independent and frees little heap (object shadows come from a reused
 * cache, page memory and the core's tables never pass through malloc), so
 * 8 MiB still holds every chunk an input frees while it runs, and a use
 * after free within an input is caught just the same. The default only
 * cycled fresh memory through every allocation: each input paid page
 * faults and peak RSS went past 300 MB.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZS_FUZZ_ASAN_OPTIONS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ZS_FUZZ_ASAN_OPTIONS 1
#endif

#ifdef ZS_FUZZ_ASAN_OPTIONS
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
	return "quarantine_size_mb=8";
}
#else
/* ISO C wants something in every translation unit. */
typedef int zs_fuzz_no_sanitizer_options;
#endif
