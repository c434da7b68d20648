// SPDX-License-Identifier: MIT
/*
 * Failed EXPECT/ASSERT reports, laid out as the kernel's KUnit prints them:
 *
 *     # <case>: EXPECTATION FAILED at <file>:<line>
 *     Expected <left> <op> <right>, but
 *         <left> == <value>
 *         <right> == <value>
 *
 *         <optional _MSG text>
 *
 * A side that is a literal equal to its value is not repeated. The report
 * is built as one text and printed at once, as the kernel logs it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kunit_internal.h"

#define INDENT	"    "
#define INDENT2 "        "

/* A growable text buffer; on allocation failure it keeps what it has. */
struct report {
	char *text;
	size_t len;
	size_t cap;
};

static __attribute__((format(printf, 2, 0))) void
report_add_va(struct report *r, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		return;
	if (r->len + (size_t)n + 1 > r->cap) {
		size_t cap = (r->len + (size_t)n + 1) * 2;
		char *grown = realloc(r->text, cap);

		if (!grown)
			return;
		r->text = grown;
		r->cap = cap;
	}
	vsnprintf(r->text + r->len, r->cap - r->len, fmt, ap);
	r->len += (size_t)n;
}

static __attribute__((format(printf, 2, 3))) void
report_add(struct report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_add_va(r, fmt, ap);
	va_end(ap);
}

static void report_begin(struct report *r, struct kunit_loc loc)
{
	memset(r, 0, sizeof(*r));
	report_add(r, "%s FAILED at %s:%d\n",
		   loc.type == KUNIT_ASSERTION ? "ASSERTION" : "EXPECTATION",
		   loc.file, loc.line);
}

/* The user's _MSG text goes on its own line, one level deeper. */
static void report_add_msg(struct report *r, const char *fmt, va_list ap)
{
	if (!fmt)
		return;
	report_add(r, "\n" INDENT2);
	report_add_va(r, fmt, ap);
}

/* Prints the report, marks the case failed, and ends it for an ASSERT. */
static void report_finish(struct kunit *test, struct report *r,
			  struct kunit_loc loc)
{
	kunit_set_failure(test);
	kunit_print_case_diag(test, r->text ? r->text : "(out of memory)");
	free(r->text);
	if (loc.type == KUNIT_ASSERTION)
		kunit_abort(test);
}

void kunit_fail_unary(struct kunit *test, struct kunit_loc loc,
		      const char *cond_text, bool expected_true,
		      const char *fmt, ...)
{
	struct report r;
	va_list ap;

	report_begin(&r, loc);
	report_add(&r, INDENT "Expected %s to be %s, but is %s\n", cond_text,
		   expected_true ? "true" : "false",
		   expected_true ? "false" : "true");
	va_start(ap, fmt);
	report_add_msg(&r, fmt, ap);
	va_end(ap);
	report_finish(test, &r, loc);
}

/* True when text spells exactly value in decimal, e.g. "42" or "-1". */
static bool is_int_literal(const char *text, long long value)
{
	char spelled[32];

	snprintf(spelled, sizeof(spelled), "%lld", value);
	return strcmp(text, spelled) == 0;
}

void kunit_fail_int(struct kunit *test, struct kunit_loc loc,
		    const char *left_text, const char *op,
		    const char *right_text, long long left, long long right,
		    const char *fmt, ...)
{
	struct report r;
	va_list ap;

	report_begin(&r, loc);
	report_add(&r, INDENT "Expected %s %s %s, but\n", left_text, op,
		   right_text);
	if (!is_int_literal(left_text, left))
		report_add(&r, INDENT2 "%s == %lld (0x%llx)\n", left_text, left,
			   (unsigned long long)left);
	if (!is_int_literal(right_text, right))
		report_add(&r, INDENT2 "%s == %lld (0x%llx)", right_text, right,
			   (unsigned long long)right);
	va_start(ap, fmt);
	report_add_msg(&r, fmt, ap);
	va_end(ap);
	report_finish(test, &r, loc);
}

/* Pointers print as the kernel's %px: zero-padded hex, no 0x. */
void kunit_fail_ptr(struct kunit *test, struct kunit_loc loc,
		    const char *left_text, const char *op,
		    const char *right_text, const void *left, const void *right,
		    const char *fmt, ...)
{
	const int width = (int)(2 * sizeof(void *));
	struct report r;
	va_list ap;

	report_begin(&r, loc);
	report_add(&r, INDENT "Expected %s %s %s, but\n", left_text, op,
		   right_text);
	report_add(&r, INDENT2 "%s == %0*" PRIxPTR "\n", left_text, width,
		   (uintptr_t)left);
	report_add(&r, INDENT2 "%s == %0*" PRIxPTR, right_text, width,
		   (uintptr_t)right);
	va_start(ap, fmt);
	report_add_msg(&r, fmt, ap);
	va_end(ap);
	report_finish(test, &r, loc);
}

