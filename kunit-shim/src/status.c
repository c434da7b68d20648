// SPDX-License-Identifier: MIT
/* Case status changes and the case's own diagnostic lines. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kunit_internal.h"

void kunit_set_failure(struct kunit *test)
{
	test->status = KUNIT_FAILURE;
}

static void mark_skipped_va(struct kunit *test, const char *fmt, va_list ap)
{
	test->status = KUNIT_SKIPPED;
	vsnprintf(test->status_comment, sizeof(test->status_comment), fmt, ap);
}

void kunit_mark_skipped(struct kunit *test, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mark_skipped_va(test, fmt, ap);
	va_end(ap);
}

void kunit_skip(struct kunit *test, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mark_skipped_va(test, fmt, ap);
	va_end(ap);
	kunit_abort(test);
}

void kunit_abort(struct kunit *test)
{
	/* Outside a running case there is nowhere to return to. */
	if (!test || !test->abort_point) {
		fprintf(stderr,
			"kunit: assertion failed outside a test case\n");
		abort();
	}
	longjmp(*test->abort_point, 1);
}

void kunit_print_case_diag(const struct kunit *test, const char *text)
{
	size_t len = strlen(text);

	/* Messages written kernel-style often end in "\n"; print one. */
	if (len > 0 && text[len - 1] == '\n')
		len--;
	kunit_print_line(1, "# %s: %.*s", test->name, (int)len, text);
}

static void diag_va(struct kunit *test, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	kunit_print_case_diag(test, buf);
}

void kunit_info(struct kunit *test, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_va(test, fmt, ap);
	va_end(ap);
}

void kunit_warn(struct kunit *test, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_va(test, fmt, ap);
	va_end(ap);
}

void kunit_err(struct kunit *test, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_va(test, fmt, ap);
	va_end(ap);
}
