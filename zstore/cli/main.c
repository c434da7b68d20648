// SPDX-License-Identifier: MIT
/*
 * zstore-cli: load directories of files into a compressed page store and
 * print zram-style statistics.
 *
 *   zstore-cli load [options] DIR...     one store, its statistics
 *   zstore-cli compare [options] DIR...  one row per backend and compressor
 *
 * Every load reads the files back from the store and compares them with
 * the files on disk.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstore.h>

#include "files.h"

/* The project's version, from CMakeLists.txt (zstore/CMakeLists.txt). */
#ifndef ZSTORE_CLI_VERSION
#define ZSTORE_CLI_VERSION "unknown"
#endif

struct options {
	const char *backend;
	enum zstore_comp comp;
	size_t page_size;
	uint64_t limit;
	char **dirs;
	int nr_dirs;
};

struct load_result {
	unsigned long files, pages, failed_writes, unreadable, mismatches;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: zstore-cli load [--backend zsmalloc|zbud] "
		"[--comp lz4|zstd]\n"
		"                       [--page-size N] [--limit BYTES] "
		"DIR...\n"
		"       zstore-cli compare [--page-size N] [--limit BYTES] "
		"DIR...\n"
		"       zstore-cli --version\n");
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	uint64_t v;
	int i;

	memset(o, 0, sizeof(*o));
	o->backend = "zsmalloc";
	o->page_size = 4096;
	/* options come in pairs: i steps over the value too */
	for (i = 0; i < argc; i += 2) {
		const char *a = argv[i],
			   *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strncmp(a, "--", 2) != 0)
			break;
		if (!val) {
			fprintf(stderr, "zstore-cli: %s needs a value\n", a);
			return -1;
		}
		if (strcmp(a, "--backend") == 0) {
			o->backend = val;
		} else if (strcmp(a, "--comp") == 0) {
			if (zstore_comp_parse(val, &o->comp) != 0) {
				fprintf(stderr,
					"zstore-cli: unknown compressor\n");
				return -1;
			}
		} else if (strcmp(a, "--page-size") == 0) {
			if (!parse_u64(val, &v) || v > 65536) {
				fprintf(stderr, "zstore-cli: bad page size\n");
				return -1;
			}
			o->page_size = (size_t)v;
		} else if (strcmp(a, "--limit") == 0) {
			if (!parse_u64(val, &o->limit)) {
				fprintf(stderr, "zstore-cli: bad limit\n");
				return -1;
			}
		} else {
			fprintf(stderr, "zstore-cli: unknown option\n");
			return -1;
		}
	}
	o->dirs = argv + i;
	o->nr_dirs = argc - i;
	if (o->nr_dirs < 1) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Next page of f into buf, zero-padded; false at the end of the file. */
static bool next_page(FILE *f, unsigned char *buf, size_t page_size)
{
	size_t n = fread(buf, 1, page_size, f);

	if (n == 0)
		return false;
	memset(buf + n, 0, page_size - n);
	return true;
}

/*
 * Writes the files into store from slot 0 on (verify false), or compares
 * them with what the store holds (verify true). failed marks the slots
 * whose write failed, so that verification skips them.
 */
static void walk_pages(struct zstore *store, const struct file_list *fl,
		       bool verify, bool *failed, struct load_result *r)
{
	size_t page_size = zstore_page_size(store);
	unsigned char *buf = malloc(page_size), *back = malloc(page_size);
	size_t slot = 0;

	if (!buf || !back)
		goto out;
	for (size_t i = 0; i < fl->n; i++) {
		FILE *f = fopen(fl->paths[i], "rb");

		if (!f) {
			r->unreadable += !verify;
			continue;
		}
		r->files += !verify;
		while (slot < zstore_nr_pages(store) &&
		       next_page(f, buf, page_size)) {
			if (!verify) {
				failed[slot] =
					zstore_write(store, slot, buf) != 0;
				r->failed_writes += failed[slot];
				r->pages++;
			} else if (!failed[slot] &&
				   (zstore_read(store, slot, back) != 0 ||
				    memcmp(buf, back, page_size) != 0)) {
				r->mismatches++;
			}
			slot++;
		}
		fclose(f);
	}
out:
	free(buf);
	free(back);
}

static size_t pages_of(const struct file_list *fl, size_t page_size)
{
	size_t n = 0;

	for (size_t i = 0; i < fl->n; i++)
		n += (size_t)((fl->sizes[i] + page_size - 1) / page_size);
	return n ? n : 1;
}

static struct zstore *load(const struct options *o, const char *backend,
			   enum zstore_comp comp, const struct file_list *fl,
			   struct load_result *r)
{
	struct zstore_config cfg = {
		.nr_pages = pages_of(fl, o->page_size ? o->page_size : 4096),
		.page_size = o->page_size,
		.backend = backend,
		.comp = comp,
		.mem_limit = o->limit,
	};
	struct zstore *store;
	bool *failed;
	int err;

