// SPDX-License-Identifier: MIT
/*
 * zs_pool_check() and the statistics. The checker holds check_mutex and
 * freezes every class used so far (no zs_malloc, zs_free, zs_compact or
 * zs_page_migrate can change one; maps may, they change nothing it
 * reads), then takes the handle table's locks and the pfn locks, and walks
 * everything: ratio lists and groups, pages, free lists, the handle
 * table.
 */
#include <zsmalloc.h>

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "kernel/report.h"
#include "pool.h"
#include "zspage.h"

/* Enough bits for the most objects a zspage can hold (16 * 64K / 32). */
#define MAX_OBJS  (ZS_MAX_CHAIN * ZS_MAX_PAGE_SIZE / ZS_MIN_OBJ_SIZE)
#define WORD_BITS (sizeof(unsigned long) * CHAR_BIT)

struct checker {
	struct zs_pool *pool;
	int problems;
	unsigned long zspage_pages;
	unsigned long objs_in_use;
	/*
	 * Every page descriptor sits at its index in its zspage: only then
	 * may location words be followed (a page's index leads to its
	 * zspage, zs_page_zspage).
	 */
	bool pages_ok;
	unsigned long seen[MAX_OBJS / WORD_BITS];
};

#define PROBLEM(ck, ...)                                                       \
	do {                                                                   \
		(ck)->problems++;                                              \
		zs_report("pool check", __VA_ARGS__);                          \
	} while (0)

static bool test_and_set(unsigned long *bits, unsigned int i)
{
	unsigned long m = 1ul << (i % WORD_BITS);
	bool was = bits[i / WORD_BITS] & m;

	bits[i / WORD_BITS] |= m;
	return was;
}

/*
 * The first class ever used at or after step k of shard s, then of the
 * next shards; NULL when there is none. The checker freezes and walks only
 * those: their bits are set under check_mutex, which it holds.
 */
static struct size_class *used_from(struct zs_pool *pool, unsigned int s,
				    unsigned int k)
{
	for (; s < pool->nr_shards; s++, k = 0) {
		struct size_class *arr = zs_shard_classes(pool, s);
		unsigned int i = zs_step_next(pool->used_map[s], k);

		if (arr && i != ZS_STEP_NONE)
			return &arr[i];
	}
	return NULL;
}

#define for_each_used_class(pool, c)                                           \
	for ((c) = used_from((pool), 0, 0); (c);                               \
	     (c) = used_from((pool), (c)->shard, (c)->step + 1))

static void check_pages(struct checker *ck, struct zspage *zs)
{
	struct zs_pool *pool = ck->pool;
	unsigned int k, n = zs->class->pages_per_zspage;

	if (zs->nr_pages != n)
		PROBLEM(ck, "class %zu: zspage has %u pages, not %u",
			zs->class->size, zs->nr_pages, n);
	/* the descriptors are the class's length, whatever nr_pages says */
	if (zs->nr_pages < n)
		n = zs->nr_pages;
	for (k = 0; k < n; k++) {
		struct zs_page *page = &zs->pages[k];

		if (page->index != k) {
			PROBLEM(ck, "pfn %u: back-reference broken",
				(unsigned int)page->pfn);
			ck->pages_ok = false;
		}
		if (!page->mem) {
			PROBLEM(ck, "class %zu: zspage page %u missing",
				zs->class->size, k);
			continue;
		}
		if (zs_pfn_to_page(pool, page->pfn) != page)
			PROBLEM(ck, "pfn %u: not in the pfn table",
				(unsigned int)page->pfn);
		if (page->class_idx != zs->class->index)
			PROBLEM(ck, "pfn %u: class %u, its zspage's is %u",
				(unsigned int)page->pfn, page->class_idx,
				zs->class->index);
		ck->zspage_pages++;
	}
}

/*
 * Every kept zspage's pages, before any location word is followed: the
 * lists are walked as check_class does, bounded and without its reports.
 */
