/* SPDX-License-Identifier: MIT */
/*
 * KUNIT_EXPECT_* and KUNIT_ASSERT_*: each operand is evaluated once; on
 * failure a reporting function prints the kernel's diagnostic. An EXPECT
 * lets the case go on; an ASSERT ends it (the reporter longjmps).
 * Operand texts are stringified here, before macro expansion, so the
 * report shows what the test author wrote.
 */
#ifndef KUNIT_ASSERT_H
#define KUNIT_ASSERT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <linux/err.h>

struct kunit;

enum kunit_assert_type {
	KUNIT_ASSERTION,
	KUNIT_EXPECTATION,
};

struct kunit_loc {
	const char *file;
	int line;
	enum kunit_assert_type type;
};

#define KUNIT_PRINTF_(f, a) __attribute__((format(printf, f, a)))

/* fmt may be NULL (no _MSG) in every reporter below. */
void kunit_fail_unary(struct kunit *test, struct kunit_loc loc,
		      const char *cond_text, bool expected_true,
		      const char *fmt, ...) KUNIT_PRINTF_(5, 6);
void kunit_fail_int(struct kunit *test, struct kunit_loc loc,
		    const char *left_text, const char *op,
		    const char *right_text, long long left, long long right,
		    const char *fmt, ...) KUNIT_PRINTF_(8, 9);
void kunit_fail_ptr(struct kunit *test, struct kunit_loc loc,
		    const char *left_text, const char *op,
		    const char *right_text, const void *left, const void *right,
		    const char *fmt, ...) KUNIT_PRINTF_(8, 9);
void kunit_fail_str(struct kunit *test, struct kunit_loc loc,
		    const char *left_text, const char *op,
		    const char *right_text, const char *left, const char *right,
		    const char *fmt, ...) KUNIT_PRINTF_(8, 9);
void kunit_fail_mem(struct kunit *test, struct kunit_loc loc,
		    const char *left_text, const char *op,
		    const char *right_text, const void *left, const void *right,
		    size_t size, const char *fmt, ...) KUNIT_PRINTF_(9, 10);
void kunit_fail_not_err_or_null(struct kunit *test, struct kunit_loc loc,
				const char *text, const void *ptr,
				const char *fmt, ...) KUNIT_PRINTF_(5, 6);
void kunit_fail_msg(struct kunit *test, struct kunit_loc loc, const char *fmt,
		    ...) KUNIT_PRINTF_(3, 4);

/* NULL-safe string equality: two NULLs are equal, NULL and a string not. */
bool kunit_str_equal(const char *left, const char *right);

#define KUNIT_LOC_(type) ((struct kunit_loc){__FILE__, __LINE__, (type)})

/*
 * Integer operands keep their own types so the comparison has C's meaning;
 * mixed signedness is the test author's business, as in the kernel, so the
 * warning is silenced for this one comparison.
 */
#define KUNIT_DIAG_PUSH_                                                       \
	_Pragma("GCC diagnostic push")                                         \
		_Pragma("GCC diagnostic ignored \"-Wsign-compare\"")           \
			_Pragma("GCC diagnostic ignored \"-Wtype-limits\"")
#define KUNIT_DIAG_POP_ _Pragma("GCC diagnostic pop")

#define KUNIT_UNARY_(test, type, cond, cond_text, expect, ...)                 \
	do {                                                                   \
		if ((bool)(cond) != (bool)(expect))                            \
			kunit_fail_unary(test, KUNIT_LOC_(type), cond_text,    \
					 expect, __VA_ARGS__);                 \
	} while (0)

#define KUNIT_INT_(test, type, left, op, right, ltext, rtext, ...)             \
	do {                                                                   \
		__typeof__(left) kunit_left_ = (left);                         \
		__typeof__(right) kunit_right_ = (right);                      \
		bool kunit_ok_;                                                \
		KUNIT_DIAG_PUSH_                                               \
		kunit_ok_ = kunit_left_ op kunit_right_;                       \
		KUNIT_DIAG_POP_                                                \
		if (!kunit_ok_)                                                \
			kunit_fail_int(test, KUNIT_LOC_(type), ltext, #op,     \
				       rtext, (long long)kunit_left_,          \
				       (long long)kunit_right_, __VA_ARGS__);  \
	} while (0)