	memset(r, 0, sizeof(*r));
	store = zstore_create(&cfg, &err);
	if (!store) {
		fprintf(stderr, "zstore-cli: cannot create a store (%s)\n",
			strerror(-err));
		return NULL;
	}
	failed = calloc(cfg.nr_pages, sizeof(*failed));
	if (!failed) {
		zstore_destroy(store);
		return NULL;
	}
	walk_pages(store, fl, false, failed, r);
	walk_pages(store, fl, true, failed, r);
	free(failed);
	return store;
}

static int collect(const struct options *o, struct file_list *fl)
{
	memset(fl, 0, sizeof(*fl));
	for (int i = 0; i < o->nr_dirs; i++) {
		if (file_list_add_tree(fl, o->dirs[i]) != 0) {
			fprintf(stderr, "zstore-cli: cannot walk %s\n",
				o->dirs[i]);
			file_list_free(fl);
			return -1;
		}
	}
	file_list_sort(fl);
	return 0;
}

static void print_stats(const struct zstore_stats *st)
{
	const struct {
		const char *name;
		uint64_t v;
	} rows[] = {
		{"orig_data_size", st->orig_data_size},
		{"compr_data_size", st->compr_data_size},
		{"mem_used_total", st->mem_used_total},
		{"mem_limit", st->mem_limit},
		{"mem_used_max", st->mem_used_max},
		{"same_pages", st->same_pages},
		{"huge_pages", st->huge_pages},
		{"pages_stored", st->pages_stored},
		{"num_writes", st->num_writes},
		{"num_reads", st->num_reads},
		{"failed_writes", st->failed_writes},
		{"failed_reads", st->failed_reads},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		printf("%-16s %llu\n", rows[i].name,
		       (unsigned long long)rows[i].v);
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static int cmd_load(const struct options *o)
{
	struct file_list fl;
	struct load_result r;
	struct zstore_stats st;
	struct zstore *store;

	if (collect(o, &fl) != 0)
		return 1;
	store = load(o, o->backend, o->comp, &fl, &r);
	file_list_free(&fl);
	if (!store)
		return 1;
	zstore_get_stats(store, &st);
	printf("zstore: %lu files, %lu pages of %zu bytes, backend %s, "
	       "compressor %s\n",
	       r.files, r.pages, zstore_page_size(store), zstore_backend(store),
	       zstore_comp_name(o->comp));
	print_stats(&st);
	printf("%-16s %.3f\n", "ratio",
	       ratio(st.orig_data_size, st.mem_used_total));
	printf("verified %lu pages: %lu mismatches, %lu unreadable files, "
	       "%lu failed writes\n",
	       r.pages - r.failed_writes, r.mismatches, r.unreadable,
	       r.failed_writes);
	zstore_destroy(store);
	return r.mismatches ? 1 : 0;
}

static int cmd_compare(const struct options *o)
{
	static const char *const backends[] = {"zsmalloc", "zbud"};
	static const enum zstore_comp comps[] = {ZSTORE_LZ4, ZSTORE_ZSTD};
	struct file_list fl;
	int rc = 0;

	if (collect(o, &fl) != 0)
		return 1;
	printf("%-9s %-5s %10s %10s %10s %14s %14s %14s %7s\n", "backend",
	       "comp", "pages", "same", "huge", "compr_data", "mem_used",
	       "mem_used_max", "ratio");
	for (size_t b = 0; b < 2; b++) {
		for (size_t c = 0; c < 2; c++) {
			struct load_result r;
			struct zstore_stats st;
			struct zstore *store =
				load(o, backends[b], comps[c], &fl, &r);

			if (!store) {
				rc = 1;
				continue;
			}
			zstore_get_stats(store, &st);
			printf("%-9s %-5s %10llu %10llu %10llu %14llu %14llu "
			       "%14llu %7.3f\n",
			       backends[b], zstore_comp_name(comps[c]),
			       (unsigned long long)st.pages_stored,
			       (unsigned long long)st.same_pages,
			       (unsigned long long)st.huge_pages,
			       (unsigned long long)st.compr_data_size,
			       (unsigned long long)st.mem_used_total,
			       (unsigned long long)st.mem_used_max,
			       ratio(st.orig_data_size, st.mem_used_total));
			if (r.mismatches)
				rc = 1;
			zstore_destroy(store);
		}
	}
	file_list_free(&fl);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("zstore-cli %s\n", ZSTORE_CLI_VERSION);
		return 0;
	}
	if (parse_options(argc - 2, argv + 2, &o) != 0)
		return 2;
	if (strcmp(argv[1], "load") == 0)
		return cmd_load(&o);
	if (strcmp(argv[1], "compare") == 0)
		return cmd_compare(&o);
	usage(stderr);
	return 2;
}
