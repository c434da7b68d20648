/* SPDX-License-Identifier: MIT */
/*
 * One page in, compressed bytes out, and back: LZ4 or zstd behind one
 * interface. The system libraries are not built with MemorySanitizer, so
 * under MSan what they write is marked initialised here.
 */
#ifndef ZSTORE_COMPRESS_H
#define ZSTORE_COMPRESS_H

#include <stddef.h>

#include <zstore.h>

struct zstore_codec;

struct zstore_codec *zstore_codec_create(enum zstore_comp comp);
void zstore_codec_destroy(struct zstore_codec *c);
/* Room dst needs for any input of n bytes. */
size_t zstore_codec_bound(const struct zstore_codec *c, size_t n);
/* Compressed size, or 0 when it did not fit in cap (or failed). */
size_t zstore_compress(struct zstore_codec *c, const void *src, size_t n,
		       void *dst, size_t cap);
/* 0 when exactly n bytes came out, -1 otherwise. */
int zstore_decompress(struct zstore_codec *c, const void *src, size_t len,
		      void *dst, size_t n);

#endif /* ZSTORE_COMPRESS_H */