static void check_all_pages(struct checker *ck)
{
	unsigned long limit = zs_pool_nr_pages(ck->pool);
	struct size_class *c;

	ck->pages_ok = true;
	for_each_used_class(ck->pool, c)
		for (unsigned int r = ZS_RATIO_10; r < ZS_NR_RATIOS; r++) {
			unsigned long n = 0;

			for (struct zspage *zs = c->ratio_list[r];
			     zs && ++n <= limit; zs = zs->rnext)
				if (zs->class == c)
					check_pages(ck, zs);
		}
}

/*
 * Walk the free list: well formed, only freed objects (below the fresh
 * index), and with the fresh ones, all free objects.
 */
static void check_free_list(struct checker *ck, struct zspage *zs)
{
	struct zs_pool *pool = ck->pool;
	unsigned int objs = zs->class->objs_per_zspage;
	const unsigned int *handles = zspage_handles(zs);
	unsigned int nfree = 0, idx, i, allocated = 0;
	struct zs_page *page;
	unsigned long obj;

	if (zs->fresh > objs) {
		PROBLEM(ck, "class %zu: fresh index %u past its %u objects",
			zs->class->size, zs->fresh, objs);
		return;
	}
	if (zs->free_head > objs) {
		PROBLEM(ck,
			"class %zu: free list head %u past its %u "
			"objects",
			zs->class->size, zs->free_head - 1u, objs);
		return;
	}
	obj = zspage_free_head(pool, zs);
	memset(ck->seen, 0,
	       (objs + WORD_BITS - 1) / WORD_BITS * sizeof(unsigned long));
	while (obj) {
		unsigned long link;

		if (zspage_of_obj(pool, zs->class, obj, &idx, &page) != zs) {
			PROBLEM(ck,
				"class %zu: free list holds %#lx, not an "
				"object of its zspage",
				zs->class->size, obj);
			return;
		}
		if (idx >= zs->fresh) {
			PROBLEM(ck,
				"class %zu: free list holds object %u, never "
				"handed out (fresh from %u)",
				zs->class->size, idx, zs->fresh);
			return;
		}
		if (test_and_set(ck->seen, idx)) {
			PROBLEM(ck, "class %zu: free list loops at object %u",
				zs->class->size, idx);
			return;
		}
		if (handles[idx])
			PROBLEM(ck,
				"class %zu: object %u is free and "
				"allocated",
				zs->class->size, idx);
		nfree++;
		if (!zspage_read_link(pool, zs, idx, &link)) {
			ck->problems++;
			return;
		}
		if (link & ((1ul << ZS_OBJ_TAG_BITS) - 1)) {
			PROBLEM(ck,
				"class %zu: object %u: link %#lx has its "
				"tag bit set",
				zs->class->size, idx, link);
			return;
		}
		obj = link >> ZS_OBJ_TAG_BITS;
	}
	for (i = 0; i < objs; i++) {
		if (!handles[i])
			continue;
		allocated++;
		if (i >= zs->fresh)
			PROBLEM(ck,
				"class %zu: object %u is allocated and "
				"fresh (fresh from %u)",
				zs->class->size, i, zs->fresh);
	}
	if (allocated != zs->inuse)
		PROBLEM(ck, "class %zu: zspage counts %u in use, holds %u",
			zs->class->size, zs->inuse, allocated);
	if (nfree + (objs - zs->fresh) + zs->inuse != objs)
		PROBLEM(ck,
			"class %zu: %u free + %u fresh + %u in use != %u "
			"objects",
			zs->class->size, nfree, objs - zs->fresh, zs->inuse,
			objs);
}

