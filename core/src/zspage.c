// SPDX-License-Identifier: MIT
#include "zspage.h"

#include <string.h>

#include "kernel/kmap.h"
#include "kernel/report.h"
#include "kernel/sanitize.h"
#include "kernel/slab.h"

static size_t obj_offset(const struct zspage *zs, unsigned int idx)
{
	return (size_t)idx * zs->class->size;
}

unsigned long zspage_obj_word(const struct zs_pool *pool,
			      const struct zspage *zs, unsigned int idx)
{
	size_t off = obj_offset(zs, idx);

	return zs_obj_word(pool, zs->pages[off >> pool->geo.page_shift].pfn,
			   idx);
}

/* Read or write the link word of object idx inside a kmap window. */
static bool link_access(struct zs_pool *pool, struct zspage *zs,
			unsigned int idx, unsigned long *link, bool write)
{
	size_t off = obj_offset(zs, idx);
	size_t in = off & (pool->geo.page_size - 1);
	struct zs_page *page = &zs->pages[off >> pool->geo.page_shift];
	char *base, *p;

	/* sizes and offsets are multiples of 8: a link never straddles */
	ZS_BUG_ON(in + ZS_LINK_SPAN > pool->geo.page_size);
	base = kmap_atomic(page);
	if (!base)
		return false;
	p = base + in;
	if (write) {
		zs_san_open_undefined(p, ZS_LINK_SPAN);
		memcpy(p, link, sizeof(*link));
	} else {
		zs_san_open_defined(p, ZS_LINK_SPAN);
		memcpy(link, p, sizeof(*link));
	}
	zs_san_close(p, ZS_LINK_SPAN);
	kunmap_atomic(base);
	return true;
}

/*
 * Links stored late. zs_free pushes an object the caller has not touched
 * for a while, so its line is seldom cached, and a store there stalls the
 * next locked instruction (the handle's retire, the class unlock) until
 * the line comes. So a push keeps the link in the class and asks for the
 * line; the class's next push stores it, by when the line has come, and a
 * pop of that same object takes the link from the class and stores nothing.
 * Readers of links (pop, the checker) ask the class first; a migration,
 * which walks the links in page memory, stores it before.
 */
static bool link_waits(const struct zspage *zs, unsigned int idx)
{
	return zs->class->link_zs == zs && zs->class->link_idx == idx;
}

void zspage_store_link(struct zs_pool *pool, struct size_class *class)
{
	struct zspage *zs = class->link_zs;

	if (!zs)
		return;
	class->link_zs = NULL;
	/* a failed kmap is reported, and the pop that meets the link refuses */
	(void)link_access(pool, zs, class->link_idx, &class->link_word, true);
}

/* Ask for the line of object idx, to be written soon; false (reported)
 * when its page has no memory. */
static bool want_line(struct zs_pool *pool, const struct zspage *zs,
		      unsigned int idx)
{
	size_t off = obj_offset(zs, idx);
	const char *mem = zs->pages[off >> pool->geo.page_shift].mem;

	if (!mem) {
		zs_report("free list",
			  "class %zu: object %u's page has no memory",
			  zs->class->size, idx);
		return false;
	}
	__builtin_prefetch(mem + (off & (pool->geo.page_size - 1)), 1, 3);
	return true;
}

bool zspage_read_link(struct zs_pool *pool, struct zspage *zs, unsigned int idx,
		      unsigned long *link)
{
	if (link_waits(zs, idx)) {
		*link = zs->class->link_word;
		return true;
	}
	return link_access(pool, zs, idx, link, false);
}

struct zspage *zspage_create(struct zs_pool *pool, struct size_class *class)
{
	unsigned int n = class->pages_per_zspage;
	struct zspage *zs;
	unsigned int k;

