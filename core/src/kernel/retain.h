/* SPDX-License-Identifier: MIT */
/*
 * Freed pages kept resident past the provider's hot stacks, oldest first,
 * each with the time it came: the provider takes the newest back before it
 * touches a region (no fault, no system call) and gives back those that
 * waited too long, or all of them on a trim. Giving a page back costs the
 * kernel about 0.3 us whatever the batch (docs/core-design.md, "The
 * built-in page provider"), so a pool emptied in one go pays that only
 * when nothing takes the pages again.
 *
 * A ring per page size under its own lock; its array grows by doubling
 * and is freed when the ring empties on a trim. Pages are never touched.
 */
#ifndef ZS_KERNEL_RETAIN_H
#define ZS_KERNEL_RETAIN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zs_retained_page {
	char *page;
	uint64_t since_ms; /* when it came, zs_retain_now_ms() */
};

struct zs_retained {
	pthread_mutex_t lock;
	atomic_size_t nr; /* set under lock; read without it to pass it by */
	size_t head, cap; /* ring[head], ring[head + 1], ...: oldest first */
	struct zs_retained_page *ring;
};

/* Milliseconds of CLOCK_MONOTONIC (coarse: a tick or so late). */
uint64_t zs_retain_now_ms(void);
/* Pages in the ring, a hint read without its lock. */
size_t zs_retained_nr(struct zs_retained *r);
/* Keep pages[0..n) from now: false, none kept, when the ring cannot grow. */
bool zs_retained_push(struct zs_retained *r, char *const *pages, size_t n,
		      uint64_t now);
/* When the oldest page came, or UINT64_MAX when there is none. */
uint64_t zs_retained_oldest_ms(struct zs_retained *r);
/* The newest page, or NULL when there is none. */
char *zs_retained_take(struct zs_retained *r);
/*
 * Up to max of the oldest pages that came at or before `before` into out:
 * how many. The ring's array is freed once it is empty and `before` is
 * UINT64_MAX (a trim).
 */
size_t zs_retained_pop_old(struct zs_retained *r, char **out, size_t max,
			   uint64_t before);

#endif
