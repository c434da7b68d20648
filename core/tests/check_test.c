// SPDX-License-Identifier: MIT
/*
 * zs_pool_check finds corruption: each case breaks one piece of a pool's
 * internals on purpose (a free-list link, an inuse count, a fullness group,
 * a handle back-reference, page totals, ...), expects the checker to report
 * it by name, puts the piece back and expects a clean check again. No
 * valid sequence of API calls reaches these paths; they guard against
 * memory corruption and allocator bugs. A few cases also feed the broken
 * state to zs_malloc, zs_free and zs_map_object, which must refuse it.
 */
#include "zs_test_util.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "kernel/atomic.h"
#include "kernel/kmap.h"
#include "kernel/sanitize.h"
#include "pool.h"
#include "radix.h"
#include "zspage.h"

#define OBJ_SIZE 128
#define NR_OBJS	 3

/* Every report of a case, "what: details" one a line. */
struct log {
	unsigned long count;
	char text[4096];
};

static void log_report(void *ctx, const char *what, const char *details)
{
	struct log *l = ctx;
	size_t n = strlen(l->text);

	l->count++;
	if (n < sizeof(l->text) - 1)
		snprintf(l->text + n, sizeof(l->text) - n, "%s: %s\n", what,
			 details);
}

struct fixture {
	struct zs_pool *pool;
	struct size_class *class;
	struct zspage *zs;	      /* the one zspage of the class */
	unsigned long h[NR_OBJS + 2]; /* the last two are freed */
	struct log *log;
};

static struct fixture *setup(struct kunit *test)
{
	struct fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	unsigned int i, r;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->pool = zt_pool_geo(test, 4096, 4, 0);
	f->log = kunit_kzalloc(test, sizeof(*f->log), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->log);
	for (i = 0; i < NR_OBJS + 2; i++) {
		f->h[i] = zs_malloc(f->pool, OBJ_SIZE);
		KUNIT_ASSERT_NE(test, f->h[i], 0ul);
		KUNIT_ASSERT_TRUE(test,
				  zt_write(f->pool, f->h[i], OBJ_SIZE, i));
	}
	/* the last two freed, the later one first: a two-link free list */
	zs_free(f->pool, f->h[NR_OBJS + 1]);
	zs_free(f->pool, f->h[NR_OBJS]);
	f->class = &f->pool->classes[zt_class_of(f->pool, OBJ_SIZE)];
	for (r = ZS_RATIO_10; r < ZS_NR_RATIOS && !f->zs; r++)
		f->zs = f->class->ratio_list[r];
	KUNIT_ASSERT_NOT_NULL(test, f->zs);
	/* the cases break links in page memory: none may wait in the class */
	KUNIT_ASSERT_PTR_EQ(test, f->class->link_zs, f->zs);
	zspage_store_link(f->pool, f->class);
	KUNIT_ASSERT_EQ(test, f->zs->inuse, (unsigned int)NR_OBJS);
	/* objects 0..2 allocated, 3 and 4 freed (head 3), 5.. fresh */
	KUNIT_ASSERT_EQ(test, f->zs->free_head, (uint16_t)(NR_OBJS + 1));
	KUNIT_ASSERT_EQ(test, zspage_free_head(f->pool, f->zs),
			zspage_obj_word(f->pool, f->zs, NR_OBJS));
	KUNIT_ASSERT_EQ(test, f->zs->fresh, (unsigned int)NR_OBJS + 2);
	KUNIT_ASSERT_EQ(test, zs_pool_check(f->pool), 0);
	zs_set_report_handler(log_report, f->log);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(
				test, zt_restore_report_handler, NULL));
	return f;
}

/* The checker finds a problem and one report names it. */
static void expect_found(struct kunit *test, struct fixture *f,
			 const char *needle)
{
	f->log->text[0] = '\0';
	f->log->count = 0;
	KUNIT_EXPECT_GT(test, zs_pool_check(f->pool), 0);
	KUNIT_EXPECT_GT(test, f->log->count, 0ul);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(f->log->text, needle),
				  "no report says '%s'; got:\n%s", needle,
				  f->log->text);
}

