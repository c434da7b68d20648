// SPDX-License-Identifier: MIT
/*
 * Misuse of the API: each kind is reported exactly once through the
 * installed handler and does no harm (the pool stays consistent and the
 * good objects keep their bytes). Without a handler a misuse aborts with a
 * "zsmalloc: " line, and under ASan a pointer used after unmap is caught.
 */
#include "zs_test_util.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define ZT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZT_ASAN 1
#endif
#endif
#ifndef ZT_ASAN
#define ZT_ASAN 0
#endif

#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#define ZT_MSAN 1
#endif
#endif
#ifndef ZT_MSAN
#define ZT_MSAN 0
#endif

#define GOOD 12

/* A pool with good objects of assorted sizes, some straddling pages. */
struct fixture {
	struct zs_pool *pool;
	struct zt_reports *rep;
	unsigned long good[GOOD];
	size_t size[GOOD];
	unsigned long pages;
};

static const size_t good_sizes[GOOD] = {1,    31,   32,	  48,	100,  3072,
					3072, 3072, 3072, 4096, 2000, 700};

static struct fixture *fixture(struct kunit *test)
{
	struct fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->rep = zt_record_reports(test);
	f->pool = zt_pool(test, NULL);
	for (i = 0; i < GOOD; i++) {
		f->size[i] = good_sizes[i];
		f->good[i] = zs_malloc(f->pool, f->size[i]);
		KUNIT_ASSERT_NE(test, f->good[i], 0UL);
		KUNIT_ASSERT_TRUE(test, zt_write(f->pool, f->good[i],
						 f->size[i], 1000 + i));
	}
	f->pages = zs_get_total_pages(f->pool);
	KUNIT_ASSERT_EQ(test, f->rep->count, 0UL);
	return f;
}

/* The misuse just done was reported once and harmed nothing. */
static void expect_reported(struct kunit *test, struct fixture *f,
			    unsigned long want, const char *what)
{
	unsigned int i;

	KUNIT_EXPECT_EQ_MSG(test, f->rep->count, want,
			    "%s: last report \"%s: %s\"", what, f->rep->what,
			    f->rep->details);
	KUNIT_EXPECT_EQ_MSG(test, zs_pool_check(f->pool), 0, "after %s", what);
	for (i = 0; i < GOOD; i++) {
		KUNIT_EXPECT_TRUE_MSG(test,
				      zt_check(f->pool, f->good[i], f->size[i],
					       1000 + i, ZS_MM_RO),
				      "after %s: good object %u", what, i);
	}
	/* checking the good objects must not itself be a misuse */
	KUNIT_EXPECT_EQ_MSG(test, f->rep->count, want, "after %s", what);
}

static void misuse_double_free(struct kunit *test)
{
	struct fixture *f = fixture(test);
	unsigned long h = zs_malloc(f->pool, 200);

	KUNIT_ASSERT_NE(test, h, 0UL);
	zs_free(f->pool, h);
	KUNIT_EXPECT_EQ(test, f->rep->count, 0UL);
	zs_free(f->pool, h);
	expect_reported(test, f, 1, "double free");
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(f->pool), f->pages);
}

/*
 * A freed handle whose slot is issued again: the old value must not reach
 * the new object, whichever call it is given to.
 */
static void misuse_stale_handle_reused(struct kunit *test)
{
	enum { ROUNDS = 64 };
	struct fixture *f = fixture(test);
	unsigned long old[ROUNDS];
	unsigned long live;
	unsigned int i;

	/* churn one slot so that many stale values exist */
	for (i = 0; i < ROUNDS; i++) {
		old[i] = zs_malloc(f->pool, 64);
		KUNIT_ASSERT_NE(test, old[i], 0UL);
		zs_free(f->pool, old[i]);
	}
	live = zs_malloc(f->pool, 64);
	KUNIT_ASSERT_NE(test, live, 0UL);
	KUNIT_ASSERT_TRUE(test, zt_write(f->pool, live, 64, 77));
	for (i = 0; i < ROUNDS; i++)
		KUNIT_EXPECT_NE_MSG(test, old[i], live,
				    "handle value reissued after %u frees",
				    ROUNDS - i);

	for (i = 0; i < ROUNDS; i++) {
		KUNIT_EXPECT_NULL(test,
				  zs_map_object(f->pool, old[i], ZS_MM_RW));
		zs_free(f->pool, old[i]);
	}
	expect_reported(test, f, 2 * ROUNDS, "stale handles");
	/* the live object in the reused slot is untouched and still live */
	KUNIT_EXPECT_TRUE(test, zt_check(f->pool, live, 64, 77, ZS_MM_RO));
	zs_free(f->pool, live);
	KUNIT_EXPECT_EQ(test, f->rep->count, 2UL * ROUNDS);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(f->pool), f->pages);
}