/* Every allocated object's handle slot points back at it. */
static void check_objects(struct checker *ck, struct zspage *zs)
{
	struct zs_pool *pool = ck->pool;
	const unsigned int *handles = zspage_handles(zs);
	unsigned int i;

	for (i = 0; i < zs->class->objs_per_zspage; i++) {
		struct zs_handle_slot *slot;

		if (!handles[i])
			continue;
		slot = zs_handle_slot_at(&pool->handles, handles[i]);
		if (!slot || zs_slot_location(&pool->handles, slot) !=
				     zspage_obj_word(pool, zs, i)) {
			PROBLEM(ck,
				"class %zu: object %u: handle slot %u does "
				"not point back",
				zs->class->size, i, handles[i]);
			continue;
		}
		/* the size names the class: this one, no smaller one */
		if (zs_slot_class(pool, slot) != zs->class)
			PROBLEM(ck,
				"class %zu: object %u: size %u out of "
				"range",
				zs->class->size, i, zs_slot_size(slot));
	}
}

/*
 * A kept zspage on ratio list r of c: its counts and its lists, then its
 * free list and objects. Returns its objects in use.
 */
static unsigned long check_kept(struct checker *ck, struct size_class *c,
				struct zspage *zs, unsigned int r,
				unsigned long *groups)
{
	enum zs_fullness_group g =
		zs_fullness_of(zs->inuse, c->objs_per_zspage);

	if (zs->ratio != r ||
	    zspage_ratio_of(zs->inuse, c->objs_per_zspage) != r)
		PROBLEM(ck,
			"class %zu: zspage with %u/%u in use on ratio list %u",
			c->size, zs->inuse, c->objs_per_zspage, r);
	if (zs->fullness != g || g == ZS_EMPTY)
		PROBLEM(ck,
			"class %zu: zspage with %u/%u in use counted in "
			"group %u",
			c->size, zs->inuse, c->objs_per_zspage, zs->fullness);
	else
		groups[g]++;
	if (ck->pages_ok)
		check_free_list(ck, zs);
	check_objects(ck, zs);
	return zs->inuse;
}

static void check_class(struct checker *ck, struct size_class *c)
{
	unsigned long groups[ZS_NR_FULLNESS_GROUPS] = {0};
	unsigned long zspages = 0, used = 0;
	unsigned long limit = zs_pool_nr_pages(ck->pool);
	bool link_found = false;
	unsigned int r;
	int g;

	if (c->ratio_list[ZS_RATIO_0] || c->nr_ratio[ZS_RATIO_0])
		PROBLEM(ck, "class %zu: empty zspages on a ratio list",
			c->size);
	for (r = ZS_RATIO_10; r < ZS_NR_RATIOS; r++) {
		struct zspage *zs, *prev = NULL;
		unsigned long n = 0;

		for (zs = c->ratio_list[r]; zs; prev = zs, zs = zs->rnext) {
			/* a zspage holds at least one page: more entries
			 * than pages means the list loops */
			if (++n > limit) {
				PROBLEM(ck, "class %zu: ratio list %u loops",
					c->size, r);
				break;
			}
			if (zs->rprev != prev)
				PROBLEM(ck,
					"class %zu: ratio list links broken",
					c->size);
			if (zs->class != c) {
				/* its geometry is not c's: walking it with
				 * c's object count would read past it */
				PROBLEM(ck,
					"class %zu: zspage of class %zu "
					"on its ratio list %u",
					c->size, zs->class->size, r);
				continue;
			}
			link_found |= zs == c->link_zs;
			used += check_kept(ck, c, zs, r, groups);
		}
		if (n != c->nr_ratio[r])
			PROBLEM(ck,
				"class %zu: ratio list %u holds %lu zspages, "
				"counted %lu",
				c->size, r, n, c->nr_ratio[r]);
		zspages += n;
	}
	/* a link stored late belongs to its zspage's first free object */
	if (c->link_zs && !link_found)
		PROBLEM(ck,
			"class %zu: a link waits for a zspage not on its lists",
			c->size);
	else if (c->link_zs && c->link_zs->free_head != c->link_idx + 1u)
		PROBLEM(ck,
			"class %zu: object %u's link waits, but the object "
			"does not head its zspage's free list",
			c->size, c->link_idx);
	for (g = 0; g < ZS_NR_FULLNESS_GROUPS; g++)
		if (groups[g] != c->nr_zspages[g])
			PROBLEM(ck,
				"class %zu: group %d holds %lu zspages, "
				"counted %lu",
				c->size, g, groups[g], c->nr_zspages[g]);
	if (zs_atomic_read(&c->nr_kept) != zspages)
		PROBLEM(ck, "class %zu: %lu zspages on its lists, %lu kept",
			c->size, zspages, zs_atomic_read(&c->nr_kept));
	if (c->obj_used != used ||
	    c->obj_allocated != zspages * c->objs_per_zspage ||
	    c->pages_used != zspages * c->pages_per_zspage)
		PROBLEM(ck, "class %zu: statistics disagree with its zspages",
			c->size);
	ck->objs_in_use += used;
}

