// SPDX-License-Identifier: MIT
#include "slab.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

static atomic_ulong slab_attempts;
static atomic_long slab_live;
/* 0: off; otherwise the attempt number that fails. */
static atomic_ulong slab_fail_at;

void zs_slab_fail_nth(unsigned long nth)
{
	atomic_store(&slab_fail_at,
		     nth ? atomic_load(&slab_attempts) + nth : 0);
}

unsigned long zs_slab_attempts(void)
{
	return atomic_load(&slab_attempts);
}

long zs_slab_live(void)
{
	return atomic_load(&slab_live);
}

/* Counts the attempt; true when the fault hook says this one fails. */
static int slab_should_fail(void)
{
	unsigned long n = atomic_fetch_add(&slab_attempts, 1) + 1;
	unsigned long at = atomic_load(&slab_fail_at);

	if (at && n == at) {
		atomic_store(&slab_fail_at, 0);
		return 1;
	}
	return 0;
}

void *zs_kmalloc(size_t size)
{
	void *p;

	if (slab_should_fail())
		return NULL;
	p = malloc(size ? size : 1);
	if (p)
		atomic_fetch_add(&slab_live, 1);
	return p;
}

void *zs_kzalloc(size_t size)
{
	void *p;

	if (slab_should_fail())
		return NULL;
	p = calloc(1, size ? size : 1);
	if (p)
		atomic_fetch_add(&slab_live, 1);
	return p;
}

void zs_kfree(void *p)
{
	if (!p)
		return;
	atomic_fetch_sub(&slab_live, 1);
	free(p);
}

/*
 * Tables of whole pages come straight from mmap: a freed table goes back
 * to the system at once, where a free()d block in the middle of malloc's
 * heap would stay resident.
 */
void *zs_vzalloc(size_t size)
{
	void *p;

	if (slab_should_fail())
		return NULL;
	p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	atomic_fetch_add(&slab_live, 1);
	return p;
}

void zs_vfree(void *p, size_t size)
{
	if (!p)
		return;
	atomic_fetch_sub(&slab_live, 1);
	munmap(p, size ? size : 1);
}
