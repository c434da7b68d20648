// SPDX-License-Identifier: MIT
#include "files.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>

/* nftw has no context argument: the list being filled. */
static struct file_list *filling;

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

static int visit(const char *path, const struct stat *st, int type,
		 struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_DNR || type == FTW_NS) {
		filling->unreadable++;
		return 0;
	}
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	return push(filling, path, (uint64_t)st->st_size) ? -1 : 0;
}

int file_list_add_tree(struct file_list *fl, const char *dir)
{
	int rc;

	filling = fl;
	rc = nftw(dir, visit, 32, FTW_PHYS);
	filling = NULL;
	return rc == 0 ? 0 : -1;
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