/*
 * A class never used is as made: no zspage, no count. Nobody changes it
 * while the checker holds check_mutex, so it is read without its lock.
 */
static void check_unused_class(struct checker *ck, struct size_class *c)
{
	unsigned long any = zs_atomic_read(&c->nr_kept) | c->obj_allocated |
			    c->obj_used | c->pages_used |
			    (unsigned long)(uintptr_t)c->link_zs;

	for (unsigned int r = 0; r < ZS_NR_RATIOS; r++)
		any |= (unsigned long)(uintptr_t)c->ratio_list[r] |
		       c->nr_ratio[r];
	for (int g = 0; g < ZS_NR_FULLNESS_GROUPS; g++)
		any |= c->nr_zspages[g];
	if (any)
		PROBLEM(ck,
			"class %zu: never used, yet holds zspages or counts",
			c->size);
}

/* A slot of a made chunk: if live, it names an object of its class. */
static unsigned long check_slot(struct checker *ck, unsigned long i,
				struct zs_handle_slot *slot)
{
	struct zs_pool *pool = ck->pool;
	unsigned long obj = zs_slot_location(&pool->handles, slot);
	struct size_class *class;
	struct zs_page *page;
	unsigned int idx;

	if (!obj)
		return 0;
	class = zs_slot_class(pool, slot);
	if (!class) {
		PROBLEM(ck, "handle slot %lu: size %u invalid", i,
			zs_slot_size(slot));
		return 1;
	}
	if (ck->pages_ok && !zspage_of_obj(pool, class, obj, &idx, &page))
		PROBLEM(ck, "handle slot %lu: location %#lx is no object", i,
			obj);
	return 1;
}

/* A chunk's ready slots: free, each once, as many as counted. */
static unsigned long check_ready_slots(struct checker *ck, unsigned long c,
				       struct zs_handle_chunk *ch, void *leaf)
{
	unsigned int link = ch->ready, n = 0, tail;

	while (link) {
		if (link > ch->fresh || (!c && link == 1) ||
		    zs_atomic_read(zs_slot_word(zs_slot_ref(leaf, link - 1)))) {
			PROBLEM(ck, "free handle slot chain broken at %lu",
				c * ZS_HANDLE_CHUNK_SLOTS + link - 1);
			return n;
		}
		if (++n > ZS_HANDLE_CHUNK_SLOTS) {
			PROBLEM(ck, "free handle slot chain loops (chunk %lu)",
				c);
			return n;
		}
		/* a ready slot's pin word holds the next one */
		link = zs_slot_mapcount(zs_slot_ref(leaf, link - 1));
	}
	/* the rest of the ready ones: the chunk's never handed out tail */
	tail = (unsigned int)ZS_HANDLE_CHUNK_SLOTS - ch->fresh;
	if (n + tail != ch->nr_ready)
		PROBLEM(ck,
			"free handle slot chain holds %u in chunk %lu and %u "
			"were never handed out, counted %u ready",
			n, c, tail, ch->nr_ready);
	return n + tail;
}

/*
 * Where a chunk's never handed out tail starts: in the chunk, and the
 * first slot of the tail untouched (a word written past the mark would
 * be an object the walk below never sees).
 */
