// SPDX-License-Identifier: MIT
/*
 * Eight threads on one pool, each running a seeded random mix of every
 * public call: zs_malloc of every kind of size (tiny, any, straddling,
 * the largest), zs_free, maps in all three modes, the copy-based access
 * API (nested inside a map too, and batched reads of all a thread's
 * objects), zs_compact, zs_page_migrate of the page
 * under one of its own objects, the statistics, zs_pool_check, and objects
 * handed between threads through a locked queue. Every object carries a
 * pattern derived from a per-write seed, checked by whoever reads it.
 *
 * Bounded twice: a fixed number of calls per thread, and a wall clock
 * (ZS_STRESS_MS, default 2000 ms per case), whichever ends first, so the
 * suite stays short under TSan and Valgrind as well. At the end the pool
 * must be empty and pass zs_pool_check(). The mix is reproducible with
 * KUNIT_SEED; the interleaving is not.
 */
#include "zs_test_util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <linux/random.h>

#define THREADS	   8
#define SLOTS	   48 /* objects a thread owns at most */
#define QUEUE	   32 /* objects in transit between threads */
#define STRADDLE   5
#define OPS	   20000 /* calls per thread, at most */
#define DEFAULT_MS 2000	 /* wall-clock bound per case */

enum op {
	OP_MALLOC,
	OP_FREE,
	OP_MAP_RO,
	OP_MAP_RW,
	OP_MAP_WO,
	OP_READ,
	OP_WRITE,
	OP_NESTED,
	OP_COMPACT,
	OP_MIGRATE,
	OP_STATS,
	OP_CHECK,
	OP_GIVE,
	OP_TAKE,
	OP_BATCH,
	NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"malloc", "free",  "map_ro", "map_rw",	"map_wo",
	"read",	  "write", "nested", "compact", "migrate",
	"stats",  "check", "give",   "take",	"batch"};

/* Weight of each call in the mix, out of 1000. */
static const unsigned int op_weight[NR_OPS] = {
	[OP_MALLOC] = 150, [OP_FREE] = 100,  [OP_MAP_RO] = 100,
	[OP_MAP_RW] = 90,  [OP_MAP_WO] = 60, [OP_READ] = 110,
	[OP_WRITE] = 70,   [OP_NESTED] = 50, [OP_COMPACT] = 8,
	[OP_MIGRATE] = 60, [OP_STATS] = 30,  [OP_CHECK] = 2,
	[OP_GIVE] = 70,	   [OP_TAKE] = 80,   [OP_BATCH] = 20,
};

struct obj {
	unsigned long h;
	size_t size;
	unsigned long seed;
};

struct stress {
	struct zs_pool *pool;
	size_t max_size;
	unsigned long max_pages;
	size_t straddle
		[STRADDLE]; /* sizes whose class does not divide a page */
	struct timespec deadline;

	pthread_mutex_t qlock; /* guards queue, qhead, qlen */
	struct obj queue[QUEUE];
	unsigned int qhead, qlen;

	atomic_bool stop; /* set by the first error */
	atomic_ulong errors;
	char first_error[200]; /* written by the first error only */

	atomic_ulong migrated, busy, gone, nomem, compacted, timed_out;
};

struct worker {
	struct stress *s;
	unsigned int id;
	pthread_t th;
	uint64_t rng;
	unsigned long seq; /* makes every seed this thread writes unique */
	unsigned long ops;
	unsigned long count[NR_OPS];
	struct zs_pool_stats last; /* counters seen last: they only grow */
	unsigned char *copy;	   /* zs_obj_read_begin's local copy */
	unsigned char *buf;	   /* zs_obj_write's source */
	void *bufs[SLOTS + 1];	   /* zs_obj_read_batch's */
	struct obj mine[SLOTS];
};

static void fail(struct worker *w, const char *what, const struct obj *o)
{
	struct stress *s = w->s;

	if (atomic_fetch_add(&s->errors, 1) == 0)
		snprintf(s->first_error, sizeof(s->first_error),
			 "thread %u, call %lu: %s: handle %#lx size %zu seed "
			 "%#lx",
			 w->id, w->ops, what, o ? o->h : 0, o ? o->size : 0,
			 o ? o->seed : 0);
	atomic_store(&s->stop, true);
}

static unsigned long new_seed(struct worker *w)
{
	return ((unsigned long)(w->id + 1) << (ZT_BITS_PER_LONG - 8)) ^
	       ++w->seq;
}

