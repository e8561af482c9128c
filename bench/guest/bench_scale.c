// SPDX-License-Identifier: MIT
/*
 * Scale: CPU 0 powers every other CPU on (PSCI CPU_ON, all at once), each
 * one enters, runs nothing and calls CPU_OFF; CPU 0 waits until all of
 * them have run and AFFINITY_INFO says OFF for each. Prints the time this
 * took ("BENCH scale cpus=N updown=TICKS freq=F"), then holds (hold=1) so
 * that the host can read hotvm's memory before the guest powers off.
 */
#include "bench.h"

static void noop(unsigned int cpu, uint64_t arg)
{
	(void)cpu;
	(void)arg;
}

int guest_main(void)
{
	unsigned int n = plat.ncpus, i, bad = 0, missing = 0, stuck = 0;
	uint64_t t0, t1, deadline;

	if (strcmp(plat.psci_method, "hvc"))
		fail_fatal("PSCI method is '%s', the benchmark uses HVC", plat.psci_method);
	t0 = cntvct();
	for (i = 1; i < n; i++) {
		int64_t r = cpu_on(i, noop, 0);

		if (r != PSCI_SUCCESS && bad++ < 5)
			note("CPU_ON(cpu %u) returned %ld", i, r);
	}
	deadline = now_ns() + 600000000000ull;
	for (i = 1; i < n; i++) {
		while (!load_acquire(&percpu[i].entries) && now_ns() < deadline)
			cpu_relax();
		if (!percpu[i].entries)
			missing++;
	}
	for (i = 1; i < n; i++) {
		while (affinity(i) != AFF_OFF && now_ns() < deadline)
			udelay(20);
		if (affinity(i) != AFF_OFF)
			stuck++;
	}
	t1 = cntvct();
	expect_eq(bad, 0, "CPU_ON of all %u secondaries succeeded", n - 1);
	expect_eq(missing, 0, "all %u secondaries entered", n - 1);
	expect_eq(stuck, 0, "all %u secondaries are OFF again", n - 1);
	printf("BENCH scale cpus=%u updown=%lu freq=%lu\n", n, t1 - t0, cntfrq_hz());
	bench_hold();
	return 0;
}
