// SPDX-License-Identifier: MIT
/*
 * The pool's emulated physical memory: page descriptors by page frame
 * number. A descriptor sits in its zspage's descriptor; its table entry is
 * set when the page is taken and cleared, before the zspage descriptor is
 * freed, when the page goes back. pfns are handed out lowest first from a
 * bitmap, so the table stays dense and a leaf whose pfns are all free is
 * given back.
 *
 * Lookups take no lock. They stay safe because every path that frees a
 * page holds the class lock of a zspage with no object left, so nobody can
 * be resolving an object on it; zs_page_migrate, which looks up any pfn,
 * does so under pool->lock, then takes the page's class lock and looks
 * again.
 */
#include "pool.h"

#include <string.h>

#include "kernel/report.h"
#include "kernel/slab.h"

#define WORD_BITS  (8 * sizeof(unsigned long))
#define LEAF_WORDS (ZS_RADIX_FANOUT / WORD_BITS)

/* Room in the bitmap for word w; under pool->lock. */
static bool pfn_words_fit(struct zs_pool *pool, unsigned long w)
{
	unsigned long n = pool->pfn_words ? pool->pfn_words : LEAF_WORDS;
	unsigned long *map;

	if (w < pool->pfn_words)
		return true;
	while (n <= w)
		n *= 2;
	map = zs_kzalloc(n * sizeof(*map));
	if (!map)
		return false;
	if (pool->pfn_used)
		memcpy(map, pool->pfn_used, pool->pfn_words * sizeof(*map));
	else
		map[0] = 1; /* pfn 0 is never used: location 0 means none */
	zs_kfree(pool->pfn_used);
	pool->pfn_used = map;
	pool->pfn_words = n;
	return true;
}

/* The lowest free pfn, marked used; 0 when none. Under pool->lock. */
static unsigned long pfn_take(struct zs_pool *pool)
{
	unsigned long w = pool->pfn_hint, pfn;

	for (;; w++) {
		if (w * WORD_BITS >= pool->pfn_limit || !pfn_words_fit(pool, w))
			return 0;
		if (~pool->pfn_used[w])
			break;
	}
	pool->pfn_hint = w;
	pfn = w * WORD_BITS + (unsigned long)__builtin_ctzl(~pool->pfn_used[w]);
	if (pfn >= pool->pfn_limit)
		return 0; /* the emulated physical memory is exhausted */
	pool->pfn_used[w] |= 1ul << (pfn % WORD_BITS);
	return pfn;
}

/* Give pfn back, and its table leaf when no pfn of it is used. */
static void pfn_put(struct zs_pool *pool, unsigned long pfn)
{
	unsigned long w = pfn / WORD_BITS, first, i;

	pool->pfn_used[w] &= ~(1ul << (pfn % WORD_BITS));
	if (w < pool->pfn_hint)
		pool->pfn_hint = w;
	first = w - w % LEAF_WORDS;
	for (i = first; i < first + LEAF_WORDS; i++)
		if (pool->pfn_used[i])
			return;
	zs_radix_depopulate(&pool->pfn_table, pfn);
}

/*
 * A free pfn for page, its table leaf made; the entry names page when
 * publish, else stays empty (a migration's spare). Under pool->lock.
 */
static bool take_pfn(struct zs_pool *pool, struct zs_page *page, bool publish)
{
	_Atomic(struct zs_page *) *entry;
	unsigned long pfn = pfn_take(pool);

	if (!pfn)
		return false;
	entry = zs_radix_populate(&pool->pfn_table, pfn);
	if (!entry) {
		pfn_put(pool, pfn);
		return false;
	}
	page->pfn = (uint32_t)pfn;
	if (publish)
		atomic_store_explicit(entry, page, memory_order_release);
	return true;
}

/* page's pfn given back, its entry (naming page when published) cleared. */
static void put_pfn(struct zs_pool *pool, struct zs_page *page, bool published)
{
	_Atomic(struct zs_page *) *entry =
		zs_radix_lookup(&pool->pfn_table, page->pfn);

	ZS_BUG_ON(!entry || atomic_load(entry) != (published ? page : NULL));
	atomic_store_explicit(entry, NULL, memory_order_release);
	pfn_put(pool, page->pfn);
	page->pfn = 0;
}

/*
 * The pool's page count, changed under the pfn lock, on its line: a plain
 * load and store, no locked instruction. A page counts from its pfn on, so
 * zs_get_total_pages may see one whose memory is still being got (or
 * failing to be: then it is taken off again).
 */
static void count_pages_locked(struct zs_pool *pool, long delta)
{
	zs_atomic_set(&pool->pages_allocated,
		      zs_atomic_read(&pool->pages_allocated) +
			      (unsigned long)delta);
}

/*
 * pages[0..n) get pfns for class_idx under one pfn lock (entries naming
 * them when publish), then memory: how many got both, those past them
 * neither.
 */
