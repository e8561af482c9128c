// SPDX-License-Identifier: MIT
/*
 * A hostile guest: random SMCCC calls on every enabled CPU at full speed,
 * CPU_ON storms at one target, and back-to-back SYSTEM_RESETs. hotvm must
 * answer every call with a code the specification allows for that function
 * (ARM DEN 0028 SMCCC, DEN 0022 PSCI, DEN 0098 TRNG) and stay up.
 *
 * Boots (the counter lives in RAM outside the image, kept by the warm reset):
 *   0 .. rounds-1             a work round: random calls, then a storm; reset
 *   rounds .. rounds+resets-1 SYSTEM_RESET at once (HVC, SMC, RESET2 in turn)
 *   rounds+resets             final checks, SYSTEM_OFF
 * With sync=1 the guest prints "HOSTILE-MARK early" at the start of boot 1
 * and "HOSTILE-MARK late" in the final boot, then waits for a byte on the
 * UART, so that the host can measure hotvm's memory at both points.
 *
 * Random calls: function IDs from every owner, fast and yielding, SMC32 and
 * SMC64, reserved bits 23:17 and the SVE hint bit 16 now and then, over HVC
 * #0, SMC #0 and SMC #1 (a non-zero SMC immediate is answered -1 by KVM);
 * x1..x3 random or steered (MPIDRs, RAM addresses, small numbers), x4..x17
 * random and checked to be preserved. Calls with no-return effects are
 * replaced or made harmless, deliberately:
 *   CPU_OFF, SYSTEM_OFF, SYSTEM_RESET       never called (PSCI_VERSION instead)
 *   CPU_SUSPEND                             power_state bit 31 (reserved): -2;
 *                                           not at all with KVM's PSCI (a WFI)
 *   CPU_DEFAULT_SUSPEND, SYSTEM_SUSPEND     entry point below RAM
 *   SYSTEM_RESET2                           architectural type 1..0x7fffffff
 *   SYSTEM_OFF2                             type >= 2
 *   CPU_ON                                  every enabled CPU is on during the
 *                                           random phase (barriers), so SUCCESS
 *                                           never happens and counts as a fault
 *
 * Boot arguments: calls=N random calls per CPU per round (default 3000),
 * storm=N CPU_ONs per caller per round (300), rounds=N (3), resets=N (50),
 * enabled=N enabled CPUs (default: all in the DT; the rest must answer
 * DENIED), seed=N, sync=1. Needs >= 3 enabled CPUs and -m 64.
 */
#include "guest.h"

#define PERSIST_ADDR	(RAM_BASE + 0x01800000)	/* 24 MiB into RAM */
#define PERSIST_MAGIC	0x686f7374696c6521ull

#define FAST		(1u << 31)
#define W64		(1u << 30)
#define SVE_HINT	(1u << 16)
#define RESERVED	0x00fe0000u
#define OWNER(f)	(((f) >> 24) & 0x3f)

enum via { VIA_HVC, VIA_SMC, VIA_SMC1, NVIA };

struct persist {
	uint64_t magic;
	uint64_t boots;
	uint64_t tests_run, tests_failed;
	uint64_t calls, violations, storm_on, resets;
};

static struct persist *pers;
static unsigned int ncpus, enabled;
static uint64_t seed;

/* in the image: must be back to this value after every reset */
static volatile uint64_t image_word = 0x686f7374696c6501ull;

/* ---- raw calls ---- */
void guest_smccc_raw(uint64_t regs[18], int smc);
void hostile_smc1(uint64_t regs[18]);

