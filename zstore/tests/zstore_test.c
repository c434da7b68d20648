// SPDX-License-Identifier: MIT
/*
 * zstore: every page reads back as written; same-filled pages take no
 * memory; pages compressing worse than 3/4 of a page are stored raw; the
 * statistics add up; the memory limit fails writes cleanly and loses
 * nothing; all of it on both backends and both compressors.
 */
#include <kunit/test.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <zstore.h>

struct zt_store_param {
	const char *backend;
	enum zstore_comp comp;
	size_t page_size;
	char desc[40];
};

static const struct zt_store_param store_params[] = {
	{"zsmalloc", ZSTORE_LZ4, 4096, "zsmalloc-lz4-4k"},
	{"zsmalloc", ZSTORE_ZSTD, 4096, "zsmalloc-zstd-4k"},
	{"zbud", ZSTORE_LZ4, 4096, "zbud-lz4-4k"},
	{"zbud", ZSTORE_ZSTD, 4096, "zbud-zstd-4k"},
	{"zsmalloc", ZSTORE_LZ4, 16384, "zsmalloc-lz4-16k"},
	{"zbud", ZSTORE_ZSTD, 65536, "zbud-zstd-64k"},
};
KUNIT_ARRAY_PARAM_DESC(store, store_params, desc);

static void store_destroy_action(void *s)
{
	zstore_destroy(s);
}

static struct zstore *make_store(struct kunit *test,
				 const struct zt_store_param *p,
				 size_t nr_pages, uint64_t limit)
{
	struct zstore_config cfg = {
		.nr_pages = nr_pages,
		.page_size = p->page_size,
		.backend = p->backend,
		.comp = p->comp,
		.mem_limit = limit,
	};
	int err = 1;
	struct zstore *s = zstore_create(&cfg, &err);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(
		test, 0,
		kunit_add_action_or_reset(test, store_destroy_action, s));
	return s;
}

static uint64_t next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* random bytes: they do not compress */
static void fill_random(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(next_rand(&x) >> 24);
}

/* text-like bytes: they compress well */
static void fill_text(unsigned char *p, size_t n, unsigned int seed)
{
	static const char words[] = "static inline void kmap_atomic(page); ";

	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)words[(i + seed) % (sizeof(words) - 1)];
	p[n / 2] = (unsigned char)seed;
}

/* k random bytes, then zeros: compresses to about k bytes */
static void fill_partly_random(unsigned char *p, size_t n, size_t k,
			       uint64_t seed)
{
	fill_random(p, k, seed);
	memset(p + k, 0, n - k);
}

static void fill_words(unsigned char *p, size_t n, unsigned long w)
{
	for (size_t i = 0; i < n; i += sizeof(w))
		memcpy(p + i, &w, sizeof(w));
}

static void expect_reads_as(struct kunit *test, struct zstore *s, size_t i,
			    const unsigned char *want)
{
	size_t n = zstore_page_size(s);
	unsigned char *got = kunit_kmalloc(test, n, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, got);
	KUNIT_ASSERT_EQ(test, zstore_read(s, i, got), 0);
	KUNIT_EXPECT_MEMEQ_MSG(test, got, want, n, "slot %zu", i);
	kunit_kfree(test, got);
}

static enum zstore_slot_kind kind_of(struct zstore *s, size_t i, size_t *bytes)
{
	enum zstore_slot_kind k = ZSTORE_SLOT_EMPTY;
	size_t b = 0;

	zstore_slot_info(s, i, &k, &b);
	if (bytes)
		*bytes = b;
	return k;
}

