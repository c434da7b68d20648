// SPDX-License-Identifier: MIT
/* Test selection by glob, in the manner of kunit.filter_glob. */
#include <string.h>

#include "kunit_internal.h"

bool kunit_glob_match(const char *pattern, const char *text)
{
	/* Backtracking to the last '*' suffices for '*' and '?' globs. */
	const char *star = NULL;
	const char *resume = NULL;

	while (*text) {
		if (*pattern == '*') {
			star = pattern++;
			resume = text;
		} else if (*pattern == '?' || *pattern == *text) {
			pattern++;
			text++;
		} else if (star) {
			pattern = star + 1;
			text = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

static bool glob_selects(const char *glob, const char *suite,
			 const char *test_case)
{
	const char *dot = strchr(glob, '.');
	char suite_glob[256];
	size_t len;

	if (!dot)
		return kunit_glob_match(glob, suite);
	len = (size_t)(dot - glob);
	if (len >= sizeof(suite_glob))
		return false;
	memcpy(suite_glob, glob, len);
	suite_glob[len] = '\0';
	return kunit_glob_match(suite_glob, suite) &&
	       kunit_glob_match(dot + 1, test_case);
}

bool kunit_filter_selects(const struct kunit_filter *filter, const char *suite,
			  const char *test_case)
{
	size_t i;

	if (!filter || filter->count == 0)
		return true;
	for (i = 0; i < filter->count; i++)
		if (glob_selects(filter->globs[i], suite, test_case))
			return true;
	return false;
}
