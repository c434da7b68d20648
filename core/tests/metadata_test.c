// SPDX-License-Identifier: MIT
/*
 * Metadata that shrinks: the handle slot's size, handle table chunks and
 * pfn table leaves given back when their objects go, page descriptors freed
 * with their zspages, and stale handles into a chunk made again still caught;
 * zs_compact packing the descriptors and the pfn table of what is left.
 */
#include "zs_test_util.h"

#include <pthread.h>

#include "handle.h"
#include "kernel/slab.h"
#include "pool.h"
#include "radix.h"
#include "zspage.h"

/*
 * The default pool with one class shard: every descriptor is in
 * pool->meta[0], whatever this thread's number.
 */
static struct zs_pool *one_shard_pool(struct kunit *test)
{
	struct zs_pool_config cfg = {.shards = 1};

	return zt_pool(test, &cfg);
}

#define MANY 100000u

static void metadata_slot_size(struct kunit *test)
{
	/* a location word, and a pin word beside it (32-bit: and info) */
	KUNIT_EXPECT_EQ(test, ZS_SLOT_BYTES, (size_t)12);
	KUNIT_EXPECT_EQ(test, ZS_SLOT_PACKED, sizeof(unsigned long) == 8);
	/* the zspage's page descriptors are sized to its chain */
	KUNIT_EXPECT_EQ(test, sizeof(struct zspage),
			offsetof(struct zspage, pages));
}

/*
 * A slot packs location, size and the fresh flag into one word: the
 * extremes survive it. In a 64 KiB-page pool of chain 16, the class with
 * the most objects per zspage gives the top object index there is (2047:
 * the 15 bits kept are a bound, not a need); 65536 is the top size and 1
 * the bottom. Each object's bytes and size come back.
 */
static void metadata_slot_extremes(struct kunit *test)
{
	struct zt_reports *rep = zt_record_reports(test);
	struct zs_pool *pool = zt_pool_geo(test, 65536, 16, 0);
	unsigned char *big = kunit_kzalloc(test, 65537, GFP_KERNEL);
	struct zs_pool_info info;
	struct zs_class_stat st, most = {0};
	unsigned long top, one, *h;
	unsigned int n, i, v;

	KUNIT_ASSERT_NOT_NULL(test, big);
	zs_pool_info(pool, &info);
	for (i = 0; i < info.nr_size_classes; i++) {
		KUNIT_ASSERT_EQ(test, zs_class_stat(pool, i, &st), 0);
		if (st.merged_into == i &&
		    st.objs_per_zspage > most.objs_per_zspage)
			most = st;
	}
	kunit_info(test, "class %zu: %u objects in %u pages", most.size,
		   most.objs_per_zspage, most.pages_per_zspage);
	KUNIT_ASSERT_GE(test, most.objs_per_zspage, 2048u);
	n = most.objs_per_zspage + 1;
	h = kunit_kcalloc(test, n, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < n; i++) {
		h[i] = zs_malloc(pool, most.size);
		KUNIT_ASSERT_NE(test, h[i], 0ul);
		zs_obj_write(pool, h[i], &i, sizeof(i));
	}
	for (i = 0; i < n; i++) {
		unsigned int buf[2];
		const unsigned int *p = zs_obj_read_begin(pool, h[i], big);

		KUNIT_ASSERT_NOT_NULL(test, p);
		memcpy(buf, p, sizeof(v));
		zs_obj_read_end(pool, h[i], (void *)p);
		if (buf[0] != i)
			KUNIT_FAIL(test, "object %u reads %u", i, buf[0]);
	}
	/* the first zspage's last object sits on its last page */
	KUNIT_EXPECT_EQ(test, zs_handle_pfn(pool, h[n - 2]),
			zs_handle_pfn(pool, h[0]) + most.pages_per_zspage - 1);

	top = zs_malloc(pool, 65536);
	one = zs_malloc(pool, 1);
	KUNIT_ASSERT_NE(test, top, 0ul);
	KUNIT_ASSERT_NE(test, one, 0ul);
	memset(big, 0xa5, 65536);
	zs_obj_write(pool, top, big, 65536);
	zs_obj_write(pool, one, big, 1);
	KUNIT_EXPECT_EQ(test, rep->count, 0ul);
	zs_obj_write(pool, top, big, 65537);
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
	KUNIT_EXPECT_NOT_NULL(test, strstr(rep->details, "65537 bytes do not "
							 "fit its 65536"));
	zs_obj_write(pool, one, big, 2);
	KUNIT_EXPECT_NOT_NULL(test,
			      strstr(rep->details, "2 bytes do not fit its 1"));
	{
		const unsigned char *p = zs_map_object(pool, top, ZS_MM_RO);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, memcmp(p, big, 65536), 0);
		zs_unmap_object(pool, top);
	}
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	for (i = 0; i < n; i++)
		zs_free(pool, h[i]);
	zs_free(pool, top);
	zs_free(pool, one);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

