/* SPDX-License-Identifier: MIT */
/*
 * The C library's errno values plus the kernel-internal ones it lacks.
 * glibc's <errno.h> includes <linux/errno.h> itself, so this header must
 * pass through to the system one first.
 */
#ifndef KUNIT_SHIM_LINUX_ERRNO_H
#define KUNIT_SHIM_LINUX_ERRNO_H

#if defined(__has_include_next)
#if __has_include_next(<linux/errno.h>)
#include_next <linux/errno.h>
#endif
#endif
#include <errno.h>

#define ERESTARTSYS	      512
#define ERESTARTNOINTR	      513
#define ERESTARTNOHAND	      514
#define ENOIOCTLCMD	      515
#define ERESTART_RESTARTBLOCK 516
#define EPROBE_DEFER	      517
#define EOPENSTALE	      518
#define ENOPARAM	      519
#define EBADHANDLE	      521
#define ENOTSYNC	      522
#define EBADCOOKIE	      523
#define ENOTSUPP	      524
#define ETOOSMALL	      525
#define ESERVERFAULT	      526
#define EBADTYPE	      527
#define EJUKEBOX	      528
#define EIOCBQUEUED	      529
#define ERECALLCONFLICT	      530
#define ENOGRACE	      531

#endif
