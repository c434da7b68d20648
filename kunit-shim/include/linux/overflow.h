/* SPDX-License-Identifier: MIT */
/*
 * Overflow-checked arithmetic. check_*_overflow store the wrapped result
 * and return true on overflow; size_* saturate at SIZE_MAX so an
 * allocation of the result fails instead of being too small.
 */
#ifndef KUNIT_SHIM_LINUX_OVERFLOW_H
#define KUNIT_SHIM_LINUX_OVERFLOW_H

#include <stddef.h>
#include <stdint.h>

#include <linux/compiler.h>

#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define check_sub_overflow(a, b, d) __builtin_sub_overflow(a, b, d)
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)

static inline size_t size_mul(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}

static inline size_t size_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

static inline size_t size_sub(size_t a, size_t b)
{
	size_t r;

	if (a == SIZE_MAX || b == SIZE_MAX || __builtin_sub_overflow(a, b, &r))
		return SIZE_MAX;
	return r;
}

#define array_size(a, b)		  size_mul(a, b)
#define array3_size(a, b, c)		  size_mul(size_mul(a, b), c)
#define flex_array_size(p, member, count) size_mul(count, sizeof(*(p)->member))
#define struct_size(p, member, count)                                          \
	size_add(sizeof(*(p)), flex_array_size(p, member, count))

#endif
