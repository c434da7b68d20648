// SPDX-License-Identifier: MIT
/*
 * zbud: at most two objects per page, the first buddy from the start and
 * the last buddy from the end, in 64-byte chunks. Pages with one free
 * buddy wait on unbuddied[free chunks]; pages that can take nothing more
 * wait on the full list. One pool lock guards the lists; map and unmap
 * take none (a live object never moves), as in the core.
 *
 * Handles come from the core's handle table (tag, generation, slot), so
 * stale, double and forged handles are reported before anything is
 * followed. A slot's location word is the page descriptor's address with
 * the buddy in bit 0 (the slot packs it as address / 8 and the buddy, so
 * addresses below 2^47 fit); the object's chunks follow from its size.
 */
#include <zbud.h>

#include <errno.h>
#include <stdio.h>

#include "handle.h"
#include "kernel/atomic.h"
#include "kernel/kmap.h"
#include "kernel/lock.h"
#include "kernel/page.h"
#include "kernel/report.h"
#include "kernel/sanitize.h"
#include "kernel/slab.h"
#include "obj_shadow.h"
#include "zbud_zpool.h"

enum buddy { FIRST, LAST };

/* Which list a page is on. */
#define ON_NO_LIST (-1)
#define ON_FULL	   (-2)

struct zbud_page {
	struct zs_page page; /* memory and serial number, for kmap */
	struct zbud_page *prev, *next;
	int list;		/* ON_NO_LIST, ON_FULL or the unbuddied index */
	unsigned int chunks[2]; /* per buddy, 0 when free */
	unsigned int slot[2];	/* handle slot per buddy, 0 when free */
};

struct zbud_pool {
	struct zs_mutex lock;
	size_t page_size;
	unsigned int nchunks; /* chunks per page */
	struct zs_page_provider pages;
	struct zbud_page **unbuddied; /* [free chunks], 1..nchunks - 1 used */
	struct zbud_page *full;
	unsigned long next_serial;
	unsigned long nr_objects;
	zs_atomic_ulong nr_pages;
	zs_atomic_ulong nr_maps; /* mappings held now, all threads */
	struct zs_handle_table handles;
};

static struct zbud_page **list_head(struct zbud_pool *pool, int list)
{
	return list == ON_FULL ? &pool->full : &pool->unbuddied[list];
}

static void list_del(struct zbud_pool *pool, struct zbud_page *zp)
{
	if (zp->list == ON_NO_LIST)
		return;
	if (zp->prev)
		zp->prev->next = zp->next;
	else
		*list_head(pool, zp->list) = zp->next;
	if (zp->next)
		zp->next->prev = zp->prev;
	zp->prev = zp->next = NULL;
	zp->list = ON_NO_LIST;
}

static unsigned int free_chunks(const struct zbud_pool *pool,
				const struct zbud_page *zp)
{
	return pool->nchunks - zp->chunks[FIRST] - zp->chunks[LAST];
}

/* The list a page with at least one buddy in use belongs on. */
static int wanted_list(const struct zbud_pool *pool, const struct zbud_page *zp)
{
	if (zp->chunks[FIRST] && zp->chunks[LAST])
		return ON_FULL;
	if (free_chunks(pool, zp) == 0)
		return ON_FULL; /* one whole-page object */
	return (int)free_chunks(pool, zp);
}

static void refile(struct zbud_pool *pool, struct zbud_page *zp)
{
	struct zbud_page **head;

	list_del(pool, zp);
	zp->list = wanted_list(pool, zp);
	head = list_head(pool, zp->list);
	zp->next = *head;
	if (*head)
		(*head)->prev = zp;
	*head = zp;
}

static void page_release(struct zbud_pool *pool, struct zbud_page *zp)
{
	list_del(pool, zp);
	zs_page_put_mem(&zp->page, &pool->pages, pool->page_size);
	zs_kfree(zp);
	zs_atomic_sub(&pool->nr_pages, 1);
}

static size_t buddy_offset(const struct zbud_pool *pool, enum buddy b,
			   unsigned int chunks)
{
	return b == FIRST ? 0 : pool->page_size - chunks * ZBUD_CHUNK_SIZE;
}

/* Descriptors are malloc'd, so aligned at least this much. */
#define LOCATION_ALIGN_BITS 3u

static unsigned long location(struct zbud_page *zp, enum buddy b)
{
	return (unsigned long)(uintptr_t)zp | (unsigned long)b;
}

static struct zbud_page *location_page(unsigned long obj, enum buddy *b)
{
	*b = (enum buddy)(obj & 1ul);
	return (struct zbud_page *)(uintptr_t)(obj & ~1ul);
}

static bool page_size_ok(size_t n)
{
	return n >= 4096 && n <= 65536 && (n & (n - 1)) == 0;
}

