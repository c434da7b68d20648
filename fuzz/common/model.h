/* SPDX-License-Identifier: MIT */
/*
 * The shadow model: for every live object the harness owns, its handle,
 * its size, the bytes it must hold and which of them are defined. Every
 * map is checked against it and every write updates it; any difference
 * fails the run. One model belongs to one thread.
 *
 * Defined bytes: a fresh object and a WO mapping hold unspecified bytes
 * (MSan sees them as uninitialised), so the model only compares bytes the
 * harness wrote since. Reading an undefined byte would be the harness's
 * bug; the model never does.
 */
#ifndef ZS_FUZZ_MODEL_H
#define ZS_FUZZ_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "zsmalloc.h"

/* Size steps a pool can have: (page - min) / (page / 256) + 1. */
#define ZS_MODEL_MAX_STEPS 260
/* Live objects per model: small, so each execution stays fast. */
#define ZS_MODEL_SLOTS 32
/* zs_pool_check runs per input (plus the one at the end). */
#define ZS_MODEL_FULL_CHECKS 2
/* Recently freed handles kept for stale-handle misuse. */
#define ZS_MODEL_STALE 16

struct zs_obj {
	unsigned long handle; /* 0: slot empty */
	size_t size;
	size_t ndef;	/* number of defined bytes */
	uint8_t *bytes; /* expected contents */
	/*
	 * 1 where bytes[i] is defined; read and kept only while some bytes
	 * are and some are not (0 < ndef < size): with none or all defined
	 * it says nothing, and zs_model_fill clears it before the first
	 * partial write, so a new or rewritten object costs no pass over it.
	 */
	uint8_t *def;
	/* The move that may have relocated it since it was last compared
	 * (NULL: compared since): it is compared before its next use. */
	const char *unchecked;
};

struct zs_model {
	struct zs_pool *pool;
	struct zs_pool_info info;
	struct zs_obj obj[ZS_MODEL_SLOTS];
	unsigned int live;
	int mapped; /* slot mapped, or -1 */
	enum zs_mapmode mode;
	uint8_t *map;
	int spans;   /* the mapped object straddles two pages */
	int map_own; /* an RO copy written to: not the object's bytes */
	struct zs_access_counts counts; /* before the last map or unmap */
	/* Called when zs_malloc fails on a valid size: nonzero excuses it
	 * (injected faults). NULL: only a tiny pfn space excuses it. */
	int (*alloc_fail_ok)(void *ctx);
	void *fail_ctx;
	/* zs_pool_check and class stats reflect other threads too: off. */
	int shared_pool;
	/* Nothing but this model holds objects of any pool on the fuzzers'
	 * pages: each full check asks that every such page is closed to
	 * ASan once this model has unmapped (zs_fuzz_pages_check_closed). */
	int sole;
	/* Shared pool: the most page frames all its users can hold at once
	 * (objects x chain, plus one per concurrent migration). */
	unsigned long shared_pages_bound;
	unsigned int checks; /* zs_pool_check calls so far */
	/* The serving classes' steps, read once (zs_model_serving). */
	unsigned short serving[ZS_MODEL_MAX_STEPS];
	unsigned int nr_serving; /* 0: not read yet */
	/* Serving classes this model has allocated from, by step: the only
	 * ones that can hold its pool's pages (zs_model_used_classes). */
	uint64_t used[(ZS_MODEL_MAX_STEPS + 63) / 64];
	unsigned long stale[ZS_MODEL_STALE];
	/* The pool's handles_freed and handle_chunks_freed (zs_pool_stats)
	 * just after each was freed. */
	unsigned long stale_frees[ZS_MODEL_STALE];
	unsigned long stale_chunks[ZS_MODEL_STALE];
	unsigned int nstale;
};

void zs_model_init(struct zs_model *m, struct zs_pool *pool);
/*
 * Whether running out of page frames (or an injected fault) explains a
 * failure that needed `need` fresh frames: the pool's pages now plus need
 * exceed info.max_pages. Never true for need 0. On a shared pool, only a
 * pfn space smaller than every user's objects can fill explains it.
 */
int zs_model_frames_short(struct zs_model *m, unsigned long need);
/*
 * The steps of the serving classes (merging is fixed at pool creation),
 * read through zs_class_stat on first use; *n gets their number.
 */
const unsigned short *zs_model_serving(struct zs_model *m, unsigned int *n);
/*
 * Frames a zs_malloc of size needs: none while its class has a free slot,
 * else a whole zspage. On a shared pool the class changes under us: a
 * zspage.
 */
unsigned long zs_model_frames_for_alloc(struct zs_model *m, size_t size);
/*
 * The steps of the serving classes this model allocated from since its
 * pool was made (into out, at most ZS_MODEL_MAX_STEPS); how many. With
 * no other user of the pool, every other class must hold no page.
 */
