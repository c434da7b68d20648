// SPDX-License-Identifier: MIT
#include "input.h"

#include "pages.h"

#include <limits.h>
#include <string.h>

void zs_input_init(struct zs_input *in, const uint8_t *data, size_t size)
{
	in->data = data;
	in->size = size;
	in->pos = 0;
}

size_t zs_input_left(const struct zs_input *in)
{
	return in->size - in->pos;
}

uint8_t zs_input_u8(struct zs_input *in)
{
	if (in->pos >= in->size)
		return 0;
	return in->data[in->pos++];
}

uint16_t zs_input_u16(struct zs_input *in)
{
	uint16_t lo = zs_input_u8(in);

	return (uint16_t)(lo | (zs_input_u8(in) << 8));
}

uint64_t zs_input_u64(struct zs_input *in)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++)
		v |= (uint64_t)zs_input_u8(in) << (8 * i);
	return v;
}

unsigned int zs_physmem_choice(unsigned int idx, unsigned int page_shift)
{
	/*
	 * Default, then widths leaving 1..12 bits of page frame number (tiny
	 * pfn spaces: zs_malloc must fail cleanly once they are used up),
	 * then the classic 32/36/40-bit machines.
	 */
	static const unsigned int extra[] = {1, 2, 4, 8, 12};
	static const unsigned int fixed[] = {32, 36, 40};
	const unsigned int word =
		(unsigned int)(sizeof(unsigned long) * CHAR_BIT);
	unsigned int w;

	idx %= ZS_NR_PHYSMEM_CHOICES;
	if (idx == 0)
		return 0;
	if (idx <= 5)
		w = page_shift + extra[idx - 1];
	else
		w = fixed[idx - 6];
	return w > word ? word : w;
}

void zs_input_config(struct zs_input *in, struct zs_fuzz_config *cfg)
{
	static const size_t page_sizes[] = {4096, 16384, 65536};
	static const unsigned int shifts[] = {12, 14, 16};
	uint8_t ps = zs_input_u8(in) % 3;
	uint8_t chain = zs_input_u8(in);
	uint8_t phys = zs_input_u8(in);
	uint8_t flags = zs_input_u8(in);

	memset(cfg, 0, sizeof(*cfg));
	cfg->pool.page_size = page_sizes[ps];
	cfg->pool.max_pages_per_zspage = 1u + chain % 16u;
	cfg->pool.physmem_bits = zs_physmem_choice(phys, shifts[ps]);
	/* the chain byte's high bits, unused by the chain: a fixed count,
	 * not the machine's CPUs, so an input replays alike anywhere (only
	 * zs_threads spreads over more than one) */
	cfg->pool.shards = 1u + (chain >> 4) % 4u;
	cfg->pool.no_class_merge = flags & 1;
	cfg->pool.pages = (flags & 2) ? NULL : &zs_recycling_pages;
	zs_fuzz_pages_begin();
	cfg->target_bits = (uint8_t)(flags >> 2);
}
