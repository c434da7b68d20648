/* SPDX-License-Identifier: MIT */
/*
 * Compiler hints, empty where the compiler has no such attributes.
 */
#ifndef ZS_KERNEL_COMPILER_H
#define ZS_KERNEL_COMPILER_H

#include <limits.h>

#if defined(__GNUC__)
#define ZS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ZS_NORETURN	__attribute__((noreturn))
/* Off the hot path: the compiler keeps it out of line and out of the way. */
#define ZS_COLD __attribute__((cold, noinline))
/* On the hot path, where a call's saves and restores would cost more. */
#define ZS_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ZS_PRINTF(f, a)
#define ZS_NORETURN
#define ZS_COLD
#define ZS_ALWAYS_INLINE inline
#endif

/*
 * Bytes of a cache line (x86 and most arm64). Fields that one thread writes
 * while others read their neighbours are kept this far apart: a write
 * takes the whole line from every other core's cache.
 */
#define ZS_CACHE_LINE 64

/* Bits in an unsigned long, the word of the bitmaps. */
#define ZS_BITS_PER_LONG ((unsigned int)(sizeof(unsigned long) * CHAR_BIT))

#endif /* ZS_KERNEL_COMPILER_H */