/* After the repair: clean again, every object intact, nothing reported. */
static void expect_repaired(struct kunit *test, struct fixture *f)
{
	unsigned int i;

	f->log->count = 0;
	KUNIT_EXPECT_EQ(test, zs_pool_check(f->pool), 0);
	for (i = 0; i < NR_OBJS; i++)
		KUNIT_EXPECT_TRUE(test, zt_check(f->pool, f->h[i], OBJ_SIZE, i,
						 ZS_MM_RO));
	KUNIT_EXPECT_EQ(test, f->log->count, 0ul);
}

/* Write the free-list link word of object idx, as the allocator would. */
static void poke_link(struct fixture *f, unsigned int idx, unsigned long v)
{
	size_t off = (size_t)idx * f->class->size;
	size_t ps = f->pool->geo.page_size;
	struct zs_page *page = &f->zs->pages[off / ps];
	char *base = kmap_atomic(page);
	char *p = base + off % ps;

	zs_san_open_undefined(p, ZS_LINK_SPAN);
	memcpy(p, &v, sizeof(v));
	zs_san_close(p, ZS_LINK_SPAN);
	kunmap_atomic(base);
}

static struct zs_handle_slot *slot_of(struct fixture *f, unsigned int idx)
{
	return zs_handle_slot_at(&f->pool->handles, zspage_handles(f->zs)[idx]);
}

/* Corrupt a live slot's size (1..65536); returns the word to restore. */
static unsigned long set_slot_size(struct zs_handle_slot *slot,
				   unsigned int size)
{
#if ZS_SLOT_PACKED
	unsigned long w = zs_atomic_read(zs_slot_word(slot));
	unsigned long field = ((1ul << ZS_SLOT_SIZE_BITS) - 1)
			      << ZS_SLOT_SIZE_SHIFT;

	zs_atomic_set(zs_slot_word(slot),
		      (w & ~field) | (unsigned long)(size - 1)
					     << ZS_SLOT_SIZE_SHIFT);
	return w;
#else
	unsigned int w = atomic_load(zs_slot_info_word(slot));

	atomic_store(zs_slot_info_word(slot), (w & ~ZS_SLOT_SIZE_MASK) | size);
	return w;
#endif
}

static void restore_slot_size(struct zs_handle_slot *slot, unsigned long w)
{
#if ZS_SLOT_PACKED
	zs_atomic_set(zs_slot_word(slot), w);
#else
	atomic_store(zs_slot_info_word(slot), (unsigned int)w);
#endif
}

static void check_clean_pool(struct kunit *test)
{
	struct fixture *f = setup(test);

	expect_repaired(test, f);
}

static void check_no_pool(struct kunit *test)
{
	struct fixture *f = setup(test);

	f->log->text[0] = '\0';
	KUNIT_EXPECT_EQ(test, zs_pool_check(NULL), 1);
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->log->text, "no pool"));
}

static void check_free_head_foreign(struct kunit *test)
{
	struct fixture *f = setup(test);
	uint16_t saved = f->zs->free_head;

	/* an index past the zspage's objects */
	f->zs->free_head = (uint16_t)(f->class->objs_per_zspage + 1);
	expect_found(test, f, "free list head");
	/* zs_malloc refuses the broken list instead of following it */
	f->log->text[0] = '\0';
	KUNIT_EXPECT_EQ(test, zs_malloc(f->pool, OBJ_SIZE), 0ul);
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->log->text, "first free object"));
	/* nor does zs_free link an object to it */
	f->log->text[0] = '\0';
	zs_free(f->pool, f->h[0]);
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->log->text, "past its zspage"));
	f->zs->free_head = saved;
	expect_repaired(test, f);
}

static void check_free_head_allocated(struct kunit *test)
{
	struct fixture *f = setup(test);
	uint16_t saved = f->zs->free_head;

	f->zs->free_head = 2; /* object 1 */
	expect_found(test, f, "is free and allocated");
	f->zs->free_head = saved;
	expect_repaired(test, f);
}