__asm__(".text\n"
	".global hostile_smc1\n"
	".balign 8\n"
	"hostile_smc1:\n"
	"	stp	x29, x30, [sp, #-32]!\n"
	"	str	x19, [sp, #16]\n"
	"	mov	x19, x0\n"
	"	ldp	x0, x1, [x19, #0]\n"
	"	ldp	x2, x3, [x19, #16]\n"
	"	ldp	x4, x5, [x19, #32]\n"
	"	ldp	x6, x7, [x19, #48]\n"
	"	ldp	x8, x9, [x19, #64]\n"
	"	ldp	x10, x11, [x19, #80]\n"
	"	ldp	x12, x13, [x19, #96]\n"
	"	ldp	x14, x15, [x19, #112]\n"
	"	ldp	x16, x17, [x19, #128]\n"
	"	smc	#1\n"
	"	stp	x0, x1, [x19, #0]\n"
	"	stp	x2, x3, [x19, #16]\n"
	"	stp	x4, x5, [x19, #32]\n"
	"	stp	x6, x7, [x19, #48]\n"
	"	stp	x8, x9, [x19, #64]\n"
	"	stp	x10, x11, [x19, #80]\n"
	"	stp	x12, x13, [x19, #96]\n"
	"	stp	x14, x15, [x19, #112]\n"
	"	stp	x16, x17, [x19, #128]\n"
	"	ldr	x19, [sp, #16]\n"
	"	ldp	x29, x30, [sp], #32\n"
	"	ret\n");

/* ---- per-CPU random numbers (xorshift64*) ---- */
struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

static void rng_init(struct rng *r, unsigned int cpu, uint64_t boot)
{
	r->s = (seed + 1) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)cpu << 40) ^
	       (boot << 20) ^ 0x5851f42d4c957f2dull;
	if (!r->s)
		r->s = 1;
	for (int i = 0; i < 8; i++)
		rnd(r);
}

/* ---- what the specifications allow ---- */
static bool in(int64_t v, const int64_t *set, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (v == set[i])
			return true;
	return false;
}

#define IN(v, ...) \
	in((v), (const int64_t[]){ __VA_ARGS__ }, \
	   sizeof((const int64_t[]){ __VA_ARGS__ }) / sizeof(int64_t))

/* PSCI functions that have an SMC64 form (DEN 0022 table 5.1) */
static bool psci_has64(uint32_t fn)
{
	switch (fn) {
	case 0x1: case 0x3: case 0x4: case 0x5: case 0x7: case 0xc: case 0xd:
	case 0xe: case 0x10: case 0x11: case 0x12: case 0x14: case 0x15:
		return true;
	}
	return false;
}

static bool psci_allowed(uint32_t fn, int64_t v)
{
	switch (fn) {
	case 0x0: /* PSCI_VERSION */
		return IN(v, 0x2, 0x10000, 0x10001, 0x10002, 0x10003);
	case 0x1: /* CPU_SUSPEND with a reserved power_state bit */
		return v == PSCI_INVALID_PARAMETERS;
	case 0x3: /* CPU_ON: never SUCCESS here (every enabled CPU is on) */
		return IN(v, PSCI_INVALID_PARAMETERS, PSCI_INVALID_ADDRESS,
			  PSCI_ALREADY_ON, PSCI_ON_PENDING, PSCI_DENIED,
			  PSCI_INTERNAL_FAILURE);
	case 0x4: /* AFFINITY_INFO */
		return IN(v, AFF_ON, AFF_OFF, AFF_ON_PENDING,
			  PSCI_INVALID_PARAMETERS, PSCI_DISABLED);
	case 0x5: /* MIGRATE */
		return IN(v, PSCI_SUCCESS, PSCI_NOT_SUPPORTED,
			  PSCI_INVALID_PARAMETERS, PSCI_DENIED,
			  PSCI_INTERNAL_FAILURE, PSCI_NOT_PRESENT);
	case 0x6: /* MIGRATE_INFO_TYPE */
		return IN(v, 0, 1, 2, PSCI_NOT_SUPPORTED);
	case 0x7: /* MIGRATE_INFO_UP_CPU: a value */
	case 0x10: /* PSCI_STAT_RESIDENCY: a value */
	case 0x11: /* PSCI_STAT_COUNT: a value */
		return true;
	case 0xa: /* PSCI_FEATURES: flags (bit 31 clear) or NOT_SUPPORTED */
		return v >= 0 || v == PSCI_NOT_SUPPORTED;
	case 0xb: /* CPU_FREEZE: must not freeze us without saying so */
		return IN(v, PSCI_NOT_SUPPORTED, PSCI_DENIED);
	case 0xc: /* CPU_DEFAULT_SUSPEND, entry below RAM */
	case 0xe: /* SYSTEM_SUSPEND, entry below RAM */
		return IN(v, PSCI_NOT_SUPPORTED, PSCI_INVALID_PARAMETERS,
			  PSCI_DENIED, PSCI_INVALID_ADDRESS);
	case 0xd: /* NODE_HW_STATE */
		return IN(v, 0, 1, 2, PSCI_NOT_SUPPORTED,
			  PSCI_INVALID_PARAMETERS, PSCI_INTERNAL_FAILURE);
	case 0xf: /* PSCI_SET_SUSPEND_MODE */
		return IN(v, PSCI_SUCCESS, PSCI_NOT_SUPPORTED,
			  PSCI_INVALID_PARAMETERS, PSCI_DENIED);
	case 0x12: /* SYSTEM_RESET2 with an invalid architectural type */
	case 0x15: /* SYSTEM_OFF2 with an invalid type */
		return IN(v, PSCI_NOT_SUPPORTED, PSCI_INVALID_PARAMETERS);
	case 0x13: /* MEM_PROTECT: the previous state, or an error */
		return IN(v, 0, 1, PSCI_NOT_SUPPORTED, PSCI_DENIED);
	case 0x14: /* MEM_PROTECT_CHECK_RANGE */
		return IN(v, PSCI_SUCCESS, PSCI_NOT_SUPPORTED,
			  PSCI_INVALID_PARAMETERS, PSCI_DENIED);
	}
	return v == PSCI_NOT_SUPPORTED;
}

