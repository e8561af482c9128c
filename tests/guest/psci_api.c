// SPDX-License-Identifier: MIT
/*
 * The PSCI API from one caller, over both conduits: PSCI_VERSION,
 * PSCI_FEATURES for all of 0x84000000-0x8400001f and 0xc4000000-0xc400001f
 * (checked against what each function does when called), reserved-bit and
 * unknown function IDs, SMC32 argument truncation, bad arguments, and that
 * HVC and SMC give the same answers. Needs >= 2 CPUs.
 *
 * Expectations: hotvm's firmware core (src/fw/psci.c) by default, KVM's
 * in-kernel PSCI (arch/arm64/kvm/psci.c) with hotvm.psci=kernel.
 */
#include "guest.h"

#define NFN 0x20

enum need { NO, YES, OPT };

/* Functions every PSCI >= 1.0 implementation has (DEN 0022 table 5.1) */
static enum need expected(uint32_t fid, uint32_t version)
{
	bool w64 = fid & (1u << 30);
	uint32_t fn = fid & 0xffff;
	bool k = plat.kernel_psci;

	switch (fn) {
	case 0x0: /* VERSION */
	case 0x2: /* CPU_OFF */
	case 0x6: /* MIGRATE_INFO_TYPE */
	case 0x8: /* SYSTEM_OFF */
	case 0x9: /* SYSTEM_RESET */
	case 0xa: /* PSCI_FEATURES */
		return w64 ? NO : YES;
	case 0x1: /* CPU_SUSPEND */
	case 0x3: /* CPU_ON */
	case 0x4: /* AFFINITY_INFO */
		return YES;
	case 0xc: /* CPU_DEFAULT_SUSPEND */
	case 0xd: /* NODE_HW_STATE */
	case 0x10: /* STAT_RESIDENCY */
	case 0x11: /* STAT_COUNT */
		return k ? NO : YES;
	case 0xe: /* SYSTEM_SUSPEND: KVM with the opt-in cap, hotvm if configured */
		return OPT;
	case 0x12: /* SYSTEM_RESET2 */
		return version >= 0x10001 ? YES : NO;
	case 0x15: /* SYSTEM_OFF2 */
		if (k)
			return NO;
		return version >= 0x10003 ? YES : NO;
	default:
		/* MIGRATE, MIGRATE_INFO_UP_CPU, CPU_FREEZE, SET_SUSPEND_MODE,
		 * MEM_PROTECT*, and unassigned numbers */
		return NO;
	}
}

static int64_t feat[2][2][NFN];	/* [conduit][smc64][fn] */

static uint32_t fid_of(int w64, uint32_t fn)
{
	return (w64 ? 0xc4000000u : 0x84000000u) + fn;
}

static void features_sweep(uint32_t version)
{
	unsigned int c, w, fn, bad = 0, diff = 0;

	for (c = 0; c < 2; c++) {
		psci_conduit = c;
		for (w = 0; w < 2; w++)
			for (fn = 0; fn < NFN; fn++)
				feat[c][w][fn] = psci1(PSCI_FEATURES,
						       fid_of(w, fn));
	}
	psci_conduit = HVC;
	for (w = 0; w < 2; w++) {
		for (fn = 0; fn < NFN; fn++) {
			uint32_t fid = fid_of(w, fn);
			int64_t f = feat[HVC][w][fn];
			enum need e = expected(fid, version);
			bool ok = e == OPT ? (f >= 0 || f == -1) :
				  e == YES ? f >= 0 : f == PSCI_NOT_SUPPORTED;

			if (!ok) {
				bad++;
				note("PSCI_FEATURES(0x%x) = %ld, want %s", fid, f,
				     e == YES ? "supported" : "NOT_SUPPORTED");
			}
			if (feat[SMC][w][fn] != f) {
				diff++;
				note("PSCI_FEATURES(0x%x): HVC %ld, SMC %ld", fid,
				     f, feat[SMC][w][fn]);
			}
		}
	}
	check(!bad, "PSCI_FEATURES of all 64 PSCI function IDs as expected");
	check(!diff, "PSCI_FEATURES: the same 64 answers over HVC and SMC");
	/* flags: only CPU_SUSPEND (bit 1 format, bit 0 OSI) and SYSTEM_OFF2
	 * (bitmask of types) have non-zero feature flags */
	for (w = 0, bad = 0; w < 2; w++) {
		for (fn = 0; fn < NFN; fn++) {
			int64_t f = feat[HVC][w][fn];

			if (f > 0 && fn != 0x1 && fn != 0x15) {
				bad++;
				note("PSCI_FEATURES(0x%x) = %ld: flags on a function without any",
				     fid_of(w, fn), f);
			}
		}
	}
	check(!bad, "PSCI_FEATURES flags only for CPU_SUSPEND and SYSTEM_OFF2");
	expect_eq(feat[HVC][0][1] & ~3, 0, "CPU_SUSPEND feature flags in bits 1:0");
	expect_eq(feat[HVC][0][1], feat[HVC][1][1],
		  "CPU_SUSPEND: same flags for SMC32 and SMC64");
	if (plat.kernel_psci)
		expect_eq(feat[HVC][0][1], 0,
			  "KVM: CPU_SUSPEND uses the original power_state format");
	else
		expect_eq(feat[HVC][0][1], 2,
			  "hotvm: CPU_SUSPEND uses the extended power_state format, no OSI");
}

