// SPDX-License-Identifier: MIT
/*
 * Several threads allocating, mapping, writing, checking and freeing
 * their own objects at once, and handing objects to each other. Any lost
 * or torn byte, failed allocation or leftover page fails the case; run
 * under TSan it also proves the locking.
 */
#include "zs_test_util.h"

#include <pthread.h>
#include <stdatomic.h>

#define THREADS 4
#define SLOTS	32
#define BOX	64

struct parcel {
	unsigned long h;
	size_t size;
	unsigned long seed;
};

struct stress {
	struct zs_pool *pool;
	size_t page_size;
	size_t min_size, max_size; /* object sizes drawn from this range */
	unsigned long iters;

	pthread_mutex_t lock; /* guards box */
	struct parcel box[BOX];
	unsigned int nbox;

	atomic_ulong errors;
	atomic_ulong handed; /* parcels taken by another thread */
	char first_error[160];
};

struct worker {
	struct stress *s;
	unsigned int id;
	pthread_t th;
};

static void fail(struct stress *s, const char *what, const struct parcel *p)
{
	if (atomic_fetch_add(&s->errors, 1) == 0)
		snprintf(s->first_error, sizeof(s->first_error),
			 "%s: handle %#lx size %zu", what, p->h, p->size);
}

static bool take_parcel(struct stress *s, struct parcel *out)
{
	bool got = false;

	pthread_mutex_lock(&s->lock);
	if (s->nbox) {
		*out = s->box[--s->nbox];
		got = true;
	}
	pthread_mutex_unlock(&s->lock);
	return got;
}

static bool give_parcel(struct stress *s, const struct parcel *p)
{
	bool given = false;

	pthread_mutex_lock(&s->lock);
	if (s->nbox < BOX) {
		s->box[s->nbox++] = *p;
		given = true;
	}
	pthread_mutex_unlock(&s->lock);
	return given;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	struct parcel mine[SLOTS];
	uint64_t rng = 0x9e3779b97f4a7c15ull * (w->id + 1);
	unsigned long it;
	unsigned int i;

	memset(mine, 0, sizeof(mine));
	for (it = 0; it < s->iters; it++) {
		uint64_t r = zt_rand(&rng);
		struct parcel *p = &mine[r % SLOTS];
		unsigned int op = (unsigned int)((r >> 8) % 8);

		if (!p->h && op != 7) {
			p->size = s->min_size +
				  (r >> 16) % (s->max_size - s->min_size + 1);
			p->seed = ((unsigned long)w->id << 24) ^ it;
			p->h = zs_malloc(s->pool, p->size);
			if (!p->h) {
				fail(s, "zs_malloc failed", p);
				continue;
			}
			if (!zt_write(s->pool, p->h, p->size, p->seed))
				fail(s, "WO map failed", p);
			continue;
		}
		switch (op) {
		case 0:
		case 1:
		case 2:
			if (!zt_check(s->pool, p->h, p->size, p->seed,
				      ZS_MM_RO))
				fail(s, "RO check", p);
			break;
		case 3:
			if (!zt_rewrite(s->pool, p->h, p->size, p->seed,
					p->seed + 1))
				fail(s, "RW check", p);
			p->seed++;
			break;
		case 4:
		case 5:
			if (!zt_check(s->pool, p->h, p->size, p->seed,
				      ZS_MM_RW))
				fail(s, "check before free", p);
			zs_free(s->pool, p->h);
			p->h = 0;
			break;
		case 6:
			if (give_parcel(s, p))
				p->h = 0;
			break;
		case 7: {
			struct parcel q;

			if (!take_parcel(s, &q))
				break;
			atomic_fetch_add(&s->handed, 1);
			if (!zt_check(s->pool, q.h, q.size, q.seed, ZS_MM_RO))
				fail(s, "handed-over object", &q);
			if (p->h) {
				zs_free(s->pool, q.h);
			} else {
				/* keep it and write it as our own */
				*p = q;
				p->seed = ((unsigned long)w->id << 24) ^ it;
				if (!zt_write(s->pool, p->h, p->size, p->seed))
					fail(s, "WO after handover", p);
			}
			break;
		}
		}
	}
	for (i = 0; i < SLOTS; i++) {
		if (!mine[i].h)
			continue;
		if (!zt_check(s->pool, mine[i].h, mine[i].size, mine[i].seed,
			      ZS_MM_RO))
			fail(s, "final check", &mine[i]);
		zs_free(s->pool, mine[i].h);
	}
	return NULL;
}

