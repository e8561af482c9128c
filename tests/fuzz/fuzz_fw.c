// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the firmware core. The input picks a configuration
 * and then a sequence of steps: a firmware call from some vCPU (function ID
 * from the PSCI/TRNG ranges or raw, arguments raw or steered to valid
 * MPIDRs and RAM addresses) or a backend/control event (enable, disable,
 * resume, online, reset). A shadow model of every vCPU's power state and
 * enabled flag is kept; after every step the core must agree with it and
 * every answer must be a code the spec allows for that function.
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

/* Steer an argument: raw, an MPIDR, or an address in or out of RAM. */
static uint64_t arg(struct input *in, struct fw *fw)
{
	uint8_t k = u8(in);

	switch (k & 7) {
	case 0:
	case 1:
		return fw_mpidr(fw, u8(in) % M.ncpus);
	case 2:
		return RAM_BASE + (u8(in) & 0xf);
	case 3:
		return (uint64_t)u8(in);
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
	uint64_t entry;
	unsigned int i;
	int t;
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
		if (c->nret == 0) {
			M.power[cpu] = FW_POWER_SUSPENDED;
			CHECK(M.last_pd && M.last_cpu == cpu);
		} else {
			CHECK(c->nret == 1);
			CHECK(r == 0 || r == -2 || r == -9);
			if (r == 0) {
				M.power[cpu] = FW_POWER_STANDBY;
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
		M.power[cpu] = FW_POWER_OFF;
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
		CHECK(r >= -2 && r <= 2 && r != -1);
		if ((uint32_t)a[1] == 0 && !(mpidr & ~FW_MPIDR_AFF_MASK)) {
			t = model_lookup(fw, mpidr);
			if (t < 0) {
				CHECK(r == -2);
			} else if (M.power[t] == FW_POWER_OFF) {
				CHECK(r == FW_PSCI_AFF_OFF);
			} else if (M.power[t] == FW_POWER_ON_PENDING) {
				CHECK(r == FW_PSCI_AFF_ON_PENDING);
			} else {
				CHECK(r == FW_PSCI_AFF_ON);
			}
		}
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
		CHECK(r == -1 || (r >= 0 && r <= 2));
		break;
	case FW_PSCI_CPU_DEFAULT_SUSPEND:
		CHECK(c->nret == 1 && (r == 0 || r == -9));
		if (r == 0) {
			M.power[cpu] = FW_POWER_STANDBY;
		}
		break;
	case FW_PSCI_NODE_HW_STATE:
		CHECK(c->nret == 1 && r >= -2 && r <= 2 && r != -1);
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
			M.power[cpu] = FW_POWER_SUSPENDED;
		} else {
			CHECK(c->nret == 1 && (r == -3 || r == -9));
			CHECK(r != -3 || !others_off);
		}
		break;
	case FW_PSCI_STAT_RESIDENCY:
	case FW_PSCI_STAT_COUNT:
		CHECK(c->nret == 1 && r >= 0);
		CHECK(smc64 || (uint64_t)r <= UINT32_MAX);
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

	cpu = cpu < 250 ? cpu % M.ncpus : cpu;	/* sometimes out of range */
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
		M.power[cpu] = FW_POWER_ON;	/* a caller is running */
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
				M.power[cpu] = FW_POWER_ON;
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
			for (i = 0; i < M.ncpus; i++) {
				M.power[i] = i == 0 ? FW_POWER_ON :
						      FW_POWER_OFF;
			}
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
