/* SPDX-License-Identifier: MIT */
/*
 * The valid operations every target drives: one byte picks the op, the
 * bytes after it are its arguments (see fuzz/README.md for the layout).
 * Targets add their own ops after ZS_NR_COMMON_OPS.
 */
#ifndef ZS_FUZZ_OPS_H
#define ZS_FUZZ_OPS_H

#include "input.h"
#include "model.h"

/* Ops per input: bounds the time one execution takes. */
#define ZS_MAX_OPS 512

enum zs_common_op {
	ZS_OP_ALLOC,	  /* kind u8, param u16 */
	ZS_OP_ALLOC_FILL, /* kind u8, param u16, seed u8: alloc, WO, fill */
	ZS_OP_FREE,	  /* slot u8 */
	ZS_OP_MAP,	  /* slot u8, mode u8 (RW, RO, WO) */
	ZS_OP_WRITE,	  /* how u8, arg u16, seed u8 */
	ZS_OP_UNMAP,	  /* - */
	ZS_OP_READ,	  /* slot u8: map RO, compare, unmap */
	ZS_OP_CHECK,	  /* - : pool check + stats (own objects if shared) */
	ZS_NR_COMMON_OPS
};

/* Ways ZS_OP_WRITE picks the bytes it writes (how % ZS_NR_WRITES). */
enum zs_write_how {
	ZS_WRITE_WHOLE,
	ZS_WRITE_HEAD,	   /* arg bytes from the start */
	ZS_WRITE_TAIL,	   /* arg bytes up to the end */
	ZS_WRITE_RANGE,	   /* from arg, (how >> 3) * 8 + 1 bytes */
	ZS_WRITE_BOUNDARY, /* around the (arg % chain + 1)th page edge of
			      the class's zspage, +-(arg >> 8) % 16 + 1 */
	ZS_WRITE_ENDS,	   /* arg % 64 + 1 bytes at each end */
	ZS_NR_WRITES
};

void zs_run_common_op(struct zs_model *m, struct zs_input *in, unsigned int op);

#endif /* ZS_FUZZ_OPS_H */
