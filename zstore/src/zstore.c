// SPDX-License-Identifier: MIT
/*
 * The store: a slot table over one zpool. A slot holds a handle and the
 * object's size, or the repeated word of a same-filled page. A write
 * allocates and fills the new object before the old one is freed, so a
 * failed write (memory limit, no memory) leaves the slot as it was.
 */
#include <zstore.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <zpool.h>

#include "compress.h"

struct slot {
	unsigned long handle; /* COMPRESSED and HUGE */
	unsigned long word;   /* SAME: the repeated word */
	uint32_t size;	      /* object bytes */
	uint8_t kind;	      /* enum zstore_slot_kind */
};

struct zstore {
	pthread_mutex_t lock;
	size_t page_size;
	size_t nr_pages;
	size_t huge_above; /* compressed sizes above this are stored raw */
	struct zpool *pool;
	struct zstore_codec *codec;
	unsigned char *cbuf; /* compression output */
	size_t cbuf_size;
	struct slot *slots;
	struct zstore_stats st;
};

const char *zstore_comp_name(enum zstore_comp comp)
{
	return comp == ZSTORE_ZSTD ? "zstd" : "lz4";
}

int zstore_comp_parse(const char *name, enum zstore_comp *comp)
{
	if (name && strcmp(name, "lz4") == 0)
		*comp = ZSTORE_LZ4;
	else if (name && strcmp(name, "zstd") == 0)
		*comp = ZSTORE_ZSTD;
	else
		return -EINVAL;
	return 0;
}

static bool config_ok(const struct zstore_config *cfg, size_t page_size)
{
	return cfg && cfg->nr_pages > 0 &&
	       cfg->nr_pages <= SIZE_MAX / sizeof(struct slot) &&
	       page_size >= 4096 && page_size <= 65536 &&
	       (page_size & (page_size - 1)) == 0 &&
	       (cfg->comp == ZSTORE_LZ4 || cfg->comp == ZSTORE_ZSTD);
}

static struct zstore *fail(struct zstore *s, int *err, int e)
{
	if (err)
		*err = e;
	zstore_destroy(s);
	return NULL;
}

struct zstore *zstore_create(const struct zstore_config *cfg, int *err)
{
	size_t page_size = cfg && cfg->page_size ? cfg->page_size : 4096;
	const char *backend = cfg && cfg->backend ? cfg->backend : "zsmalloc";
	struct zpool_config zc = {.page_size = page_size};
	struct zstore *s;

	if (!config_ok(cfg, page_size) || !zpool_has_pool(backend))
		return fail(NULL, err, -EINVAL);
	s = calloc(1, sizeof(*s));
	if (!s)
		return fail(NULL, err, -ENOMEM);
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return fail(NULL, err, -ENOMEM);
	}
	s->page_size = page_size;
	s->nr_pages = cfg->nr_pages;
	s->huge_above = page_size / 4 * 3; /* zram's max_zpage_size */
	s->st.mem_limit = cfg->mem_limit;
	zc.pages = cfg->pages;
	s->slots = calloc(cfg->nr_pages, sizeof(*s->slots));
	s->codec = zstore_codec_create(cfg->comp);
	if (!s->slots || !s->codec)
		return fail(s, err, -ENOMEM);
	s->cbuf_size = zstore_codec_bound(s->codec, page_size);
	s->cbuf = malloc(s->cbuf_size);
	s->pool = zpool_create_pool_config(backend, "zstore", NULL, &zc);
	if (!s->cbuf || !s->pool)
		return fail(s, err, -ENOMEM);
	if (err)
		*err = 0;
	return s;
}

static void slot_free(struct zstore *s, struct slot *sl)
{
	switch (sl->kind) {
	case ZSTORE_SLOT_EMPTY:
		return;
	case ZSTORE_SLOT_SAME:
		s->st.same_pages--;
		break;
	case ZSTORE_SLOT_HUGE:
		s->st.huge_pages--;
		/* fall through */
	default:
		zpool_free(s->pool, sl->handle);
		s->st.compr_data_size -= sl->size;
		break;
	}
	s->st.pages_stored--;
	s->st.orig_data_size -= s->page_size;
	memset(sl, 0, sizeof(*sl));
}