struct zbud_pool *zbud_create_pool(const struct zbud_config *cfg)
{
	size_t page_size = cfg && cfg->page_size ? cfg->page_size : 4096;
	struct zbud_pool *pool;

	if (!page_size_ok(page_size)) {
		zs_notice("zbud",
			  "page size %zu is not a power of two in 4096..65536",
			  page_size);
		return NULL;
	}
	if (cfg && cfg->pages &&
	    (!cfg->pages->alloc_page || !cfg->pages->free_page)) {
		zs_notice("zbud",
			  "page provider lacks alloc_page or free_page");
		return NULL;
	}
	pool = zs_kzalloc(sizeof(*pool));
	if (!pool)
		return NULL;
	pool->page_size = page_size;
	pool->nchunks = (unsigned int)(page_size / ZBUD_CHUNK_SIZE);
	pool->pages =
		cfg && cfg->pages ? *cfg->pages : zs_default_page_provider;
	pool->unbuddied =
		zs_kzalloc((pool->nchunks + 1) * sizeof(*pool->unbuddied));
	if (!pool->unbuddied)
		goto fail_pool;
	if (zs_mutex_init(&pool->lock) != 0)
		goto fail_lists;
	if (zs_handle_table_init(&pool->handles, LOCATION_ALIGN_BITS, 1) != 0)
		goto fail_lock;
	return pool;
fail_lock:
	zs_mutex_destroy(&pool->lock);
fail_lists:
	zs_kfree(pool->unbuddied);
fail_pool:
	zs_kfree(pool);
	return NULL;
}

void zbud_destroy_pool(struct zbud_pool *pool)
{
	(void)zbud_try_destroy(pool);
}

int zbud_try_destroy(struct zbud_pool *pool)
{
	unsigned int i;

	if (!pool)
		return 0;
	if (zs_atomic_read(&pool->nr_maps)) {
		zs_report("zbud_destroy_pool",
			  "pool destroyed while %lu mappings are held",
			  zs_atomic_read(&pool->nr_maps));
		return -EBUSY;
	}
	while (pool->full)
		page_release(pool, pool->full);
	for (i = 0; i <= pool->nchunks; i++)
		while (pool->unbuddied[i])
			page_release(pool, pool->unbuddied[i]);
	zs_handle_table_destroy(&pool->handles);
	zs_mutex_destroy(&pool->lock);
	zs_kfree(pool->unbuddied);
	zs_kfree(pool);
	return 0;
}

/* A page with room for chunks, off its list, or a new one; under lock. */
static struct zbud_page *find_page(struct zbud_pool *pool, unsigned int chunks)
{
	struct zbud_page *zp;
	unsigned int i;

	/* the tightest fit first: unbuddied[i] pages have i free chunks */
	for (i = chunks; i < pool->nchunks; i++) {
		if (pool->unbuddied[i]) {
			zp = pool->unbuddied[i];
			list_del(pool, zp);
			return zp;
		}
	}
	zp = zs_kzalloc(sizeof(*zp));
	if (!zp)
		return NULL;
	if (!zs_handle_location_fits(&pool->handles, location(zp, LAST))) {
		zs_report("zbud_alloc",
			  "page descriptor at %p is beyond what a handle slot "
			  "can name",
			  (void *)zp);
		zs_kfree(zp);
		return NULL;
	}
	if (zs_page_get_mem(&zp->page, &pool->pages, pool->page_size) != 0) {
		zs_kfree(zp);
		return NULL;
	}
	/* a serial for reports; wrapping after 2^32 pages is harmless */
	zp->page.pfn = (uint32_t)++pool->next_serial;
	zp->list = ON_NO_LIST;
	zs_atomic_add(&pool->nr_pages, 1);
	return zp;
}

int zbud_alloc(struct zbud_pool *pool, size_t size, unsigned long *handle)
{
	struct zs_handle_slot *slot = NULL;
	struct zbud_page *zp;
	unsigned int chunks;
	unsigned long h;
	enum buddy b;

	if (!pool || !handle) {
		zs_report("zbud_alloc", "no %s",
			  pool ? "handle pointer" : "pool");
		return -EINVAL;
	}
	if (size == 0)
		return -EINVAL;
	if (size > pool->page_size)
		return -ENOSPC;
	chunks = (unsigned int)((size + ZBUD_CHUNK_SIZE - 1) / ZBUD_CHUNK_SIZE);
	h = zs_handle_reserve(&pool->handles, &slot);
	if (!h)
		return -ENOMEM;

	zs_mutex_lock(&pool->lock);
	zp = find_page(pool, chunks);
	if (!zp) {
		zs_mutex_unlock(&pool->lock);
		zs_mutex_lock(&pool->handles.lock);
		zs_handle_release_locked(&pool->handles, h, slot);
		zs_mutex_unlock(&pool->handles.lock);
		return -ENOMEM;
	}
	b = zp->chunks[FIRST] == 0 ? FIRST : LAST;
	ZS_BUG_ON(zp->chunks[b] != 0 || free_chunks(pool, zp) < chunks);
	zp->chunks[b] = chunks;
	zp->slot[b] = (unsigned int)zs_handle_slot_index(h);
	refile(pool, zp);
	pool->nr_objects++;

	zs_handle_publish(&pool->handles, slot, location(zp, b), size, 0);
	zs_mutex_unlock(&pool->lock);
	*handle = h;
	return 0;
}