/*
 * The packing bounds themselves, on a table of its own: the highest pfn
 * the pfn table reaches and the highest index come back from a slot
 * whole, with the top size, and a location one bit beyond either does not
 * fit; zbud's split (address / 8 and the buddy) fits addresses below
 * 2^47 and no higher.
 */
static void metadata_slot_bounds(struct kunit *test)
{
#if ZS_SLOT_PACKED
	struct zs_handle_table t;
	struct zs_handle_slot *slot = NULL;
	const unsigned int index_bits = 29; /* 4 KiB pages, 46 physmem bits */
	unsigned long pfn = (1ul << 30) - 1, idx = (1ul << ZS_OBJ_LOW_BITS) - 1;
	unsigned long obj, h;

	KUNIT_ASSERT_EQ(
		test, zs_handle_table_init(&t, index_bits, ZS_OBJ_LOW_BITS), 0);
	obj = pfn << index_bits | idx;
	KUNIT_EXPECT_TRUE(test, zs_handle_location_fits(&t, obj));
	KUNIT_EXPECT_FALSE(
		test, zs_handle_location_fits(&t, (pfn + 1) << index_bits));
	KUNIT_EXPECT_FALSE(test,
			   zs_handle_location_fits(&t, 1ul << ZS_OBJ_LOW_BITS));
	KUNIT_EXPECT_FALSE(test, zs_handle_location_fits(&t, 0));
	h = zs_handle_reserve(&t, &slot);
	KUNIT_ASSERT_NE(test, h, 0ul);
	zs_handle_publish(&t, slot, obj, 65536, 0);
	KUNIT_EXPECT_EQ(test, zs_slot_location(&t, slot), obj);
	KUNIT_EXPECT_EQ(test, zs_slot_size(slot), 65536u);
	KUNIT_EXPECT_TRUE(test, zs_slot_fresh(slot));
	zs_slot_set_written(slot);
	zs_handle_move(&t, slot, 1ul << index_bits | 1);
	KUNIT_EXPECT_EQ(test, zs_slot_location(&t, slot),
			1ul << index_bits | 1);
	KUNIT_EXPECT_EQ(test, zs_slot_size(slot), 65536u);
	KUNIT_EXPECT_FALSE(test, zs_slot_fresh(slot));
	zs_mutex_lock(&t.lock);
	zs_handle_release_locked(&t, h, slot);
	zs_mutex_unlock(&t.lock);
	KUNIT_EXPECT_EQ(test, zs_slot_location(&t, slot), 0ul);
	zs_handle_table_destroy(&t);

	/* zbud: descriptor address | buddy, split at bit 3, 1 low bit */
	KUNIT_ASSERT_EQ(test, zs_handle_table_init(&t, 3, 1), 0);
	KUNIT_EXPECT_TRUE(test,
			  zs_handle_location_fits(&t, ((1ul << 47) - 8) | 1));
	KUNIT_EXPECT_FALSE(test, zs_handle_location_fits(&t, (1ul << 47) | 1));
	zs_handle_table_destroy(&t);
#else
	kunit_skip(test, "32-bit slots keep the location word whole");
#endif
}

