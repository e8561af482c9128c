// SPDX-License-Identifier: MIT
/*
 * Endianness at PSCI entry points (DEN 0022 section 6.4.3): a CPU started
 * by CPU_ON takes the data endianness (SCTLR_EL1.EE) of the caller, and a
 * CPU that resumes from a power-down CPU_SUSPEND takes its own. The calls
 * below are made with EE set only around the HVC/SMC itself
 * (percpu[].bigendian_calls, tests/guest/lib/start.S); guest_entry records
 * SCTLR_EL1 as found and goes back to little-endian before any data
 * access. Runs the same under KVM's PSCI (hotvm.psci=kernel), which does
 * this too. Needs >= 2 CPUs.
 */
#include "guest.h"

#define SCTLR_EE	(1ull << 25)

static volatile uint64_t seen_sctlr, seen;

static void secondary(unsigned int cpu, uint64_t arg)
{
	(void)arg;
	seen_sctlr = percpu[cpu].entry_sctlr;
	store_release(&seen, 1);
}

/* CPU_ON of CPU 1 by CPU 0 with CPU 0's EE = @be; EE at CPU 1's entry */
static uint64_t started_ee(bool be, uint32_t fid)
{
	int64_t r;

	seen = 0;
	percpu[0].bigendian_calls = be;
	r = cpu_on_fid(fid, 1, secondary, 0);
	percpu[0].bigendian_calls = false;
	expect_eq(r, PSCI_SUCCESS, "CPU_ON (0x%x) from a %s-endian caller", fid,
		  be ? "big" : "little");
	if (!wait_affinity(1, AFF_OFF, 2000) || !load_acquire(&seen)) {
		check(false, "CPU 1 ran and powered off again");
		return ~0ull;
	}
	return seen_sctlr & SCTLR_EE;
}

static volatile int64_t susp_r;
static volatile uint64_t susp_sctlr, susp_done;
static uint32_t ps_powerdown;

/* On CPU 1: a power-down suspend made big-endian, woken by the timer */
static void suspend_be(unsigned int cpu, uint64_t arg)
{
	timer_arm_us(2000);
	percpu[cpu].bigendian_calls = arg;
	susp_r = suspend_call(PSCI_CPU_SUSPEND64, ps_powerdown);
	percpu[cpu].bigendian_calls = false;
	timer_disarm();
	susp_sctlr = percpu[cpu].entry_sctlr;
	store_release(&susp_done, 1);
}

int guest_main(void)
{
	int64_t feat;

	if (plat.ncpus < 2)
		fail_fatal("needs 2 CPUs");
	expect_eq(started_ee(false, PSCI_CPU_ON64), 0,
		  "little-endian caller: CPU_ON target starts with SCTLR_EL1.EE clear");
	expect_eq(started_ee(true, PSCI_CPU_ON64), SCTLR_EE,
		  "big-endian caller: CPU_ON (SMC64) target starts with SCTLR_EL1.EE set");
	expect_eq(started_ee(true, PSCI_CPU_ON), SCTLR_EE,
		  "big-endian caller: CPU_ON (SMC32) target starts with SCTLR_EL1.EE set");
	expect_eq(started_ee(false, PSCI_CPU_ON64), 0,
		  "little-endian again: EE clear (nothing sticks)");

	feat = psci1(PSCI_FEATURES, PSCI_CPU_SUSPEND);
	ps_powerdown = feat > 0 && (feat & 2) ? 1u << 30 : 1u << 16;
	for (int be = 0; be < 2; be++) {
		susp_done = 0;
		expect_eq(cpu_on(1, suspend_be, (uint64_t)be), PSCI_SUCCESS,
			  "CPU_ON of CPU 1 to suspend %s-endian", be ? "big" : "little");
		for (int i = 0; i < 2000 && !load_acquire(&susp_done); i++)
			udelay(1000);
		if (!check(load_acquire(&susp_done), "CPU 1's suspend came back"))
			continue;
		if (susp_r != SUSPEND_RESUMED) {
			/* KVM's PSCI may demote power-down to standby */
			check(plat.kernel_psci && susp_r == 0,
			      "power-down suspend resumed at the entry point (got %ld)",
			      (long)susp_r);
			continue;
		}
		expect_eq(susp_sctlr & SCTLR_EE, be ? SCTLR_EE : 0,
			  "%s-endian CPU resumes from power-down with SCTLR_EL1.EE %s",
			  be ? "big" : "little", be ? "set" : "clear");
		wait_affinity(1, AFF_OFF, 2000);
	}
	return 0;
}
