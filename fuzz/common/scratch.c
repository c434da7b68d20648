// SPDX-License-Identifier: MIT
#include "scratch.h"

#include <pthread.h>
#include <stdlib.h>

#include "checkers.h"
#include "fail.h"

/*
 * A block per power-of-two capacity, from 16 bytes to 256 KiB; larger
 * sizes get a malloc of their own. Each capacity keeps RING blocks and
 * hands out the oldest only once all RING are back, so a block given back
 * stays closed for RING - 1 later reads of its capacity: a write into a
 * copy after the read ended is caught then as a freed chunk would be.
 */
#define MIN_SHIFT 4
#define MAX_SHIFT 18
#define RING	  4

static struct ring {
	uint8_t *block[RING];
	unsigned int first, n;
} rings[MAX_SHIFT + 1];
static pthread_mutex_t rings_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned int shift_for(size_t size)
{
	unsigned int s = MIN_SHIFT;

	while (((size_t)1 << s) < size)
		s++;
	return s;
}

uint8_t *zs_scratch_get(size_t size)
{
	unsigned int s = shift_for(size);
	struct ring *r;
	uint8_t *p = NULL;

	if (s > MAX_SHIFT) {
		p = malloc(size);
		if (!p)
			zs_fuzz_fail("out of memory for %zu bytes", size);
		return p;
	}
	r = &rings[s];
	pthread_mutex_lock(&rings_lock);
	if (r->n == RING) {
		p = r->block[r->first];
		r->first = (r->first + 1) % RING;
		r->n--;
	}
	pthread_mutex_unlock(&rings_lock);
	if (!p) {
		p = malloc((size_t)1 << s);
		if (!p)
			zs_fuzz_fail("out of memory for %zu bytes", size);
	}
	/* open for exactly size bytes, as a malloc of size would be */
	zs_fuzz_open_undefined(p, size);
	zs_fuzz_close(p + size, ((size_t)1 << s) - size);
	return p;
}

void zs_scratch_put(uint8_t *p, size_t size)
{
	unsigned int s = shift_for(size);
	struct ring *r;

	if (s > MAX_SHIFT) {
		free(p);
		return;
	}
	r = &rings[s];
	zs_fuzz_close(p, (size_t)1 << s);
	pthread_mutex_lock(&rings_lock);
	if (r->n < RING) {
		r->block[(r->first + r->n) % RING] = p;
		r->n++;
		p = NULL;
	}
	pthread_mutex_unlock(&rings_lock);
	if (p) {
		/* more blocks out than the ring holds (threads): free it */
		zs_fuzz_forget(p, (size_t)1 << s);
		free(p);
	}
}
