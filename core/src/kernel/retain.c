// SPDX-License-Identifier: MIT
#include "retain.h"

#include <stdlib.h>
#include <time.h>

#define RING_MIN 256u

uint64_t zs_retain_now_ms(void)
{
	struct timespec ts;

#ifdef CLOCK_MONOTONIC_COARSE
	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
#endif
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

size_t zs_retained_nr(struct zs_retained *r)
{
	return atomic_load_explicit(&r->nr, memory_order_relaxed);
}

static void set_nr(struct zs_retained *r, size_t n)
{
	atomic_store_explicit(&r->nr, n, memory_order_relaxed);
}

/* Room for want entries, the ring unwrapped into the new array; under lock. */
static bool grow(struct zs_retained *r, size_t want)
{
	size_t cap = r->cap ? r->cap : RING_MIN, nr = zs_retained_nr(r);
	struct zs_retained_page *ring;

	while (cap < want)
		cap *= 2;
	if (cap == r->cap)
		return true;
	ring = malloc(cap * sizeof(*ring));
	if (!ring)
		return false;
	for (size_t i = 0; i < nr; i++)
		ring[i] = r->ring[(r->head + i) % r->cap];
	free(r->ring);
	r->ring = ring;
	r->cap = cap;
	r->head = 0;
	return true;
}

bool zs_retained_push(struct zs_retained *r, char *const *pages, size_t n,
		      uint64_t now)
{
	size_t nr;

	pthread_mutex_lock(&r->lock);
	nr = zs_retained_nr(r);
	if (!grow(r, nr + n)) {
		pthread_mutex_unlock(&r->lock);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		r->ring[(r->head + nr + i) % r->cap] =
			(struct zs_retained_page){pages[i], now};
	set_nr(r, nr + n);
	pthread_mutex_unlock(&r->lock);
	return true;
}

char *zs_retained_take(struct zs_retained *r)
{
	char *page = NULL;
	size_t nr;

	if (!zs_retained_nr(r))
		return NULL;
	pthread_mutex_lock(&r->lock);
	nr = zs_retained_nr(r);
	if (nr) {
		page = r->ring[(r->head + nr - 1) % r->cap].page;
		set_nr(r, nr - 1);
	}
	pthread_mutex_unlock(&r->lock);
	return page;
}

size_t zs_retained_pop_old(struct zs_retained *r, char **out, size_t max,
			   uint64_t before)
{
	size_t n = 0, nr;

	if (!zs_retained_nr(r) && before != UINT64_MAX)
		return 0;
	pthread_mutex_lock(&r->lock);
	nr = zs_retained_nr(r);
	while (n < max && n < nr && r->ring[r->head].since_ms <= before) {
		out[n++] = r->ring[r->head].page;
		r->head = (r->head + 1) % r->cap;
	}
	set_nr(r, nr - n);
	if (nr == n && before == UINT64_MAX) {
		free(r->ring);
		r->ring = NULL;
		r->cap = r->head = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return n;
}

uint64_t zs_retained_oldest_ms(struct zs_retained *r)
{
	uint64_t t = UINT64_MAX;

	pthread_mutex_lock(&r->lock);
	if (zs_retained_nr(r))
		t = r->ring[r->head].since_ms;
	pthread_mutex_unlock(&r->lock);
	return t;
}
