/* SPDX-License-Identifier: MIT */
/*
 * Telling the memory checkers which page bytes may be touched.
 *
 * close: nobody may touch these bytes (ASan poison, memcheck NOACCESS).
 * open_defined: the bytes hold data (ASan unpoison, memcheck DEFINED; MSan
 *   keeps its own shadow, which survives because MSan never closes).
 * open_undefined: the bytes hold nothing yet (ASan unpoison, memcheck
 *   UNDEFINED, MSan uninitialised).
 *
 * ASan poisons in 8-byte granules; every range the allocator closes starts
 * and ends on an 8-byte boundary (object sizes and offsets are multiples of
 * 8), and an open range only needs an aligned start, so no valid byte is
 * ever reported.
 */
#ifndef ZS_KERNEL_SANITIZE_H
#define ZS_KERNEL_SANITIZE_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define ZS_ASAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#undef ZS_ASAN
#define ZS_ASAN 1
#endif
#if __has_feature(memory_sanitizer)
#define ZS_MSAN 1
#endif
#endif

#if defined(ZS_VALGRIND) && (defined(ZS_ASAN) || defined(ZS_MSAN))
#error "Valgrind client requests cannot be combined with ASan or MSan"
#endif

#if defined(ZS_ASAN)
#include <sanitizer/asan_interface.h>
#endif
#if defined(ZS_MSAN)
#include <sanitizer/msan_interface.h>
#endif
#if defined(ZS_VALGRIND)
#include <valgrind/memcheck.h>
#endif

/* True when page memory is closed between uses (ASan or memcheck). */
#if defined(ZS_ASAN) || defined(ZS_VALGRIND)
#define ZS_POISONS_PAGES 1
#else
#define ZS_POISONS_PAGES 0
#endif

static inline void zs_san_close(const void *p, size_t n)
{
#if defined(ZS_ASAN)
	ASAN_POISON_MEMORY_REGION(p, n);
#elif defined(ZS_VALGRIND)
	(void)VALGRIND_MAKE_MEM_NOACCESS(p, n);
#else
	(void)p;
	(void)n;
#endif
}

static inline void zs_san_open_defined(const void *p, size_t n)
{
#if defined(ZS_ASAN)
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#elif defined(ZS_VALGRIND)
	(void)VALGRIND_MAKE_MEM_DEFINED(p, n);
#else
	(void)p;
	(void)n;
#endif
}

static inline void zs_san_open_undefined(const void *p, size_t n)
{
#if defined(ZS_ASAN)
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#elif defined(ZS_VALGRIND)
	(void)VALGRIND_MAKE_MEM_UNDEFINED(p, n);
#elif defined(ZS_MSAN)
	__msan_allocated_memory(p, n);
#else
	(void)p;
	(void)n;
#endif
}

/*
 * Can zs_san_is_closed tell? Under ASan, and under memcheck when the
 * program runs on it. For tests.
 */
static inline int zs_san_tells_closed(void)
{
#if defined(ZS_ASAN)
	return 1;
#elif defined(ZS_VALGRIND)
	return RUNNING_ON_VALGRIND != 0;
#else
	return 0;
#endif
}

/* Is this byte closed? For tests; false where zs_san_tells_closed is. */
static inline int zs_san_is_closed(const void *p)
{
#if defined(ZS_ASAN)
	return __asan_address_is_poisoned(p);
#elif defined(ZS_VALGRIND)
	unsigned char vbits;

	/* 3: not addressable; memcheck answers without reporting */
	return VALGRIND_GET_VBITS(p, &vbits, 1) == 3;
#else
	(void)p;
	return 0;
#endif
}

#endif /* ZS_KERNEL_SANITIZE_H */
