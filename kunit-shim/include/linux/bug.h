/* SPDX-License-Identifier: MIT */
/*
 * BUG and WARN. BUG aborts (the runner reports the case as crashed);
 * WARN prints the kernel's "WARNING:" line on stderr and goes on.
 */
#ifndef KUNIT_SHIM_LINUX_BUG_H
#define KUNIT_SHIM_LINUX_BUG_H

#include <stdio.h>
#include <stdlib.h>

#include <linux/build_bug.h>
#include <linux/compiler.h>

#define BUG()                                                                  \
	do {                                                                   \
		fprintf(stderr, "kernel BUG at %s:%d!\n", __FILE__, __LINE__); \
		abort();                                                       \
	} while (0)

#define BUG_ON(cond)                                                           \
	do {                                                                   \
		if (unlikely(cond))                                            \
			BUG();                                                 \
	} while (0)

#define WARN(cond, ...)                                                        \
	__extension__({                                                        \
		int kernel_warn_on_ = !!(cond);                                \
		if (unlikely(kernel_warn_on_)) {                               \
			fprintf(stderr, "WARNING: at %s:%d: ", __FILE__,       \
				__LINE__);                                     \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
		}                                                              \
		unlikely(kernel_warn_on_);                                     \
	})

#define WARN_ON(cond)                                                          \
	__extension__({                                                        \
		int kernel_warn_on_ = !!(cond);                                \
		if (unlikely(kernel_warn_on_))                                 \
			fprintf(stderr, "WARNING: at %s:%d: %s\n", __FILE__,   \
				__LINE__, #cond);                              \
		unlikely(kernel_warn_on_);                                     \
	})

/* Each use site warns at most once per process. */
#define WARN_ON_ONCE(cond)                                                     \
	__extension__({                                                        \
		static bool kernel_warned_;                                    \
		int kernel_warn_on_ = !!(cond);                                \
		if (unlikely(kernel_warn_on_) && !kernel_warned_) {            \
			kernel_warned_ = true;                                 \
			fprintf(stderr, "WARNING: at %s:%d: %s\n", __FILE__,   \
				__LINE__, #cond);                              \
		}                                                              \
		unlikely(kernel_warn_on_);                                     \
	})

#define WARN_ONCE(cond, ...)                                                   \
	__extension__({                                                        \
		static bool kernel_warned_;                                    \
		int kernel_warn_on_ = !!(cond);                                \
		if (unlikely(kernel_warn_on_) && !kernel_warned_) {            \
			kernel_warned_ = true;                                 \
			fprintf(stderr, "WARNING: at %s:%d: ", __FILE__,       \
				__LINE__);                                     \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
		}                                                              \
		unlikely(kernel_warn_on_);                                     \
	})

#endif