unsigned int zs_model_used_classes(const struct zs_model *m,
				   unsigned short *out);
/* Slot of a new object, or -1 when the table is full or the alloc failed
 * in an excused way. */
int zs_model_alloc(struct zs_model *m, size_t size);
void zs_model_free(struct zs_model *m, int slot);
/* Maps slot (unmapping any current mapping first) and checks contents. */
uint8_t *zs_model_map(struct zs_model *m, int slot, enum zs_mapmode mode);
/*
 * Writes a pattern into the current mapping. Through an RO mapping (the
 * caller's bug, with a documented outcome) the bytes land in an object
 * inside one page and are dropped at unmap for a straddling one; only done
 * on objects written before (a never-written one is uninitialised memory
 * to MSan whatever lands in it).
 */
void zs_model_write(struct zs_model *m, size_t off, size_t len, uint8_t seed);
void zs_model_unmap(struct zs_model *m);
/* Compares p, slot's bytes as read somehow, with the model. */
void zs_model_compare(const struct zs_model *m, int slot, const uint8_t *p);
/* Puts a pattern into the shadow of o (only); the caller writes it. */
void zs_model_fill(struct zs_obj *o, size_t off, size_t len, uint8_t seed);
/* No byte of o is defined any more (a WO map gives them all up). */
static inline void zs_obj_undefine(struct zs_obj *o)
{
	o->ndef = 0;
}
/* Compares the current RO/RW mapping with the model (WO: nothing). */
void zs_model_check_mapping(const struct zs_model *m);
/* Maps RO, compares, unmaps. */
void zs_model_verify(struct zs_model *m, int slot);
void zs_model_verify_all(struct zs_model *m);
/*
 * After a move op (compaction, migration): every live object may have
 * been relocated. Each is marked and compared at its next use (a map, a
 * read, before a write or free) or at the end, whichever comes first, not
 * all at once: a second move before then needs no second look, and every
 * byte is still compared before anything could overwrite it.
 */
void zs_model_moved(struct zs_model *m, const char *by);
/* Compares slot now if a move left it unchecked, without touching the
 * current mapping (through zs_obj_read_begin). */
void zs_model_settle(struct zs_model *m, int slot);
/* zs_pool_check (the first ZS_MODEL_FULL_CHECKS times) and the class
 * statistics against the model. */
void zs_model_check_pool(struct zs_model *m);
/*
 * One serving class's statistics: whole zspages, no empty one kept, and
 * objects in use within what its fullness groups allow. Fails the run.
 */
void zs_model_check_class(const struct zs_class_stat *st);
/* True when h is one of the handles this model freed recently. */
int zs_model_is_stale(const struct zs_model *m, unsigned long h);
/*
 * zs_malloc returned h: it must not be live, and a handle this model freed
 * recently may come back only once its slot's generations wrapped (as in
 * the ZS_HANDLE_WRAP_TEST build). With quarantine Q and G generations that
 * takes G reuses of the slot, each after Q other frees: G * (Q + 1) - 1
 * frees on the pool since; only Q when a part of the handle table was given
 * back meanwhile (its generations jump) or the pool is shared (frees by
 * other threads blur the count).
 */
void zs_model_check_new_handle(struct zs_model *m, unsigned long h);
/* Records h, just freed on m's pool, as stale. */
void zs_model_note_free(struct zs_model *m, unsigned long h);
/* A live slot at or after hint (cyclic), or -1 if none. */
int zs_model_pick_live(const struct zs_model *m, unsigned int hint);
/* Frees every object; the shadow memory is released too. */
void zs_model_free_all(struct zs_model *m);
/* free_all, then the pool must be empty and consistent. */
void zs_model_finish(struct zs_model *m);

/* Gives o's shadow memory back and clears o (an object taken out). */
void zs_model_release_shadow(struct zs_obj *o);
/* Moving an object between models (threads hand objects over). */
int zs_model_take_out(struct zs_model *m, int slot, struct zs_obj *out);
int zs_model_put_in(struct zs_model *m, struct zs_obj *obj);

/*
 * The byte a pattern write puts at offset i of an object. It depends on
 * the offset, so a copy that lands shifted by any amount is caught, and on
 * the seed, so a lost write is caught.
 */
static inline uint8_t zs_pattern_byte(uint8_t seed, size_t i)
{
	return (uint8_t)(seed + i * 167u + (i >> 8) * 13u);
}

/* dst[0..len) = the pattern bytes of offsets off..off+len: the bulk form
 * of zs_pattern_byte, for the harness's own buffers. Only the span's two
 * ends are checked by ASan; the bytes between are written unchecked. */
void zs_pattern_fill(uint8_t *dst, size_t off, size_t len, uint8_t seed);

#endif /* ZS_FUZZ_MODEL_H */
