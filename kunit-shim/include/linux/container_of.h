/* SPDX-License-Identifier: MIT */
/* From a pointer to a member back to the structure that holds it. */
#ifndef KUNIT_SHIM_LINUX_CONTAINER_OF_H
#define KUNIT_SHIM_LINUX_CONTAINER_OF_H

#include <stddef.h>

#define container_of(ptr, type, member)                                        \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#endif