static bool check_fresh_mark(struct checker *ck, unsigned long c,
			     const struct zs_handle_chunk *ch, void *leaf)
{
	struct zs_handle_slot *s;

	if (ch->fresh < (c ? 0u : 1u) || ch->fresh > ZS_HANDLE_CHUNK_SLOTS) {
		PROBLEM(ck, "handle chunk %lu: %u slots handed out", c,
			ch->fresh);
		return false;
	}
	if (ch->fresh == ZS_HANDLE_CHUNK_SLOTS)
		return true;
	s = zs_slot_ref(leaf, ch->fresh);
	if (zs_atomic_read(zs_slot_word(s)) || atomic_load(zs_slot_pin_word(s)))
		PROBLEM(ck,
			"handle slot %lu was never handed out and is written",
			c * ZS_HANDLE_CHUNK_SLOTS + ch->fresh);
	return true;
}

/* The list of chunks with ready slots: exactly those chunks. */
static void check_ready_chunks(struct checker *ck)
{
	struct zs_handle_table *t = &ck->pool->handles;
	unsigned long n = 0, want = 0, c;
	unsigned int link, prev = 0;

	for (c = 0; c < t->nr_chunks; c++)
		if (t->chunks[c].made && t->chunks[c].nr_ready)
			want++;
	for (link = t->ready_head; link;
	     prev = link, link = t->chunks[link - 1].next) {
		struct zs_handle_chunk *ch;

		if (link > t->nr_chunks || ++n > t->nr_chunks) {
			PROBLEM(ck, "handle chunk list broken");
			return;
		}
		ch = &t->chunks[link - 1];
		if (!ch->made || !ch->nr_ready || ch->prev != prev)
			PROBLEM(ck, "handle chunk %u on the list wrongly",
				link - 1);
	}
	if (n != want)
		PROBLEM(ck, "handle chunk list holds %lu chunks, %lu have room",
			n, want);
}

/* Whether slot index was ever handed out (below its chunk's fresh mark). */
static bool handed_out(const struct zs_handle_table *t, unsigned long index)
{
	unsigned long c = index / ZS_HANDLE_CHUNK_SLOTS;

	return c < t->nr_chunks && t->chunks[c].made &&
	       index % ZS_HANDLE_CHUNK_SLOTS < t->chunks[c].fresh;
}

/*
 * A shard: its freed slots free (word 0); its slots taken ahead free and
 * unpinned, as a reserved slot is.
 */
static void check_shard(struct checker *ck, unsigned int k,
			const struct zs_handle_shard *sh)
{
	struct zs_handle_table *t = &ck->pool->handles;
	struct zs_handle_slot *slot;
	unsigned int i;

	if (sh->n > ZS_HANDLE_BATCH)
		PROBLEM(ck, "handle batch %u holds %u", k, sh->n);
	for (i = 0; i < sh->n && i < ZS_HANDLE_BATCH; i++) {
		slot = zs_handle_slot_at(t, sh->retired[i]);
		if (!sh->retired[i] || !slot ||
		    !handed_out(t, sh->retired[i]) ||
		    zs_atomic_read(zs_slot_word(slot)))
			PROBLEM(ck, "batched handle slot %u is not free",
				sh->retired[i]);
	}
	if (sh->n_ahead > ZS_HANDLE_BATCH || sh->next > sh->n_ahead) {
		PROBLEM(ck, "handle shard %u: %u of %u slots taken ahead gone",
			k, sh->next, sh->n_ahead);
		return;
	}
	for (i = sh->next; i < sh->n_ahead; i++) {
		slot = zs_handle_slot_at(t, sh->ahead[i]);
		if (!sh->ahead[i] || !slot || !handed_out(t, sh->ahead[i]) ||
		    zs_atomic_read(zs_slot_word(slot)) ||
		    zs_slot_mapcount(slot))
			PROBLEM(ck, "handle slot %u taken ahead is not free",
				sh->ahead[i]);
	}
}

/*
 * Handle slots: live ones exactly the objects in use, each valid; free ones
 * quarantined or on their chunk's ready chain, as counted; a chunk given
 * back has no leaf.
 */