/*
 * Each function, called: NOT_SUPPORTED exactly when PSCI_FEATURES said so.
 * Destructive functions are called with arguments that make them fail.
 */
static void call_consistency(void)
{
	unsigned int w, fn, bad = 0, called = 0;
	uint64_t entry = (uint64_t)(uintptr_t)guest_entry;
	uint64_t self = cpu_mpidr(0);

	for (w = 0; w < 2; w++) {
		for (fn = 0; fn < NFN; fn++) {
			uint32_t fid = fid_of(w, fn);
			int64_t f = feat[HVC][w][fn], r;
			uint64_t a1 = 0xdead0000, a2 = 0xdead0000, a3 = 0;

			switch (fn) {
			case 0x1: /* CPU_SUSPEND: invalid power_state (reserved
				   * bits of both formats); KVM does not check
				   * and suspends: the timer wakes it */
				a1 = 0x8f000000u;
				a2 = entry;
				timer_arm_us(2000);
				break;
			case 0x2: /* CPU_OFF */
			case 0x8: /* SYSTEM_OFF */
			case 0x9: /* SYSTEM_RESET */
				if (f != PSCI_NOT_SUPPORTED)
					continue; /* tested elsewhere */
				break;
			case 0x3: /* CPU_ON of the caller: ALREADY_ON */
				a1 = self;
				a2 = entry;
				break;
			case 0x4: /* AFFINITY_INFO of the caller */
			case 0xd: /* NODE_HW_STATE of the caller */
			case 0x10: /* STAT_RESIDENCY */
			case 0x11: /* STAT_COUNT */
				a1 = self;
				a2 = 0;
				break;
			case 0xa:
				a1 = PSCI_VERSION;
				break;
			case 0xc: /* CPU_DEFAULT_SUSPEND: entry outside RAM */
				a1 = 0x1000;
				break;
			case 0xe: /* SYSTEM_SUSPEND: CPU 1 is on: DENIED */
				a1 = entry;
				break;
			case 0x12: /* SYSTEM_RESET2: type 1 is invalid */
				a1 = 1;
				break;
			case 0x15: /* SYSTEM_OFF2: type 2 is invalid */
				a1 = 2;
				break;
			}
			r = psci3(fid, a1, a2, a3);
			timer_disarm();
			called++;
			if ((f == PSCI_NOT_SUPPORTED) != (r == PSCI_NOT_SUPPORTED)) {
				bad++;
				note("0x%x: PSCI_FEATURES %ld but the call returned %ld",
				     fid, f, r);
			}
		}
	}
	check(!bad, "%u calls: NOT_SUPPORTED exactly where PSCI_FEATURES says so",
	      called);
}

static volatile uint64_t hold1, seen_ctx;

static void spin_until_released(unsigned int cpu, uint64_t arg)
{
	(void)arg;
	seen_ctx = percpu[cpu].entry_ctx;
	while (load_acquire(&hold1))
		cpu_relax();
}

static void smc32_truncation(void)
{
	const uint64_t hi = 0xa5a5a5a500000000ull;
	uint64_t entry = (uint64_t)(uintptr_t)guest_entry;
	uint64_t ctx = make_ctx(1, CTX_START) | 0x7e000000ull;
	int64_t r;

	expect_eq(psci2(PSCI_AFFINITY_INFO, hi | cpu_mpidr(0), hi | 0),
		  AFF_ON, "SMC32 AFFINITY_INFO ignores bits 63:32 of x1 and x2");
	expect_eq(psci2(PSCI_AFFINITY_INFO64, hi | cpu_mpidr(0), 0),
		  PSCI_INVALID_PARAMETERS,
		  "SMC64 AFFINITY_INFO does not: bits 63:32 are non-affinity");
	expect_eq(psci1(PSCI_FEATURES, hi | PSCI_CPU_ON), PSCI_SUCCESS,
		  "PSCI_FEATURES ignores bits 63:32 of x1");

	hold1 = 1;
	percpu[1].fn = spin_until_released;
	percpu[1].expect_ctx = (uint32_t)ctx;
	mb();
	r = psci3(PSCI_CPU_ON, hi | cpu_mpidr(1), hi | entry, hi | ctx);
	expect_eq(r, PSCI_SUCCESS,
		  "SMC32 CPU_ON with bits 63:32 set in x1, x2 and x3");
	if (r == PSCI_SUCCESS) {
		uint64_t t0 = now_ns();

		while (!percpu[1].running && now_ns() - t0 < 5000000000ull)
			cpu_relax();
		expect_eq(percpu[1].entry_ctx, (uint32_t)ctx,
			  "the target got x0 = bits 31:0 of the context ID");
	}
}

