// SPDX-License-Identifier: MIT
/*
 * Every check form in its passing case, managed memory and deferred
 * actions. Runs under ctest (and Valgrind in that flavour); must pass.
 * Freeing of managed memory is proven by the leak checkers of the
 * asan-ubsan and valgrind flavours, which fail the child at exit.
 */
#include <kunit/test.h>

static void every_expect_passes(struct kunit *test)
{
	static const char bytes[] = "abcd";
	int three = 3;
	size_t size_three = 3;
	void *p = &three;

	KUNIT_SUCCEED(test);
	KUNIT_EXPECT_TRUE(test, three == 3);
	KUNIT_EXPECT_FALSE(test, three == 4);
	KUNIT_EXPECT_EQ(test, three, size_three);
	KUNIT_EXPECT_NE(test, three, 4);
	KUNIT_EXPECT_LT(test, three, 4);
	KUNIT_EXPECT_LE(test, three, 3);
	KUNIT_EXPECT_GT(test, three, 2);
	KUNIT_EXPECT_GE(test, size_three, 0);
	KUNIT_EXPECT_PTR_EQ(test, p, &three);
	KUNIT_EXPECT_PTR_NE(test, p, NULL);
	KUNIT_EXPECT_NULL(test, NULL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, p);
	KUNIT_EXPECT_STREQ(test, bytes, "abcd");
	KUNIT_EXPECT_STRNEQ(test, bytes, "abce");
	KUNIT_EXPECT_MEMEQ(test, bytes, "abcd", 4);
	KUNIT_EXPECT_MEMNEQ(test, bytes, "abce", 4);
	KUNIT_EXPECT_TRUE_MSG(test, true, "unused %d", 1);
	KUNIT_EXPECT_FALSE_MSG(test, false, "unused");
	KUNIT_EXPECT_EQ_MSG(test, 1, 1, "unused");
	KUNIT_EXPECT_NE_MSG(test, 1, 2, "unused");
	KUNIT_EXPECT_LT_MSG(test, 1, 2, "unused");
	KUNIT_EXPECT_LE_MSG(test, 2, 2, "unused");
	KUNIT_EXPECT_GT_MSG(test, 3, 2, "unused");
	KUNIT_EXPECT_GE_MSG(test, 3, 3, "unused");
	KUNIT_EXPECT_PTR_EQ_MSG(test, p, p, "unused");
	KUNIT_EXPECT_PTR_NE_MSG(test, p, NULL, "unused");
	KUNIT_EXPECT_NULL_MSG(test, NULL, "unused");
	KUNIT_EXPECT_NOT_NULL_MSG(test, p, "unused");
	KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(test, p, "unused");
	KUNIT_EXPECT_STREQ_MSG(test, "a", "a", "unused");
	KUNIT_EXPECT_STRNEQ_MSG(test, "a", "b", "unused");
	KUNIT_EXPECT_MEMEQ_MSG(test, "a", "a", 1, "unused");
	KUNIT_EXPECT_MEMNEQ_MSG(test, "a", "b", 1, "unused");
}

static void every_assert_passes(struct kunit *test)
{
	int three = 3;
	void *p = &three;

	KUNIT_ASSERT_TRUE(test, three == 3);
	KUNIT_ASSERT_FALSE(test, three == 4);
	KUNIT_ASSERT_EQ(test, three, 3);
	KUNIT_ASSERT_NE(test, three, 4);
	KUNIT_ASSERT_LT(test, three, 4);
	KUNIT_ASSERT_LE(test, three, 3);
	KUNIT_ASSERT_GT(test, three, 2);
	KUNIT_ASSERT_GE(test, three, 3);
	KUNIT_ASSERT_PTR_EQ(test, p, &three);
	KUNIT_ASSERT_PTR_NE(test, p, NULL);
	KUNIT_ASSERT_NULL(test, NULL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	KUNIT_ASSERT_STREQ(test, "x", "x");
	KUNIT_ASSERT_STRNEQ(test, "x", "y");
	KUNIT_ASSERT_MEMEQ(test, "xy", "xy", 2);
	KUNIT_ASSERT_MEMNEQ(test, "xy", "xz", 2);
	KUNIT_ASSERT_TRUE_MSG(test, true, "unused");
	KUNIT_ASSERT_FALSE_MSG(test, false, "unused");
	KUNIT_ASSERT_EQ_MSG(test, 1, 1, "unused");
	KUNIT_ASSERT_NE_MSG(test, 1, 2, "unused");
	KUNIT_ASSERT_LT_MSG(test, 1, 2, "unused");
	KUNIT_ASSERT_LE_MSG(test, 1, 1, "unused");
	KUNIT_ASSERT_GT_MSG(test, 2, 1, "unused");
	KUNIT_ASSERT_GE_MSG(test, 2, 2, "unused");
	KUNIT_ASSERT_PTR_EQ_MSG(test, p, p, "unused");
	KUNIT_ASSERT_PTR_NE_MSG(test, p, NULL, "unused");
	KUNIT_ASSERT_NULL_MSG(test, NULL, "unused");
	KUNIT_ASSERT_NOT_NULL_MSG(test, p, "unused");
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, p, "unused");
	KUNIT_ASSERT_STREQ_MSG(test, "x", "x", "unused");
	KUNIT_ASSERT_STRNEQ_MSG(test, "x", "y", "unused");
	KUNIT_ASSERT_MEMEQ_MSG(test, "x", "x", 1, "unused");
	KUNIT_ASSERT_MEMNEQ_MSG(test, "x", "y", 1, "unused");
}

