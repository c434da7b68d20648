/* SPDX-License-Identifier: MIT */
/*
 * The work each access must do, read from the calling thread's access
 * counts (zs_access_counts) around the call: an object inside one page is
 * mapped with one kmap and never copied; one that straddles two pages is
 * copied out at map (RO, RW) and in at unmap (WO, RW), whole, with two
 * kmaps each time. A mode doing more than it promises (RO storing back, WO
 * filling the mapping, RW storing twice) leaves the same bytes, so only
 * these counts can see it.
 */
#ifndef ZS_FUZZ_MODE_WORK_H
#define ZS_FUZZ_MODE_WORK_H

#include <stddef.h>

#include "zsmalloc.h"

/* Checks a zs_map_object(mode) of a size-byte object that succeeded;
 * returns 1 when the object straddles two pages, else 0. */
int zs_work_check_map(const struct zs_access_counts *before,
		      enum zs_mapmode mode, size_t size, unsigned long handle);
/* Checks the zs_unmap_object of that mapping. */
void zs_work_check_unmap(const struct zs_access_counts *before,
			 enum zs_mapmode mode, int spans, size_t size,
			 unsigned long handle);
/* zs_obj_read_begin: copied (returned the local copy) or not. */
void zs_work_check_read(const struct zs_access_counts *before, int copied,
			size_t size, unsigned long handle);
/* zs_obj_read_end: no work at all. */
void zs_work_check_none(const struct zs_access_counts *before, const char *what,
			unsigned long handle);
/*
 * zs_obj_read_batch of n objects, bytes in all, spanning of which straddle
 * two pages (-1: not known, any from 0 to n): a copy out per object and a
 * kmap per page each lies on.
 */
void zs_work_check_batch(const struct zs_access_counts *before, size_t n,
			 size_t bytes, long spanning);
/* zs_obj_write of len bytes. */
void zs_work_check_write(const struct zs_access_counts *before, size_t len,
			 unsigned long handle);

#endif /* ZS_FUZZ_MODE_WORK_H */