static void check_handles(struct checker *ck)
{
	struct zs_handle_table *t = &ck->pool->handles;
	unsigned long c, i, live = 0, ready = 0, made = 0;

	for (c = 0; c < t->nr_chunks; c++) {
		struct zs_handle_chunk *ch = &t->chunks[c];
		void *leaf =
			zs_radix_leaf(&t->slots, c * ZS_HANDLE_CHUNK_SLOTS);

		if (!ch->made) {
			if (leaf)
				PROBLEM(ck,
					"handle chunk %lu was given back and "
					"is still there",
					c);
			continue;
		}
		made++;
		if (!leaf) {
			PROBLEM(ck, "handle chunk %lu is missing", c);
			continue;
		}
		if (!check_fresh_mark(ck, c, ch, leaf))
			continue;
		for (i = c ? 0 : 1; i < ch->fresh; i++)
			live += check_slot(ck, c * ZS_HANDLE_CHUNK_SLOTS + i,
					   zs_slot_ref(leaf, i));
		ready += check_ready_slots(ck, c, ch, leaf);
	}
	check_ready_chunks(ck);
	if (made != t->nr_chunks_made || made != zs_radix_nr_leaves(&t->slots))
		PROBLEM(ck, "%lu handle chunks made, %lu counted, %lu leaves",
			made, t->nr_chunks_made, zs_radix_nr_leaves(&t->slots));
	if (t->q_len > ZS_HANDLE_QUARANTINE)
		PROBLEM(ck, "handle quarantine holds %lu", t->q_len);
	for (i = 0; i < t->q_len && i < ZS_HANDLE_QUARANTINE; i++) {
		unsigned long index =
			t->quarantine[(t->q_head + i) % ZS_HANDLE_QUARANTINE];
		struct zs_handle_slot *slot = zs_handle_slot_at(t, index);

		if (!index || !slot || !handed_out(t, index) ||
		    zs_atomic_read(zs_slot_word(slot)))
			PROBLEM(ck, "quarantined handle slot %lu is not free",
				index);
	}
	for (unsigned int k = 0; k < ZS_HANDLE_SHARDS; k++)
		check_shard(ck, k, &t->shards[k]);
	if (ready + t->q_len != t->nr_free)
		PROBLEM(ck,
			"free handle slot chain holds %lu ready and %lu "
			"quarantined, counted %lu",
			ready, t->q_len, t->nr_free);
	if (live != ck->objs_in_use)
		PROBLEM(ck, "%lu live handles for %lu objects in use", live,
			ck->objs_in_use);
}

/*
 * Shard s's classes, if made: each served by itself or a serving one;
 * those ever used checked whole, the others found as made, and no merged
 * step (or one of a shard not made) marked as used. And its marks of
 * classes that keep zspages: exactly its serving classes
 * with a kept count, no bit for a merged step, past the last step or in a
 * shard not made (a missing mark hides a class from zs_compact and
 * zs_destroy_pool). A word of marks at a time, against the word its
 * classes call for.
 */