static bool past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	       (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static size_t pick_size(struct stress *s, uint64_t r)
{
	switch (r % 8) {
	case 0:
		return s->max_size;
	case 1: /* the largest classes, one object per zspage or so */
		return s->max_size - (r >> 8) % 256;
	case 2:
		return 1 + (r >> 8) % 64;
	case 3:
	case 4:
		return s->straddle[(r >> 8) % STRADDLE];
	default:
		return 1 + (size_t)((r >> 8) % s->max_size);
	}
}

static enum op pick_op(uint64_t r)
{
	unsigned int x = (unsigned int)(r % 1000), i;

	for (i = 0; i < NR_OPS; i++) {
		if (x < op_weight[i])
			return (enum op)i;
		x -= op_weight[i];
	}
	return OP_MAP_RO;
}

/* ---- the queue between threads ---- */

static bool give(struct stress *s, const struct obj *o)
{
	bool given = false;

	pthread_mutex_lock(&s->qlock);
	if (s->qlen < QUEUE) {
		s->queue[(s->qhead + s->qlen++) % QUEUE] = *o;
		given = true;
	}
	pthread_mutex_unlock(&s->qlock);
	return given;
}

static bool take(struct stress *s, struct obj *o)
{
	bool got = false;

	pthread_mutex_lock(&s->qlock);
	if (s->qlen) {
		*o = s->queue[s->qhead];
		s->qhead = (s->qhead + 1) % QUEUE;
		s->qlen--;
		got = true;
	}
	pthread_mutex_unlock(&s->qlock);
	return got;
}

/* ---- the calls ---- */

static void do_malloc(struct worker *w, struct obj *o, uint64_t r)
{
	struct stress *s = w->s;

	o->size = pick_size(s, r);
	o->seed = new_seed(w);
	o->h = zs_malloc(s->pool, o->size);
	if (!o->h) {
		fail(w, "zs_malloc failed", o);
		return;
	}
	if (!zt_write(s->pool, o->h, o->size, o->seed))
		fail(w, "WO map of a new object failed", o);
}

static void do_free(struct worker *w, struct obj *o, bool rw)
{
	if (!zt_check(w->s->pool, o->h, o->size, o->seed,
		      rw ? ZS_MM_RW : ZS_MM_RO))
		fail(w, "check before free", o);
	zs_free(w->s->pool, o->h);
	o->h = 0;
}

static bool read_check(struct worker *w, const struct obj *o)
{
	struct zs_pool *pool = w->s->pool;
	unsigned char *p = zs_obj_read_begin(pool, o->h, w->copy);
	bool ok;

	if (!p)
		return false;
	ok = zt_mismatch(p, o->size, o->seed) == o->size;
	zs_obj_read_end(pool, o->h, p);
	return ok;
}

/*
 * Every object this thread owns in one zs_obj_read_batch (more than one
 * group of the core's), and the first one twice.
 */
static void do_batch(struct worker *w)
{
	unsigned long h[SLOTS + 1] = {0};
	size_t lens[SLOTS + 1], n = 0, got;
	const struct obj *o[SLOTS + 1];

	for (unsigned int i = 0; i < SLOTS; i++)
		if (w->mine[i].h)
			o[n++] = &w->mine[i];
	if (!n)
		return;
	o[n++] = o[0];
	for (size_t i = 0; i < n; i++)
		h[i] = o[i]->h;
	got = zs_obj_read_batch(w->s->pool, h, n, w->bufs, lens);
	if (got != n)
		fail(w, "zs_obj_read_batch read too few", NULL);
	/* the last buffer holds the duplicate; the first the same object */
	for (size_t i = 0; i < n && got == n; i++)
		if (lens[i] != o[i]->size ||
		    zt_mismatch(w->bufs[i], o[i]->size, o[i]->seed) !=
			    o[i]->size)
			fail(w, "zs_obj_read_batch", o[i]);
}

/* A read of b nested inside a RO map of a, ended in reverse order. */
static void do_nested(struct worker *w, struct obj *a, struct obj *b)
{
	struct zs_pool *pool = w->s->pool;
	unsigned char *pa = zs_map_object(pool, a->h, ZS_MM_RO);
	unsigned char *pb;

	if (!pa) {
		fail(w, "RO map (outer) failed", a);
		return;
	}
	pb = zs_obj_read_begin(pool, b->h, w->copy);
	if (!pb) {
		fail(w, "nested read failed", b);
	} else {
		if (zt_mismatch(pb, b->size, b->seed) != b->size)
			fail(w, "nested read", b);
		/* a stays intact while b is read */
		if (zt_mismatch(pa, a->size, a->seed) != a->size)
			fail(w, "map around a nested read", a);
		zs_obj_read_end(pool, b->h, pb);
	}
	zs_unmap_object(pool, a->h);
}

static void do_migrate(struct worker *w, struct obj *o)
{
	struct stress *s = w->s;
	unsigned long pfn = zs_handle_pfn(s->pool, o->h);
	int ret;

	if (!pfn) {
		fail(w, "zs_handle_pfn gave 0", o);
		return;
	}
	/* the page may hold other threads' mapped objects (-EBUSY), or have
	 * been moved or released since (-ENOENT) */
	ret = zs_page_migrate(s->pool, pfn);
	if (ret == 0)
		atomic_fetch_add(&s->migrated, 1);
	else if (ret == -EBUSY)
		atomic_fetch_add(&s->busy, 1);
	else if (ret == -ENOENT)
		atomic_fetch_add(&s->gone, 1);
	else if (ret == -ENOMEM)
		atomic_fetch_add(&s->nomem, 1);
	else
		fail(w, "zs_page_migrate: unexpected return", o);
	if (!zt_check(s->pool, o->h, o->size, o->seed, ZS_MM_RO))
		fail(w, "check after migration", o);
}

static void do_stats(struct worker *w)
{
	struct stress *s = w->s;
	struct zs_pool_stats st;
	unsigned long pages;

	zs_pool_stats(s->pool, &st);
	if (st.pages_compacted < w->last.pages_compacted ||
	    st.objs_moved < w->last.objs_moved ||
	    st.objs_pinned < w->last.objs_pinned ||
	    st.pages_migrated < w->last.pages_migrated ||
	    st.migrate_busy < w->last.migrate_busy)
		fail(w, "zs_pool_stats: a counter went down", NULL);
	w->last = st;
	pages = zs_get_total_pages(s->pool);
	if (pages > s->max_pages)
		fail(w, "zs_get_total_pages above the pool's frames", NULL);
}

/* Take an object another thread gave; keep it as our own or free it. */
static void do_take(struct worker *w, struct obj *slot, uint64_t r)
{
	struct stress *s = w->s;
	struct obj q;
	unsigned long seed;

	if (!take(s, &q))
		return;
	if (!((r >> 20) & 1 ? read_check(w, &q)
			    : zt_check(s->pool, q.h, q.size, q.seed, ZS_MM_RO)))
		fail(w, "handed-over object", &q);
	if (slot->h) {
		zs_free(s->pool, q.h);
		return;
	}
	seed = new_seed(w);
	if (!zt_rewrite(s->pool, q.h, q.size, q.seed, seed))
		fail(w, "RW of a handed-over object", &q);
	*slot = q;
	slot->seed = seed;
}

static void run_op(struct worker *w, enum op op, struct obj *o, struct obj *b,
		   uint64_t r)
{
	struct stress *s = w->s;
	unsigned long seed;

	/* calls that need an object make one in an empty slot */
	if (!o->h && op != OP_COMPACT && op != OP_STATS && op != OP_CHECK &&
	    op != OP_TAKE && op != OP_BATCH)
		op = OP_MALLOC;
	if (op == OP_NESTED && !b->h)
		op = OP_READ;
	w->count[op]++;
	switch (op) {
	case OP_MALLOC:
		if (o->h)
			do_free(w, o, false);
		do_malloc(w, o, r >> 12);
		break;
	case OP_FREE:
		do_free(w, o, (r >> 12) & 1);
		break;
	case OP_MAP_RO:
		if (!zt_check(s->pool, o->h, o->size, o->seed, ZS_MM_RO))
			fail(w, "RO check", o);
		break;
	case OP_MAP_RW:
		seed = new_seed(w);
		if (!zt_rewrite(s->pool, o->h, o->size, o->seed, seed))
			fail(w, "RW check", o);
		o->seed = seed;
		break;
	case OP_MAP_WO:
		o->seed = new_seed(w);
		if (!zt_write(s->pool, o->h, o->size, o->seed))
			fail(w, "WO map failed", o);
		break;
	case OP_READ:
		if (!read_check(w, o))
			fail(w, "zs_obj_read_begin check", o);
		break;
	case OP_WRITE:
		o->seed = new_seed(w);
		zt_fill(w->buf, o->size, o->seed);
		zs_obj_write(s->pool, o->h, w->buf, o->size);
		break;
	case OP_NESTED:
		do_nested(w, o, b);
		break;
	case OP_COMPACT:
		atomic_fetch_add(&s->compacted, zs_compact(s->pool));
		break;
	case OP_MIGRATE:
		do_migrate(w, o);
		break;
	case OP_STATS:
		do_stats(w);
		break;
	case OP_CHECK:
		if (zs_pool_check(s->pool) != 0)
			fail(w, "zs_pool_check during the run", NULL);
		break;
	case OP_GIVE:
		if (give(s, o))
			o->h = 0;
		break;
	case OP_TAKE:
		do_take(w, o, r);
		break;
	case OP_BATCH:
		do_batch(w);
		break;
	case NR_OPS:
		break;
	}
}

static void one_op(struct worker *w, uint64_t r)
{
	unsigned int ia = (unsigned int)((r >> 32) % SLOTS);
	unsigned int ib =
		(ia + 1 + (unsigned int)((r >> 40) % (SLOTS - 1))) % SLOTS;

	run_op(w, pick_op(r), &w->mine[ia], &w->mine[ib], r);
}

/*
 * Every call once on slots 0 and 1 before the random mix, so that even a
 * run cut short by the clock (Valgrind) has made each of them.
 */
static void warm_up(struct worker *w)
{
	static const enum op order[] = {
		OP_MALLOC, OP_MAP_RO, OP_MAP_RW,  OP_MAP_WO,  OP_READ,
		OP_WRITE,  OP_NESTED, OP_MIGRATE, OP_COMPACT, OP_STATS,
		OP_CHECK,  OP_GIVE,   OP_TAKE,	  OP_BATCH,   OP_FREE};
	unsigned int i;

	run_op(w, OP_MALLOC, &w->mine[1], &w->mine[0], zt_rand(&w->rng));
	w->ops++;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++, w->ops++)
		run_op(w, order[i], &w->mine[order[i] == OP_FREE], &w->mine[1],
		       zt_rand(&w->rng));
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	unsigned int i;

	warm_up(w);
	for (; w->ops < OPS; w->ops++) {
		if (atomic_load_explicit(&s->stop, memory_order_relaxed))
			break;
		if (past(&s->deadline)) {
			atomic_fetch_add(&s->timed_out, 1);
			break;
		}
		one_op(w, zt_rand(&w->rng));
	}
	for (i = 0; i < SLOTS; i++)
		if (w->mine[i].h)
			do_free(w, &w->mine[i], false);
	return NULL;
}

