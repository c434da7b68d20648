// SPDX-License-Identifier: MIT
#include "mode_work.h"

#include <stdio.h>

#include "fail.h"

static const char *const mode_name[] = {"RW", "RO", "WO"};

/* The counts since before. */
static struct zs_access_counts since(const struct zs_access_counts *before)
{
	struct zs_access_counts now;

	zs_access_counts(&now);
	now.kmaps -= before->kmaps;
	now.copies_out -= before->copies_out;
	now.bytes_out -= before->bytes_out;
	now.copies_in -= before->copies_in;
	now.bytes_in -= before->bytes_in;
	return now;
}

static void fail_work(const char *what, unsigned long handle, size_t size,
		      const struct zs_access_counts *d)
{
	zs_fuzz_fail("%s of %#lx (%zu bytes) did %lu kmaps, %lu copies out "
		     "(%lu bytes), %lu copies in (%lu bytes)",
		     what, handle, size, d->kmaps, d->copies_out, d->bytes_out,
		     d->copies_in, d->bytes_in);
}

/* d is exactly kmaps, out whole copies out and in whole copies in. */
static int is(const struct zs_access_counts *d, unsigned long kmaps,
	      unsigned long out, unsigned long in, size_t size)
{
	return d->kmaps == kmaps && d->copies_out == out &&
	       d->bytes_out == out * size && d->copies_in == in &&
	       d->bytes_in == in * size;
}

int zs_work_check_map(const struct zs_access_counts *before,
		      enum zs_mapmode mode, size_t size, unsigned long handle)
{
	struct zs_access_counts d = since(before);
	char what[40];

	if (is(&d, 1, 0, 0, size))
		return 0; /* inside one page: the page itself */
	if (mode == ZS_MM_WO ? is(&d, 0, 0, 0, size) : is(&d, 2, 1, 0, size))
		return 1;
	snprintf(what, sizeof(what), "zs_map_object(%s)", mode_name[mode]);
	fail_work(what, handle, size, &d);
	return 0;
}

void zs_work_check_unmap(const struct zs_access_counts *before,
			 enum zs_mapmode mode, int spans, size_t size,
			 unsigned long handle)
{
	struct zs_access_counts d = since(before);
	int ok;
	char what[64];

	if (!spans || mode == ZS_MM_RO)
		ok = is(&d, 0, 0, 0, size);
	else
		ok = is(&d, 2, 0, 1, size);
	if (ok)
		return;
	snprintf(what, sizeof(what), "zs_unmap_object(%s, %s)", mode_name[mode],
		 spans ? "straddling" : "in one page");
	fail_work(what, handle, size, &d);
}

void zs_work_check_read(const struct zs_access_counts *before, int copied,
			size_t size, unsigned long handle)
{
	struct zs_access_counts d = since(before);

	if (copied ? is(&d, 2, 1, 0, size) : is(&d, 1, 0, 0, size))
		return;
	fail_work(copied ? "zs_obj_read_begin (into the local copy)"
			 : "zs_obj_read_begin (in the page)",
		  handle, size, &d);
}

void zs_work_check_none(const struct zs_access_counts *before, const char *what,
			unsigned long handle)
{
	struct zs_access_counts d = since(before);

	if (!is(&d, 0, 0, 0, 0))
		fail_work(what, handle, 0, &d);
}

void zs_work_check_batch(const struct zs_access_counts *before, size_t n,
			 size_t bytes, long spanning)
{
	struct zs_access_counts d = since(before);
	unsigned long lo = n, hi = 2 * n;

	if (spanning >= 0)
		lo = hi = n + (unsigned long)spanning;
	if (d.kmaps >= lo && d.kmaps <= hi && d.copies_out == n &&
	    d.bytes_out == bytes && d.copies_in == 0 && d.bytes_in == 0)
		return;
	zs_fuzz_fail("zs_obj_read_batch of %zu objects (%zu bytes, %ld "
		     "straddling) did %lu kmaps, %lu copies out (%lu bytes), "
		     "%lu copies in (%lu bytes)",
		     n, bytes, spanning, d.kmaps, d.copies_out, d.bytes_out,
		     d.copies_in, d.bytes_in);
}

void zs_work_check_write(const struct zs_access_counts *before, size_t len,
			 unsigned long handle)
{
	struct zs_access_counts d = since(before);

	if (is(&d, 1, 0, 1, len) || is(&d, 2, 0, 1, len))
		return;
	fail_work("zs_obj_write", handle, len, &d);
}
