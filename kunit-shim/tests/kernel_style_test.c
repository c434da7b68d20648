// SPDX-License-Identifier: GPL-2.0
/*
 * A test written as a kernel lib/ KUnit test would be, compiled with no
 * shim-specific edits: parameterised cases, a failing ASSERT followed by
 * cleanup actions, a skipped case.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

struct rounding_case {
	unsigned long value;
	unsigned long align;
	unsigned long expected;
	const char *name;
};

static const struct rounding_case rounding_cases[] = {
	{.value = 0, .align = 8, .expected = 0, .name = "zero"},
	{.value = 1, .align = 8, .expected = 8, .name = "one up"},
	{.value = 4096, .align = 4096, .expected = 4096, .name = "exact"},
	{.value = 4097, .align = 4096, .expected = 8192, .name = "page+1"},
};

KUNIT_ARRAY_PARAM_DESC(rounding, rounding_cases, name);

static void round_up_test(struct kunit *test)
{
	const struct rounding_case *param = test->param_value;

	KUNIT_EXPECT_EQ(test, round_up(param->value, param->align),
			param->expected);
}

static void buffer_fill_test(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, 32, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(buf, 0, 32), NULL);
	memset(buf, 'a', 31);
	KUNIT_EXPECT_EQ(test, strlen(buf), 31);
}

static void release_buffer(void *ptr)
{
	pr_info("kernel_style: releasing buffer\n");
	kfree(ptr);
}

static void assert_then_cleanup_test(struct kunit *test)
{
	size_t entries = ARRAY_SIZE(rounding_cases);
	void *buf = kmalloc(16, GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	ret = kunit_add_action_or_reset(test, release_buffer, buf);
	KUNIT_ASSERT_EQ(test, ret, 0);

	KUNIT_ASSERT_EQ_MSG(test, entries, 5, "table has %zu entries", entries);
	KUNIT_FAIL(test, "not reached");
}

static void needs_hardware_test(struct kunit *test)
{
	kunit_skip(test, "no such hardware in user space");
}

static struct kunit_case kernel_style_test_cases[] = {
	KUNIT_CASE_PARAM(round_up_test, rounding_gen_params),
	KUNIT_CASE(buffer_fill_test),
	KUNIT_CASE(assert_then_cleanup_test),
	KUNIT_CASE(needs_hardware_test),
	{}};

static struct kunit_suite kernel_style_test_suite = {
	.name = "kernel_style",
	.test_cases = kernel_style_test_cases,
};

kunit_test_suite(kernel_style_test_suite);

MODULE_DESCRIPTION("KUnit shim: a test in the kernel's own style");
MODULE_LICENSE("GPL");
