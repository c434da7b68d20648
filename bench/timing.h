/* SPDX-License-Identifier: MIT */
/* The clock and the run statistics the speed benchmarks share. */
#ifndef BENCH_TIMING_H
#define BENCH_TIMING_H

/* CLOCK_MONOTONIC in nanoseconds. */
double bench_now_ns(void);

/*
 * Sorts v[0..n) and gives its median (the mean of the middle two when n
 * is even), minimum and maximum.
 */
void bench_stats(double *v, int n, double *med, double *lo, double *hi);

#endif
