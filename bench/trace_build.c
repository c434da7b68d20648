// SPDX-License-Identifier: MIT
/*
 * bench_trace: build a page trace from a tar stream (in the archive's own
 * order) or from a directory tree (in readdir order). Each regular file is
 * cut into pages, the last one zero-padded, and each page is compressed
 * with lzo1x_1 and LZ4; same-filled pages are marked (size 0).
 *
 *   xz -dc linux.tar.xz | bench_trace --tar - --strip 1 -o linux.trace
 *   bench_trace --dir /some/tree -o tree.trace
 */
#include "trace.h"

#include <dirent.h>
#include <errno.h>
#include <lz4.h>
#include <lzo/lzo1x.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct builder {
	struct trace t;
	uint32_t cap_files, cap_pages, cap_groups;
	unsigned int strip;
	uint32_t max_files;
	uint32_t every, seen; /* keep one regular file in every */
	unsigned char *page;  /* one zero-padded page */
	unsigned char *out;   /* compressor output */
	size_t out_cap;
	void *lzo_wrk;
	uint64_t same_filled, huge[TRACE_NR_CODECS];
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "bench_trace: out of memory\n");
		exit(1);
	}
	return p;
}

static uint32_t group_of(struct builder *b, const char *path)
{
	const char *slash = strchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 5;
	const char *name = slash ? path : "<top>";

	for (uint32_t g = 0; g < b->t.ngroups; g++)
		if (strlen(b->t.groups[g]) == len &&
		    memcmp(b->t.groups[g], name, len) == 0)
			return g;
	if (b->t.ngroups == b->cap_groups) {
		b->cap_groups = b->cap_groups ? 2 * b->cap_groups : 64;
		b->t.groups = xrealloc(b->t.groups,
				       sizeof(*b->t.groups) * b->cap_groups);
	}
	b->t.groups[b->t.ngroups] = xrealloc(NULL, len + 1);
	memcpy(b->t.groups[b->t.ngroups], name, len);
	b->t.groups[b->t.ngroups][len] = '\0';
	return b->t.ngroups++;
}

static int same_filled(const unsigned char *p, size_t n)
{
	uint64_t first, w;

	memcpy(&first, p, sizeof(first));
	for (size_t i = sizeof(first); i < n; i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		if (w != first)
			return 0;
	}
	return 1;
}

static uint16_t clamp16(size_t n)
{
	return n > 0xffff ? 0xffff : (uint16_t)n;
}

static void add_page(struct builder *b)
{
	size_t ps = b->t.page_size;
	struct trace_page *tp;

	if (b->t.npages == b->cap_pages) {
		b->cap_pages = b->cap_pages ? 2 * b->cap_pages : 65536;
		b->t.pages = xrealloc(b->t.pages,
				      sizeof(*b->t.pages) * b->cap_pages);
	}
	tp = &b->t.pages[b->t.npages++];
	if (same_filled(b->page, ps)) {
		tp->csize[TRACE_LZO] = tp->csize[TRACE_LZ4] = 0;
		b->same_filled++;
		return;
	}
	lzo_uint lzo_len = b->out_cap;
	if (lzo1x_1_compress(b->page, ps, b->out, &lzo_len, b->lzo_wrk) !=
	    LZO_E_OK) {
		fprintf(stderr, "bench_trace: lzo1x_1_compress failed\n");
		exit(1);
	}
	int lz4_len =
		LZ4_compress_default((const char *)b->page, (char *)b->out,
				     (int)ps, (int)b->out_cap);
	if (lz4_len <= 0) {
		fprintf(stderr, "bench_trace: LZ4_compress_default failed\n");
		exit(1);
	}
	tp->csize[TRACE_LZO] = clamp16(lzo_len);
	tp->csize[TRACE_LZ4] = clamp16((size_t)lz4_len);
	for (int c = 0; c < TRACE_NR_CODECS; c++)
		if (trace_stored_size(&b->t, tp->csize[c]) == ps)
			b->huge[c]++;
}

/* Strip the first b->strip components; NULL when nothing is left. */
static const char *stripped(const struct builder *b, const char *path)
{
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	for (unsigned int i = 0; i < b->strip; i++) {
		const char *slash = strchr(path, '/');

		if (!slash)
			return NULL;
		path = slash + 1;
	}
	return *path ? path : NULL;
}

static struct trace_file *begin_file(struct builder *b, const char *path)
{
	struct trace_file *f;