/* 100k objects in, 100k out: the tables and descriptors went back. */
static void metadata_given_back(struct kunit *test)
{
	struct zs_pool *pool = one_shard_pool(test);
	struct zs_handle_table *t = &pool->handles;
	unsigned long *h = kunit_kcalloc(test, MANY, sizeof(*h), GFP_KERNEL);
	unsigned long full_chunks, full_pfn_leaves;
	long live0, full_live;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	live0 = zs_slab_live();
	for (i = 0; i < MANY; i++) {
		h[i] = zs_malloc(pool, 100 + i % 1000);
		KUNIT_ASSERT_NE(test, h[i], 0ul);
	}
	full_chunks = zs_radix_nr_leaves(&t->slots);
	full_pfn_leaves = zs_pool_nr_pfn_leaves(pool);
	full_live = zs_slab_live();
	KUNIT_EXPECT_GE(test, full_chunks, MANY / ZS_HANDLE_CHUNK_SLOTS);
	KUNIT_EXPECT_GE(test, full_pfn_leaves, 2ul);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	kunit_info(test,
		   "full: %lu handle chunks, %lu pfn leaves, %ld metadata "
		   "allocations",
		   full_chunks, full_pfn_leaves, full_live - live0);

	for (i = 0; i < MANY; i++)
		zs_free(pool, h[i]);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
	/* the quarantine (1024 slots) holds at most two chunks, plus the
	 * one kept with ready slots */
	KUNIT_EXPECT_LE(test, zs_radix_nr_leaves(&t->slots), 3ul);
	/* pfn 0 is never used: its leaf stays */
	KUNIT_EXPECT_EQ(test, zs_pool_nr_pfn_leaves(pool), 1ul);
	/* all back but those chunks, pfn 0's leaf, the two tables' middle
	 * nodes, the pfn bitmap and the chunk array */
	KUNIT_EXPECT_LE(test, zs_slab_live() - live0, 7l);
	kunit_info(test, "empty: %lu handle chunks, %ld allocations",
		   zs_radix_nr_leaves(&t->slots), zs_slab_live() - live0);
}

/* zs_pool_meta(): the counts above, as a user reads them. */
static void expect_meta_matches(struct kunit *test, struct zs_pool *pool)
{
	struct zs_pool_meta m;

	zs_pool_meta(pool, &m);
	KUNIT_EXPECT_EQ(test, m.desc_chunks, zs_meta_nr_chunks(&pool->meta[0]));
	KUNIT_EXPECT_EQ(test, m.pfn_leaves, zs_pool_nr_pfn_leaves(pool));
	KUNIT_EXPECT_EQ(test, m.handle_chunks,
			zs_radix_nr_leaves(&pool->handles.slots));
	/* bytes: whole parts, and descriptors too big for a chunk */
	KUNIT_EXPECT_EQ(test, m.desc_bytes,
			(size_t)m.desc_chunks * ZS_META_CHUNK +
				pool->meta[0].large_bytes);
	KUNIT_EXPECT_EQ(test, m.pfn_bytes,
			(size_t)m.pfn_leaves * ZS_RADIX_FANOUT *
				sizeof(struct zs_page *));
	KUNIT_EXPECT_EQ(test, m.handle_bytes,
			(size_t)m.handle_chunks * ZS_HANDLE_CHUNK_SLOTS *
				ZS_SLOT_BYTES);
}

/* The first serving class whose zspage descriptor is above ZS_META_MAX. */
static struct size_class *large_desc_class(struct zs_pool *pool, size_t *bytes)
{
	for (unsigned int i = 0; i < pool->geo.nr_steps; i++) {
		struct size_class *c = &pool->classes[i];
		size_t n = zspage_bytes(c);

		n = (n + ZS_META_ALIGN - 1) & ~(size_t)(ZS_META_ALIGN - 1);
		if (c->served_by == i && n > ZS_META_MAX) {
			*bytes = n;
			return c;
		}
	}
	return NULL;
}

