/* SPDX-License-Identifier: MIT */
/* Element count of a true array; a pointer argument fails to compile. */
#ifndef KUNIT_SHIM_LINUX_ARRAY_SIZE_H
#define KUNIT_SHIM_LINUX_ARRAY_SIZE_H

#include <linux/build_bug.h>
#include <linux/compiler.h>

#define __must_be_array(a) BUILD_BUG_ON_ZERO(__same_type((a), &(a)[0]))
#define ARRAY_SIZE(a)	   (sizeof(a) / sizeof((a)[0]) + __must_be_array(a))

#endif