/* ---- the cases ---- */

static void free_action(void *p)
{
	free(p);
}

static void *zeroed(struct kunit *test, size_t n)
{
	void *p = calloc(1, n);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, free_action, p));
	return p;
}

static unsigned long stress_ms(void)
{
	const char *e = getenv("ZS_STRESS_MS");
	unsigned long ms = e ? strtoul(e, NULL, 10) : 0;

	return ms ? ms : DEFAULT_MS;
}

/*
 * Sizes from near fractions of a page upwards whose class does not divide
 * the page, so some of its objects straddle two pages.
 */
static void pick_straddling(struct kunit *test, struct stress *s,
			    const struct zs_pool_info *info)
{
	static const unsigned int eighths[STRADDLE] = {6, 5, 3, 2, 1};
	size_t ps = info->page_size;
	unsigned int i;

	for (i = 0; i < STRADDLE; i++) {
		size_t size = ps * eighths[i] / 8 + 8;
		size_t cls = zs_class_size(s->pool, size);

		while (cls && cls < ps && ps % cls == 0) {
			size += info->size_class_delta;
			cls = zs_class_size(s->pool, size);
		}
		KUNIT_ASSERT_TRUE_MSG(test, cls && cls < ps,
				      "no straddling class above %zu",
				      ps * eighths[i] / 8);
		s->straddle[i] = size;
	}
}

