// SPDX-License-Identifier: MIT
/* The glob matcher and suite.case filter behind kunit.filter_glob. */
#include <kunit/test.h>

#include "kunit_internal.h"

static void glob_wildcards(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, kunit_glob_match("abc", "abc"));
	KUNIT_EXPECT_FALSE(test, kunit_glob_match("abc", "abcd"));
	KUNIT_EXPECT_FALSE(test, kunit_glob_match("abcd", "abc"));
	KUNIT_EXPECT_TRUE(test, kunit_glob_match("*", ""));
	KUNIT_EXPECT_TRUE(test, kunit_glob_match("*", "anything"));
	KUNIT_EXPECT_TRUE(test, kunit_glob_match("a*c", "abbbc"));
	KUNIT_EXPECT_TRUE(test, kunit_glob_match("a*c", "ac"));
	KUNIT_EXPECT_FALSE(test, kunit_glob_match("a*c", "acb"));
	KUNIT_EXPECT_TRUE(test, kunit_glob_match("a?c", "abc"));
	KUNIT_EXPECT_FALSE(test, kunit_glob_match("a?c", "ac"));
	KUNIT_EXPECT_TRUE(test, kunit_glob_match("*b*b*", "abxbx"));
	KUNIT_EXPECT_TRUE(test, kunit_glob_match("**a", "ba"));
	KUNIT_EXPECT_FALSE(test, kunit_glob_match("", "a"));
	KUNIT_EXPECT_TRUE(test, kunit_glob_match("", ""));
}

static void filter_suite_and_case(struct kunit *test)
{
	const char *whole_suite[] = {"mem*"};
	const char *one_case[] = {"memory.alloc_?"};
	const char *either[] = {"x.y", "*.free"};
	struct kunit_filter f = {whole_suite, 1};

	KUNIT_EXPECT_TRUE(test, kunit_filter_selects(NULL, "s", "c"));
	KUNIT_EXPECT_TRUE(test, kunit_filter_selects(&f, "memory", "any"));
	KUNIT_EXPECT_FALSE(test, kunit_filter_selects(&f, "list", "any"));
	f.globs = one_case;
	KUNIT_EXPECT_TRUE(test, kunit_filter_selects(&f, "memory", "alloc_1"));
	KUNIT_EXPECT_FALSE(test,
			   kunit_filter_selects(&f, "memory", "alloc_12"));
	KUNIT_EXPECT_FALSE(test,
			   kunit_filter_selects(&f, "memoryx", "alloc_1"));
	f.globs = either;
	f.count = 2;
	KUNIT_EXPECT_TRUE(test, kunit_filter_selects(&f, "x", "y"));
	KUNIT_EXPECT_TRUE(test, kunit_filter_selects(&f, "pool", "free"));
	KUNIT_EXPECT_FALSE(test, kunit_filter_selects(&f, "pool", "alloc"));
}

static struct kunit_case filter_cases[] = {
	KUNIT_CASE(glob_wildcards), KUNIT_CASE(filter_suite_and_case), {}};

static struct kunit_suite filter_suite = {
	.name = "filter_glob",
	.test_cases = filter_cases,
};

kunit_test_suite(filter_suite);
