/* SPDX-License-Identifier: MIT */
/*
 * Decoding a fuzz input: a byte cursor that never fails (reads past the end
 * give zeros, so every prefix of an input is a valid input) and the pool
 * configuration prefix every target starts with. See fuzz/README.md.
 */
#ifndef ZS_FUZZ_INPUT_H
#define ZS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "zsmalloc.h"

struct zs_input {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

void zs_input_init(struct zs_input *in, const uint8_t *data, size_t size);
size_t zs_input_left(const struct zs_input *in);
uint8_t zs_input_u8(struct zs_input *in);
uint16_t zs_input_u16(struct zs_input *in); /* little endian */
uint64_t zs_input_u64(struct zs_input *in); /* little endian */

/* Length of the configuration prefix, in bytes. */
#define ZS_CONFIG_BYTES 4

/* Physical address widths a config byte can choose (index 0: default). */
#define ZS_NR_PHYSMEM_CHOICES 9

/*
 * The decoded prefix: a pool config plus the bits of the flags byte the
 * target may use for itself. Pages come from the recycling provider
 * (common/pages.h) unless flags bit 1 asks for the library's own. The
 * chain byte's low 4 bits give the chain (1..16), its next 2 the class
 * shards (1..4).
 */
struct zs_fuzz_config {
	struct zs_pool_config pool;
	uint8_t target_bits; /* flags byte >> 2 */
};

void zs_input_config(struct zs_input *in, struct zs_fuzz_config *cfg);

/* Width for choice idx at page shift s, clamped to the word size. */
unsigned int zs_physmem_choice(unsigned int idx, unsigned int page_shift);

#endif /* ZS_FUZZ_INPUT_H */