static void run_stress(struct kunit *test, const struct zs_pool_config *cfg)
{
	struct stress *s = zeroed(test, sizeof(*s));
	struct worker *w = zeroed(test, sizeof(*w) * THREADS);
	unsigned long count[NR_OPS] = {0}, ops = 0, ms = stress_ms();
	struct zs_pool_info info;
	struct timespec t0, t1;
	struct obj q;
	unsigned int i, k;
	char line[400];
	int len = 0;

	s->pool = zt_pool(test, cfg);
	zs_pool_info(s->pool, &info);
	s->max_size = zs_max_alloc_size(s->pool);
	s->max_pages = info.max_pages;
	pick_straddling(test, s, &info);
	KUNIT_ASSERT_EQ(test, pthread_mutex_init(&s->qlock, NULL), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	s->deadline = t0;
	s->deadline.tv_sec += (time_t)(ms / 1000);
	s->deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (s->deadline.tv_nsec >= 1000000000L) {
		s->deadline.tv_sec++;
		s->deadline.tv_nsec -= 1000000000L;
	}
	for (i = 0; i < THREADS; i++) {
		w[i].s = s;
		w[i].id = i;
		w[i].rng = get_random_u64() | 1;
		w[i].copy = zeroed(test, s->max_size);
		w[i].buf = zeroed(test, s->max_size);
		for (k = 0; k <= SLOTS; k++)
			w[i].bufs[k] = zeroed(test, s->max_size);
	}
	for (i = 0; i < THREADS; i++)
		KUNIT_ASSERT_EQ(
			test,
			pthread_create(&w[i].th, NULL, worker_main, &w[i]), 0);
	for (i = 0; i < THREADS; i++)
		KUNIT_EXPECT_EQ(test, pthread_join(w[i].th, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	/* what is still in the queue belongs to nobody: check and free */
	while (take(s, &q)) {
		if (!zt_check(s->pool, q.h, q.size, q.seed, ZS_MM_RO))
			fail(&w[0], "left in the queue", &q);
		zs_free(s->pool, q.h);
	}
	pthread_mutex_destroy(&s->qlock);

	for (i = 0; i < THREADS; i++) {
		ops += w[i].ops;
		for (k = 0; k < NR_OPS; k++)
			count[k] += w[i].count[k];
	}
	kunit_info(test,
		   "%u threads, %lu calls in %.2f s (%lu threads stopped by "
		   "the %lu ms clock); migrations: %lu done, %lu busy, %lu "
		   "gone, %lu no memory; %lu pages compacted",
		   THREADS, ops,
		   (double)(t1.tv_sec - t0.tv_sec) +
			   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		   atomic_load(&s->timed_out), ms, atomic_load(&s->migrated),
		   atomic_load(&s->busy), atomic_load(&s->gone),
		   atomic_load(&s->nomem), atomic_load(&s->compacted));
	for (k = 0; k < NR_OPS; k++)
		len += snprintf(line + len, sizeof(line) - (size_t)len,
				" %s %lu", op_names[k], count[k]);
	kunit_info(test, "calls:%s", line);

	KUNIT_EXPECT_EQ_MSG(test, atomic_load(&s->errors), 0UL, "first: %s",
			    s->first_error);
	/* a run too short to have made every call proves little */
	for (k = 0; k < NR_OPS; k++)
		KUNIT_EXPECT_GT_MSG(test, count[k], 0UL, "no %s call made",
				    op_names[k]);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(s->pool), 0UL);
	KUNIT_EXPECT_EQ(test, zt_class_pages(s->pool), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(s->pool), 0);
}

/*
 * The default geometry: 4 KiB pages, chains of 4, merged classes; the
 * threads spread over four class shards.
 */
static void stress_4k(struct kunit *test)
{
	struct zs_pool_config cfg = {
		.page_size = 4096, .max_pages_per_zspage = 4, .shards = 4};

	run_stress(test, &cfg);
}

/*
 * 16 KiB pages, chains of 8, one class per size step, one shard: every
 * thread in every class.
 */
static void stress_16k_no_merge(struct kunit *test)
{
	struct zs_pool_config cfg = {.page_size = 16384,
				     .max_pages_per_zspage = 8,
				     .no_class_merge = 1,
				     .shards = 1};

	run_stress(test, &cfg);
}

static struct kunit_case stress_cases[] = {
	KUNIT_CASE(stress_4k), KUNIT_CASE(stress_16k_no_merge), {}};

static struct kunit_suite stress_suite = {
	.name = "zs_stress",
	.test_cases = stress_cases,
};

kunit_test_suite(stress_suite);
