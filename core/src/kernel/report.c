// SPDX-License-Identifier: MIT
#include "report.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef ZS_COVERAGE_BUILD
/* clang's profile runtime; a process that aborts would write nothing. */
int __llvm_profile_write_file(void);
#define flush_coverage() ((void)__llvm_profile_write_file())
#else
#define flush_coverage() ((void)0)
#endif

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static zs_report_fn report_fn;
static void *report_ctx;
static atomic_ulong report_count;
static zs_report_fn notice_fn;
static void *notice_ctx;

void zs_set_report_handler(zs_report_fn fn, void *ctx)
{
	pthread_mutex_lock(&report_lock);
	report_fn = fn;
	report_ctx = ctx;
	pthread_mutex_unlock(&report_lock);
}

unsigned long zs_report_count(void)
{
	return atomic_load(&report_count);
}

void zs_report(const char *what, const char *fmt, ...)
{
	char details[512];
	zs_report_fn fn;
	void *ctx;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(details, sizeof(details), fmt, ap);
	va_end(ap);
	atomic_fetch_add(&report_count, 1);

	pthread_mutex_lock(&report_lock);
	fn = report_fn;
	ctx = report_ctx;
	pthread_mutex_unlock(&report_lock);

	if (fn) {
		fn(ctx, what, details);
		return;
	}
	fprintf(stderr, "zsmalloc: %s: %s\n", what, details);
	fflush(stderr);
	flush_coverage();
	abort();
}

void zs_set_notice_handler(zs_report_fn fn, void *ctx)
{
	pthread_mutex_lock(&report_lock);
	notice_fn = fn;
	notice_ctx = ctx;
	pthread_mutex_unlock(&report_lock);
}

void zs_notice(const char *what, const char *fmt, ...)
{
	char details[512];
	zs_report_fn fn;
	void *ctx;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(details, sizeof(details), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&report_lock);
	fn = notice_fn;
	ctx = notice_ctx;
	pthread_mutex_unlock(&report_lock);
	if (fn)
		fn(ctx, what, details);
	else
		fprintf(stderr, "zsmalloc: %s: %s\n", what, details);
}

void zs_bug(const char *file, int line, const char *cond)
{
	/* No handler: nothing can go on safely after a broken invariant. */
	atomic_fetch_add(&report_count, 1);
	fprintf(stderr, "zsmalloc: BUG: %s:%d: %s\n", file, line, cond);
	fflush(stderr);
	flush_coverage();
	abort();
}
