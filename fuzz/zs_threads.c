// SPDX-License-Identifier: MIT
/*
 * zs_threads: 2-4 threads replay their own sub-streams of valid ops on one
 * shared pool. Each thread owns its objects (its own shadow model); objects
 * also change owner through a locked hand-off queue, so one object is
 * written by one thread and read and freed by another. After the join the
 * pool must be empty and consistent. Meant for TSan as well as ASan.
 *
 * Ops after the hand-off ones compact the pool, migrate the page of an
 * own object and use the copy-based access API, racing with the other
 * threads' maps and frees; each thread then checks its mapping and all its
 * objects.
 *
 * The split of the input is deterministic; the interleaving is the
 * scheduler's, so a run can differ only in which hand-offs find an object
 * waiting. Every outcome is checked the same way.
 *
 * The worker threads outlive an input: creating and joining them cost
 * more than most inputs' ops (under ASan a thread's exit unmaps its state,
 * each a TLB shootdown: retiring the threads on 3% of inputs took 40% of
 * the time). Inputs whose target bits are all set (1 in 64) retire them
 * at their end, so threads still go down (their mapping areas with them)
 * after using a pool, and the next input starts new ones.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"
#include "harness.h"
#include "input.h"
#include "model.h"
#include "moves.h"
#include "ops.h"

#define MAX_THREADS 4
#define QUEUE_LEN   16

enum thread_op {
	OP_GIVE = ZS_NR_COMMON_OPS, /* slot u8: hand an object over */
	OP_TAKE,		    /* - : adopt a handed-over object */
	NR_THREAD_OPS
};

struct handoff {
	pthread_mutex_t lock;
	struct zs_obj q[QUEUE_LEN];
	unsigned int n;
};

struct worker {
	struct zs_model m;
	struct handoff *ho;
	uint8_t *ops; /* this thread's sub-stream */
	size_t len;
};

static void give(struct worker *w, uint8_t s)
{
	struct zs_obj o;
	int slot = zs_model_pick_live(&w->m, s);

	if (slot < 0)
		return;
	pthread_mutex_lock(&w->ho->lock);
	if (w->ho->n < QUEUE_LEN && zs_model_take_out(&w->m, slot, &o) == 0)
		w->ho->q[w->ho->n++] = o;
	pthread_mutex_unlock(&w->ho->lock);
}

static void take(struct worker *w)
{
	struct zs_obj o;
	int got = 0;

	if (w->m.live >= ZS_MODEL_SLOTS)
		return;
	pthread_mutex_lock(&w->ho->lock);
	if (w->ho->n > 0) {
		o = w->ho->q[--w->ho->n];
		got = 1;
	}
	pthread_mutex_unlock(&w->ho->lock);
	if (got)
		zs_model_verify(&w->m, zs_model_put_in(&w->m, &o));
}

static void run_ops(struct worker *w)
{
	struct zs_input in;
	unsigned int op;

	zs_input_init(&in, w->ops, w->len);
	for (int n = 0; n < ZS_MAX_OPS && zs_input_left(&in); n++) {
		op = zs_input_u8(&in) % (NR_THREAD_OPS + ZS_NR_MOVE_OPS);
		if (op >= NR_THREAD_OPS)
			zs_run_move_op(&w->m, &in, op - NR_THREAD_OPS);
		else if (op == OP_GIVE)
			give(w, zs_input_u8(&in));
		else if (op == OP_TAKE)
			take(w);
		else
			zs_run_common_op(&w->m, &in, op);
	}
	zs_model_verify_all(&w->m);
	zs_model_free_all(&w->m);
}

static struct worker w[MAX_THREADS];

/* The worker threads and the input they are on. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t go, done;
	pthread_t tid[MAX_THREADS];
	unsigned long gen;	 /* bumped to start an input */
	unsigned long start_gen; /* gen when the threads were started */
	unsigned int nthr;	 /* threads the input uses */
	unsigned int pending;	 /* threads not done with it */
	int retire;		 /* threads exit after it */
	int running;
} crew = {.lock = PTHREAD_MUTEX_INITIALIZER,
	  .go = PTHREAD_COND_INITIALIZER,
	  .done = PTHREAD_COND_INITIALIZER};

