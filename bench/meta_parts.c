// SPDX-License-Identifier: MIT
#include "meta_parts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One step, in bytes per live object. */
struct meta_row {
	char step[32];
	double handles, desc, pfn, other, all;
};

static struct meta_row *rows;
static size_t nr_rows;

void meta_parts_record(struct backend *b, const char *step, uint64_t objs,
		       int64_t beyond)
{
	struct zs_pool_meta m;
	struct meta_row *r;
	double n = (double)objs;

	if (strcmp(b->kind, "zsmalloc") != 0 || !objs)
		return;
	r = realloc(rows, (nr_rows + 1) * sizeof(*r));
	if (!r)
		return; /* the table only loses this row */
	rows = r;
	r += nr_rows++;
	zs_pool_meta(b->pool, &m);
	snprintf(r->step, sizeof(r->step), "%s", step);
	r->handles = (double)m.handle_bytes / n;
	r->desc = (double)m.desc_bytes / n;
	r->pfn = (double)m.pfn_bytes / n;
	r->all = (double)beyond / n;
	r->other = r->all - r->handles - r->desc - r->pfn;
}

void meta_parts_print(void)
{
	if (!nr_rows)
		return;
	printf("\nMetadata by part, bytes per live object (zs_pool_meta; "
	       "other: the rest of the resident growth beyond the pool's "
	       "pages)\n\n");
	printf("| step           | handle table | descriptors | pfn table | "
	       "    other | meta B/obj |\n");
	printf("|----------------|-------------:|------------:|----------:|"
	       "----------:|-----------:|\n");
	for (size_t i = 0; i < nr_rows; i++) {
		const struct meta_row *r = &rows[i];

		printf("| %-14s | %12.1f | %11.1f | %9.1f | %9.1f | %10.1f |\n",
		       r->step, r->handles, r->desc, r->pfn, r->other, r->all);
	}
	free(rows);
	rows = NULL;
	nr_rows = 0;
}