static void check_free_list_loop(struct kunit *test)
{
	struct fixture *f = setup(test);
	unsigned long head = zspage_free_head(f->pool, f->zs), link;

	KUNIT_ASSERT_TRUE(test,
			  zspage_read_link(f->pool, f->zs, NR_OBJS, &link));
	poke_link(f, NR_OBJS, head << ZS_OBJ_TAG_BITS); /* links to itself */
	expect_found(test, f, "free list loops");
	poke_link(f, NR_OBJS, link);
	expect_repaired(test, f);
}

static void check_free_link_tagged(struct kunit *test)
{
	struct fixture *f = setup(test);
	unsigned long link;

	KUNIT_ASSERT_TRUE(test,
			  zspage_read_link(f->pool, f->zs, NR_OBJS, &link));
	poke_link(f, NR_OBJS, link | 1);
	expect_found(test, f, "has its tag bit set");
	/* popping the head must not follow the bad link */
	f->log->text[0] = '\0';
	KUNIT_EXPECT_EQ(test, zs_malloc(f->pool, OBJ_SIZE), 0ul);
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->log->text, "links to"));
	poke_link(f, NR_OBJS, link);
	expect_repaired(test, f);
}

/* A freed object linking into the never-used ones: both would be handed
 * out, the second time while still in use. */
static void check_free_link_fresh(struct kunit *test)
{
	struct fixture *f = setup(test);
	unsigned long link, fresh_obj;

	KUNIT_ASSERT_TRUE(test,
			  zspage_read_link(f->pool, f->zs, NR_OBJS, &link));
	fresh_obj = zspage_obj_word(f->pool, f->zs, NR_OBJS + 3);
	poke_link(f, NR_OBJS, fresh_obj << ZS_OBJ_TAG_BITS);
	expect_found(test, f, "never handed out");
	f->log->text[0] = '\0';
	KUNIT_EXPECT_EQ(test, zs_malloc(f->pool, OBJ_SIZE), 0ul);
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->log->text, "links to"));
	poke_link(f, NR_OBJS, link);
	expect_repaired(test, f);
}

/*
 * A link stored late waits in the class for the object heading its
 * zspage's free list (zspage.c); anywhere else it would be stored into a
 * live object, or into a zspage the class no longer has.
 */
static void check_waiting_link(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct zspage elsewhere;
	unsigned long link;

	KUNIT_ASSERT_TRUE(test,
			  zspage_read_link(f->pool, f->zs, NR_OBJS, &link));
	f->class->link_zs = f->zs;
	f->class->link_idx = 1; /* allocated */
	f->class->link_word = link;
	expect_found(test, f, "does not head its zspage's free list");
	/* where a push leaves it: the checker follows it, and is content */
	f->class->link_idx = NR_OBJS;
	f->log->count = 0;
	KUNIT_EXPECT_EQ(test, zs_pool_check(f->pool), 0);
	KUNIT_EXPECT_EQ(test, f->log->count, 0ul);
	memset(&elsewhere, 0, sizeof(elsewhere));
	f->class->link_zs = &elsewhere;
	expect_found(test, f, "a link waits for a zspage not on its lists");
	f->class->link_zs = NULL;
	expect_repaired(test, f);
}

/* The fresh index moved: past the end, or back over allocated objects. */
static void check_fresh_index(struct kunit *test)
{
	struct fixture *f = setup(test);
	unsigned int saved = f->zs->fresh;

	f->zs->fresh = f->class->objs_per_zspage + 1;
	expect_found(test, f, "past its");
	/* with the free list out of the way, objects 1 and 2 are fresh */
	f->zs->free_head = 0;
	f->zs->fresh = 1;
	expect_found(test, f, "is allocated and fresh");
	f->zs->free_head = NR_OBJS + 1;
	f->zs->fresh = saved + 1;
	expect_found(test, f, "fresh + ");
	f->zs->fresh = saved;
	expect_repaired(test, f);
}

static void check_inuse_count(struct kunit *test)
{
	struct fixture *f = setup(test);

	f->zs->inuse++;
	expect_found(test, f, "in use, holds");
	f->zs->inuse--;
	expect_repaired(test, f);
}

static void check_fullness_group(struct kunit *test)
{
	struct fixture *f = setup(test);
	enum zs_fullness_group g = f->zs->fullness;

	f->zs->fullness = g == ZS_FULL ? ZS_ALMOST_EMPTY : ZS_FULL;
	expect_found(test, f, "counted in group");
	f->zs->fullness = g;
	expect_repaired(test, f);
}