/* A descriptor malloc'd for its size is in desc_bytes while it lives. */
static void metadata_public_large_desc(struct kunit *test)
{
	struct zs_pool *pool = one_shard_pool(test);
	struct zs_pool_meta m;
	struct size_class *c;
	unsigned long h;
	size_t bytes = 0;

	c = large_desc_class(pool, &bytes);
	KUNIT_ASSERT_NOT_NULL(test, c);
	h = zs_malloc(pool, c->size);
	KUNIT_ASSERT_NE(test, h, 0ul);
	zs_pool_meta(pool, &m);
	KUNIT_EXPECT_EQ(test, pool->meta[0].large_bytes, bytes);
	/* its pages' descriptors are inside it: no chunk */
	KUNIT_EXPECT_EQ(test, m.desc_chunks, 0ul);
	KUNIT_EXPECT_EQ(test, m.desc_bytes, bytes);
	expect_meta_matches(test, pool);
	zs_free(pool, h);
	zs_pool_meta(pool, &m);
	KUNIT_EXPECT_EQ(test, m.desc_bytes, (size_t)0);
	expect_meta_matches(test, pool);
}

#define META_OBJS 3000u

static void metadata_public_counts(struct kunit *test)
{
	struct zs_pool *pool = one_shard_pool(test);
	unsigned long *h =
		kunit_kcalloc(test, META_OBJS, sizeof(*h), GFP_KERNEL);
	struct zs_pool_meta m;
	struct zs_pool_info info;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	zs_pool_meta(pool, &m);
	KUNIT_EXPECT_EQ(test, m.desc_chunks, 0ul);
	KUNIT_EXPECT_EQ(test, m.pfn_leaves, 0ul);
	expect_meta_matches(test, pool);
	/* one object a page: a descriptor chunk holds far fewer zspages,
	 * a pfn leaf 1024 pages, a handle chunk 1024 slots */
	for (i = 0; i < META_OBJS; i++) {
		h[i] = zs_malloc(pool, 4000);
		KUNIT_ASSERT_NE(test, h[i], 0ul);
	}
	zs_pool_meta(pool, &m);
	KUNIT_EXPECT_GE(test, m.desc_chunks, 2ul);
	KUNIT_EXPECT_GE(test, m.pfn_leaves, 3ul);
	KUNIT_EXPECT_GE(test, m.handle_chunks, 3ul);
	expect_meta_matches(test, pool);
	for (i = 0; i < META_OBJS; i++)
		zs_free(pool, h[i]);
	zs_compact(pool);
	zs_pool_meta(pool, &m);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
	KUNIT_EXPECT_EQ(test, m.desc_chunks, 0ul);
	KUNIT_EXPECT_EQ(test, m.pfn_leaves, 1ul); /* pfn 0's */
	KUNIT_EXPECT_LE(test, m.handle_chunks, 3ul);
	expect_meta_matches(test, pool);

	memset(&m, 0xff, sizeof(m));
	zs_pool_meta(NULL, &m);
	KUNIT_EXPECT_EQ(test, m.desc_chunks | m.pfn_leaves | m.handle_chunks,
			0ul);
	KUNIT_EXPECT_EQ(test, m.desc_bytes | m.pfn_bytes | m.handle_bytes,
			(size_t)0);
	memset(&info, 0xff, sizeof(info));
	zs_pool_info(NULL, &info);
	KUNIT_EXPECT_EQ(test, info.page_size, (size_t)0);
	KUNIT_EXPECT_EQ(test, info.max_pages, 0ul);
}

