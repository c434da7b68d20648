// SPDX-License-Identifier: MIT
#include "backend.h"

#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zpool.h>
#include <zsmalloc.h>

/*
 * A page provider that behaves like the kernel's page allocator as far as
 * memory use goes: pages come from one reserved region, and a freed page
 * is given back to the system at once (MADV_DONTNEED) and reused later,
 * lowest address first.
 * The core's built-in provider (posix_memalign per page) is the
 * "-builtin" variant.
 */
struct region {
	pthread_mutex_t lock;
	unsigned char *base;
	size_t size, used;
	/*
	 * Freed pages, a bit each, lowest first out: mapped NORESERVE like
	 * the region, so only the words in use are resident (the kernel keeps
	 * its free lists in struct page; a list of pointers here would count
	 * as the pool's metadata).
	 */
	unsigned long *free_map;
	size_t map_words, hint;
	size_t nfree;
};

#define REGION_SIZE ((size_t)1 << 36) /* reserved, not committed */
#define WORD_BITS   (8 * sizeof(unsigned long))

static void *region_alloc(void *ctx, size_t ps)
{
	struct region *r = ctx;
	void *p = NULL;

	pthread_mutex_lock(&r->lock);
	if (r->nfree) {
		size_t w = r->hint;

		while (!r->free_map[w])
			w++;
		r->hint = w;
		size_t bit = (size_t)__builtin_ctzl(r->free_map[w]);
		r->free_map[w] &= ~(1ul << bit);
		r->nfree--;
		p = r->base + (w * WORD_BITS + bit) * ps;
	} else if (r->used + ps <= r->size) {
		p = r->base + r->used;
		r->used += ps;
	}
	pthread_mutex_unlock(&r->lock);
	return p;
}

static void region_free(void *ctx, void *page, size_t ps)
{
	struct region *r = ctx;
	size_t n = (size_t)((unsigned char *)page - r->base) / ps;

	madvise(page, ps, MADV_DONTNEED);
	pthread_mutex_lock(&r->lock);
	r->free_map[n / WORD_BITS] |= 1ul << (n % WORD_BITS);
	if (n / WORD_BITS < r->hint)
		r->hint = n / WORD_BITS;
	r->nfree++;
	pthread_mutex_unlock(&r->lock);
}