static void run_stress(struct kunit *test, struct stress *s)
{
	struct worker w[THREADS];
	unsigned int i;
	struct parcel q;

	atomic_init(&s->errors, 0);
	atomic_init(&s->handed, 0);
	KUNIT_ASSERT_EQ(test, pthread_mutex_init(&s->lock, NULL), 0);
	for (i = 0; i < THREADS; i++) {
		w[i].s = s;
		w[i].id = i;
		KUNIT_ASSERT_EQ(
			test,
			pthread_create(&w[i].th, NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++)
		KUNIT_EXPECT_EQ(test, pthread_join(w[i].th, NULL), 0);
	/* what is still in the box belongs to nobody: check and free */
	while (take_parcel(s, &q)) {
		if (!zt_check(s->pool, q.h, q.size, q.seed, ZS_MM_RO))
			fail(s, "left in the box", &q);
		zs_free(s->pool, q.h);
	}
	pthread_mutex_destroy(&s->lock);

	KUNIT_EXPECT_EQ_MSG(test, atomic_load(&s->errors), 0UL, "first: %s",
			    s->first_error);
	KUNIT_EXPECT_GT(test, atomic_load(&s->handed), 0UL);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(s->pool), 0UL);
	KUNIT_EXPECT_EQ(test, zt_class_pages(s->pool), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(s->pool), 0);
}

static unsigned long scaled(unsigned long iters)
{
	return zt_under_valgrind() ? iters / 20 : iters;
}

/*
 * shards: 4 spreads the threads over the class shards, so objects handed
 * over are freed from another shard; 1 makes them share every class.
 */
static struct stress *new_stress(struct kunit *test, size_t ps,
				 unsigned int chain, unsigned int shards)
{
	struct stress *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct zs_pool_config cfg = {
		.page_size = ps,
		.max_pages_per_zspage = chain,
		.shards = shards,
	};

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->pool = zt_pool(test, &cfg);
	s->page_size = ps;
	return s;
}

/* All sizes of a 4 KiB page. */
static void threads_mixed_sizes_4k(struct kunit *test)
{
	struct stress *s = new_stress(test, 4096, 4, 4);

	s->min_size = 1;
	s->max_size = 4096;
	s->iters = scaled(20000);
	run_stress(test, s);
}

/* 16 KiB pages, long chains: zspages of up to 8 pages. */
static void threads_mixed_sizes_16k(struct kunit *test)
{
	struct stress *s = new_stress(test, 16384, 8, 4);

	s->min_size = 1;
	s->max_size = 16384;
	s->iters = scaled(8000);
	run_stress(test, s);
}

/*
 * One class for everyone (one shard): 3072-byte objects straddle pages, so
 * threads share zspages, pages and class lock, and map neighbours at once.
 */
static void threads_one_class(struct kunit *test)
{
	struct stress *s = new_stress(test, 4096, 4, 1);

	s->min_size = 3057;
	s->max_size = 3072;
	s->iters = scaled(20000);
	run_stress(test, s);
}

/* Small objects: many per page, many threads kmapping the same page. */
static void threads_small_objects(struct kunit *test)
{
	struct stress *s = new_stress(test, 4096, 4, 4);

	s->min_size = 1;
	s->max_size = 64;
	s->iters = scaled(30000);
	run_stress(test, s);
}

static struct kunit_case threads_cases[] = {KUNIT_CASE(threads_mixed_sizes_4k),
					    KUNIT_CASE(threads_mixed_sizes_16k),
					    KUNIT_CASE(threads_one_class),
					    KUNIT_CASE(threads_small_objects),
					    {}};

static struct kunit_suite threads_suite = {
	.name = "zs_threads",
	.test_cases = threads_cases,
};

kunit_test_suite(threads_suite);
