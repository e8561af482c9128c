// SPDX-License-Identifier: MIT
/*
 * CPU_SUSPEND standby and power-down (in the power_state format
 * PSCI_FEATURES(CPU_SUSPEND) announces), CPU_DEFAULT_SUSPEND, PSCI_STAT_*,
 * NODE_HW_STATE and SYSTEM_SUSPEND where offered, on CPU 0 and on CPU 1,
 * each woken by the virtual timer's interrupt. Power-down must resume at
 * the entry point with x0 = context ID and the MMU off; KVM's in-kernel
 * PSCI (hotvm.psci=kernel) may return in place instead, which PSCI allows
 * (the power-down request may be demoted to standby). Needs >= 2 CPUs.
 */
#include "guest.h"

static bool extended;
static uint32_t ps_standby, ps_powerdown;

static const char *how(int64_t r)
{
	return r == SUSPEND_RESUMED ? "resumed at the entry point" :
	       r == 0		    ? "returned SUCCESS" :
				      "returned an error";
}

/* One suspend of the calling CPU, woken by the timer after @us */
static int64_t suspend_once(uint32_t fid, uint32_t ps, uint64_t us,
			    uint64_t *elapsed_us, bool *fired)
{
	uint64_t t0 = now_ns();
	int64_t r;

	timer_arm_us(us);
	r = suspend_call(fid, ps);
	*fired = timer_fired() || timer_irq_pending();
	*elapsed_us = (now_ns() - t0) / 1000;
	timer_disarm();
	return r;
}

struct result {
	volatile int64_t r;
	volatile uint64_t us, elapsed_us, entry_ctx, expect_ctx, sctlr;
	volatile bool fired;
	volatile uint64_t phase;	/* 1: about to suspend, 2: done */
};

static void do_suspend(struct result *res, uint32_t fid, uint32_t ps,
		       uint64_t us)
{
	unsigned int cpu = this_cpu();
	uint64_t el;
	bool fired;

	res->us = us;
	store_release(&res->phase, 1);
	res->r = suspend_once(fid, ps, us, &el, &fired);
	res->elapsed_us = el;
	res->fired = fired;
	res->entry_ctx = percpu[cpu].entry_ctx;
	res->expect_ctx = percpu[cpu].expect_ctx;
	res->sctlr = percpu[cpu].entry_sctlr;
	store_release(&res->phase, 2);
}

static void report(const char *who, const char *what, struct result *res,
		   bool powerdown)
{
	if (!powerdown) {
		expect_eq(res->r, 0, "%s: %s standby returns SUCCESS", who, what);
	} else if (plat.kernel_psci) {
		check(res->r == SUSPEND_RESUMED || res->r == 0,
		      "%s: %s power-down: %s (KVM: either is fine)", who, what,
		      how(res->r));
	} else {
		check(res->r == SUSPEND_RESUMED,
		      "%s: %s power-down resumes at the entry point (%s)", who,
		      what, how(res->r));
	}
	if (res->r == SUSPEND_RESUMED) {
		expect_eq(res->entry_ctx, res->expect_ctx,
			  "%s: %s resumed with x0 = context ID", who, what);
		expect_eq(res->sctlr & 1, 0, "%s: %s resumed with the MMU off",
			  who, what);
	}
	/*
	 * A power-down loses the CPU's timer context (hotvm resets the vCPU):
	 * then "woken by the timer" means "not before it was due".
	 */
	if (res->r == SUSPEND_RESUMED && !res->fired)
		check(res->elapsed_us >= res->us,
		      "%s: %s woke when the timer was due (after %lu us, timer %lu us)",
		      who, what, res->elapsed_us, res->us);
	else
		check(res->fired, "%s: %s woken by the timer (after %lu us)",
		      who, what, res->elapsed_us);
}

static volatile uint64_t hold1;

static void hold_fn(unsigned int cpu, uint64_t arg)
{
	(void)cpu;
	(void)arg;
	while (load_acquire(&hold1))
		cpu_relax();
}

static struct result cpu1_res[4];
static volatile uint64_t cpu1_go;

static void cpu1_fn(unsigned int cpu, uint64_t arg)
{
	(void)cpu;
	(void)arg;
	while (load_acquire(&cpu1_go) != 1)
		cpu_relax();
	do_suspend(&cpu1_res[0], PSCI_CPU_SUSPEND, ps_standby, 300000);
	while (load_acquire(&cpu1_go) != 2)
		cpu_relax();
	do_suspend(&cpu1_res[1], PSCI_CPU_SUSPEND64, ps_powerdown, 300000);
}

