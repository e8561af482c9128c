/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the benchmark guests (bench/guest/NAME.c), on top of the
 * test runtime (tests/guest/lib): the virtual counter, an HVC with the
 * counter read right before and right after it, distributions printed as
 * quantiles, and a console read for "hold before exit".
 *
 * Output lines that tools/bench reads start with "BENCH " and are
 * "key=value" words; times are in virtual counter ticks, with "freq=" the
 * counter frequency (CNTFRQ_EL0).
 */
#ifndef BENCH_H
#define BENCH_H

#include "guest.h"

static inline uint64_t cntvct(void)
{
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static inline uint64_t cntfrq_hz(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

struct timed_res {
	uint64_t x0;
	uint64_t t0, t1;	/* counter right before the HVC, right after */
};

/* HVC #0 with x0..x3 = @fid, @a1..@a3, timed with the virtual counter. */
struct timed_res bench_hvc(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3);

/* Sort @n samples in place (ascending). */
void bench_sort(uint64_t *s, unsigned int n);

/*
 * Print "BENCH dist <what> n=N freq=F q=Q0,Q1,...,Q100": the 0th..100th
 * percentiles (nearest rank) of @n samples, in counter ticks. Sorts @s.
 */
void bench_dist(const char *what, uint64_t *s, unsigned int n);

/*
 * hold=1 on the command line: print "BENCH-HOLD" and wait (up to 120 s)
 * for a byte on the console, so that the host can read hotvm's memory
 * figures before the guest powers off.
 */
void bench_hold(void);

#endif
