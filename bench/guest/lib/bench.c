// SPDX-License-Identifier: MIT
/* Benchmark guest helpers: see bench.h. */
#include "bench.h"

struct timed_res bench_hvc(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fid;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	struct timed_res r;
	uint64_t t0, t1;

	__asm__ volatile("isb\n"
			 "	mrs	%[t0], cntvct_el0\n"
			 "	hvc	#0\n"
			 "	isb\n"
			 "	mrs	%[t1], cntvct_el0\n"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), [t0] "=&r"(t0),
			   [t1] "=&r"(t1)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
			   "x13", "x14", "x15", "x16", "x17", "memory");
	r.x0 = x0;
	r.t0 = t0;
	r.t1 = t1;
	return r;
}

/* Shell sort with Ciura's gaps: enough for a few thousand samples. */
void bench_sort(uint64_t *s, unsigned int n)
{
	static const unsigned int gaps[] = { 1750, 701, 301, 132, 57, 23, 10, 4, 1 };

	for (unsigned int g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
		unsigned int gap = gaps[g];

		for (unsigned int i = gap; i < n; i++) {
			uint64_t v = s[i];
			unsigned int j = i;

			for (; j >= gap && s[j - gap] > v; j -= gap)
				s[j] = s[j - gap];
			s[j] = v;
		}
	}
}

void bench_dist(const char *what, uint64_t *s, unsigned int n)
{
	if (!n) {
		printf("BENCH dist %s n=0\n", what);
		return;
	}
	bench_sort(s, n);
	printf("BENCH dist %s n=%u freq=%lu q=", what, n, cntfrq_hz());
	for (unsigned int p = 0; p <= 100; p++) {
		/* nearest rank: the smallest sample with >= p% at or below it */
		unsigned int rank = (p * n + 99) / 100;

		printf("%lu%s", s[rank ? rank - 1 : 0], p < 100 ? "," : "\n");
	}
}

static int uart_getc_timeout(uint64_t ms)
{
	volatile uint8_t *u = (volatile uint8_t *)plat.uart;
	uint64_t end = now_ns() + ms * 1000000;

	if (!plat.uart || plat.uart_pl011)
		return -1;
	while (now_ns() < end) {
		if (u[5] & 1)		/* LSR.DR */
			return u[0];
		udelay(1000);
	}
	return -1;
}

void bench_hold(void)
{
	if (!bootarg_u64("hold", 0))
		return;
	printf("BENCH-HOLD\n");
	if (uart_getc_timeout(120000) < 0)
		note("hold: no byte on the console within 120 s");
}
