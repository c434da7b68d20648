/* SPDX-License-Identifier: MIT */
/*
 * Refusal notices (zs_set_notice_handler: a bad pool config, an unknown
 * zpool type) counted instead of printed. A harness that makes refused
 * calls on purpose expects exactly one notice from each, and none from a
 * call that succeeds; printing them cost a fuzzer more than the calls.
 */
#ifndef ZS_FUZZ_NOTICES_H
#define ZS_FUZZ_NOTICES_H

/* Installs the counter (again is harmless). */
void zs_fuzz_count_notices(void);
/* Notices counted so far, by every thread. */
unsigned long zs_fuzz_notices(void);
/* Fails unless exactly `want` notices came since `before`. */
void zs_fuzz_expect_notices(unsigned long before, unsigned long want,
			    const char *call);

#endif /* ZS_FUZZ_NOTICES_H */