	if (b->t.nfiles == b->cap_files) {
		b->cap_files = b->cap_files ? 2 * b->cap_files : 16384;
		b->t.files = xrealloc(b->t.files,
				      sizeof(*b->t.files) * b->cap_files);
	}
	f = &b->t.files[b->t.nfiles++];
	f->group = group_of(b, path);
	f->first_page = b->t.npages;
	f->npages = 0;
	return f;
}

/* Read size bytes of file data from in, page by page. */
static int read_file_pages(struct builder *b, FILE *in, uint64_t size,
			   struct trace_file *f)
{
	size_t ps = b->t.page_size;

	while (size > 0) {
		size_t n = size < ps ? (size_t)size : ps;

		if (fread(b->page, 1, n, in) != n)
			return -1;
		memset(b->page + n, 0, ps - n);
		add_page(b);
		f->npages++;
		size -= n;
	}
	return 0;
}

/* --every N: keep one regular file in N, so the tree keeps its shape */
static int sampled_out(struct builder *b)
{
	return b->every > 1 && b->seen++ % b->every != 0;
}

static int full(const struct builder *b)
{
	return b->max_files && b->t.nfiles >= b->max_files;
}

/* ---- tar (ustar, GNU long names, pax path records) ---- */

static uint64_t tar_number(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	if (p[0] & 0x80) { /* base-256 */
		for (size_t i = 1; i < n; i++)
			v = (v << 8) | p[i];
		return v;
	}
	for (size_t i = 0; i < n && p[i]; i++)
		if (p[i] >= '0' && p[i] <= '7')
			v = v * 8 + (uint64_t)(p[i] - '0');
	return v;
}

static int skip_bytes(FILE *in, uint64_t n)
{
	char buf[4096];

	while (n > 0) {
		size_t k = n < sizeof(buf) ? (size_t)n : sizeof(buf);

		if (fread(buf, 1, k, in) != k)
			return -1;
		n -= k;
	}
	return 0;
}

static char *read_blob(FILE *in, uint64_t size)
{
	char *s = xrealloc(NULL, (size_t)size + 1);

	if (fread(s, 1, (size_t)size, in) != size ||
	    skip_bytes(in, (512 - size % 512) % 512)) {
		free(s);
		return NULL;
	}
	s[size] = '\0';
	return s;
}

/* The "path" record of a pax header, or NULL. */
static char *pax_path(const char *s, size_t size)
{
	const char *p = s, *end = s + size;

	while (p < end) {
		char *rest;
		unsigned long len = strtoul(p, &rest, 10);

		if (len == 0 || (size_t)(end - p) < len || *rest != ' ')
			return NULL;
		rest++;
		if (strncmp(rest, "path=", 5) == 0) {
			const char *v = rest + 5;
			size_t vlen = (size_t)(p + len - 1 - v);
			char *out = xrealloc(NULL, vlen + 1);

			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return out;
		}
		p += len;
	}
	return NULL;
}

static int build_from_tar(struct builder *b, FILE *in)
{
	unsigned char h[512];
	char *long_name = NULL;

	while (!full(b) && fread(h, 1, sizeof(h), in) == sizeof(h)) {
		char name[257];
		uint64_t size = tar_number(h + 124, 12);
		char type = (char)h[156];
		const char *path;

		if (h[0] == 0)
			break; /* end-of-archive block */
		if (type == 'L' || type == 'x') {
			char *blob = read_blob(in, size);

			if (!blob)
				goto truncated;
			free(long_name);
			long_name = type == 'L' ? blob : pax_path(blob, size);
			if (type == 'x')
				free(blob);
			continue;
		}
		if (long_name) {
			snprintf(name, sizeof(name), "%s", long_name);
			path = long_name;
		} else if (memcmp(h + 257, "ustar\0", 6) == 0 && h[345]) {
			snprintf(name, sizeof(name), "%.155s/%.100s",
				 (const char *)h + 345, (const char *)h);
			path = name;
		} else {
			snprintf(name, sizeof(name), "%.100s", (const char *)h);
			path = name;
		}
		path = stripped(b, path);
		if ((type == '0' || type == '\0' || type == '7') && path &&
		    !sampled_out(b)) {
			struct trace_file *f = begin_file(b, path);

			if (read_file_pages(b, in, size, f) ||
			    skip_bytes(in, (512 - size % 512) % 512))
				goto truncated;
		} else if (skip_bytes(in, (size + 511) / 512 * 512)) {
			goto truncated;
		}
		free(long_name);
		long_name = NULL;
	}
	free(long_name);
	return 0;
truncated:
	free(long_name);
	fprintf(stderr, "bench_trace: truncated tar stream\n");
	return -1;
}

