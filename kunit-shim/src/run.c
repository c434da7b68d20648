// SPDX-License-Identifier: MIT
/*
 * The runner: walks the selected suites and prints KTAP version 1 as the
 * kernel's KUnit does. Each case (each parameter of a parameterised case)
 * runs in a forked child by default, so a crash becomes a "not ok" result
 * and the remaining cases still run. suite_init/suite_exit run once per
 * suite in the parent; init/exit and the deferred actions run in the child
 * around the case.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kunit_internal.h"

struct kunit_stats {
	unsigned long passed, failed, skipped, total;
};

static void stats_add(struct kunit_stats *stats, enum kunit_status status)
{
	stats->total++;
	if (status == KUNIT_SUCCESS)
		stats->passed++;
	else if (status == KUNIT_FAILURE)
		stats->failed++;
	else
		stats->skipped++;
}

static void stats_merge(struct kunit_stats *into,
			const struct kunit_stats *from)
{
	into->passed += from->passed;
	into->failed += from->failed;
	into->skipped += from->skipped;
	into->total += from->total;
}

void kunit_print_line(int level, const char *fmt, ...)
{
	va_list ap;

	printf("%*s", 4 * level, "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	/* A child may crash right after; what it printed must be out. */
	fflush(stdout);
}

/* "ok 3 name", "not ok 3 name", "ok 3 name # SKIP reason". */
static void print_result(int level, enum kunit_status status, size_t number,
			 const char *name, const char *comment)
{
	kunit_print_line(level, "%s %zu %s%s%s",
			 status == KUNIT_FAILURE ? "not ok" : "ok", number,
			 name, status == KUNIT_SKIPPED ? " # SKIP " : "",
			 status == KUNIT_SKIPPED ? comment : "");
}

static void print_stats(int level, const char *name,
			const struct kunit_stats *stats)
{
	/* A count of one says nothing its result line does not. */
	if (stats->total <= 1)
		return;
	kunit_print_line(level, "# %s: pass:%lu fail:%lu skip:%lu total:%lu",
			 name, stats->passed, stats->failed, stats->skipped,
			 stats->total);
}

static const char *speed_name(enum kunit_speed speed)
{
	switch (speed) {
	case KUNIT_SPEED_VERY_SLOW:
		return "very_slow";
	case KUNIT_SPEED_SLOW:
		return "slow";
	case KUNIT_SPEED_NORMAL:
		return "normal";
	default:
		return NULL;
	}
}

static void print_case_attributes(const struct kunit_case *kcase)
{
	const char *speed = speed_name(kcase->attr.speed);

	if (speed)
		kunit_print_line(1, "# %s.speed: %s", kcase->name, speed);
}

/* --- running one case body, in whatever process we are in --- */

static void call_guarded(struct kunit *test, void (*fn)(struct kunit *))
{
	jmp_buf env;

	test->abort_point = &env;
	if (setjmp(env) == 0)
		fn(test);
	test->abort_point = NULL;
}

/* The case and suite being run; setjmp forbids passing them in locals. */
static const struct kunit_suite *current_suite;
static const struct kunit_case *current_case;

static void init_and_run(struct kunit *test)
{
	if (current_suite->init) {
		int err = current_suite->init(test);

		if (err) {
			kunit_err(test, "failed to initialize: %d", err);
			kunit_set_failure(test);
			return;
		}
	}
	current_case->run_case(test);
}

static void run_exit(struct kunit *test)
{
	if (current_suite->exit)
		current_suite->exit(test);
}

/* As the kernel: exit runs even after a failed init or ASSERT, then the
 * deferred actions, newest first. */
static void run_case_here(struct kunit *test)
{
	call_guarded(test, init_and_run);
	call_guarded(test, run_exit);
	kunit_cleanup(test);
}

/* --- isolation in a child process --- */

struct case_outcome {
	enum kunit_status status;
	char comment[KUNIT_STATUS_COMMENT_SIZE];
};

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGABRT:
		return "SIGABRT";
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	case SIGFPE:
		return "SIGFPE";
	case SIGILL:
		return "SIGILL";
	case SIGTRAP:
		return "SIGTRAP";
	case SIGKILL:
		return "SIGKILL";
	case SIGTERM:
		return "SIGTERM";
	case SIGALRM:
		return "SIGALRM";
	case SIGPIPE:
		return "SIGPIPE";
	default:
		return "unknown signal";
	}
}

