// SPDX-License-Identifier: MIT
#include "compress.h"

#include <limits.h>
#include <stdlib.h>

#include <lz4.h>
#include <zstd.h>

#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#include <sanitizer/msan_interface.h>
#define ZSTORE_MSAN 1
#endif
#endif

/* zstd's fastest level: a page store cares about latency first. */
#define ZSTD_LEVEL 1

struct zstore_codec {
	enum zstore_comp comp;
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
};

/* Bytes written by an uninstrumented library, as MSan must see them. */
static void written(void *p, size_t n)
{
#if defined(ZSTORE_MSAN)
	__msan_unpoison(p, n);
#else
	(void)p;
	(void)n;
#endif
}

struct zstore_codec *zstore_codec_create(enum zstore_comp comp)
{
	struct zstore_codec *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->comp = comp;
	if (comp == ZSTORE_ZSTD) {
		c->cctx = ZSTD_createCCtx();
		c->dctx = ZSTD_createDCtx();
		if (!c->cctx || !c->dctx) {
			zstore_codec_destroy(c);
			return NULL;
		}
	}
	return c;
}

void zstore_codec_destroy(struct zstore_codec *c)
{
	if (!c)
		return;
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeDCtx(c->dctx);
	free(c);
}

size_t zstore_codec_bound(const struct zstore_codec *c, size_t n)
{
	if (c->comp == ZSTORE_ZSTD)
		return ZSTD_compressBound(n);
	return (size_t)LZ4_compressBound((int)n);
}

size_t zstore_compress(struct zstore_codec *c, const void *src, size_t n,
		       void *dst, size_t cap)
{
	size_t out;

	if (n > INT_MAX || cap > INT_MAX)
		return 0;
	if (c->comp == ZSTORE_ZSTD) {
		out = ZSTD_compressCCtx(c->cctx, dst, cap, src, n, ZSTD_LEVEL);
		written(&out, sizeof(out));
		if (ZSTD_isError(out))
			return 0;
	} else {
		int r = LZ4_compress_default(src, dst, (int)n, (int)cap);

		written(&r, sizeof(r));
		out = r > 0 ? (size_t)r : 0;
	}
	written(dst, out);
	return out;
}

int zstore_decompress(struct zstore_codec *c, const void *src, size_t len,
		      void *dst, size_t n)
{
	size_t out;

	if (len > INT_MAX || n > INT_MAX)
		return -1;
	if (c->comp == ZSTORE_ZSTD) {
		out = ZSTD_decompressDCtx(c->dctx, dst, n, src, len);
		written(&out, sizeof(out));
		if (ZSTD_isError(out))
			return -1;
	} else {
		int r = LZ4_decompress_safe(src, dst, (int)len, (int)n);

		written(&r, sizeof(r));
		out = r >= 0 ? (size_t)r : 0;
	}
	if (out != n)
		return -1;
	written(dst, n);
	return 0;
}
