// SPDX-License-Identifier: MIT
/*
 * blobstore: a small client of an installed libzsmalloc, public API only.
 * It stores blobs of many sizes (some straddle a page boundary), reads
 * each back, frees half, reads the rest again, and prints "blobstore: ok"
 * when every byte came back; any mismatch is an exit status of 1.
 *
 * Build it with CMake (examples/CMakeLists.txt, find_package) or with
 * pkg-config:  cc blobstore.c $(pkg-config --cflags --libs zsmalloc)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <zsmalloc.h>

#define NR_BLOBS 3000

static unsigned long handles[NR_BLOBS];
static size_t sizes[NR_BLOBS];

/* Byte i of blob n: a cheap mix, so that no two blobs look alike. */
static unsigned char blob_byte(size_t n, size_t i)
{
	uint32_t x = (uint32_t)n * 2654435761u + (uint32_t)i * 40503u;

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return (unsigned char)x;
}

/* Mostly small blobs, as in a cache; every third one up to a whole page. */
static size_t blob_size(size_t n, size_t max)
{
	size_t range = n % 3 ? 512 : max;

	return 1 + (n * 7919u) % range;
}

static int store(struct zs_pool *pool, size_t n)
{
	unsigned char *dst;

	handles[n] = zs_malloc(pool, sizes[n]);
	if (!handles[n])
		return -1;
	/* write-only: the mapping is not filled with the old bytes */
	dst = zs_map_object(pool, handles[n], ZS_MM_WO);
	if (!dst)
		return -1;
	for (size_t i = 0; i < sizes[n]; i++)
		dst[i] = blob_byte(n, i);
	zs_unmap_object(pool, handles[n]);
	return 0;
}

/* 0 when blob n reads back as stored. */
static int check(struct zs_pool *pool, size_t n)
{
	const unsigned char *src = zs_map_object(pool, handles[n], ZS_MM_RO);
	int bad = !src;

	for (size_t i = 0; src && i < sizes[n] && !bad; i++)
		bad = src[i] != blob_byte(n, i);
	if (src)
		zs_unmap_object(pool, handles[n]);
	if (bad)
		fprintf(stderr, "blobstore: blob %zu (%zu bytes) differs\n", n,
			sizes[n]);
	return bad;
}

int main(void)
{
	struct zs_pool *pool = zs_create_pool("blobstore");
	size_t bytes = 0, bad = 0, n;
	unsigned long pages;

	if (!pool) {
		fprintf(stderr, "blobstore: no pool\n");
		return 1;
	}
	for (n = 0; n < NR_BLOBS; n++) {
		sizes[n] = blob_size(n, zs_max_alloc_size(pool));
		if (store(pool, n) != 0) {
			fprintf(stderr, "blobstore: cannot store blob %zu\n",
				n);
			return 1;
		}
		bytes += sizes[n];
	}
	pages = zs_get_total_pages(pool);
	for (n = 0; n < NR_BLOBS; n++)
		bad += check(pool, n);
	/* Free the odd ones; the even ones must not notice. */
	for (n = 1; n < NR_BLOBS; n += 2)
		zs_free(pool, handles[n]);
	for (n = 0; n < NR_BLOBS; n += 2)
		bad += check(pool, n);
	for (n = 0; n < NR_BLOBS; n += 2)
		zs_free(pool, handles[n]);
	zs_destroy_pool(pool);

	if (bad) {
		fprintf(stderr, "blobstore: %zu mismatches\n", bad);
		return 1;
	}
	printf("blobstore: ok, %d blobs, %zu bytes in %lu pages\n", NR_BLOBS,
	       bytes, pages);
	return 0;
}