/* TRNG (DEN 0098): 0x50 VERSION, 0x51 FEATURES, 0x52 GET_UUID, 0x53 RND */
static bool trng_allowed(uint32_t f, int64_t v)
{
	uint32_t fn = f & 0xffff;
	bool w64 = f & W64;

	if (fn == 0x53)
		return IN(v, 0, -2 /* INVALID_PARAMETERS */, -3 /* NO_ENTROPY */);
	if (w64)
		return v == -1;
	switch (fn) {
	case 0x50:
		return v >= 0x10000 || v == -1;
	case 0x51:
		return v >= 0 || v == -1;
	case 0x52:
		return true; /* UUID words */
	}
	return v == -1;
}

/* Owners KVM answers itself: Arm Architecture, Standard and Vendor Hyp */
static bool kvm_owned_allowed(uint32_t f, int64_t v)
{
	switch (f) {
	case 0x80000000: /* SMCCC_VERSION */
		return v >= 0x10000 && v <= 0x1ffff;
	case 0x80000001: /* SMCCC_ARCH_FEATURES */
		return v >= -3 && v <= 1;
	case 0x80000002: /* SMCCC_ARCH_SOC_ID: a value */
	case 0xc5000021: /* PV_TIME_ST: an address or -1 */
	case 0x86000000: /* KVM vendor features bitmap */
	case 0x86000001: /* KVM PTP: counter values */
	case 0x8600ff01: /* vendor hypervisor UID */
		return true;
	case 0x80008000: /* SMCCC_ARCH_WORKAROUND_1 */
	case 0x80007fff: /* SMCCC_ARCH_WORKAROUND_2 */
	case 0x80003fff: /* SMCCC_ARCH_WORKAROUND_3 */
	case 0xc5000020: /* PV_TIME_FEATURES */
		return v == 0 || v == -1;
	}
	return v == -1;
}

static bool allowed_core(uint32_t f, int64_t v)
{
	uint32_t fn = f & 0xffff;

	if (!(f & FAST) || (f & RESERVED))
		return v == -1;
	switch (OWNER(f)) {
	case 4:
		if (fn < 0x20)
			return (f & W64) && !psci_has64(fn) ? v == -1 : psci_allowed(fn, v);
		if (fn >= 0x50 && fn < 0x60)
			return trng_allowed(f, v);
		return v == -1;
	case 0:
	case 5:
	case 6:
		return kvm_owned_allowed(f, v);
	}
	return v == -1;
}

static bool allowed(uint32_t f, enum via via, uint64_t x0)
{
	int64_t v = (f & W64) ? (int64_t)x0 : r32(x0);

	if (via == VIA_SMC1)
		return v == -1;
	/* SVE hint (SMCCC 1.3): the function itself, or unknown to whoever answers */
	if (f & SVE_HINT)
		return v == -1 || allowed_core(f & ~SVE_HINT, v);
	return allowed_core(f, v);
}

