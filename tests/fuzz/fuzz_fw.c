// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the firmware core. The input picks a configuration
 * and then a sequence of steps: a firmware call from some vCPU (function ID
 * from the PSCI/TRNG ranges or raw, arguments raw or steered to valid
 * MPIDRs and RAM addresses) or a backend/control event (enable, disable,
 * resume, online, reset). A shadow model of every vCPU's power state and
 * enabled flag is kept, with each vCPU's suspend statistics (entries and
 * residency per state class, on a fake clock); after every step the core
 * must agree with it, and every answer must be exactly the value the model
 * predicts from the spec (PSCI_FEATURES, AFFINITY_INFO and NODE_HW_STATE
 * at every level, PSCI_STAT_COUNT/RESIDENCY, the error codes).
 * Any violation abort()s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw/fw.h"
#include "psci_expect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_BASE	0x80000000ull
#define RAM_END		0xc0000000ull
#define MAXCPU		40

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "invariant failed: %s (line %d)\n", \
				#cond, __LINE__);			\
			abort();					\
		}							\
	} while (0)

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct input *in)
{
	if (!in->n) {
		return 0;
	}
	in->n--;
	return *in->p++;
}

static uint64_t u64(struct input *in)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		v = v << 8 | u8(in);
	}
	return v;
}

struct model {
	unsigned int ncpus;
	uint32_t version;
	bool sys_suspend, off2, ext, trng;
	enum fw_power power[MAXCPU];
	bool enabled[MAXCPU];
	/* suspend statistics per class: [0] standby, [1] power-down */
	uint64_t count[MAXCPU][2];
	uint64_t residency_ns[MAXCPU][2];
	uint64_t since_ns[MAXCPU];
	bool deny[MAXCPU];
	uint64_t now;
	/* hook log */
	unsigned int on_calls, off_calls, suspend_calls, sys_calls;
	unsigned int last_cpu;
	bool last_pd;
};

static struct model M;

static int h_cpu_on(void *o, unsigned int caller, unsigned int cpu, uint64_t entry,
		    uint64_t ctx)
{
	CHECK(cpu < M.ncpus);
	CHECK(caller < M.ncpus);
	M.on_calls++;
	M.last_cpu = cpu;
	return (entry & 0x8) ? -1 : 0;	/* some power-ons fail */
}

/* What fw_call() says happens to the caller must be possible at all. */
static void check_fate(unsigned int cpu, const struct fw_call *c)
{
	switch (c->fate) {
	case FW_FATE_RETURN:
		CHECK(c->nret >= 1);
		break;
	case FW_FATE_OFF:
		CHECK(c->nret == 0);
		M.off_calls++;
		M.last_cpu = cpu;
		break;
	case FW_FATE_SUSPEND:
		CHECK(c->nret == (c->out.powerdown ? 0u : 1u));
		CHECK(!c->out.powerdown ||
		      (c->out.entry >= RAM_BASE && c->out.entry < RAM_END));
		CHECK(!c->out.system || c->out.powerdown);
		M.suspend_calls++;
		M.last_cpu = cpu;
		M.last_pd = c->out.powerdown;
		break;
	case FW_FATE_SYSTEM_OFF:
		CHECK(c->nret == 0);
		CHECK(c->out.type == 0 || c->out.type == FW_PSCI_OFF_TYPE_HIBERNATE);
		M.sys_calls++;
		break;
	case FW_FATE_SYSTEM_RESET:
		CHECK(c->nret == 0);
		CHECK(c->out.type == 0);	/* no vendor reset types */
		M.sys_calls++;
		break;
	case FW_FATE_ABORT:
		CHECK(0);	/* no get_args here: it cannot fail */
		break;
	}
}

static bool h_ram_valid(void *o, uint64_t addr)
{
	return addr >= RAM_BASE && addr < RAM_END;
}

static bool h_cpu_allowed(void *o, unsigned int cpu)
{
	CHECK(cpu < M.ncpus);
	return !M.deny[cpu];
}

static uint64_t h_now(void *o)
{
	return M.now;
}

static const struct fw_platform plat = {
	.cpu_on = h_cpu_on,
	.ram_valid = h_ram_valid,
	.cpu_allowed = h_cpu_allowed,
	.now_ns = h_now,
};

static const uint32_t versions[] = {
	FW_PSCI_0_2, FW_PSCI_1_0, FW_PSCI_1_1, FW_PSCI_1_3,
};