static void check_class_shard(struct checker *ck, unsigned int s)
{
	struct zs_pool *pool = ck->pool;
	struct size_class *arr = zs_shard_classes(pool, s);
	unsigned int n = arr ? pool->geo.nr_steps : 0;

	for (unsigned int w = 0; w < ZS_KEPT_WORDS; w++) {
		unsigned long used = zs_atomic_read(&pool->used_map[s][w]);
		unsigned long want = 0, may_use = 0, wrong;

		for (unsigned int b = 0; b < ZS_BITS_PER_LONG; b++) {
			unsigned int i = w * ZS_BITS_PER_LONG + b;
			struct size_class *c;
			bool serves;

			if (i >= n)
				break;
			c = &arr[i];
			serves = c->served_by == i;
			if (c->served_by < i || c->served_by >= n ||
			    (!serves &&
			     arr[c->served_by].served_by != c->served_by) ||
			    c->step != i || c->shard != s ||
			    c->index != s * n + i)
				PROBLEM(ck,
					"shard %u, size step %u: served by %u",
					s, i, c->served_by);
			else if (serves && used >> b & 1)
				check_class(ck, c);
			else if (serves)
				check_unused_class(ck, c);
			if (serves && zs_atomic_read(&c->nr_kept))
				want |= 1ul << b;
			if (serves)
				may_use |= 1ul << b;
		}
		wrong = zs_atomic_read(&pool->kept_map[s][w]) ^ want;
		for (; wrong; wrong &= wrong - 1) {
			unsigned int b = (unsigned int)__builtin_ctzl(wrong);

			PROBLEM(ck,
				"shard %u, size step %u: %s as keeping zspages",
				s, w * ZS_BITS_PER_LONG + b,
				want >> b & 1 ? "not marked" : "marked");
		}
		for (wrong = used & ~may_use; wrong; wrong &= wrong - 1)
			PROBLEM(ck, "shard %u, size step %u: marked as used", s,
				w * ZS_BITS_PER_LONG +
					(unsigned int)__builtin_ctzl(wrong));
	}
}

/*
 * Freeze (or thaw) every serving class used so far, one lock at a time.
 * Once all are frozen nobody is inside a class's critical section and
 * nobody gets in (zs_class_lock waits on check_mutex), so the checker
 * reads every class at rest without holding its lock. The others are
 * not frozen: a first use waits on check_mutex before it changes one.
 */
static void freeze_classes(struct zs_pool *pool, bool frozen)
{
	struct size_class *c;

	for_each_used_class(pool, c) {
		zs_mutex_lock(&c->lock);
		c->frozen = frozen;
		zs_mutex_unlock(&c->lock);
	}
}

/*
 * The shards' cached pfns: in range, marked used, naming no page (a
 * zspage's pfn is in the table), each once; each shard's page count at
 * most the pages there are.
 */
static void check_pfn_caches(struct checker *ck)
{
	struct zs_pool *pool = ck->pool;
	uint32_t cached[ZS_MAX_SHARDS * ZS_PFN_CACHE];
	unsigned int nr_cached = 0;

	for (unsigned int s = 0; s < ZS_MAX_SHARDS; s++) {
		struct zs_pfn_cache *c = &pool->pfn_cache[s];

		if (c->n > ZS_PFN_CACHE) {
			PROBLEM(ck, "pfn cache %u holds %u", s, c->n);
			continue;
		}
		if (zs_atomic_read(&c->pages) > ck->zspage_pages)
			PROBLEM(ck, "shard %u counts %lu pages of %lu", s,
				zs_atomic_read(&c->pages), ck->zspage_pages);
		for (unsigned int i = 0; i < c->n; i++) {
			unsigned long pfn = c->pfn[i];

			if (!pfn || pfn >= pool->pfn_limit ||
			    pfn / WORD_BITS >= pool->pfn_words ||
			    !(pool->pfn_used[pfn / WORD_BITS] >>
				      (pfn % WORD_BITS) &
			      1) ||
			    zs_pfn_to_page(pool, pfn))
				PROBLEM(ck, "cached pfn %lu is not a free one",
					pfn);
			for (unsigned int j = 0; j < nr_cached; j++)
				if (cached[j] == pfn)
					PROBLEM(ck, "pfn %lu cached twice",
						pfn);
			cached[nr_cached++] = c->pfn[i];
		}
	}
}