/* ---- random calls ---- */
static uint32_t pick_fid(struct rng *r)
{
	static const uint16_t arch_fns[] = { 0x0, 0x1, 0x2, 0x3fff, 0x7fff, 0x8000 };
	static const uint16_t vendor_fns[] = { 0x0, 0x1, 0xff00, 0xff01, 0xff02 };
	uint64_t x = rnd(r);
	uint32_t owner, fn, f;

	switch (x & 15) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6:
		owner = 4;
		fn = (x >> 8) % 10 < 7 ? (x >> 16) % 0x20 :
		     (x >> 8) % 10 < 9 ? 0x50 + (x >> 16) % 0x10 : (uint32_t)(x >> 16);
		break;
	case 7: case 8:
		owner = 0;
		fn = arch_fns[(x >> 16) % 6];
		break;
	case 9:
		owner = 5;
		fn = (x >> 16) & 1 ? 0x20 + ((x >> 17) & 1) : (uint32_t)(x >> 16);
		break;
	case 10:
		owner = 6;
		fn = vendor_fns[(x >> 16) % 5];
		break;
	case 11:
		/* KVM's pre-0.2 PSCI IDs (hotvm denies them in the filter) */
		return 0x95c1ba5eu + (uint32_t)((x >> 16) % 5);
	case 12:
		return (uint32_t)(x >> 32);	/* anything */
	default:
		owner = (uint32_t)(x >> 8) % 64;
		fn = (uint32_t)(x >> 16);
		break;
	}
	f = (owner << 24) | (fn & 0xffff);
	if ((x >> 40) % 16)
		f |= FAST;
	if ((x >> 44) & 1)
		f |= W64;
	if ((x >> 45) % 16 == 0)
		f |= (uint32_t)(x >> 49) & RESERVED;
	if ((x >> 53) % 8 == 0)
		f |= SVE_HINT;
	return f;
}

static uint64_t pick_arg(struct rng *r)
{
	uint64_t x = rnd(r), y = rnd(r);

	switch (x & 7) {
	case 0: case 1:
		return y;
	case 2: case 3: /* an MPIDR: real, disabled or missing CPU, maybe with junk */
		return cpu_mpidr((unsigned int)(y % (ncpus + 3))) |
		       ((x >> 8) % 8 == 0 ? y & ~MPIDR_AFF_MASK : 0);
	case 4: /* a RAM address */
		return (x >> 8) & 1 ? (uint64_t)(uintptr_t)guest_entry :
				      RAM_BASE + y % plat.ram_size;
	case 5:
		return y % 8;
	case 6:
		return ~0ull << (y % 64);
	default:
		return y & 0xffffffff;
	}
}

/* Make calls with no-return effects harmless (see the header comment). */
static uint32_t tame(uint32_t f, uint64_t *regs)
{
	uint32_t core = f & ~SVE_HINT;

	if ((core & (FAST | RESERVED | (0x3fu << 24))) != (FAST | (4u << 24)))
		return f;
	switch (core & 0xffff) {
	case 0x2: /* CPU_OFF */
	case 0x8: /* SYSTEM_OFF */
	case 0x9: /* SYSTEM_RESET */
		return PSCI_VERSION;
	case 0x1: /* CPU_SUSPEND */
		if (plat.kernel_psci)
			return PSCI_VERSION;
		regs[1] |= 1ull << 31;
		regs[2] &= 0x7fffffff;
		return f;
	case 0xc: /* CPU_DEFAULT_SUSPEND */
	case 0xe: /* SYSTEM_SUSPEND */
		regs[1] &= 0x7fffffff;
		return f;
	case 0x12: /* SYSTEM_RESET2 */
		regs[1] = 1 + regs[1] % 0x7ffffffe;
		return f;
	case 0x15: /* SYSTEM_OFF2 */
		regs[1] = 2 + regs[1] % 0xfffffffd;
		return f;
	}
	return f;
}

static volatile uint64_t calls_done[GUEST_MAX_CPUS], viol[GUEST_MAX_CPUS];
/* per CPU: calls into hotvm's PSCI/TRNG ranges, answers other than -1 */
static volatile uint64_t n_psci[GUEST_MAX_CPUS], n_answered[GUEST_MAX_CPUS];
static volatile uint64_t n_clobber;
static struct spinlock report_lock;
static volatile uint64_t reported;

