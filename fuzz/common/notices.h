/* SPDX-License-Identifier: MIT */
/*
 * Refusal notices (zs_set_notice_handler: a bad pool config, an unknown
 * zpool type) counted instead of printed. A harness that makes refused
 * calls on purpose expects exactly one notice from each, and none from a
 * call that succeeds; printing them cost a fuzzer more than the calls.
 */
#ifndef ZS_FUZZ_NOTICES_H
#define ZS_FUZZ_NOTICES_H

/*
 * Installs the counter (again is harmless) and starts an input's count:
 * no notice expected yet. Notices are counted from every thread; the
 * input's tally belongs to the thread that runs the input.
 */
void zs_fuzz_notices_begin(void);
/*
 * The call just made earned `more` notices (1 when it was refused, else
 * 0): fails unless the notices since zs_fuzz_notices_begin are exactly
 * those earned so far.
 */
void zs_fuzz_notices_expect(unsigned long more, const char *call);

#endif /* ZS_FUZZ_NOTICES_H */
