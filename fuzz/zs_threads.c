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
 * threads' maps and frees; each thread then checks its mapping, and each
 * of its objects before that object's next use.
 *
 * The hold op (numbered after the move ops, so ops 0..13 keep theirs)
 * holds one object X mapped RO, or read through zs_obj_read_begin, while
 * a partner thread writes its zspage neighbour Y (through a WO or RW map
 * and through zs_obj_write) and X itself through zs_obj_write; the holder
 * reads nothing of X while that write runs. Then the holder's view must
 * still show the bytes past the written head, and all of it must stay
 * open to the memory checkers (the write ended, the hold did not). After
 * the unmap (or read end) both must hold the partner's bytes: an unmap
 * that copies a stale view back loses them.
 *
 * The split of the input is deterministic; the interleaving is the
 * scheduler's, so a run can differ only in which hand-offs find an object
 * waiting. Every outcome is checked the same way.
 *
 * The worker threads outlive an input: creating and joining them cost
 * more than most inputs' ops (under ASan a thread's exit unmaps its state,
 * each a TLB shootdown: retiring the threads on 3% of inputs took 40% of
 * the time). One input in 64 retires them at its end, so threads still go
 * down (their mapping areas with them) after using a pool, and the next
 * input starts new ones. Which one is a hash of all its bytes: a byte of
 * its own would pass to the mutants of every retiring input in the
 * corpus (all-ones target bits did: 7% of inputs ran retired, 11% of the
 * time), where nearly every mutation changes the hash.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"
#include "harness.h"
#include "input.h"
#include "model.h"
#include "moves.h"
#include "ops.h"
#include "sizes.h"

#define MAX_THREADS   4
#define QUEUE_LEN     16
#define MAX_OBJ	      65536 /* the largest page, the largest object */
#define HOLD_RUN      9	    /* objects allocated to find X and Y */
#define PARTNER_SPINS 64    /* yields before a mailbox wait sleeps */

enum thread_op {
	OP_GIVE = ZS_NR_COMMON_OPS, /* slot u8: hand an object over */
	OP_TAKE,		    /* - : adopt a handed-over object */
	NR_THREAD_OPS
};

/* After the move ops, so that op bytes 0..13 keep their meaning. */
#define OP_HOLD	   (NR_THREAD_OPS + ZS_NR_MOVE_OPS)
#define NR_ALL_OPS (OP_HOLD + 1)

/* OP_HOLD's how byte */
enum hold_how {
	HOLD_READ = 1 << 0,    /* zs_obj_read_begin X, else map it RO */
	HOLD_MAP_Y = 1 << 1,   /* partner maps Y and writes through the map */
	HOLD_Y_RW = 1 << 2,    /* ... mapped RW (and checked), else WO */
	HOLD_WRITE_Y = 1 << 3, /* partner: zs_obj_write(Y), a head */
	HOLD_WRITE_X = 1 << 4, /* partner: zs_obj_write(X) while X is held */
	HOLD_X_WHOLE = 1 << 5, /* ... of the whole object, else a head */
	HOLD_Y_TAIL = 1 << 6,  /* the map write from arg % size, else whole */
};

/*
 * What the partner does for a holder. The holder waits until done, so the
 * partner may read the holder's model (Y's shadow) meanwhile; the holder
 * updates its shadows after done.
 */
struct hold_req {
	const struct zs_model *m;
	int x, y;	  /* slots in m */
	unsigned int how; /* hold_how */
	size_t y_off;	  /* map write of Y: [y_off, size) */
	size_t ny, nx;	  /* zs_obj_write heads of Y and X; 0: none */
	uint8_t seed;	  /* the partner's writes use seed + 2, 3, 4 */
	int done;
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
	unsigned int id; /* index in w[] */
};

/* The one partner thread: serves one hold request at a time. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct hold_req *req; /* posted; cleared by its holder after done */
	int quit;
	pthread_t tid;
	uint8_t buf[MAX_OBJ]; /* the partner's write buffer */
} partner = {.lock = PTHREAD_MUTEX_INITIALIZER,
	     .cond = PTHREAD_COND_INITIALIZER};

/* Each worker's local copy for zs_obj_read_begin. */
static uint8_t hold_copy[MAX_THREADS][MAX_OBJ];

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

/*
 * Waits on the partner's mailbox (lock held): a few yields first, since
 * the other side mostly answers within its time slice and a sleep costs
 * two trips through the scheduler, then the condition variable.
 */
static void partner_wait(unsigned int *spins)
{
	if (*spins < PARTNER_SPINS) {
		(*spins)++;
		pthread_mutex_unlock(&partner.lock);
		sched_yield();
		pthread_mutex_lock(&partner.lock);
	} else {
		pthread_cond_wait(&partner.cond, &partner.lock);
	}
}