static unsigned int take_pages(struct zs_pool *pool, struct zs_page *pages,
			       unsigned int n, unsigned int class_idx,
			       bool publish)
{
	unsigned int got = 0, mem = 0;

	zs_mutex_lock(&pool->lock);
	for (; got < n; got++) {
		pages[got].class_idx = (unsigned short)class_idx;
		if (!take_pfn(pool, &pages[got], publish))
			break;
	}
	count_pages_locked(pool, (long)got);
	zs_mutex_unlock(&pool->lock);
	for (; mem < got; mem++)
		if (zs_page_get_mem(&pages[mem], &pool->pages,
				    pool->geo.page_size) != 0)
			break;
	if (mem < got) {
		zs_mutex_lock(&pool->lock);
		for (unsigned int k = mem; k < got; k++)
			put_pfn(pool, &pages[k], publish);
		count_pages_locked(pool, -(long)(got - mem));
		zs_mutex_unlock(&pool->lock);
	}
	return mem;
}

/* pages[0..n) give their memory back, then their pfns under one lock. */
static void put_pages(struct zs_pool *pool, struct zs_page *pages,
		      unsigned int n, bool published)
{
	for (unsigned int k = 0; k < n; k++)
		zs_page_put_mem(&pages[k], &pool->pages, pool->geo.page_size);
	zs_mutex_lock(&pool->lock);
	for (unsigned int k = 0; k < n; k++)
		put_pfn(pool, &pages[k], published);
	count_pages_locked(pool, -(long)n);
	zs_mutex_unlock(&pool->lock);
}

unsigned int zs_pool_pages_take(struct zs_pool *pool, struct zs_page *pages,
				unsigned int n, unsigned int class_idx)
{
	return take_pages(pool, pages, n, class_idx, true);
}

int zs_pool_page_take_spare(struct zs_pool *pool, struct zs_page *spare,
			    unsigned int class_idx)
{
	return take_pages(pool, spare, 1, class_idx, false) == 1 ? 0 : -1;
}

void zs_pool_pages_put(struct zs_pool *pool, struct zs_page *pages,
		       unsigned int n)
{
	put_pages(pool, pages, n, true);
}

void zs_pool_page_put_spare(struct zs_pool *pool, struct zs_page *spare)
{
	put_pages(pool, spare, 1, false);
}

void zs_pool_page_swap(struct zs_pool *pool, struct zs_page *page,
		       struct zs_page *spare)
{
	_Atomic(struct zs_page *) *old, *new;
	uint32_t pfn = page->pfn;
	void *mem = page->mem;

	zs_mutex_lock(&pool->lock);
	old = zs_radix_lookup(&pool->pfn_table, page->pfn);
	new = zs_radix_lookup(&pool->pfn_table, spare->pfn);
	ZS_BUG_ON(!old || atomic_load(old) != page || !new || atomic_load(new));
	page->pfn = spare->pfn;
	page->mem = spare->mem;
	spare->pfn = pfn;
	spare->mem = mem;
	atomic_store_explicit(old, NULL, memory_order_release);
	atomic_store_explicit(new, page, memory_order_release);
	zs_mutex_unlock(&pool->lock);
}

void zs_pool_page_rehome(struct zs_pool *pool, const struct zs_page *old,
			 struct zs_page *page)
{
	_Atomic(struct zs_page *) *entry;

	zs_mutex_lock(&pool->lock);
	entry = zs_radix_lookup(&pool->pfn_table, old->pfn);
	ZS_BUG_ON(!entry || atomic_load(entry) != old || page->pfn != old->pfn);
	atomic_store_explicit(entry, page, memory_order_release);
	zs_mutex_unlock(&pool->lock);
}

/* Used pfns in the table leaf holding word w. */
static unsigned long leaf_used(struct zs_pool *pool, unsigned long w)
{
	unsigned long first = w - w % LEAF_WORDS, n = 0, i;

	for (i = first; i < first + LEAF_WORDS && i < pool->pfn_words; i++)
		n += (unsigned long)__builtin_popcountl(pool->pfn_used[i]);
	return n;
}

unsigned long zs_pool_pfn_to_pack(struct zs_pool *pool, unsigned long below)
{
	unsigned long w, f, top, pfn = 0;

	zs_mutex_lock(&pool->lock);
	for (f = pool->pfn_hint; f < pool->pfn_words && !~pool->pfn_used[f];
	     f++)
		;
	top = below / WORD_BITS + (below % WORD_BITS != 0);
	if (top > pool->pfn_words)
		top = pool->pfn_words;
	for (w = top; w-- > 0;) {
		unsigned long word = pool->pfn_used[w];

		if (w / LEAF_WORDS <= f / LEAF_WORDS)
			break;
		if (w * WORD_BITS + WORD_BITS > below)
			word &= (1ul << (below % WORD_BITS)) - 1;
		if (!word)
			continue;
		if (leaf_used(pool, w) > ZS_RADIX_FANOUT / 2) {
			w -= w % LEAF_WORDS; /* the whole leaf stays */
			continue;
		}
		pfn = w * WORD_BITS + (WORD_BITS - 1) -
		      (unsigned long)__builtin_clzl(word);
		break;
	}
	zs_mutex_unlock(&pool->lock);
	return pfn;
}

unsigned long zs_pool_nr_pfn_leaves(struct zs_pool *pool)
{
	return zs_radix_nr_leaves(&pool->pfn_table);
}