static void check_ratio_bucket(struct kunit *test)
{
	struct fixture *f = setup(test);
	uint8_t r = f->zs->ratio;

	f->zs->ratio = r == ZS_RATIO_100 ? ZS_RATIO_10 : ZS_RATIO_100;
	expect_found(test, f, "in use on ratio list");
	f->zs->ratio = r;
	expect_repaired(test, f);
}

static void check_list_count(struct kunit *test)
{
	struct fixture *f = setup(test);
	enum zs_fullness_group g = f->zs->fullness;

	f->class->nr_zspages[g]++;
	expect_found(test, f, "group");
	expect_found(test, f, "zspages, counted");
	f->class->nr_zspages[g]--;
	expect_repaired(test, f);
	f->class->nr_ratio[f->zs->ratio]++;
	expect_found(test, f, "ratio list");
	expect_found(test, f, "zspages, counted");
	f->class->nr_ratio[f->zs->ratio]--;
	expect_repaired(test, f);
}

/* The lock-free count of kept zspages (zs_compact's skip) must agree. */
static void check_kept_count(struct kunit *test)
{
	struct fixture *f = setup(test);

	zs_atomic_add(&f->class->nr_kept, 1);
	expect_found(test, f, "zspages on its lists");
	zs_atomic_sub(&f->class->nr_kept, 1);
	expect_repaired(test, f);
}

/* The marks of classes that keep zspages (pool->kept_map). */
static void check_kept_marks(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct zs_pool *pool = f->pool;
	unsigned int step = f->class->step, other;
	zs_atomic_ulong *w = &pool->kept_map[0][step / ZS_BITS_PER_LONG];
	unsigned long bit = 1ul << (step % ZS_BITS_PER_LONG);

	KUNIT_ASSERT_TRUE(test, zs_atomic_read(w) & bit);

	/* the class keeps a zspage but is not marked */
	atomic_fetch_and(w, ~bit);
	expect_found(test, f, "not marked as keeping zspages");
	atomic_fetch_or(w, bit);

	/* an empty serving class marked */
	other = pool->serving[0] == step ? pool->serving[1] : pool->serving[0];
	KUNIT_ASSERT_NE(test, other, step);
	atomic_fetch_or(&pool->kept_map[0][other / ZS_BITS_PER_LONG],
			1ul << (other % ZS_BITS_PER_LONG));
	expect_found(test, f, "marked as keeping zspages");
	atomic_fetch_and(&pool->kept_map[0][other / ZS_BITS_PER_LONG],
			 ~(1ul << (other % ZS_BITS_PER_LONG)));

	/* a shard that was never made */
	KUNIT_ASSERT_NULL(test, zs_shard_classes(pool, ZS_MAX_SHARDS - 1));
	atomic_fetch_or(&pool->kept_map[ZS_MAX_SHARDS - 1][0], 1ul);
	expect_found(test, f, "marked as keeping zspages");
	atomic_fetch_and(&pool->kept_map[ZS_MAX_SHARDS - 1][0], ~1ul);
	expect_repaired(test, f);
}

static void check_empty_list_kept(struct kunit *test)
{
	struct fixture *f = setup(test);

	f->class->ratio_list[ZS_RATIO_0] = f->zs;
	expect_found(test, f, "empty zspages on a ratio list");
	f->class->ratio_list[ZS_RATIO_0] = NULL;
	expect_repaired(test, f);
}

static void check_list_links(struct kunit *test)
{
	struct fixture *f = setup(test);

	f->zs->rprev = f->zs;
	expect_found(test, f, "list links broken");
	f->zs->rprev = NULL;
	expect_repaired(test, f);
}

static void check_wrong_class_on_list(struct kunit *test)
{
	struct fixture *f = setup(test);
	/* the top class: fewer objects per zspage, so the checker's walk
	 * stays inside this zspage's handle array */
	struct size_class *other = &f->pool->classes[f->pool->geo.nr_steps - 1];

	KUNIT_ASSERT_PTR_NE(test, other, f->class);
	f->zs->class = other;
	expect_found(test, f, "on its ratio list");
	f->zs->class = f->class;
	expect_repaired(test, f);
}

