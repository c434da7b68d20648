// SPDX-License-Identifier: MIT
/*
 * Pins and holds: map, read and write pin an object before they read where
 * it is; a mover (compaction, migration) holds an unpinned object while it
 * moves it. A pin waits for a hold to end and then sees what the mover
 * wrote; a held or pinned object is never held again; the pin count stops
 * one short of the value that means "held", and every call says so.
 */
#include "zs_test_util.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "handle.h"
#include "obj_copy.h"
#include "pool.h"

#define SIZE 300

struct mapper {
	struct zs_pool *pool;
	unsigned long h;
	size_t mismatch; /* zt_mismatch of what it read against seed */
	unsigned long seed;
	atomic_int done;
};

static void *map_and_read(void *arg)
{
	struct mapper *m = arg;
	void *p = zs_map_object(m->pool, m->h, ZS_MM_RO);

	if (p) {
		m->mismatch = zt_mismatch(p, SIZE, m->seed);
		zs_unmap_object(m->pool, m->h);
	}
	atomic_store(&m->done, p ? 1 : -1);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000L};

	nanosleep(&ts, NULL);
}

/* Where handle h's object is, found as a mover would (class lock held). */
static void locate(struct kunit *test, struct zs_pool *pool, unsigned long h,
		   struct zs_handle_slot **slotp, struct zs_obj_loc *loc)
{
	struct zs_handle_slot *slot =
		zs_handle_slot_at(&pool->handles, zs_handle_slot_index(h));
	struct size_class *class;

	KUNIT_ASSERT_NOT_NULL(test, slot);
	class = zs_slot_class(pool, slot);
	KUNIT_ASSERT_NOT_NULL(test, class);
	KUNIT_ASSERT_TRUE(test,
			  zs_obj_locate(pool, class,
					zs_slot_location(&pool->handles, slot),
					loc));
	*slotp = slot;
}

/*
 * A map that finds its object held waits until the hold ends, then reads
 * the bytes the holder wrote meanwhile.
 */
static void pin_waits_for_hold(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	struct mapper m = {pool, 0, 0, 2, 0};
	static unsigned char bytes[SIZE];
	struct zs_handle_slot *slot;
	struct zs_obj_loc loc;
	unsigned long waits;
	pthread_t th;
	int i;

	m.h = zs_malloc(pool, SIZE);
	KUNIT_ASSERT_NE(test, m.h, 0ul);
	KUNIT_ASSERT_TRUE(test, zt_write(pool, m.h, SIZE, 1));
	locate(test, pool, m.h, &slot, &loc);
	KUNIT_ASSERT_TRUE(test, zs_slot_hold(slot));
	KUNIT_EXPECT_FALSE(test, zs_slot_hold(slot)); /* held once only */
	waits = zs_slot_mover_waits();
	KUNIT_ASSERT_EQ(test, pthread_create(&th, NULL, map_and_read, &m), 0);
	for (i = 0; i < 5000 && zs_slot_mover_waits() == waits; i++)
		sleep_ms(1);
	KUNIT_EXPECT_GT(test, zs_slot_mover_waits(), waits);
	KUNIT_EXPECT_EQ(test, atomic_load(&m.done), 0); /* still waiting */
	/* what a mover does to the bytes while it holds the object */
	zt_fill(bytes, SIZE, 2);
	KUNIT_ASSERT_TRUE(
		test, zs_obj_copy(pool, NULL, &loc, bytes, SIZE, true, false));
	zs_slot_unhold(slot);
	KUNIT_ASSERT_EQ(test, pthread_join(th, NULL), 0);
	KUNIT_EXPECT_EQ(test, atomic_load(&m.done), 1);
	KUNIT_EXPECT_EQ(test, m.mismatch, (size_t)SIZE);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	zs_free(pool, m.h);
}

/*
 * A pinned object is not held; pins stop at ZS_SLOT_MAP_LIMIT, which map,
 * read_begin and write report; read_end still works at the limit; a page
 * with a pinned object is not migrated.
 */
