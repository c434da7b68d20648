// SPDX-License-Identifier: MIT
/*
 * Deferred actions and managed allocations. Actions form a stack on the
 * test; the runner pops and runs them when the case ends, whatever way it
 * ended. An ASSERT inside an action ends only that action.
 */
#include <setjmp.h>
#include <stdlib.h>

#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>

struct kunit_action_node {
	kunit_action_t *action;
	void *ctx;
	struct kunit_action_node *next;
};

int kunit_add_action(struct kunit *test, kunit_action_t *action, void *ctx)
{
	struct kunit_action_node *node = malloc(sizeof(*node));

	if (!node)
		return -ENOMEM;
	node->action = action;
	node->ctx = ctx;
	node->next = test->actions;
	test->actions = node;
	return 0;
}

int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *action,
			      void *ctx)
{
	int err = kunit_add_action(test, action, ctx);

	if (err)
		action(ctx);
	return err;
}

/* Unlinks the newest node matching (action, ctx); NULL if none. */
static struct kunit_action_node *
unlink_action(struct kunit *test, kunit_action_t *action, void *ctx)
{
	struct kunit_action_node **link;

	for (link = &test->actions; *link; link = &(*link)->next) {
		struct kunit_action_node *node = *link;

		if (node->action == action && node->ctx == ctx) {
			*link = node->next;
			return node;
		}
	}
	return NULL;
}

static void run_guarded(struct kunit *test, kunit_action_t *action, void *ctx)
{
	jmp_buf env;
	jmp_buf *outer = test->abort_point;

	test->abort_point = &env;
	if (setjmp(env) == 0)
		action(ctx);
	test->abort_point = outer;
}

void kunit_remove_action(struct kunit *test, kunit_action_t *action, void *ctx)
{
	free(unlink_action(test, action, ctx));
}

void kunit_release_action(struct kunit *test, kunit_action_t *action, void *ctx)
{
	struct kunit_action_node *node = unlink_action(test, action, ctx);

	if (!node)
		return;
	free(node);
	run_guarded(test, action, ctx);
}

void kunit_cleanup(struct kunit *test)
{
	struct kunit_action_node *node;

	while ((node = test->actions) != NULL) {
		kunit_action_t *action = node->action;
		void *ctx = node->ctx;

		test->actions = node->next;
		free(node);
		run_guarded(test, action, ctx);
	}
}

static void kfree_action(void *ptr)
{
	kfree(ptr);
}

void *kunit_kmalloc_array(struct kunit *test, size_t n, size_t size, gfp_t gfp)
{
	void *ptr = kmalloc_array(n, size, gfp);

	if (!ptr || ZERO_OR_NULL_PTR(ptr))
		return ptr;
	if (kunit_add_action_or_reset(test, kfree_action, ptr))
		return NULL;
	return ptr;
}

void *kunit_kmalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	return kunit_kmalloc_array(test, 1, size, gfp);
}

void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	return kunit_kmalloc_array(test, 1, size, gfp | __GFP_ZERO);
}

void *kunit_kcalloc(struct kunit *test, size_t n, size_t size, gfp_t gfp)
{
	return kunit_kmalloc_array(test, n, size, gfp | __GFP_ZERO);
}

void kunit_kfree(struct kunit *test, const void *ptr)
{
	struct kunit_action_node *node;

	if (ZERO_OR_NULL_PTR(ptr))
		return;
	/* Freeing what kunit did not allocate is a bug in the test. */
	node = unlink_action(test, kfree_action, (void *)ptr);
	if (!node) {
		kunit_err(test,
			  "kunit_kfree: %p already freed or not allocated by "
			  "kunit",
			  ptr);
		kunit_set_failure(test);
		return;
	}
	free(node);
	kfree(ptr);
}

char *kunit_kstrdup(struct kunit *test, const char *str, gfp_t gfp)
{
	size_t len;
	char *copy;

	if (!str)
		return NULL;
	len = strlen(str) + 1;
	copy = kunit_kmalloc(test, len, gfp);
	if (copy)
		memcpy(copy, str, len);
	return copy;
}