/* Pattern bytes at [off, off + len) of the partner's buffer. */
static const uint8_t *partner_pattern(size_t off, size_t len, uint8_t seed)
{
	zs_pattern_fill(partner.buf + off, off, len, seed);
	return partner.buf + off;
}

/* The partner's writes, while the holder holds X. */
static void partner_serve(const struct hold_req *r)
{
	struct zs_pool *pool = r->m->pool;
	const struct zs_obj *x = &r->m->obj[r->x], *y = &r->m->obj[r->y];

	if (r->how & HOLD_MAP_Y) {
		int rw = (r->how & HOLD_Y_RW) != 0;
		uint8_t *p = zs_map_object(pool, y->handle,
					   rw ? ZS_MM_RW : ZS_MM_WO);

		if (!p)
			zs_fuzz_fail("partner: zs_map_object(%#lx) returned "
				     "NULL",
				     y->handle);
		if (rw)
			zs_model_compare(r->m, r->y, p);
		memcpy(p + r->y_off,
		       partner_pattern(r->y_off, y->size - r->y_off,
				       (uint8_t)(r->seed + 2)),
		       y->size - r->y_off);
		zs_unmap_object(pool, y->handle);
	}
	if (r->ny)
		zs_obj_write(pool, y->handle,
			     partner_pattern(0, r->ny, (uint8_t)(r->seed + 3)),
			     r->ny);
	if (r->nx)
		zs_obj_write(pool, x->handle,
			     partner_pattern(0, r->nx, (uint8_t)(r->seed + 4)),
			     r->nx);
}

static void *partner_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&partner.lock);
	for (;;) {
		struct hold_req *r;
		unsigned int spins = 0;

		while (!partner.quit && !(partner.req && !partner.req->done))
			partner_wait(&spins);
		if (partner.quit)
			break;
		r = partner.req;
		pthread_mutex_unlock(&partner.lock);
		partner_serve(r);
		pthread_mutex_lock(&partner.lock);
		r->done = 1;
		pthread_cond_broadcast(&partner.cond);
	}
	pthread_mutex_unlock(&partner.lock);
	return NULL;
}

/* Posts r once the partner is free and waits until it is served. The
 * partner waits for nobody, so every holder gets its turn. */
static void partner_ask(struct hold_req *r)
{
	unsigned int spins = 0;

	pthread_mutex_lock(&partner.lock);
	while (partner.req)
		partner_wait(&spins);
	r->done = 0;
	partner.req = r;
	pthread_cond_broadcast(&partner.cond);
	spins = 0;
	while (!r->done)
		partner_wait(&spins);
	partner.req = NULL;
	pthread_cond_broadcast(&partner.cond);
	pthread_mutex_unlock(&partner.lock);
}

/* zs_obj_read_begin answers with the local copy exactly when the object
 * straddles two pages. */
static int straddles(struct worker *w, int slot)
{
	unsigned long h = w->m.obj[slot].handle;
	uint8_t *copy = hold_copy[w->id];
	uint8_t *p = zs_obj_read_begin(w->m.pool, h, copy);

	if (!p)
		zs_fuzz_fail("zs_obj_read_begin(%#lx) returned NULL", h);
	zs_obj_read_end(w->m.pool, h, p);
	return p == copy;
}

/*
 * Allocates a run of up to HOLD_RUN objects of one size (back to back,
 * so mostly in one zspage) and picks X from it, straddling or not as
 * asked when there is one, and Y beside it, on X's first page if one of
 * the run is; the rest are freed. Returns 0 when two could not be had.
 */
static int hold_pair(struct worker *w, size_t size, uint8_t pick, int *xp,
		     int *yp)
{
	struct zs_model *m = &w->m;
	int run[HOLD_RUN];
	unsigned int n = 0, want = 2 + pick % 8, x = 0, y = 0;
	unsigned long pfn;

	while (n < want && m->live < ZS_MODEL_SLOTS) {
		int slot = zs_model_alloc(m, size);

		if (slot < 0)
			break;
		run[n++] = slot;
	}
	if (n >= 2) {
		for (unsigned int i = 0; i < n; i++) {
			if (straddles(w, run[i]) == ((pick & 8) != 0)) {
				x = i;
				break;
			}
		}
		y = x + 1 < n ? x + 1 : x - 1;
		pfn = zs_handle_pfn(m->pool, m->obj[run[x]].handle);
		for (unsigned int i = 0; i < n; i++) {
			if (i != x &&
			    zs_handle_pfn(m->pool, m->obj[run[i]].handle) ==
				    pfn) {
				y = i;
				break;
			}
		}
		*xp = run[x];
		*yp = run[y];
	}
	for (unsigned int i = 0; i < n; i++)
		if (n < 2 || (i != x && i != y))
			zs_model_free(m, run[i]);
	return n >= 2;
}

