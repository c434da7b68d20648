/* SPDX-License-Identifier: MIT */
/*
 * Zspages: chains of pages holding one class's objects, which may straddle
 * page boundaries. Freed objects are linked through their first word, on
 * every page; the links are location words shifted left by the tag bit,
 * the head (in the descriptor) an object index.
 * Objects from index `fresh` on have never been handed out: they are free
 * without a link, so a new zspage costs no write to its pages (a 1 MiB
 * zspage of 32-byte objects would otherwise need 32768 of them, and every
 * page resident at once). All functions run under the class lock.
 */
#ifndef ZS_ZSPAGE_H
#define ZS_ZSPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/report.h"
#include "pool.h"

/* Bytes at the start of a free object that hold its link. */
#define ZS_LINK_SPAN 8u

struct zspage {
	struct size_class *class;
	struct zspage *rprev, *rnext; /* its ratio list, the only one */
	unsigned int compact_stamp;   /* class's pass that last tried it */
	/*
	 * Counters as narrow as their ranges (at most 2^15 objects and 16
	 * pages a zspage): the header is shared by few objects (5.75 on
	 * average in the page-trace benchmark), so each byte of it counts.
	 */
	uint16_t inuse;
	uint16_t fresh;	    /* first object never handed out */
	uint16_t free_head; /* the first freed object's index + 1; 0: none */
	uint8_t fullness;   /* enum zs_fullness_group, for the counts only */
	uint8_t ratio;	    /* enum zs_ratio; ZS_RATIO_0: on no ratio list */
	uint8_t nr_pages;
	/*
	 * The descriptors of its pages_per_zspage pages, then the handle
	 * array: a page's descriptor lives and moves with its zspage.
	 */
	struct zs_page pages[];
};
_Static_assert(1u << ZS_OBJ_LOW_BITS <= UINT16_MAX &&
		       ZS_MAX_CHAIN <= UINT8_MAX && ZS_NR_RATIOS <= UINT8_MAX,
	       "a zspage's counters fit their fields");
_Static_assert(sizeof(void *) != 8 || sizeof(struct zspage) == 40,
	       "a zspage header is 40 bytes on 64-bit builds");

/* A descriptor's bytes: the page descriptors of its chain, then the
 * handle array. */
static inline size_t zspage_bytes(const struct size_class *class)
{
	return sizeof(struct zspage) +
	       class->pages_per_zspage * sizeof(struct zs_page) +
	       class->objs_per_zspage * sizeof(unsigned int);
}

/*
 * The handle slot of each object (0 when free), after the page
 * descriptors: found from the class's chain length, not a pointer of its
 * own.
 */
static inline unsigned int *zspage_handles(const struct zspage *zs)
{
	return (unsigned int *)(zs->pages + zs->class->pages_per_zspage);
}

/*
 * The zspage whose descriptor holds page, from the page's index: only for
 * a page found in the pfn table or in a zspage, whose index is its
 * position (zs_pool_check verifies that before it looks further).
 */
static inline struct zspage *zs_page_zspage(const struct zs_page *page)
{
	uintptr_t first = (uintptr_t)(page - page->index);

	return (struct zspage *)(first - offsetof(struct zspage, pages));
}

/* The page after page in its zspage (a straddling object's second page). */
static inline struct zs_page *zs_page_next(const struct zs_page *page)
{
	struct zspage *zs = zs_page_zspage(page);

	ZS_BUG_ON(page->index + 1u >= zs->nr_pages);
	return &zs->pages[page->index + 1];
}

/* A zspage with every object free (none linked yet), on no list; or NULL. */
struct zspage *zspage_create(struct zs_pool *pool, struct size_class *class);
/* Give every page back and free the descriptor; it must be on no list. */
void zspage_release(struct zs_pool *pool, struct zspage *zs);

/*
 * Move the descriptor of zs (its pages' with it) out of a metadata chunk
 * being drained to a fresh one, the pfn table repointed: the zspage as it
 * is now, maybe at a new address. Under the class lock, with every object
 * of zs held (zspage_hold): nobody else holds a pointer to them then.
 */
struct zspage *zspage_rehome(struct zs_pool *pool, struct zspage *zs);

/* Location word of object idx. */
unsigned long zspage_obj_word(const struct zs_pool *pool,
			      const struct zspage *zs, unsigned int idx);
/* Location word of the first freed object, 0 when none; the head must be
 * in range (free_head <= objs_per_zspage: the checker looks first). */
static inline unsigned long zspage_free_head(const struct zs_pool *pool,
					     const struct zspage *zs)
{
	return zs->free_head ? zspage_obj_word(pool, zs, zs->free_head - 1u)
			     : 0;
}
/*
 * The zspage holding location obj of class, with the object's index and
 * start page; NULL when obj is not an object of that class.
 */
static inline struct zspage *
zspage_of_obj(struct zs_pool *pool, struct size_class *class, unsigned long obj,
	      unsigned int *idxp, struct zs_page **pagep)
{
	struct zs_page *page = zs_pfn_to_page(pool, zs_obj_pfn(pool, obj));
	unsigned int idx = zs_obj_index(pool, obj);
	struct zspage *zs;

	if (!page || idx >= class->objs_per_zspage)
		return NULL;
	/* the object must start on this page: then, and only then, is the
	 * zspage page->index descriptors back */
	if (((size_t)idx * class->size) >> pool->geo.page_shift != page->index)
		return NULL;
	zs = zs_page_zspage(page);
	if (zs->class != class)
		return NULL;
	*idxp = idx;
	*pagep = page;
	return zs;
}

/* Take the first freed object, else the first fresh one: its location, or
 * 0 (reported). */
unsigned long zspage_pop_free(struct zs_pool *pool, struct zspage *zs);
/*
 * Put object idx back on the free list: 0, or -1 (reported). Its link is
 * stored late: by the class's next push, or by zspage_store_link.
 */
int zspage_push_free(struct zs_pool *pool, struct zspage *zs, unsigned int idx);
/* Store the link of the class's last push now, if it is not stored yet;
 * under the class lock (for moves that read links from page memory). */
void zspage_store_link(struct zs_pool *pool, struct size_class *class);
/* Read the link word of free object idx: the one waiting in its class,
 * else from page memory (for the checker). */
bool zspage_read_link(struct zs_pool *pool, struct zspage *zs, unsigned int idx,
		      unsigned long *link);

/*
 * A mover holds every live object of lo..hi-1 of zs (zs_slot_hold), under
 * the class lock: false, none held, when one is pinned (mapped, being read
 * or written).
 */
bool zspage_hold(struct zs_pool *pool, const struct zspage *zs, unsigned int lo,
		 unsigned int hi);
/* Let them go again (zs may be the descriptor's new home). */
void zspage_unhold(struct zs_pool *pool, const struct zspage *zs,
		   unsigned int lo, unsigned int hi);

/*
 * Move zs to the ratio list its inuse count calls for (none when empty),
 * and count it in its fullness group.
 */
void zspage_refile(struct zs_pool *pool, struct size_class *class,
		   struct zspage *zs);
/* The zspage to allocate from: the head of the fullest ratio list below
 * 100%, or NULL. */
struct zspage *zspage_fullest(struct size_class *class);

/* Ratio bucket (enum zs_ratio) of inuse of objs objects. */
unsigned int zspage_ratio_of(unsigned int inuse, unsigned int objs);
/* The ratio-list half of zspage_refile (ratio.c). */
void zspage_ratio_refile(struct size_class *class, struct zspage *zs);

#endif /* ZS_ZSPAGE_H */
