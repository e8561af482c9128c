// SPDX-License-Identifier: MIT
/*
 * CPU_ON latency seen by the guest: the virtual counter right before CPU 0's
 * CPU_ON HVC versus the counter the target reads with its very first
 * instruction (bench_entry: it keeps the value in TPIDR_EL0, which the
 * vCPU reset before entry has cleared, and jumps to the runtime's
 * guest_entry; the target's C code stores it once its MMU is on). Also the
 * time until CPU_ON returns to the caller.
 *
 * Command line: n=N samples (default 300). Needs 2 CPUs. Between samples
 * CPU 0 waits until AFFINITY_INFO says the target is OFF again.
 */
#include "bench.h"

#define MAX_SAMPLES 5000

static uint64_t lat_entry[MAX_SAMPLES], lat_return[MAX_SAMPLES];
static volatile uint64_t stamp;

void bench_entry(void);
__asm__(".text\n"
	".global bench_entry\n"
	".balign 8\n"
	"bench_entry:\n"
	"	mrs	x9, cntvct_el0\n"
	"	msr	tpidr_el0, x9\n"
	"	b	guest_entry\n");

static void target(unsigned int cpu, uint64_t arg)
{
	uint64_t t;

	(void)cpu;
	(void)arg;
	__asm__ volatile("mrs %0, tpidr_el0" : "=r"(t));
	store_release(&stamp, t);
}

int guest_main(void)
{
	unsigned int n = bootarg_u64("n", 300), i, got = 0, bad = 0, late = 0;
	const char *mode = plat.kernel_psci ? "kernel" : "user";
	struct percpu *pc = &percpu[1];
	char what[64];

	if (plat.ncpus < 2)
		fail_fatal("needs 2 CPUs");
	if (strcmp(plat.psci_method, "hvc"))
		fail_fatal("PSCI method is '%s', the benchmark uses HVC", plat.psci_method);
	if (n > MAX_SAMPLES)
		n = MAX_SAMPLES;
	for (i = 0; i < n; i++) {
		uint64_t ctx = make_ctx(1, CTX_START), deadline;
		struct timed_res r;

		stamp = 0;
		pc->fn = target;
		pc->arg = 0;
		pc->expect_ctx = ctx;
		mb();
		r = bench_hvc(PSCI_CPU_ON64, cpu_mpidr(1), (uint64_t)(uintptr_t)bench_entry, ctx);
		if ((int64_t)r.x0 != PSCI_SUCCESS) {
			if (bad++ < 5)
				note("CPU_ON #%u returned %ld", i, (int64_t)r.x0);
			continue;
		}
		deadline = now_ns() + 5000000000ull;
		while (!load_acquire(&stamp) && now_ns() < deadline)
			cpu_relax();
		if (!stamp || !wait_affinity(1, AFF_OFF, 5000)) {
			late++;
			break;
		}
		lat_entry[got] = stamp - r.t0;
		lat_return[got] = r.t1 - r.t0;
		got++;
	}
	expect_eq(bad, 0, "%u CPU_ON calls succeeded", n);
	expect_eq(late, 0, "every target ran and powered off again");
	expect_eq(percpu[1].bad_entries, 0, "every entry had the right context ID");
	snprintf(what, sizeof(what), "cpuon.%s.entry", mode);
	bench_dist(what, lat_entry, got);
	snprintf(what, sizeof(what), "cpuon.%s.return", mode);
	bench_dist(what, lat_return, got);
	return 0;
}
