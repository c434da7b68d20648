// SPDX-License-Identifier: MIT
#include "notices.h"

#include <stdatomic.h>

#include "fail.h"
#include "zsmalloc.h"

static atomic_ulong notices;

static void count(void *ctx, const char *what, const char *details)
{
	(void)ctx;
	if (!what || !what[0] || !details || !details[0])
		zs_fuzz_fail("notice without a 'what' or details");
	atomic_fetch_add(&notices, 1);
}

void zs_fuzz_count_notices(void)
{
	zs_set_notice_handler(count, NULL);
}

unsigned long zs_fuzz_notices(void)
{
	return atomic_load(&notices);
}

void zs_fuzz_expect_notices(unsigned long before, unsigned long want,
			    const char *call)
{
	unsigned long got = zs_fuzz_notices() - before;

	if (got != want)
		zs_fuzz_fail("%s: %lu notices, %lu expected", call, got, want);
}
