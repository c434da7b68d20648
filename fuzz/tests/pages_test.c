// SPDX-License-Identifier: MIT
/*
 * The fuzzers' page provider (fuzz/common/pages.c), built here with a
 * table of 64 pages so that addresses share probe chains: the pages it
 * counts as out follow every alloc_page and free_page in any order, and a
 * free of a page it never gave ends the run. Under ASan, the check that
 * no pool byte is open while nothing is held passes on a pool after
 * writes, frees, a compaction and a migration, and ends the run when one
 * object is still mapped, or when one byte of an object was opened by
 * hand after its unmap.
 */
#include <kunit/test.h>

#include <fcntl.h>
#include <sanitizer/asan_interface.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pages.h"
#include "zsmalloc.h"

#define TABLE 64 /* ZS_FUZZ_LIVE_MAX of this build (CMakeLists.txt) */

static const size_t page_sizes[] = {4096, 16384, 65536};

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct held {
	void *p;
	size_t size;
};

static void give_back(struct held *h, unsigned int *n, unsigned int i)
{
	zs_recycling_pages.free_page(NULL, h[i].p, h[i].size);
	h[i] = h[--*n];
}

/*
 * Up to a full table of pages at once, taken and given back at random
 * (every size), with the count checked after each step.
 */
static void registry_follows_every_page(struct kunit *test)
{
	struct held h[TABLE];
	unsigned int n = 0, base = zs_fuzz_pages_out();
	uint64_t seed = 0x2545f4914f6cdd1dull;

	KUNIT_ASSERT_EQ(test, base, 0u);
	for (int step = 0; step < 20000; step++) {
		uint64_t r = next_rand(&seed);

		/* grow towards a full table, then churn at it */
		if (n < TABLE && (n == 0 || r % 8 < 5)) {
			h[n].size = page_sizes[(r >> 8) % 3];
			h[n].p = zs_recycling_pages.alloc_page(NULL, h[n].size);
			KUNIT_ASSERT_NOT_NULL(test, h[n].p);
			n++;
		} else {
			give_back(h, &n, (unsigned int)((r >> 16) % n));
		}
		if (zs_fuzz_pages_out() != n) {
			KUNIT_FAIL(test, "step %d: %u pages out, counted %u",
				   step, n, zs_fuzz_pages_out());
			break;
		}
	}
	while (n)
		give_back(h, &n, (unsigned int)(next_rand(&seed) % n));
	KUNIT_EXPECT_EQ(test, zs_fuzz_pages_out(), 0u);
}

/* Runs fn in a child with stderr muted: the signal that ended it, or 0. */
static int child_signal(struct kunit *test, void (*fn)(void))
{
	int status = 0;
	pid_t pid = fork();

	KUNIT_ASSERT_TRUE(test, pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDERR_FILENO);
		fn();
		_exit(0);
	}
	KUNIT_ASSERT_EQ(test, waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	KUNIT_EXPECT_TRUE(test, WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}

static void free_a_page_never_given(void)
{
	static _Alignas(4096) char not_ours[4096];

	zs_recycling_pages.free_page(NULL, not_ours, sizeof(not_ours));
}

static void free_of_unknown_page_fails(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, child_signal(test, free_a_page_never_given),
			SIGABRT);
	KUNIT_EXPECT_EQ(test, zs_fuzz_pages_out(), 0u);
}

static struct zs_pool *fuzz_pool(size_t page_size)
{
	struct zs_pool_config cfg = {.page_size = page_size,
				     .pages = &zs_recycling_pages};

	return zs_create_pool_config("pages_test", &cfg);
}

/* A pool of every kind of use, nothing held at the end: objects written
 * whole and in part, read, some freed, compacted, one page migrated. */
static struct zs_pool *used_pool(unsigned long *h, unsigned int n)
{
	struct zs_pool *pool = fuzz_pool(4096);
	unsigned char buf[3000];

	if (!pool)
		return NULL;
	memset(buf, 0x5a, sizeof(buf));
	for (unsigned int i = 0; i < n; i++) {
		size_t size = 40 + (i % 4) * 700; /* four classes */

		h[i] = zs_malloc(pool, size);
		if (!h[i])
			return NULL;
		if (i % 2) {
			zs_obj_write(pool, h[i], buf, size);
		} else {
			void *p = zs_map_object(pool, h[i], ZS_MM_WO);

			memset(p, (int)i, size);
			zs_unmap_object(pool, h[i]);
		}
	}
	for (unsigned int i = 0; i < n; i += 3) {
		zs_free(pool, h[i]);
		h[i] = 0;
	}
	zs_compact(pool);
	for (unsigned int i = 0; i < n; i++) {
		if (h[i]) {
			zs_page_migrate(pool, zs_handle_pfn(pool, h[i]));
			break;
		}
	}
	return pool;
}

static void free_pool(struct zs_pool *pool, unsigned long *h, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (h[i])
			zs_free(pool, h[i]);
	zs_destroy_pool(pool);
}

#define NR_OBJS 40 /* about 20 pages of 4 KiB: within the test's table */

static void closed_pool_passes(struct kunit *test)
{
	unsigned long h[NR_OBJS];
	struct zs_pool *pool = used_pool(h, NR_OBJS);

	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_EXPECT_EQ(test, (unsigned long)zs_fuzz_pages_out(),
			zs_get_total_pages(pool));
	zs_fuzz_pages_check_closed("pages_test"); /* ends the run if not */
	free_pool(pool, h, NR_OBJS);
	KUNIT_EXPECT_EQ(test, zs_fuzz_pages_out(), 0u);
}

static void check_with_one_object_mapped(void)
{
	unsigned long h[NR_OBJS];
	struct zs_pool *pool = used_pool(h, NR_OBJS);

	if (!pool || !zs_map_object(pool, h[1], ZS_MM_RO))
		_exit(2);
	zs_fuzz_pages_check_closed("pages_test: mapped");
}

static void check_with_one_byte_opened(void)
{
	unsigned long h[NR_OBJS];
	struct zs_pool *pool = used_pool(h, NR_OBJS);
	unsigned char *p;

	if (!pool)
		_exit(2);
	/* h[1]'s bytes, then its first byte opened by hand after the unmap */
	p = zs_map_object(pool, h[1], ZS_MM_RO);
	zs_unmap_object(pool, h[1]);
	zs_fuzz_pages_check_closed("pages_test: before");
	ASAN_UNPOISON_MEMORY_REGION(p, 1);
	zs_fuzz_pages_check_closed("pages_test: one byte");
}

static void open_bytes_fail(struct kunit *test)
{
	if (!zs_fuzz_pages_check_is_real())
		kunit_skip(test,
			   "not an ASan build: the check looks at nothing");
	KUNIT_EXPECT_EQ(test, child_signal(test, check_with_one_object_mapped),
			SIGABRT);
	KUNIT_EXPECT_EQ(test, child_signal(test, check_with_one_byte_opened),
			SIGABRT);
}

static struct kunit_case fuzz_pages_cases[] = {
	KUNIT_CASE(registry_follows_every_page),
	KUNIT_CASE(free_of_unknown_page_fails),
	KUNIT_CASE(closed_pool_passes),
	KUNIT_CASE(open_bytes_fail),
	{}};

static struct kunit_suite fuzz_pages_suite = {
	.name = "fuzz_pages",
	.test_cases = fuzz_pages_cases,
};
kunit_test_suite(fuzz_pages_suite);
