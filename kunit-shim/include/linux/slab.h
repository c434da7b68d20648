/* SPDX-License-Identifier: MIT */
/*
 * kmalloc and friends over the C allocator, so sanitizers and Valgrind see
 * every block. As in the kernel, a zero-byte request returns ZERO_SIZE_PTR,
 * which kfree accepts and which must never be dereferenced.
 */
#ifndef KUNIT_SHIM_LINUX_SLAB_H
#define KUNIT_SHIM_LINUX_SLAB_H

#include <stdlib.h>
#include <string.h>

#include <linux/gfp.h>
#include <linux/overflow.h>
#include <linux/types.h>

#define ZERO_SIZE_PTR	    ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

#define ARCH_KMALLOC_MINALIGN (2 * sizeof(void *))
#define KMALLOC_MAX_SIZE      ((size_t)1 << 30)

static inline void *kmalloc(size_t size, gfp_t flags)
{
	if (size == 0)
		return ZERO_SIZE_PTR;
	if (size > KMALLOC_MAX_SIZE)
		return NULL;
	return (flags & __GFP_ZERO) ? calloc(1, size) : malloc(size);
}

static inline void *kzalloc(size_t size, gfp_t flags)
{
	return kmalloc(size, flags | __GFP_ZERO);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmalloc(bytes, flags);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array(n, size, flags | __GFP_ZERO);
}

static inline void kfree(const void *ptr)
{
	if (!ZERO_OR_NULL_PTR(ptr))
		free((void *)ptr);
}

/* Unlike the kernel, new bytes are zeroed only for a fresh block. */
static inline void *krealloc(const void *ptr, size_t size, gfp_t flags)
{
	void *grown;

	if (ZERO_OR_NULL_PTR(ptr))
		return kmalloc(size, flags);
	if (size == 0) {
		kfree(ptr);
		return ZERO_SIZE_PTR;
	}
	grown = realloc((void *)ptr, size);
	return grown;
}

static inline void *krealloc_array(void *ptr, size_t n, size_t size,
				   gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return krealloc(ptr, bytes, flags);
}

#define kvmalloc(size, flags)	       kmalloc(size, flags)
#define kvzalloc(size, flags)	       kzalloc(size, flags)
#define kvcalloc(n, size, flags)       kcalloc(n, size, flags)
#define kvmalloc_array(n, size, flags) kmalloc_array(n, size, flags)
#define kvfree(ptr)		       kfree(ptr)
#define kfree_sensitive(ptr)	       kfree(ptr)

#endif