static void pin_limit(struct kunit *test)
{
	struct zt_reports *rep = zt_record_reports(test);
	struct zs_pool *pool = zt_pool_geo(test, 4096, 4, 0);
	static unsigned char copy[SIZE];
	struct zs_handle_slot *slot;
	unsigned long h = 0, other[16];
	struct zs_obj_loc loc;
	unsigned int i, n;
	void *p;

	/* the first object that straddles two pages: reads copy it out */
	for (n = 0; n < 16 && !h; n++) {
		other[n] = zs_malloc(pool, SIZE);
		KUNIT_ASSERT_NE(test, other[n], 0ul);
		KUNIT_ASSERT_TRUE(test, zt_write(pool, other[n], SIZE, n));
		locate(test, pool, other[n], &slot, &loc);
		if (zs_obj_spans(pool, &loc))
			h = other[n];
	}
	KUNIT_ASSERT_NE(test, h, 0ul);
	for (i = 0; i < ZS_SLOT_MAP_LIMIT; i++) {
		p = zs_obj_read_begin(pool, h, copy);
		if (p != copy)
			break;
	}
	KUNIT_ASSERT_EQ(test, i, ZS_SLOT_MAP_LIMIT);
	KUNIT_EXPECT_EQ(test, zs_slot_mapcount(slot), ZS_SLOT_MAP_LIMIT);
	KUNIT_EXPECT_FALSE(test, zs_slot_hold(slot));
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, zs_handle_pfn(pool, h)),
			-EBUSY);
	rep->count = 0;
	KUNIT_EXPECT_NULL(test, zs_obj_read_begin(pool, h, copy));
	KUNIT_EXPECT_NULL(test, zs_map_object(pool, h, ZS_MM_RO));
	zs_obj_write(pool, h, copy, SIZE);
	KUNIT_EXPECT_EQ(test, rep->count, 3ul);
	KUNIT_EXPECT_NOT_NULL(test, strstr(rep->details, "pinned 65534 times"));
	KUNIT_EXPECT_EQ(test, zt_mismatch(copy, SIZE, n - 1), (size_t)SIZE);
	/* the last read ends without a pin of its own: the others hold it */
	zs_obj_read_end(pool, h, copy);
	KUNIT_EXPECT_EQ(test, rep->count, 3ul);
	KUNIT_EXPECT_EQ(test, zs_slot_mapcount(slot), ZS_SLOT_MAP_LIMIT - 1);
	p = zs_map_object(pool, h, ZS_MM_RO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, zt_mismatch(p, SIZE, n - 1), (size_t)SIZE);
	zs_unmap_object(pool, h);
	for (i = 1; i < ZS_SLOT_MAP_LIMIT; i++)
		zs_obj_read_end(pool, h, copy);
	KUNIT_EXPECT_EQ(test, rep->count, 3ul);
	KUNIT_EXPECT_EQ(test, zs_slot_mapcount(slot), 0u);
	/* once unpinned, its page moves and the bytes go with it */
	KUNIT_EXPECT_EQ(test, zs_page_migrate(pool, zs_handle_pfn(pool, h)), 0);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_TRUE(test,
				  zt_check(pool, other[i], SIZE, i, ZS_MM_RO));
		zs_free(pool, other[i]);
	}
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
}

/*
 * A free that slips in between another thread's pin and its unpin (the
 * caller's race) resets the count; dropping that pin afterwards changes
 * nothing: the old generation does not come back (a plain decrement would
 * borrow it from the new one) and the slot is not left looking held.
 */
static void pin_unpin_after_free(struct kunit *test)
{
	struct zs_handle_table t;
	struct zs_handle_slot *slot = NULL;
	unsigned int gen;
	unsigned long h;

	KUNIT_ASSERT_EQ(test, zs_handle_table_init(&t, 20, ZS_OBJ_LOW_BITS), 0);
	h = zs_handle_reserve(&t, &slot);
	KUNIT_ASSERT_NE(test, h, 0ul);
	zs_handle_publish(&t, slot, 1ul << 20 | 1, 100, 0);
	gen = zs_handle_gen(h);
	KUNIT_ASSERT_EQ(test, zs_slot_pin_live(slot, gen), ZS_PINNED);
	KUNIT_EXPECT_EQ(test, zs_slot_mapcount(slot), 1u);
	zs_handle_retire(slot); /* what zs_free does */
	zs_slot_unpin_live(slot, gen);
	/* asserted: a slot left looking held would make the pin below wait */
	KUNIT_ASSERT_NE(test, zs_slot_gen(slot), gen);
	KUNIT_ASSERT_EQ(test, zs_slot_mapcount(slot), 0u);
	KUNIT_EXPECT_EQ(test, zs_slot_pin_live(slot, gen), ZS_PIN_STALE);
	zs_handle_table_destroy(&t);
}

static struct kunit_case pin_cases[] = {KUNIT_CASE(pin_waits_for_hold),
					KUNIT_CASE(pin_limit),
					KUNIT_CASE(pin_unpin_after_free),
					{}};

static struct kunit_suite pin_suite = {
	.name = "pin",
	.test_cases = pin_cases,
};
kunit_test_suite(pin_suite);