/* Poll NODE_HW_STATE(cpu 1) until @want; true if seen */
static bool saw_hw_state(int64_t want, volatile uint64_t *phase)
{
	uint64_t t0 = now_ns();

	while (now_ns() - t0 < 250000000ull && load_acquire(phase) < 2) {
		if (psci2(PSCI_NODE_HW_STATE64, cpu_mpidr(1), 0) == want)
			return true;
		udelay(100);
	}
	return false;
}

static void on_cpu1(bool hw_state)
{
	unsigned int i;

	expect_eq(cpu_on(1, cpu1_fn, 0), PSCI_SUCCESS, "CPU_ON(cpu 1)");
	store_release(&cpu1_go, 1);
	while (load_acquire(&cpu1_res[0].phase) < 1)
		cpu_relax();
	expect_eq(affinity(1), AFF_ON,
		  "AFFINITY_INFO of a CPU in standby is ON");
	if (hw_state)
		check(saw_hw_state(2, &cpu1_res[0].phase),
		      "NODE_HW_STATE of cpu 1 in standby is STANDBY (2)");
	for (i = 0; i < 3000 && load_acquire(&cpu1_res[0].phase) < 2; i++)
		udelay(1000);
	report("cpu 1", "CPU_SUSPEND", &cpu1_res[0], false);

	store_release(&cpu1_go, 2);
	while (load_acquire(&cpu1_res[1].phase) < 1)
		cpu_relax();
	expect_eq(affinity(1), AFF_ON,
		  "AFFINITY_INFO of a CPU in power-down suspend is ON");
	if (hw_state && !plat.kernel_psci)
		check(saw_hw_state(1, &cpu1_res[1].phase),
		      "NODE_HW_STATE of cpu 1 powered down is OFF (1)");
	for (i = 0; i < 3000 && load_acquire(&cpu1_res[1].phase) < 2; i++)
		udelay(1000);
	report("cpu 1", "CPU_SUSPEND64", &cpu1_res[1], true);
	check(wait_affinity(1, AFF_OFF, 5000), "cpu 1 OFF again");
}

