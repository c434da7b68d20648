/* SPDX-License-Identifier: MIT */
/*
 * zsmalloc-portable: a user-space zsmalloc.
 *
 * Objects of up to one page are sorted into size classes; each class is
 * backed by zspages, chains of up to N pages, so an object may straddle a
 * page boundary. The caller never gets a pointer from zs_malloc(), only an
 * opaque handle, and must map the handle to touch the bytes.
 */
#ifndef ZSMALLOC_H
#define ZSMALLOC_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Mapping modes. RW: the mapping holds the object's bytes and what is
 * written there is the object's after zs_unmap_object. WO: the mapping's
 * bytes are unspecified until written, and are the object's after unmap.
 * RO: the mapping holds the object's bytes; writing through it is the
 * caller's bug, and as in the kernel its outcome depends on where the
 * object lies: inside one page the pointer is the page's, so the bytes
 * land; across two pages it is a copy, and they are dropped at unmap.
 */
enum zs_mapmode { ZS_MM_RW, ZS_MM_RO, ZS_MM_WO };

/* Where page memory comes from. */
struct zs_page_provider {
	/* page_size-aligned memory of page_size bytes, or NULL */
	void *(*alloc_page)(void *ctx, size_t page_size);
	void (*free_page)(void *ctx, void *page, size_t page_size);
	void *ctx;
};

/*
 * The built-in provider itself, for a provider of one's own that wraps it
 * (to count pages, or fail some): a pool configured with the wrapper is
 * not a built-in pool, so its zs_compact and zs_destroy_pool give no
 * freed pages back to the system (zs_set_page_trim_threshold still
 * bounds what waits).
 */
const struct zs_page_provider *zs_builtin_page_provider(void);

struct zs_pool_config {
	size_t page_size; /* power of two, 4096..65536; 0: 4096 */
	unsigned int max_pages_per_zspage; /* 1..16; 0: 4 */
	unsigned int physmem_bits;	   /* emulated physical address width;
					      0: the platform's; bounds the page
					      frame numbers a handle can hold */
	int no_class_merge;		   /* 1: one class per size step */
	const struct zs_page_provider *pages; /* NULL: built-in provider */
	/* Class shards, 1..4: sets of classes with their own locks and
	   zspages, a thread allocating from one (its number modulo this),
	   so that threads do not queue on a class lock; each shard keeps
	   its own partly used zspages. 0: one per online CPU, up to 4. */
	unsigned int shards;
};

struct zs_pool;

struct zs_pool *zs_create_pool(const char *name); /* all defaults */
struct zs_pool *zs_create_pool_config(const char *name,
				      const struct zs_pool_config *cfg);
void zs_destroy_pool(struct zs_pool *pool);
unsigned long zs_malloc(struct zs_pool *pool, size_t size); /* 0: failed */
void zs_free(struct zs_pool *pool, unsigned long handle);   /* 0: no-op */
void *zs_map_object(struct zs_pool *pool, unsigned long handle,
		    enum zs_mapmode mm);
void zs_unmap_object(struct zs_pool *pool, unsigned long handle);
unsigned long zs_get_total_pages(struct zs_pool *pool);
size_t zs_max_alloc_size(const struct zs_pool *pool); /* page size */
int zs_pool_check(struct zs_pool *pool); /* 0, or reports what is broken */