/* The page of a valid handle's object, checked against the page. */
static struct zbud_page *object_page(unsigned long handle, unsigned long obj,
				     const char *op, enum buddy *b)
{
	struct zbud_page *zp = location_page(obj, b);

	if (zp->slot[*b] != zs_handle_slot_index(handle)) {
		zs_report(op, "handle %#lx: location %#lx is not its object",
			  handle, obj);
		return NULL;
	}
	return zp;
}

void zbud_free(struct zbud_pool *pool, unsigned long handle)
{
	struct zs_handle_slot *slot;
	struct zbud_page *zp;
	unsigned long obj;
	enum buddy b;

	if (!handle)
		return;
	if (!pool) {
		zs_report("zbud_free", "no pool (handle %#lx)", handle);
		return;
	}
	slot = zs_handle_resolve(&pool->handles, handle, "zbud_free", &obj);
	if (!slot)
		return;
	zs_mutex_lock(&pool->lock);
	zs_mutex_lock(&pool->handles.lock);
	/* again under the locks: another thread may have freed it meanwhile */
	if (zs_slot_gen(slot) != zs_handle_gen(handle) ||
	    zs_slot_location(&pool->handles, slot) != obj) {
		zs_report("zbud_free", "handle %#lx was freed concurrently",
			  handle);
		goto out;
	}
	if (zs_slot_mapcount(slot)) {
		zs_report("zbud_free", "handle %#lx is still mapped", handle);
		goto out;
	}
	zp = object_page(handle, obj, "zbud_free", &b);
	if (!zp)
		goto out;
	zs_handle_release_locked(&pool->handles, handle, slot);
	zs_mutex_unlock(&pool->handles.lock);
	zp->chunks[b] = 0;
	zp->slot[b] = 0;
	pool->nr_objects--;
	if (!zp->chunks[FIRST] && !zp->chunks[LAST])
		page_release(pool, zp);
	else
		refile(pool, zp);
	zs_mutex_unlock(&pool->lock);
	return;
out:
	zs_mutex_unlock(&pool->handles.lock);
	zs_mutex_unlock(&pool->lock);
}

void *zbud_map(struct zbud_pool *pool, unsigned long handle)
{
	struct zs_handle_slot *slot;
	struct zbud_page *zp;
	unsigned long obj;
	enum buddy b;
	char *kaddr, *p;
	bool fresh;

	if (!pool) {
		zs_report("zbud_map", "no pool (handle %#lx)", handle);
		return NULL;
	}
	slot = zs_handle_resolve(&pool->handles, handle, "zbud_map", &obj);
	if (!slot)
		return NULL;
	zp = object_page(handle, obj, "zbud_map", &b);
	if (!zp)
		return NULL;
	if (zs_slot_mapcount(slot) == ZS_SLOT_MAP_MASK) {
		zs_report("zbud_map", "handle %#lx is pinned %u times", handle,
			  ZS_SLOT_MAP_MASK);
		return NULL;
	}
	kaddr = kmap_atomic(&zp->page);
	if (!kaddr)
		return NULL;
	p = kaddr + buddy_offset(pool, b, zp->chunks[b]);
	fresh = zs_slot_fresh(slot);
	zs_slot_set_written(slot);
	/* pinned before opened: an unmap on another thread that counts the
	 * pins after this one leaves the bytes open (obj_shadow.h) */
	ZS_BUG_ON(!zs_slot_pin(slot));
	/* only the requested bytes: an overflow into the tail is caught */
	zs_obj_shadow_open(slot, p, zs_slot_size(slot), fresh);
	zs_atomic_add(&pool->nr_maps, 1);
	return p;
}