	zs = zs_meta_zalloc(&pool->meta[class->shard], zspage_bytes(class));
	if (!zs)
		return NULL;
	zs->class = class;
	zs->fullness = ZS_EMPTY;
	for (k = 0; k < n; k++)
		zs->pages[k].index = (unsigned short)k;
	zs->nr_pages =
		(uint8_t)zs_pool_pages_take(pool, zs->pages, n, class->index);
	if (zs->nr_pages < n)
		goto fail;
	zs->free_head = 0; /* nothing freed yet: every object is fresh */
	zs->fresh = 0;
	return zs;
fail:
	zspage_release(pool, zs);
	return NULL;
}

void zspage_release(struct zs_pool *pool, struct zspage *zs)
{
	ZS_BUG_ON(zs->fullness != ZS_EMPTY);
	if (zs->class->link_zs == zs)
		zs->class->link_zs = NULL; /* its pages go: nothing to store */
	zs_pool_pages_put(pool, zs->pages, zs->nr_pages);
	zs_meta_free(&pool->meta[zs->class->shard], zs,
		     zspage_bytes(zs->class));
}

struct zspage *zspage_rehome(struct zs_pool *pool, struct zspage *zs)
{
	struct size_class *class = zs->class;
	struct zs_meta *meta = &pool->meta[class->shard];
	size_t bytes = zspage_bytes(class);
	struct zspage *n;

	if (!zs_meta_draining(meta, zs, bytes))
		return zs;
	n = zs_meta_zalloc(meta, bytes);
	if (!n)
		return zs;
	memcpy(n, zs, bytes);
	if (class->link_zs == zs)
		class->link_zs = n;
	if (n->rprev) {
		n->rprev->rnext = n;
	} else if (n->ratio != ZS_RATIO_0) {
		ZS_BUG_ON(class->ratio_list[n->ratio] != zs);
		class->ratio_list[n->ratio] = n;
	}
	if (n->rnext)
		n->rnext->rprev = n;
	/* its pages' descriptors moved with it */
	for (unsigned int k = 0; k < n->nr_pages; k++)
		zs_pool_page_rehome(pool, &zs->pages[k], &n->pages[k]);
	zs_meta_free(meta, zs, bytes);
	return n;
}

/*
 * Is link a valid next-free value for zs (0 ends the list)? Only objects
 * handed out before can have been freed: a link into the fresh ones would
 * hand the same object out twice.
 */
static bool link_ok(struct zs_pool *pool, struct zspage *zs, unsigned long link,
		    unsigned int *idxp)
{
	struct zs_page *page;

	if (link == 0)
		return true;
	if (link & ((1ul << ZS_OBJ_TAG_BITS) - 1))
		return false;
	return zspage_of_obj(pool, zs->class, link >> ZS_OBJ_TAG_BITS, idxp,
			     &page) == zs &&
	       *idxp < zs->fresh && zspage_handles(zs)[*idxp] == 0;
}

/* The first fresh object, or 0 (reported) when there is none left. */
static unsigned long pop_fresh(struct zs_pool *pool, struct zspage *zs)
{
	unsigned int idx = zs->fresh;

	if (idx >= zs->class->objs_per_zspage || zspage_handles(zs)[idx] != 0) {
		zs_report("free list",
			  "class %zu: no free object (fresh index %u of %u)",
			  zs->class->size, idx, zs->class->objs_per_zspage);
		return 0;
	}
	zs->fresh++;
	return zspage_obj_word(pool, zs, idx);
}

/* Is the head a freed object (index below fresh, no handle)? */
static bool head_ok(const struct zspage *zs)
{
	unsigned int idx = zs->free_head - 1u;

	return idx < zs->class->objs_per_zspage && idx < zs->fresh &&
	       zspage_handles(zs)[idx] == 0;
}

