/* SPDX-License-Identifier: MIT */
/*
 * Allocation flags. Only __GFP_ZERO changes behaviour here; the rest are
 * accepted so kernel code compiles unchanged.
 */
#ifndef KUNIT_SHIM_LINUX_GFP_H
#define KUNIT_SHIM_LINUX_GFP_H

#include <linux/types.h>

#define ___GFP_BIT_(n) ((gfp_t)1u << (n))

#define __GFP_DMA	     ___GFP_BIT_(0)
#define __GFP_HIGHMEM	     ___GFP_BIT_(1)
#define __GFP_DMA32	     ___GFP_BIT_(2)
#define __GFP_MOVABLE	     ___GFP_BIT_(3)
#define __GFP_RECLAIMABLE    ___GFP_BIT_(4)
#define __GFP_HIGH	     ___GFP_BIT_(5)
#define __GFP_IO	     ___GFP_BIT_(6)
#define __GFP_FS	     ___GFP_BIT_(7)
#define __GFP_ZERO	     ___GFP_BIT_(8)
#define __GFP_DIRECT_RECLAIM ___GFP_BIT_(10)
#define __GFP_KSWAPD_RECLAIM ___GFP_BIT_(11)
#define __GFP_NOWARN	     ___GFP_BIT_(13)
#define __GFP_RETRY_MAYFAIL  ___GFP_BIT_(14)
#define __GFP_NOFAIL	     ___GFP_BIT_(15)
#define __GFP_NORETRY	     ___GFP_BIT_(16)
#define __GFP_COMP	     ___GFP_BIT_(18)
#define __GFP_ACCOUNT	     ___GFP_BIT_(22)
#define __GFP_RECLAIM	     (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)

#define GFP_ATOMIC	     (__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL	     (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT   (GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT	     (__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO	     (__GFP_RECLAIM)
#define GFP_NOFS	     (__GFP_RECLAIM | __GFP_IO)
#define GFP_USER	     (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_HIGHUSER	     (GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE (GFP_HIGHUSER | __GFP_MOVABLE)
#define GFP_DMA		     __GFP_DMA
#define GFP_DMA32	     __GFP_DMA32

#endif
