/* SPDX-License-Identifier: MIT */
/* Interfaces between the shim's own source files; not for tests. */
#ifndef KUNIT_INTERNAL_H
#define KUNIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <kunit/test.h>

/* Registered suite sets, in registration order. */
const struct kunit_suite_set *kunit_registered_suites(void);

/* Glob with '*' and '?' only; the whole string must match. */
bool kunit_glob_match(const char *pattern, const char *text);

/*
 * A "suite.case" filter as kunit.filter_glob takes it: without a dot the
 * pattern selects whole suites. A NULL filter selects everything.
 */
struct kunit_filter {
	const char *const *globs;
	size_t count;
};
bool kunit_filter_selects(const struct kunit_filter *filter, const char *suite,
			  const char *test_case);

struct kunit_run_options {
	struct kunit_filter filter;
	bool fork_cases; /* each case or parameter in its own child */
};

/* Runs the selected suites, prints KTAP; returns the exit status. */
int kunit_run_selected(const struct kunit_run_options *options);
/* Prints "suite.case" for every selected case. */
void kunit_list_selected(const struct kunit_filter *filter);

/* Prints one line, "<indent># <case>: <text>", at the case's level. */
void kunit_print_case_diag(const struct kunit *test, const char *text);

/* Prints the level's indentation (4 spaces per level) and a line. */
void kunit_print_line(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
