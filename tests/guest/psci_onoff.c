// SPDX-License-Identifier: MIT
/*
 * PSCI CPU_ON / CPU_OFF cycles on every secondary CPU, and AFFINITY_INFO
 * at levels 0-3 with ON / OFF / ON_PENDING answers.
 *
 * Command line: rounds=N (default 100) power-on rounds of all secondaries.
 * Each secondary entry checks x0 = context ID and SCTLR_EL1.M = 0 (PSCI
 * 6.4: the MMU is off at the entry point), then calls CPU_OFF.
 */
#include "guest.h"

static volatile uint64_t hold[GUEST_MAX_CPUS];
static volatile uint64_t checked[GUEST_MAX_CPUS];
static volatile uint64_t seen_mmu_on, seen_bad_pstate, started;

static void secondary(unsigned int cpu, uint64_t arg)
{
	(void)arg;
	if (percpu[cpu].entry_sctlr & 1)
		atomic_inc(&seen_mmu_on);
	if (percpu[cpu].entry_pstate != PSTATE_ENTRY)
		atomic_inc(&seen_bad_pstate);
	atomic_inc(&started);
	while (load_acquire(&hold[cpu]))
		cpu_relax();
	/* stay ON until CPU 0 has asked AFFINITY_INFO after its CPU_ON */
	while (!load_acquire(&checked[cpu]))
		cpu_relax();
}

/* Affinity bits of @mpidr at and above @level */
static uint64_t aff_mask(unsigned int level)
{
	static const uint64_t m[4] = { 0xff00ffffffull, 0xff00ffff00ull,
				       0xff00ff0000ull, 0xff00000000ull };
	return m[level];
}

/*
 * What AFFINITY_INFO(cpu_mpidr(t), level) must answer when exactly the
 * CPUs in @on[] are on (and running: no ON_PENDING).
 */
static int64_t expected_affinity(const bool *on, unsigned int t,
				 unsigned int level)
{
	uint64_t m = aff_mask(level), node = cpu_mpidr(t) & m;
	unsigned int i;

	for (i = 0; i < plat.ncpus; i++) {
		if ((cpu_mpidr(i) & m) == node && on[i])
			return AFF_ON;
	}
	return AFF_OFF;
}

static void check_levels(const bool *on, const char *when)
{
	unsigned int t, level, bad = 0, n = 0;

	for (t = 0; t < plat.ncpus; t++) {
		for (level = 0; level < 4; level++) {
			int64_t want = expected_affinity(on, t, level);
			int64_t got = psci2(PSCI_AFFINITY_INFO,
					    cpu_mpidr(t), level);
			int64_t got64 = psci2(PSCI_AFFINITY_INFO64,
					      cpu_mpidr(t), level);

			n += 2;
			if (got != want || got64 != want) {
				if (bad++ < 5)
					note("AFFINITY_INFO(0x%lx, %u) = %ld/%ld, want %ld",
					     cpu_mpidr(t), level, got, got64,
					     want);
			}
		}
	}
	check(!bad, "AFFINITY_INFO levels 0-3, SMC32 and SMC64, of all %u CPUs %s (%u calls)",
	      plat.ncpus, when, n);
}

/* A node with no CPU in it: INVALID_PARAMETERS (hotvm's core and KVM) */
static void check_empty_node(void)
{
	uint64_t aff1 = 0, m;
	unsigned int i;
	bool used;

	/* the first Aff1 value no CPU uses */
	for (aff1 = 0; aff1 < 256; aff1++) {
		used = false;
		for (i = 0; i < plat.ncpus; i++)
			used |= ((cpu_mpidr(i) >> 8) & 0xff) == aff1;
		if (!used)
			break;
	}
	m = aff1 << 8;
	expect_eq(psci2(PSCI_AFFINITY_INFO, m, 1),
		  PSCI_INVALID_PARAMETERS,
		  "AFFINITY_INFO(0x%lx, level 1) of a cluster without CPUs", m);
	expect_eq(psci2(PSCI_AFFINITY_INFO, m | 0xff, 0),
		  PSCI_INVALID_PARAMETERS,
		  "AFFINITY_INFO(0x%lx, level 0) of a CPU that does not exist",
		  m | 0xff);
}