static void violation(unsigned int cpu, uint32_t f, enum via via, const uint64_t *in_regs,
		      uint64_t x0, const char *what)
{
	viol[cpu]++;
	spin_lock(&report_lock);
	if (reported++ < 12)
		printf("# VIOLATION cpu %u %s: fid 0x%x via %s "
		       "x1 0x%lx x2 0x%lx x3 0x%lx -> x0 0x%lx\n", cpu, what, f, via == VIA_HVC ? "hvc" : via == VIA_SMC ? "smc" : "smc#1",
		       in_regs[1], in_regs[2], in_regs[3], x0);
	spin_unlock(&report_lock);
}

static void random_calls(unsigned int cpu, uint64_t n, uint64_t boot)
{
	struct rng r;
	uint64_t regs[18], saved[18];

	rng_init(&r, cpu, boot);
	for (uint64_t i = 0; i < n; i++) {
		enum via via = (enum via)(rnd(&r) % 16 == 0 ? VIA_SMC1 : rnd(&r) & 1);
		uint32_t f = pick_fid(&r);

		for (int k = 1; k < 18; k++)
			regs[k] = k <= 3 ? pick_arg(&r) : rnd(&r);
		f = tame(f, regs);
		regs[0] = f;
		memcpy(saved, regs, sizeof(regs));
		if (via == VIA_SMC1)
			hostile_smc1(regs);
		else
			guest_smccc_raw(regs, via == VIA_SMC);
		if (via != VIA_SMC1 && (f & ~SVE_HINT & 0xffffffe0u) == (FAST | (4u << 24)))
			n_psci[cpu]++;
		if (((f & W64) ? regs[0] : (uint64_t)r32(regs[0])) != ~0ull)
			n_answered[cpu]++;
		if (!allowed(f, via, regs[0]))
			violation(cpu, f, via, saved, regs[0], "answer not allowed");
		for (int k = 4; k < 18; k++) {
			if (regs[k] != saved[k]) {
				atomic_inc(&n_clobber);
				violation(cpu, f, via, saved, regs[0], "x4-x17 clobbered");
				break;
			}
		}
		calls_done[cpu]++;
	}
}

/* ---- the phases ---- */
static struct barrier bar;
static volatile uint64_t phase_boot, phase_calls;

static void random_fn(unsigned int cpu, uint64_t arg)
{
	(void)arg;
	/* everyone on before the first call, nobody off before the last */
	if (!barrier_wait(&bar, enabled, 30000))
		fail_fatal("cpu %u: start barrier timed out", cpu);
	random_calls(cpu, phase_calls, phase_boot);
	if (!barrier_wait(&bar, enabled, 120000))
		fail_fatal("cpu %u: end barrier timed out", cpu);
}

static unsigned int storm_target;
static uint64_t storm_ctx, storm_calls;
static volatile uint64_t storm_success, storm_already, storm_denied, storm_bad,
	storm_runs, storm_bad_ctx;
static volatile int64_t storm_bad_val;

static void storm_target_fn(unsigned int cpu, uint64_t arg)
{
	(void)arg;
	if (percpu[cpu].entry_ctx != storm_ctx)
		atomic_inc(&storm_bad_ctx);
	atomic_inc(&storm_runs);
}

static void storm_fn(unsigned int cpu, uint64_t arg)
{
	uint64_t entry = (uint64_t)(uintptr_t)guest_entry;
	bool have_disabled = enabled < ncpus;

	(void)arg;
	if (!barrier_wait(&bar, enabled - 1, 30000))
		fail_fatal("cpu %u: storm barrier timed out", cpu);
	for (uint64_t i = 0; i < storm_calls; i++) {
		enum conduit c = i & 1 ? SMC : HVC;
		uint32_t fid = i & 2 ? PSCI_CPU_ON64 : PSCI_CPU_ON;
		int64_t v;

		if (have_disabled && i % 8 == 7) {
			v = r32(smccc(c, fid, cpu_mpidr(enabled), entry, storm_ctx).a0);
			if (v == PSCI_DENIED) {
				atomic_inc(&storm_denied);
			} else {
				storm_bad_val = v;
				atomic_inc(&storm_bad);
			}
			continue;
		}
		v = smccc(c, fid, cpu_mpidr(storm_target), entry, storm_ctx).a0;
		v = fid == PSCI_CPU_ON ? r32((uint64_t)v) : v;
		if (v == PSCI_SUCCESS) {
			atomic_inc(&storm_success);
		} else if (v == PSCI_ALREADY_ON) {
			atomic_inc(&storm_already);
		} else {
			storm_bad_val = v;
			atomic_inc(&storm_bad);
		}
	}
}

