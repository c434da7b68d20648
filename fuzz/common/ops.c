// SPDX-License-Identifier: MIT
#include "ops.h"

#include "sizes.h"

static void op_alloc(struct zs_model *m, struct zs_input *in, int fill)
{
	uint8_t kind = zs_input_u8(in);
	uint16_t param = zs_input_u16(in);
	uint8_t seed = fill ? zs_input_u8(in) : 0;
	size_t size = zs_pick_size(m->pool, &m->info, kind, param);
	int slot = zs_model_alloc(m, size);

	if (slot < 0 || !fill)
		return;
	zs_model_map(m, slot, ZS_MM_WO);
	zs_model_write(m, 0, size, seed);
	zs_model_unmap(m);
}

/*
 * Offset, inside an object of the class, of the k-th page edge of its
 * zspage: the object that straddles that edge has it at (k * page) mod
 * class size. Writing around it touches both pages.
 */
static size_t boundary_offset(const struct zs_model *m, size_t size,
			      unsigned int k)
{
	size_t cls = zs_class_size(m->pool, size);

	if (cls == 0)
		return 0;
	return (k * m->info.page_size) % cls;
}

static void op_write(struct zs_model *m, struct zs_input *in)
{
	uint8_t how = zs_input_u8(in);
	uint16_t arg = zs_input_u16(in);
	uint8_t seed = zs_input_u8(in);
	size_t size, off, len, w;

	if (m->mapped < 0)
		return;
	size = m->obj[m->mapped].size;
	switch (how % ZS_NR_WRITES) {
	case ZS_WRITE_WHOLE:
		zs_model_write(m, 0, size, seed);
		break;
	case ZS_WRITE_HEAD:
		zs_model_write(m, 0, 1 + arg % size, seed);
		break;
	case ZS_WRITE_TAIL:
		len = 1 + arg % size;
		zs_model_write(m, size - len, len, seed);
		break;
	case ZS_WRITE_RANGE:
		zs_model_write(m, arg % size, (size_t)(how >> 3) * 8 + 1, seed);
		break;
	case ZS_WRITE_BOUNDARY:
		off = boundary_offset(m, size,
				      1 + arg % m->info.max_pages_per_zspage);
		w = 1 + (size_t)(arg >> 8) % 16;
		off = off > w ? off - w : 0;
		zs_model_write(m, off, 2 * w, seed);
		break;
	default:
		len = 1 + (size_t)(arg % 64);
		zs_model_write(m, 0, len, seed);
		zs_model_write(m, size > len ? size - len : 0, len,
			       (uint8_t)(seed + 1));
		break;
	}
}

void zs_run_common_op(struct zs_model *m, struct zs_input *in, unsigned int op)
{
	int slot;

	switch (op) {
	case ZS_OP_ALLOC:
	case ZS_OP_ALLOC_FILL:
		op_alloc(m, in, op == ZS_OP_ALLOC_FILL);
		break;
	case ZS_OP_FREE:
		slot = zs_model_pick_live(m, zs_input_u8(in));
		if (slot >= 0)
			zs_model_free(m, slot);
		break;
	case ZS_OP_MAP: {
		uint8_t s = zs_input_u8(in);
		uint8_t mode = zs_input_u8(in) % 3;
		static const enum zs_mapmode modes[] = {ZS_MM_RW, ZS_MM_RO,
							ZS_MM_WO};

		slot = zs_model_pick_live(m, s);
		if (slot >= 0)
			zs_model_map(m, slot, modes[mode]);
		break;
	}
	case ZS_OP_WRITE:
		op_write(m, in);
		break;
	case ZS_OP_UNMAP:
		zs_model_unmap(m);
		break;
	case ZS_OP_READ:
		slot = zs_model_pick_live(m, zs_input_u8(in));
		if (slot >= 0)
			zs_model_verify(m, slot);
		break;
	default:
		if (m->shared_pool)
			zs_model_verify_all(m);
		else
			zs_model_check_pool(m);
		break;
	}
}
