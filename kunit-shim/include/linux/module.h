/* SPDX-License-Identifier: MIT */
/*
 * Module metadata has no meaning in a test program: every macro is a
 * no-op that still needs the caller's semicolon at file scope.
 */
#ifndef KUNIT_SHIM_LINUX_MODULE_H
#define KUNIT_SHIM_LINUX_MODULE_H

#include <linux/init.h>
#include <linux/kernel.h>

#define KUNIT_SHIM_FILE_SCOPE_NOP_ _Static_assert(1, "module metadata")

#define MODULE_LICENSE(x)	   KUNIT_SHIM_FILE_SCOPE_NOP_
#define MODULE_AUTHOR(x)	   KUNIT_SHIM_FILE_SCOPE_NOP_
#define MODULE_DESCRIPTION(x)	   KUNIT_SHIM_FILE_SCOPE_NOP_
#define MODULE_VERSION(x)	   KUNIT_SHIM_FILE_SCOPE_NOP_
#define MODULE_ALIAS(x)		   KUNIT_SHIM_FILE_SCOPE_NOP_
#define MODULE_SOFTDEP(x)	   KUNIT_SHIM_FILE_SCOPE_NOP_
#define MODULE_FIRMWARE(x)	   KUNIT_SHIM_FILE_SCOPE_NOP_
#define MODULE_IMPORT_NS(x)	   KUNIT_SHIM_FILE_SCOPE_NOP_
#define MODULE_DEVICE_TABLE(t, n)  KUNIT_SHIM_FILE_SCOPE_NOP_
#define EXPORT_SYMBOL(s)	   KUNIT_SHIM_FILE_SCOPE_NOP_
#define EXPORT_SYMBOL_GPL(s)	   KUNIT_SHIM_FILE_SCOPE_NOP_
#define EXPORT_SYMBOL_NS_GPL(s, n) KUNIT_SHIM_FILE_SCOPE_NOP_
#define EXPORT_SYMBOL_IF_KUNIT(s)  KUNIT_SHIM_FILE_SCOPE_NOP_
#define VISIBLE_IF_KUNIT
#define THIS_MODULE ((struct module *)0)

struct module;

#endif
