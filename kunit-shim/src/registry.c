// SPDX-License-Identifier: MIT
/*
 * Suite registration. kunit_test_suites() runs a constructor per use
 * before main(); each appends its static node, so there is no allocation
 * and the order is the order of definition (within a file) and of linking.
 */
#include "kunit_internal.h"

static struct kunit_suite_set *first_set;
static struct kunit_suite_set **next_link = &first_set;

void kunit_register_suite_set(struct kunit_suite_set *set)
{
	set->next = NULL;
	*next_link = set;
	next_link = &set->next;
}

const struct kunit_suite_set *kunit_registered_suites(void)
{
	return first_set;
}
