/* SPDX-License-Identifier: MIT */
/*
 * A page trace: every regular file of a tree cut into pages as a filesystem
 * stores them, with the compressed size of each page under LZO (lzo1x_1)
 * and LZ4. Built once by bench_trace, replayed by bench_density and
 * bench_speed. The file is a cache in host byte order, not an interchange
 * format.
 */
#ifndef BENCH_TRACE_H
#define BENCH_TRACE_H

#include <stddef.h>
#include <stdint.h>

enum trace_codec { TRACE_LZO, TRACE_LZ4, TRACE_NR_CODECS };

/* One page: compressed size per codec; 0 means same-filled (not stored). */
struct trace_page {
	uint16_t csize[TRACE_NR_CODECS];
};

struct trace_file {
	uint32_t group;	     /* top-level directory it lives under */
	uint32_t first_page; /* index into pages[] */
	uint32_t npages;
};

struct trace {
	uint32_t page_size;
	uint32_t nfiles, npages, ngroups;
	char **groups; /* names; "<top>" holds files directly under the root */
	struct trace_file *files;
	struct trace_page *pages;
	char source[256]; /* what the trace was built from */
};

int trace_save(const struct trace *t, const char *path);
int trace_load(struct trace *t, const char *path); /* 0 or -1 (message) */
void trace_free(struct trace *t);

const char *trace_codec_name(enum trace_codec c);
int trace_codec_parse(const char *s, enum trace_codec *c);

/*
 * What zram (2014) stores for a page of compressed size csize: nothing for
 * a same-filled page (0), a whole page when it compressed to more than 3/4
 * of a page, else csize.
 */
size_t trace_stored_size(const struct trace *t, uint32_t csize);

/* File order: the archive's own, or a shuffle seeded with seed. */
void trace_file_order(const struct trace *t, int shuffle, uint64_t seed,
		      uint32_t *order);

/* Group indices by original size (pages), largest first. */
void trace_groups_by_size(const struct trace *t, uint32_t *order);

#endif