static bool psci_supported(uint32_t fn, bool smc64);

static int model_lookup(struct fw *fw, uint64_t mpidr)
{
	unsigned int i;

	for (i = 0; i < M.ncpus; i++) {
		if (fw_mpidr(fw, i) == mpidr) {
			return (int)i;
		}
	}
	return -1;
}

static bool is_suspended(enum fw_power p)
{
	return p == FW_POWER_STANDBY || p == FW_POWER_SUSPENDED;
}

/* The model's power transitions, with the statistics they imply. */
static void model_enter(unsigned int cpu, enum fw_power p)
{
	if (is_suspended(p)) {
		M.count[cpu][p == FW_POWER_SUSPENDED]++;
		M.since_ns[cpu] = M.now;
	}
	M.power[cpu] = p;
}

static void model_leave(unsigned int cpu)
{
	enum fw_power p = M.power[cpu];

	if (is_suspended(p)) {
		M.residency_ns[cpu][p == FW_POWER_SUSPENDED] += M.now - M.since_ns[cpu];
	}
	M.power[cpu] = FW_POWER_ON;
}

static void model_reset(void)
{
	unsigned int i;

	for (i = 0; i < M.ncpus; i++) {
		M.power[i] = i == 0 ? FW_POWER_ON : FW_POWER_OFF;
		memset(M.count[i], 0, sizeof(M.count[i]));
		memset(M.residency_ns[i], 0, sizeof(M.residency_ns[i]));
	}
}

static uint64_t aff_mask(uint32_t level)
{
	static const uint64_t m[4] = { 0xff00ffffffull, 0xff00ffff00ull,
				       0xff00ff0000ull, 0xff00000000ull };

	return m[level];
}

/* AFFINITY_INFO as DEN 0022 defines it, from the model */
static int64_t expect_affinity(struct fw *fw, uint64_t target, uint32_t level)
{
	bool found = false, on = false, pending = false;
	unsigned int i;

	if (level > 3 || (target & ~FW_MPIDR_AFF_MASK)) {
		return FW_PSCI_INVALID_PARAMETERS;
	}
	for (i = 0; i < M.ncpus; i++) {
		if ((fw_mpidr(fw, i) & aff_mask(level)) != (target & aff_mask(level))) {
			continue;
		}
		found = true;
		pending |= M.power[i] == FW_POWER_ON_PENDING;
		on |= M.power[i] != FW_POWER_OFF && M.power[i] != FW_POWER_ON_PENDING;
	}
	if (!found) {
		return FW_PSCI_INVALID_PARAMETERS;
	}
	return on ? FW_PSCI_AFF_ON : pending ? FW_PSCI_AFF_ON_PENDING : FW_PSCI_AFF_OFF;
}

/* NODE_HW_STATE: ON if a core of the node runs, else STANDBY if one is in standby */
static int64_t expect_hw_state(struct fw *fw, uint64_t target, uint32_t level)
{
	int64_t r = FW_PSCI_HW_OFF;
	unsigned int i;

	if (level > 3 || (target & ~FW_MPIDR_AFF_MASK) || model_lookup(fw, target) < 0) {
		return FW_PSCI_INVALID_PARAMETERS;
	}
	for (i = 0; i < M.ncpus; i++) {
		if ((fw_mpidr(fw, i) & aff_mask(level)) != (target & aff_mask(level))) {
			continue;
		}
		if (M.power[i] == FW_POWER_ON) {
			r = FW_PSCI_HW_ON;
		} else if (M.power[i] == FW_POWER_STANDBY && r != FW_PSCI_HW_ON) {
			r = FW_PSCI_HW_STANDBY;
		}
	}
	return r;
}

/*
 * CPU_SUSPEND's power_state in the configured format: the state class
 * (0 standby, 1 power-down), or -1 if invalid (reserved bits, or a power
 * level above the core's in the original format).
 */
static int ps_class(uint32_t ps)
{
	if (M.ext) {
		return (ps & 0xb0000000u) ? -1 : (int)((ps >> 30) & 1);
	}
	if ((ps & 0xfcfe0000u) || ((ps >> 24) & 3)) {
		return -1;
	}
	return (int)((ps >> 16) & 1);
}

