// SPDX-License-Identifier: MIT
#include "obj_copy.h"

#include <string.h>

#include "access_count.h"
#include "kernel/kmap.h"
#include "kernel/sanitize.h"
#include "zspage.h"

bool zs_obj_locate(struct zs_pool *pool, struct size_class *class,
		   unsigned long obj, struct zs_obj_loc *loc)
{
	struct zs_page *page;
	unsigned int idx;
	struct zspage *zs = zspage_of_obj(pool, class, obj, &idx, &page);

	if (!zs)
		return false;
	loc->zs = zs;
	loc->page = page;
	loc->idx = idx;
	loc->off = ((size_t)idx * class->size) & (pool->geo.page_size - 1);
	loc->obj_size = class->size;
	return true;
}

/* One page's part: bytes [0, n) of this part are copied, span closed. */
static bool copy_part(struct zs_page *page, size_t off, size_t span, char *buf,
		      size_t n, bool to_obj, bool undefined)
{
	char *base = kmap_atomic(page);
	char *p;

	if (!base)
		return false;
	p = base + off;
	if (n) {
		if (to_obj || undefined)
			zs_san_open_undefined(p, n);
		else
			zs_san_open_defined(p, n);
		if (to_obj)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
	}
	zs_san_close(p, span);
	kunmap_atomic(base);
	return true;
}

bool zs_obj_copy(struct zs_pool *pool, const struct zs_obj_loc *loc, void *buf,
		 size_t len, bool to_obj, bool undefined)
{
	size_t ps = pool->geo.page_size;
	size_t span1 = zs_obj_spans(pool, loc) ? ps - loc->off : loc->obj_size;
	size_t n1 = len < span1 ? len : span1;

	ZS_BUG_ON(len > loc->obj_size);
	if (!copy_part(loc->page, loc->off, span1, buf, n1, to_obj, undefined))
		return false;
	if (span1 != loc->obj_size) {
		if (!copy_part(zs_page_next(loc->page), 0,
			       loc->obj_size - span1, (char *)buf + n1,
			       len - n1, to_obj, undefined))
			return false;
	}
	zs_count_copy(to_obj, len);
	return true;
}