#define KUNIT_PTR_(test, type, left, op, right, ltext, rtext, ...)             \
	do {                                                                   \
		const void *kunit_left_ = (left);                              \
		const void *kunit_right_ = (right);                            \
		if (!(kunit_left_ op kunit_right_))                            \
			kunit_fail_ptr(test, KUNIT_LOC_(type), ltext, #op,     \
				       rtext, kunit_left_, kunit_right_,       \
				       __VA_ARGS__);                           \
	} while (0)

#define KUNIT_STR_(test, type, left, want_equal, right, ltext, rtext, ...)     \
	do {                                                                   \
		const char *kunit_left_ = (left);                              \
		const char *kunit_right_ = (right);                            \
		if (kunit_str_equal(kunit_left_, kunit_right_) !=              \
		    (want_equal))                                              \
			kunit_fail_str(test, KUNIT_LOC_(type), ltext,          \
				       (want_equal) ? "==" : "!=", rtext,      \
				       kunit_left_, kunit_right_,              \
				       __VA_ARGS__);                           \
	} while (0)

/* As in the kernel, a NULL buffer fails both MEMEQ and MEMNEQ. */
#define KUNIT_MEM_(test, type, left, want_equal, right, size, ltext, rtext,    \
		   ...)                                                        \
	do {                                                                   \
		const void *kunit_left_ = (left);                              \
		const void *kunit_right_ = (right);                            \
		size_t kunit_size_ = (size);                                   \
		if (!kunit_left_ || !kunit_right_ ||                           \
		    (memcmp(kunit_left_, kunit_right_, kunit_size_) == 0) !=   \
			    (want_equal))                                      \
			kunit_fail_mem(test, KUNIT_LOC_(type), ltext,          \
				       (want_equal) ? "==" : "!=", rtext,      \
				       kunit_left_, kunit_right_, kunit_size_, \
				       __VA_ARGS__);                           \
	} while (0)

#define KUNIT_NOT_ERR_OR_NULL_(test, type, ptr, text, ...)                     \
	do {                                                                   \
		const void *kunit_ptr_ = (ptr);                                \
		if (IS_ERR_OR_NULL(kunit_ptr_))                                \
			kunit_fail_not_err_or_null(test, KUNIT_LOC_(type),     \
						   text, kunit_ptr_,           \
						   __VA_ARGS__);               \
	} while (0)

#define KUNIT_E_ KUNIT_EXPECTATION
#define KUNIT_A_ KUNIT_ASSERTION

/* Always-passing and always-failing checks. */
#define KUNIT_SUCCEED(test)                                                    \
	do {                                                                   \
		(void)(test);                                                  \
	} while (0)
#define KUNIT_FAIL(test, ...)                                                  \
	kunit_fail_msg(test, KUNIT_LOC_(KUNIT_E_), __VA_ARGS__)
#define KUNIT_ASSERT_FAILURE(test, ...)                                        \
	kunit_fail_msg(test, KUNIT_LOC_(KUNIT_A_), __VA_ARGS__)

