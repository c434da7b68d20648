// SPDX-License-Identifier: MIT
#include "fail.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void zs_fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("zs-fuzz: FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}