static void *crew_thread(void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;
	unsigned long seen;

	pthread_mutex_lock(&crew.lock);
	seen = crew.start_gen;
	pthread_mutex_unlock(&crew.lock);
	for (;;) {
		int active, retire;

		pthread_mutex_lock(&crew.lock);
		while (crew.gen == seen)
			pthread_cond_wait(&crew.go, &crew.lock);
		seen = crew.gen;
		active = i < crew.nthr;
		retire = crew.retire;
		pthread_mutex_unlock(&crew.lock);
		if (active)
			run_ops(&w[i]);
		pthread_mutex_lock(&crew.lock);
		if (--crew.pending == 0)
			pthread_cond_signal(&crew.done);
		pthread_mutex_unlock(&crew.lock);
		if (retire)
			return NULL;
	}
}

/* Runs w[0..nthr) on the crew, started first if need be; retire: the
 * threads exit afterwards and are joined. */
static void crew_run(unsigned int nthr, int retire)
{
	if (!crew.running) {
		crew.start_gen = crew.gen; /* no thread runs yet */
		for (unsigned int i = 0; i < MAX_THREADS; i++)
			if (pthread_create(&crew.tid[i], NULL, crew_thread,
					   (void *)(uintptr_t)i) != 0)
				zs_fuzz_fail("pthread_create failed");
		crew.running = 1;
	}
	pthread_mutex_lock(&crew.lock);
	crew.nthr = nthr;
	crew.retire = retire;
	crew.pending = MAX_THREADS;
	crew.gen++;
	pthread_cond_broadcast(&crew.go);
	while (crew.pending > 0)
		pthread_cond_wait(&crew.done, &crew.lock);
	pthread_mutex_unlock(&crew.lock);
	if (retire) {
		for (unsigned int i = 0; i < MAX_THREADS; i++)
			pthread_join(crew.tid[i], NULL);
		crew.running = 0;
	}
}

/* Chunks [thread u8][len u8][len bytes] go to thread % nthreads. */
static void split(struct zs_input *in, struct worker *to, unsigned int nthr)
{
	while (zs_input_left(in)) {
		struct worker *t = &to[zs_input_u8(in) % nthr];
		size_t len = zs_input_u8(in);

		if (len > zs_input_left(in))
			len = zs_input_left(in);
		memcpy(t->ops + t->len, in->data + in->pos, len);
		t->len += len;
		in->pos += len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zs_input in;
	struct zs_fuzz_config cfg;
	struct zs_pool *pool;
	struct handoff ho = {.n = 0};
	struct zs_model final;
	unsigned int nthr;

	zs_input_init(&in, data, size);
	zs_input_config(&in, &cfg);
	nthr = 2 + cfg.target_bits % 3;
	pool = zs_fuzz_pool(&cfg.pool, 0);
	pthread_mutex_init(&ho.lock, NULL);
	for (unsigned int i = 0; i < nthr; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		zs_model_init(&w[i].m, pool);
		w[i].m.shared_pool = 1;
		/* every model full, the queue full, one page per migrator */
		w[i].m.shared_pages_bound =
			(nthr * ZS_MODEL_SLOTS + QUEUE_LEN) *
				(unsigned long)cfg.pool.max_pages_per_zspage +
			nthr;
		w[i].ho = &ho;
		w[i].ops = malloc(size + 1);
		if (!w[i].ops)
			zs_fuzz_fail("out of memory for %zu bytes", size);
	}
	split(&in, w, nthr);
	crew_run(nthr, cfg.target_bits == 63);
	for (unsigned int i = 0; i < nthr; i++)
		free(w[i].ops);
	/* Objects still in the queue are checked and freed here. */
	zs_model_init(&final, pool);
	for (unsigned int i = 0; i < ho.n; i++)
		zs_model_put_in(&final, &ho.q[i]);
	zs_model_finish(&final);
	pthread_mutex_destroy(&ho.lock);
	zs_destroy_pool(pool);
	return 0;
}
