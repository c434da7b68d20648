// SPDX-License-Identifier: MIT
/* printk to stderr, without the KERN_* level prefix. */
#include <stdarg.h>
#include <stdio.h>

#include <linux/printk.h>

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	/* A level is "\001" plus one character. */
	while (fmt[0] == KERN_SOH[0] && fmt[1] != '\0')
		fmt += 2;
	va_start(ap, fmt);
	n = vfprintf(stderr, fmt, ap);
	va_end(ap);
	return n;
}
