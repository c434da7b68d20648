/* SPDX-License-Identifier: MIT */
/* Kernel string helpers on top of the C library's <string.h>. */
#ifndef KUNIT_SHIM_LINUX_STRING_H
#define KUNIT_SHIM_LINUX_STRING_H

#include <string.h>

#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/types.h>

/*
 * Copies at most size-1 bytes and always terminates (when size > 0).
 * Returns the length copied, or -E2BIG when src was truncated.
 */
static inline ssize_t strscpy(char *dst, const char *src, size_t size)
{
	size_t i;

	if (size == 0)
		return -E2BIG;
	/* a byte loop: never reads src past its terminator (memcpy of
	 * size - 1 bytes did, in the eyes of gcc's -Warray-bounds) */
	for (i = 0; i < size - 1 && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
	return src[i] ? -E2BIG : (ssize_t)i;
}

/* As strscpy, but also zeroes the rest of dst. */
static inline ssize_t strscpy_pad(char *dst, const char *src, size_t size)
{
	ssize_t n = strscpy(dst, src, size);
	size_t used = n < 0 ? size : (size_t)n + 1;

	if (used < size)
		memset(dst + used, 0, size - used);
	return n;
}

/* First byte in [start, start+bytes) that is not c, or NULL. */
static inline void *memchr_inv(const void *start, int c, size_t bytes)
{
	const unsigned char *p = start;
	size_t i;

	for (i = 0; i < bytes; i++)
		if (p[i] != (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

static inline bool str_has_prefix_(const char *str, const char *prefix)
{
	return strncmp(str, prefix, strlen(prefix)) == 0;
}

/* Length of prefix when str starts with it, else 0. */
static inline size_t str_has_prefix(const char *str, const char *prefix)
{
	return str_has_prefix_(str, prefix) ? strlen(prefix) : 0;
}

static inline bool sysfs_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	if (*a == *b)
		return true;
	return (*a == '\n' && !*b && !a[1]) || (*b == '\n' && !*a && !b[1]);
}

static inline void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = kmalloc(len, gfp);

	if (p && !ZERO_OR_NULL_PTR(p))
		memcpy(p, src, len);
	return p;
}

static inline char *kstrdup(const char *s, gfp_t gfp)
{
	return s ? kmemdup(s, strlen(s) + 1, gfp) : NULL;
}

static inline char *kstrndup(const char *s, size_t max, gfp_t gfp)
{
	size_t len;
	char *p;

	if (!s)
		return NULL;
	len = strnlen(s, max);
	p = kmalloc(len + 1, gfp);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

static inline const char *str_true_false(bool v)
{
	return v ? "true" : "false";
}

static inline const char *str_yes_no(bool v)
{
	return v ? "yes" : "no";
}

#endif
