// SPDX-License-Identifier: MIT
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char trace_magic[8] = {'Z', 'S', 'T', 'R', 'A', 'C', 'E', '1'};

const char *trace_codec_name(enum trace_codec c)
{
	return c == TRACE_LZO ? "lzo" : "lz4";
}

int trace_codec_parse(const char *s, enum trace_codec *c)
{
	if (strcmp(s, "lzo") == 0)
		*c = TRACE_LZO;
	else if (strcmp(s, "lz4") == 0)
		*c = TRACE_LZ4;
	else
		return -1;
	return 0;
}

size_t trace_stored_size(const struct trace *t, uint32_t csize)
{
	if (csize == 0)
		return 0;
	if (csize > t->page_size / 4 * 3)
		return t->page_size;
	return csize;
}

static int put(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n ? 0 : -1;
}

static int get(FILE *f, void *p, size_t n)
{
	return fread(p, 1, n, f) == n ? 0 : -1;
}

int trace_save(const struct trace *t, const char *path)
{
	FILE *f = fopen(path, "wb");
	int err = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	err |= put(f, trace_magic, sizeof(trace_magic));
	err |= put(f, &t->page_size, 4);
	err |= put(f, &t->nfiles, 4);
	err |= put(f, &t->npages, 4);
	err |= put(f, &t->ngroups, 4);
	err |= put(f, t->source, sizeof(t->source));
	for (uint32_t g = 0; g < t->ngroups; g++) {
		uint16_t len = (uint16_t)strlen(t->groups[g]);

		err |= put(f, &len, 2);
		err |= put(f, t->groups[g], len);
	}
	err |= put(f, t->files, sizeof(*t->files) * t->nfiles);
	err |= put(f, t->pages, sizeof(*t->pages) * t->npages);
	if (fclose(f) != 0)
		err = -1;
	if (err)
		fprintf(stderr, "%s: write failed\n", path);
	return err ? -1 : 0;
}

int trace_load(struct trace *t, const char *path)
{
	FILE *f = fopen(path, "rb");
	char magic[sizeof(trace_magic)];

	memset(t, 0, sizeof(*t));
	if (!f) {
		perror(path);
		return -1;
	}
	if (get(f, magic, sizeof(magic)) ||
	    memcmp(magic, trace_magic, sizeof(magic)) != 0 ||
	    get(f, &t->page_size, 4) || get(f, &t->nfiles, 4) ||
	    get(f, &t->npages, 4) || get(f, &t->ngroups, 4) ||
	    get(f, t->source, sizeof(t->source)))
		goto bad;
	t->source[sizeof(t->source) - 1] = '\0';
	t->groups = calloc(t->ngroups ? t->ngroups : 1, sizeof(*t->groups));
	t->files = malloc(sizeof(*t->files) * (t->nfiles ? t->nfiles : 1));
	t->pages = malloc(sizeof(*t->pages) * (t->npages ? t->npages : 1));
	if (!t->groups || !t->files || !t->pages)
		goto bad;
	for (uint32_t g = 0; g < t->ngroups; g++) {
		uint16_t len;

		if (get(f, &len, 2))
			goto bad;
		t->groups[g] = calloc(1, (size_t)len + 1);
		if (!t->groups[g] || get(f, t->groups[g], len))
			goto bad;
	}
	if (get(f, t->files, sizeof(*t->files) * t->nfiles) ||
	    get(f, t->pages, sizeof(*t->pages) * t->npages))
		goto bad;
	for (uint32_t i = 0; i < t->nfiles; i++) {
		const struct trace_file *fl = &t->files[i];

		if (fl->group >= t->ngroups || fl->first_page > t->npages ||
		    fl->npages > t->npages - fl->first_page)
			goto bad;
	}
	fclose(f);
	return 0;
bad:
	fprintf(stderr, "%s: not a readable trace (rebuild it)\n", path);
	fclose(f);
	trace_free(t);
	return -1;
}

void trace_free(struct trace *t)
{
	if (t->groups)
		for (uint32_t g = 0; g < t->ngroups; g++)
			free(t->groups[g]);
	free(t->groups);
	free(t->files);
	free(t->pages);
	memset(t, 0, sizeof(*t));
}

/* splitmix64: small, seeded, the same on every platform */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void trace_file_order(const struct trace *t, int shuffle, uint64_t seed,
		      uint32_t *order)
{
	uint64_t state = seed;

	for (uint32_t i = 0; i < t->nfiles; i++)
		order[i] = i;
	if (!shuffle)
		return;
	for (uint32_t i = t->nfiles; i > 1; i--) {
		uint32_t j = (uint32_t)(next_random(&state) % i);
		uint32_t tmp = order[i - 1];

		order[i - 1] = order[j];
		order[j] = tmp;
	}
}

static const uint64_t *sort_sizes;

static int by_size_desc(const void *a, const void *b)
{
	uint64_t sa = sort_sizes[*(const uint32_t *)a];
	uint64_t sb = sort_sizes[*(const uint32_t *)b];

	if (sa != sb)
		return sa < sb ? 1 : -1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

void trace_groups_by_size(const struct trace *t, uint32_t *order)
{
	uint64_t *sizes = calloc(t->ngroups ? t->ngroups : 1, sizeof(*sizes));

	if (!sizes)
		abort();
	for (uint32_t i = 0; i < t->nfiles; i++)
		sizes[t->files[i].group] += t->files[i].npages;
	for (uint32_t g = 0; g < t->ngroups; g++)
		order[g] = g;
	sort_sizes = sizes;
	qsort(order, t->ngroups, sizeof(*order), by_size_desc);
	sort_sizes = NULL;
	free(sizes);
}