/* The invariants that hold after any sequence of calls. */
static void expect_stats_add_up(struct kunit *test, struct zstore *s)
{
	struct zstore_stats st;
	uint64_t same = 0, huge = 0, comp = 0, bytes = 0;

	for (size_t i = 0; i < zstore_nr_pages(s); i++) {
		size_t b;

		switch (kind_of(s, i, &b)) {
		case ZSTORE_SLOT_SAME:
			same++;
			break;
		case ZSTORE_SLOT_HUGE:
			huge++;
			KUNIT_EXPECT_EQ(test, b, zstore_page_size(s));
			break;
		case ZSTORE_SLOT_COMPRESSED:
			comp++;
			KUNIT_EXPECT_LE(test, b, zstore_page_size(s) / 4 * 3);
			break;
		case ZSTORE_SLOT_EMPTY:
			KUNIT_EXPECT_EQ(test, b, (size_t)0);
			break;
		}
		bytes += b;
	}
	zstore_get_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.same_pages, same);
	KUNIT_EXPECT_EQ(test, st.huge_pages, huge);
	KUNIT_EXPECT_EQ(test, st.pages_stored, same + huge + comp);
	KUNIT_EXPECT_EQ(test, st.orig_data_size,
			st.pages_stored * zstore_page_size(s));
	KUNIT_EXPECT_EQ(test, st.compr_data_size, bytes);
	KUNIT_EXPECT_GE(test, st.mem_used_total, st.compr_data_size);
	KUNIT_EXPECT_GE(test, st.mem_used_max, st.mem_used_total);
	KUNIT_EXPECT_EQ(test, st.mem_used_total % zstore_page_size(s),
			(uint64_t)0);
	if (st.mem_limit)
		KUNIT_EXPECT_LE(test, st.mem_used_max, st.mem_limit);
	if (huge + comp == 0)
		KUNIT_EXPECT_EQ(test, st.mem_used_total, (uint64_t)0);
}

static void zstore_round_trip(struct kunit *test)
{
	const struct zt_store_param *p = test->param_value;
	const size_t n = p->page_size;
	struct zstore *s = make_store(test, p, 8, 0);
	unsigned char *pg[5];

	for (int i = 0; i < 5; i++) {
		pg[i] = kunit_kmalloc(test, n, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pg[i]);
	}
	fill_text(pg[0], n, 1);
	fill_random(pg[1], n, 2);
	fill_words(pg[2], n, 0);
	fill_words(pg[3], n, 0x0102030405060708ul);
	fill_partly_random(pg[4], n, n / 3, 5);
	for (size_t i = 0; i < 5; i++)
		KUNIT_ASSERT_EQ(test, zstore_write(s, i, pg[i]), 0);
	KUNIT_EXPECT_EQ(test, kind_of(s, 0, NULL), ZSTORE_SLOT_COMPRESSED);
	KUNIT_EXPECT_EQ(test, kind_of(s, 1, NULL), ZSTORE_SLOT_HUGE);
	KUNIT_EXPECT_EQ(test, kind_of(s, 2, NULL), ZSTORE_SLOT_SAME);
	KUNIT_EXPECT_EQ(test, kind_of(s, 3, NULL), ZSTORE_SLOT_SAME);
	KUNIT_EXPECT_EQ(test, kind_of(s, 4, NULL), ZSTORE_SLOT_COMPRESSED);
	for (size_t i = 0; i < 5; i++)
		expect_reads_as(test, s, i, pg[i]);
	expect_stats_add_up(test, s);

	/* never written, and discarded, slots read as zeros */
	fill_words(pg[2], n, 0);
	expect_reads_as(test, s, 7, pg[2]);
	KUNIT_EXPECT_EQ(test, zstore_discard(s, 1), 0);
	KUNIT_EXPECT_EQ(test, zstore_discard(s, 1), 0); /* already empty */
	expect_reads_as(test, s, 1, pg[2]);
	/* overwrite: the last write wins, whatever the kinds */
	KUNIT_EXPECT_EQ(test, zstore_write(s, 0, pg[3]), 0);
	KUNIT_EXPECT_EQ(test, zstore_write(s, 3, pg[4]), 0);
	expect_reads_as(test, s, 0, pg[3]);
	expect_reads_as(test, s, 3, pg[4]);
	expect_stats_add_up(test, s);
	for (size_t i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, zstore_discard(s, i), 0);
	expect_stats_add_up(test, s);
	{
		struct zstore_stats st;

		zstore_get_stats(s, &st);
		KUNIT_EXPECT_EQ(test, st.pages_stored, (uint64_t)0);
		KUNIT_EXPECT_EQ(test, st.mem_used_total, (uint64_t)0);
		KUNIT_EXPECT_GT(test, st.mem_used_max, (uint64_t)0);
	}
}

