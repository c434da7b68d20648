// SPDX-License-Identifier: MIT
#include "arena.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>

#include "lock.h"
#include "release.h"
#include "report.h"
#include "sanitize.h"
#include "sysmem.h"

/* Mappings are aligned to their size: a table finds its mapping's header
 * from its own address. */
#define ARENA_BYTES ((size_t)2 << 20)
#define ARENA_SIZES (ZS_ARENA_MAX_BYTES / 4096 + 1)
_Static_assert(ZS_ARENA_MAX_BYTES <= ARENA_BYTES / 4,
	       "a mapping holds its header and a few tables");

/*
 * A mapping's header, in the place of its first table (only the header's
 * own page is ever resident): the places after it are tables of `pages`
 * system pages each.
 */
struct arena_map {
	struct arena_map *prev, *next; /* its size's mappings with a table */
	unsigned int pages;	       /* a table's size in system pages */
	unsigned int nr;	       /* table places after the header */
	unsigned int used;	       /* places carved so far */
	unsigned int nr_free;	       /* entries on free_idx */
	bool avail;		       /* on its size's list */
	uint16_t free_idx[];	       /* freed places, a stack */
};

struct arena_size {
	struct arena_map *avail; /* mappings with a table to give */
	unsigned int nr_empty;	 /* mappings with every table free (<= 1) */
};

static pthread_mutex_t arena_lock = ZS_STATIC_MUTEX_INIT;
static struct arena_size arena_sizes[ARENA_SIZES];
static size_t arena_mapped;
static unsigned long arena_unmapped;

bool zs_arena_serves(size_t size)
{
	size_t sys = zs_sys_page_size();

	return size && size % sys == 0 && size <= ZS_ARENA_MAX_BYTES;
}

static void avail_add(struct arena_map *m, struct arena_size *sz)
{
	m->prev = NULL;
	m->next = sz->avail;
	if (m->next)
		m->next->prev = m;
	sz->avail = m;
	m->avail = true;
}

static void avail_del(struct arena_map *m, struct arena_size *sz)
{
	if (m->prev)
		m->prev->next = m->next;
	else
		sz->avail = m->next;
	if (m->next)
		m->next->prev = m->prev;
	m->prev = m->next = NULL;
	m->avail = false;
}

/* A new mapping for tables of size bytes, on its size's list; under lock. */
static struct arena_map *map_create(size_t size, struct arena_size *sz)
{
	struct arena_map *m = zs_map_aligned(ARENA_BYTES);

	if (!m)
		return NULL;
	m->pages = (unsigned int)(size / zs_sys_page_size());
	m->nr = (unsigned int)(ARENA_BYTES / size - 1);
	/* the header and its free stack fit in the first place */
	ZS_BUG_ON(sizeof(*m) + m->nr * sizeof(m->free_idx[0]) > size);
	avail_add(m, sz);
	sz->nr_empty++; /* every table free, until the caller takes one */
	arena_mapped++;
	return m;
}

void *zs_arena_take(size_t size)
{
	struct arena_size *sz;
	struct arena_map *m;
	unsigned int idx;
	char *p;

	ZS_BUG_ON(!zs_arena_serves(size));
	sz = &arena_sizes[size / zs_sys_page_size()];
	pthread_mutex_lock(&arena_lock);
	m = sz->avail;
	if (!m)
		m = map_create(size, sz);
	if (!m) {
		pthread_mutex_unlock(&arena_lock);
		return NULL;
	}
	if (m->nr_free == m->used)
		sz->nr_empty--; /* the spare comes into use */
	idx = m->nr_free ? m->free_idx[--m->nr_free] : m->used++;
	if (!m->nr_free && m->used == m->nr)
		avail_del(m, sz);
	pthread_mutex_unlock(&arena_lock);
	p = (char *)m + (size_t)(idx + 1) * size;
	zs_san_open_defined(p, size);
	return p;
}

void zs_arena_give(void *p, size_t size)
{
	struct arena_map *m, *unmap = NULL;
	struct arena_size *sz;
	size_t off;

	ZS_BUG_ON(!zs_arena_serves(size));
	m = (struct arena_map *)((uintptr_t)p & ~(uintptr_t)(ARENA_BYTES - 1));
	off = (size_t)((char *)p - (char *)m);
	sz = &arena_sizes[size / zs_sys_page_size()];
	pthread_mutex_lock(&arena_lock);
	ZS_BUG_ON(m->pages * zs_sys_page_size() != size || off % size != 0 ||
		  off / size - 1 >= m->used || m->nr_free >= m->used);
	m->free_idx[m->nr_free++] = (uint16_t)(off / size - 1);
	/* the table freed last is the next one taken */
	if (m->avail)
		avail_del(m, sz);
	avail_add(m, sz);
	if (m->nr_free == m->used) {
		if (sz->nr_empty) {
			avail_del(m, sz);
			unmap = m;
			arena_mapped--;
			arena_unmapped++;
		} else {
			sz->nr_empty++;
		}
	}
	pthread_mutex_unlock(&arena_lock);
	if (unmap) {
		/* the next mapping here starts open to memory checkers */
		zs_san_open_defined(unmap, ARENA_BYTES);
		munmap(unmap, ARENA_BYTES);
	}
}

void zs_arena_stats(size_t *mapped, unsigned long *unmapped)
{
	pthread_mutex_lock(&arena_lock);
	*mapped = arena_mapped;
	*unmapped = arena_unmapped;
	pthread_mutex_unlock(&arena_lock);
}