/* Values never issued: small, huge, near real ones, random. */
static void misuse_forged_handles(struct kunit *test)
{
	struct fixture *f = fixture(test);
	unsigned long forged[48];
	unsigned long want = 0;
	uint64_t rng = 0x1234567887654321ull;
	unsigned int n = 0, i;

	forged[n++] = 1;
	forged[n++] = 2;
	forged[n++] = 0xff;
	forged[n++] = 0x1000;
	forged[n++] = ULONG_MAX;
	forged[n++] = ULONG_MAX - 1;
	forged[n++] = ULONG_MAX >> 1;
	forged[n++] = 1UL << (ZT_BITS_PER_LONG - 1);
	/* a real handle with its top (tag) bits or low (slot) bits bent */
	forged[n++] = f->good[0] ^ (1UL << (ZT_BITS_PER_LONG - 1));
	forged[n++] = f->good[0] ^ (1UL << (ZT_BITS_PER_LONG - 2));
	forged[n++] = f->good[0] | (ULONG_MAX >> (ZT_BITS_PER_LONG / 2));
	while (n < 48)
		forged[n++] = (unsigned long)zt_rand(&rng);

	for (i = 0; i < n; i++) {
		unsigned int g;
		bool real = false;

		for (g = 0; g < GOOD; g++)
			real |= forged[i] == f->good[g];
		if (real || forged[i] == 0)
			continue;
		KUNIT_EXPECT_NULL_MSG(
			test, zs_map_object(f->pool, forged[i], ZS_MM_RO),
			"forged %#lx mapped", forged[i]);
		zs_free(f->pool, forged[i]);
		zs_unmap_object(f->pool, forged[i]);
		want += 3;
		KUNIT_EXPECT_EQ_MSG(test, f->rep->count, want, "forged %#lx",
				    forged[i]);
	}
	expect_reported(test, f, want, "forged handles");
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(f->pool), f->pages);
}

/* Handle 0 is "no object": freeing it is a quiet no-op, mapping it not. */
static void misuse_handle_zero(struct kunit *test)
{
	struct fixture *f = fixture(test);

	zs_free(f->pool, 0);
	KUNIT_EXPECT_EQ(test, f->rep->count, 0UL);
	KUNIT_EXPECT_NULL(test, zs_map_object(f->pool, 0, ZS_MM_RO));
	expect_reported(test, f, 1, "map of handle 0");
}

/*
 * A handle from another pool, where the same slot is live too: only the
 * pool tag tells them apart.
 */
static void misuse_other_pool(struct kunit *test)
{
	struct fixture *f = fixture(test);
	struct zs_pool *other = zt_pool(test, NULL);
	unsigned long theirs[GOOD];
	unsigned int i;

	for (i = 0; i < GOOD; i++) {
		theirs[i] = zs_malloc(other, good_sizes[i]);
		KUNIT_ASSERT_NE(test, theirs[i], 0UL);
		KUNIT_ASSERT_TRUE(test, zt_write(other, theirs[i],
						 good_sizes[i], 5000 + i));
		KUNIT_EXPECT_NE(test, theirs[i], f->good[i]);
	}
	for (i = 0; i < GOOD; i++) {
		KUNIT_EXPECT_NULL(test,
				  zs_map_object(f->pool, theirs[i], ZS_MM_RO));
		zs_free(f->pool, theirs[i]);
	}
	expect_reported(test, f, 2 * GOOD, "handles of another pool");
	for (i = 0; i < GOOD; i++) {
		KUNIT_EXPECT_TRUE(test,
				  zt_check(other, theirs[i], good_sizes[i],
					   5000 + i, ZS_MM_RO));
		zs_free(other, theirs[i]);
	}
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(other), 0UL);
	KUNIT_EXPECT_EQ(test, zs_pool_check(other), 0);
	KUNIT_EXPECT_EQ(test, f->rep->count, 2UL * GOOD);
}

