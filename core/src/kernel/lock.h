/* SPDX-License-Identifier: MIT */
/* Mutexes the kernel way: lock and unlock cannot fail, init can. */
#ifndef ZS_KERNEL_LOCK_H
#define ZS_KERNEL_LOCK_H

#include <pthread.h>

#include "report.h"

struct zs_mutex {
	pthread_mutex_t m;
};

/* A static pthread_mutex_t of the same kind as zs_mutex_init makes. */
#if defined(__GLIBC__) && defined(PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP)
#define ZS_STATIC_MUTEX_INIT PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
#else
#define ZS_STATIC_MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
#endif

/*
 * 0, or an errno value (nothing to destroy then). Where glibc has them,
 * adaptive: a thread that finds the lock taken spins a little before it
 * sleeps, as the kernel's class spinlocks would; the sections these locks
 * guard are short, and a futex sleep and wake cost more than they do.
 */
static inline int zs_mutex_init(struct zs_mutex *l)
{
#if defined(__GLIBC__)
	pthread_mutexattr_t attr;
	int err = pthread_mutexattr_init(&attr);

	if (err)
		return err;
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
	err = pthread_mutex_init(&l->m, &attr);
	pthread_mutexattr_destroy(&attr);
	return err;
#else
	return pthread_mutex_init(&l->m, NULL);
#endif
}

static inline void zs_mutex_destroy(struct zs_mutex *l)
{
	ZS_BUG_ON(pthread_mutex_destroy(&l->m) != 0);
}

static inline void zs_mutex_lock(struct zs_mutex *l)
{
	ZS_BUG_ON(pthread_mutex_lock(&l->m) != 0);
}

static inline void zs_mutex_unlock(struct zs_mutex *l)
{
	ZS_BUG_ON(pthread_mutex_unlock(&l->m) != 0);
}

#endif /* ZS_KERNEL_LOCK_H */