static void bad_arguments(void)
{
	uint64_t entry = (uint64_t)(uintptr_t)guest_entry;
	uint64_t m1 = cpu_mpidr(1), ram_end = plat.ram_base + plat.ram_size;
	uint64_t nonexist = plat.ncpus < 16 ? 0xf : 0xff00ff00ffull;
	static const uint64_t nonaff[] = { 1ull << 24, 1ull << 30, 1ull << 31,
					   1ull << 40, 1ull << 63 };
	unsigned int i;

	/* CPU 1 is off here */
	expect_eq(psci3(PSCI_CPU_ON64, nonexist, entry, 0),
		  PSCI_INVALID_PARAMETERS, "CPU_ON of MPIDR 0x%lx (no such CPU)",
		  nonexist);
	expect_eq(psci3(PSCI_CPU_ON, nonexist, entry, 0),
		  PSCI_INVALID_PARAMETERS, "SMC32 CPU_ON of MPIDR 0x%lx",
		  nonexist);
	for (i = 0; i < sizeof(nonaff) / sizeof(nonaff[0]); i++)
		expect_eq(psci3(PSCI_CPU_ON64, m1 | nonaff[i], entry, 0),
			  PSCI_INVALID_PARAMETERS,
			  "CPU_ON of MPIDR 0x%lx (non-affinity bit set)",
			  m1 | nonaff[i]);
	for (i = 0; i < sizeof(nonaff) / sizeof(nonaff[0]); i++)
		expect_eq(psci2(PSCI_AFFINITY_INFO64, m1 | nonaff[i], 0),
			  PSCI_INVALID_PARAMETERS,
			  "AFFINITY_INFO of MPIDR 0x%lx (non-affinity bit set)",
			  m1 | nonaff[i]);
	expect_eq(psci2(PSCI_AFFINITY_INFO64, m1, 4), PSCI_INVALID_PARAMETERS,
		  "AFFINITY_INFO level 4");
	expect_eq(psci2(PSCI_AFFINITY_INFO, m1, 0xffffffffu),
		  PSCI_INVALID_PARAMETERS, "AFFINITY_INFO level 0xffffffff");
	expect_eq(psci2(PSCI_AFFINITY_INFO64, nonexist, 0),
		  PSCI_INVALID_PARAMETERS,
		  "AFFINITY_INFO of MPIDR 0x%lx (no such CPU)", nonexist);

	if (plat.kernel_psci) {
		skip("KVM does not check entry points",
		     "CPU_ON with an entry point outside RAM");
	} else {
		static const uint64_t bad_entry[] = { 0, 0x1000, 0x01000000,
						      0x7ffffffc };
		for (i = 0; i < sizeof(bad_entry) / sizeof(bad_entry[0]); i++)
			expect_eq(psci3(PSCI_CPU_ON64, m1, bad_entry[i], 0),
				  PSCI_INVALID_ADDRESS,
				  "CPU_ON with entry point 0x%lx (not RAM)",
				  bad_entry[i]);
		expect_eq(psci3(PSCI_CPU_ON64, m1, ram_end, 0),
			  PSCI_INVALID_ADDRESS,
			  "CPU_ON with entry point 0x%lx (end of RAM)", ram_end);
		expect_eq(psci3(PSCI_CPU_ON64, m1, entry | ((uint64_t)1 << 40), 0),
			  PSCI_INVALID_ADDRESS,
			  "CPU_ON64 with entry point 0x%lx",
			  entry | ((uint64_t)1 << 40));
		expect_eq(psci3(PSCI_CPU_SUSPEND64, 1u << 30, 0x1000, 0),
			  PSCI_INVALID_ADDRESS,
			  "power-down CPU_SUSPEND with entry point 0x1000");
		expect_eq(psci3(PSCI_CPU_SUSPEND, 1u << 31, entry, 0),
			  PSCI_INVALID_PARAMETERS,
			  "CPU_SUSPEND power_state 0x80000000 (reserved bit 31)");
		expect_eq(psci3(PSCI_CPU_SUSPEND, 1u << 28, entry, 0),
			  PSCI_INVALID_PARAMETERS,
			  "CPU_SUSPEND power_state 0x10000000 (reserved bit 28)");
	}
	expect_eq(affinity(1), AFF_OFF, "after all that, CPU 1 is still OFF");
}

