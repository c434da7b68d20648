/* SPDX-License-Identifier: MIT */
/*
 * Ops that move objects (compaction, page migration) and the copy-based
 * access API, for the targets that opt in (zs_ops, zs_threads). They come
 * after a target's own ops, so the op numbers of existing corpora keep
 * their meaning. After every move the current mapping is compared (a
 * mapped object must not have moved) and every object of the model is
 * verified against the shadow.
 */
#ifndef ZS_FUZZ_MOVES_H
#define ZS_FUZZ_MOVES_H

#include "input.h"
#include "model.h"

enum zs_move_op {
	ZS_OP_COMPACT,	 /* - */
	ZS_OP_MIGRATE,	 /* slot u8 */
	ZS_OP_OBJ_READ,	 /* slot u8: read_begin, compare, read_end; from
			    0xe0 on a zs_obj_read_batch of (u8 & 31) + 1 */
	ZS_OP_OBJ_WRITE, /* slot u8, len u16, seed u8: zs_obj_write */
	ZS_NR_MOVE_OPS
};

void zs_run_move_op(struct zs_model *m, struct zs_input *in, unsigned int op);

#endif /* ZS_FUZZ_MOVES_H */