int zs_pool_check(struct zs_pool *pool)
{
	static _Thread_local struct checker ck; /* large: not on the stack */
	unsigned int i;

	if (!pool) {
		zs_report("pool check", "no pool");
		return 1;
	}
	memset(&ck, 0, sizeof(ck));
	ck.pool = pool;
	zs_mutex_lock(&pool->check_mutex);
	freeze_classes(pool, true);
	for (i = 0; i < ZS_HANDLE_SHARDS; i++)
		zs_mutex_lock(&pool->handles.shards[i].lock);
	zs_mutex_lock(&pool->handles.lock);
	zs_pool_pfn_lock_all(pool);

	check_all_pages(&ck);
	for (i = 0; i < ZS_MAX_SHARDS; i++)
		check_class_shard(&ck, i);
	check_handles(&ck);
	check_pfn_caches(&ck);
	if (ck.zspage_pages != zs_pool_nr_pages(pool))
		PROBLEM(&ck, "%lu pages in zspages, %lu counted",
			ck.zspage_pages, zs_pool_nr_pages(pool));

	zs_pool_pfn_unlock_all(pool);
	zs_mutex_unlock(&pool->handles.lock);
	for (i = 0; i < ZS_HANDLE_SHARDS; i++)
		zs_mutex_unlock(&pool->handles.shards[i].lock);
	freeze_classes(pool, false);
	zs_mutex_unlock(&pool->check_mutex);
	return ck.problems;
}

int zs_class_stat(struct zs_pool *pool, unsigned int index,
		  struct zs_class_stat *st)
{
	struct size_class *c;
	unsigned int step;
	int g;

	if (!pool || index >= pool->geo.nr_steps)
		return -1;
	c = zs_serving_class(pool, index);
	step = c->step; /* the same in every shard */
	memset(st, 0, sizeof(*st));
	st->index = index;
	st->merged_into = c->step;
	st->size = c->size;
	st->pages_per_zspage = c->pages_per_zspage;
	st->objs_per_zspage = c->objs_per_zspage;
	/* the class's figures summed over its shards */
	for (unsigned int s = 0; s < pool->nr_shards; s++) {
		struct size_class *arr = zs_shard_classes(pool, s);

		/* never used: nothing to add (and a first use now comes
		 * after this look); its descriptor is not even read */
		if (!arr || !zs_step_test(pool->used_map[s], step))
			continue;
		c = &arr[step];
		zs_mutex_lock(&c->lock);
		for (g = 0; g < ZS_NR_FULLNESS_GROUPS; g++)
			st->zspages[g] += c->nr_zspages[g];
		st->obj_allocated += c->obj_allocated;
		st->obj_used += c->obj_used;
		st->pages_used += c->pages_used;
		zs_mutex_unlock(&c->lock);
	}
	return 0;
}

void zs_dump_classes(struct zs_pool *pool, FILE *out)
{
	unsigned long t_af = 0, t_ae = 0, t_alloc = 0, t_used = 0, t_pages = 0,
		      t_free = 0;
	unsigned int i;

	fprintf(out, " %5s %5s %11s %12s %13s %10s %10s %16s %8s\n", "class",
		"size", "almost_full", "almost_empty", "obj_allocated",
		"obj_used", "pages_used", "pages_per_zspage", "freeable");
	for (i = 0; pool && i < pool->geo.nr_steps; i++) {
		struct zs_class_stat st;
		unsigned long freeable;

		if (pool->classes[i].served_by != i ||
		    zs_class_stat(pool, i, &st) != 0)
			continue;
		/* whole zspages a compactor could give back */
		freeable = (st.obj_allocated - st.obj_used) /
			   st.objs_per_zspage * st.pages_per_zspage;
		fprintf(out,
			" %5u %5zu %11lu %12lu %13lu %10lu %10lu %16u %8lu\n",
			i, st.size, st.zspages[ZS_ALMOST_FULL],
			st.zspages[ZS_ALMOST_EMPTY], st.obj_allocated,
			st.obj_used, st.pages_used, st.pages_per_zspage,
			freeable);
		t_af += st.zspages[ZS_ALMOST_FULL];
		t_ae += st.zspages[ZS_ALMOST_EMPTY];
		t_alloc += st.obj_allocated;
		t_used += st.obj_used;
		t_pages += st.pages_used;
		t_free += freeable;
	}
	fprintf(out, "\n %5s %5s %11lu %12lu %13lu %10lu %10lu %16s %8lu\n",
		"Total", "", t_af, t_ae, t_alloc, t_used, t_pages, "", t_free);
}