/* Puts the partner's writes into the holder's shadows (after done). */
static void hold_shadow(struct zs_model *m, const struct hold_req *r)
{
	struct zs_obj *y = &m->obj[r->y];

	if (r->how & HOLD_MAP_Y) {
		if (!(r->how & HOLD_Y_RW)) {
			/* WO: the bytes not written are unspecified */
			zs_obj_undefine(y);
		}
		zs_model_fill(y, r->y_off, y->size - r->y_off,
			      (uint8_t)(r->seed + 2));
	}
	if (r->ny)
		zs_model_fill(y, 0, r->ny, (uint8_t)(r->seed + 3));
	if (r->nx)
		zs_model_fill(&m->obj[r->x], 0, r->nx, (uint8_t)(r->seed + 4));
}

/*
 * X's view after the partner wrote its first nx bytes: what the view shows
 * of those is unspecified (the page's new bytes in place, the old ones in
 * a copy), but they are touched, which a memory checker reports if the
 * write closed them under the hold; the rest is X's bytes from before.
 */
static void held_after_write(const uint8_t *view, const struct zs_obj *x,
			     size_t nx)
{
	const volatile uint8_t *v = view;

	(void)(v[0] + v[nx - 1]);
	if (memcmp(view + nx, x->bytes + nx, x->size - nx) != 0)
		zs_fuzz_fail("held object %#lx changed past the %zu bytes "
			     "another thread wrote",
			     x->handle, nx);
}

/*
 * OP_HOLD (kind u8, param u16, pick u8, how u8, seed u8, arg u16): X held
 * (mapped RO or being read) while the partner writes Y and maybe X; then
 * both must hold the partner's bytes. pick % 8 + 2 objects are allocated
 * to find X (straddling when pick & 8) and Y. While X is being written
 * the holder does not look at it; afterwards its view must still show
 * X's bytes after the partner's writes to Y, and past the head the
 * partner wrote to X (held_after_write).
 */
static void hold(struct worker *w, struct zs_input *in)
{
	struct zs_model *m = &w->m;
	uint8_t kind = zs_input_u8(in);
	uint16_t param = zs_input_u16(in);
	uint8_t pick = zs_input_u8(in), how = zs_input_u8(in);
	uint8_t seed = zs_input_u8(in);
	uint16_t arg = zs_input_u16(in);
	size_t size = zs_pick_size(m->pool, &m->info, kind, param);
	struct hold_req r = {.m = m, .how = how, .seed = seed};
	struct zs_obj *x, *y;
	uint8_t *p = NULL;

	zs_model_unmap(m);
	while (m->live > ZS_MODEL_SLOTS - 2)
		zs_model_free(m, zs_model_pick_live(m, seed));
	if (!hold_pair(w, size, pick, &r.x, &r.y))
		return;
	x = &m->obj[r.x];
	y = &m->obj[r.y];
	zs_model_fill(x, 0, size, seed);
	zs_obj_write(m->pool, x->handle, x->bytes, size);
	zs_model_fill(y, 0, size, (uint8_t)(seed + 1));
	zs_obj_write(m->pool, y->handle, y->bytes, size);
	r.y_off = how & HOLD_Y_TAIL ? arg % size : 0;
	r.ny = how & HOLD_WRITE_Y ? 1 + (size_t)(arg >> 3) % size : 0;
	if (how & HOLD_WRITE_X)
		r.nx = how & HOLD_X_WHOLE ? size
					  : 1 + (size_t)(arg >> 5) % size;

	if (how & HOLD_READ) {
		p = zs_obj_read_begin(m->pool, x->handle, hold_copy[w->id]);
		if (!p)
			zs_fuzz_fail("zs_obj_read_begin(%#lx) returned NULL",
				     x->handle);
		zs_model_compare(m, r.x, p);
	} else {
		zs_model_map(m, r.x, ZS_MM_RO);
	}
	partner_ask(&r);
	if (!r.nx) {
		/* writes to Y left X's view alone */
		if (p)
			zs_model_compare(m, r.x, p);
		else
			zs_model_check_mapping(m);
	} else {
		held_after_write(p ? p : m->map, x, r.nx);
	}
	if (p)
		zs_obj_read_end(m->pool, x->handle, p);
	else
		zs_model_unmap(m);
	hold_shadow(m, &r);
	zs_model_verify(m, r.x);
	zs_model_verify(m, r.y);
}

