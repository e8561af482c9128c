// SPDX-License-Identifier: MIT
/*
 * vCPU hot-plug through PSCI: run with --cpus E --max-cpus P and
 * "-p hotvm.enabled=E". CPUs 1..E-1 power on and off; CPUs E..P-1 are
 * possible (in the DT) but not enabled: CPU_ON answers DENIED, they stay
 * OFF. An MPIDR beyond P is INVALID_PARAMETERS. userspace PSCI only.
 */
#include "guest.h"

static volatile uint64_t ran[GUEST_MAX_CPUS];

static void secondary(unsigned int cpu, uint64_t arg)
{
	(void)arg;
	ran[cpu]++;
}

int guest_main(void)
{
	unsigned int enabled = bootarg_u64("hotvm.enabled", 0), i, r;
	unsigned int possible = plat.ncpus;
	uint64_t entry = (uint64_t)(uintptr_t)guest_entry;

	if (!enabled || enabled >= possible)
		fail_fatal("needs hotvm.enabled=E with E < the %u CPUs in the DT",
			   possible);
	note("%u possible CPUs, %u enabled", possible, enabled);
	for (r = 0; r < 3; r++) {
		for (i = 1; i < enabled; i++) {
			expect_eq(cpu_on(i, secondary, 0), PSCI_SUCCESS,
				  "round %u: CPU_ON(enabled cpu %u)", r, i);
			check(wait_affinity(i, AFF_OFF, 5000),
			      "round %u: cpu %u ran and is OFF again", r, i);
		}
		for (i = enabled; i < possible; i++) {
			expect_eq(cpu_on(i, secondary, 0), PSCI_DENIED,
				  "round %u: CPU_ON(disabled cpu %u) is DENIED",
				  r, i);
			expect_eq(psci3(PSCI_CPU_ON, cpu_mpidr(i), entry, i),
				  PSCI_DENIED,
				  "round %u: SMC32 CPU_ON(disabled cpu %u) is DENIED",
				  r, i);
			expect_eq(affinity(i), AFF_OFF,
				  "round %u: disabled cpu %u is OFF", r, i);
		}
	}
	for (i = 1; i < possible; i++)
		expect_eq(ran[i], i < enabled ? 3 : 0, "cpu %u ran %u times", i,
			  i < enabled ? 3 : 0);
	expect_eq(psci3(PSCI_CPU_ON64, cpu_mpidr(possible), entry, 0),
		  PSCI_INVALID_PARAMETERS,
		  "CPU_ON of MPIDR 0x%lx beyond the possible CPUs",
		  cpu_mpidr(possible));
	expect_eq(psci2(PSCI_AFFINITY_INFO64, cpu_mpidr(enabled), 1), AFF_ON,
		  "AFFINITY_INFO level 1 of a disabled CPU's cluster: ON");
	return 0;
}
