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

void *zs_map_aligned(size_t bytes)
{
	size_t extra = bytes - zs_sys_page_size();
	char *p, *base;

	/* bytes more than needed, less a page: an aligned start is in it */
	p = mmap(NULL, bytes + extra, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	base = (char *)(((uintptr_t)p + bytes - 1) & ~(uintptr_t)(bytes - 1));
	if (base > p)
		munmap(p, (size_t)(base - p));
	if (p + extra > base)
		munmap(base + bytes, (size_t)(p + extra - base));
#ifdef MADV_NOHUGEPAGE
	madvise(base, bytes, MADV_NOHUGEPAGE);
#endif
	return base;
}