static bool read_outcome(int fd, struct case_outcome *outcome)
{
	char *dst = (char *)outcome;
	size_t got = 0;

	while (got < sizeof(*outcome)) {
		ssize_t n = read(fd, dst + got, sizeof(*outcome) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

static void child_main(struct kunit *test, int fd)
{
	struct case_outcome outcome;
	const char *src = (const char *)&outcome;
	size_t done = 0;

	run_case_here(test);
	memset(&outcome, 0, sizeof(outcome));
	outcome.status = test->status;
	memcpy(outcome.comment, test->status_comment, sizeof(outcome.comment));
	while (done < sizeof(outcome)) {
		ssize_t n = write(fd, src + done, sizeof(outcome) - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	fflush(stdout);
	/* exit, not _exit: leak checkers and coverage run at exit. */
	exit(0);
}

static void report_crash(struct kunit *test, int wait_status)
{
	char why[128];

	if (WIFSIGNALED(wait_status))
		snprintf(why, sizeof(why), "killed by signal %d (%s)",
			 WTERMSIG(wait_status),
			 signal_name(WTERMSIG(wait_status)));
	else if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) != 0)
		snprintf(why, sizeof(why), "exited with status %d",
			 WEXITSTATUS(wait_status));
	else
		snprintf(why, sizeof(why), "ended without reporting a result");
	kunit_err(test, "test case crashed: %s", why);
	test->status = KUNIT_FAILURE;
}

static void run_case_forked(struct kunit *test)
{
	struct case_outcome outcome;
	bool reported;
	int fds[2];
	int wait_status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		kunit_warn(test, "cannot fork (%s); running in-process",
			   strerror(errno));
		run_case_here(test);
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(test, fds[1]);
	}
	close(fds[1]);
	reported = read_outcome(fds[0], &outcome);
	close(fds[0]);
	while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR)
		;
	if (!reported || !WIFEXITED(wait_status) ||
	    WEXITSTATUS(wait_status) != 0) {
		report_crash(test, wait_status);
		return;
	}
	test->status = outcome.status;
	outcome.comment[sizeof(outcome.comment) - 1] = '\0';
	memcpy(test->status_comment, outcome.comment,
	       sizeof(test->status_comment));
}

/* --- cases, parameters, suites --- */

static void run_one(const struct kunit_run_options *options, struct kunit *test)
{
	if (options->fork_cases)
		run_case_forked(test);
	else
		run_case_here(test);
}

static void test_init(struct kunit *test, const struct kunit_case *kcase)
{
	memset(test, 0, sizeof(*test));
	test->name = kcase->name;
	test->status = KUNIT_SUCCESS;
}

/* Folds one parameter's result into the case's, as the kernel does:
 * any failure fails it; otherwise any pass passes it. */
static enum kunit_status fold_status(enum kunit_status acc,
				     enum kunit_status one)
{
	if (acc == KUNIT_FAILURE || one == KUNIT_FAILURE)
		return KUNIT_FAILURE;
	if (acc == KUNIT_SUCCESS || one == KUNIT_SUCCESS)
		return KUNIT_SUCCESS;
	return KUNIT_SKIPPED;
}

/* Runs a case; adds one count per case (or per parameter) to totals. */
static enum kunit_status run_case(const struct kunit_run_options *options,
				  const struct kunit_case *kcase, size_t number,
				  struct kunit_stats *totals)
{
	struct kunit_stats param_stats = {0};
	enum kunit_status status = KUNIT_SKIPPED;
	char desc[KUNIT_PARAM_DESC_SIZE];
	struct kunit test;

	current_case = kcase;
	test_init(&test, kcase);
	if (!kcase->generate_params) {
		run_one(options, &test);
		status = test.status;
		stats_add(&param_stats, status);
	} else {
		int index = 0;
		const void *param;

		kunit_print_line(2, "KTAP version 1");
		kunit_print_line(2, "# Subtest: %s", kcase->name);
		desc[0] = '\0';
		param = kcase->generate_params(NULL, desc);
		while (param) {
			test_init(&test, kcase);
			test.param_value = param;
			test.param_index = index;
			run_one(options, &test);
			if (desc[0] == '\0')
				snprintf(desc, sizeof(desc), "param-%d", index);
			print_result(2, test.status, (size_t)index + 1, desc,
				     test.status_comment);
			stats_add(&param_stats, test.status);
			status = fold_status(status, test.status);
			desc[0] = '\0';
			param = kcase->generate_params(param, desc);
			index++;
		}
		/* The case line carries no comment of its own. */
		test.status_comment[0] = '\0';
		print_stats(1, kcase->name, &param_stats);
	}
	print_case_attributes(kcase);
	print_result(1, status, number, kcase->name, test.status_comment);
	stats_merge(totals, &param_stats);
	return status;
}

static size_t count_selected(const struct kunit_filter *filter,
			     const struct kunit_suite *suite)
{
	const struct kunit_case *kcase;
	size_t n = 0;

	for (kcase = suite->test_cases; kcase && kcase->run_case; kcase++)
		if (kunit_filter_selects(filter, suite->name, kcase->name))
			n++;
	return n;
}

/*
 * After a failed suite_init no case runs. The kernel then prints no case
 * lines at all, leaving its plan unmet; we report each selected case as
 * failed instead, so the output stays valid KTAP and the counts add up.
 */
static void fail_unrun_cases(const struct kunit_filter *filter,
			     const struct kunit_suite *suite,
			     struct kunit_stats *totals)
{
	const struct kunit_case *kcase;
	size_t n = 0;

	for (kcase = suite->test_cases; kcase->run_case; kcase++) {
		if (!kunit_filter_selects(filter, suite->name, kcase->name))
			continue;
		print_result(1, KUNIT_FAILURE, ++n, kcase->name, "");
		stats_add(totals, KUNIT_FAILURE);
	}
}

/* Returns the suite's status; adds its cases' counts to totals. */
static enum kunit_status run_suite(const struct kunit_run_options *options,
				   struct kunit_suite *suite, size_t number,
				   struct kunit_stats *totals)
{
	struct kunit_stats suite_stats = {0};
	struct kunit_stats param_stats = {0};
	const struct kunit_case *kcase;
	enum kunit_status status = KUNIT_SKIPPED;
	size_t n = 0;
	int err = 0;

	current_suite = suite;
	kunit_print_line(1, "KTAP version 1");
	kunit_print_line(1, "# Subtest: %s", suite->name);
	kunit_print_line(1, "1..%zu", count_selected(&options->filter, suite));
	if (suite->suite_init)
		err = suite->suite_init(suite);
	if (err) {
		kunit_print_line(1, "# %s: failed to initialize (%d)",
				 suite->name, err);
		fail_unrun_cases(&options->filter, suite, totals);
		print_result(0, KUNIT_FAILURE, number, suite->name, "");
		return KUNIT_FAILURE;
	}
	for (kcase = suite->test_cases; kcase->run_case; kcase++) {
		enum kunit_status one;

		if (!kunit_filter_selects(&options->filter, suite->name,
					  kcase->name))
			continue;
		one = run_case(options, kcase, ++n, &param_stats);
		stats_add(&suite_stats, one);
		status = fold_status(status, one);
	}
	print_stats(0, suite->name, &suite_stats);
	print_stats(0, "Totals", &param_stats);
	if (suite->suite_exit)
		suite->suite_exit(suite);
	print_result(0, status, number, suite->name, "");
	stats_merge(totals, &param_stats);
	return status;
}

/* Calls fn for each registered suite with at least one selected case. */
static size_t for_each_selected_suite(const struct kunit_filter *filter,
				      void (*fn)(struct kunit_suite *, void *),
				      void *arg)
{
	const struct kunit_suite_set *set;
	size_t n = 0;

	for (set = kunit_registered_suites(); set; set = set->next) {
		size_t i;

		for (i = 0; i < set->count; i++) {
			struct kunit_suite *suite = set->suites[i];

			if (!suite->test_cases ||
			    count_selected(filter, suite) == 0)
				continue;
			n++;
			if (fn)
				fn(suite, arg);
		}
	}
	return n;
}

struct run_state {
	const struct kunit_run_options *options;
	struct kunit_stats totals;
	size_t number;
	bool failed;
};

static void run_suite_cb(struct kunit_suite *suite, void *arg)
{
	struct run_state *state = arg;

	if (run_suite(state->options, suite, ++state->number, &state->totals) ==
	    KUNIT_FAILURE)
		state->failed = true;
}

int kunit_run_selected(const struct kunit_run_options *options)
{
	struct run_state state = {.options = options};

	kunit_print_line(0, "KTAP version 1");
	kunit_print_line(0, "1..%zu",
			 for_each_selected_suite(&options->filter, NULL, NULL));
	for_each_selected_suite(&options->filter, run_suite_cb, &state);
	kunit_print_line(0, "%lu passed, %lu failed, %lu skipped",
			 state.totals.passed, state.totals.failed,
			 state.totals.skipped);
	return state.failed || state.totals.failed ? 1 : 0;
}

static void list_suite_cb(struct kunit_suite *suite, void *arg)
{
	const struct kunit_filter *filter = arg;
	const struct kunit_case *kcase;

	for (kcase = suite->test_cases; kcase->run_case; kcase++)
		if (kunit_filter_selects(filter, suite->name, kcase->name))
			printf("%s.%s\n", suite->name, kcase->name);
}

void kunit_list_selected(const struct kunit_filter *filter)
{
	for_each_selected_suite(filter, list_suite_cb, (void *)filter);
	fflush(stdout);
}
