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

#define DETAILS_LEN 512 /* a message's details, cut to fit */

/* A handler and its argument, set and read as a pair under the lock. */
struct handler {
	zs_report_fn fn;
	void *ctx;
};

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static struct handler report_handler, notice_handler;
static atomic_ulong report_count;

static void set_handler(struct handler *h, zs_report_fn fn, void *ctx)
{
	pthread_mutex_lock(&report_lock);
	h->fn = fn;
	h->ctx = ctx;
	pthread_mutex_unlock(&report_lock);
}

static struct handler get_handler(const struct handler *h)
{
	struct handler copy;

	pthread_mutex_lock(&report_lock);
	copy = *h;
	pthread_mutex_unlock(&report_lock);
	return copy;
}

void zs_set_report_handler(zs_report_fn fn, void *ctx)
{
	set_handler(&report_handler, fn, ctx);
}

void zs_set_notice_handler(zs_report_fn fn, void *ctx)
{
	set_handler(&notice_handler, fn, ctx);
}

unsigned long zs_report_count(void)
{
	return atomic_load(&report_count);
}

/* The message into details[DETAILS_LEN], and the handler h holds now. */
static struct handler format(const struct handler *h, char *details,
			     const char *fmt, va_list ap)
{
	vsnprintf(details, DETAILS_LEN, fmt, ap);
	return get_handler(h);
}

void zs_report(const char *what, const char *fmt, ...)
{
	char details[DETAILS_LEN];
	struct handler h;
	va_list ap;

	va_start(ap, fmt);
	h = format(&report_handler, details, fmt, ap);
	va_end(ap);
	atomic_fetch_add(&report_count, 1);
	if (h.fn) {
		h.fn(h.ctx, what, details);
		return;
	}
	fprintf(stderr, "zsmalloc: %s: %s\n", what, details);
	fflush(stderr);
	flush_coverage();
	abort();
}

void zs_notice(const char *what, const char *fmt, ...)
{
	char details[DETAILS_LEN];
	struct handler h;
	va_list ap;

	va_start(ap, fmt);
	h = format(&notice_handler, details, fmt, ap);
	va_end(ap);
	if (h.fn)
		h.fn(h.ctx, what, details);
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