void zbud_unmap(struct zbud_pool *pool, unsigned long handle)
{
	struct zs_handle_slot *slot;
	struct zbud_page *zp;
	unsigned long obj;
	enum buddy b;

	if (!pool) {
		zs_report("zbud_unmap", "no pool (handle %#lx)", handle);
		return;
	}
	slot = zs_handle_resolve(&pool->handles, handle, "zbud_unmap", &obj);
	if (!slot)
		return;
	if (zs_slot_mapcount(slot) == 0) {
		zs_report("zbud_unmap", "handle %#lx is not mapped", handle);
		return;
	}
	zp = object_page(handle, obj, "zbud_unmap", &b);
	if (!zp || !kunmap_atomic(zp->page.mem))
		return;
	/* closed unless another mapping still holds it, then unpinned */
	zs_obj_shadow_release(slot,
			      (char *)zp->page.mem +
				      buddy_offset(pool, b, zp->chunks[b]),
			      (size_t)zp->chunks[b] * ZBUD_CHUNK_SIZE, 1,
			      zs_handle_gen(handle));
	zs_atomic_sub(&pool->nr_maps, 1);
}

uint64_t zbud_get_pool_size(struct zbud_pool *pool)
{
	return pool ? zs_atomic_read(&pool->nr_pages) : 0;
}

size_t zbud_page_size(const struct zbud_pool *pool)
{
	return pool ? pool->page_size : 0;
}

unsigned long zbud_nr_objects(struct zbud_pool *pool)
{
	unsigned long n;

	if (!pool)
		return 0;
	zs_mutex_lock(&pool->lock);
	n = pool->nr_objects;
	zs_mutex_unlock(&pool->lock);
	return n;
}

/* Problems with one buddy of a listed page; under the pool lock. */
static int check_buddy(struct zbud_pool *pool, struct zbud_page *zp,
		       enum buddy b)
{
	struct zs_handle_slot *slot;

	if (!zp->chunks[b]) {
		if (!zp->slot[b])
			return 0;
		zs_report("zbud check", "page %u: free buddy %d has slot %u",
			  (unsigned int)zp->page.pfn, b, zp->slot[b]);
		return 1;
	}
	slot = zs_handle_slot_at(&pool->handles, zp->slot[b]);
	if (!slot ||
	    zs_slot_location(&pool->handles, slot) != location(zp, b) ||
	    zs_slot_size(slot) > zp->chunks[b] * ZBUD_CHUNK_SIZE ||
	    zs_slot_size(slot) + ZBUD_CHUNK_SIZE <=
		    zp->chunks[b] * ZBUD_CHUNK_SIZE) {
		zs_report("zbud check",
			  "page %u: buddy %d (%u chunks) and handle slot %u "
			  "disagree",
			  (unsigned int)zp->page.pfn, b, zp->chunks[b],
			  zp->slot[b]);
		return 1;
	}
	return 0;
}

static int check_list(struct zbud_pool *pool, int list, unsigned long *pages,
		      unsigned long *objects)
{
	struct zbud_page *zp, *prev = NULL;
	int bad = 0;

	for (zp = *list_head(pool, list); zp; prev = zp, zp = zp->next) {
		if (zp->list != list || zp->prev != prev ||
		    wanted_list(pool, zp) != list ||
		    free_chunks(pool, zp) > pool->nchunks ||
		    (!zp->chunks[FIRST] && !zp->chunks[LAST])) {
			zs_report("zbud check",
				  "page %u on list %d: chunks %u+%u, "
				  "belongs on %d",
				  (unsigned int)zp->page.pfn, list,
				  zp->chunks[FIRST], zp->chunks[LAST],
				  zp->list);
			bad++;
			continue;
		}
		bad += check_buddy(pool, zp, FIRST);
		bad += check_buddy(pool, zp, LAST);
		*objects += (zp->chunks[FIRST] != 0) + (zp->chunks[LAST] != 0);
		(*pages)++;
	}
	return bad;
}

int zbud_pool_check(struct zbud_pool *pool)
{
	unsigned long pages = 0, objects = 0;
	int bad = 0;
	unsigned int i;

	if (!pool) {
		zs_report("zbud check", "no pool");
		return 1;
	}
	zs_mutex_lock(&pool->lock);
	bad += check_list(pool, ON_FULL, &pages, &objects);
	for (i = 1; i < pool->nchunks; i++)
		bad += check_list(pool, (int)i, &pages, &objects);
	if (pool->unbuddied[0] || pool->unbuddied[pool->nchunks]) {
		zs_report("zbud check", "a page is on unbuddied[0] or [%u]",
			  pool->nchunks);
		bad++;
	}
	if (pages != zs_atomic_read(&pool->nr_pages) ||
	    objects != pool->nr_objects) {
		zs_report("zbud check",
			  "%lu pages and %lu objects listed, %lu and %lu "
			  "counted",
			  pages, objects, zs_atomic_read(&pool->nr_pages),
			  pool->nr_objects);
		bad++;
	}
	zs_mutex_unlock(&pool->lock);
	return bad;
}