static void wait_all_off(const char *what)
{
	for (unsigned int i = 1; i < enabled; i++)
		if (!wait_affinity(i, AFF_OFF, 30000))
			fail_fatal("%s: cpu %u not OFF after 30 s", what, i);
}

static void work_round(uint64_t boot)
{
	uint64_t calls = bootarg_u64("calls", 3000), t0 = now_ns(), t1;
	uint64_t total = 0, bad = 0, want, psci = 0, answered = 0;

	phase_boot = boot;
	phase_calls = calls;
	for (unsigned int i = 0; i < enabled; i++)
		calls_done[i] = viol[i] = n_psci[i] = n_answered[i] = 0;
	n_clobber = reported = 0;
	for (unsigned int i = 1; i < enabled; i++)
		if (cpu_on(i, random_fn, 0) != PSCI_SUCCESS)
			fail_fatal("boot %lu: CPU_ON(cpu %u) for the random phase", boot, i);
	random_fn(0, 0);
	wait_all_off("random phase");
	for (unsigned int i = 0; i < enabled; i++) {
		total += calls_done[i];
		bad += viol[i];
		psci += n_psci[i];
		answered += n_answered[i];
	}
	t1 = now_ns();
	want = calls * enabled;
	expect_eq(total, want, "boot %lu: %lu random SMCCC calls on %u CPUs answered", boot,
		  want, enabled);
	expect_eq(bad, 0, "boot %lu: every answer allowed, x4-x17 preserved", boot);
	note("boot %lu: %lu random calls in %lu ms (%lu calls/s); %lu to PSCI 0x00-0x1f, "
	     "%lu answered other than -1", boot, total, (t1 - t0) / 1000000,
	     total * 1000000000ul / (t1 - t0 + 1), psci, answered);
	pers->calls += total;
	pers->violations += bad;

	/* CPU_ON storm: CPUs 0..enabled-2 at the last enabled CPU */
	storm_target = enabled - 1;
	storm_calls = bootarg_u64("storm", 300);
	storm_ctx = make_ctx(storm_target, CTX_START);
	storm_success = storm_already = storm_denied = storm_bad = storm_runs = 0;
	storm_bad_ctx = 0;
	percpu[storm_target].fn = storm_target_fn;
	percpu[storm_target].arg = 0;
	percpu[storm_target].expect_ctx = storm_ctx;
	mb();
	for (unsigned int i = 1; i < storm_target; i++)
		if (cpu_on(i, storm_fn, 0) != PSCI_SUCCESS)
			fail_fatal("boot %lu: CPU_ON(cpu %u) for the storm", boot, i);
	storm_fn(0, 0);
	for (unsigned int i = 1; i < storm_target; i++)
		if (!wait_affinity(i, AFF_OFF, 30000))
			fail_fatal("storm: caller cpu %u not OFF", i);
	if (!wait_affinity(storm_target, AFF_OFF, 30000))
		fail_fatal("storm: target cpu %u not OFF", storm_target);
	t0 = now_ns();
	expect_eq(storm_bad, 0, "boot %lu: storm: only SUCCESS/ALREADY_ON%s", boot,
		  enabled < ncpus ? " (DENIED for the disabled CPU)" : "");
	if (storm_bad)
		note("last unexpected storm answer %ld", (int64_t)storm_bad_val);
	expect_eq(storm_runs, storm_success,
		  "boot %lu: storm: the target started once per SUCCESS (%lu)", boot,
		  (uint64_t)storm_success);
	expect_eq(storm_bad_ctx, 0, "boot %lu: storm: the target always got the context ID",
		  boot);
	check(storm_success > 0, "boot %lu: storm: %lu CPU_ONs, %lu SUCCESS, %lu ALREADY_ON, "
	      "%lu DENIED, %lu ms", boot, storm_calls * (enabled - 1), (uint64_t)storm_success,
	      (uint64_t)storm_already, (uint64_t)storm_denied, (t0 - t1) / 1000000);
	pers->storm_on += storm_calls * (enabled - 1);
}