/* ---- directory tree ---- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk root/rel; entries in name order so a tree gives the same trace. */
static int walk(struct builder *b, const char *root, const char *rel)
{
	char path[4096];
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (!e)
			break;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = xrealloc(names, sizeof(*names) * cap);
		}
		names[n++] = strdup(e->d_name);
	}
	if (errno) {
		/* a trace missing part of a folder would skew every figure */
		perror(path);
		err = -1;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && !err && !full(b); i++) {
		char sub[4096], full_path[8200];
		struct stat st;

		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			 names[i]);
		snprintf(full_path, sizeof(full_path), "%s/%s", root, sub);
		if (lstat(full_path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			err = walk(b, root, sub);
		} else if (S_ISREG(st.st_mode)) {
			FILE *in;
			const char *p = stripped(b, sub);

			if (!p || sampled_out(b))
				continue;
			in = fopen(full_path, "rb");
			if (!in)
				continue;
			err = read_file_pages(b, in, (uint64_t)st.st_size,
					      begin_file(b, p));
			fclose(in);
			if (err)
				fprintf(stderr, "%s: short read\n", full_path);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_trace (--tar FILE|- | --dir DIR) -o OUT\n"
			"       [--strip N] [--max-files N] [--every N] "
			"[--page-size N]\n"
			"  --every N: keep one regular file in N (a smaller "
			"tree of the\n"
			"             same shape)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct builder b;
	const char *tar = NULL, *dir = NULL, *out = NULL;
	int strip_set = 0, err;

	memset(&b, 0, sizeof(b));
	b.t.page_size = 4096;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 >= argc)
			usage();
		if (strcmp(a, "--tar") == 0)
			tar = argv[++i];
		else if (strcmp(a, "--dir") == 0)
			dir = argv[++i];
		else if (strcmp(a, "-o") == 0)
			out = argv[++i];
		else if (strcmp(a, "--strip") == 0) {
			b.strip = (unsigned int)atoi(argv[++i]);
			strip_set = 1;
		} else if (strcmp(a, "--max-files") == 0)
			b.max_files = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(a, "--every") == 0)
			b.every = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(a, "--page-size") == 0)
			b.t.page_size = (uint32_t)strtoul(argv[++i], NULL, 10);
		else
			usage();
	}
	if (!out || !!tar == !!dir || b.t.page_size < 512 ||
	    (b.t.page_size & (b.t.page_size - 1)))
		usage();
	if (tar && !strip_set)
		b.strip = 1; /* a source tarball's own top folder */
	if (lzo_init() != LZO_E_OK) {
		fprintf(stderr, "bench_trace: lzo_init failed\n");
		return 1;
	}
	b.page = xrealloc(NULL, b.t.page_size);
	b.out_cap = b.t.page_size + b.t.page_size / 16 + 64 + 3;
	if ((size_t)LZ4_compressBound((int)b.t.page_size) > b.out_cap)
		b.out_cap = (size_t)LZ4_compressBound((int)b.t.page_size);
	b.out = xrealloc(NULL, b.out_cap);
	b.lzo_wrk = xrealloc(NULL, LZO1X_1_MEM_COMPRESS);
	snprintf(b.t.source, sizeof(b.t.source), "%s", tar ? tar : dir);

	if (tar) {
		FILE *in = strcmp(tar, "-") == 0 ? stdin : fopen(tar, "rb");

		if (!in) {
			perror(tar);
			return 1;
		}
		err = build_from_tar(&b, in);
		if (in != stdin)
			fclose(in);
	} else {
		err = walk(&b, dir, "");
	}
	if (err || trace_save(&b.t, out))
		return 1;
	printf("bench_trace: %u files, %u pages, %u top-level groups; "
	       "same-filled %llu; huge (>3/4 page) lzo %llu, lz4 %llu -> %s\n",
	       b.t.nfiles, b.t.npages, b.t.ngroups,
	       (unsigned long long)b.same_filled,
	       (unsigned long long)b.huge[TRACE_LZO],
	       (unsigned long long)b.huge[TRACE_LZ4], out);
	free(b.page);
	free(b.out);
	free(b.lzo_wrk);
	trace_free(&b.t);
	return 0;
}
