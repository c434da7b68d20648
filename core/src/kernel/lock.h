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

/*
 * Reader-writer lock, writers first: many readers go on together, a
 * writer waits for them and then has the thing to itself.
 */
struct zs_rwlock {
	pthread_rwlock_t rw;
};

static inline int zs_rwlock_init(struct zs_rwlock *l)
{
	pthread_rwlockattr_t attr;
	int err = pthread_rwlockattr_init(&attr);

	if (err)
		return err;
#if defined(__GLIBC__)
	pthread_rwlockattr_setkind_np(
		&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
	err = pthread_rwlock_init(&l->rw, &attr);
	pthread_rwlockattr_destroy(&attr);
	return err;
}

static inline void zs_rwlock_destroy(struct zs_rwlock *l)
{
	ZS_BUG_ON(pthread_rwlock_destroy(&l->rw) != 0);
}

static inline void zs_read_lock(struct zs_rwlock *l)
{
	ZS_BUG_ON(pthread_rwlock_rdlock(&l->rw) != 0);
}

static inline void zs_read_unlock(struct zs_rwlock *l)
{
	ZS_BUG_ON(pthread_rwlock_unlock(&l->rw) != 0);
}

static inline void zs_write_lock(struct zs_rwlock *l)
{
	ZS_BUG_ON(pthread_rwlock_wrlock(&l->rw) != 0);
}

static inline void zs_write_unlock(struct zs_rwlock *l)
{
	ZS_BUG_ON(pthread_rwlock_unlock(&l->rw) != 0);
}

#endif /* ZS_KERNEL_LOCK_H */
