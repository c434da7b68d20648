/* SPDX-License-Identifier: MIT */
/*
 * min/max/clamp that evaluate each argument once. Locals get unique names
 * (__COUNTER__) so nested uses do not shadow one another.
 */
#ifndef KUNIT_SHIM_LINUX_MINMAX_H
#define KUNIT_SHIM_LINUX_MINMAX_H

#include <linux/compiler.h>

#define kernel_cmp_once_(x, y, op, ux, uy)                                     \
	__extension__({                                                        \
		__typeof__(x) ux = (x);                                        \
		__typeof__(y) uy = (y);                                        \
		ux op uy ? ux : uy;                                            \
	})
#define kernel_cmp_(x, y, op, id)                                              \
	kernel_cmp_once_(x, y, op, __PASTE(kernel_x_, id),                     \
			 __PASTE(kernel_y_, id))

#define min(x, y)	  kernel_cmp_(x, y, <, __COUNTER__)
#define max(x, y)	  kernel_cmp_(x, y, >, __COUNTER__)
#define min_t(type, x, y) kernel_cmp_((type)(x), (type)(y), <, __COUNTER__)
#define max_t(type, x, y) kernel_cmp_((type)(x), (type)(y), >, __COUNTER__)
#define umin(x, y)                                                             \
	min_t(unsigned long long, (x) + 0u + 0ul + 0ull, (y) + 0u + 0ul + 0ull)
#define umax(x, y)                                                             \
	max_t(unsigned long long, (x) + 0u + 0ul + 0ull, (y) + 0u + 0ul + 0ull)
#define min3(x, y, z) min(min(x, y), z)
#define max3(x, y, z) max(max(x, y), z)
#define min_not_zero(x, y)                                                     \
	__extension__({                                                        \
		__typeof__(x) kernel_mnz_x_ = (x);                             \
		__typeof__(y) kernel_mnz_y_ = (y);                             \
		kernel_mnz_x_ == 0                                             \
			? kernel_mnz_y_                                        \
			: (kernel_mnz_y_ == 0                                  \
				   ? kernel_mnz_x_                             \
				   : min(kernel_mnz_x_, kernel_mnz_y_));       \
	})

#define clamp(val, lo, hi)	   min(max(val, lo), hi)
#define clamp_t(type, val, lo, hi) min_t(type, max_t(type, val, lo), hi)
#define clamp_val(val, lo, hi)	   clamp_t(__typeof__(val), val, lo, hi)

#define swap(a, b)                                                             \
	do {                                                                   \
		__typeof__(a) kernel_swap_tmp_ = (a);                          \
		(a) = (b);                                                     \
		(b) = kernel_swap_tmp_;                                        \
	} while (0)

#endif