/* PSCI_STAT_COUNT / PSCI_STAT_RESIDENCY (microseconds, current stay included) */
static uint64_t expect_stat(struct fw *fw, uint64_t target, uint32_t ps, bool residency)
{
	int t = (target & ~FW_MPIDR_AFF_MASK) ? -1 : model_lookup(fw, target);
	int k = ps_class(ps);
	uint64_t v;

	if (t < 0 || k < 0) {
		return 0;
	}
	if (!residency) {
		return M.count[t][k];
	}
	v = M.residency_ns[t][k];
	if (M.power[t] == (k ? FW_POWER_SUSPENDED : FW_POWER_STANDBY)) {
		v += M.now - M.since_ns[t];
	}
	return v / 1000;
}

/* PSCI_FEATURES(fid) from the expected function table */
static int64_t expect_features(uint32_t fid)
{
	uint32_t fn = fid & 0x1f;
	bool smc64 = fid & FW_SMCCC_SMC64;

	if (fid == 0x80000000u) {
		return 0;	/* SMCCC_VERSION (answered by KVM) */
	}
	if ((fid & ~(FW_SMCCC_SMC64 | 0x1fu)) != FW_PSCI_BASE32) {
		return FW_PSCI_NOT_SUPPORTED;
	}
	if (!psci_supported(fn, smc64)) {
		return FW_PSCI_NOT_SUPPORTED;
	}
	if (fn == FW_PSCI_CPU_SUSPEND) {
		return M.ext ? 2 : 0;
	}
	return fn == FW_PSCI_SYSTEM_OFF2 ? 1 : 0;
}

/*
 * A vCPU picked by @k: mostly one that is not OFF (the interesting states:
 * callers that run, targets in standby or ON_PENDING), else any.
 */
static unsigned int pick_cpu(uint8_t k)
{
	unsigned int i, n = 0, live[MAXCPU];

	for (i = 0; i < M.ncpus; i++) {
		if (M.power[i] != FW_POWER_OFF) {
			live[n++] = i;
		}
	}
	if (k < 160 && n) {
		return live[k % n];
	}
	return k % M.ncpus;
}

/* Steer an argument: raw, an MPIDR, or an address in or out of RAM. */
static uint64_t arg(struct input *in, struct fw *fw)
{
	uint8_t k = u8(in);

	switch (k & 7) {
	case 0:
		return fw_mpidr(fw, pick_cpu(u8(in)));
	case 1:
		return fw_mpidr(fw, u8(in) % M.ncpus);
	case 2:
		return RAM_BASE + (u8(in) & 0xf);
	case 3:
		return (uint64_t)(u8(in) & 7);	/* power levels, types, small IDs */
	case 4:
		return (uint64_t)u8(in) << 24 | (uint64_t)u8(in) << 16;
	default:
		return u64(in);
	}
}

static uint32_t pick_id(struct input *in)
{
	uint8_t k = u8(in), fn = u8(in);
	uint32_t id;

	switch (k & 7) {
	case 0:
	case 1:
	case 2:
		id = FW_PSCI_BASE32 + (fn & 0x1f);
		break;
	case 3:
	case 4:
		id = FW_PSCI_BASE64 + (fn & 0x1f);
		break;
	case 5:
		id = ((k & 8) ? 0xc4000050u : 0x84000050u) + (fn & 0xf);
		break;
	default:
		id = (uint32_t)u64(in);
		break;
	}
	if (k & 0x40) {
		id |= FW_SMCCC_SVE_HINT;
	}
	if (k & 0x80) {
		id |= (uint32_t)(fn & 0x7f) << 17;
	}
	return id;
}

static bool psci_supported(uint32_t fn, bool smc64)
{
	uint32_t v = psci_expect(fn, smc64, M.sys_suspend);

	return v && M.version >= v;
}

