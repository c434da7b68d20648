// SPDX-License-Identifier: MIT
#include "sysmem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

size_t zs_sys_page_size(void)
{
	static atomic_size_t cached;
	size_t s = atomic_load(&cached);

	if (!s) {
		long v = sysconf(_SC_PAGESIZE);

		s = v > 0 ? (size_t)v : 4096;
		atomic_store(&cached, s);
	}
	return s;
}

void *zs_map_aligned_span(size_t align, size_t bytes)
{
	size_t extra = align - zs_sys_page_size();
	char *p, *base;

	/* align - a page more than needed: an aligned start is in it */
	p = mmap(NULL, bytes + extra, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	base = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (base > p)
		munmap(p, (size_t)(base - p));
	if (p + extra > base)
		munmap(base + bytes, (size_t)(p + extra - base));
#ifdef MADV_NOHUGEPAGE
	madvise(base, bytes, MADV_NOHUGEPAGE);
#endif
	return base;
}

void *zs_map_aligned(size_t bytes)
{
	return zs_map_aligned_span(bytes, bytes);
}