static void function_ids(void)
{
	static const uint32_t reserved[] = {
		PSCI_VERSION | 1u << 17, PSCI_VERSION | 1u << 23,
		PSCI_FEATURES | 1u << 20, PSCI_AFFINITY_INFO64 | 1u << 18,
		PSCI_CPU_ON64 | 1u << 21, TRNG_VERSION | 1u << 19,
	};
	static const uint32_t unknown[] = {
		0x8400001f, 0x84000020, 0x8400004f, 0x8400ffff, 0xc400001f,
		0xc4000000, 0xc4000002, 0xc4000008, 0xc400000a, 0x82000000,
		0x83000000, 0xc7000000, 0xb0000000, 0xbf00ffff, 0x04000000,
		0x44000003,
	};
	uint64_t entry = (uint64_t)(uintptr_t)guest_entry;
	unsigned int i, c;

	for (c = 0; c < 2; c++) {
		psci_conduit = c;
		for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
			expect_eq(psci3(reserved[i], cpu_mpidr(1), entry, 0),
				  PSCI_NOT_SUPPORTED,
				  "%s function ID 0x%x (reserved bits 23:17 set)",
				  c ? "SMC" : "HVC", reserved[i]);
		for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
			expect_eq(r32(smccc(c, unknown[i], cpu_mpidr(1), entry,
					    0).a0),
				  PSCI_NOT_SUPPORTED, "%s unknown function ID 0x%x",
				  c ? "SMC" : "HVC", unknown[i]);
	}
	psci_conduit = HVC;
	expect_eq(affinity(1), AFF_OFF,
		  "no reserved or unknown ID powered CPU 1 on");
	expect_eq(psci1(PSCI_FEATURES, SMCCC_VERSION), PSCI_SUCCESS,
		  "PSCI_FEATURES(SMCCC_VERSION) is SUCCESS");
	expect_eq(psci1(PSCI_FEATURES, PSCI_VERSION | 1u << 17),
		  PSCI_NOT_SUPPORTED, "PSCI_FEATURES of a reserved-bit ID");
	expect_eq(psci1(PSCI_FEATURES, TRNG_VERSION), PSCI_NOT_SUPPORTED,
		  "PSCI_FEATURES of a TRNG ID (not PSCI)");
	expect_eq(psci1(PSCI_FEATURES, 0x86000000), PSCI_NOT_SUPPORTED,
		  "PSCI_FEATURES of a vendor hypervisor ID");
}

int guest_main(void)
{
	uint32_t version, v_smc;
	uint64_t v64;

	if (plat.ncpus < 2)
		fail_fatal("needs at least 2 CPUs");
	version = (uint32_t)psci0(PSCI_VERSION);
	v_smc = (uint32_t)smccc(SMC, PSCI_VERSION, 0, 0, 0).a0;
	v64 = smccc(HVC, PSCI_VERSION, 0, 0, 0).a0;
	note("PSCI_VERSION %u.%u", version >> 16, version & 0xffff);
	check(version == 0x10000 || version == 0x10001 || version == 0x10003,
	      "PSCI_VERSION 0x%x is 1.0, 1.1 or 1.3", version);
	if (plat.kernel_psci)
		expect_eq(version, 0x10001, "KVM's PSCI is 1.1");
	expect_eq(v_smc, version, "PSCI_VERSION over SMC");
	expect_eq(v64 >> 32, 0, "PSCI_VERSION: bits 63:32 of x0 are zero");
	expect_eq(psci0(PSCI_MIGRATE_INFO_TYPE), 2,
		  "MIGRATE_INFO_TYPE: 2 (no Trusted OS to migrate)");
	expect_eq(r32(smccc(SMC, PSCI_MIGRATE_INFO_TYPE, 0, 0, 0).a0), 2,
		  "MIGRATE_INFO_TYPE over SMC");
	expect_eq(smccc(HVC, SMCCC_VERSION, 0, 0, 0).a0 >= 0x10001, 1,
		  "SMCCC_VERSION >= 1.1 (x4-x17 preserved)");

	function_ids();
	bad_arguments();
	features_sweep(version);
	smc32_truncation();	/* leaves CPU 1 on */
	call_consistency();	/* SYSTEM_SUSPEND needs CPU 1 on */
	store_release(&hold1, 0);
	check(wait_affinity(1, AFF_OFF, 5000), "CPU 1 off again");

	expect_eq(smccc_clobbers, 0, "x4-x17 preserved across %lu calls",
		  smccc_calls);
	return 0;
}