/* A second map before the first is unmapped, of another or the same. */
static void misuse_nested_map(struct kunit *test)
{
	struct fixture *f = fixture(test);
	void *p;

	p = zs_map_object(f->pool, f->good[3], ZS_MM_RW);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, zs_map_object(f->pool, f->good[5], ZS_MM_RO));
	KUNIT_EXPECT_NULL(test, zs_map_object(f->pool, f->good[3], ZS_MM_RO));
	KUNIT_EXPECT_EQ(test, f->rep->count, 2UL);
	/* the first mapping is still the thread's and works */
	KUNIT_EXPECT_EQ(test, zt_mismatch(p, f->size[3], 1003), f->size[3]);
	zs_unmap_object(f->pool, f->good[3]);
	expect_reported(test, f, 2, "nested map");

	/* and the same with a straddling object held */
	p = zs_map_object(f->pool, f->good[6], ZS_MM_RO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, zs_map_object(f->pool, f->good[7], ZS_MM_WO));
	KUNIT_EXPECT_EQ(test, zt_mismatch(p, f->size[6], 1006), f->size[6]);
	zs_unmap_object(f->pool, f->good[6]);
	expect_reported(test, f, 3, "nested map over a straddling object");
}

static void misuse_unmap_without_map(struct kunit *test)
{
	struct fixture *f = fixture(test);

	zs_unmap_object(f->pool, f->good[0]);
	expect_reported(test, f, 1, "unmap without map");
	/* twice in a row after a real pair */
	KUNIT_ASSERT_NOT_NULL(test,
			      zs_map_object(f->pool, f->good[6], ZS_MM_RO));
	zs_unmap_object(f->pool, f->good[6]);
	zs_unmap_object(f->pool, f->good[6]);
	expect_reported(test, f, 2, "second unmap");
}

/* Unmapping another handle than the one mapped leaves the mapping held. */
static void misuse_unmap_other_handle(struct kunit *test)
{
	struct fixture *f = fixture(test);
	unsigned char *p;

	p = zs_map_object(f->pool, f->good[7], ZS_MM_RW);
	KUNIT_ASSERT_NOT_NULL(test, p);
	zs_unmap_object(f->pool, f->good[8]);
	KUNIT_EXPECT_EQ(test, f->rep->count, 1UL);
	/* still mapped: the write lands when the right handle is unmapped */
	p[0] ^= 0xff;
	zs_unmap_object(f->pool, f->good[7]);
	KUNIT_EXPECT_EQ(test, f->rep->count, 1UL);
	p = zs_map_object(f->pool, f->good[7], ZS_MM_RW);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p[0] ^= 0xff;
	zs_unmap_object(f->pool, f->good[7]);
	expect_reported(test, f, 1, "unmap of another handle");

	/* the same in another pool's name */
	{
		struct zs_pool *other = zt_pool(test, NULL);

		p = zs_map_object(f->pool, f->good[2], ZS_MM_RO);
		KUNIT_ASSERT_NOT_NULL(test, p);
		zs_unmap_object(other, f->good[2]);
		KUNIT_EXPECT_EQ(test, f->rep->count, 2UL);
		zs_unmap_object(f->pool, f->good[2]);
		expect_reported(test, f, 2, "unmap through another pool");
	}
}

/* Too large or empty: 0, nothing taken; not worth a report either way. */
static void misuse_bad_sizes(struct kunit *test)
{
	struct fixture *f = fixture(test);

	KUNIT_EXPECT_EQ(test, zs_malloc(f->pool, 4097), 0UL);
	KUNIT_EXPECT_EQ(test, zs_malloc(f->pool, 65536), 0UL);
	KUNIT_EXPECT_EQ(test, zs_malloc(f->pool, SIZE_MAX), 0UL);
	KUNIT_EXPECT_EQ(test, zs_malloc(f->pool, SIZE_MAX / 2 + 1), 0UL);
	KUNIT_EXPECT_EQ(test, zs_malloc(f->pool, 0), 0UL);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(f->pool), f->pages);
	expect_reported(test, f, f->rep->count, "oversized alloc");
}

