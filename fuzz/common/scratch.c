// SPDX-License-Identifier: MIT
#include "scratch.h"

#include <pthread.h>
#include <stdlib.h>

#include "fail.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCRATCH_ASAN 1
#endif
#if __has_feature(memory_sanitizer)
#define SCRATCH_MSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SCRATCH_ASAN 1
#endif

#ifdef SCRATCH_ASAN
#include <sanitizer/asan_interface.h>
#endif
#ifdef SCRATCH_MSAN
#include <sanitizer/msan_interface.h>
#endif
#ifdef ZS_VALGRIND
#include <valgrind/memcheck.h>
#endif

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

/* Open: the first size bytes undefined; closed: the rest, to the end. */
static void open_exactly(uint8_t *p, size_t size, size_t cap)
{
#ifdef SCRATCH_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, size);
	ASAN_POISON_MEMORY_REGION(p + size, cap - size);
#endif
#ifdef SCRATCH_MSAN
	__msan_allocated_memory(p, size);
#endif
#ifdef ZS_VALGRIND
	VALGRIND_MAKE_MEM_UNDEFINED(p, size);
	VALGRIND_MAKE_MEM_NOACCESS(p + size, cap - size);
#endif
	(void)p;
	(void)size;
	(void)cap;
}

static void close_all(uint8_t *p, size_t cap)
{
#ifdef SCRATCH_ASAN
	ASAN_POISON_MEMORY_REGION(p, cap);
#endif
#ifdef ZS_VALGRIND
	VALGRIND_MAKE_MEM_NOACCESS(p, cap);
#endif
	(void)p;
	(void)cap;
}

uint8_t *zs_scratch_get(size_t size)
{
	unsigned int s = shift_for(size);
	struct ring *r = &rings[s];
	uint8_t *p = NULL;

	if (s > MAX_SHIFT) {
		p = malloc(size);
		if (!p)
			zs_fuzz_fail("out of memory for %zu bytes", size);
		return p;
	}
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
	open_exactly(p, size, (size_t)1 << s);
	return p;
}

void zs_scratch_put(uint8_t *p, size_t size)
{
	unsigned int s = shift_for(size);
	struct ring *r = &rings[s];

	if (s > MAX_SHIFT) {
		free(p);
		return;
	}
	close_all(p, (size_t)1 << s);
	pthread_mutex_lock(&rings_lock);
	if (r->n < RING) {
		r->block[(r->first + r->n) % RING] = p;
		r->n++;
		p = NULL;
	}
	pthread_mutex_unlock(&rings_lock);
	if (p) {
		/* more blocks out than the ring holds (threads): free it */
#ifdef SCRATCH_ASAN
		ASAN_UNPOISON_MEMORY_REGION(p, (size_t)1 << s);
#endif
		free(p);
	}
}
