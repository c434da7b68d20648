/* SPDX-License-Identifier: MIT */
/* The regular files under some directories, in a repeatable order. */
#ifndef ZSTORE_CLI_FILES_H
#define ZSTORE_CLI_FILES_H

#include <stddef.h>
#include <stdint.h>

struct file_list {
	char **paths;
	uint64_t *sizes;
	size_t n, cap;
	unsigned long unreadable; /* entries that could not be walked */
};

/* Adds every regular file under dir (symlinks not followed). 0, or -1
 * when dir is not a directory or memory ran out. */
int file_list_add_tree(struct file_list *fl, const char *dir);
/* Sorts by path, so loads are repeatable whatever readdir does. */
void file_list_sort(struct file_list *fl);
void file_list_free(struct file_list *fl);

#endif /* ZSTORE_CLI_FILES_H */
