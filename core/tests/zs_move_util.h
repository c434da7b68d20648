/* SPDX-License-Identifier: MIT */
/*
 * What the suites that move objects (compact, migrate) share: a record of
 * each object written, and the check that every one still holds its bytes
 * after the moves, through map/unmap and through the 2025 read API.
 */
#ifndef ZS_MOVE_UTIL_H
#define ZS_MOVE_UTIL_H

#include "zs_test_util.h"

struct obj {
	unsigned long h; /* 0: none */
	size_t size;
	unsigned long seed; /* of its zt_fill pattern */
};

static inline void expect_intact(struct kunit *test, struct zs_pool *pool,
				 const struct obj *o, unsigned int n)
{
	static unsigned char copy[65536];
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned char *p;

		if (!o[i].h)
			continue;
		KUNIT_EXPECT_TRUE(test, zt_check(pool, o[i].h, o[i].size,
						 o[i].seed, ZS_MM_RO));
		p = zs_obj_read_begin(pool, o[i].h, copy);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, zt_mismatch(p, o[i].size, o[i].seed),
				o[i].size);
		zs_obj_read_end(pool, o[i].h, p);
	}
}

#endif /* ZS_MOVE_UTIL_H */
