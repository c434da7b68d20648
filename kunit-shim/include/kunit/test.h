/* SPDX-License-Identifier: MIT */
/*
 * KUnit for user space: the subset of the kernel's <kunit/test.h> that
 * lib/-style unit tests use, with the same names and semantics. Each test
 * program links the kunit library, whose main() runs every registered suite
 * and prints KTAP version 1.
 */
#ifndef KUNIT_TEST_H
#define KUNIT_TEST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>

#include <kunit/assert.h>
#include <kunit/resource.h>

#define KUNIT_PARAM_DESC_SIZE	  128
#define KUNIT_STATUS_COMMENT_SIZE 256

enum kunit_status {
	KUNIT_SUCCESS,
	KUNIT_FAILURE,
	KUNIT_SKIPPED,
};

enum kunit_speed {
	KUNIT_SPEED_UNSET,
	KUNIT_SPEED_VERY_SLOW,
	KUNIT_SPEED_SLOW,
	KUNIT_SPEED_NORMAL,
	KUNIT_SPEED_MAX = KUNIT_SPEED_NORMAL,
};

struct kunit_attributes {
	enum kunit_speed speed;
};

struct kunit_action_node;

/* The per-case context every test function receives. */
struct kunit {
	void *priv; /* free for the test's own use */

	const char *name; /* the case's name */
	enum kunit_status status;
	char status_comment[KUNIT_STATUS_COMMENT_SIZE];
	const void *param_value; /* current parameter, NULL if none */
	int param_index;

	/* Runner state: deferred actions (LIFO) and where ASSERT jumps. */
	struct kunit_action_node *actions;
	jmp_buf *abort_point;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
	const void *(*generate_params)(const void *prev, char *desc);
	struct kunit_attributes attr;
};

struct kunit_suite {
	const char name[256];
	int (*suite_init)(struct kunit_suite *suite);
	void (*suite_exit)(struct kunit_suite *suite);
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
	struct kunit_case *test_cases; /* ends with an empty {} entry */
	struct kunit_attributes attr;
};

#define KUNIT_CASE_ATTR(test_name, attributes)                                 \
	{                                                                      \
		.run_case = test_name, .name = #test_name, .attr = attributes  \
	}
#define KUNIT_CASE(test_name)                                                  \
	{                                                                      \
		.run_case = test_name, .name = #test_name                      \
	}
#define KUNIT_CASE_SLOW(test_name)                                             \
	{                                                                      \
		.run_case = test_name, .name = #test_name, .attr = {           \
			.speed = KUNIT_SPEED_SLOW                              \
		}                                                              \
	}
#define KUNIT_CASE_PARAM(test_name, gen_params)                                \
	{                                                                      \
		.run_case = test_name, .name = #test_name,                     \
		.generate_params = gen_params                                  \
	}
#define KUNIT_CASE_PARAM_ATTR(test_name, gen_params, attributes)               \
	{                                                                      \
		.run_case = test_name, .name = #test_name,                     \
		.generate_params = gen_params, .attr = attributes              \
	}

/*
 * KUNIT_ARRAY_PARAM(name, array, get_desc) defines name##_gen_params, which
 * walks array; get_desc (may be NULL) names each element.
 */
#define KUNIT_ARRAY_PARAM(name, array, get_desc)                               \
	static __attribute__((unused))                                         \
	const void *name##_gen_params(const void *prev, char *desc)            \
	{                                                                      \
		__typeof__((array)[0]) *kunit_next_ =                          \
			prev ? (__typeof__((array)[0]) *)prev + 1 : (array);   \
		void (*kunit_get_desc_)(__typeof__(kunit_next_), char *) =     \
			get_desc;                                              \
		if ((size_t)(kunit_next_ - (array)) >= ARRAY_SIZE(array))      \
			return NULL;                                           \
		if (kunit_get_desc_)                                           \
			kunit_get_desc_(kunit_next_, desc);                    \
		return kunit_next_;                                            \
	}

/* As KUNIT_ARRAY_PARAM, named by the string member desc_member. */
#define KUNIT_ARRAY_PARAM_DESC(name, array, desc_member)                       \
	static __attribute__((unused))                                         \
	const void *name##_gen_params(const void *prev, char *desc)            \
	{                                                                      \
		__typeof__((array)[0]) *kunit_next_ =                          \
			prev ? (__typeof__((array)[0]) *)prev + 1 : (array);   \
		if ((size_t)(kunit_next_ - (array)) >= ARRAY_SIZE(array))      \
			return NULL;                                           \
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",                    \
			 kunit_next_->desc_member);                            \
		return kunit_next_;                                            \
	}

/*
 * Registration: each kunit_test_suites() use adds a static node to the
 * runner's list from a constructor, so no list is kept by hand. The trailing
 * redeclaration swallows the caller's semicolon.
 */
struct kunit_suite_set {
	struct kunit_suite *const *suites;
	size_t count;
	struct kunit_suite_set *next;
};

void kunit_register_suite_set(struct kunit_suite_set *set);

#define KUNIT_CAT2_(a, b) a##b
#define KUNIT_CAT_(a, b)  KUNIT_CAT2_(a, b)

#define KUNIT_REGISTER_(id, ...)                                               \
	static struct kunit_suite *const KUNIT_CAT_(kunit_suites_,             \
						    id)[] = {__VA_ARGS__};     \
	static struct kunit_suite_set KUNIT_CAT_(kunit_set_, id) = {           \
		KUNIT_CAT_(kunit_suites_, id),                                 \
		ARRAY_SIZE(KUNIT_CAT_(kunit_suites_, id)), NULL};              \
	__attribute__((constructor)) static void KUNIT_CAT_(kunit_register_,   \
							    id)(void)          \
	{                                                                      \
		kunit_register_suite_set(&KUNIT_CAT_(kunit_set_, id));         \
	}                                                                      \
	void kunit_register_suite_set(struct kunit_suite_set *set)

#define kunit_test_suites(...)		     KUNIT_REGISTER_(__COUNTER__, __VA_ARGS__)
#define kunit_test_suite(suite)		     kunit_test_suites(&suite)
#define kunit_test_init_section_suites(...)  kunit_test_suites(__VA_ARGS__)
#define kunit_test_init_section_suite(suite) kunit_test_suites(&suite)

/* Status. kunit_skip ends the case; kunit_mark_skipped lets it go on. */
void kunit_set_failure(struct kunit *test);
void kunit_mark_skipped(struct kunit *test, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
__attribute__((noreturn)) void kunit_skip(struct kunit *test, const char *fmt,
					  ...)
	__attribute__((format(printf, 2, 3)));
/* Ends the running case at once (what a failed ASSERT does). */
__attribute__((noreturn)) void kunit_abort(struct kunit *test);

/* Diagnostics printed as "# <case>: <message>" at the case's level. */
void kunit_info(struct kunit *test, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void kunit_warn(struct kunit *test, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void kunit_err(struct kunit *test, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Runs every registered suite as main() does; argv as for main(). */
int kunit_run_main(int argc, char **argv);

#endif /* KUNIT_TEST_H */
