// SPDX-License-Identifier: MIT
/*
 * SYSTEM_OFF from a secondary CPU while the others run: CPU 1 spins, CPU 2
 * prints the result and calls SYSTEM_OFF, CPU 0 waits. hotvm must exit 0
 * (the case script checks the status and that nothing follows the
 * RESULT line). Needs >= 3 CPUs.
 */
#include "guest.h"

static void spin_forever(unsigned int cpu, uint64_t arg)
{
	(void)cpu;
	(void)arg;
	for (;;)
		cpu_relax();
}

static void do_off(unsigned int cpu, uint64_t arg)
{
	(void)arg;
	check(affinity(1) == AFF_ON, "cpu %u: cpu 1 is ON", cpu);
	check(affinity(0) == AFF_ON, "cpu %u: cpu 0 is ON", cpu);
	note("cpu %u calls SYSTEM_OFF with cpus 0 and 1 running", cpu);
	finish();
}

int guest_main(void)
{
	if (plat.ncpus < 3)
		fail_fatal("needs at least 3 CPUs");
	expect_eq(cpu_on(1, spin_forever, 0), PSCI_SUCCESS, "CPU_ON(cpu 1)");
	check(wait_affinity(1, AFF_ON, 5000), "cpu 1 is ON");
	expect_eq(cpu_on(2, do_off, 0), PSCI_SUCCESS, "CPU_ON(cpu 2)");
	udelay(20000000);
	fail_fatal("cpu 0 still running 20 s after cpu 2's SYSTEM_OFF");
}
