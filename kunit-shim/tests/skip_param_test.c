// SPDX-License-Identifier: MIT
/*
 * Skips, parameters, slow cases, hooks and their order, test->priv, and
 * init failures. ktap_check.py compares the output with
 * golden/skip_param.ktap and the hook order with golden/skip_param.markers.
 */
#include <kunit/test.h>

#include "markers.h"

/* kunit_skip stops the case at once. */
static void skip_stops_the_case(struct kunit *test)
{
	kunit_skip(test, "skipped with kunit_skip (%d)", 1);
	KUNIT_FAIL(test, "reached code after kunit_skip");
}

/* kunit_mark_skipped records the skip and lets the case go on. */
static void mark_skipped_goes_on(struct kunit *test)
{
	kunit_mark_skipped(test, "marked skipped");
	kunit_info(test, "still running after kunit_mark_skipped");
}

struct sample {
	int value;
	const char *label;
};

static const struct sample samples[] = {
	{1, "one"},
	{2, "two"},
	{3, "three"},
};

static void sample_to_desc(const struct sample *s, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "value %d", s->value);
}

KUNIT_ARRAY_PARAM(samples_get_desc, samples, sample_to_desc);
KUNIT_ARRAY_PARAM(samples_no_desc, samples, NULL);
KUNIT_ARRAY_PARAM_DESC(samples_member_desc, samples, label);

/* Passes for every parameter; param_index counts from 0. */
static void param_value_reaches_case(struct kunit *test)
{
	const struct sample *s = test->param_value;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->value, test->param_index + 1);
}

/* Fails for value 2, skips value 3: the case fails. */
static void param_mixed_results(struct kunit *test)
{
	const struct sample *s = test->param_value;

	if (s->value == 3)
		kunit_skip(test, "three is skipped");
	KUNIT_EXPECT_NE(test, s->value, 2);
}

/* All parameters skip: the case is skipped. */
static void param_all_skipped(struct kunit *test)
{
	kunit_skip(test, "nothing to do for %d",
		   ((const struct sample *)test->param_value)->value);
}

static const void *no_params(const void *prev, char *desc)
{
	(void)prev;
	(void)desc;
	return NULL;
}

static void never_called(struct kunit *test)
{
	KUNIT_FAIL(test, "a case without parameters ran");
}

static void slow_case(struct kunit *test)
{
	KUNIT_SUCCEED(test);
}

static struct kunit_case skip_cases[] = {
	KUNIT_CASE(skip_stops_the_case), KUNIT_CASE(mark_skipped_goes_on), {}};

static struct kunit_case param_cases[] = {
	KUNIT_CASE_PARAM(param_value_reaches_case, samples_get_desc_gen_params),
	KUNIT_CASE_PARAM(param_value_reaches_case, samples_no_desc_gen_params),
	KUNIT_CASE_PARAM(param_value_reaches_case,
			 samples_member_desc_gen_params),
	KUNIT_CASE_PARAM(param_mixed_results, samples_member_desc_gen_params),
	KUNIT_CASE_PARAM(param_all_skipped, samples_no_desc_gen_params),
	KUNIT_CASE_PARAM(never_called, no_params),
	KUNIT_CASE_SLOW(slow_case),
	{}};

/* A suite whose every case skips is itself reported "# SKIP". */
static struct kunit_suite skip_suite = {
	.name = "all_skipped",
	.test_cases = skip_cases,
};

static struct kunit_suite param_suite = {
	.name = "parameters",
	.test_cases = param_cases,
};

/* --- hooks: suite_init/exit once in the parent, init/exit per case --- */

struct hook_state {
	int magic;
};

static int hooks_suite_init(struct kunit_suite *suite)
{
	marker("suite_init %s", suite->name);
	return 0;
}

static void hooks_suite_exit(struct kunit_suite *suite)
{
	marker("suite_exit %s", suite->name);
}

static int hooks_init(struct kunit *test)
{
	struct hook_state *state =
		kunit_kzalloc(test, sizeof(*state), GFP_KERNEL);

	if (!state)
		return -ENOMEM;
	state->magic = 0x5a;
	test->priv = state;
	marker("init %s", test->name);
	return 0;
}

static void hooks_exit(struct kunit *test)
{
	marker("exit %s", test->name);
}

static void hook_action(void *test)
{
	marker("action %s", ((struct kunit *)test)->name);
}

static void priv_set_by_init(struct kunit *test)
{
	struct hook_state *state = test->priv;

	marker("run %s", test->name);
	kunit_add_action(test, hook_action, test);
	KUNIT_ASSERT_NOT_NULL(test, state);
	KUNIT_EXPECT_EQ(test, state->magic, 0x5a);
}

static void exit_runs_after_failed_assert(struct kunit *test)
{
	marker("run %s", test->name);
	kunit_add_action(test, hook_action, test);
	KUNIT_ASSERT_TRUE(test, test->priv == NULL);
}

static struct kunit_case hook_cases[] = {
	KUNIT_CASE(priv_set_by_init),
	KUNIT_CASE(exit_runs_after_failed_assert),
	{}};

static struct kunit_suite hook_suite = {
	.name = "hooks",
	.suite_init = hooks_suite_init,
	.suite_exit = hooks_suite_exit,
	.init = hooks_init,
	.exit = hooks_exit,
	.test_cases = hook_cases,
};

/* --- init failures --- */

static int failing_init(struct kunit *test)
{
	marker("failing init %s", test->name);
	return -ENOMEM;
}

static void failing_init_exit(struct kunit *test)
{
	marker("exit after failed init %s", test->name);
}

static void not_run_after_failed_init(struct kunit *test)
{
	marker("case ran despite failed init (must not appear)");
	KUNIT_FAIL(test, "ran despite failed init");
}

static struct kunit_case init_failure_cases[] = {
	KUNIT_CASE(not_run_after_failed_init), {}};

static struct kunit_suite init_failure_suite = {
	.name = "case_init_fails",
	.init = failing_init,
	.exit = failing_init_exit,
	.test_cases = init_failure_cases,
};

static int failing_suite_init(struct kunit_suite *suite)
{
	marker("failing suite_init %s", suite->name);
	return -EIO;
}

static struct kunit_suite suite_init_failure_suite = {
	.name = "suite_init_fails",
	.suite_init = failing_suite_init,
	.test_cases = init_failure_cases,
};

/* Two registrations in one file: both run, in this order. */
kunit_test_suites(&skip_suite, &param_suite);
kunit_test_suites(&hook_suite, &init_failure_suite, &suite_init_failure_suite);