/*
 * The copy-based access API of the 2025 kernel; it works beside map/unmap
 * on the same pool.
 *
 * zs_obj_read_begin() returns the object's bytes: a pointer into its page
 * when the object lies inside one page, or local_copy, filled with the
 * object's bytes (the size given to zs_malloc), when it straddles two
 * pages; local_copy must then hold that many bytes (NULL is reported and
 * answered with NULL). The bytes are read-only and stay valid until
 * zs_obj_read_end(pool, handle, <the pointer returned>); meanwhile the
 * object is neither freed nor moved (compaction and migration skip it).
 * Reads may nest and mix with a map on the same thread, ending in reverse
 * order. NULL: misuse (reported) or a kmap failure.
 *
 * zs_obj_write() copies mem_len bytes (at most the size given to zs_malloc)
 * into the start of the object. It may run while another thread holds the
 * object mapped RO or being read: its bytes are the object's afterwards
 * (an RO unmap or a read end never stores back), but what that mapping
 * shows of the written range is unspecified from then on.
 *
 * Under memory checkers (ASan, Valgrind) an object's bytes are open while
 * any map or read of it is open, on any thread, and closed when the last
 * one ends.
 */
void *zs_obj_read_begin(struct zs_pool *pool, unsigned long handle,
			void *local_copy);
void zs_obj_read_end(struct zs_pool *pool, unsigned long handle,
		     void *handle_mem);
void zs_obj_write(struct zs_pool *pool, unsigned long handle,
		  const void *handle_mem, size_t mem_len);

/*
 * zs_obj_read_batch() (not in the kernel): copies the objects of
 * handles[0..n) into bufs[0..n), each whole (the size given to zs_malloc;
 * bufs[i] must hold that many bytes), and stores each size in lens[i]
 * unless lens is NULL. It reads several objects at once, so that their
 * cache misses overlap where a read at a time waits for each in turn.
 * A handle may appear more than once. A handle that cannot be read (freed,
 * foreign, NULL buffer) is reported, its buffer left alone and its length
 * set to 0; the others are still read. Returns how many were copied.
 * Safe beside every other call, as zs_obj_read_begin is, and inside a map
 * or read of one of the objects.
 */
size_t zs_obj_read_batch(struct zs_pool *pool, const unsigned long *handles,
			 size_t n, void *const *bufs, size_t *lens);

/*
 * Compaction (kernel 4.1 on): in every class, move the objects of the
 * emptiest zspages into the fullest and release the zspages left empty.
 * Returns the pages released. Handles stay valid; an object that is mapped
 * or being read is not moved. Safe beside malloc/free/map/unmap and the
 * access API on other threads, which it holds up only while it empties
 * one zspage. Objects go page to page, with no buffer, so no failed
 * allocation stops it. With nothing mapped or being read and no other
 * call at work, every class ends with ceil(objects in use / objects per
 * zspage) zspages. With the built-in page provider it also gives the
 * system the pages that frees left resident for reuse (but for 256 KiB,
 * or zs_set_page_trim_threshold's bytes when more);
 * without it they go back once they have waited a second and more pages
 * are freed, or with their pool.
 */
unsigned long zs_compact(struct zs_pool *pool);

/*
 * The built-in page provider's trim threshold, as malloc's
 * M_TRIM_THRESHOLD: the bytes of freed pages it may keep resident for
 * reuse. zs_destroy_pool and zs_compact then give back only the oldest of
 * them past that (zs_compact keeps at least its 256 KiB), and the timed
 * give-back waits while they fit. For programs that make and drop pools
 * all the time and would fault the same pages in again (a fuzzer, a cache
 * rebuilt per request). Process-wide; default 0 (every give-back happens
 * as described above); returns the old value. Pools with their own
 * zs_page_provider are not concerned. zs_compact also keeps up to that
 * many bytes of freed metadata tables (class tables, handle chunks; the
 * table cache holds at most 1 MiB) for every pool, where it keeps 128 KiB
 * at 0.
 */
size_t zs_set_page_trim_threshold(size_t bytes);

