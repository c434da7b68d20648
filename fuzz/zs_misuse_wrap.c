// SPDX-License-Identifier: MIT
/*
 * zs_misuse_wrap: zs_misuse, every op and oracle the same, on the core
 * built with ZS_HANDLE_WRAP_TEST (zsmalloc_wrap: 3-bit handle generations,
 * a 4-slot reuse quarantine). Its churn reuses each slot hundreds of times
 * per input, so generations wrap: a stale handle must still be refused
 * until its very value is issued again, which the model allows only a
 * quarantine's worth of frees after it was freed, and a live object must
 * stay reachable through every wrap (a wrong generation mask loses it).
 * The default build needs 65536 reuses of one slot for that.
 */
#include "zs_misuse.c"
