/* SPDX-License-Identifier: MIT */
/*
 * Per-thread mapping areas: each thread is an emulated CPU. A thread comes
 * "up" (its area is created and registered) the first time it maps an
 * object, and goes "down" (area unregistered and freed) when it exits or
 * when the last pool of the process is destroyed. Both transitions go
 * through one callback, as the kernel's CPU notifier did, and a failed
 * "up" leaves nothing behind.
 */
#ifndef ZS_KERNEL_PERCPU_H
#define ZS_KERNEL_PERCPU_H

#include <stdbool.h>
#include <stddef.h>

#include <zsmalloc.h>

struct zs_page;

/* Large enough for an object of the largest page size. */
#define ZS_MAP_AREA_SIZE 65536u

struct zs_cpu_area {
	char *buf; /* ZS_MAP_AREA_SIZE bytes, closed while unused */

	/* The one mapping this thread holds (pool NULL: none). */
	struct zs_pool *pool;
	unsigned long handle;
	enum zs_mapmode mm;
	struct zs_page *page; /* page where the object starts */
	void *kaddr;	      /* kmap address held (inside one page) */
	void *user;	      /* what zs_map_object returned */
	size_t off;	      /* object offset in its first page */
	size_t len;	      /* object bytes (the requested size) */
	bool spans;	      /* copied through buf */
	size_t obj_size;      /* the class's object size */
	void *slot;	      /* the handle's slot (map.c's business) */

	struct zs_cpu_area *prev, *next; /* registry of live areas */
};

enum zs_cpu_action { ZS_CPU_UP_PREPARE, ZS_CPU_DEAD };

/* The calling thread's area; percpu.c's alone to set. */
extern _Thread_local struct zs_cpu_area *zs_this_cpu;

/* Bring the calling thread up: 0, or -1 with nothing registered. */
int zs_cpu_up(void);

/* The calling thread's area, or NULL when the thread is not up. */
static inline struct zs_cpu_area *zs_cpu_area_this(void)
{
	return zs_this_cpu;
}

/* The calling thread's area, bringing the thread up first if needed. */
static inline struct zs_cpu_area *zs_cpu_area_get(void)
{
	if (!zs_this_cpu && zs_cpu_up() != 0)
		return NULL;
	return zs_this_cpu;
}
/* Take the calling thread down; false (nothing done) while it maps. */
bool zs_cpu_down(void);
/*
 * The calling thread's number, its "processor id" for per-CPU choices
 * such as a pool's class shard: threads are numbered 0, 1, 2, ... in the
 * order they first ask; the number never changes.
 */
unsigned int zs_cpu_number(void);
/* Areas registered now, over all threads. */
unsigned long zs_cpu_nr_up(void);

/* Test hook: the next n calls of the callback for UP_PREPARE fail. */
void zs_cpu_fail_next_up(unsigned int n);

#endif /* ZS_KERNEL_PERCPU_H */
