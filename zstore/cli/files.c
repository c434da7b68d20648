// SPDX-License-Identifier: MIT
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int push(struct file_list *fl, const char *path, uint64_t size)
{
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 256;
		char **p = realloc(fl->paths, cap * sizeof(*p));
		uint64_t *s;

		if (!p)
			return -1;
		fl->paths = p;
		s = realloc(fl->sizes, cap * sizeof(*s));
		if (!s)
			return -1;
		fl->sizes = s;
		fl->cap = cap;
	}
	fl->paths[fl->n] = strdup(path);
	if (!fl->paths[fl->n])
		return -1;
	fl->sizes[fl->n++] = size;
	return 0;
}

/*
 * opendir/readdir rather than nftw: the C library's nftw fills its path
 * buffer where MemorySanitizer cannot see it.
 */
static int walk(struct file_list *fl, const char *path, unsigned int depth)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (lstat(path, &st) != 0) {
		fl->unreadable++;
		return 0;
	}
	if (S_ISREG(st.st_mode))
		return push(fl, path, (uint64_t)st.st_size);
	if (!S_ISDIR(st.st_mode) || depth > 64) /* symlinks not followed */
		return 0;
	d = opendir(path);
	if (!d) {
		fl->unreadable++;
		return 0;
	}
	for (;;) {
		size_t n;
		char *child;

		errno = 0;
		e = readdir(d);
		if (!e) {
			if (errno) /* the rest of the folder is unreadable */
				fl->unreadable++;
			break;
		}
		n = strlen(path) + strlen(e->d_name) + 2;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		child = malloc(n);
		if (!child) {
			rc = -1;
			break;
		}
		snprintf(child, n, "%s/%s", path, e->d_name);
		rc = walk(fl, child, depth + 1);
		free(child);
		if (rc != 0)
			break;
	}
	closedir(d);
	return rc;
}

int file_list_add_tree(struct file_list *fl, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return -1;
	return walk(fl, dir, 0);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

void file_list_sort(struct file_list *fl)
{
	/* sort an index, then apply it to both arrays */
	char ***idx = malloc(fl->n * sizeof(*idx));
	char **paths = malloc(fl->n * sizeof(*paths));
	uint64_t *sizes = malloc(fl->n * sizeof(*sizes));

	if (fl->n < 2 || !idx || !paths || !sizes) {
		free(idx);
		free(paths);
		free(sizes);
		return;
	}
	for (size_t i = 0; i < fl->n; i++)
		idx[i] = &fl->paths[i];
	qsort(idx, fl->n, sizeof(*idx), by_path);
	for (size_t i = 0; i < fl->n; i++) {
		size_t from = (size_t)(idx[i] - fl->paths);

		paths[i] = fl->paths[from];
		sizes[i] = fl->sizes[from];
	}
	free(fl->paths);
	free(fl->sizes);
	free(idx);
	fl->paths = paths;
	fl->sizes = sizes;
	fl->cap = fl->n;
}

void file_list_free(struct file_list *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		free(fl->paths[i]);
	free(fl->paths);
	free(fl->sizes);
	memset(fl, 0, sizeof(*fl));
}