/* Every old handle is stale, also into a chunk given back and made again. */
static void metadata_stale_after_remake(struct kunit *test)
{
	struct zt_reports *rep = zt_record_reports(test);
	struct zs_pool *pool = one_shard_pool(test);
	struct zs_handle_table *t = &pool->handles;
	unsigned int n = 4 * ZS_HANDLE_CHUNK_SLOTS, i, j;
	unsigned long *old = kunit_kcalloc(test, n, sizeof(*old), GFP_KERNEL);
	unsigned long *now = kunit_kcalloc(test, n, sizeof(*now), GFP_KERNEL);
	unsigned long made_full;

	KUNIT_ASSERT_NOT_NULL(test, old);
	KUNIT_ASSERT_NOT_NULL(test, now);
	for (i = 0; i < n; i++) {
		old[i] = zs_malloc(pool, 64);
		KUNIT_ASSERT_NE(test, old[i], 0ul);
	}
	made_full = t->nr_chunks_made;
	for (i = 0; i < n; i++)
		zs_free(pool, old[i]);
	/* push every slot out of quarantine: chunks are given back */
	for (i = 0; i < ZS_HANDLE_QUARANTINE + 1; i++) {
		unsigned long x = zs_malloc(pool, 64);

		KUNIT_ASSERT_NE(test, x, 0ul);
		zs_free(pool, x);
	}
	KUNIT_EXPECT_LT(test, t->nr_chunks_made, made_full);
	/* fill again: chunks are made again over the same slot indices */
	for (i = 0; i < n; i++) {
		now[i] = zs_malloc(pool, 64);
		KUNIT_ASSERT_NE(test, now[i], 0ul);
	}
	KUNIT_EXPECT_GE(test, t->nr_chunks_made, made_full);
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (now[j] == old[i])
				KUNIT_FAIL(test, "handle %#lx issued again",
					   old[i]);
	rep->count = 0;
	for (i = 0; i < n; i += 97) {
		zs_free(pool, old[i]);
		KUNIT_EXPECT_NULL(test, zs_map_object(pool, old[i], ZS_MM_RO));
	}
	KUNIT_EXPECT_EQ(test, rep->count, 2ul * ((n + 96) / 97));
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	for (i = 0; i < n; i++)
		zs_free(pool, now[i]);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/*
 * zs_free queues slots a batch at a time: handles_freed moves by a whole
 * batch, a batched handle is already stale, the checker accepts the batch,
 * and zs_compact queues what is left.
 */
static void metadata_batched_frees(struct kunit *test)
{
	struct zt_reports *rep = zt_record_reports(test);
	struct zs_pool *pool = one_shard_pool(test);
	unsigned int n = ZS_HANDLE_BATCH + 1, i;
	unsigned long *h = kunit_kcalloc(test, n, sizeof(*h), GFP_KERNEL);
	struct zs_pool_stats s0, s;

	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < n; i++) {
		h[i] = zs_malloc(pool, 100);
		KUNIT_ASSERT_NE(test, h[i], 0ul);
	}
	zs_compact(pool); /* this thread's batch starts empty */
	zs_pool_stats(pool, &s0);
	for (i = 0; i + 1 < ZS_HANDLE_BATCH; i++)
		zs_free(pool, h[i]);
	zs_pool_stats(pool, &s);
	KUNIT_EXPECT_EQ(test, s.handles_freed, s0.handles_freed);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	rep->count = 0;
	if (ZS_HANDLE_BATCH > 1)
		KUNIT_EXPECT_NULL(test, zs_map_object(pool, h[0], ZS_MM_RO));
	KUNIT_EXPECT_EQ(test, rep->count, ZS_HANDLE_BATCH > 1 ? 1ul : 0ul);
	zs_free(pool, h[ZS_HANDLE_BATCH - 1]);
	zs_pool_stats(pool, &s);
	KUNIT_EXPECT_EQ(test, s.handles_freed,
			s0.handles_freed + ZS_HANDLE_BATCH);
	zs_free(pool, h[ZS_HANDLE_BATCH]);
	zs_pool_stats(pool, &s);
	/* (a batch of one queues at once) */
	KUNIT_EXPECT_EQ(test, s.handles_freed,
			s0.handles_freed +
				(ZS_HANDLE_BATCH > 1 ? ZS_HANDLE_BATCH : n));
	zs_compact(pool);
	zs_pool_stats(pool, &s);
	KUNIT_EXPECT_EQ(test, s.handles_freed, s0.handles_freed + n);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

struct ahead_filler {
	struct zs_pool *pool;
	unsigned long n; /* handles it got before zs_malloc failed */
};

static void *fill_table(void *arg)
{
	struct ahead_filler *f = arg;

	while (zs_malloc(f->pool, 64))
		f->n++;
	return NULL;
}

/*
 * zs_malloc takes slots a batch at a time into its thread's shard and
 * hands them out in slot order; zs_handle_flush gives the rest back, and a
 * thread that finds the table exhausted gets the slots another thread
 * took ahead: one chunk's slots are all handed out, whichever thread took
 * them.
 */
static void metadata_taken_ahead(struct kunit *test)
{
	struct zs_pool *pool = one_shard_pool(test);
	struct zs_handle_table *t = &pool->handles;
	struct ahead_filler other = {pool, 0};
	unsigned long h0, h1, free0;
	pthread_t th;

	/* one chunk: slots 1..1023 */
	t->max_slots = ZS_HANDLE_CHUNK_SLOTS;
	h0 = zs_malloc(pool, 64);
	KUNIT_ASSERT_NE(test, h0, 0ul);
	free0 = t->nr_free;
	KUNIT_EXPECT_EQ(test, free0,
			(unsigned long)ZS_HANDLE_CHUNK_SLOTS - ZS_HANDLE_BATCH -
				1);
	h1 = zs_malloc(pool, 64);
	KUNIT_ASSERT_NE(test, h1, 0ul);
	KUNIT_EXPECT_EQ(test, t->nr_free, free0); /* no lock taken */
	KUNIT_EXPECT_EQ(test, zs_handle_slot_index(h1),
			zs_handle_slot_index(h0) + 1);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	zs_handle_flush(t);
	KUNIT_EXPECT_EQ(test, t->nr_free,
			(unsigned long)ZS_HANDLE_CHUNK_SLOTS - 3);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);

	/* this thread takes a batch ahead again; another fills the rest */
	KUNIT_ASSERT_NE(test, zs_malloc(pool, 64), 0ul);
	KUNIT_ASSERT_EQ(test, pthread_create(&th, NULL, fill_table, &other), 0);
	KUNIT_ASSERT_EQ(test, pthread_join(th, NULL), 0);
	KUNIT_EXPECT_EQ(test, other.n,
			(unsigned long)ZS_HANDLE_CHUNK_SLOTS - 1 - 3);
	KUNIT_EXPECT_EQ(test, zs_malloc(pool, 64), 0ul);
	KUNIT_EXPECT_EQ(test, t->nr_free, 0ul);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/*
 * Migration gives the old pfn back and keeps the descriptor (it is in the
 * zspage's); the zspage's free takes it, and no leaf is kept.
 */
static void metadata_descriptor_with_page(struct kunit *test)
{
	struct zs_pool *pool = one_shard_pool(test);
	unsigned long h = zs_malloc(pool, 3000), pfn, pages;
	struct zs_page *page;
	void *mem;
	long live;

	KUNIT_ASSERT_NE(test, h, 0ul);
	pfn = zs_handle_pfn(pool, h);
	KUNIT_ASSERT_NE(test, pfn, 0ul);
	page = zs_pfn_to_page(pool, pfn);
	KUNIT_ASSERT_NOT_NULL(test, page);
	mem = page->mem;
	live = zs_slab_live();
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, pfn), 0);
	KUNIT_EXPECT_EQ(test, zs_slab_live(), live);
	KUNIT_EXPECT_NULL(test, zs_pfn_to_page(pool, pfn));
	KUNIT_EXPECT_NE(test, zs_handle_pfn(pool, h), pfn);
	/* the same descriptor, with the new pfn and memory */
	KUNIT_EXPECT_PTR_EQ(test, zs_pfn_to_page(pool, zs_handle_pfn(pool, h)),
			    page);
	KUNIT_EXPECT_EQ(test, (unsigned long)page->pfn, zs_handle_pfn(pool, h));
	KUNIT_EXPECT_PTR_NE(test, page->mem, mem);
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, pfn), -ENOENT);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	pages = zs_get_total_pages(pool);
	zs_free(pool, h);
	/* one allocation: the zspage's descriptor, its pages' inside;
	 * pfn 0's leaf stays */
	KUNIT_EXPECT_GT(test, pages, 0ul);
	KUNIT_EXPECT_EQ(test, zs_slab_live(), live - 1);
	KUNIT_EXPECT_EQ(test, zs_pool_nr_pfn_leaves(pool), 1ul);
}