unsigned long zspage_pop_free(struct zs_pool *pool, struct zspage *zs)
{
	unsigned int idx, next = 0;
	unsigned long obj, link;
	bool waits;

	if (!zs->free_head)
		return pop_fresh(pool, zs);
	idx = zs->free_head - 1u;
	if (!head_ok(zs)) {
		zs_report("free list",
			  "class %zu: first free object %u is not a free "
			  "object of its zspage",
			  zs->class->size, idx);
		return 0;
	}
	waits = link_waits(zs, idx);
	if (waits)
		link = zs->class->link_word;
	else if (!link_access(pool, zs, idx, &link, false))
		return 0;
	obj = zspage_obj_word(pool, zs, idx);
	if (!link_ok(pool, zs, link, &next)) {
		zs_report("free list",
			  "class %zu: free object %#lx links to %#lx, not a "
			  "free object of its zspage",
			  zs->class->size, obj, link);
		return 0;
	}
	if (waits)
		zs->class->link_zs = NULL; /* taken: never stored */
	zs->free_head = (uint16_t)(link ? next + 1 : 0);
	return obj;
}

int zspage_push_free(struct zs_pool *pool, struct zspage *zs, unsigned int idx)
{
	unsigned long link = 0;

	if (zs->free_head) {
		if (zs->free_head > zs->class->objs_per_zspage) {
			zs_report("free list",
				  "class %zu: first free object %u is past "
				  "its zspage's %u",
				  zs->class->size, zs->free_head - 1u,
				  zs->class->objs_per_zspage);
			return -1;
		}
		link = zspage_free_head(pool, zs) << ZS_OBJ_TAG_BITS;
	}
	if (!want_line(pool, zs, idx))
		return -1;
	zspage_store_link(pool, zs->class);
	zs->class->link_zs = zs;
	zs->class->link_idx = idx;
	zs->class->link_word = link;
	zs->free_head = (uint16_t)(idx + 1);
	return 0;
}

/* The slot of live object i of zs. */
static struct zs_handle_slot *live_slot(struct zs_pool *pool,
					const struct zspage *zs, unsigned int i)
{
	struct zs_handle_slot *slot =
		zs_handle_slot_at(&pool->handles, zspage_handles(zs)[i]);

	ZS_BUG_ON(!slot);
	return slot;
}

bool zspage_hold(struct zs_pool *pool, const struct zspage *zs, unsigned int lo,
		 unsigned int hi)
{
	const unsigned int *handles = zspage_handles(zs);

	for (unsigned int i = lo; i < hi; i++) {
		if (!handles[i] || zs_slot_hold(live_slot(pool, zs, i)))
			continue;
		zspage_unhold(pool, zs, lo, i);
		return false;
	}
	return true;
}

void zspage_unhold(struct zs_pool *pool, const struct zspage *zs,
		   unsigned int lo, unsigned int hi)
{
	const unsigned int *handles = zspage_handles(zs);

	for (unsigned int i = lo; i < hi; i++)
		if (handles[i])
			zs_slot_unhold(live_slot(pool, zs, i));
}

void zspage_refile(struct zs_pool *pool, struct size_class *class,
		   struct zspage *zs)
{
	enum zs_fullness_group group =
		zs_fullness_of(zs->inuse, class->objs_per_zspage);

	zspage_ratio_refile(class, zs);
	if (group == zs->fullness)
		return;
	/* the kept count moves only when a zspage comes or goes, not on a
	 * change of group; writers hold the lock: no read-modify-write */
	if (zs->fullness == ZS_EMPTY || group == ZS_EMPTY) {
		bool gone = group == ZS_EMPTY;
		unsigned long kept =
			zs_atomic_read(&class->nr_kept) + (gone ? -1UL : 1UL);

		zs_atomic_set(&class->nr_kept, kept);
		if (kept == (gone ? 0ul : 1ul)) /* its last, or its first */
			zs_kept_mark(pool, class, !gone);
	}
	if (zs->fullness != ZS_EMPTY)
		class->nr_zspages[zs->fullness]--;
	if (group != ZS_EMPTY)
		class->nr_zspages[group]++;
	zs->fullness = (uint8_t)group;
}

struct zspage *zspage_fullest(struct size_class *class)
{
	/* as the kernel since 6.4: fullest first, so that the emptiest
	 * drain for compaction; 99% down to 1% */
	for (unsigned int r = ZS_RATIO_99; r >= ZS_RATIO_10; r--)
		if (class->ratio_list[r])
			return class->ratio_list[r];
	return NULL;
}
