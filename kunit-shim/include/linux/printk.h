/* SPDX-License-Identifier: MIT */
/*
 * printk and pr_*: kernel log lines go to stderr so that stdout holds only
 * KTAP. The KERN_* level prefix is stripped. pr_debug prints only when
 * DEBUG is defined, as in the kernel.
 */
#ifndef KUNIT_SHIM_LINUX_PRINTK_H
#define KUNIT_SHIM_LINUX_PRINTK_H

#include <linux/compiler.h>

#define KERN_SOH     "\001"
#define KERN_EMERG   KERN_SOH "0"
#define KERN_ALERT   KERN_SOH "1"
#define KERN_CRIT    KERN_SOH "2"
#define KERN_ERR     KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE  KERN_SOH "5"
#define KERN_INFO    KERN_SOH "6"
#define KERN_DEBUG   KERN_SOH "7"
#define KERN_DEFAULT ""
#define KERN_CONT    KERN_SOH "c"

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

#define pr_emerg(fmt, ...)  printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...)  printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...)   printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)    printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)   printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...) printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)   printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...)   printk(KERN_CONT fmt, ##__VA_ARGS__)
#define pr_warn_once	    pr_warn
#define pr_info_once	    pr_info
#define pr_err_once	    pr_err
#ifdef DEBUG
#define pr_debug(fmt, ...) printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#else
/* Never prints, but the arguments are still type-checked. */
#define pr_debug(fmt, ...)                                                     \
	do {                                                                   \
		if (0)                                                         \
			printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__);         \
	} while (0)
#endif

#endif