static size_t compacted_size(unsigned int i)
{
	return 100 + i % 1000;
}

/* Fill object i of h with its pattern, or check that it holds it. */
static void compacted_pattern(struct kunit *test, struct zs_pool *pool,
			      unsigned long h, unsigned int i, bool write)
{
	size_t n = compacted_size(i), k;
	unsigned char *p = zs_map_object(pool, h, write ? ZS_MM_WO : ZS_MM_RO);

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (k = 0; k < n; k++) {
		unsigned char want = (unsigned char)(i * 31 + k);

		if (write) {
			p[k] = want;
		} else if (p[k] != want) {
			KUNIT_FAIL(test, "object %u byte %zu: %#x, not %#x", i,
				   k, p[k], want);
			break;
		}
	}
	zs_unmap_object(pool, h);
}

/*
 * The descriptor chunks that the zspages kept now need once packed: per
 * descriptor size, every chunk more than half full but one (which may be
 * the chunk of a zspage with a pinned object, which does not move); one
 * chunk header's room taken from each (meta.c keeps the exact header).
 */
static unsigned long packed_chunks(struct zs_pool *pool)
{
	unsigned long objs[ZS_META_CACHES] = {0}, bound = 0;
	struct size_class *c;

	zs_for_each_serving_class(pool, c) {
		size_t size = (zspage_bytes(c) + ZS_META_ALIGN - 1) &
			      ~(size_t)(ZS_META_ALIGN - 1);

		if (size <= ZS_META_MAX)
			objs[size / ZS_META_ALIGN - 1] +=
				zs_atomic_read(&c->nr_kept);
	}
	for (unsigned int i = 0; i < ZS_META_CACHES; i++) {
		unsigned long per =
			ZS_META_CHUNK / ((i + 1) * ZS_META_ALIGN) - 1;

		if (objs[i])
			bound += 1 + (2 * objs[i] + per - 1) / per;
	}
	return bound;
}

