// SPDX-License-Identifier: MIT
/* The <linux/...> helpers behave as their kernel namesakes. */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>

struct outer {
	int a;
	long member;
};

static void kernel_h_helpers(struct kunit *test)
{
	int arr[7];
	struct outer o;
	int i = 0;

	BUILD_BUG_ON(sizeof(u64) != 8);
	KUNIT_EXPECT_EQ(test, ARRAY_SIZE(arr), 7);
	KUNIT_EXPECT_EQ(test, min(3, 5), 3);
	KUNIT_EXPECT_EQ(test, max(3, 5), 5);
	KUNIT_EXPECT_EQ(test, min(min(4, 2), 3), 2);
	KUNIT_EXPECT_EQ(test, min_t(u8, 300, 50), 44); /* (u8)300 == 44 */
	KUNIT_EXPECT_EQ(test, max_t(int, -1, 0), 0);
	KUNIT_EXPECT_EQ(test, clamp(15, 0, 10), 10);
	KUNIT_EXPECT_EQ(test, clamp(-5, 0, 10), 0);
	KUNIT_EXPECT_EQ(test, min3(4, 1, 9), 1);
	KUNIT_EXPECT_EQ(test, max3(4, 1, 9), 9);
	/* Arguments are evaluated once. */
	KUNIT_EXPECT_EQ(test, max(i++, 0), 0);
	KUNIT_EXPECT_EQ(test, i, 1);
	KUNIT_EXPECT_EQ(test, DIV_ROUND_UP(9, 4), 3);
	KUNIT_EXPECT_EQ(test, DIV_ROUND_UP(8, 4), 2);
	KUNIT_EXPECT_EQ(test, round_up(4097, 4096), 8192);
	KUNIT_EXPECT_EQ(test, round_down(4097, 4096), 4096);
	KUNIT_EXPECT_EQ(test, roundup(10, 3), 12);
	KUNIT_EXPECT_EQ(test, rounddown(10, 3), 9);
	KUNIT_EXPECT_EQ(test, ALIGN(13, 8), 16);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(64, 16));
	KUNIT_EXPECT_TRUE(test, is_power_of_2(64));
	KUNIT_EXPECT_FALSE(test, is_power_of_2(12));
	KUNIT_EXPECT_PTR_EQ(test, container_of(&o.member, struct outer, member),
			    &o);
	KUNIT_EXPECT_TRUE(test, likely(1));
	KUNIT_EXPECT_FALSE(test, unlikely(0));
	KUNIT_EXPECT_EQ(test, upper_32_bits(0x123456789abcdefULL), 0x1234567);
	KUNIT_EXPECT_EQ(test, lower_32_bits(0x123456789abcdefULL), 0x89abcdef);
}

static void bits_and_limits(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, BIT(3), 8);
	KUNIT_EXPECT_EQ(test, BIT_ULL(40), 1ULL << 40);
	KUNIT_EXPECT_EQ(test, GENMASK(7, 4), 0xf0);
	KUNIT_EXPECT_EQ(test, GENMASK_ULL(63, 62), 0xc000000000000000ULL);
	KUNIT_EXPECT_EQ(test, BITS_PER_LONG, 8 * (int)sizeof(long));
	KUNIT_EXPECT_EQ(test, U8_MAX, 255);
	KUNIT_EXPECT_EQ(test, S16_MIN, -32768);
	KUNIT_EXPECT_EQ(test, U32_MAX, 0xffffffffu);
	KUNIT_EXPECT_EQ(test, S64_MAX, 0x7fffffffffffffffLL);
	KUNIT_EXPECT_EQ(test, SZ_4K, 4096);
	KUNIT_EXPECT_EQ(test, SZ_1M, 1 << 20);
	KUNIT_EXPECT_EQ(test, SZ_4G, 1ULL << 32);
	KUNIT_EXPECT_EQ(test, sizeof(u8) + sizeof(u16) + sizeof(u32), 7);
	KUNIT_EXPECT_EQ(test, sizeof(s64), 8);
	KUNIT_EXPECT_EQ(test, sizeof(phys_addr_t), 8);
}

static void err_ptr_round_trip(struct kunit *test)
{
	void *e = ERR_PTR(-ENOMEM);
	int x;

	KUNIT_EXPECT_TRUE(test, IS_ERR(e));
	KUNIT_EXPECT_EQ(test, PTR_ERR(e), -ENOMEM);
	KUNIT_EXPECT_TRUE(test, IS_ERR_OR_NULL(NULL));
	KUNIT_EXPECT_FALSE(test, IS_ERR(&x));
	KUNIT_EXPECT_PTR_EQ(test, ERR_CAST(e), e);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(&x), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(ERR_PTR(-EIO)), -EIO);
	/* Kernel-only codes exist and keep their kernel values. */
	KUNIT_EXPECT_EQ(test, ENOTSUPP, 524);
	KUNIT_EXPECT_EQ(test, EPROBE_DEFER, 517);
	KUNIT_EXPECT_EQ(test, ERESTARTSYS, 512);
	KUNIT_EXPECT_EQ(test, EINVAL, 22);
}