static void check_class_stats(struct kunit *test)
{
	struct fixture *f = setup(test);

	f->class->obj_used++;
	expect_found(test, f, "statistics disagree");
	f->class->obj_used--;
	expect_repaired(test, f);
}

static void check_page_totals(struct kunit *test)
{
	struct fixture *f = setup(test);
	zs_atomic_ulong *pages = &f->pool->pfn_cache[f->class->shard].pages;

	zs_atomic_add(pages, 1);
	expect_found(test, f, "pages in zspages");
	zs_atomic_sub(pages, 1);
	expect_repaired(test, f);
}

/* The shard's cached pfns: each must be used in the bitmap, name no page,
 * and be there once. */
static void check_pfn_cache(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct zs_pool *pool = f->pool;
	struct zs_pfn_cache *c = &pool->pfn_cache[f->class->shard];
	const unsigned long bits = 8 * sizeof(unsigned long);
	unsigned int n = c->n;
	uint32_t pfn;

	/* setup made one zspage: its shard took a refill beside it */
	KUNIT_ASSERT_GT(test, n, 1u);
	pfn = c->pfn[n - 1];

	c->pfn[n - 1] = f->zs->pages[0].pfn; /* a pfn in use by a zspage */
	expect_found(test, f, "is not a free one");
	c->pfn[n - 1] = c->pfn[0];
	expect_found(test, f, "cached twice");
	c->pfn[n - 1] = pfn;

	pool->pfn_used[pfn / bits] &= ~(1ul << (pfn % bits));
	expect_found(test, f, "is not a free one");
	pool->pfn_used[pfn / bits] |= 1ul << (pfn % bits);

	c->n = ZS_PFN_CACHE + 1;
	expect_found(test, f, "pfn cache");
	c->n = n;
	expect_repaired(test, f);
}

static void check_page_count(struct kunit *test)
{
	struct fixture *f = setup(test);

	f->zs->nr_pages++;
	expect_found(test, f, "zspage has");
	f->zs->nr_pages--;
	expect_repaired(test, f);
}

static void check_page_back_reference(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct zs_page *page = &f->zs->pages[0];

	page->index = 5;
	expect_found(test, f, "back-reference broken");
	page->index = 0;
	page->class_idx++;
	expect_found(test, f, "its zspage's is");
	page->class_idx--;
	expect_repaired(test, f);
}

static void check_page_pfn(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct zs_page *page = &f->zs->pages[0];
	unsigned long pfn = page->pfn;

	page->pfn = pfn + 1000;
	expect_found(test, f, "not in the pfn table");
	page->pfn = pfn;
	expect_repaired(test, f);
}

static void check_page_memory_missing(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct zs_page *page = &f->zs->pages[0];
	void *mem = page->mem;

	page->mem = NULL;
	expect_found(test, f, "missing");
	/* the free-list walk could not kmap the page either */
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->log->text, "has no memory"));
	page->mem = mem;
	expect_repaired(test, f);
}

static void check_handle_back_reference(struct kunit *test)
{
	struct fixture *f = setup(test);
	unsigned int a = zspage_handles(f->zs)[0], b = zspage_handles(f->zs)[1];

	zspage_handles(f->zs)[0] = b;
	zspage_handles(f->zs)[1] = a;
	expect_found(test, f, "does not point back");
	/* zs_free of a handle whose object names another slot refuses */
	f->log->text[0] = '\0';
	zs_free(f->pool, f->h[0]);
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->log->text, "is not its object"));
	zspage_handles(f->zs)[0] = a;
	zspage_handles(f->zs)[1] = b;
	expect_repaired(test, f);
}

static void check_slot_size(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct zs_handle_slot *slot = slot_of(f, 0);
	unsigned long saved;

	/* a size of the next class: the slot names another class */
	saved = set_slot_size(slot, (unsigned int)f->class->size + 1);
	expect_found(test, f, "out of range");
	restore_slot_size(slot, saved);
	expect_repaired(test, f);
}

