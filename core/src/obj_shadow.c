// SPDX-License-Identifier: MIT
#include "obj_shadow.h"

#if ZS_POISONS_PAGES

#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#include "zspage.h"

/*
 * Locks picked by slot: one per object would cost a word per object for
 * builds that check memory only; collisions just wait.
 */
#define SHADOW_LOCK_BITS 6u

static atomic_flag shadow_locks[1u << SHADOW_LOCK_BITS];

static atomic_flag *lock_of(const struct zs_handle_slot *slot)
{
	uint64_t h = (uint64_t)(uintptr_t)slot * 0x9e3779b97f4a7c15ull;

	return &shadow_locks[h >> (64u - SHADOW_LOCK_BITS)];
}

static void lock(atomic_flag *l)
{
	/* held for a shadow update only; yield so memcheck's one running
	 * thread lets the holder finish */
	while (atomic_flag_test_and_set_explicit(l, memory_order_acquire))
		sched_yield();
}

static void unlock(atomic_flag *l)
{
	atomic_flag_clear_explicit(l, memory_order_release);
}

/* No pins but the caller's: nobody else has the object open. */
static bool alone(const struct zs_handle_slot *slot, unsigned int mine)
{
	return !slot || zs_slot_mapcount(slot) <= mine;
}

void zs_obj_shadow_open(const struct zs_handle_slot *slot, void *p, size_t n,
			bool undefined)
{
	atomic_flag *l = lock_of(slot);

	lock(l);
	if (undefined)
		zs_san_open_undefined(p, n);
	else
		zs_san_open_defined(p, n);
	unlock(l);
}

void zs_obj_shadow_close(const struct zs_handle_slot *slot, const void *p,
			 size_t n, unsigned int mine)
{
	atomic_flag *l = lock_of(slot);

	lock(l);
	if (alone(slot, mine))
		zs_san_close(p, n);
	unlock(l);
}

/* Drop the caller's mine pins; under the slot's lock. */
static void unpin_mine(struct zs_handle_slot *slot, unsigned int mine,
		       unsigned int gen)
{
	while (mine--)
		zs_slot_unpin_live(slot, gen);
}

void zs_obj_shadow_release(struct zs_handle_slot *slot, const void *p, size_t n,
			   unsigned int mine, unsigned int gen)
{
	atomic_flag *l = lock_of(slot);

	lock(l);
	if (alone(slot, mine))
		zs_san_close(p, n);
	unpin_mine(slot, mine, gen);
	unlock(l);
}

void zs_obj_shadow_release_all(const struct zs_pool *pool,
			       struct zs_handle_slot *slot,
			       const struct zs_obj_loc *loc, unsigned int mine,
			       unsigned int gen)
{
	size_t ps = pool->geo.page_size;
	size_t first = zs_obj_spans(pool, loc) ? ps - loc->off : loc->obj_size;
	const char *p1 = loc->page->mem;
	const char *p2 =
		first < loc->obj_size ? zs_page_next(loc->page)->mem : NULL;
	atomic_flag *l = lock_of(slot);

	lock(l);
	if (alone(slot, mine)) {
		if (p1)
			zs_san_close(p1 + loc->off, first);
		if (p2)
			zs_san_close(p2, loc->obj_size - first);
	}
	unpin_mine(slot, mine, gen);
	unlock(l);
}

#else
/* ISO C wants something in every translation unit. */
typedef int zs_obj_shadow_unused;
#endif