static void clean_dcache(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p & ~63ul, end = (uintptr_t)p + len;

	for (; a < end; a += 64)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" ::: "memory");
}

static void save(void)
{
	pers->tests_run = tests_run;
	pers->tests_failed = tests_failed;
	clean_dcache(pers, sizeof(*pers));
}

/* Tell the host where we are and wait (up to 30 s) for one byte on the UART. */
static void mark(const char *what)
{
	volatile uint8_t *u = (volatile uint8_t *)plat.uart;
	uint64_t deadline;

	printf("HOSTILE-MARK %s\n", what);
	if (!bootarg_u64("sync", 0) || !u || plat.uart_pl011)
		return;
	deadline = now_ns() + 30000000000ull;
	while (!(u[5] & 1)) {
		if (now_ns() > deadline) {
			note("no answer from the host to mark %s", what);
			return;
		}
		udelay(1000);
	}
	while (u[5] & 1)
		(void)u[0];
}

static void __attribute__((noreturn)) reset(uint64_t boot)
{
	int64_t v;

	pers->resets++;
	save();
	switch (boot % 3) {
	case 0:
		v = psci0(PSCI_SYSTEM_RESET);
		break;
	case 1:
		v = r32(smccc(SMC, PSCI_SYSTEM_RESET, 0, 0, 0).a0);
		break;
	default:
		v = psci2(PSCI_SYSTEM_RESET2_64, 0, 0);
		if (v == PSCI_NOT_SUPPORTED)
			v = psci0(PSCI_SYSTEM_RESET);
		break;
	}
	fail_fatal("boot %lu: SYSTEM_RESET returned %ld", boot, v);
}

int guest_main(void)
{
	struct persist *p = (struct persist *)(uintptr_t)PERSIST_ADDR;
	uint64_t rounds = bootarg_u64("rounds", 3), resets = bootarg_u64("resets", 50);
	uint64_t boot;

	pers = p;
	ncpus = plat.ncpus;
	enabled = (unsigned int)bootarg_u64("enabled", ncpus);
	seed = bootarg_u64("seed", 1);
	if (enabled < 3 || enabled > ncpus)
		fail_fatal("needs at least 3 enabled CPUs (enabled=%u of %u)", enabled, ncpus);
	if (plat.ram_base + plat.ram_size < PERSIST_ADDR + 4096)
		fail_fatal("needs at least 32 MiB of RAM");
	if (p->magic != PERSIST_MAGIC) {
		memset(p, 0, sizeof(*p));
		p->magic = PERSIST_MAGIC;
	}
	boot = p->boots++;
	tests_resume((unsigned int)p->tests_run, (unsigned int)p->tests_failed);
	if (image_word != 0x686f7374696c6501ull)
		check(false, "boot %lu: the image is fresh after the reset", boot);
	image_word = 0;

	if (boot == 1)
		mark("early");
	if (boot < rounds) {
		work_round(boot);
		reset(boot);
	}
	if (boot < rounds + resets) {
		if (affinity(1) != AFF_OFF)
			check(false, "boot %lu: cpu 1 is OFF after the reset", boot);
		reset(boot);
	}
	mark("late");
	expect_eq(boot, rounds + resets, "%lu boots counted in RAM", rounds + resets + 1);
	expect_eq(p->resets, rounds + resets, "%lu SYSTEM_RESETs, hotvm rebooted every time",
		  rounds + resets);
	expect_eq(p->violations, 0, "%lu random calls in %lu rounds: no answer out of spec",
		  p->calls, rounds);
	note("totals: %lu random calls, %lu storm CPU_ONs, %lu resets", p->calls, p->storm_on,
	     p->resets);
	p->magic = 0;
	clean_dcache(p, sizeof(*p));
	return 0;
}