static struct region *region_create(void)
{
	struct region *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->size = sizeof(void *) == 8 ? REGION_SIZE : (size_t)1 << 30;
	r->base = mmap(NULL, r->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->base == MAP_FAILED) {
		free(r);
		return NULL;
	}
	/* one bit per smallest page (4 KiB) of the region */
	r->map_words = r->size / 4096 / WORD_BITS;
	r->free_map = mmap(NULL, r->map_words * sizeof(unsigned long),
			   PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->free_map == MAP_FAILED) {
		munmap(r->base, r->size);
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

static void region_destroy(struct region *r)
{
	if (!r)
		return;
	munmap(r->base, r->size);
	munmap(r->free_map, r->map_words * sizeof(unsigned long));
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* ---- zsmalloc: map WO to write, RO to read ---- */

static unsigned long zs_store(struct backend *b, const void *src, size_t n)
{
	unsigned long h = zs_malloc(b->pool, n);
	void *dst;

	if (!h)
		return 0;
	dst = zs_map_object(b->pool, h, ZS_MM_WO);
	if (!dst) {
		zs_free(b->pool, h);
		return 0;
	}
	memcpy(dst, src, n);
	zs_unmap_object(b->pool, h);
	return h;
}

static void zs_load(struct backend *b, unsigned long h, void *dst, size_t n)
{
	const void *src = zs_map_object(b->pool, h, ZS_MM_RO);

	if (src)
		memcpy(dst, src, n);
	zs_unmap_object(b->pool, h);
}

/* ---- zsmalloc, 2025 API: zs_obj_write, zs_obj_read_begin/_end ---- */

static unsigned long zs_obj_store(struct backend *b, const void *src, size_t n)
{
	unsigned long h = zs_malloc(b->pool, n);

	if (h)
		zs_obj_write(b->pool, h, src, n);
	return h;
}

static void zs_obj_load(struct backend *b, unsigned long h, void *dst, size_t n)
{
	/* a straddling object is copied into dst itself */
	const void *src = zs_obj_read_begin(b->pool, h, dst);

	if (src && src != dst)
		memcpy(dst, src, n);
	if (src)
		zs_obj_read_end(b->pool, h, (void *)src);
}

static void zs_load_batch(struct backend *b, const unsigned long *h,
			  void *const *dst, size_t n)
{
	zs_obj_read_batch(b->pool, h, n, dst, NULL);
}

static unsigned long zs_compact_pool(struct backend *b)
{
	return zs_compact(b->pool);
}

static void zs_discard(struct backend *b, unsigned long h)
{
	zs_free(b->pool, h);
}

static uint64_t zs_bytes(struct backend *b)
{
	struct zs_pool_info info;

	zs_pool_info(b->pool, &info);
	return (uint64_t)zs_get_total_pages(b->pool) * info.page_size;
}

static void zs_destroy(struct backend *b)
{
	zs_destroy_pool(b->pool);
	region_destroy(b->region);
}

/* ---- malloc: one block per object ---- */

static unsigned long m_store(struct backend *b, const void *src, size_t n)
{
	void *p = malloc(n);

	(void)b;
	if (p)
		memcpy(p, src, n);
	return (unsigned long)(uintptr_t)p;
}

static void m_load(struct backend *b, unsigned long h, void *dst, size_t n)
{
	(void)b;
	memcpy(dst, (const void *)(uintptr_t)h, n);
}

static void m_discard(struct backend *b, unsigned long h)
{
	(void)b;
	free((void *)(uintptr_t)h);
}

static uint64_t m_bytes(struct backend *b)
{
	(void)b;
	return 0;
}

static void m_destroy(struct backend *b)
{
	(void)b;
}

const char *backend_malloc_name(void)
{
	if (dlsym(RTLD_DEFAULT, "mallctl"))
		return "jemalloc";
	if (dlsym(RTLD_DEFAULT, "mi_collect"))
		return "mimalloc";
	return "glibc";
}

void backend_malloc_release(void)
{
	void *sym = dlsym(RTLD_DEFAULT, "mallctl");

	if (sym) {
		int (*mallctl)(const char *, void *, size_t *, void *, size_t);

		/* MALLCTL_ARENAS_ALL is 4096 */
		*(void **)&mallctl = sym;
		mallctl("arena.4096.purge", NULL, NULL, NULL, 0);
		return;
	}
	sym = dlsym(RTLD_DEFAULT, "mi_collect");
	if (sym) {
		void (*mi_collect)(_Bool);

		*(void **)&mi_collect = sym;
		mi_collect(1);
		return;
	}
	malloc_trim(0);
}

uint64_t resident_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size, resident;
	int ok;

	if (!f)
		return 0;
	ok = fscanf(f, "%lu %lu", &size, &resident) == 2;
	fclose(f);
	return ok ? (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

static int open_zsmalloc(struct backend *b, const char *opts, size_t ps)
{
	struct zs_pool_config cfg;

	int builtin = 0, obj_api = 0, batch = 0;

	b->merge = 1;
	b->chain = 4;
	while (*opts) {
		if (strncmp(opts, "-builtin", 8) == 0) {
			builtin = 1;
			opts += 8;
		} else if (strncmp(opts, "-batch", 6) == 0) {
			batch = 1;
			opts += 6;
		} else if (strncmp(opts, "-obj", 4) == 0) {
			obj_api = 1;
			opts += 4;
		} else if (strncmp(opts, "-nomerge", 8) == 0) {
			b->merge = 0;
			opts += 8;
		} else if (strncmp(opts, "-c", 2) == 0) {
			char *end;

			b->chain = (unsigned int)strtoul(opts + 2, &end, 10);
			opts = end;
		} else {
			return -1;
		}
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.page_size = ps;
	cfg.max_pages_per_zspage = b->chain;
	cfg.no_class_merge = !b->merge;
	if (!builtin) {
		b->region = region_create();
		if (!b->region)
			return -1;
		b->provider.alloc_page = region_alloc;
		b->provider.free_page = region_free;
		b->provider.ctx = b->region;
		cfg.pages = &b->provider;
	}
	b->pool = zs_create_pool_config("bench", &cfg);
	if (!b->pool) {
		region_destroy(b->region);
		return -1;
	}
	b->kind = "zsmalloc";
	b->store = obj_api ? zs_obj_store : zs_store;
	b->load = obj_api ? zs_obj_load : zs_load;
	if (batch)
		b->load_batch = zs_load_batch;
	b->compact = zs_compact_pool;
	b->discard = zs_discard;
	b->pool_bytes = zs_bytes;
	b->destroy = zs_destroy;
	return 0;
}

/* ---- zpool backends (zbud, or zsmalloc through zpool) ---- */

static unsigned long zp_store(struct backend *b, const void *src, size_t n)
{
	unsigned long h;
	void *dst;

	if (zpool_malloc(b->pool, n, &h) != 0)
		return 0;
	dst = zpool_map_handle(b->pool, h, ZPOOL_MM_WO);
	if (!dst) {
		zpool_free(b->pool, h);
		return 0;
	}
	memcpy(dst, src, n);
	zpool_unmap_handle(b->pool, h);
	return h;
}

static void zp_load(struct backend *b, unsigned long h, void *dst, size_t n)
{
	const void *src = zpool_map_handle(b->pool, h, ZPOOL_MM_RO);

	if (src)
		memcpy(dst, src, n);
	zpool_unmap_handle(b->pool, h);
}

static void zp_discard(struct backend *b, unsigned long h)
{
	zpool_free(b->pool, h);
}

static uint64_t zp_bytes(struct backend *b)
{
	return zpool_get_total_size(b->pool);
}

static void zp_destroy(struct backend *b)
{
	zpool_destroy_pool(b->pool);
	region_destroy(b->region);
}

static int open_zpool(struct backend *b, const char *type, size_t ps)
{
	struct zpool_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.page_size = ps;
	b->region = region_create();
	if (!b->region)
		return -1;
	b->provider.alloc_page = region_alloc;
	b->provider.free_page = region_free;
	b->provider.ctx = b->region;
	cfg.pages = &b->provider;
	b->pool = zpool_create_pool_config(type, "bench", NULL, &cfg);
	if (!b->pool) {
		region_destroy(b->region);
		b->region = NULL;
		return -1;
	}
	snprintf(b->zpool_type, sizeof(b->zpool_type), "%s", type);
	b->kind = "zpool";
	b->store = zp_store;
	b->load = zp_load;
	b->discard = zp_discard;
	b->pool_bytes = zp_bytes;
	b->destroy = zp_destroy;
	return 0;
}

int backend_open(struct backend *b, const char *name, size_t page_size)
{
	memset(b, 0, sizeof(*b));
	if (strncmp(name, "zsmalloc", 8) == 0) {
		if (open_zsmalloc(b, name + 8, page_size) == 0)
			return 0;
	} else if (strcmp(name, "malloc") == 0) {
		b->kind = "malloc";
		b->store = m_store;
		b->load = m_load;
		b->discard = m_discard;
		b->pool_bytes = m_bytes;
		b->destroy = m_destroy;
		return 0;
	} else if (strncmp(name, "zpool-", 6) == 0) {
		if (open_zpool(b, name + 6, page_size) == 0)
			return 0;
	}
	fprintf(stderr, "backend %s: unknown or refused\n", name);
	return -1;
}