/*
 * After most objects go, zs_compact packs what is left: the descriptors
 * into few metadata chunks, the pages into low pfns (few table leaves),
 * without touching a pinned object's zspage or any object's bytes.
 */
static void metadata_compacted(struct kunit *test)
{
	struct zs_pool *pool = one_shard_pool(test);
	unsigned long *h = kunit_kcalloc(test, MANY, sizeof(*h), GFP_KERNEL);
	unsigned long full_chunks, kept = 0;
	const unsigned char *pinned;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < MANY; i++) {
		h[i] = zs_malloc(pool, compacted_size(i));
		KUNIT_ASSERT_NE(test, h[i], 0ul);
		compacted_pattern(test, pool, h[i], i, true);
	}
	full_chunks = zs_meta_nr_chunks(&pool->meta[0]);
	/* keep one in 37, spread over every zspage */
	for (i = 0; i < MANY; i++) {
		if (i % 37 == 0) {
			kept++;
			continue;
		}
		zs_free(pool, h[i]);
		h[i] = 0;
	}
	pinned = zs_map_object(pool, h[0], ZS_MM_RO);
	KUNIT_ASSERT_NOT_NULL(test, pinned);
	zs_compact(pool);
	KUNIT_EXPECT_EQ(test, pinned[1], (unsigned char)1);
	zs_unmap_object(pool, h[0]);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	kunit_info(test,
		   "%lu kept: metadata chunks %lu -> %lu (packed: at most "
		   "%lu), pfn leaves %lu, pages %lu",
		   kept, full_chunks, zs_meta_nr_chunks(&pool->meta[0]),
		   packed_chunks(pool), zs_pool_nr_pfn_leaves(pool),
		   zs_get_total_pages(pool));
	KUNIT_EXPECT_LE(test, zs_meta_nr_chunks(&pool->meta[0]),
			packed_chunks(pool));
	KUNIT_EXPECT_LE(test, zs_meta_nr_chunks(&pool->meta[0]),
			full_chunks / 4);
	KUNIT_EXPECT_LE(test, zs_pool_nr_pfn_leaves(pool), 2ul);
	for (i = 0; i < MANY; i++)
		if (h[i])
			compacted_pattern(test, pool, h[i], i, false);
	for (i = 0; i < MANY; i++)
		zs_free(pool, h[i]);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zs_meta_nr_chunks(&pool->meta[0]), 0ul);
}

