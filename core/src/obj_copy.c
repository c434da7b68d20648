// SPDX-License-Identifier: MIT
#include "obj_copy.h"

#include <string.h>

#include "access_count.h"
#include "kernel/kmap.h"
#include "kernel/sanitize.h"
#include "obj_shadow.h"
#include "zspage.h"

bool zs_obj_locate(struct zs_pool *pool, struct size_class *class,
		   unsigned long obj, struct zs_obj_loc *loc)
{
	struct zs_page *page;
	unsigned int idx;

	if (!zspage_of_obj(pool, class, obj, &idx, &page))
		return false;
	loc->page = page;
	loc->idx = idx;
	loc->off = zs_obj_offset(pool, class, idx);
	loc->obj_size = class->size;
	return true;
}

/*
 * One page's part: bytes [0, n) of this part are copied, span closed
 * unless another pinner holds the object open.
 */
static bool copy_part(const struct zs_handle_slot *holder, struct zs_page *page,
		      size_t off, size_t span, char *buf, size_t n, bool to_obj,
		      bool undefined)
{
	char *base = kmap_atomic(page);
	char *p;

	if (!base)
		return false;
	p = base + off;
	if (n) {
		zs_obj_shadow_open(holder, p, n, to_obj || undefined);
		if (to_obj)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
	}
	zs_obj_shadow_close(holder, p, span, 1);
	kunmap_atomic(base);
	return true;
}

bool zs_obj_copy(struct zs_pool *pool, const struct zs_handle_slot *holder,
		 const struct zs_obj_loc *loc, void *buf, size_t len,
		 bool to_obj, bool undefined)
{
	size_t ps = pool->geo.page_size;
	size_t span1 = zs_obj_spans(pool, loc) ? ps - loc->off : loc->obj_size;
	size_t n1 = len < span1 ? len : span1;

	ZS_BUG_ON(len > loc->obj_size);
	if (!copy_part(holder, loc->page, loc->off, span1, buf, n1, to_obj,
		       undefined))
		return false;
	if (span1 != loc->obj_size) {
		if (!copy_part(holder, zs_page_next(loc->page), 0,
			       loc->obj_size - span1, (char *)buf + n1,
			       len - n1, to_obj, undefined))
			return false;
	}
	zs_count_copy(to_obj, len);
	return true;
}

/*
 * One object's side of a piece [a, b) of a copy between two objects: the
 * page the piece lies on, where it starts there, and the object's span on
 * that page, closed once a piece reaches its end.
 */
struct piece_side {
	struct zs_page *page;
	size_t at;	 /* the piece's start in the page */
	size_t span_off; /* the object's span on the page */
	size_t span;
	bool ends_span; /* the piece ends at the span's end */
};

/* first: the object's bytes on its first page. */
static void piece_side(const struct zs_obj_loc *loc, size_t first, size_t a,
		       size_t b, struct piece_side *s)
{
	if (a < first) {
		s->page = loc->page;
		s->at = loc->off + a;
		s->span_off = loc->off;
		s->span = first;
		s->ends_span = b == first;
	} else {
		s->page = zs_page_next(loc->page);
		s->at = a - first;
		s->span_off = 0;
		s->span = loc->obj_size - first;
		s->ends_span = b == loc->obj_size;
	}
}

bool zs_obj_copy_obj(struct zs_pool *pool, const struct zs_obj_loc *from,
		     const struct zs_obj_loc *to, size_t len, bool undefined)
{
	size_t ps = pool->geo.page_size, size = from->obj_size;
	size_t sfirst = zs_obj_spans(pool, from) ? ps - from->off : size;
	size_t dfirst = zs_obj_spans(pool, to) ? ps - to->off : size;
	size_t a, b, n;

	ZS_BUG_ON(len > size || to->obj_size != size);
	/*
	 * Pieces end at either object's page edge; they cover the whole
	 * class size, not just len, so that every page of both spans is
	 * closed inside a window. Each piece maps two pages at the same kmap
	 * depth, so only the first can fail, before anything is opened.
	 */
	for (a = 0; a < size; a = b) {
		struct piece_side s, d;
		char *sbase, *dbase;

		b = size;
		if (sfirst > a && sfirst < b)
			b = sfirst;
		if (dfirst > a && dfirst < b)
			b = dfirst;
		piece_side(from, sfirst, a, b, &s);
		piece_side(to, dfirst, a, b, &d);
		sbase = kmap_atomic(s.page);
		if (!sbase)
			return false;
		dbase = kmap_atomic(d.page);
		if (!dbase) {
			kunmap_atomic(sbase);
			return false;
		}
		n = a < len ? (b < len ? b : len) - a : 0;
		if (n) {
			if (undefined)
				zs_san_open_undefined(sbase + s.at, n);
			else
				zs_san_open_defined(sbase + s.at, n);
			zs_san_open_undefined(dbase + d.at, n);
			memcpy(dbase + d.at, sbase + s.at, n);
		}
		if (d.ends_span)
			zs_san_close(dbase + d.span_off, d.span);
		if (s.ends_span)
			zs_san_close(sbase + s.span_off, s.span);
		kunmap_atomic(dbase);
		kunmap_atomic(sbase);
	}
	/* out of pages and into pages, as through a buffer */
	zs_count_copy(false, len);
	zs_count_copy(true, len);
	return true;
}
