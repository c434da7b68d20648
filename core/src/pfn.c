// SPDX-License-Identifier: MIT
/*
 * The pool's emulated physical memory: page descriptors by page frame
 * number. A descriptor sits in its zspage's descriptor; its table entry is
 * set when the page is taken and cleared, before the zspage descriptor is
 * freed, when the page goes back. pfns are handed out lowest first from a
 * bitmap, so the table stays dense and a leaf whose pfns are all free is
 * given back.
 *
 * A zspage's entries are set and cleared under its class shard's cache
 * lock (struct zs_pfn_cache), a migration's under pool->lock.
 *
 * Lookups take no lock. They stay safe because every path that frees a
 * page holds the class lock of a zspage with no object left, so nobody can
 * be resolving an object on it; zs_page_migrate, which looks up any pfn,
 * does so under every one of those locks (zs_pool_pfn_lock_all), then
 * takes the page's class lock and looks again.
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

/* The lowest free pfn, marked used, its table leaf made; 0 when none.
 * Under pool->lock. */
static unsigned long take_pfn_with_leaf(struct zs_pool *pool)
{
	unsigned long pfn = pfn_take(pool);

	if (pfn && !zs_radix_populate(&pool->pfn_table, pfn)) {
		pfn_put(pool, pfn);
		return 0;
	}
	return pfn;
}

/* take_pfn_with_leaf under its own acquisition of pool->lock. */
static unsigned long bitmap_take(struct zs_pool *pool)
{
	unsigned long pfn;

	zs_mutex_lock(&pool->lock);
	pfn = take_pfn_with_leaf(pool);
	zs_mutex_unlock(&pool->lock);
	return pfn;
}

/* pfn back to the bitmap, under its own acquisition of pool->lock. */
static void bitmap_put(struct zs_pool *pool, unsigned long pfn)
{
	zs_mutex_lock(&pool->lock);
	pfn_put(pool, pfn);
	zs_mutex_unlock(&pool->lock);
}

/* page gets pfn (used, its leaf made); the entry names page when publish,
 * else stays empty (a migration's spare). */
static void give_pfn(struct zs_pool *pool, struct zs_page *page,
		     unsigned long pfn, bool publish)
{
	_Atomic(struct zs_page *) *entry =
		zs_radix_lookup(&pool->pfn_table, pfn);

	ZS_BUG_ON(!entry || atomic_load(entry));
	page->pfn = (uint32_t)pfn;
	if (publish)
		atomic_store_explicit(entry, page, memory_order_release);
}

/* Clear page's entry (naming page when published); its pfn stays used. */
static unsigned long clear_pfn(struct zs_pool *pool, struct zs_page *page,
			       bool published)
{
	_Atomic(struct zs_page *) *entry =
		zs_radix_lookup(&pool->pfn_table, page->pfn);
	unsigned long pfn = page->pfn;

	ZS_BUG_ON(!entry || atomic_load(entry) != (published ? page : NULL));
	atomic_store_explicit(entry, NULL, memory_order_release);
	page->pfn = 0;
	return pfn;
}

static struct zs_pfn_cache *cache_of(struct zs_pool *pool,
				     unsigned int class_idx)
{
	return &pool->pfn_cache[class_idx / pool->geo.nr_steps];
}

/* A shard's page count, under its cache lock: a plain load and store. */
static void count_pages_locked(struct zs_pfn_cache *c, long delta)
{
	zs_atomic_set(&c->pages,
		      zs_atomic_read(&c->pages) + (unsigned long)delta);
}

/* The first n of c's cached pfns back to the bitmap; under c->lock. */
static void spill_locked(struct zs_pool *pool, struct zs_pfn_cache *c,
			 unsigned int n)
{
	if (!n)
		return;
	zs_mutex_lock(&pool->lock);
	for (unsigned int i = 0; i < n; i++)
		pfn_put(pool, c->pfn[i]);
	zs_mutex_unlock(&pool->lock);
	memmove(c->pfn, c->pfn + n, (c->n - n) * sizeof(c->pfn[0]));
	c->n -= n;
}

int zs_pool_pfn_caches_init(struct zs_pool *pool)
{
	for (unsigned int s = 0; s < ZS_MAX_SHARDS; s++)
		if (zs_mutex_init(&pool->pfn_cache[s].lock) != 0) {
			while (s-- > 0)
				zs_mutex_destroy(&pool->pfn_cache[s].lock);
			return -1;
		}
	return 0;
}

void zs_pool_pfn_caches_destroy(struct zs_pool *pool)
{
	for (unsigned int s = 0; s < ZS_MAX_SHARDS; s++)
		zs_mutex_destroy(&pool->pfn_cache[s].lock);
}

void zs_pool_pfn_lock_all(struct zs_pool *pool)
{
	for (unsigned int s = 0; s < ZS_MAX_SHARDS; s++)
		zs_mutex_lock(&pool->pfn_cache[s].lock);
	zs_mutex_lock(&pool->lock);
}

void zs_pool_pfn_unlock_all(struct zs_pool *pool)
{
	zs_mutex_unlock(&pool->lock);
	for (unsigned int s = ZS_MAX_SHARDS; s-- > 0;)
		zs_mutex_unlock(&pool->pfn_cache[s].lock);
}

void zs_pool_pfn_flush(struct zs_pool *pool)
{
	for (unsigned int s = 0; s < ZS_MAX_SHARDS; s++) {
		struct zs_pfn_cache *c = &pool->pfn_cache[s];

		zs_mutex_lock(&c->lock);
		spill_locked(pool, c, c->n);
		zs_mutex_unlock(&c->lock);
	}
}

/* pfns a shard's cache takes from the bitmap beside those it needs, when
 * it has none left: a pool->lock every few zspages instead of each. */
