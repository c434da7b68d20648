/* SPDX-License-Identifier: MIT */
/*
 * Managed resources: deferred actions run last-in first-out when the case
 * ends (even after a failed ASSERT), and allocations freed the same way.
 */
#ifndef KUNIT_RESOURCE_H
#define KUNIT_RESOURCE_H

#include <stddef.h>

#include <linux/types.h>

struct kunit;

typedef void(kunit_action_t)(void *ctx);

/* Defines wrapper(void *) calling orig((arg_type)ctx), for kunit_add_action. */
#define KUNIT_DEFINE_ACTION_WRAPPER(wrapper, orig, arg_type)                   \
	static void wrapper(void *in)                                          \
	{                                                                      \
		orig((arg_type)in);                                            \
	}

/* 0 on success, -ENOMEM when the action could not be recorded. */
int kunit_add_action(struct kunit *test, kunit_action_t *action, void *ctx);
/* As kunit_add_action, but runs action(ctx) at once when it fails. */
int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *action,
			      void *ctx);
/* Forgets the latest matching action without running it. */
void kunit_remove_action(struct kunit *test, kunit_action_t *action, void *ctx);
/* Runs the latest matching action now and forgets it. */
void kunit_release_action(struct kunit *test, kunit_action_t *action,
			  void *ctx);
/* Runs and forgets every pending action, newest first. */
void kunit_cleanup(struct kunit *test);

void *kunit_kmalloc_array(struct kunit *test, size_t n, size_t size, gfp_t gfp);
void *kunit_kmalloc(struct kunit *test, size_t size, gfp_t gfp);
void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp);
void *kunit_kcalloc(struct kunit *test, size_t n, size_t size, gfp_t gfp);
void kunit_kfree(struct kunit *test, const void *ptr);
char *kunit_kstrdup(struct kunit *test, const char *str, gfp_t gfp);

#endif /* KUNIT_RESOURCE_H */
