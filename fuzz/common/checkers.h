/* SPDX-License-Identifier: MIT */
/*
 * Telling ASan, MSan and memcheck about the harnesses' own buffers (page
 * cache, scratch blocks): the fuzz side's counterpart of the core's
 * kernel/sanitize.h, which the harnesses do not include (they see the
 * public header only).
 *
 * close: nobody may touch the bytes (ASan poison, memcheck NOACCESS).
 * open_undefined: the bytes may be used and hold nothing yet (ASan
 *   unpoison, MSan uninitialised, memcheck UNDEFINED).
 * forget: ASan's poison lifted before the memory is unmapped or freed,
 *   since its shadow outlives a mapping.
 */
#ifndef ZS_FUZZ_CHECKERS_H
#define ZS_FUZZ_CHECKERS_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define ZS_FUZZ_ASAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(ZS_FUZZ_ASAN)
#define ZS_FUZZ_ASAN 1
#endif
#if __has_feature(memory_sanitizer)
#define ZS_FUZZ_MSAN 1
#endif
#if __has_feature(thread_sanitizer)
#define ZS_FUZZ_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(ZS_FUZZ_TSAN)
#define ZS_FUZZ_TSAN 1
#endif

#ifdef ZS_FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#endif
#ifdef ZS_FUZZ_MSAN
#include <sanitizer/msan_interface.h>
#endif
#ifdef ZS_VALGRIND
#include <valgrind/memcheck.h>
#endif

static inline void zs_fuzz_close(void *p, size_t n)
{
#ifdef ZS_FUZZ_ASAN
	ASAN_POISON_MEMORY_REGION(p, n);
#endif
#ifdef ZS_VALGRIND
	VALGRIND_MAKE_MEM_NOACCESS(p, n);
#endif
	(void)p;
	(void)n;
}

static inline void zs_fuzz_open_undefined(void *p, size_t n)
{
#ifdef ZS_FUZZ_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
#ifdef ZS_FUZZ_MSAN
	__msan_allocated_memory(p, n);
#endif
#ifdef ZS_VALGRIND
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
#endif
	(void)p;
	(void)n;
}

static inline void zs_fuzz_forget(void *p, size_t n)
{
#ifdef ZS_FUZZ_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
	(void)p;
	(void)n;
}

#endif /* ZS_FUZZ_CHECKERS_H */
