// SPDX-License-Identifier: MIT
/*
 * zpool: the built-in backends, the registry (hostile type names select
 * nothing, drivers cannot go while used), and the same contract from both
 * backends: error codes, round trips, total sizes, reports on misuse.
 */
#include "zs_test_util.h"

#include <errno.h>

#include <zpool.h>

static void zpool_destroy_action(void *zpool)
{
	zpool_destroy_pool(zpool);
}

static struct zpool *zp_pool(struct kunit *test, const char *type,
			     size_t page_size)
{
	struct zpool_config cfg = {.page_size = page_size};
	struct zpool *zpool =
		zpool_create_pool_config(type, "kunit", NULL, &cfg);

	KUNIT_ASSERT_NOT_NULL(test, zpool);
	KUNIT_ASSERT_EQ(
		test, 0,
		kunit_add_action_or_reset(test, zpool_destroy_action, zpool));
	return zpool;
}

static void zpool_builtin_backends(struct kunit *test)
{
	struct zpool *zs, *zb;

	KUNIT_EXPECT_TRUE(test, zpool_has_pool("zsmalloc"));
	KUNIT_EXPECT_TRUE(test, zpool_has_pool("zbud"));
	zs = zpool_create_pool("zsmalloc", "a", NULL);
	zb = zpool_create_pool("zbud", NULL, NULL);
	KUNIT_ASSERT_NOT_NULL(test, zs);
	KUNIT_ASSERT_NOT_NULL(test, zb);
	KUNIT_EXPECT_STREQ(test, zpool_get_type(zs), "zsmalloc");
	KUNIT_EXPECT_STREQ(test, zpool_get_type(zb), "zbud");
	KUNIT_EXPECT_EQ(test, zpool_get_total_size(zs), (uint64_t)0);
	KUNIT_EXPECT_EQ(test, zpool_get_total_size(zb), (uint64_t)0);
	zpool_destroy_pool(zs);
	zpool_destroy_pool(zb);
	KUNIT_EXPECT_PTR_EQ(test, zpool_get_type(NULL), (const char *)NULL);
}

/* Names that must select nothing: formats, paths, prefixes, bytes. */
static void zpool_hostile_type_names(struct kunit *test)
{
	static const char *const hostile[] = {
		"",
		"%s%s%s%s%n",
		"%n",
		"zbud%n",
		"../zbud",
		"./zsmalloc",
		"/zbud",
		"zbud/../zsmalloc",
		"zpool-zbud",
		"zpool-zsmalloc",
		"zpool-",
		"ZBUD",
		"Zsmalloc",
		"zbud ",
		" zbud",
		"zbud\n",
		"zbud\t",
		"zs\xc3\xa9malloc",
		"zbud\xff",
		"\xe2\x80\xaezbud",
		"zsmallo",
		"zsmallocc",
		"zbud;zsmalloc",
	};
	char *lng = kunit_kzalloc(test, 8193, GFP_KERNEL);
	struct zpool *zpool;
	unsigned long reports = zs_report_count();

	KUNIT_ASSERT_NOT_NULL(test, lng);
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		KUNIT_EXPECT_FALSE_MSG(test, zpool_has_pool(hostile[i]),
				       "name %zu", i);
		KUNIT_EXPECT_NULL_MSG(test,
				      zpool_create_pool(hostile[i], "x", NULL),
				      "name %zu", i);
	}
	/* very long: a prefix of a real name, then padding */
	memset(lng, 'a', 8192);
	memcpy(lng, "zbud", 4);
	KUNIT_EXPECT_FALSE(test, zpool_has_pool(lng));
	KUNIT_EXPECT_NULL(test, zpool_create_pool(lng, "x", NULL));
	memset(lng, '%', 8192);
	KUNIT_EXPECT_NULL(test, zpool_create_pool(lng, lng, NULL));
	KUNIT_EXPECT_FALSE(test, zpool_has_pool(NULL));
	KUNIT_EXPECT_NULL(test, zpool_create_pool(NULL, "x", NULL));
	/* refusals are return values, not misuse reports */
	KUNIT_EXPECT_EQ(test, zs_report_count(), reports);
	/* and a hostile pool name is only a label */
	zpool = zpool_create_pool("zsmalloc", "%n%s%s", NULL);
	KUNIT_EXPECT_NOT_NULL(test, zpool);
	zpool_destroy_pool(zpool);
}

/* A driver of our own that counts calls and forwards to zbud's pool. */
static unsigned long fake_creates;

static void *fake_create(const char *name, const struct zpool_config *cfg,
			 const struct zpool_ops *ops, struct zpool *zpool)
{
	(void)name;
	(void)cfg;
	(void)ops;
	(void)zpool;
	fake_creates++;
	return &fake_creates;
}

static int fake_destroy(void *pool)
{
	(void)pool;
	return 0;
}

static int fake_malloc(void *pool, size_t size, unsigned long *handle)
{
	(void)pool;
	*handle = size;
	return 0;
}

static void fake_free(void *pool, unsigned long handle)
{
	(void)pool;
	(void)handle;
}

