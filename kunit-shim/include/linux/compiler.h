/* SPDX-License-Identifier: MIT */
/* Compiler annotations kernel code uses, mapped to GCC/clang attributes. */
#ifndef KUNIT_SHIM_LINUX_COMPILER_H
#define KUNIT_SHIM_LINUX_COMPILER_H

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* glibc's <sys/cdefs.h> defines some of these too; keep its version. */
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define noinline	__attribute__((noinline))
#define __maybe_unused	__attribute__((unused))
#define __always_unused __attribute__((unused))
#define __used		__attribute__((used))
#define __packed	__attribute__((packed))
#define __aligned(x)	__attribute__((aligned(x)))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __must_check	__attribute__((warn_unused_result))
#define __noreturn	__attribute__((noreturn))
#define __weak		__attribute__((weak))
#define __cold		__attribute__((cold))
#define __pure		__attribute__((pure))
#define __init
#define __exit
#define __initdata
#define __user
#define __iomem
#define __force
#define __rcu
#define __percpu
#define __must_hold(x)
#define __acquires(x)
#define __releases(x)
#define fallthrough __attribute__((fallthrough))

#define barrier() __asm__ __volatile__("" : : : "memory")

#define READ_ONCE(x)	 (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define __stringify_1(x) #x
#define __stringify(x)	 __stringify_1(x)

#define __PASTE_(a, b)	  a##b
#define __PASTE(a, b)	  __PASTE_(a, b)
#define __UNIQUE_ID(name) __PASTE(__PASTE(__UNIQUE_ID_, name), __COUNTER__)

#define __same_type(a, b)                                                      \
	__builtin_types_compatible_p(__typeof__(a), __typeof__(b))

#endif