/* Check one PSCI answer against the spec and advance the model. */
static void check_psci(struct fw *fw, unsigned int cpu, uint32_t fn,
		       bool smc64, const uint64_t *a, const struct fw_call *c)
{
	int64_t r = (int64_t)c->ret[0];
	uint64_t mpidr = smc64 ? a[0] : (uint32_t)a[0];
	uint64_t entry, v;
	unsigned int i;
	int t, k;
	bool others_off;

	if (!psci_supported(fn, smc64)) {
		CHECK(c->nret == 1 && r == -1);
		return;
	}
	if (!smc64 && fn != FW_PSCI_STAT_RESIDENCY &&
	    fn != FW_PSCI_STAT_COUNT) {
		/* 32-bit codes are sign-extended */
		CHECK(r == (int32_t)r);
	}
	switch (fn) {
	case FW_PSCI_VERSION:
		CHECK(c->nret == 1 && (uint64_t)r == M.version);
		break;
	case FW_PSCI_CPU_SUSPEND:
		k = ps_class((uint32_t)a[0]);
		entry = smc64 ? a[1] : (uint32_t)a[1];
		if (k < 0) {
			CHECK(c->nret == 1 && r == FW_PSCI_INVALID_PARAMETERS);
		} else if (k == 1 && (entry < RAM_BASE || entry >= RAM_END)) {
			CHECK(c->nret == 1 &&
			      r == (M.version >= FW_PSCI_1_0 ? FW_PSCI_INVALID_ADDRESS :
							      FW_PSCI_INVALID_PARAMETERS));
		} else {
			CHECK(r == 0 && c->nret == (k ? 0u : 1u));
		}
		if (c->nret == 0) {
			model_enter(cpu, FW_POWER_SUSPENDED);
			CHECK(M.last_pd && M.last_cpu == cpu);
		} else {
			CHECK(c->nret == 1);
			CHECK(r == 0 || r == -2 || r == -9);
			if (r == 0) {
				model_enter(cpu, FW_POWER_STANDBY);
				CHECK(!M.last_pd && M.last_cpu == cpu);
			}
			if (r == -9) {
				CHECK(M.version >= FW_PSCI_1_0);
				CHECK(!M.ext || (uint32_t)a[0] & (1u << 30));
			}
		}
		break;
	case FW_PSCI_CPU_OFF:
		CHECK(c->nret == 0);
		model_enter(cpu, FW_POWER_OFF);
		break;
	case FW_PSCI_CPU_ON:
		CHECK(c->nret == 1);
		t = (mpidr & ~FW_MPIDR_AFF_MASK) ? -1 : model_lookup(fw, mpidr);
		entry = smc64 ? a[1] : (uint32_t)a[1];
		if (t < 0) {
			CHECK(r == FW_PSCI_INVALID_PARAMETERS);
		} else if (entry < RAM_BASE || entry >= RAM_END) {
			/* INVALID_ADDRESS is PSCI 1.0's; 0.2 says INVALID_PARAMETERS */
			CHECK(r == (M.version >= FW_PSCI_1_0 ? FW_PSCI_INVALID_ADDRESS :
							       FW_PSCI_INVALID_PARAMETERS));
		} else if (M.power[t] != FW_POWER_OFF) {
			CHECK(r == FW_PSCI_ALREADY_ON);
		} else if (!M.enabled[t] || M.deny[t]) {
			CHECK(r == FW_PSCI_DENIED);
		} else if (entry & 0x8) {
			CHECK(r == FW_PSCI_INTERNAL_FAILURE);
		} else {
			CHECK(r == 0);
			M.power[t] = FW_POWER_ON_PENDING;
		}
		break;
	case FW_PSCI_AFFINITY_INFO:
		CHECK(c->nret == 1);
		CHECK(r == expect_affinity(fw, mpidr, (uint32_t)a[1]));
		break;
	case FW_PSCI_MIGRATE_INFO_TYPE:
		CHECK(c->nret == 1 && r == 2);
		break;
	case FW_PSCI_SYSTEM_OFF:
	case FW_PSCI_SYSTEM_RESET:
		CHECK(c->nret == 0);
		break;
	case FW_PSCI_FEATURES:
		CHECK(c->nret == 1);
		CHECK(r == expect_features((uint32_t)a[0]));
		break;
	case FW_PSCI_CPU_DEFAULT_SUSPEND:
		entry = smc64 ? a[0] : (uint32_t)a[0];
		CHECK(c->nret == 1);
		CHECK(r == (entry >= RAM_BASE && entry < RAM_END ? 0 : FW_PSCI_INVALID_ADDRESS));
		if (r == 0) {
			model_enter(cpu, FW_POWER_STANDBY);
		}
		break;
	case FW_PSCI_NODE_HW_STATE:
		CHECK(c->nret == 1);
		CHECK(r == expect_hw_state(fw, mpidr, (uint32_t)a[1]));
		break;
	case FW_PSCI_SYSTEM_SUSPEND:
		others_off = true;
		for (i = 0; i < M.ncpus; i++) {
			if (i != cpu && M.power[i] != FW_POWER_OFF) {
				others_off = false;
			}
		}
		if (c->nret == 0) {
			CHECK(others_off);
			model_enter(cpu, FW_POWER_SUSPENDED);
		} else {
			CHECK(c->nret == 1 && (r == -3 || r == -9));
			CHECK(r != -3 || !others_off);
		}
		break;
	case FW_PSCI_STAT_RESIDENCY:
	case FW_PSCI_STAT_COUNT:
		v = expect_stat(fw, mpidr, (uint32_t)a[1], fn == FW_PSCI_STAT_RESIDENCY);
		if (!smc64 && v > UINT32_MAX) {
			v = UINT32_MAX;
		}
		CHECK(c->nret == 1 && (uint64_t)r == v);
		break;
	case FW_PSCI_SYSTEM_RESET2:
	case FW_PSCI_SYSTEM_OFF2:
		CHECK(c->nret == 0 || (c->nret == 1 && r == -2));
		break;
	default:
		CHECK(0);
	}
}