/* Same-filled means every machine word equal, not every byte. */
static void zstore_same_filled_words(struct kunit *test)
{
	const struct zt_store_param *p = &store_params[0];
	struct zstore *s = make_store(test, p, 4, 0);
	unsigned char *pg = kunit_kmalloc(test, 4096, GFP_KERNEL);
	struct zstore_stats st;

	KUNIT_ASSERT_NOT_NULL(test, pg);
	fill_words(pg, 4096, 0xdeadbeeful);
	KUNIT_EXPECT_EQ(test, zstore_write(s, 0, pg), 0);
	pg[4095] ^= 1; /* the last word differs */
	KUNIT_EXPECT_EQ(test, zstore_write(s, 1, pg), 0);
	pg[4095] ^= 1;
	pg[0] ^= 1; /* the first word differs */
	KUNIT_EXPECT_EQ(test, zstore_write(s, 2, pg), 0);
	KUNIT_EXPECT_EQ(test, kind_of(s, 0, NULL), ZSTORE_SLOT_SAME);
	KUNIT_EXPECT_EQ(test, kind_of(s, 1, NULL), ZSTORE_SLOT_COMPRESSED);
	KUNIT_EXPECT_EQ(test, kind_of(s, 2, NULL), ZSTORE_SLOT_COMPRESSED);
	expect_reads_as(test, s, 2, pg);
	pg[0] ^= 1;
	expect_reads_as(test, s, 0, pg);
	zstore_get_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.same_pages, (uint64_t)1);
	expect_stats_add_up(test, s);
}

/* The 3/4 rule: just under stays compressed, just over goes raw. */
static void zstore_huge_threshold(struct kunit *test)
{
	const struct zt_store_param *p = test->param_value;
	const size_t n = p->page_size;
	struct zstore *s = make_store(test, p, 2, 0);
	unsigned char *pg = kunit_kmalloc(test, n, GFP_KERNEL);
	size_t bytes;

	KUNIT_ASSERT_NOT_NULL(test, pg);
	/* random bytes cost about one byte each, plus a small header */
	fill_partly_random(pg, n, n / 4 * 3 - n / 32, 7);
	KUNIT_ASSERT_EQ(test, zstore_write(s, 0, pg), 0);
	KUNIT_EXPECT_EQ(test, kind_of(s, 0, &bytes), ZSTORE_SLOT_COMPRESSED);
	KUNIT_EXPECT_LE(test, bytes, n / 4 * 3);
	KUNIT_EXPECT_GT(test, bytes, n / 2);
	expect_reads_as(test, s, 0, pg);
	fill_partly_random(pg, n, n / 4 * 3 + 1, 8);
	KUNIT_ASSERT_EQ(test, zstore_write(s, 1, pg), 0);
	KUNIT_EXPECT_EQ(test, kind_of(s, 1, &bytes), ZSTORE_SLOT_HUGE);
	KUNIT_EXPECT_EQ(test, bytes, n);
	expect_reads_as(test, s, 1, pg);
	expect_stats_add_up(test, s);
}