struct zs_pool_stats {
	unsigned long pages_compacted; /* pages released by zs_compact */
	unsigned long objs_moved;      /* objects moved by zs_compact */
	unsigned long objs_pinned;     /* moves skipped: object was mapped */
	unsigned long pages_migrated;  /* pages moved by zs_page_migrate */
	unsigned long migrate_busy;    /* migrations refused with -EBUSY */
	/* Handle reuse, for checking the quarantine and generations: */
	/* handles given back by zs_free, counted as their slots enter the
	 * quarantine: up to a batch (32 per thread) after the free, and
	 * all of them by the end of a zs_compact */
	unsigned long handles_freed;
	unsigned long handle_chunks_freed; /* handle table parts given back
					      (their slots' generations jump) */
};
void zs_pool_stats(struct zs_pool *pool, struct zs_pool_stats *stats);

/*
 * Page migration, as for memory hot-unplug: move the contents of the
 * pool's page with (emulated) page frame number pfn to a fresh page with
 * a new pfn, rewriting every handle and free-list word that named the old
 * one; the old page's memory goes back to the provider. Handles stay
 * valid. Returns 0 when moved; -EBUSY, with nothing changed, while an
 * object with bytes on the page is mapped or being read; -ENOENT when no
 * zspage of the pool holds that pfn (now); -ENOMEM when no fresh page
 * could be had; -EINVAL for a NULL pool (reported). While it copies the
 * page it holds up zs_malloc and zs_free in the page's size class and
 * every map, read and write of an object on the page.
 */
int zs_page_migrate(struct zs_pool *pool, unsigned long pfn);
/* The pfn of the page on which the handle's object starts; 0: reported. */
unsigned long zs_handle_pfn(struct zs_pool *pool, unsigned long handle);

/* ---- Beyond the kernel's API: introspection and reporting ---- */

/* Fullness groups of a zspage, as in the 2014 kernel. */
enum zs_fullness_group {
	ZS_EMPTY,
	ZS_ALMOST_EMPTY, /* inuse <= 3/4 of capacity */
	ZS_ALMOST_FULL,	 /* above 3/4, not full */
	ZS_FULL,
	ZS_NR_FULLNESS_GROUPS
};

/* Geometry of a pool, fixed when it is created. */
struct zs_pool_info {
	size_t page_size;
	unsigned int page_shift;
	unsigned int max_pages_per_zspage;
	unsigned int physmem_bits;	  /* effective width */
	unsigned int obj_index_bits;	  /* bits left for the object index */
	size_t min_alloc_size;		  /* ZS_MIN_ALLOC_SIZE */
	size_t max_alloc_size;		  /* ZS_MAX_ALLOC_SIZE == page_size */
	size_t size_class_delta;	  /* ZS_SIZE_CLASS_DELTA */
	unsigned int nr_size_classes;	  /* size steps, merged or not */
	unsigned int nr_distinct_classes; /* after merging */
	int class_merge;
	/* Page frames the pool can hold at once (its emulated physical
	 * memory): zs_malloc needing a new zspage, or zs_page_migrate
	 * needing a fresh page, fails with no frame left. */
	unsigned long max_pages;
	/* A freed handle's slot is reused only after this many other frees
	 * (the reuse quarantine; fewer only when no new slot can be made). */
	unsigned long handle_quarantine;
	/* Generations a slot cycles through: a handle value can come back
	 * after this many reuses of its slot (fewer once its part of the
	 * handle table was given back and made again). */
	unsigned long handle_generations;
	unsigned int nr_shards; /* class shards (zs_pool_config.shards) */
};
/* All zero for a NULL pool. */
void zs_pool_info(const struct zs_pool *pool, struct zs_pool_info *info);

/*
 * The pool's own bookkeeping beside its pages, as it is now (all zero for
 * a NULL pool), each part as a count and in bytes mapped for it:
 * - desc_chunks: 4 KiB chunks of zspage descriptors, each holding its
 *   pages' descriptors. A chunk goes back when its last descriptor does,
 *   so a pool with no page has none; zs_compact moves descriptors out of
 *   chunks at most half used.
 *   desc_bytes also counts the few descriptors above 1 KiB, which are
 *   malloc'd (zspages of several hundred objects).
 * - pfn_leaves: parts of the pfn table, one per 1024 page frames. A part
 *   goes back when none of its frames is in use; the first, which holds
 *   pfn 0 (never a page's), stays once made.
 * - handle_chunks: parts of the handle table, 1024 slots each. A part goes
 *   back when every slot of it is free and out of the reuse quarantine.
 * Not counted: the class table, the tables' top nodes (8 KiB per million
 * entries on 64-bit) and the pool structure itself, a fixed cost per pool.
 */
