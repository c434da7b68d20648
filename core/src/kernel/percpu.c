// SPDX-License-Identifier: MIT
#include "percpu.h"

#include <pthread.h>
#include <stdatomic.h>

#include "atomic.h"
#include "report.h"
#include "sanitize.h"
#include "slab.h"

static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static int cpu_key_ok;
static pthread_key_t cpu_key;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zs_cpu_area *registry;
static unsigned long registry_count;

_Thread_local struct zs_cpu_area *zs_this_cpu;
static atomic_uint fail_up;

static void cpu_exit_destructor(void *arg);

static void cpu_key_init(void)
{
	cpu_key_ok = pthread_key_create(&cpu_key, cpu_exit_destructor) == 0;
}

void zs_cpu_fail_next_up(unsigned int n)
{
	atomic_store(&fail_up, n);
}

static void registry_add(struct zs_cpu_area *a)
{
	pthread_mutex_lock(&registry_lock);
	a->prev = NULL;
	a->next = registry;
	if (registry)
		registry->prev = a;
	registry = a;
	registry_count++;
	pthread_mutex_unlock(&registry_lock);
}

static void registry_del(struct zs_cpu_area *a)
{
	pthread_mutex_lock(&registry_lock);
	if (a->prev)
		a->prev->next = a->next;
	else
		registry = a->next;
	if (a->next)
		a->next->prev = a->prev;
	registry_count--;
	pthread_mutex_unlock(&registry_lock);
}

static void area_free(struct zs_cpu_area *a)
{
	zs_san_open_defined(a->buf, ZS_MAP_AREA_SIZE);
	zs_kfree(a->buf);
	zs_kfree(a);
}

/*
 * The CPU callback. UP_PREPARE builds and registers the area, undoing each
 * step on failure; DEAD undoes UP_PREPARE.
 */
static int zs_cpu_notify(enum zs_cpu_action action, struct zs_cpu_area **ap)
{
	struct zs_cpu_area *a;

	switch (action) {
	case ZS_CPU_UP_PREPARE:
		if (zs_take_injected_failure(&fail_up))
			return -1;
		pthread_once(&cpu_once, cpu_key_init);
		if (!cpu_key_ok)
			return -1;
		a = zs_kzalloc(sizeof(*a));
		if (!a)
			return -1;
		a->buf = zs_kmalloc(ZS_MAP_AREA_SIZE);
		if (!a->buf) {
			zs_kfree(a);
			return -1;
		}
		zs_san_close(a->buf, ZS_MAP_AREA_SIZE);
		if (pthread_setspecific(cpu_key, a) != 0) {
			area_free(a);
			return -1;
		}
		registry_add(a);
		*ap = a;
		return 0;
	case ZS_CPU_DEAD:
		a = *ap;
		registry_del(a);
		area_free(a);
		*ap = NULL;
		return 0;
	}
	return -1;
}

/* Thread exit: the thread goes down whatever it holds. */
static void cpu_exit_destructor(void *arg)
{
	struct zs_cpu_area *a = arg;

	if (a->pool)
		zs_report("thread exit",
			  "thread exits holding a mapping of handle %#lx",
			  a->handle);
	zs_cpu_notify(ZS_CPU_DEAD, &a);
	zs_this_cpu = NULL;
}

static atomic_uint threads_numbered;
static _Thread_local unsigned int this_number; /* number + 1; 0: none yet */

unsigned int zs_cpu_number(void)
{
	if (!this_number)
		this_number = atomic_fetch_add(&threads_numbered, 1) + 1;
	return this_number - 1;
}

int zs_cpu_up(void)
{
	struct zs_cpu_area *a = NULL;

	if (zs_this_cpu)
		return 0;
	if (zs_cpu_notify(ZS_CPU_UP_PREPARE, &a) != 0)
		return -1;
	zs_this_cpu = a;
	return 0;
}

bool zs_cpu_down(void)
{
	struct zs_cpu_area *a = zs_this_cpu;

	if (!a)
		return true;
	if (a->pool)
		return false;
	/* The key must not call the destructor on an area already gone. */
	ZS_BUG_ON(pthread_setspecific(cpu_key, NULL) != 0);
	zs_cpu_notify(ZS_CPU_DEAD, &a);
	zs_this_cpu = NULL;
	return true;
}

unsigned long zs_cpu_nr_up(void)
{
	unsigned long n;

	pthread_mutex_lock(&registry_lock);
	n = registry_count;
	pthread_mutex_unlock(&registry_lock);
	return n;
}