static void *fake_map(void *pool, unsigned long handle, enum zpool_mapmode mm)
{
	(void)handle;
	(void)mm;
	return pool;
}

static void fake_unmap(void *pool, unsigned long handle)
{
	(void)pool;
	(void)handle;
}

static uint64_t fake_total(void *pool)
{
	(void)pool;
	return 12345;
}

static void zpool_registry(struct kunit *test)
{
	struct zpool_driver fake = {
		.type = "fake-backend_2",
		.create = fake_create,
		.destroy = fake_destroy,
		.malloc = fake_malloc,
		.free = fake_free,
		.map = fake_map,
		.unmap = fake_unmap,
		.total_size = fake_total,
	};
	struct zpool_driver bad = fake;
	struct zpool *zpool;
	unsigned long h = 0;

	KUNIT_EXPECT_EQ(test, zpool_unregister_driver(&fake), -ENOENT);
	KUNIT_ASSERT_EQ(test, zpool_register_driver(&fake), 0);
	KUNIT_EXPECT_EQ(test, zpool_register_driver(&fake), -EEXIST);
	bad.type = "zbud"; /* taken */
	KUNIT_EXPECT_EQ(test, zpool_register_driver(&bad), -EEXIST);
	bad.type = "%n%n";
	KUNIT_EXPECT_EQ(test, zpool_register_driver(&bad), -EINVAL);
	bad.type = "../x";
	KUNIT_EXPECT_EQ(test, zpool_register_driver(&bad), -EINVAL);
	bad.type = "";
	KUNIT_EXPECT_EQ(test, zpool_register_driver(&bad), -EINVAL);
	bad.type = NULL;
	KUNIT_EXPECT_EQ(test, zpool_register_driver(&bad), -EINVAL);
	bad.type = "ok";
	bad.map = NULL;
	KUNIT_EXPECT_EQ(test, zpool_register_driver(&bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, zpool_register_driver(NULL), -EINVAL);

	KUNIT_EXPECT_TRUE(test, zpool_has_pool("fake-backend_2"));
	zpool = zpool_create_pool("fake-backend_2", "f", NULL);
	KUNIT_ASSERT_NOT_NULL(test, zpool);
	KUNIT_EXPECT_EQ(test, fake_creates, 1ul);
	KUNIT_EXPECT_EQ(test, zpool_malloc(zpool, 77, &h), 0);
	KUNIT_EXPECT_EQ(test, h, 77ul);
	KUNIT_EXPECT_PTR_EQ(test, zpool_map_handle(zpool, h, ZPOOL_MM_RO),
			    (void *)&fake_creates);
	zpool_unmap_handle(zpool, h);
	KUNIT_EXPECT_EQ(test, zpool_get_total_size(zpool), (uint64_t)12345);
	KUNIT_EXPECT_EQ(test, zpool_unregister_driver(&fake), -EBUSY);
	zpool_destroy_pool(zpool);
	KUNIT_EXPECT_EQ(test, zpool_unregister_driver(&fake), 0);
	KUNIT_EXPECT_FALSE(test, zpool_has_pool("fake-backend_2"));
	KUNIT_EXPECT_NULL(test, zpool_create_pool("fake-backend_2", "f", NULL));
	/* built-ins can go and come back, like modules */
	{
		extern struct zpool_driver zbud_zpool_driver;

		KUNIT_EXPECT_EQ(test,
				zpool_unregister_driver(&zbud_zpool_driver), 0);
		KUNIT_EXPECT_FALSE(test, zpool_has_pool("zbud"));
		KUNIT_EXPECT_EQ(test, zpool_register_driver(&zbud_zpool_driver),
				0);
		KUNIT_EXPECT_TRUE(test, zpool_has_pool("zbud"));
	}
}

struct zp_param {
	const char *type;
	size_t page_size;
	char desc[32];
};

static const struct zp_param zp_params[] = {
	{"zsmalloc", 4096, "zsmalloc-4k"},   {"zbud", 4096, "zbud-4k"},
	{"zsmalloc", 16384, "zsmalloc-16k"}, {"zbud", 16384, "zbud-16k"},
	{"zsmalloc", 65536, "zsmalloc-64k"}, {"zbud", 65536, "zbud-64k"},
};
KUNIT_ARRAY_PARAM_DESC(zp, zp_params, desc);

/* The same contract from every backend. */
static void zpool_round_trip(struct kunit *test)
{
	const struct zp_param *pm = test->param_value;
	struct zpool *zpool = zp_pool(test, pm->type, pm->page_size);
	const size_t page = pm->page_size;
	const size_t sizes[] = {1,	  63,	    64,	       65,	 100,
				page / 3, page / 2, page - 65, page - 1, page};
	unsigned long h[ARRAY_SIZE(sizes)];
	unsigned long x = 1;
	size_t i;

	KUNIT_EXPECT_EQ(test, zpool_malloc(zpool, 0, &x), -EINVAL);
	KUNIT_EXPECT_EQ(test, zpool_malloc(zpool, page + 1, &x), -ENOSPC);
	KUNIT_EXPECT_EQ(test, x, 1ul); /* untouched on failure */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p;

		KUNIT_ASSERT_EQ(test, zpool_malloc(zpool, sizes[i], &h[i]), 0);
		p = zpool_map_handle(zpool, h[i], ZPOOL_MM_WO);
		KUNIT_ASSERT_NOT_NULL(test, p);
		zt_fill(p, sizes[i], i);
		zpool_unmap_handle(zpool, h[i]);
		KUNIT_EXPECT_EQ(test, zpool_get_total_size(zpool) % page,
				(uint64_t)0);
	}
	KUNIT_EXPECT_GT(test, zpool_get_total_size(zpool), (uint64_t)0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned char *p = zpool_map_handle(zpool, h[i], ZPOOL_MM_RW);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, zt_mismatch(p, sizes[i], i), sizes[i]);
		zt_fill(p, sizes[i], i + 100);
		zpool_unmap_handle(zpool, h[i]);
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned char *p = zpool_map_handle(zpool, h[i], ZPOOL_MM_RO);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, zt_mismatch(p, sizes[i], i + 100),
				sizes[i]);
		zpool_unmap_handle(zpool, h[i]);
		zpool_free(zpool, h[i]);
	}
	KUNIT_EXPECT_EQ(test, zpool_get_total_size(zpool), (uint64_t)0);
}