static void check_trng(uint32_t id, const uint64_t *a,
		       const struct fw_call *c)
{
	int64_t r = (int64_t)c->ret[0];
	uint32_t fn = id & 0xffff;
	bool smc64 = id & FW_SMCCC_SMC64;

	if (!M.trng) {
		CHECK(c->nret == 1 && r == -1);
		return;
	}
	if (fn == 0x53) {
		uint64_t n = smc64 ? a[0] : (uint32_t)a[0];

		CHECK(c->nret == 4);
		if (n == 0 || n > (smc64 ? 192u : 96u)) {
			CHECK(r == -2);
			CHECK((c->ret[1] | c->ret[2] | c->ret[3]) == 0);
		} else {
			CHECK(r == 0);
			CHECK(smc64 || (c->ret[1] | c->ret[2] | c->ret[3]) <=
					       UINT32_MAX);
		}
		return;
	}
	if (smc64 || fn > 0x53) {
		CHECK(c->nret == 1 && r == -1);
	} else if (fn == 0x50) {
		CHECK(c->nret == 1 && r == 0x10000);
	} else if (fn == 0x51) {
		CHECK(c->nret == 1 && (r == 0 || r == -1));
	} else {
		CHECK(c->nret == 4 && (uint32_t)r != 0xffffffffu);
	}
}

static void do_call(struct input *in, struct fw *fw)
{
	unsigned int cpu = u8(in);
	struct fw_call c;
	uint64_t a[3];
	uint32_t id, nid;
	int i, argc;
	bool running;

	cpu = cpu < 250 ? pick_cpu((uint8_t)cpu) : cpu;	/* sometimes out of range */
	memset(&c, 0, sizeof(c));
	c.id = id = pick_id(in);
	for (i = 0; i < 3; i++) {
		a[i] = arg(in, fw);
		c.args[i] = a[i];
	}
	for (i = 3; i < FW_NARGS; i++) {
		c.args[i] = 0x5a5a5a5a5a5a5a5aull;
	}
	argc = fw_argc(fw, id);
	CHECK(argc >= 0 && argc <= FW_NARGS);
	c.smc = u8(in) & 1;
	CHECK(fw_call(fw, cpu, &c) == c.fate);
	CHECK(c.nret <= FW_NRETS);
	check_fate(cpu, &c);

	running = cpu < M.ncpus && M.power[cpu] != FW_POWER_OFF;
	nid = id & ~FW_SMCCC_SVE_HINT;
	if (running) {
		model_leave(cpu);	/* a caller is running */
	}
	if (!running || (nid & FW_SMCCC_RESERVED)) {
		CHECK(c.nret == 1 && (int64_t)c.ret[0] == -1);
		return;
	}
	if ((nid & ~FW_SMCCC_SMC64) >= FW_PSCI_BASE32 &&
	    (nid & ~FW_SMCCC_SMC64) < FW_PSCI_BASE32 + FW_PSCI_NFUNCS) {
		check_psci(fw, cpu, nid & 0x1f, nid & FW_SMCCC_SMC64, a, &c);
	} else if ((nid & ~FW_SMCCC_SMC64) >= 0x84000050u &&
		   (nid & ~FW_SMCCC_SMC64) <= 0x8400005fu) {
		check_trng(nid, a, &c);
	} else {
		CHECK(c.nret == 1 && (int64_t)c.ret[0] == -1);
		CHECK(argc == 0);
	}
}