static void misuse_map_after_free(struct kunit *test)
{
	struct fixture *f = fixture(test);
	unsigned long h = zs_malloc(f->pool, 3072);

	KUNIT_ASSERT_NE(test, h, 0UL);
	KUNIT_ASSERT_TRUE(test, zt_write(f->pool, h, 3072, 9));
	zs_free(f->pool, h);
	KUNIT_EXPECT_NULL(test, zs_map_object(f->pool, h, ZS_MM_RO));
	KUNIT_EXPECT_NULL(test, zs_map_object(f->pool, h, ZS_MM_WO));
	/* nothing is mapped now, so this unmap is reported too */
	zs_unmap_object(f->pool, h);
	expect_reported(test, f, 3, "map after free");
}

/* ---- forked children: what cannot be survived in-process ---- */

/*
 * Run fn in a child with stderr captured; returns its wait status and
 * fills out with what it printed.
 */
static int run_child(void (*fn)(void *), void *arg, char *out, size_t cap)
{
	int fds[2], status = 0;
	size_t len = 0;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		fn(arg);
		_exit(0); /* surviving is the failure the parent looks for */
	}
	close(fds[1]);
	for (;;) {
		char sink[512];
		ssize_t r;

		if (len + 1 < cap)
			r = read(fds[0], out + len, cap - 1 - len);
		else
			r = read(fds[0], sink, sizeof(sink));
		if (r <= 0)
			break;
		if (len + 1 < cap)
			len += (size_t)r;
	}
	out[len] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static void child_double_free(void *arg)
{
	struct zs_pool *pool;
	unsigned long h;

	(void)arg;
	zs_set_report_handler(NULL, NULL);
	pool = zs_create_pool("child");
	if (!pool)
		_exit(3);
	h = zs_malloc(pool, 100);
	zs_free(pool, h);
	zs_free(pool, h);
}

static void child_nested_map(void *arg)
{
	struct zs_pool *pool;
	unsigned long a, b;

	(void)arg;
	zs_set_report_handler(NULL, NULL);
	pool = zs_create_pool("child");
	if (!pool)
		_exit(3);
	a = zs_malloc(pool, 100);
	b = zs_malloc(pool, 100);
	if (!zs_map_object(pool, a, ZS_MM_RO))
		_exit(4);
	zs_map_object(pool, b, ZS_MM_RO);
}

static bool has_line_prefix(const char *text, const char *prefix)
{
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return true;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/* With no handler, a misuse prints "zsmalloc: ..." and aborts. */
static void misuse_default_aborts(struct kunit *test)
{
	void (*const fns[])(void *) = {child_double_free, child_nested_map};
	char *out = kunit_kzalloc(test, 65536, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, out);
	for (i = 0; i < 2; i++) {
		int st = run_child(fns[i], NULL, out, 65536);
		bool aborted = WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;

		KUNIT_ASSERT_NE(test, st, -1);
		KUNIT_EXPECT_TRUE_MSG(test, aborted, "child %u: status %#x", i,
				      st);
		KUNIT_EXPECT_TRUE_MSG(test, has_line_prefix(out, "zsmalloc: "),
				      "child %u printed: %.300s", i, out);
	}
}

/* ---- access after unmap under ASan ---- */

struct late_touch {
	size_t size;
	unsigned int victim; /* which of the four objects to touch */
	bool write;
};

static void child_touch_after_unmap(void *arg)
{
	const struct late_touch *t = arg;
	struct zs_pool *pool = zs_create_pool("child");
	unsigned long h[4];
	volatile unsigned char *p;
	unsigned int i;

	if (!pool)
		_exit(3);
	for (i = 0; i < 4; i++) {
		h[i] = zs_malloc(pool, t->size);
		if (!h[i] || !zt_write(pool, h[i], t->size, i))
			_exit(4);
	}
	p = zs_map_object(pool, h[t->victim], t->write ? ZS_MM_RW : ZS_MM_RO);
	if (!p)
		_exit(5);
	zs_unmap_object(pool, h[t->victim]);
	/* the bug under test: a pointer kept past its unmap */
	if (t->write)
		p[t->size / 2] = 1;
	else
		(void)p[t->size / 2];
	_exit(6);
}

/*
 * 4096-byte objects lie inside one page; of four 3072-byte objects (three
 * pages) the middle two straddle a boundary and come from the area.
 */
static const struct late_touch touches[] = {
	{4096, 0, false}, {4096, 1, true},  {3072, 0, false}, {3072, 1, false},
	{3072, 2, true},  {3072, 3, false}, {100, 3, true},
};

static void touch_desc(const struct late_touch *t, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu object %u %s", t->size,
		 t->victim, t->write ? "write" : "read");
}

