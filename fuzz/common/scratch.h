/* SPDX-License-Identifier: MIT */
/*
 * Scratch blocks for buffers the library writes into for one call (the
 * local copy of zs_obj_read_begin): open to the sanitizers for exactly the
 * bytes asked for, as a fresh malloc of that size would be, but reused, so
 * that a read does not put up to 64 KiB through ASan's quarantine.
 */
#ifndef ZS_FUZZ_SCRATCH_H
#define ZS_FUZZ_SCRATCH_H

#include <stddef.h>
#include <stdint.h>

/* size bytes, undefined, with nothing open around them; never NULL. */
uint8_t *zs_scratch_get(size_t size);
/* Gives back p (from zs_scratch_get(size)): closed until handed out again. */
void zs_scratch_put(uint8_t *p, size_t size);

#endif /* ZS_FUZZ_SCRATCH_H */