int guest_main(void)
{
	unsigned int n = plat.ncpus, rounds = bootarg_u64("rounds", 100);
	unsigned int r, i, bad_on = 0, bad_aff = 0, pending = 0, bad_off = 0;
	uint64_t t0, expect_started;
	bool on[GUEST_MAX_CPUS] = { false };

	if (n < 2)
		fail_fatal("needs at least 2 CPUs");
	on[0] = true;
	check_levels(on, "with only CPU 0 on");
	check_empty_node();

	/* one secondary held on: ALREADY_ON, ON at level 0, ON above */
	hold[n - 1] = 1;
	checked[n - 1] = 1;
	expect_eq(cpu_on(n - 1, secondary, 0), PSCI_SUCCESS,
		  "CPU_ON(cpu %u)", n - 1);
	t0 = now_ns();
	while (!percpu[n - 1].running && now_ns() - t0 < 5000000000ull)
		cpu_relax();
	check(percpu[n - 1].running, "cpu %u runs at the entry point", n - 1);
	expect_eq(percpu[n - 1].entry_ctx, percpu[n - 1].expect_ctx,
		  "cpu %u entered with x0 = context ID", n - 1);
	expect_eq(percpu[n - 1].entry_sctlr & 1, 0,
		  "cpu %u entered with the MMU off", n - 1);
	expect_eq(affinity(n - 1), AFF_ON,
		  "AFFINITY_INFO of a running CPU is ON (not ON_PENDING)");
	expect_eq(psci3(PSCI_CPU_ON64, cpu_mpidr(n - 1),
			(uint64_t)(uintptr_t)guest_entry, 0),
		  PSCI_ALREADY_ON, "CPU_ON of a running CPU");
	expect_eq(psci3(PSCI_CPU_ON, cpu_mpidr(0),
			(uint64_t)(uintptr_t)guest_entry, 0),
		  PSCI_ALREADY_ON, "CPU_ON of the calling CPU");
	on[n - 1] = true;
	check_levels(on, "with CPU 0 and the last CPU on");
	store_release(&hold[n - 1], 0);
	check(wait_affinity(n - 1, AFF_OFF, 5000),
	      "AFFINITY_INFO says OFF after CPU_OFF");
	on[n - 1] = false;
	check_levels(on, "after CPU_OFF");

	/* the cycles */
	started = 0;
	t0 = now_ns();
	for (r = 0; r < rounds; r++) {
		for (i = 1; i < n; i++) {
			int64_t ret, a;

			checked[i] = 0;
			ret = cpu_on(i, secondary, 0);

			if (ret != PSCI_SUCCESS) {
				if (bad_on++ < 5)
					note("round %u: CPU_ON(cpu %u) = %ld",
					     r, i, ret);
				continue;
			}
			a = affinity(i);
			store_release(&checked[i], 1);
			if (a == AFF_ON_PENDING)
				pending++;
			/* KVM's PSCI never says ON_PENDING */
			if (a != AFF_ON &&
			    (a != AFF_ON_PENDING || plat.kernel_psci)) {
				if (bad_aff++ < 5)
					note("round %u: AFFINITY_INFO(cpu %u) after CPU_ON = %ld",
					     r, i, a);
			}
		}
		for (i = 1; i < n; i++) {
			if (!wait_affinity(i, AFF_OFF, 5000)) {
				if (bad_off++ < 5)
					note("round %u: cpu %u not OFF after 5 s",
					     r, i);
			}
		}
		if (bad_off > 20)
			break;
	}
	expect_started = (uint64_t)rounds * (n - 1) - bad_on;
	expect_eq(bad_on, 0, "%u CPU_ON calls (%u rounds x %u secondaries) succeed",
		  rounds * (n - 1), rounds, n - 1);
	/* every AFFINITY_INFO OFF above came after the entry ran */
	expect_eq(started, expect_started,
		  "every successful CPU_ON ran the entry point exactly once");
	expect_eq(bad_aff, 0,
		  "AFFINITY_INFO right after CPU_ON is ON%s (ON_PENDING seen %u times)",
		  plat.kernel_psci ? "" : " or ON_PENDING", pending);
	expect_eq(bad_off, 0, "every CPU reaches OFF after CPU_OFF");
	expect_eq(seen_mmu_on, 0, "every entry had the MMU off");
	expect_eq(seen_bad_pstate, 0, "every entry at EL1h with D, A, I and F masked (PSTATE 0x%x)",
		  PSTATE_ENTRY);
	for (i = 1, r = 0; i < n; i++)
		r += percpu[i].bad_entries;
	expect_eq(r, 0, "every entry had x0 = its context ID");
	note("%u CPU_ON/CPU_OFF cycles in %lu ms", rounds * (n - 1),
	     (now_ns() - t0) / 1000000);
	check_levels(on, "after the cycles");
	expect_eq(smccc_clobbers, 0, "x4-x17 preserved across %lu calls",
		  smccc_calls);
	return 0;
}