KUNIT_ARRAY_PARAM(touch, touches, touch_desc);

static void misuse_access_after_unmap(struct kunit *test)
{
	const struct late_touch *t = test->param_value;
	bool survived, died;
	char *out;
	int st;

	if (!ZT_ASAN)
		kunit_skip(test, "needs AddressSanitizer");
	out = kunit_kzalloc(test, 65536, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, out);
	st = run_child(child_touch_after_unmap, (void *)t, out, 65536);
	KUNIT_ASSERT_NE(test, st, -1);
	survived = WIFEXITED(st) && WEXITSTATUS(st) == 6;
	died = WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0);
	KUNIT_EXPECT_FALSE_MSG(test, survived,
			       "touch after unmap went unnoticed");
	KUNIT_EXPECT_TRUE_MSG(test, died, "status %#x", st);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(out, "AddressSanitizer"),
				  "child printed: %.300s", out);
}

/* ---- uninitialized bytes under MSan ---- */

struct uninit_read {
	size_t size;
	unsigned int victim;
	bool fresh; /* never written; else written once, then mapped WO */
};

static void child_read_uninit(void *arg)
{
	const struct uninit_read *u = arg;
	struct zs_pool *pool = zs_create_pool("child");
	unsigned long h[4];
	unsigned char *p;
	unsigned int i;

	if (!pool)
		_exit(3);
	for (i = 0; i < 4; i++) {
		h[i] = zs_malloc(pool, u->size);
		if (!h[i] || (!u->fresh && !zt_write(pool, h[i], u->size, i)))
			_exit(4);
	}
	p = zs_map_object(pool, h[u->victim], u->fresh ? ZS_MM_RO : ZS_MM_WO);
	if (!p)
		_exit(5);
	/* a branch on bytes nobody wrote (in this mapping) */
	if (p[u->size / 2] == 0x5a)
		_exit(7);
	_exit(6);
}

/*
 * A fresh object's bytes are uninitialized; so is a WO mapping of an
 * object straddling pages (the area is not filled for WO).
 */
static const struct uninit_read uninit_reads[] = {
	{100, 0, true},	  {4096, 0, true},  {3072, 1, true},
	{3072, 1, false}, {3072, 2, false},
};

static void uninit_desc(const struct uninit_read *u, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu object %u %s", u->size,
		 u->victim, u->fresh ? "fresh RO" : "WO after write");
}

KUNIT_ARRAY_PARAM(uninit, uninit_reads, uninit_desc);

static void misuse_uninitialized_read(struct kunit *test)
{
	const struct uninit_read *u = test->param_value;
	bool survived;
	char *out;
	int st;

	if (!ZT_MSAN)
		kunit_skip(test, "needs MemorySanitizer");
	out = kunit_kzalloc(test, 65536, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, out);
	st = run_child(child_read_uninit, (void *)u, out, 65536);
	KUNIT_ASSERT_NE(test, st, -1);
	survived =
		WIFEXITED(st) && (WEXITSTATUS(st) == 6 || WEXITSTATUS(st) == 7);
	KUNIT_EXPECT_FALSE_MSG(test, survived,
			       "uninitialized read went unnoticed (%#x)", st);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(out, "MemorySanitizer"),
				  "child printed: %.300s", out);
}

static struct kunit_case misuse_cases[] = {
	KUNIT_CASE(misuse_double_free),
	KUNIT_CASE(misuse_stale_handle_reused),
	KUNIT_CASE(misuse_forged_handles),
	KUNIT_CASE(misuse_handle_zero),
	KUNIT_CASE(misuse_other_pool),
	KUNIT_CASE(misuse_nested_map),
	KUNIT_CASE(misuse_unmap_without_map),
	KUNIT_CASE(misuse_unmap_other_handle),
	KUNIT_CASE(misuse_bad_sizes),
	KUNIT_CASE(misuse_map_after_free),
	KUNIT_CASE(misuse_default_aborts),
	KUNIT_CASE_PARAM(misuse_access_after_unmap, touch_gen_params),
	KUNIT_CASE_PARAM(misuse_uninitialized_read, uninit_gen_params),
	{}};

static struct kunit_suite misuse_suite = {
	.name = "zs_misuse",
	.test_cases = misuse_cases,
};

kunit_test_suite(misuse_suite);