/* A size no class serves: reported, and nothing followed. */
static void check_slot_size_beyond(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct zs_handle_slot *slot = slot_of(f, 0);
	unsigned long saved;

	KUNIT_ASSERT_LT(test, f->pool->geo.max_size, (size_t)65536);
	saved = set_slot_size(slot, (unsigned int)f->pool->geo.max_size + 1);
	expect_found(test, f, "invalid");
	f->log->text[0] = '\0';
	KUNIT_EXPECT_NULL(test, zs_map_object(f->pool, f->h[0], ZS_MM_RO));
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->log->text, "is not its object"));
	f->log->text[0] = '\0';
	zs_free(f->pool, f->h[0]);
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->log->text, "is corrupt"));
	restore_slot_size(slot, saved);
	expect_repaired(test, f);
}

static void check_slot_location(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct zs_handle_slot *slot = slot_of(f, 0);
	unsigned long obj = zs_slot_location(&f->pool->handles, slot);

	/* a pfn nobody was given */
	zs_handle_move(&f->pool->handles, slot,
		       zs_obj_word(f->pool, f->pool->pfn_limit - 1, 0));
	expect_found(test, f, "is no object");
	zs_handle_move(&f->pool->handles, slot, obj);
	expect_repaired(test, f);
}

static void check_served_by(struct kunit *test)
{
	struct fixture *f = setup(test);
	unsigned int last = f->pool->geo.nr_steps - 1;
	struct size_class *c = &f->pool->classes[last];
	unsigned int s = c->served_by;

	c->served_by = f->pool->geo.nr_steps; /* past the table */
	expect_found(test, f, "served by");
	c->served_by = s;
	expect_repaired(test, f);
}

/*
 * A chunk's never handed out tail (slots from ch->fresh on): counted among
 * the ready ones, untouched, and never among the freed.
 */
static void check_fresh_tail(struct kunit *test, struct fixture *f)
{
	struct zs_handle_table *t = &f->pool->handles;
	struct zs_handle_chunk *ch = &t->chunks[0];
	unsigned int fresh = ch->fresh, q;
	struct zs_handle_slot *tail;

	KUNIT_ASSERT_LT(test, fresh, (unsigned int)ZS_HANDLE_CHUNK_SLOTS);
	tail = zs_handle_slot_at(t, fresh);
	KUNIT_ASSERT_NOT_NULL(test, tail);

	/* one slot more handed out than the ready count says */
	ch->fresh = fresh + 1;
	expect_found(test, f, "were never handed out, counted");
	ch->fresh = (unsigned int)ZS_HANDLE_CHUNK_SLOTS + 1;
	expect_found(test, f, "slots handed out");
	ch->fresh = fresh;

	/* a slot past the mark written: an object the walk would miss */
	atomic_store(zs_slot_pin_word(tail), 1u << ZS_SLOT_GEN_SHIFT);
	expect_found(test, f, "was never handed out and is written");
	atomic_store(zs_slot_pin_word(tail), 0u);

	/* a slot past the mark in the quarantine: never freed */
	q = t->quarantine[t->q_head];
	t->quarantine[t->q_head] = fresh;
	expect_found(test, f, "quarantined handle slot");
	t->quarantine[t->q_head] = q;
}

