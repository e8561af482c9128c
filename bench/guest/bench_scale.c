// SPDX-License-Identifier: MIT
/*
 * Scale: CPU 0 powers every other CPU on (PSCI CPU_ON, all at once); each
 * one enters at scale_entry, which does nothing but PSCI CPU_OFF (no MMU,
 * no GIC set-up: the runtime's redistributor search is O(N) per CPU and
 * would dominate); CPU 0 waits until AFFINITY_INFO says OFF for each, which
 * after a successful CPU_ON means the CPU ran its CPU_OFF. Prints the time
 * this took. rounds=R (default 5, at most 16) times; prints
 * "BENCH scale cpus=N freq=F rounds=R variant=V updown=T1,...,TR" (counter
 * ticks; V: the variant=V bootarg, empty without),
 * then holds (hold=1) so that the host can read hotvm's memory before the
 * guest powers off.
 */
#include "bench.h"

void scale_entry(void);
__asm__(".text\n"
	".global scale_entry\n"
	".balign 8\n"
	"scale_entry:\n"
	"	ldr	w0, =0x84000002\n"	/* PSCI CPU_OFF */
	"	hvc	#0\n"
	"1:	wfe\n"
	"	b	1b\n"
	"	.ltorg\n");

int guest_main(void)
{
	unsigned int n = plat.ncpus, rounds = bootarg_u64("rounds", 5), i, r;
	unsigned int bad = 0, stuck = 0;
	uint64_t t[16], deadline;
	const char *variant;

	if (strcmp(plat.psci_method, "hvc"))
		fail_fatal("PSCI method is '%s', the benchmark uses HVC", plat.psci_method);
	if (rounds < 1 || rounds > 16)
		rounds = 5;
	deadline = now_ns() + 600000000000ull;
	for (r = 0; r < rounds; r++) {
		uint64_t t0 = cntvct();

		for (i = 1; i < n; i++) {
			int64_t ret = psci3(PSCI_CPU_ON64, cpu_mpidr(i),
					    (uint64_t)(uintptr_t)scale_entry, i);

			if (ret != PSCI_SUCCESS && bad++ < 5)
				note("CPU_ON(cpu %u) returned %ld", i, ret);
		}
		for (i = 1; i < n; i++) {
			while (affinity(i) != AFF_OFF && now_ns() < deadline)
				udelay(20);
			if (affinity(i) != AFF_OFF)
				stuck++;
		}
		t[r] = cntvct() - t0;
	}
	expect_eq(bad, 0, "%u rounds of CPU_ON of all %u secondaries succeeded", rounds, n - 1);
	expect_eq(stuck, 0, "all %u secondaries ran CPU_OFF each round (AFFINITY_INFO is OFF)",
		  n - 1);
	/* variant=WORD (bootarg): which machine around the vCPUs, e.g. "virtio" */
	variant = bootarg("variant");
	printf("BENCH scale cpus=%u freq=%lu rounds=%u variant=", n, cntfrq_hz(), rounds);
	for (; variant && *variant && *variant != ' '; variant++)
		printf("%c", *variant);
	printf(" updown=");
	for (r = 0; r < rounds; r++)
		printf("%lu%s", t[r], r + 1 < rounds ? "," : "\n");
	bench_hold();
	return 0;
}
