/* SPDX-License-Identifier: MIT */
/* The grab bag kernel code expects from <linux/kernel.h>. */
#ifndef KUNIT_SHIM_LINUX_KERNEL_H
#define KUNIT_SHIM_LINUX_KERNEL_H

/* <sys/sysinfo.h> includes <linux/kernel.h> for struct sysinfo. */
#if defined(__has_include_next)
#if __has_include_next(<linux/kernel.h>)
#include_next <linux/kernel.h>
#endif
#endif

#include <stdarg.h>
#include <stdio.h>

#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/err.h>
#include <linux/limits.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#include <linux/types.h>

#define ALIGN(x, a)	    __ALIGN_MASK_(x, (__typeof__(x))(a)-1)
#define __ALIGN_MASK_(x, m) (((x) + (m)) & ~(m))
#define ALIGN_DOWN(x, a)    ALIGN((x) - ((a)-1), (a))
#define PTR_ALIGN(p, a)	    ((__typeof__(p))ALIGN((unsigned long)(p), (a)))
#define IS_ALIGNED(x, a)    (((x) & ((__typeof__(x))(a)-1)) == 0)
#define is_power_of_2(n)    ((n) != 0 && (((n) & ((n)-1)) == 0))

#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))
#define lower_32_bits(n) ((u32)((n)&0xffffffff))

/* Like snprintf, but returns the length actually written (without NUL). */
static inline __attribute__((format(printf, 3, 0))) int
vscnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
	int n;

	if (size == 0)
		return 0;
	n = vsnprintf(buf, size, fmt, args);
	if (n < 0)
		return 0;
	return (size_t)n < size ? n : (int)(size - 1);
}

static inline __attribute__((format(printf, 3, 4))) int
scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vscnprintf(buf, size, fmt, args);
	va_end(args);
	return n;
}

#endif