static void managed_allocations_work(struct kunit *test)
{
	u32 *words = kunit_kmalloc_array(test, 64, sizeof(*words), GFP_KERNEL);
	u8 *zeroed = kunit_kzalloc(test, 100, GFP_KERNEL);
	u64 *table = kunit_kcalloc(test, 10, sizeof(*table), GFP_KERNEL);
	char *plain = kunit_kmalloc(test, 10, GFP_KERNEL);
	char *freed_early = kunit_kmalloc(test, 10, GFP_KERNEL);
	char *copy = kunit_kstrdup(test, "copy", GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, words);
	KUNIT_ASSERT_NOT_NULL(test, zeroed);
	KUNIT_ASSERT_NOT_NULL(test, table);
	KUNIT_ASSERT_NOT_NULL(test, plain);
	KUNIT_ASSERT_NOT_NULL(test, freed_early);
	KUNIT_ASSERT_NOT_NULL(test, copy);
	for (i = 0; i < 64; i++)
		words[i] = (u32)i;
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(zeroed, 0, 100), NULL);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(table, 0, sizeof(*table) * 10),
			    NULL);
	KUNIT_EXPECT_STREQ(test, copy, "copy");
	/* Freed now, and not again at the end (a double free would crash). */
	kunit_kfree(test, freed_early);
	KUNIT_EXPECT_NULL(test,
			  kunit_kmalloc_array(test, SIZE_MAX, 2, GFP_KERNEL));
	/* Many blocks, all left for the runner to free. */
	for (i = 0; i < 1000; i++)
		KUNIT_ASSERT_NOT_NULL(test,
				      kunit_kmalloc(test, 32, GFP_KERNEL));
}

static int order[8];
static int order_len;

static void record(void *value)
{
	order[order_len++] = (int)(intptr_t)value;
}

static void check_order(void *test)
{
	/* Runs last (added first): everything else has run, newest first. */
	static const int expected[] = {5, 4, 2};

	KUNIT_EXPECT_EQ(test, order_len, 3);
	KUNIT_EXPECT_MEMEQ(test, order, expected, sizeof(expected));
}

static void actions_run_lifo(struct kunit *test)
{
	order_len = 0;
	KUNIT_ASSERT_EQ(test, kunit_add_action(test, check_order, test), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action(test, record, (void *)1), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action(test, record, (void *)2), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action(test, record, (void *)3), 0);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, record, (void *)4), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action(test, record, (void *)5), 0);
	/* remove: forgotten, never run. release: run now, not again. */
	kunit_remove_action(test, record, (void *)1);
	kunit_release_action(test, record, (void *)3);
	KUNIT_EXPECT_EQ(test, order_len, 1);
	KUNIT_EXPECT_EQ(test, order[0], 3);
	order_len = 0;
}

static void diagnostics_do_not_fail(struct kunit *test)
{
	kunit_info(test, "info line %d", 1);
	kunit_warn(test, "warn line\n");
	kunit_err(test, "err line");
	KUNIT_EXPECT_EQ(test, test->status, KUNIT_SUCCESS);
	KUNIT_EXPECT_STREQ(test, test->name, "diagnostics_do_not_fail");
	KUNIT_EXPECT_NULL(test, test->param_value);
}

static int priv_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(int), GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static void priv_is_fresh_per_case(struct kunit *test)
{
	int *counter = test->priv;

	KUNIT_ASSERT_NOT_NULL(test, counter);
	/* Each case starts from a zeroed block: no state leaks between. */
	KUNIT_EXPECT_EQ(test, *counter, 0);
	(*counter)++;
}

static struct kunit_case api_cases[] = {
	KUNIT_CASE(every_expect_passes),      KUNIT_CASE(every_assert_passes),
	KUNIT_CASE(managed_allocations_work), KUNIT_CASE(actions_run_lifo),
	KUNIT_CASE(diagnostics_do_not_fail),  {}};

static struct kunit_case priv_cases[] = {KUNIT_CASE(priv_is_fresh_per_case),
					 KUNIT_CASE(priv_is_fresh_per_case),
					 {}};

static struct kunit_suite api_suite = {
	.name = "api_passes",
	.test_cases = api_cases,
};

static struct kunit_suite priv_suite = {
	.name = "priv_per_case",
	.init = priv_init,
	.test_cases = priv_cases,
};

kunit_test_suites(&api_suite, &priv_suite);
