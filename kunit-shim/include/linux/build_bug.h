/* SPDX-License-Identifier: MIT */
/* Compile-time checks. */
#ifndef KUNIT_SHIM_LINUX_BUILD_BUG_H
#define KUNIT_SHIM_LINUX_BUILD_BUG_H

/* A zero of type size_t that fails to compile when e is true. */
#define BUILD_BUG_ON_ZERO(e)	    (sizeof(char[1 - 2 * !!(e)]) - 1)
#define BUILD_BUG_ON_MSG(cond, msg) _Static_assert(!(cond), msg)
#define BUILD_BUG_ON(cond)	    _Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")")
#define BUILD_BUG()		    _Static_assert(0, "BUILD_BUG")

#endif
