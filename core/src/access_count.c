// SPDX-License-Identifier: MIT
#include "access_count.h"

#include <zsmalloc.h>

#include "kernel/kmap.h"

static _Thread_local struct {
	unsigned long copies_out, bytes_out;
	unsigned long copies_in, bytes_in;
} copies;

void zs_count_copy(bool to_pages, size_t bytes)
{
	if (to_pages) {
		copies.copies_in++;
		copies.bytes_in += bytes;
	} else {
		copies.copies_out++;
		copies.bytes_out += bytes;
	}
}

void zs_access_counts(struct zs_access_counts *counts)
{
	if (!counts)
		return;
	counts->kmaps = kmap_total();
	counts->copies_out = copies.copies_out;
	counts->bytes_out = copies.bytes_out;
	counts->copies_in = copies.copies_in;
	counts->bytes_in = copies.bytes_in;
}