/* Past the limit writes fail with -ENOMEM and nothing is lost. */
static void zstore_memory_limit(struct kunit *test)
{
	const struct zt_store_param *p = test->param_value;
	const size_t n = p->page_size;
	const uint64_t limit = 6 * (uint64_t)n;
	enum { SLOTS = 16 };
	struct zstore *s = make_store(test, p, SLOTS, limit);
	unsigned char *pg = kunit_kmalloc(test, n, GFP_KERNEL);
	bool stored[SLOTS] = {false};
	struct zstore_stats st;
	size_t i, fails = 0;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, pg);
	for (i = 0; i < SLOTS; i++) {
		fill_random(pg, n, i); /* huge: one page each */
		err = zstore_write(s, i, pg);
		KUNIT_EXPECT_TRUE(test, err == 0 || err == -ENOMEM);
		stored[i] = err == 0;
		fails += err != 0;
		zstore_get_stats(s, &st);
		KUNIT_EXPECT_LE(test, st.mem_used_total, limit);
	}
	KUNIT_EXPECT_GT(test, fails, (size_t)0);
	KUNIT_EXPECT_LT(test, fails, (size_t)SLOTS);
	zstore_get_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.failed_writes, (uint64_t)fails);
	/* a failed overwrite keeps the old page */
	fill_random(pg, n, 999);
	KUNIT_EXPECT_EQ(test, zstore_write(s, 0, pg), -ENOMEM);
	for (i = 0; i < SLOTS; i++) {
		if (!stored[i])
			continue;
		fill_random(pg, n, i);
		expect_reads_as(test, s, i, pg);
	}
	/* same-filled pages need no memory: they always fit */
	fill_words(pg, n, 0x77);
	KUNIT_EXPECT_EQ(test, zstore_write(s, SLOTS - 1, pg), 0);
	/* room made by a discard can be used again */
	KUNIT_EXPECT_EQ(test, zstore_discard(s, 0), 0);
	fill_random(pg, n, 1000);
	KUNIT_EXPECT_EQ(test, zstore_write(s, 0, pg), 0);
	expect_reads_as(test, s, 0, pg);
	expect_stats_add_up(test, s);
}

static void zstore_bad_arguments(struct kunit *test)
{
	struct zstore_config cfg = {.nr_pages = 4};
	struct zstore *s = make_store(test, &store_params[0], 4, 0);
	unsigned char pg[4096] = {0};
	struct zstore_stats st;
	int err = 0;

	cfg.backend = "zpool-zbud";
	KUNIT_EXPECT_NULL(test, zstore_create(&cfg, &err));
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	cfg.backend = "%s%n";
	KUNIT_EXPECT_NULL(test, zstore_create(&cfg, &err));
	cfg.backend = NULL;
	cfg.nr_pages = 0;
	KUNIT_EXPECT_NULL(test, zstore_create(&cfg, &err));
	cfg.nr_pages = 1;
	cfg.page_size = 5000;
	KUNIT_EXPECT_NULL(test, zstore_create(&cfg, &err));
	cfg.page_size = 0;
	cfg.comp = (enum zstore_comp)9;
	KUNIT_EXPECT_NULL(test, zstore_create(&cfg, &err));
	KUNIT_EXPECT_NULL(test, zstore_create(NULL, NULL));

	KUNIT_EXPECT_EQ(test, zstore_write(s, 4, pg), -EINVAL);
	KUNIT_EXPECT_EQ(test, zstore_read(s, (size_t)-1, pg), -EINVAL);
	KUNIT_EXPECT_EQ(test, zstore_discard(s, 99), -EINVAL);
	KUNIT_EXPECT_EQ(test, zstore_write(s, 0, NULL), -EINVAL);
	zstore_get_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.invalid_io, (uint64_t)4);
	KUNIT_EXPECT_EQ(test, st.pages_stored, (uint64_t)0);
	KUNIT_EXPECT_STREQ(test, zstore_comp_name(ZSTORE_ZSTD), "zstd");
	{
		enum zstore_comp c = ZSTORE_ZSTD;

		KUNIT_EXPECT_EQ(test, zstore_comp_parse("lz4", &c), 0);
		KUNIT_EXPECT_EQ(test, c, ZSTORE_LZ4);
		KUNIT_EXPECT_EQ(test, zstore_comp_parse("lz4 ", &c), -EINVAL);
		KUNIT_EXPECT_EQ(test, zstore_comp_parse(NULL, &c), -EINVAL);
	}
}

static struct kunit_case zstore_cases[] = {
	KUNIT_CASE_PARAM(zstore_round_trip, store_gen_params),
	KUNIT_CASE(zstore_same_filled_words),
	KUNIT_CASE_PARAM(zstore_huge_threshold, store_gen_params),
	KUNIT_CASE_PARAM(zstore_memory_limit, store_gen_params),
	KUNIT_CASE(zstore_bad_arguments),
	{}};

static struct kunit_suite zstore_suite = {
	.name = "zstore",
	.test_cases = zstore_cases,
};
kunit_test_suite(zstore_suite);
