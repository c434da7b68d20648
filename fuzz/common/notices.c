// SPDX-License-Identifier: MIT
#include "notices.h"

#include <stdatomic.h>

#include "fail.h"
#include "zsmalloc.h"

static atomic_ulong notices;
static unsigned long input_base, input_expected;

static void count(void *ctx, const char *what, const char *details)
{
	(void)ctx;
	if (!what || !what[0] || !details || !details[0])
		zs_fuzz_fail("notice without a 'what' or details");
	atomic_fetch_add(&notices, 1);
}

void zs_fuzz_notices_begin(void)
{
	zs_set_notice_handler(count, NULL);
	input_base = atomic_load(&notices);
	input_expected = 0;
}

void zs_fuzz_notices_expect(unsigned long more, const char *call)
{
	unsigned long got = atomic_load(&notices) - input_base;

	input_expected += more;
	if (got != input_expected)
		zs_fuzz_fail("%s: %lu notices, %lu expected", call, got,
			     input_expected);
}
