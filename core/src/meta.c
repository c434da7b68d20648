// SPDX-License-Identifier: MIT
#include "meta.h"

#include <stdint.h>
#include <string.h>

#include "kernel/report.h"
#include "kernel/sanitize.h"
#include "kernel/slab.h"

/*
 * At the start of every chunk; mmap aligns a chunk to the system's page
 * size, at least 4 KiB, so an object finds its chunk by masking. Free
 * objects are linked through their first word, closed to memory checkers
 * like the rest of a free object.
 */
struct zs_meta_chunk {
	struct zs_meta_chunk *prev, *next; /* on the partial list */
	void *free;			   /* first free object */
	unsigned int inuse;
	unsigned short size;
	bool draining; /* on the cache's draining list */
};

#define CHUNK_HEAD                                                             \
	((sizeof(struct zs_meta_chunk) + ZS_META_ALIGN - 1) &                  \
	 ~(size_t)(ZS_META_ALIGN - 1))

int zs_meta_init(struct zs_meta *m)
{
	memset(m->caches, 0, sizeof(m->caches));
	memset(m->in_use, 0, sizeof(m->in_use));
	m->large_bytes = 0;
	return zs_mutex_init(&m->lock);
}

static size_t round_size(size_t size)
{
	return (size + ZS_META_ALIGN - 1) & ~(size_t)(ZS_META_ALIGN - 1);
}

static struct zs_meta_chunk *chunk_of(const void *p)
{
	return (struct zs_meta_chunk *)((uintptr_t)p &
					~(uintptr_t)(ZS_META_CHUNK - 1));
}

static void *link_get(void *obj)
{
	void *next;

	zs_san_open_defined(obj, sizeof(next));
	memcpy(&next, obj, sizeof(next));
	zs_san_close(obj, sizeof(next));
	return next;
}

static void link_set(void *obj, void *next)
{
	zs_san_open_undefined(obj, sizeof(next));
	memcpy(obj, &next, sizeof(next));
	zs_san_close(obj, sizeof(next));
}

static void list_add(struct zs_meta_chunk **head, struct zs_meta_chunk *ch)
{
	ch->prev = NULL;
	ch->next = *head;
	if (ch->next)
		ch->next->prev = ch;
	*head = ch;
}

static void list_del(struct zs_meta_chunk **head, struct zs_meta_chunk *ch)
{
	if (ch->prev)
		ch->prev->next = ch->next;
	else
		*head = ch->next;
	if (ch->next)
		ch->next->prev = ch->prev;
	ch->prev = ch->next = NULL;
}

static void partial_add(struct zs_meta_cache *c, struct zs_meta_chunk *ch)
{
	list_add(&c->partial, ch);
	c->nr_partial++;
}

static void partial_del(struct zs_meta_cache *c, struct zs_meta_chunk *ch)
{
	list_del(&c->partial, ch);
	c->nr_partial--;
}

/* The first cache from i on that holds a chunk; ZS_META_CACHES if none. */
static unsigned int next_in_use(const struct zs_meta *m, unsigned int i)
{
	for (unsigned int w = i / ZS_BITS_PER_LONG; w < ZS_META_MAP_WORDS;
	     w++) {
		unsigned long bits = m->in_use[w];

		if (w == i / ZS_BITS_PER_LONG)
			bits &= ~0ul << (i % ZS_BITS_PER_LONG);
		if (bits)
			return w * ZS_BITS_PER_LONG +
			       (unsigned int)__builtin_ctzl(bits);
	}
	return ZS_META_CACHES;
}

#define for_each_cache_in_use(m, i)                                            \
	for ((i) = next_in_use((m), 0); (i) < ZS_META_CACHES;                  \
	     (i) = next_in_use((m), (i) + 1))

/* Cache i gained its first chunk, or lost its last (under the lock). */
static void mark_in_use(struct zs_meta *m, unsigned int i, bool used)
{
	unsigned long bit = 1ul << (i % ZS_BITS_PER_LONG);

	if (used)
		m->in_use[i / ZS_BITS_PER_LONG] |= bit;
	else
		m->in_use[i / ZS_BITS_PER_LONG] &= ~bit;
}

static unsigned int per_chunk(size_t size)
{
	return (unsigned int)((ZS_META_CHUNK - CHUNK_HEAD) / size);
}

/* A new chunk of objects of size bytes, every one free; or NULL. */
static struct zs_meta_chunk *chunk_new(size_t size)
{
	struct zs_meta_chunk *ch = zs_vmap_zeroed(ZS_META_CHUNK);
	char *obj, *end;
	void *next = NULL;

	if (!ch)
		return NULL;
	ZS_BUG_ON((uintptr_t)ch & (ZS_META_CHUNK - 1));
	ch->size = (unsigned short)size;
	obj = (char *)ch + CHUNK_HEAD;
	end = (char *)ch + ZS_META_CHUNK;
	zs_san_close(obj, (size_t)(end - obj));
	/* lowest address first out */
	for (char *o = obj + (size_t)(end - obj) / size * size - size; o >= obj;
	     o -= size) {
		link_set(o, next);
		next = o;
	}
	ch->free = next;
	return ch;
}