static void bug_and_warn(struct kunit *test)
{
	int hits = 0;
	int i;

	BUG_ON(0);
	KUNIT_EXPECT_FALSE(test, WARN_ON(0));
	KUNIT_EXPECT_TRUE(test, WARN_ON(1));
	for (i = 0; i < 3; i++)
		if (WARN_ON_ONCE(i > 0))
			hits++;
	KUNIT_EXPECT_EQ(test, hits, 2);
	KUNIT_EXPECT_TRUE(test, WARN(1, "warn %d", 1));
}

static void slab_helpers(struct kunit *test)
{
	char *p = kmalloc(8, GFP_KERNEL);
	char *z = kzalloc(16, GFP_KERNEL);
	int *c = kcalloc(4, sizeof(int), GFP_KERNEL);
	char *dup;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, z);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(z, 0, 16), NULL);
	KUNIT_EXPECT_EQ(test, c[3], 0);
	strcpy(p, "1234567");
	p = krealloc(p, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_STREQ(test, p, "1234567");
	KUNIT_EXPECT_PTR_EQ(test, kmalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_NULL(test, kmalloc_array(SIZE_MAX, 2, GFP_KERNEL));
	kfree(ZERO_SIZE_PTR);
	kfree(NULL);
	dup = kstrdup("dup", GFP_ATOMIC);
	KUNIT_EXPECT_STREQ(test, dup, "dup");
	kfree(dup);
	kfree(p);
	kfree(z);
	kfree(c);
}

static void string_helpers(struct kunit *test)
{
	char buf[4];
	char pad[8];
	u8 mem[8] = {0};

	KUNIT_EXPECT_EQ(test, strscpy(buf, "ab", sizeof(buf)), 2);
	KUNIT_EXPECT_STREQ(test, buf, "ab");
	KUNIT_EXPECT_EQ(test, strscpy(buf, "abcdef", sizeof(buf)), -E2BIG);
	KUNIT_EXPECT_STREQ(test, buf, "abc");
	memset(pad, 'x', sizeof(pad));
	KUNIT_EXPECT_EQ(test, strscpy_pad(pad, "hi", sizeof(pad)), 2);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(pad + 2, 0, 6), NULL);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(mem, 0, 8), NULL);
	mem[5] = 1;
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(mem, 0, 8), &mem[5]);
	KUNIT_EXPECT_EQ(test, str_has_prefix("prefix-rest", "prefix"), 6);
	KUNIT_EXPECT_EQ(test, str_has_prefix("pre", "prefix"), 0);
	KUNIT_EXPECT_TRUE(test, sysfs_streq("on\n", "on"));
	KUNIT_EXPECT_EQ(test, scnprintf(buf, sizeof(buf), "%s", "toolong"), 3);
}

static void overflow_helpers(struct kunit *test)
{
	u8 r8;
	size_t r;

	KUNIT_EXPECT_TRUE(test, check_add_overflow((u8)200, (u8)100, &r8));
	KUNIT_EXPECT_EQ(test, r8, 44);
	KUNIT_EXPECT_FALSE(test, check_mul_overflow((size_t)3, (size_t)4, &r));
	KUNIT_EXPECT_EQ(test, r, 12);
	KUNIT_EXPECT_EQ(test, size_mul(SIZE_MAX, 2), SIZE_MAX);
	KUNIT_EXPECT_EQ(test, size_add(SIZE_MAX, 1), SIZE_MAX);
	KUNIT_EXPECT_EQ(test, array_size(3, 5), 15);
}

static void random_helpers(struct kunit *test)
{
	u8 bytes[13] = {0};
	int i;

	for (i = 0; i < 1000; i++) {
		KUNIT_ASSERT_LT(test, get_random_u32_below(7), 7);
		KUNIT_ASSERT_GE(test, get_random_u32_inclusive(5, 9), 5);
		KUNIT_ASSERT_LE(test, get_random_u32_inclusive(5, 9), 9);
	}
	get_random_bytes(bytes, sizeof(bytes));
	KUNIT_EXPECT_NOT_NULL(test, memchr_inv(bytes, 0, sizeof(bytes)));
	kunit_random_seed(42);
	i = (int)get_random_u32();
	kunit_random_seed(42);
	KUNIT_EXPECT_EQ(test, (int)get_random_u32(), i);
	pr_debug("not printed %d\n", i);
	pr_info("pr_info goes to stderr\n");
}

static struct kunit_case header_cases[] = {KUNIT_CASE(kernel_h_helpers),
					   KUNIT_CASE(bits_and_limits),
					   KUNIT_CASE(err_ptr_round_trip),
					   KUNIT_CASE(bug_and_warn),
					   KUNIT_CASE(slab_helpers),
					   KUNIT_CASE(string_helpers),
					   KUNIT_CASE(overflow_helpers),
					   KUNIT_CASE(random_helpers),
					   {}};

static struct kunit_suite header_suite = {
	.name = "linux_headers",
	.test_cases = header_cases,
};

kunit_test_suite(header_suite);
MODULE_LICENSE("MIT");
MODULE_AUTHOR("zsmalloc-portable");