void zstore_destroy(struct zstore *s)
{
	if (!s)
		return;
	if (s->slots && s->pool)
		for (size_t i = 0; i < s->nr_pages; i++)
			slot_free(s, &s->slots[i]);
	zpool_destroy_pool(s->pool);
	free(s->cbuf);
	zstore_codec_destroy(s->codec);
	free(s->slots);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* True when every word of the page is *word (zram's same-filled page). */
static bool same_filled(const void *page, size_t n, unsigned long *word)
{
	const unsigned char *p = page;
	unsigned long first, w;

	memcpy(&first, p, sizeof(first));
	for (size_t off = sizeof(w); off < n; off += sizeof(w)) {
		memcpy(&w, p + off, sizeof(w));
		if (w != first)
			return false;
	}
	*word = first;
	return true;
}

static void stored(struct zstore *s, struct slot *sl, struct slot now)
{
	slot_free(s, sl);
	*sl = now;
	s->st.pages_stored++;
	s->st.orig_data_size += s->page_size;
	if (now.kind == ZSTORE_SLOT_SAME) {
		s->st.same_pages++;
		return;
	}
	if (now.kind == ZSTORE_SLOT_HUGE)
		s->st.huge_pages++;
	s->st.compr_data_size += now.size;
}

/* A new object holding len bytes of src, within the limit; under lock. */
static int store_object(struct zstore *s, const void *src, size_t len,
			unsigned long *handle)
{
	uint64_t used;
	void *dst;
	int err;

	err = zpool_malloc(s->pool, len, handle);
	if (err)
		return -ENOMEM;
	used = zpool_get_total_size(s->pool);
	if (s->st.mem_limit && used > s->st.mem_limit) {
		zpool_free(s->pool, *handle);
		return -ENOMEM;
	}
	dst = zpool_map_handle(s->pool, *handle, ZPOOL_MM_WO);
	if (!dst) {
		zpool_free(s->pool, *handle);
		return -ENOMEM;
	}
	memcpy(dst, src, len);
	zpool_unmap_handle(s->pool, *handle);
	if (used > s->st.mem_used_max)
		s->st.mem_used_max = used;
	return 0;
}

static int write_locked(struct zstore *s, size_t index, const void *page)
{
	struct slot now = {0};
	const void *src = s->cbuf;
	size_t len;
	int err;

	if (same_filled(page, s->page_size, &now.word)) {
		now.kind = ZSTORE_SLOT_SAME;
		stored(s, &s->slots[index], now);
		return 0;
	}
	len = zstore_compress(s->codec, page, s->page_size, s->cbuf,
			      s->cbuf_size);
	now.kind = ZSTORE_SLOT_COMPRESSED;
	if (len == 0 || len > s->huge_above) {
		src = page;
		len = s->page_size;
		now.kind = ZSTORE_SLOT_HUGE;
	}
	err = store_object(s, src, len, &now.handle);
	if (err) {
		s->st.failed_writes++;
		return err;
	}
	now.size = (uint32_t)len;
	stored(s, &s->slots[index], now);
	return 0;
}

int zstore_write(struct zstore *s, size_t index, const void *page)
{
	int err;

	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	s->st.num_writes++;
	if (index >= s->nr_pages || !page) {
		s->st.invalid_io++;
		err = -EINVAL;
	} else {
		err = write_locked(s, index, page);
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

static int read_locked(struct zstore *s, const struct slot *sl, void *page)
{
	unsigned char *out = page;
	const void *src;
	int err = 0;

	switch (sl->kind) {
	case ZSTORE_SLOT_EMPTY:
		memset(page, 0, s->page_size);
		return 0;
	case ZSTORE_SLOT_SAME:
		for (size_t off = 0; off < s->page_size;
		     off += sizeof(sl->word))
			memcpy(out + off, &sl->word, sizeof(sl->word));
		return 0;
	}
	src = zpool_map_handle(s->pool, sl->handle, ZPOOL_MM_RO);
	if (!src)
		return -EIO;
	if (sl->kind == ZSTORE_SLOT_HUGE)
		memcpy(page, src, s->page_size);
	else if (zstore_decompress(s->codec, src, sl->size, page,
				   s->page_size) != 0)
		err = -EIO;
	zpool_unmap_handle(s->pool, sl->handle);
	return err;
}

int zstore_read(struct zstore *s, size_t index, void *page)
{
	int err;

	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	s->st.num_reads++;
	if (index >= s->nr_pages || !page) {
		s->st.invalid_io++;
		err = -EINVAL;
	} else {
		err = read_locked(s, &s->slots[index], page);
		if (err)
			s->st.failed_reads++;
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

int zstore_discard(struct zstore *s, size_t index)
{
	int err = 0;

	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (index >= s->nr_pages) {
		s->st.invalid_io++;
		err = -EINVAL;
	} else if (s->slots[index].kind != ZSTORE_SLOT_EMPTY) {
		slot_free(s, &s->slots[index]);
		s->st.discards++;
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

void zstore_get_stats(struct zstore *s, struct zstore_stats *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->st;
	st->mem_used_total = zpool_get_total_size(s->pool);
	pthread_mutex_unlock(&s->lock);
}

int zstore_slot_info(struct zstore *s, size_t index,
		     enum zstore_slot_kind *kind, size_t *bytes)
{
	if (!s || index >= s->nr_pages)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	*kind = (enum zstore_slot_kind)s->slots[index].kind;
	*bytes = s->slots[index].size;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

size_t zstore_page_size(const struct zstore *s)
{
	return s->page_size;
}

size_t zstore_nr_pages(const struct zstore *s)
{
	return s->nr_pages;
}

const char *zstore_backend(const struct zstore *s)
{
	return zpool_get_type(s->pool);
}