/*
 * Destroying a pool with an object mapped is refused by the backend; zpool
 * must then keep its own wrapper too, so the mapping can be ended and the
 * pool destroyed afterwards with nothing leaked.
 */
static void zpool_destroy_while_mapped(struct kunit *test)
{
	const struct zp_param *pm = test->param_value;
	struct zt_reports *r = zt_record_reports(test);
	struct zpool_config cfg = {.page_size = pm->page_size};
	struct zpool *zpool =
		zpool_create_pool_config(pm->type, "busy", NULL, &cfg);
	unsigned long h;
	unsigned char *p;

	KUNIT_ASSERT_NOT_NULL(test, zpool);
	KUNIT_ASSERT_EQ(test, zpool_malloc(zpool, 300, &h), 0);
	p = zpool_map_handle(zpool, h, ZPOOL_MM_WO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	zt_fill(p, 300, 7);
	zpool_destroy_pool(zpool);
	KUNIT_EXPECT_EQ(test, r->count, 1ul);
	KUNIT_EXPECT_TRUE(test, zpool_has_pool(pm->type));
	KUNIT_EXPECT_STREQ(test, zpool_get_type(zpool), pm->type);
	zpool_unmap_handle(zpool, h);
	p = zpool_map_handle(zpool, h, ZPOOL_MM_RO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, zt_mismatch(p, 300, 7), (size_t)300);
	zpool_unmap_handle(zpool, h);
	zpool_free(zpool, h);
	zpool_destroy_pool(zpool);
	KUNIT_EXPECT_EQ(test, r->count, 1ul);
}

/* Misuse through zpool reaches the backend's checks and is reported. */
static void zpool_misuse_reported(struct kunit *test)
{
	const struct zp_param *pm = test->param_value;
	struct zt_reports *r = zt_record_reports(test);
	struct zpool *zpool = zp_pool(test, pm->type, pm->page_size);
	unsigned long h;

	KUNIT_ASSERT_EQ(test, zpool_malloc(zpool, 200, &h), 0);
	zpool_free(zpool, h);
	KUNIT_EXPECT_EQ(test, r->count, 0ul);
	zpool_free(zpool, h);
	KUNIT_EXPECT_EQ(test, r->count, 1ul);
	KUNIT_EXPECT_NULL(test, zpool_map_handle(zpool, h, ZPOOL_MM_RO));
	KUNIT_EXPECT_EQ(test, r->count, 2ul);
	KUNIT_EXPECT_NULL(test,
			  zpool_map_handle(zpool, h, (enum zpool_mapmode)7));
	KUNIT_EXPECT_EQ(test, r->count, 3ul);
	KUNIT_EXPECT_NULL(test, zpool_map_handle(NULL, h, ZPOOL_MM_RO));
	KUNIT_EXPECT_EQ(test, zpool_malloc(NULL, 1, &h), -EINVAL);
	KUNIT_EXPECT_EQ(test, zpool_malloc(zpool, 1, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, r->count, 6ul);
	KUNIT_EXPECT_EQ(test, zpool_get_total_size(zpool), (uint64_t)0);
}

static struct kunit_case zpool_cases[] = {
	KUNIT_CASE(zpool_builtin_backends),
	KUNIT_CASE(zpool_hostile_type_names),
	KUNIT_CASE(zpool_registry),
	KUNIT_CASE_PARAM(zpool_round_trip, zp_gen_params),
	KUNIT_CASE_PARAM(zpool_misuse_reported, zp_gen_params),
	KUNIT_CASE_PARAM(zpool_destroy_while_mapped, zp_gen_params),
	{}};

static struct kunit_suite zpool_suite = {
	.name = "zpool",
	.test_cases = zpool_cases,
};
kunit_test_suite(zpool_suite);
