/* SPDX-License-Identifier: MIT */
/*
 * Test-only helper: appends a line to the file named by $KUNIT_SHIM_MARKERS
 * so the checker can see what ran, in which order, and in which process
 * (cases run in children, so a variable would not survive). Does nothing
 * when the variable is unset.
 */
#ifndef KUNIT_SHIM_TEST_MARKERS_H
#define KUNIT_SHIM_TEST_MARKERS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static inline __attribute__((format(printf, 1, 2))) void marker(const char *fmt,
								...)
{
	const char *path = getenv("KUNIT_SHIM_MARKERS");
	va_list ap;
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

#endif
