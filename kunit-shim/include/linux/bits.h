/* SPDX-License-Identifier: MIT */
/* Single bits and contiguous masks. */
#ifndef KUNIT_SHIM_LINUX_BITS_H
#define KUNIT_SHIM_LINUX_BITS_H

#include <limits.h>

#define BITS_PER_BYTE	   8
#define BITS_PER_LONG	   (CHAR_BIT * (int)sizeof(long))
#define BITS_PER_LONG_LONG 64

#define BIT(nr)		 (1UL << (nr))
#define BIT_ULL(nr)	 (1ULL << (nr))
#define BIT_MASK(nr)	 (1UL << ((nr) % BITS_PER_LONG))
#define BIT_WORD(nr)	 ((nr) / BITS_PER_LONG)
#define BITS_TO_LONGS(n) (((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)

/* Bits l..h inclusive set, h >= l. */
#define GENMASK(h, l) (((~0UL) << (l)) & (~0UL >> (BITS_PER_LONG - 1 - (h))))
#define GENMASK_ULL(h, l)                                                      \
	(((~0ULL) << (l)) & (~0ULL >> (BITS_PER_LONG_LONG - 1 - (h))))

#endif
