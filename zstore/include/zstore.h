/* SPDX-License-Identifier: MIT */
/*
 * zstore: a compressed page store, a user-space zram. A store has N slots
 * of one page each. Writing a page compresses it (LZ4 by default, zstd on
 * request) into an object of a zpool backend; reading decompresses it back;
 * discarding frees it. As zram does:
 *  - a page whose every machine word is equal ("same-filled", zeros most
 *    of all) is kept as that word in the slot, with no allocation;
 *  - a page that compresses to more than 3/4 of a page is stored as is
 *    (a "huge" page, a full-page object);
 *  - with a memory limit, a write that would take the pool past it fails
 *    with -ENOMEM and the slot keeps what it held before.
 * A slot never written, or discarded, reads as zeros.
 * Calls on one store are serialised by the store's lock.
 */
#ifndef ZSTORE_H
#define ZSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <zsmalloc.h>

#ifdef __cplusplus
extern "C" {
#endif

enum zstore_comp { ZSTORE_LZ4, ZSTORE_ZSTD };

struct zstore_config {
	size_t nr_pages;       /* slots, at least 1 */
	size_t page_size;      /* power of two, 4096..65536; 0: 4096 */
	const char *backend;   /* zpool type; NULL: "zsmalloc" */
	enum zstore_comp comp; /* 0: LZ4 */
	uint64_t mem_limit;    /* bytes of pool memory; 0: no limit */
	const struct zs_page_provider *pages; /* NULL: built-in provider */
};

/* zram's names; sizes in bytes, the rest in pages or calls. */
struct zstore_stats {
	uint64_t orig_data_size;  /* pages_stored * page size */
	uint64_t compr_data_size; /* bytes of objects (huge: a page each) */
	uint64_t mem_used_total;  /* pool memory now */
	uint64_t mem_limit;	  /* 0: none */
	uint64_t mem_used_max;	  /* most pool memory after any write */
	uint64_t same_pages;	  /* kept as one word, no allocation */
	uint64_t huge_pages;	  /* kept uncompressed */
	uint64_t pages_stored;	  /* same + huge + compressed */
	uint64_t num_reads;
	uint64_t num_writes;
	uint64_t failed_reads;	/* -EIO: a stored page did not decompress */
	uint64_t failed_writes; /* -ENOMEM: limit or no memory */
	uint64_t invalid_io;	/* -EINVAL: index out of range */
	uint64_t discards;	/* discards of a stored page */
};

enum zstore_slot_kind {
	ZSTORE_SLOT_EMPTY,
	ZSTORE_SLOT_SAME,
	ZSTORE_SLOT_HUGE,
	ZSTORE_SLOT_COMPRESSED,
};

struct zstore;

/*
 * A store, or NULL: *err (if not NULL) is -EINVAL for a bad config or an
 * unknown backend, -ENOMEM otherwise.
 */
struct zstore *zstore_create(const struct zstore_config *cfg, int *err);
void zstore_destroy(struct zstore *store);

/* 0, or -EINVAL (bad index or arguments), -ENOMEM (nothing changed). */
int zstore_write(struct zstore *store, size_t index, const void *page);
/* 0, or -EINVAL, -EIO (the page is lost: the store is corrupt). */
int zstore_read(struct zstore *store, size_t index, void *page);
/* 0 (also for an empty slot), or -EINVAL. */
int zstore_discard(struct zstore *store, size_t index);

void zstore_get_stats(struct zstore *store, struct zstore_stats *st);
/* What a slot holds: kind and bytes allocated for it. 0, or -EINVAL. */
int zstore_slot_info(struct zstore *store, size_t index,
		     enum zstore_slot_kind *kind, size_t *bytes);

size_t zstore_page_size(const struct zstore *store);
size_t zstore_nr_pages(const struct zstore *store);
const char *zstore_backend(const struct zstore *store);

/* "lz4" or "zstd"; parse: 0, or -EINVAL for any other name. */
const char *zstore_comp_name(enum zstore_comp comp);
int zstore_comp_parse(const char *name, enum zstore_comp *comp);

#ifdef __cplusplus
}
#endif

#endif /* ZSTORE_H */