struct zs_pool_meta {
	unsigned long desc_chunks;
	unsigned long pfn_leaves;
	unsigned long handle_chunks;
	size_t desc_bytes;
	size_t pfn_bytes;
	size_t handle_bytes;
};
void zs_pool_meta(struct zs_pool *pool, struct zs_pool_meta *meta);

/* One size step. A merged step reports the class it shares. */
struct zs_class_stat {
	unsigned int index;	  /* size step */
	unsigned int merged_into; /* index of the class that serves it */
	size_t size;		  /* object size of the serving class */
	unsigned int pages_per_zspage;
	unsigned int objs_per_zspage;
	unsigned long zspages[ZS_NR_FULLNESS_GROUPS]; /* zspages per group */
	unsigned long obj_allocated; /* object slots in the class's zspages */
	unsigned long obj_used;
	unsigned long pages_used;
};
/* 0 on success, -1 when index is out of range; counts summed over shards. */
int zs_class_stat(struct zs_pool *pool, unsigned int index,
		  struct zs_class_stat *stat);
/* Object size of the class that serves an allocation of size; 0 if none. */
size_t zs_class_size(const struct zs_pool *pool, size_t size);
/* The kernel's debugfs "classes" table, one row per serving class. */
void zs_dump_classes(struct zs_pool *pool, FILE *out);

/*
 * What the calling thread's accesses did since it started, for tests and
 * fuzzers that check each access does the work its mode promises: kmaps
 * counts pages mapped (kmap_atomic); copies_out/bytes_out whole copies of
 * an object from its pages into a buffer (the mapping area, a local copy),
 * copies_in/bytes_in the other way. Compaction and migration count too (a
 * moved object, copied page to page, as one copy out and one in).
 *
 * An object inside one page is mapped with one kmap and no copy, in every
 * mode. One that straddles two pages is copied out at zs_map_object (RO,
 * RW: two kmaps) and in at zs_unmap_object (WO, RW: two kmaps); RO never
 * stores back and WO never fills the mapping. zs_obj_read_begin copies only
 * a straddling object; zs_obj_write copies once, with one kmap per page the
 * object touches.
 */
struct zs_access_counts {
	unsigned long kmaps;
	unsigned long copies_out, bytes_out;
	unsigned long copies_in, bytes_in;
};
void zs_access_counts(struct zs_access_counts *counts);

/*
 * Reports of misuse and corruption. By default the report is printed as
 * "zsmalloc: <what>: <details>" on stderr and the process aborts. A handler
 * installed here is called instead, and the faulty call then returns
 * without doing harm (NULL from a map, 0 from an alloc, nothing from a
 * free). The handler is process-wide; NULL restores the default.
 */
typedef void (*zs_report_fn)(void *ctx, const char *what, const char *details);
void zs_set_report_handler(zs_report_fn fn, void *ctx);
/* Reports made since the process started (handled or not). */
unsigned long zs_report_count(void);

/*
 * Notices: a refusal that is no misuse and no harm, such as a pool config
 * the library cannot serve or an unknown zpool type. The call returns NULL
 * and says why, by default as "zsmalloc: <what>: <details>" on stderr (what
 * is "pool <name>", "zbud" or "zpool"); a handler installed here gets the
 * line instead, for a program's own log or a test's count. Notices are not
 * reports: zs_report_count() does not count them and nothing aborts.
 * Process-wide; NULL restores stderr.
 */
void zs_set_notice_handler(zs_report_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* ZSMALLOC_H */
