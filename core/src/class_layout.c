// SPDX-License-Identifier: MIT
#include "class_layout.h"

#include <pthread.h>
#include <stdbool.h>

#include "kernel/lock.h"

/*
 * Layouts kept: a process rarely uses more geometries at once (the fuzz
 * targets cycle through 3 page sizes, 16 chains and both merge modes, so
 * they miss now and then, which costs what no cache would).
 */
#define LAYOUT_CACHE 8u

/* What decides a layout: the page size, chain, smallest size, merging. */
struct layout_key {
	size_t page_size;
	size_t min_size;
	unsigned int chain;
	bool merge;
};

static struct cached_layout {
	bool used;
	struct layout_key key;
	struct zs_class_layout layout;
} cache[LAYOUT_CACHE];
static unsigned int next_victim;
static pthread_mutex_t cache_lock = ZS_STATIC_MUTEX_INIT;

static struct layout_key key_of(const struct zs_geometry *g)
{
	return (struct layout_key){g->page_size, g->min_size, g->chain,
				   g->merge};
}

static bool same_key(const struct layout_key *a, const struct layout_key *b)
{
	return a->page_size == b->page_size && a->min_size == b->min_size &&
	       a->chain == b->chain && a->merge == b->merge;
}

void zs_class_layout_compute(const struct zs_geometry *g,
			     struct zs_class_layout *out)
{
	unsigned int n = g->nr_steps, i, distinct = 0;

	out->nr_steps = n;
	/* from the top: a step merges into the class serving the step above
	 * when their zspages have the same pages and objects */
	for (i = n; i-- > 0;) {
		size_t size = zs_step_size(g, i);
		unsigned int pages =
			zs_best_pages_per_zspage(g->page_size, size, g->chain);
		unsigned int objs = (unsigned int)(pages * g->page_size / size);
		unsigned int above = i + 1 < n ? out->served_by[i + 1] : i;

		out->pages[i] = (uint8_t)pages;
		out->objs[i] = (uint16_t)objs;
		out->served_by[i] = (uint16_t)i;
		if (g->merge && above != i && out->pages[above] == pages &&
		    out->objs[above] == objs)
			out->served_by[i] = (uint16_t)above;
		if (out->served_by[i] == i)
			distinct++;
	}
	out->nr_distinct = distinct;
	distinct = 0;
	for (i = 0; i < n; i++) {
		out->serving_from[i] = (uint16_t)distinct;
		if (out->served_by[i] == i)
			out->serving[distinct++] = (uint16_t)i;
	}
	out->serving_from[n] = (uint16_t)distinct;
}

void zs_class_layout_get(const struct zs_geometry *g,
			 struct zs_class_layout *out)
{
	struct layout_key k = key_of(g);
	struct cached_layout *c;

	pthread_mutex_lock(&cache_lock);
	for (unsigned int i = 0; i < LAYOUT_CACHE; i++) {
		if (cache[i].used && same_key(&cache[i].key, &k)) {
			*out = cache[i].layout;
			pthread_mutex_unlock(&cache_lock);
			return;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	/* worked out with no lock held: it is pure */
	zs_class_layout_compute(g, out);
	pthread_mutex_lock(&cache_lock);
	c = &cache[next_victim];
	next_victim = (next_victim + 1) % LAYOUT_CACHE;
	c->key = k;
	c->layout = *out;
	c->used = true;
	pthread_mutex_unlock(&cache_lock);
}
