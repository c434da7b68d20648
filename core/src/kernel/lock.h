/* SPDX-License-Identifier: MIT */
/* Mutexes the kernel way: lock and unlock cannot fail, init can. */
#ifndef ZS_KERNEL_LOCK_H
#define ZS_KERNEL_LOCK_H

#include <pthread.h>

#include "report.h"

struct zs_mutex {
	pthread_mutex_t m;
};

/* 0, or an errno value (nothing to destroy then). */
static inline int zs_mutex_init(struct zs_mutex *l)
{
	return pthread_mutex_init(&l->m, NULL);
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