int guest_main(void)
{
	int64_t feat, f_def, f_stat, f_hw, f_sys, r;
	struct result res;
	uint64_t count0 = 0, count1;
	unsigned int i;

	if (plat.ncpus < 2)
		fail_fatal("needs at least 2 CPUs");
	feat = psci1(PSCI_FEATURES, PSCI_CPU_SUSPEND);
	check(feat >= 0, "PSCI_FEATURES(CPU_SUSPEND) = %ld", feat);
	extended = feat & 2;
	ps_standby = 0;
	ps_powerdown = extended ? 1u << 30 : 1u << 16;
	note("power_state format: %s (standby 0x%x, power-down 0x%x)",
	     extended ? "extended" : "original", ps_standby, ps_powerdown);
	f_def = psci1(PSCI_FEATURES, PSCI_CPU_DEFAULT_SUSPEND);
	f_stat = psci1(PSCI_FEATURES, PSCI_STAT_COUNT);
	f_hw = psci1(PSCI_FEATURES, PSCI_NODE_HW_STATE64);
	f_sys = psci1(PSCI_FEATURES, PSCI_SYSTEM_SUSPEND64);

	if (f_stat >= 0)
		count0 = psci2(PSCI_STAT_COUNT, cpu_mpidr(0), ps_standby);

	/* CPU 0: standby, SMC32 and SMC64, HVC and SMC */
	for (i = 0; i < 4; i++) {
		uint32_t fid = i & 1 ? PSCI_CPU_SUSPEND64 : PSCI_CPU_SUSPEND;

		psci_conduit = i & 2 ? SMC : HVC;
		memset(&res, 0, sizeof(res));
		do_suspend(&res, fid, ps_standby, 20000);
		report("cpu 0", i & 2 ? "SMC CPU_SUSPEND" : "HVC CPU_SUSPEND",
		       &res, false);
	}
	/* standby with a StateID: any StateID is accepted */
	memset(&res, 0, sizeof(res));
	do_suspend(&res, PSCI_CPU_SUSPEND, ps_standby | 0x1234, 20000);
	report("cpu 0", "CPU_SUSPEND (StateID 0x1234)", &res, false);
	psci_conduit = HVC;
	/* power-down */
	for (i = 0; i < 4; i++) {
		uint32_t fid = i & 1 ? PSCI_CPU_SUSPEND64 : PSCI_CPU_SUSPEND;

		psci_conduit = i & 2 ? SMC : HVC;
		memset(&res, 0, sizeof(res));
		do_suspend(&res, fid, ps_powerdown, 20000);
		report("cpu 0",
		       i & 2 ? "SMC CPU_SUSPEND" : "HVC CPU_SUSPEND", &res,
		       true);
	}
	psci_conduit = HVC;
	/* repeated power-down cycles */
	for (i = 0, r = 0; i < 20; i++) {
		bool fired;
		uint64_t el;

		if (suspend_once(PSCI_CPU_SUSPEND, ps_powerdown, 2000, &el,
				 &fired) != (plat.kernel_psci ? 0 :
						       SUSPEND_RESUMED) &&
		    !plat.kernel_psci)
			r++;
	}
	expect_eq(r, 0, "cpu 0: 20 more power-down suspend/resume cycles");

	if (f_stat >= 0) {
		count1 = psci2(PSCI_STAT_COUNT, cpu_mpidr(0), ps_standby);
		expect_eq(count1 - count0, 5,
			  "PSCI_STAT_COUNT counts cpu 0's 5 standby entries");
		check(psci2(PSCI_STAT_COUNT64, cpu_mpidr(0), ps_powerdown) >= 24,
		      "PSCI_STAT_COUNT counts cpu 0's power-down entries");
		check(psci2(PSCI_STAT_RESIDENCY, cpu_mpidr(0), ps_standby) > 0,
		      "PSCI_STAT_RESIDENCY of standby is > 0 us");
	} else {
		skip("not offered", "PSCI_STAT_COUNT");
	}

	if (f_def >= 0) {
		memset(&res, 0, sizeof(res));
		do_suspend(&res, PSCI_CPU_DEFAULT_SUSPEND, 0, 20000);
		check(res.r == 0 || res.r == SUSPEND_RESUMED,
		      "CPU_DEFAULT_SUSPEND: %s", how(res.r));
		check(res.fired, "CPU_DEFAULT_SUSPEND woken by the timer");
		expect_eq(psci2(PSCI_CPU_DEFAULT_SUSPEND64, 0x1000, 0),
			  PSCI_INVALID_ADDRESS,
			  "CPU_DEFAULT_SUSPEND with entry point 0x1000");
	} else {
		skip("not offered", "CPU_DEFAULT_SUSPEND");
	}

	if (!plat.kernel_psci) {
		static const uint32_t bad_ext[] = { 1u << 31, 1u << 29,
						    1u << 28 };
		static const uint32_t bad_orig[] = { 1u << 24, 1u << 25,
						     1u << 17, 1u << 26,
						     1u << 31 };
		const uint32_t *bad = extended ? bad_ext : bad_orig;
		unsigned int n = extended ? 3 : 5;

		for (i = 0; i < n; i++)
			expect_eq(psci3(PSCI_CPU_SUSPEND, bad[i],
					(uint64_t)(uintptr_t)guest_entry, 0),
				  PSCI_INVALID_PARAMETERS,
				  "CPU_SUSPEND power_state 0x%x is invalid",
				  bad[i]);
		expect_eq(psci3(PSCI_CPU_SUSPEND, ps_powerdown, 0x2000, 0),
			  PSCI_INVALID_ADDRESS,
			  "power-down CPU_SUSPEND with entry point 0x2000");
	} else {
		skip("KVM does not check power_state", "bad power_state");
	}

	on_cpu1(f_hw >= 0);

	if (f_sys >= 0) {
		hold1 = 1;
		expect_eq(cpu_on(1, hold_fn, 0), PSCI_SUCCESS, "CPU_ON(cpu 1)");
		expect_eq(psci2(PSCI_SYSTEM_SUSPEND64,
				(uint64_t)(uintptr_t)guest_entry, 0),
			  PSCI_DENIED, "SYSTEM_SUSPEND with cpu 1 on: DENIED");
		expect_eq(psci2(PSCI_SYSTEM_SUSPEND64, 0x1000, 0),
			  plat.kernel_psci ? PSCI_DENIED : PSCI_INVALID_ADDRESS,
			  "SYSTEM_SUSPEND with entry point 0x1000");
		store_release(&hold1, 0);
		check(wait_affinity(1, AFF_OFF, 5000), "cpu 1 OFF again");
		memset(&res, 0, sizeof(res));
		do_suspend(&res, PSCI_SYSTEM_SUSPEND64, 0, 20000);
		if (plat.kernel_psci)
			check(res.r == SUSPEND_RESUMED || res.r == 0,
			      "SYSTEM_SUSPEND: %s", how(res.r));
		else
			report("cpu 0", "SYSTEM_SUSPEND", &res, true);
	} else {
		skip("not offered", "SYSTEM_SUSPEND");
	}
	expect_eq(smccc_clobbers, 0, "x4-x17 preserved across %lu calls",
		  smccc_calls);
	return 0;
}
