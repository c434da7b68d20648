// SPDX-License-Identifier: MIT
/*
 * Suites that fail on purpose. ktap_check.py runs this program and compares
 * its KTAP with golden/fail_demo.ktap and its markers with
 * golden/fail_demo.markers; it is never run as a test on its own.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <kunit/test.h>

#include "markers.h"

static int evaluations;

static int count_evaluation(int value)
{
	evaluations++;
	return value;
}

/* A failing EXPECT reports and goes on; later checks still run. */
static void expect_failure_continues(struct kunit *test)
{
	int three = 3;

	KUNIT_EXPECT_EQ(test, 1 + 1, three);
	KUNIT_EXPECT_EQ(test, three, 3);
	KUNIT_EXPECT_LT(test, three, -1);
	kunit_info(test, "still running after two failed expectations");
}

/* Every comparison prints both expressions and both values. */
static void expect_every_form_fails(struct kunit *test)
{
	static const u8 left[20] = {1,	2,  3,	4,  5,	6,  7,	8,  9,	10,
				    11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
	u8 right[20];
	const char *name = "alpha";
	void *ptr = (void *)0x1000;
	long big = -7;
	unsigned int u = 5;

	memcpy(right, left, sizeof(right));
	right[2] = 0xff;
	right[17] = 0;
	KUNIT_EXPECT_TRUE(test, u == 4);
	KUNIT_EXPECT_FALSE(test, u == 5);
	KUNIT_EXPECT_NE(test, u, 5);
	KUNIT_EXPECT_LE(test, u, 4);
	KUNIT_EXPECT_GT(test, big, 0);
	KUNIT_EXPECT_GE(test, big, u);
	KUNIT_EXPECT_PTR_EQ(test, ptr, NULL);
	KUNIT_EXPECT_PTR_NE(test, ptr, ptr);
	KUNIT_EXPECT_NULL(test, ptr);
	KUNIT_EXPECT_NOT_NULL(test, NULL);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, NULL);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, ERR_PTR(-ENOMEM));
	KUNIT_EXPECT_STREQ(test, name, "beta");
	KUNIT_EXPECT_STRNEQ(test, name, "alpha");
	KUNIT_EXPECT_MEMEQ(test, left, right, sizeof(left));
	KUNIT_EXPECT_MEMNEQ(test, left, left, 4);
	KUNIT_EXPECT_MEMEQ(test, left, NULL, 4);
}

/* Each _MSG form adds its formatted text under the report. */
static void expect_msg_forms_fail(struct kunit *test)
{
	void *p = (void *)0x2000;
	const char *s = "x";
	int v = 2;

	KUNIT_EXPECT_TRUE_MSG(test, v == 3, "v is %d", v);
	KUNIT_EXPECT_FALSE_MSG(test, v == 2, "false msg");
	KUNIT_EXPECT_EQ_MSG(test, v, 3, "eq msg %s", "here");
	KUNIT_EXPECT_NE_MSG(test, v, 2, "ne msg");
	KUNIT_EXPECT_LT_MSG(test, v, 1, "lt msg");
	KUNIT_EXPECT_LE_MSG(test, v, 1, "le msg");
	KUNIT_EXPECT_GT_MSG(test, v, 9, "gt msg");
	KUNIT_EXPECT_GE_MSG(test, v, 9, "ge msg");
	KUNIT_EXPECT_PTR_EQ_MSG(test, p, NULL, "ptr_eq msg");
	KUNIT_EXPECT_PTR_NE_MSG(test, p, p, "ptr_ne msg");
	KUNIT_EXPECT_NULL_MSG(test, p, "null msg");
	KUNIT_EXPECT_NOT_NULL_MSG(test, NULL, "not_null msg");
	KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(test, ERR_PTR(-EINVAL), "err msg");
	KUNIT_EXPECT_STREQ_MSG(test, s, "y", "streq msg");
	KUNIT_EXPECT_STRNEQ_MSG(test, s, "x", "strneq msg");
	KUNIT_EXPECT_MEMEQ_MSG(test, s, "y", 1, "memeq msg");
	KUNIT_EXPECT_MEMNEQ_MSG(test, s, "x", 1, "memneq msg");
	KUNIT_FAIL(test, "KUNIT_FAIL says %d", 42);
}