#define ZS_PFN_REFILL 16u

/*
 * pages[0..n) get pfns for class_idx, cached ones first, the rest from the
 * bitmap, lowest first, under one pfn lock, with a refill of the cache:
 * how many got one. Under c->lock.
 */
static unsigned int take_pfns_locked(struct zs_pool *pool,
				     struct zs_pfn_cache *c,
				     struct zs_page *pages, unsigned int n)
{
	unsigned int got = 0, k;
	unsigned long pfn;

	for (; got < n && c->n; got++)
		give_pfn(pool, &pages[got], c->pfn[--c->n], true);
	if (got == n)
		return got;
	zs_mutex_lock(&pool->lock);
	for (; got < n; got++) {
		pfn = take_pfn_with_leaf(pool);
		if (!pfn)
			break;
		give_pfn(pool, &pages[got], pfn, true);
	}
	/* the cache is empty now; filled lowest last, so they go out in order */
	for (k = 0; got == n && k < ZS_PFN_REFILL; k++) {
		pfn = take_pfn_with_leaf(pool);
		if (!pfn)
			break;
		c->pfn[ZS_PFN_REFILL - 1 - k] = (uint32_t)pfn;
	}
	zs_mutex_unlock(&pool->lock);
	if (k) {
		memmove(c->pfn, c->pfn + ZS_PFN_REFILL - k,
			k * sizeof(c->pfn[0]));
		c->n = k;
	}
	return got;
}

/* Memory for pages[0..got): how many got it. */
static unsigned int get_mem(struct zs_pool *pool, struct zs_page *pages,
			    unsigned int got)
{
	unsigned int mem = 0;

	for (; mem < got; mem++)
		if (zs_page_get_mem(&pages[mem], &pool->pages,
				    pool->geo.page_size) != 0)
			break;
	return mem;
}

/* pfns of pages[0..n) (entries named them when published) into c, the
 * oldest spilled to the bitmap when it is full; under c->lock. */
static void cache_pfns_locked(struct zs_pool *pool, struct zs_pfn_cache *c,
			      struct zs_page *pages, unsigned int n,
			      bool published)
{
	for (unsigned int k = 0; k < n; k++) {
		if (c->n == ZS_PFN_CACHE)
			spill_locked(pool, c, ZS_PFN_CACHE / 2);
		c->pfn[c->n++] =
			(uint32_t)clear_pfn(pool, &pages[k], published);
	}
}

unsigned int zs_pool_pages_take(struct zs_pool *pool, struct zs_page *pages,
				unsigned int n, unsigned int class_idx)
{
	struct zs_pfn_cache *c = cache_of(pool, class_idx);
	unsigned int got, mem;

	for (unsigned int k = 0; k < n; k++)
		pages[k].class_idx = (unsigned short)class_idx;
	zs_mutex_lock(&c->lock);
	got = take_pfns_locked(pool, c, pages, n);
	if (got < n) {
		/* no free pfn left: other shards' caches may hold some */
		zs_mutex_unlock(&c->lock);
		zs_pool_pfn_flush(pool);
		zs_mutex_lock(&c->lock);
		got += take_pfns_locked(pool, c, pages + got, n - got);
	}
	count_pages_locked(c, (long)got);
	zs_mutex_unlock(&c->lock);
	mem = get_mem(pool, pages, got);
	if (mem < got) {
		zs_mutex_lock(&c->lock);
		cache_pfns_locked(pool, c, pages + mem, got - mem, true);
		count_pages_locked(c, -(long)(got - mem));
		zs_mutex_unlock(&c->lock);
	}
	return mem;
}

void zs_pool_pages_put(struct zs_pool *pool, struct zs_page *pages,
		       unsigned int n)
{
	struct zs_pfn_cache *c = cache_of(pool, pages[0].class_idx);

	for (unsigned int k = 0; k < n; k++)
		zs_page_put_mem(&pages[k], &pool->pages, pool->geo.page_size);
	zs_mutex_lock(&c->lock);
	cache_pfns_locked(pool, c, pages, n, true);
	count_pages_locked(c, -(long)n);
	/* a shard with no page left keeps no pfn: its leaves can go back */
	if (!zs_atomic_read(&c->pages))
		spill_locked(pool, c, c->n);
	zs_mutex_unlock(&c->lock);
}

/*
 * A spare takes the lowest free pfn from the bitmap, never a cached one:
 * zs_compact migrates pages to pack the table into its lowest leaves.
 */
int zs_pool_page_take_spare(struct zs_pool *pool, struct zs_page *spare,
			    unsigned int class_idx)
{
	struct zs_pfn_cache *c = cache_of(pool, class_idx);
	unsigned long pfn;

	spare->class_idx = (unsigned short)class_idx;
	pfn = bitmap_take(pool);
	if (!pfn) {
		/* no free pfn left: the shards' caches may hold some */
		zs_pool_pfn_flush(pool);
		pfn = bitmap_take(pool);
		if (!pfn)
			return -1;
	}
	give_pfn(pool, spare, pfn, false);
	if (get_mem(pool, spare, 1) != 1) {
		bitmap_put(pool, clear_pfn(pool, spare, false));
		return -1;
	}
	zs_mutex_lock(&c->lock);
	count_pages_locked(c, 1);
	zs_mutex_unlock(&c->lock);
	return 0;
}

void zs_pool_page_put_spare(struct zs_pool *pool, struct zs_page *spare)
{
	struct zs_pfn_cache *c = cache_of(pool, spare->class_idx);

	zs_page_put_mem(spare, &pool->pages, pool->geo.page_size);
	bitmap_put(pool, clear_pfn(pool, spare, false));
	zs_mutex_lock(&c->lock);
	count_pages_locked(c, -1);
	zs_mutex_unlock(&c->lock);
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
