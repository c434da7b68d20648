/* SPDX-License-Identifier: MIT */
/*
 * Reports of misuse and corruption: "zsmalloc: <what>: <details>" on
 * stderr followed by abort(), or a call to the installed handler. Every
 * caller of zs_report() returns without harm afterwards, because with a
 * handler installed the process goes on.
 */
#ifndef ZS_KERNEL_REPORT_H
#define ZS_KERNEL_REPORT_H

#include <zsmalloc.h>

#include "compiler.h"

void zs_report(const char *what, const char *fmt, ...) ZS_PRINTF(2, 3);
/* A refusal that is no misuse: to the notice handler, or one stderr line. */
void zs_notice(const char *what, const char *fmt, ...) ZS_PRINTF(2, 3);

/* An internal invariant broke: report it and abort, handler or not. */
ZS_NORETURN void zs_bug(const char *file, int line, const char *cond);

#define ZS_BUG_ON(cond)                                                        \
	do {                                                                   \
		if (cond)                                                      \
			zs_bug(__FILE__, __LINE__, #cond);                     \
	} while (0)

#endif /* ZS_KERNEL_REPORT_H */
