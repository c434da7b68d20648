/* SPDX-License-Identifier: MIT */
/* Init/exit annotations and initcalls: no-ops in a test program. */
#ifndef KUNIT_SHIM_LINUX_INIT_H
#define KUNIT_SHIM_LINUX_INIT_H

#include <linux/compiler.h>

#define __initconst
#define __exitdata
#define __ro_after_init

#define KUNIT_SHIM_INITCALL_NOP_(fn) _Static_assert(1, #fn)
#define module_init(fn)		     KUNIT_SHIM_INITCALL_NOP_(fn)
#define module_exit(fn)		     KUNIT_SHIM_INITCALL_NOP_(fn)
#define late_initcall(fn)	     KUNIT_SHIM_INITCALL_NOP_(fn)
#define subsys_initcall(fn)	     KUNIT_SHIM_INITCALL_NOP_(fn)
#define device_initcall(fn)	     KUNIT_SHIM_INITCALL_NOP_(fn)
#define core_initcall(fn)	     KUNIT_SHIM_INITCALL_NOP_(fn)
#define arch_initcall(fn)	     KUNIT_SHIM_INITCALL_NOP_(fn)

#endif