/* Operands with side effects are evaluated exactly once, pass or fail. */
static void operands_evaluated_once(struct kunit *test)
{
	evaluations = 0;
	KUNIT_EXPECT_EQ(test, count_evaluation(1), count_evaluation(2));
	KUNIT_EXPECT_EQ(test, evaluations, 2);
}

static void action_marker(void *text)
{
	marker("%s", (const char *)text);
}

static void assert_action(void *test)
{
	marker("action that asserts: before");
	KUNIT_ASSERT_TRUE(test, false);
	marker("action that asserts: after (must not appear)");
}

/*
 * A failing ASSERT ends the case; the deferred actions still run, newest
 * first, and an ASSERT inside one action does not stop the others.
 */
static void assert_failure_runs_cleanup(struct kunit *test)
{
	char *managed = kunit_kmalloc(test, 64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, managed);
	kunit_add_action(test, action_marker, "cleanup 1 (added first)");
	kunit_add_action(test, assert_action, test);
	kunit_add_action(test, action_marker, "cleanup 3 (added last)");
	marker("before the failing assert");
	KUNIT_ASSERT_EQ(test, 1, 2);
	marker("after the failing assert (must not appear)");
}

static void assert_msg_forms_fail(struct kunit *test)
{
	KUNIT_ASSERT_EQ_MSG(test, 5, 6, "assert msg %d", 7);
	marker("after ASSERT_EQ_MSG (must not appear)");
}

static void assert_failure_macro(struct kunit *test)
{
	KUNIT_ASSERT_FAILURE(test, "gave up");
	marker("after KUNIT_ASSERT_FAILURE (must not appear)");
}

static void passes_between_failures(struct kunit *test)
{
	KUNIT_SUCCEED(test);
}

static struct kunit_case expectation_cases[] = {
	KUNIT_CASE(expect_failure_continues),
	KUNIT_CASE(expect_every_form_fails),
	KUNIT_CASE(expect_msg_forms_fail),
	KUNIT_CASE(operands_evaluated_once),
	KUNIT_CASE(passes_between_failures),
	{}};

static struct kunit_case assertion_cases[] = {
	KUNIT_CASE(assert_failure_runs_cleanup),
	KUNIT_CASE(assert_msg_forms_fail),
	KUNIT_CASE(assert_failure_macro),
	{}};

static struct kunit_suite expectation_suite = {
	.name = "failing_expectations",
	.test_cases = expectation_cases,
};

static struct kunit_suite assertion_suite = {
	.name = "failing_assertions",
	.test_cases = assertion_cases,
};

/* --- crashes: reported as not ok, and the following cases still run --- */

static void crash_by_abort(struct kunit *test)
{
	kunit_info(test, "about to abort");
	abort();
}

static void crash_by_sigsegv(struct kunit *test)
{
	(void)test;
	/* The default action, whatever a sanitizer installed. */
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
}

static void crash_by_exit_status(struct kunit *test)
{
	(void)test;
	_exit(3);
}

static void runs_after_crashes(struct kunit *test)
{
	marker("case after the crashes ran");
	KUNIT_EXPECT_EQ(test, 1, 1);
}

static void kfree_of_foreign_pointer(struct kunit *test)
{
	int local = 0;

	kunit_kfree(test, &local);
}

static struct kunit_case crash_cases[] = {
	KUNIT_CASE(crash_by_abort),	      KUNIT_CASE(crash_by_sigsegv),
	KUNIT_CASE(crash_by_exit_status),     KUNIT_CASE(runs_after_crashes),
	KUNIT_CASE(kfree_of_foreign_pointer), {}};

static struct kunit_suite crash_suite = {
	.name = "crashing_cases",
	.test_cases = crash_cases,
};

kunit_test_suites(&expectation_suite, &assertion_suite, &crash_suite);