/* TRUE / FALSE */
#define KUNIT_EXPECT_TRUE(test, c)  KUNIT_UNARY_(test, KUNIT_E_, c, #c, 1, NULL)
#define KUNIT_ASSERT_TRUE(test, c)  KUNIT_UNARY_(test, KUNIT_A_, c, #c, 1, NULL)
#define KUNIT_EXPECT_FALSE(test, c) KUNIT_UNARY_(test, KUNIT_E_, c, #c, 0, NULL)
#define KUNIT_ASSERT_FALSE(test, c) KUNIT_UNARY_(test, KUNIT_A_, c, #c, 0, NULL)
#define KUNIT_EXPECT_TRUE_MSG(test, c, ...)                                    \
	KUNIT_UNARY_(test, KUNIT_E_, c, #c, 1, __VA_ARGS__)
#define KUNIT_ASSERT_TRUE_MSG(test, c, ...)                                    \
	KUNIT_UNARY_(test, KUNIT_A_, c, #c, 1, __VA_ARGS__)
#define KUNIT_EXPECT_FALSE_MSG(test, c, ...)                                   \
	KUNIT_UNARY_(test, KUNIT_E_, c, #c, 0, __VA_ARGS__)
#define KUNIT_ASSERT_FALSE_MSG(test, c, ...)                                   \
	KUNIT_UNARY_(test, KUNIT_A_, c, #c, 0, __VA_ARGS__)

/* Integer comparisons: EQ NE LT LE GT GE */
#define KUNIT_EXPECT_EQ(test, l, r)                                            \
	KUNIT_INT_(test, KUNIT_E_, l, ==, r, #l, #r, NULL)
#define KUNIT_EXPECT_NE(test, l, r)                                            \
	KUNIT_INT_(test, KUNIT_E_, l, !=, r, #l, #r, NULL)
#define KUNIT_EXPECT_LT(test, l, r)                                            \
	KUNIT_INT_(test, KUNIT_E_, l, <, r, #l, #r, NULL)
#define KUNIT_EXPECT_LE(test, l, r)                                            \
	KUNIT_INT_(test, KUNIT_E_, l, <=, r, #l, #r, NULL)
#define KUNIT_EXPECT_GT(test, l, r)                                            \
	KUNIT_INT_(test, KUNIT_E_, l, >, r, #l, #r, NULL)
#define KUNIT_EXPECT_GE(test, l, r)                                            \
	KUNIT_INT_(test, KUNIT_E_, l, >=, r, #l, #r, NULL)
#define KUNIT_ASSERT_EQ(test, l, r)                                            \
	KUNIT_INT_(test, KUNIT_A_, l, ==, r, #l, #r, NULL)
#define KUNIT_ASSERT_NE(test, l, r)                                            \
	KUNIT_INT_(test, KUNIT_A_, l, !=, r, #l, #r, NULL)
#define KUNIT_ASSERT_LT(test, l, r)                                            \
	KUNIT_INT_(test, KUNIT_A_, l, <, r, #l, #r, NULL)
#define KUNIT_ASSERT_LE(test, l, r)                                            \
	KUNIT_INT_(test, KUNIT_A_, l, <=, r, #l, #r, NULL)
#define KUNIT_ASSERT_GT(test, l, r)                                            \
	KUNIT_INT_(test, KUNIT_A_, l, >, r, #l, #r, NULL)
#define KUNIT_ASSERT_GE(test, l, r)                                            \
	KUNIT_INT_(test, KUNIT_A_, l, >=, r, #l, #r, NULL)
#define KUNIT_EXPECT_EQ_MSG(test, l, r, ...)                                   \
	KUNIT_INT_(test, KUNIT_E_, l, ==, r, #l, #r, __VA_ARGS__)
#define KUNIT_EXPECT_NE_MSG(test, l, r, ...)                                   \
	KUNIT_INT_(test, KUNIT_E_, l, !=, r, #l, #r, __VA_ARGS__)
#define KUNIT_EXPECT_LT_MSG(test, l, r, ...)                                   \
	KUNIT_INT_(test, KUNIT_E_, l, <, r, #l, #r, __VA_ARGS__)
#define KUNIT_EXPECT_LE_MSG(test, l, r, ...)                                   \
	KUNIT_INT_(test, KUNIT_E_, l, <=, r, #l, #r, __VA_ARGS__)
#define KUNIT_EXPECT_GT_MSG(test, l, r, ...)                                   \
	KUNIT_INT_(test, KUNIT_E_, l, >, r, #l, #r, __VA_ARGS__)
#define KUNIT_EXPECT_GE_MSG(test, l, r, ...)                                   \
	KUNIT_INT_(test, KUNIT_E_, l, >=, r, #l, #r, __VA_ARGS__)
#define KUNIT_ASSERT_EQ_MSG(test, l, r, ...)                                   \
	KUNIT_INT_(test, KUNIT_A_, l, ==, r, #l, #r, __VA_ARGS__)
#define KUNIT_ASSERT_NE_MSG(test, l, r, ...)                                   \
	KUNIT_INT_(test, KUNIT_A_, l, !=, r, #l, #r, __VA_ARGS__)
#define KUNIT_ASSERT_LT_MSG(test, l, r, ...)                                   \
	KUNIT_INT_(test, KUNIT_A_, l, <, r, #l, #r, __VA_ARGS__)
#define KUNIT_ASSERT_LE_MSG(test, l, r, ...)                                   \
	KUNIT_INT_(test, KUNIT_A_, l, <=, r, #l, #r, __VA_ARGS__)
#define KUNIT_ASSERT_GT_MSG(test, l, r, ...)                                   \
	KUNIT_INT_(test, KUNIT_A_, l, >, r, #l, #r, __VA_ARGS__)
#define KUNIT_ASSERT_GE_MSG(test, l, r, ...)                                   \
	KUNIT_INT_(test, KUNIT_A_, l, >=, r, #l, #r, __VA_ARGS__)

/* Pointer comparisons; NULL and NOT_NULL compare against NULL. */
#define KUNIT_EXPECT_PTR_EQ(test, l, r)                                        \
	KUNIT_PTR_(test, KUNIT_E_, l, ==, r, #l, #r, NULL)
#define KUNIT_EXPECT_PTR_NE(test, l, r)                                        \
	KUNIT_PTR_(test, KUNIT_E_, l, !=, r, #l, #r, NULL)
#define KUNIT_ASSERT_PTR_EQ(test, l, r)                                        \
	KUNIT_PTR_(test, KUNIT_A_, l, ==, r, #l, #r, NULL)
#define KUNIT_ASSERT_PTR_NE(test, l, r)                                        \
	KUNIT_PTR_(test, KUNIT_A_, l, !=, r, #l, #r, NULL)
#define KUNIT_EXPECT_PTR_EQ_MSG(test, l, r, ...)                               \
	KUNIT_PTR_(test, KUNIT_E_, l, ==, r, #l, #r, __VA_ARGS__)
#define KUNIT_EXPECT_PTR_NE_MSG(test, l, r, ...)                               \
	KUNIT_PTR_(test, KUNIT_E_, l, !=, r, #l, #r, __VA_ARGS__)
#define KUNIT_ASSERT_PTR_EQ_MSG(test, l, r, ...)                               \
	KUNIT_PTR_(test, KUNIT_A_, l, ==, r, #l, #r, __VA_ARGS__)
#define KUNIT_ASSERT_PTR_NE_MSG(test, l, r, ...)                               \
	KUNIT_PTR_(test, KUNIT_A_, l, !=, r, #l, #r, __VA_ARGS__)
#define KUNIT_EXPECT_NULL(test, p)                                             \
	KUNIT_PTR_(test, KUNIT_E_, p, ==, NULL, #p, "NULL", NULL)
#define KUNIT_EXPECT_NOT_NULL(test, p)                                         \
	KUNIT_PTR_(test, KUNIT_E_, p, !=, NULL, #p, "NULL", NULL)
#define KUNIT_ASSERT_NULL(test, p)                                             \
	KUNIT_PTR_(test, KUNIT_A_, p, ==, NULL, #p, "NULL", NULL)
#define KUNIT_ASSERT_NOT_NULL(test, p)                                         \
	KUNIT_PTR_(test, KUNIT_A_, p, !=, NULL, #p, "NULL", NULL)
#define KUNIT_EXPECT_NULL_MSG(test, p, ...)                                    \
	KUNIT_PTR_(test, KUNIT_E_, p, ==, NULL, #p, "NULL", __VA_ARGS__)
#define KUNIT_EXPECT_NOT_NULL_MSG(test, p, ...)                                \
	KUNIT_PTR_(test, KUNIT_E_, p, !=, NULL, #p, "NULL", __VA_ARGS__)
#define KUNIT_ASSERT_NULL_MSG(test, p, ...)                                    \
	KUNIT_PTR_(test, KUNIT_A_, p, ==, NULL, #p, "NULL", __VA_ARGS__)
#define KUNIT_ASSERT_NOT_NULL_MSG(test, p, ...)                                \
	KUNIT_PTR_(test, KUNIT_A_, p, !=, NULL, #p, "NULL", __VA_ARGS__)
#define KUNIT_EXPECT_NOT_ERR_OR_NULL(test, p)                                  \
	KUNIT_NOT_ERR_OR_NULL_(test, KUNIT_E_, p, #p, NULL)
#define KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p)                                  \
	KUNIT_NOT_ERR_OR_NULL_(test, KUNIT_A_, p, #p, NULL)
#define KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(test, p, ...)                         \
	KUNIT_NOT_ERR_OR_NULL_(test, KUNIT_E_, p, #p, __VA_ARGS__)
#define KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, p, ...)                         \
	KUNIT_NOT_ERR_OR_NULL_(test, KUNIT_A_, p, #p, __VA_ARGS__)

/* Strings (NUL-terminated) and memory blocks. */
#define KUNIT_EXPECT_STREQ(test, l, r)                                         \
	KUNIT_STR_(test, KUNIT_E_, l, true, r, #l, #r, NULL)
#define KUNIT_EXPECT_STRNEQ(test, l, r)                                        \
	KUNIT_STR_(test, KUNIT_E_, l, false, r, #l, #r, NULL)
#define KUNIT_ASSERT_STREQ(test, l, r)                                         \
	KUNIT_STR_(test, KUNIT_A_, l, true, r, #l, #r, NULL)
#define KUNIT_ASSERT_STRNEQ(test, l, r)                                        \
	KUNIT_STR_(test, KUNIT_A_, l, false, r, #l, #r, NULL)
#define KUNIT_EXPECT_STREQ_MSG(test, l, r, ...)                                \
	KUNIT_STR_(test, KUNIT_E_, l, true, r, #l, #r, __VA_ARGS__)
#define KUNIT_EXPECT_STRNEQ_MSG(test, l, r, ...)                               \
	KUNIT_STR_(test, KUNIT_E_, l, false, r, #l, #r, __VA_ARGS__)
#define KUNIT_ASSERT_STREQ_MSG(test, l, r, ...)                                \
	KUNIT_STR_(test, KUNIT_A_, l, true, r, #l, #r, __VA_ARGS__)
#define KUNIT_ASSERT_STRNEQ_MSG(test, l, r, ...)                               \
	KUNIT_STR_(test, KUNIT_A_, l, false, r, #l, #r, __VA_ARGS__)
#define KUNIT_EXPECT_MEMEQ(test, l, r, n)                                      \
	KUNIT_MEM_(test, KUNIT_E_, l, true, r, n, #l, #r, NULL)
#define KUNIT_EXPECT_MEMNEQ(test, l, r, n)                                     \
	KUNIT_MEM_(test, KUNIT_E_, l, false, r, n, #l, #r, NULL)
#define KUNIT_ASSERT_MEMEQ(test, l, r, n)                                      \
	KUNIT_MEM_(test, KUNIT_A_, l, true, r, n, #l, #r, NULL)
#define KUNIT_ASSERT_MEMNEQ(test, l, r, n)                                     \
	KUNIT_MEM_(test, KUNIT_A_, l, false, r, n, #l, #r, NULL)
#define KUNIT_EXPECT_MEMEQ_MSG(test, l, r, n, ...)                             \
	KUNIT_MEM_(test, KUNIT_E_, l, true, r, n, #l, #r, __VA_ARGS__)
#define KUNIT_EXPECT_MEMNEQ_MSG(test, l, r, n, ...)                            \
	KUNIT_MEM_(test, KUNIT_E_, l, false, r, n, #l, #r, __VA_ARGS__)
#define KUNIT_ASSERT_MEMEQ_MSG(test, l, r, n, ...)                             \
	KUNIT_MEM_(test, KUNIT_A_, l, true, r, n, #l, #r, __VA_ARGS__)
#define KUNIT_ASSERT_MEMNEQ_MSG(test, l, r, n, ...)                            \
	KUNIT_MEM_(test, KUNIT_A_, l, false, r, n, #l, #r, __VA_ARGS__)

#endif /* KUNIT_ASSERT_H */