static void check_state(struct fw *fw)
{
	static struct fw_status st;
	unsigned int i;

	fw_status(fw, &st);
	CHECK(st.ncpus == M.ncpus);
	for (i = 0; i < M.ncpus; i++) {
		CHECK(st.cpu[i].power == M.power[i]);
		CHECK(fw_state(fw, i) == M.power[i]);
		CHECK(st.cpu[i].enabled == M.enabled[i]);
		CHECK(st.cpu[i].enabled || st.cpu[i].power == FW_POWER_OFF);
		for (int k = 0; k < 2; k++) {
			CHECK(st.cpu[i].suspend_count[k] == M.count[i][k]);
			CHECK(st.cpu[i].residency_us[k] == M.residency_ns[i][k] / 1000);
		}
	}
	CHECK(M.enabled[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct fw_config cfg;
	struct fw *fw;
	uint8_t b0 = u8(&in), b1 = u8(&in), b2 = u8(&in);
	unsigned int i, steps = 0, cpu;
	int ret;

	memset(&M, 0, sizeof(M));
	memset(&cfg, 0, sizeof(cfg));
	cfg.ncpus = 1 + b1 % MAXCPU;
	cfg.nenabled = b2 % (cfg.ncpus + 1);
	cfg.psci_version = versions[b0 & 3];
	cfg.system_off2 = (b0 & 3) == 3;
	cfg.system_suspend = (b0 & 4) && cfg.psci_version >= FW_PSCI_1_0;
	cfg.suspend_format = (b0 & 8) && cfg.psci_version >= FW_PSCI_1_0 ?
			     FW_SUSPEND_ORIGINAL : FW_SUSPEND_DEFAULT;
	cfg.no_trng = b0 & 0x10;
	fw = fw_create(&cfg, &plat, NULL);
	CHECK(fw);

	M.ncpus = cfg.ncpus;
	M.version = cfg.psci_version;
	M.sys_suspend = cfg.system_suspend;
	M.trng = !cfg.no_trng;
	M.ext = cfg.psci_version >= FW_PSCI_1_0 && !(b0 & 8);
	for (i = 0; i < M.ncpus; i++) {
		M.power[i] = i == 0 ? FW_POWER_ON : FW_POWER_OFF;
		M.enabled[i] = cfg.nenabled == 0 || i < cfg.nenabled;
		M.deny[i] = (b0 & 0x20) && i % 7 == 3;
	}
	check_state(fw);

	while (in.n && steps++ < 256) {
		uint8_t op = u8(&in);

		M.now += 1000 + op;
		cpu = u8(&in) % (M.ncpus + 1);
		switch (op % 10) {
		case 0:
			ret = fw_enable(fw, cpu);
			CHECK(cpu < M.ncpus ? ret == 0 : ret < 0);
			if (cpu < M.ncpus) {
				M.enabled[cpu] = true;
			}
			break;
		case 1:
			ret = fw_disable(fw, cpu);
			if (cpu >= M.ncpus) {
				CHECK(ret < 0);
			} else if (cpu == 0) {
				CHECK(ret < 0);
			} else if (M.power[cpu] != FW_POWER_OFF) {
				CHECK(ret < 0);
			} else {
				CHECK(ret == 0);
				M.enabled[cpu] = false;
			}
			break;
		case 2:
			ret = fw_resume(fw, cpu);
			if (cpu < M.ncpus && is_suspended(M.power[cpu])) {
				CHECK(ret == 0);
				model_leave(cpu);
			} else {
				CHECK(ret < 0);
			}
			break;
		case 3:
			ret = fw_online(fw, cpu);
			if (cpu < M.ncpus &&
			    M.power[cpu] == FW_POWER_ON_PENDING) {
				CHECK(ret == 0);
				M.power[cpu] = FW_POWER_ON;
			} else {
				CHECK(ret < 0);
			}
			break;
		case 4:
			if (op & 0xf0) {
				in.p--, in.n++;	/* reuse the byte: a call */
				do_call(&in, fw);
				break;
			}
			fw_reset(fw);
			model_reset();
			break;
		default:
			in.p--, in.n++;
			do_call(&in, fw);
			break;
		}
		check_state(fw);
	}
	fw_destroy(fw);
	return 0;
}