static void run_ops(struct worker *w)
{
	struct zs_input in;
	unsigned int op;

	zs_input_init(&in, w->ops, w->len);
	for (int n = 0; n < ZS_MAX_OPS && zs_input_left(&in); n++) {
		op = zs_input_u8(&in) % NR_ALL_OPS;
		if (op == OP_HOLD)
			hold(w, &in);
		else if (op >= NR_THREAD_OPS)
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

/*
 * The worker threads and the input they are on: w[0] runs on the calling
 * thread, w[1..] on crew threads (slot 0 of go, tid and want goes unused,
 * so that a crew thread's index is its worker's). Each crew thread sleeps
 * on a condition of its own and is woken only for inputs that use it:
 * waking all of them for a two-thread input cost two needless context
 * switches an input on two cores, and a crew thread for w[0] two more (the
 * caller only waited).
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t go[MAX_THREADS], done;
	pthread_t tid[MAX_THREADS];
	unsigned long gen;		 /* bumped to start an input */
	unsigned long want[MAX_THREADS]; /* gen of the input a thread is on */
	/* want[] when the threads were started: they wait for a newer one */
	unsigned long start_want[MAX_THREADS];
	unsigned int pending; /* threads not done with it */
	int retire;	      /* threads exit after it */
	int running;
} crew = {.lock = PTHREAD_MUTEX_INITIALIZER,
	  .go = {PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
		 PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER},
	  .done = PTHREAD_COND_INITIALIZER};

static void *crew_thread(void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;
	unsigned long seen;

	pthread_mutex_lock(&crew.lock);
	seen = crew.start_want[i];
	pthread_mutex_unlock(&crew.lock);
	for (;;) {
		int retire;

		pthread_mutex_lock(&crew.lock);
		while (crew.want[i] == seen)
			pthread_cond_wait(&crew.go[i], &crew.lock);
		seen = crew.want[i];
		retire = crew.retire;
		pthread_mutex_unlock(&crew.lock);
		/* woken to retire only, with no ops of its own: none left */
		if (w[i].ops)
			run_ops(&w[i]);
		pthread_mutex_lock(&crew.lock);
		if (--crew.pending == 0)
			pthread_cond_signal(&crew.done);
		pthread_mutex_unlock(&crew.lock);
		if (retire)
			return NULL;
	}
}

/* Runs w[0] here and w[1..nthr) on the crew, started first if need be;
 * retire: every crew thread exits afterwards (the unused ones woken for
 * that) and is joined. */
static void crew_run(unsigned int nthr, int retire)
{
	unsigned int wake = retire ? MAX_THREADS : nthr;

	if (!crew.running) {
		memcpy(crew.start_want, crew.want, sizeof(crew.want));
		for (unsigned int i = 1; i < MAX_THREADS; i++)
			if (pthread_create(&crew.tid[i], NULL, crew_thread,
					   (void *)(uintptr_t)i) != 0)
				zs_fuzz_fail("pthread_create failed");
		if (pthread_create(&partner.tid, NULL, partner_thread, NULL) !=
		    0)
			zs_fuzz_fail("pthread_create failed");
		crew.running = 1;
	}
	pthread_mutex_lock(&crew.lock);
	crew.retire = retire;
	crew.pending = wake - 1;
	crew.gen++;
	for (unsigned int i = 1; i < wake; i++) {
		crew.want[i] = crew.gen;
		pthread_cond_signal(&crew.go[i]);
	}
	pthread_mutex_unlock(&crew.lock);
	run_ops(&w[0]);
	pthread_mutex_lock(&crew.lock);
	while (crew.pending > 0)
		pthread_cond_wait(&crew.done, &crew.lock);
	pthread_mutex_unlock(&crew.lock);
	if (retire) {
		for (unsigned int i = 1; i < MAX_THREADS; i++)
			pthread_join(crew.tid[i], NULL);
		/* no holder is left to ask it */
		pthread_mutex_lock(&partner.lock);
		partner.quit = 1;
		pthread_cond_broadcast(&partner.cond);
		pthread_mutex_unlock(&partner.lock);
		pthread_join(partner.tid, NULL);
		partner.quit = 0;
		crew.running = 0;
	}
}

/* Whether the input retires the threads: 1 in 64 by FNV-1a. */
static int retires(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return (h >> 26) == 0;
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
		w[i].id = i;
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
	crew_run(nthr, retires(data, size));
	for (unsigned int i = 0; i < nthr; i++) {
		free(w[i].ops);
		w[i].ops = NULL;
	}
	/* Objects still in the queue are checked and freed here. */
	zs_model_init(&final, pool);
	final.sole = 1; /* the crew is done: nothing is held */
	for (unsigned int i = 0; i < ho.n; i++)
		zs_model_put_in(&final, &ho.q[i]);
	zs_model_finish(&final);
	pthread_mutex_destroy(&ho.lock);
	zs_destroy_pool(pool);
	return 0;
}
