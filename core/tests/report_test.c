// SPDX-License-Identifier: MIT
/*
 * Reports: the default prints "zsmalloc: <what>: <details>" on stderr and
 * aborts; a handler records instead; the count covers both; refused pool
 * configs print a message and make no report.
 */
#include "zs_test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/report.h"
#include "zbud.h"
#include "zpool.h"

static void report_handler_records(struct kunit *test)
{
	unsigned long before = zs_report_count();
	struct zt_reports *rep = zt_record_reports(test);

	zs_report("unit", "value %d", 42);
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
	KUNIT_EXPECT_STREQ(test, rep->what, "unit");
	KUNIT_EXPECT_STREQ(test, rep->details, "value 42");
	KUNIT_EXPECT_EQ(test, zs_report_count(), before + 1);
}

/* Read what fd holds until EOF, NUL-terminated. */
static void read_all(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
}

/* The default handler, in a child: message on stderr, then abort. */
static void report_default_prints_and_aborts(struct kunit *test)
{
	char out[4096];
	int fds[2], status = 0;
	pid_t pid;

	KUNIT_ASSERT_EQ(test, pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	KUNIT_ASSERT_GE(test, pid, 0);
	if (pid == 0) {
		struct zs_pool *pool;

		dup2(fds[1], 2);
		close(fds[0]);
		zs_set_report_handler(NULL, NULL);
		pool = zs_create_pool("child");
		zs_free(pool, 0x5a5a5a5ul); /* forged: reported, aborts */
		_exit(0);
	}
	close(fds[1]);
	read_all(fds[0], out, sizeof(out));
	close(fds[0]);
	KUNIT_ASSERT_EQ(test, waitpid(pid, &status, 0), pid);
	KUNIT_EXPECT_TRUE(test, WIFSIGNALED(status));
	if (WIFSIGNALED(status))
		KUNIT_EXPECT_EQ(test, WTERMSIG(status), SIGABRT);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(out, "zsmalloc: zs_free: "),
				  "stderr: %s", out);
}

/* A refused config: a "zsmalloc: " line on stderr, NULL, no report. */
static void report_refused_config_prints(struct kunit *test)
{
	struct zs_pool_config bad = {.page_size = 3000};
	unsigned long before = zs_report_count();
	char path[] = "/tmp/zs_report_test_XXXXXX";
	char out[1024];
	int fd, saved;

	fd = mkstemp(path);
	KUNIT_ASSERT_GE(test, fd, 0);
	unlink(path);
	fflush(stderr);
	saved = dup(2);
	KUNIT_ASSERT_GE(test, saved, 0);
	dup2(fd, 2);
	KUNIT_EXPECT_NULL(test, zs_create_pool_config("bad", &bad));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	read_all(fd, out, sizeof(out));
	close(fd);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(out, "zsmalloc: pool bad: "),
				  "stderr: %s", out);
	KUNIT_EXPECT_NOT_NULL(test, strstr(out, "3000"));
	KUNIT_EXPECT_EQ(test, zs_report_count(), before);
}

/* With a handler the faulty call does nothing: the pool stays whole. */
static void report_misuse_then_consistent(struct kunit *test)
{
	struct zs_pool *pool = zt_pool_geo(test, 16384, 8, 0);
	struct zs_pool *other = zt_pool_geo(test, 16384, 8, 0);
	struct zt_reports *rep = zt_record_reports(test);
	unsigned long h = zs_malloc(pool, 5000);
	unsigned long g = zs_malloc(other, 5000);
	unsigned long h2;

	KUNIT_ASSERT_NE(test, h, 0ul);
	KUNIT_ASSERT_NE(test, g, 0ul);
	KUNIT_ASSERT_TRUE(test, zt_write(pool, h, 5000, 1));
	zs_free(pool, g); /* another pool's handle */
	KUNIT_EXPECT_EQ(test, rep->count, 1ul);
	zs_free(pool, h);
	zs_free(pool, h); /* double free */
	KUNIT_EXPECT_EQ(test, rep->count, 2ul);
	h2 = zs_malloc(pool, 5000); /* reuses h's slot */
	KUNIT_ASSERT_NE(test, h2, 0ul);
	KUNIT_EXPECT_NE(test, h2, h);
	KUNIT_EXPECT_NULL(test, zs_map_object(pool, h, ZS_MM_RO)); /* stale */
	KUNIT_EXPECT_EQ(test, rep->count, 3ul);
	KUNIT_EXPECT_NULL(test, zs_map_object(pool, h2 + 1, ZS_MM_RO));
	KUNIT_EXPECT_EQ(test, rep->count, 4ul);
	KUNIT_EXPECT_EQ(test, zs_pool_check(pool), 0);
	KUNIT_EXPECT_EQ(test, zs_pool_check(other), 0);
	zs_free(pool, h2);
	zs_free(other, g);
	KUNIT_EXPECT_EQ(test, rep->count, 4ul);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0ul);
}

static void restore_notice_handler(void *unused)
{
	(void)unused;
	zs_set_notice_handler(NULL, NULL);
}

/*
 * A notice handler gets each refusal once, with who refused and why, and
 * nothing reaches stderr or the report count; a pool that is made gives
 * no notice.
 */
static void notice_handler_gets_refusals(struct kunit *test)
{
	struct zs_pool_config bad = {.page_size = 3000};
	struct zbud_config bad_zbud = {.page_size = 12288};
	struct zt_reports *got = kunit_kzalloc(test, sizeof(*got), GFP_KERNEL);
	unsigned long reports = zs_report_count();
	struct zs_pool *pool;

	KUNIT_ASSERT_NOT_NULL(test, got);
	zs_set_notice_handler(zt_record_report, got);
	KUNIT_ASSERT_EQ(
		test, 0,
		kunit_add_action_or_reset(test, restore_notice_handler, NULL));
	KUNIT_EXPECT_NULL(test, zs_create_pool_config("bad", &bad));
	KUNIT_EXPECT_EQ(test, got->count, 1ul);
	KUNIT_EXPECT_STREQ(test, got->what, "pool bad");
	KUNIT_EXPECT_NOT_NULL(test, strstr(got->details, "3000"));
	KUNIT_EXPECT_NULL(test, zbud_create_pool(&bad_zbud));
	KUNIT_EXPECT_EQ(test, got->count, 2ul);
	KUNIT_EXPECT_STREQ(test, got->what, "zbud");
	KUNIT_EXPECT_NOT_NULL(test, strstr(got->details, "12288"));
	KUNIT_EXPECT_NULL(test, zpool_create_pool("no-such%s", "x", NULL));
	KUNIT_EXPECT_EQ(test, got->count, 3ul);
	KUNIT_EXPECT_STREQ(test, got->what, "zpool");
	KUNIT_EXPECT_STREQ(test, got->details,
			   "no backend of type \"no-such%s\"");
	pool = zs_create_pool("fine");
	KUNIT_ASSERT_NOT_NULL(test, pool);
	zs_destroy_pool(pool);
	KUNIT_EXPECT_EQ(test, got->count, 3ul);
	KUNIT_EXPECT_EQ(test, zs_report_count(), reports);
}

static struct kunit_case report_cases[] = {
	KUNIT_CASE(report_handler_records),
	KUNIT_CASE(report_default_prints_and_aborts),
	KUNIT_CASE(report_refused_config_prints),
	KUNIT_CASE(report_misuse_then_consistent),
	KUNIT_CASE(notice_handler_gets_refusals),
	{}};

static struct kunit_suite report_suite = {
	.name = "report",
	.test_cases = report_cases,
};
kunit_test_suite(report_suite);