void *zs_meta_zalloc(struct zs_meta *m, size_t size)
{
	struct zs_meta_cache *c;
	struct zs_meta_chunk *ch;
	void *obj;

	size = round_size(size ? size : 1);
	if (size > ZS_META_MAX) {
		obj = zs_kzalloc(size);
		if (obj) {
			zs_mutex_lock(&m->lock);
			m->large_bytes += size;
			zs_mutex_unlock(&m->lock);
		}
		return obj;
	}
	if (zs_slab_fault())
		return NULL;
	c = &m->caches[size / ZS_META_ALIGN - 1];
	zs_mutex_lock(&m->lock);
	ch = c->partial;
	if (!ch) {
		ch = chunk_new(size);
		if (!ch) {
			zs_mutex_unlock(&m->lock);
			return NULL;
		}
		if (c->nr_chunks++ == 0)
			mark_in_use(m, (unsigned int)(c - m->caches), true);
		partial_add(c, ch);
	}
	obj = ch->free;
	ch->free = link_get(obj);
	ch->inuse++;
	if (!ch->free)
		partial_del(c, ch);
	zs_mutex_unlock(&m->lock);
	zs_san_open_undefined(obj, size);
	memset(obj, 0, size);
	zs_slab_account(1);
	return obj;
}

void zs_meta_free(struct zs_meta *m, void *p, size_t size)
{
	struct zs_meta_cache *c;
	struct zs_meta_chunk *ch;

	if (!p)
		return;
	size = round_size(size ? size : 1);
	if (size > ZS_META_MAX) {
		zs_mutex_lock(&m->lock);
		ZS_BUG_ON(m->large_bytes < size);
		m->large_bytes -= size;
		zs_mutex_unlock(&m->lock);
		zs_kfree(p);
		return;
	}
	c = &m->caches[size / ZS_META_ALIGN - 1];
	ch = chunk_of(p);
	ZS_BUG_ON(ch->size != size);
	zs_slab_account(-1);
	zs_san_close(p, size);
	zs_mutex_lock(&m->lock);
	ZS_BUG_ON(ch->inuse == 0);
	if (!ch->free && !ch->draining)
		partial_add(c, ch);
	link_set(p, ch->free);
	ch->free = p;
	if (--ch->inuse == 0) {
		if (ch->draining)
			list_del(&c->draining, ch);
		else
			partial_del(c, ch);
		if (--c->nr_chunks == 0)
			mark_in_use(m, (unsigned int)(c - m->caches), false);
		zs_mutex_unlock(&m->lock);
		zs_vunmap(ch, ZS_META_CHUNK);
		return;
	}
	zs_mutex_unlock(&m->lock);
}

unsigned long zs_meta_drain_begin(struct zs_meta *m)
{
	unsigned long n = 0;
	unsigned int i;

	zs_mutex_lock(&m->lock);
	for_each_cache_in_use(m, i) {
		struct zs_meta_cache *c = &m->caches[i];
		unsigned int half = per_chunk((i + 1) * ZS_META_ALIGN) / 2;
		struct zs_meta_chunk *ch, *next;

		if (c->nr_partial < 2)
			continue;
		for (ch = c->partial; ch; ch = next) {
			next = ch->next;
			if (ch->inuse > half)
				continue;
			partial_del(c, ch);
			list_add(&c->draining, ch);
			ch->draining = true;
			n++;
		}
	}
	zs_mutex_unlock(&m->lock);
	return n;
}

void zs_meta_drain_end(struct zs_meta *m)
{
	unsigned int i;

	zs_mutex_lock(&m->lock);
	for_each_cache_in_use(m, i) {
		struct zs_meta_cache *c = &m->caches[i];

		while (c->draining) {
			struct zs_meta_chunk *ch = c->draining;

			list_del(&c->draining, ch);
			ch->draining = false;
			partial_add(c, ch);
		}
	}
	zs_mutex_unlock(&m->lock);
}

bool zs_meta_draining(struct zs_meta *m, const void *p, size_t size)
{
	bool draining;

	if (round_size(size ? size : 1) > ZS_META_MAX)
		return false;
	zs_mutex_lock(&m->lock);
	draining = chunk_of(p)->draining;
	zs_mutex_unlock(&m->lock);
	return draining;
}

void zs_meta_usage(struct zs_meta *m, unsigned long *chunks, size_t *bytes)
{
	unsigned long n = 0;
	unsigned int i;

	zs_mutex_lock(&m->lock);
	for_each_cache_in_use(m, i)
		n += m->caches[i].nr_chunks;
	*chunks = n;
	*bytes = (size_t)n * ZS_META_CHUNK + m->large_bytes;
	zs_mutex_unlock(&m->lock);
}

unsigned long zs_meta_nr_chunks(struct zs_meta *m)
{
	unsigned long chunks;
	size_t bytes;

	zs_meta_usage(m, &chunks, &bytes);
	return chunks;
}

void zs_meta_destroy(struct zs_meta *m)
{
	for (unsigned int i = 0; i < ZS_META_CACHES; i++)
		ZS_BUG_ON(m->caches[i].nr_chunks != 0 || m->caches[i].draining);
	for (unsigned int w = 0; w < ZS_META_MAP_WORDS; w++)
		ZS_BUG_ON(m->in_use[w] != 0);
	ZS_BUG_ON(m->large_bytes != 0);
	zs_mutex_destroy(&m->lock);
}