bool kunit_str_equal(const char *left, const char *right)
{
	if (!left || !right)
		return left == right;
	return strcmp(left, right) == 0;
}

/* True when text is the quoted form of value, e.g. "\"abc\"". */
static bool is_str_literal(const char *text, const char *value)
{
	size_t len = strlen(text);

	if (!value || len < 2 || text[0] != '"' || text[len - 1] != '"')
		return false;
	return strlen(value) == len - 2 &&
	       strncmp(text + 1, value, len - 2) == 0;
}

static void report_add_str_side(struct report *r, const char *text,
				const char *value, const char *end)
{
	if (is_str_literal(text, value))
		return;
	if (value)
		report_add(r, INDENT2 "%s == \"%s\"%s", text, value, end);
	else
		report_add(r, INDENT2 "%s == (null)%s", text, end);
}

void kunit_fail_str(struct kunit *test, struct kunit_loc loc,
		    const char *left_text, const char *op,
		    const char *right_text, const char *left, const char *right,
		    const char *fmt, ...)
{
	struct report r;
	va_list ap;

	report_begin(&r, loc);
	report_add(&r, INDENT "Expected %s %s %s, but\n", left_text, op,
		   right_text);
	report_add_str_side(&r, left_text, left, "\n");
	report_add_str_side(&r, right_text, right, "");
	va_start(ap, fmt);
	report_add_msg(&r, fmt, ap);
	va_end(ap);
	report_finish(test, &r, loc);
}

/* 16 bytes a row; bytes that differ from the other side are <marked>. */
static void report_add_hexdump(struct report *r, const unsigned char *bytes,
			       const unsigned char *other, size_t size)
{
	size_t i;

	report_add(r, INDENT2);
	for (i = 0; i < size; i++) {
		if (i > 0 && i % 16 == 0)
			report_add(r, "\n" INDENT2);
		if (bytes[i] != other[i])
			report_add(r, "<%02x>", bytes[i]);
		else
			report_add(r, " %02x ", bytes[i]);
	}
}

void kunit_fail_mem(struct kunit *test, struct kunit_loc loc,
		    const char *left_text, const char *op,
		    const char *right_text, const void *left, const void *right,
		    size_t size, const char *fmt, ...)
{
	struct report r;
	va_list ap;

	report_begin(&r, loc);
	if (!left) {
		report_add(&r, INDENT "Expected %s is not null, but is\n",
			   left_text);
	} else if (!right) {
		report_add(&r, INDENT "Expected %s is not null, but is\n",
			   right_text);
	} else {
		report_add(&r, INDENT "Expected %s %s %s, but\n", left_text, op,
			   right_text);
		report_add(&r, INDENT2 "%s ==\n", left_text);
		report_add_hexdump(&r, left, right, size);
		report_add(&r, "\n" INDENT2 "%s ==\n", right_text);
		report_add_hexdump(&r, right, left, size);
	}
	va_start(ap, fmt);
	report_add_msg(&r, fmt, ap);
	va_end(ap);
	report_finish(test, &r, loc);
}

void kunit_fail_not_err_or_null(struct kunit *test, struct kunit_loc loc,
				const char *text, const void *ptr,
				const char *fmt, ...)
{
	struct report r;
	va_list ap;

	report_begin(&r, loc);
	if (!ptr)
		report_add(&r, INDENT "Expected %s is not null, but is\n",
			   text);
	else
		report_add(&r, INDENT "Expected %s is not error, but is: %ld\n",
			   text, PTR_ERR(ptr));
	va_start(ap, fmt);
	report_add_msg(&r, fmt, ap);
	va_end(ap);
	report_finish(test, &r, loc);
}

/* KUNIT_FAIL: the message follows the location line as it is. */
void kunit_fail_msg(struct kunit *test, struct kunit_loc loc, const char *fmt,
		    ...)
{
	struct report r;
	va_list ap;

	report_begin(&r, loc);
	va_start(ap, fmt);
	report_add_va(&r, fmt, ap);
	va_end(ap);
	report_finish(test, &r, loc);
}