static void check_free_slot_chain(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct zs_handle_table *t = &f->pool->handles;
	unsigned long extra = zs_malloc(f->pool, OBJ_SIZE);
	struct zs_handle_chunk *ch = &t->chunks[0];
	struct zs_handle_shard *sh = &t->shards[0];
	struct zs_handle_slot *head;
	unsigned int link;

	KUNIT_ASSERT_NE(test, extra, 0ul);
	zs_free(f->pool, extra);	      /* one more slot in quarantine */
	zs_handle_flush(t);		      /* (out of this thread's batch) */
	KUNIT_ASSERT_EQ(test, t->q_len, 3ul); /* setup freed two */
	KUNIT_ASSERT_NE(test, ch->ready, 0u);

	t->nr_free++;
	expect_found(test, f, "free handle slot chain holds");
	t->nr_free--;

	/* a ready slot that links to itself */
	head = zs_handle_slot_at(t, ch->ready - 1);
	KUNIT_ASSERT_NOT_NULL(test, head);
	link = atomic_load(zs_slot_pin_word(head));
	atomic_store(zs_slot_pin_word(head),
		     (link & ~ZS_SLOT_MAP_MASK) | ch->ready);
	expect_found(test, f, "free handle slot chain loops");
	atomic_store(zs_slot_pin_word(head), link);

	/* a live slot on the ready chain */
	link = ch->ready;
	ch->ready = zspage_handles(f->zs)[0] + 1;
	expect_found(test, f, "free handle slot chain broken");
	ch->ready = link;

	/* a live slot in a batch of freed ones */
	KUNIT_ASSERT_EQ(test, t->shards[0].n, 0u);
	t->shards[0].retired[t->shards[0].n++] = zspage_handles(f->zs)[0];
	expect_found(test, f, "batched handle slot");
	t->shards[0].n = 0;

	/* a live slot among those a thread took ahead */
	KUNIT_ASSERT_EQ(test, sh->n_ahead, 0u); /* flushed above */
	sh->ahead[0] = zspage_handles(f->zs)[0];
	sh->n_ahead = 1;
	expect_found(test, f, "taken ahead is not free");
	sh->n_ahead = ZS_HANDLE_BATCH + 1;
	expect_found(test, f, "slots taken ahead gone");
	sh->n_ahead = 0;

	/* a freed slot still on the quarantine, reissued: not free */
	t->quarantine[t->q_head] = zspage_handles(f->zs)[0];
	expect_found(test, f, "quarantined handle slot");
	t->quarantine[t->q_head] = (unsigned int)zs_handle_slot_index(extra);

	check_fresh_tail(test, f);
	expect_repaired(test, f);
}

static void check_live_handle_count(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct zs_handle_slot *slot = slot_of(f, 0);
	unsigned int h = zspage_handles(f->zs)[0];

	/* the object forgets its handle, the handle still names it */
	zspage_handles(f->zs)[0] = 0;
	f->zs->inuse--;
	f->class->obj_used--;
	expect_found(test, f, "live handles for");
	KUNIT_EXPECT_NE(test, zs_slot_location(&f->pool->handles, slot), 0ul);
	zspage_handles(f->zs)[0] = h;
	f->zs->inuse++;
	f->class->obj_used++;
	expect_repaired(test, f);
}

/*
 * A class never used is not frozen or walked, only found as made: any
 * zspage or count there is reported.
 */
static void check_unused_class_state(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct size_class *c = &f->pool->classes[f->pool->geo.nr_steps - 1];
	unsigned int merged;
	zs_atomic_ulong *w;

	KUNIT_ASSERT_PTR_NE(test, c, f->class);
	KUNIT_ASSERT_TRUE(test, zs_class_serves(c));
	KUNIT_ASSERT_FALSE(test, zs_class_used(f->pool, c));
	KUNIT_ASSERT_TRUE(test, zs_class_used(f->pool, f->class));

	c->obj_allocated = c->objs_per_zspage;
	expect_found(test, f, "never used, yet holds zspages or counts");
	c->obj_allocated = 0;

	c->ratio_list[ZS_RATIO_99] = f->zs;
	expect_found(test, f, "never used, yet holds zspages or counts");
	c->ratio_list[ZS_RATIO_99] = NULL;

	/* a merged step, and a step of a shard not made, marked as used */
	for (merged = 0; merged < f->pool->geo.nr_steps; merged++)
		if (!zs_class_serves(&f->pool->classes[merged]))
			break;
	KUNIT_ASSERT_LT(test, merged, f->pool->geo.nr_steps);
	w = &f->pool->used_map[0][merged / ZS_BITS_PER_LONG];
	atomic_fetch_or(w, 1ul << merged % ZS_BITS_PER_LONG);
	expect_found(test, f, "marked as used");
	atomic_fetch_and(w, ~(1ul << merged % ZS_BITS_PER_LONG));
	KUNIT_ASSERT_NULL(test, zs_shard_classes(f->pool, ZS_MAX_SHARDS - 1));
	atomic_fetch_or(&f->pool->used_map[ZS_MAX_SHARDS - 1][0], 1ul);
	expect_found(test, f, "marked as used");
	atomic_fetch_and(&f->pool->used_map[ZS_MAX_SHARDS - 1][0], ~1ul);
	expect_repaired(test, f);
}