/*
 * A radix table's destroy frees every node: leaves under two top slots
 * (slots between them never had a node) and not one left behind, while a
 * leaf freed before is not freed again.
 */
static void metadata_radix_destroy(struct kunit *test)
{
	struct zs_radix *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned long far = 5ul << (2 * ZS_RADIX_BITS);
	long live0 = zs_slab_live();

	KUNIT_ASSERT_NOT_NULL(test, r);
	zs_radix_init(r, sizeof(unsigned long));
	KUNIT_ASSERT_NOT_NULL(test, zs_radix_populate(r, 3));
	KUNIT_ASSERT_NOT_NULL(test,
			      zs_radix_populate(r, 2 * ZS_RADIX_FANOUT + 1));
	KUNIT_ASSERT_NOT_NULL(test, zs_radix_populate(r, far + 9));
	KUNIT_ASSERT_NOT_NULL(test,
			      zs_radix_populate(r, far + 3 * ZS_RADIX_FANOUT));
	zs_radix_depopulate(r, 3);
	KUNIT_EXPECT_EQ(test, zs_radix_nr_leaves(r), 3ul);
	KUNIT_EXPECT_EQ(test, r->top_end, 6ul);
	/* two middle nodes and three leaves */
	KUNIT_EXPECT_EQ(test, zs_slab_live() - live0, 5l);
	zs_radix_destroy(r);
	KUNIT_EXPECT_EQ(test, zs_slab_live(), live0);
	KUNIT_EXPECT_EQ(test, zs_radix_nr_leaves(r), 0ul);
	KUNIT_EXPECT_NULL(test, zs_radix_lookup(r, far + 9));
	KUNIT_EXPECT_NULL(test, zs_radix_lookup(r, 2 * ZS_RADIX_FANOUT + 1));
}

static struct kunit_case metadata_cases[] = {
	KUNIT_CASE(metadata_slot_size),
	KUNIT_CASE(metadata_slot_extremes),
	KUNIT_CASE(metadata_slot_bounds),
	KUNIT_CASE(metadata_given_back),
	KUNIT_CASE(metadata_public_counts),
	KUNIT_CASE(metadata_public_large_desc),
	KUNIT_CASE(metadata_stale_after_remake),
	KUNIT_CASE(metadata_batched_frees),
	KUNIT_CASE(metadata_taken_ahead),
	KUNIT_CASE(metadata_descriptor_with_page),
	KUNIT_CASE(metadata_compacted),
	KUNIT_CASE(metadata_radix_destroy),
	{}};

static struct kunit_suite metadata_suite = {
	.name = "metadata",
	.test_cases = metadata_cases,
};
kunit_test_suite(metadata_suite);
