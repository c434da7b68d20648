// SPDX-License-Identifier: MIT
/*
 * main() for every KUnit test program. Kept in its own object so that a
 * program with its own main() can call kunit_run_main() instead.
 */
#include <kunit/test.h>

int main(int argc, char **argv)
{
	return kunit_run_main(argc, argv);
}