#define FIRST_USE_ROUNDS 4

struct first_use_run {
	struct zs_pool *pool;
	atomic_bool done;
	atomic_ulong checks;
	unsigned long problems;
};

static void *checker_main(void *arg)
{
	struct first_use_run *r = arg;

	while (!atomic_load(&r->done)) {
		r->problems += zs_pool_check(r->pool) != 0;
		atomic_fetch_add(&r->checks, 1);
		sched_yield(); /* check_mutex is no fair lock (memcheck) */
	}
	return NULL;
}

/*
 * zs_pool_check beside the first use of every class of fresh pools: the
 * classes it does not freeze may start to change only once it is done,
 * so it finds no problem (and TSan no race) while they do.
 */
static void check_beside_first_uses(struct kunit *test)
{
	for (unsigned int round = 0; round < FIRST_USE_ROUNDS; round++) {
		struct first_use_run r = {
			.pool = zt_pool_geo(test, 4096, 4, 0)};
		size_t max = zs_max_alloc_size(r.pool);
		unsigned long h[ZS_MAX_STEPS];
		unsigned int n = 0;
		pthread_t checker;

		KUNIT_ASSERT_EQ(
			test, pthread_create(&checker, NULL, checker_main, &r),
			0);
		while (atomic_load(&r.checks) == 0)
			sched_yield(); /* the checker is at work */
		for (size_t size = 32; size <= max && n < ZS_MAX_STEPS;
		     size += 16) {
			h[n] = zs_malloc(r.pool, size);
			KUNIT_EXPECT_NE(test, h[n], 0ul);
			n++;
		}
		for (unsigned int i = 0; i < n; i++)
			zs_free(r.pool, h[i]);
		atomic_store(&r.done, true);
		pthread_join(checker, NULL);
		KUNIT_EXPECT_EQ(test, r.problems, 0ul);
		KUNIT_EXPECT_EQ(test, zs_pool_check(r.pool), 0);
	}
}

static struct kunit_case check_cases[] = {
	KUNIT_CASE(check_clean_pool),
	KUNIT_CASE(check_no_pool),
	KUNIT_CASE(check_free_head_foreign),
	KUNIT_CASE(check_free_head_allocated),
	KUNIT_CASE(check_free_list_loop),
	KUNIT_CASE(check_free_link_tagged),
	KUNIT_CASE(check_free_link_fresh),
	KUNIT_CASE(check_waiting_link),
	KUNIT_CASE(check_fresh_index),
	KUNIT_CASE(check_inuse_count),
	KUNIT_CASE(check_fullness_group),
	KUNIT_CASE(check_list_count),
	KUNIT_CASE(check_ratio_bucket),
	KUNIT_CASE(check_kept_count),
	KUNIT_CASE(check_kept_marks),
	KUNIT_CASE(check_empty_list_kept),
	KUNIT_CASE(check_list_links),
	KUNIT_CASE(check_wrong_class_on_list),
	KUNIT_CASE(check_class_stats),
	KUNIT_CASE(check_page_totals),
	KUNIT_CASE(check_pfn_cache),
	KUNIT_CASE(check_page_count),
	KUNIT_CASE(check_page_back_reference),
	KUNIT_CASE(check_page_pfn),
	KUNIT_CASE(check_page_memory_missing),
	KUNIT_CASE(check_handle_back_reference),
	KUNIT_CASE(check_slot_size),
	KUNIT_CASE(check_slot_size_beyond),
	KUNIT_CASE(check_slot_location),
	KUNIT_CASE(check_served_by),
	KUNIT_CASE(check_free_slot_chain),
	KUNIT_CASE(check_live_handle_count),
	KUNIT_CASE(check_unused_class_state),
	KUNIT_CASE(check_beside_first_uses),
	{}};

static struct kunit_suite check_suite = {
	.name = "check",
	.test_cases = check_cases,
};
kunit_test_suite(check_suite);
