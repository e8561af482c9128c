// SPDX-License-Identifier: MIT
/*
 * Unit tests of the firmware core: SMCCC routing, every PSCI function and
 * error path, both widths and power_state formats, every version setting,
 * hot-plug, registration, and racing CPU_ON / disable.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "fw/fw.h"
#include "psci_expect.h"

#define RAM_BASE	0x80000000ull
#define RAM_END		0xc0000000ull
#define BAD_ADDR	0x1000ull

#define ID32(fn)	(FW_PSCI_BASE32 + (fn))
#define ID64(fn)	(FW_PSCI_BASE64 + (fn))

/* A fake platform that records what the core asked it to do. */
struct fake {
	unsigned int on_calls, off_calls, suspend_calls;
	unsigned int sys_off_calls, sys_reset_calls, sys_suspend_calls;
	unsigned int cpu, caller;
	uint64_t entry, context_id, cookie;
	bool powerdown, warm;
	uint32_t type;
	int cpu_on_ret;
	bool deny[FW_MAX_CPUS];
	uint64_t now;
};

static struct fake F;
static struct fw_call C;	/* the last call made by call() */

static int fake_cpu_on(void *o, unsigned int caller, unsigned int cpu,
		       uint64_t entry, uint64_t ctx)
{
	struct fake *f = o;

	f->on_calls++;
	f->caller = caller;
	f->cpu = cpu;
	f->entry = entry;
	f->context_id = ctx;
	return f->cpu_on_ret;
}

/*
 * Record the caller's fate as fw_call() returned it, in the same counters
 * the tests check: what happens to the calling vCPU is a return value.
 */
static void record_fate(unsigned int cpu, const struct fw_call *c)
{
	switch (c->fate) {
	case FW_FATE_RETURN:
	case FW_FATE_ABORT:
		break;
	case FW_FATE_OFF:
		F.off_calls++;
		F.cpu = cpu;
		break;
	case FW_FATE_SUSPEND:
		if (c->out.system) {
			F.sys_suspend_calls++;
		} else {
			F.suspend_calls++;
		}
		F.cpu = cpu;
		F.powerdown = c->out.powerdown;
		F.entry = c->out.entry;
		F.context_id = c->out.context_id;
		break;
	case FW_FATE_SYSTEM_OFF:
		F.sys_off_calls++;
		F.type = c->out.type;
		F.cookie = c->out.cookie;
		break;
	case FW_FATE_SYSTEM_RESET:
		F.sys_reset_calls++;
		F.warm = c->out.warm;
		F.type = c->out.type;
		F.cookie = c->out.cookie;
		break;
	}
}

static bool fake_ram_valid(void *o, uint64_t addr)
{
	(void)o;
	return addr >= RAM_BASE && addr < RAM_END;
}

static bool fake_cpu_allowed(void *o, unsigned int cpu)
{
	struct fake *f = o;

	return !f->deny[cpu];
}

static uint64_t fake_now(void *o)
{
	struct fake *f = o;

	return f->now;
}

static const struct fw_platform plat = {
	.cpu_on = fake_cpu_on,
	.ram_valid = fake_ram_valid,
	.cpu_allowed = fake_cpu_allowed,
	.now_ns = fake_now,
};

static struct fw *mkfw_cfg(const struct fw_config *cfg)
{
	struct fw *fw;

	memset(&F, 0, sizeof(F));
	fw = fw_create(cfg, &plat, &F);
	ck_assert_ptr_nonnull(fw);
	return fw;
}

static struct fw *mkfw(unsigned int ncpus, uint32_t version)
{
	struct fw_config cfg = {
		.ncpus = ncpus,
		.psci_version = version,
		.system_off2 = version == FW_PSCI_1_3,
		.system_suspend = version >= FW_PSCI_1_0,
	};

	return mkfw_cfg(&cfg);
}

static int64_t call(struct fw *fw, unsigned int cpu, uint32_t id,
		    uint64_t a1, uint64_t a2, uint64_t a3)
{
	memset(&C, 0, sizeof(C));
	C.id = id;
	C.args[0] = a1;
	C.args[1] = a2;
	C.args[2] = a3;
	ck_assert_int_eq(fw_call(fw, cpu, &C), C.fate);
	record_fate(cpu, &C);
	return (int64_t)C.ret[0];
}

/* Power @cpu on and let it run. */
static void bring_up(struct fw *fw, unsigned int cpu)
{
	ck_assert_int_eq(call(fw, 0, ID64(FW_PSCI_CPU_ON), fw_mpidr(fw, cpu),
			      RAM_BASE, 0), FW_PSCI_SUCCESS);
	ck_assert_int_eq(fw_online(fw, cpu), 0);
}

START_TEST(test_create_invalid)
{
	struct fw_config cfg = { .ncpus = 4 };
	struct fw_platform p = plat;
	uint64_t dup[2] = { 0x1, 0x80000001 };

	ck_assert_ptr_null(fw_create(NULL, &plat, NULL));
	cfg.ncpus = 0;
	ck_assert_ptr_null(fw_create(&cfg, &plat, NULL));
	ck_assert_int_eq(errno, EINVAL);
	cfg.ncpus = FW_MAX_CPUS + 1;
	ck_assert_ptr_null(fw_create(&cfg, &plat, NULL));
	cfg.ncpus = 4;
	cfg.nenabled = 5;
	ck_assert_ptr_null(fw_create(&cfg, &plat, NULL));
	cfg.nenabled = 0;
	cfg.psci_version = 0x10002;
	ck_assert_ptr_null(fw_create(&cfg, &plat, NULL));
	cfg.psci_version = FW_PSCI_1_3;
	ck_assert_ptr_null(fw_create(&cfg, &plat, NULL));
	cfg.psci_version = FW_PSCI_1_1;
	cfg.system_off2 = true;
	ck_assert_ptr_null(fw_create(&cfg, &plat, NULL));
	cfg.system_off2 = false;
	cfg.psci_version = FW_PSCI_0_2;
	cfg.suspend_format = FW_SUSPEND_EXTENDED;
	ck_assert_ptr_null(fw_create(&cfg, &plat, NULL));
	cfg.suspend_format = 7;
	cfg.psci_version = 0;
	ck_assert_ptr_null(fw_create(&cfg, &plat, NULL));
	cfg.suspend_format = FW_SUSPEND_DEFAULT;
	p.cpu_on = NULL;
	ck_assert_ptr_null(fw_create(&cfg, &p, NULL));
	cfg.ncpus = 2;
	cfg.mpidr = dup;	/* equal once bit 31 (RES1) is masked */
	ck_assert_ptr_null(fw_create(&cfg, &plat, NULL));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_create_defaults)
{
	struct fw_config cfg = { .ncpus = 40, .nenabled = 3 };
	uint64_t m[3] = { 0x80000000, 0x80000100, 0x8000000001ull };
	struct fw_status *st = calloc(1, sizeof(*st));
	struct fw *fw = mkfw_cfg(&cfg);

	ck_assert_int_eq(call(fw, 0, ID32(FW_PSCI_VERSION), 0, 0, 0),
			 FW_PSCI_1_1);
	ck_assert_uint_eq(fw_mpidr(fw, 17), 0x101);
	ck_assert_uint_eq(fw_mpidr(fw, 39), 0x207);
	ck_assert_uint_eq(fw_mpidr(fw, 40), 0);
	ck_assert_int_eq(fw_lookup(fw, 0x207), 39);
	ck_assert_int_eq(fw_lookup(fw, 0x210), -ENOENT);
	ck_assert_int_eq(fw_lookup(fw, 0x80000000), -ENOENT);
	ck_assert_int_eq(fw_state(fw, 0), FW_POWER_ON);
	ck_assert_int_eq(fw_state(fw, 1), FW_POWER_OFF);
	ck_assert_int_eq(fw_state(fw, 1000), FW_POWER_OFF);
	fw_status(fw, st);
	ck_assert_uint_eq(st->ncpus, 40);
	ck_assert(st->cpu[2].enabled);
	ck_assert(!st->cpu[3].enabled);
	ck_assert_uint_eq(st->nservices, 4);
	ck_assert_str_eq(st->service_name[0], "psci");
	ck_assert_str_eq(st->service_name[2], "trng");
	fw_destroy(fw);

	cfg = (struct fw_config){ .ncpus = 3, .mpidr = m, .system_off2 = true };
	fw = mkfw_cfg(&cfg);
	ck_assert_int_eq(call(fw, 0, ID32(FW_PSCI_VERSION), 0, 0, 0),
			 FW_PSCI_1_3);
	ck_assert_uint_eq(fw_mpidr(fw, 0), 0);
	ck_assert_uint_eq(fw_mpidr(fw, 2), 0x8000000001ull);
	ck_assert_int_eq(call(fw, 0, ID64(FW_PSCI_CPU_ON), 0x8000000001ull,
			      RAM_BASE, 0), FW_PSCI_SUCCESS);
	ck_assert_uint_eq(F.cpu, 2);
	fw_destroy(fw);
	fw_destroy(NULL);
	free(st);
}
END_TEST

static const uint32_t versions[] = {
	FW_PSCI_0_2, FW_PSCI_1_0, FW_PSCI_1_1, FW_PSCI_1_3,
};

START_TEST(test_version)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct fw *fw = mkfw(2, versions[i]);

		ck_assert_int_eq(call(fw, 0, ID32(FW_PSCI_VERSION), 7, 7, 7),
				 versions[i]);
		ck_assert_uint_eq(C.nret, 1);
		ck_assert_int_eq(call(fw, 0, ID64(FW_PSCI_VERSION), 0, 0, 0),
				 FW_PSCI_NOT_SUPPORTED);
		fw_destroy(fw);
	}
}
END_TEST

/*
 * For every PSCI function ID and every configuration: FEATURES agrees with
 * the expected set, and a call answers NOT_SUPPORTED exactly when FEATURES
 * says so.
 */
START_TEST(test_features_match_dispatch)
{
	unsigned int v, s, w, fn;

	for (v = 0; v < 4; v++) {
		for (s = 0; s < 2; s++) {
			for (w = 0; w < 2; w++) {
				for (fn = 0; fn < FW_PSCI_NFUNCS; fn++) {
					struct fw_config cfg = {
						.ncpus = 4,
						.psci_version = versions[v],
						.system_off2 = v == 3,
						.system_suspend = s,
					};
					uint32_t id = (w ? FW_PSCI_BASE64 :
							   FW_PSCI_BASE32) + fn;
					uint32_t min = psci_expect(fn, w, s);
					bool want = min && versions[v] >= min;
					int64_t feat, r;
					struct fw *fw = mkfw_cfg(&cfg);

					feat = call(fw, 0, ID32(FW_PSCI_FEATURES),
						    id, 0, 0);
					if (versions[v] < FW_PSCI_1_0) {
						ck_assert_int_eq(feat, -1);
						feat = want ? 0 : -1;
					}
					ck_assert_msg((feat >= 0) == want,
						      "v %x fn %x w %u feat %ld",
						      versions[v], fn, w,
						      (long)feat);
					ck_assert_int_eq(fw_argc(fw, id) > 0 ||
							 !want ||
							 fn == 0 || fn == 2 ||
							 fn == 6 || fn == 8 ||
							 fn == 9, 1);
					r = call(fw, 0, id, 0x84000000u, 0, 0);
					if (C.nret == 0) {
						ck_assert(want);
					} else {
						ck_assert_msg((r != -1) == want,
							      "v %x id %x r %ld",
							      versions[v], id,
							      (long)r);
					}
					fw_destroy(fw);
				}
			}
		}
	}
}
END_TEST

START_TEST(test_features_values)
{
	struct fw_config cfg = { .ncpus = 2, .psci_version = FW_PSCI_1_0,
				 .suspend_format = FW_SUSPEND_ORIGINAL };
	struct fw *fw = mkfw(2, FW_PSCI_1_3);
	uint32_t f = ID32(FW_PSCI_FEATURES);

	ck_assert_int_eq(call(fw, 0, f, ID32(1), 0, 0), 2);
	ck_assert_int_eq(call(fw, 0, f, ID64(1), 0, 0), 2);
	ck_assert_int_eq(call(fw, 0, f, ID32(0x15), 0, 0), 1);
	ck_assert_int_eq(call(fw, 0, f, ID64(0x15), 0, 0), 1);
	ck_assert_int_eq(call(fw, 0, f, 0x80000000u, 0, 0), 0);
	ck_assert_int_eq(call(fw, 0, f, FW_TRNG_VERSION, 0, 0), -1);
	ck_assert_int_eq(call(fw, 0, f, ID32(0x20), 0, 0), -1);
	ck_assert_int_eq(call(fw, 0, f, ID32(0) | FW_SMCCC_SVE_HINT, 0, 0),
			 -1);
	ck_assert_int_eq(call(fw, 0, f, ID32(0) | 0x20000, 0, 0), -1);
	ck_assert_int_eq(call(fw, 0, f, 0x04000000u, 0, 0), -1);
	/* SMC32: the high half of x1 is not part of the function ID */
	ck_assert_int_eq(call(fw, 0, f, 0xffffffff00000000ull | ID32(3), 0, 0),
			 0);
	ck_assert_int_eq(call(fw, 0, ID64(FW_PSCI_FEATURES), ID32(3), 0, 0),
			 -1);
	fw_destroy(fw);
	fw = mkfw_cfg(&cfg);
	ck_assert_int_eq(call(fw, 0, f, ID32(1), 0, 0), 0);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_routing)
{
	struct fw *fw = mkfw(2, 0);
	struct fw_status st;

	/* bits 23:17 reserved */
	ck_assert_int_eq(call(fw, 0, ID32(0) | 0x20000, 0, 0, 0), -1);
	ck_assert_int_eq(call(fw, 0, ID32(0) | 0x800000, 0, 0, 0), -1);
	ck_assert_uint_eq(C.nret, 1);
	/* bit 16, the SVE hint, does not change the function */
	ck_assert_int_eq(call(fw, 0, ID32(0) | FW_SMCCC_SVE_HINT, 0, 0, 0),
			 FW_PSCI_1_1);
	ck_assert_int_eq(fw_argc(fw, ID64(3) | FW_SMCCC_SVE_HINT), 3);
	ck_assert_int_eq(fw_argc(fw, ID64(3) | 0x40000), 0);
	/* other owners, yielding calls, the arch service */
	ck_assert_int_eq(call(fw, 0, 0x82000000u, 0, 0, 0), -1);
	ck_assert_int_eq(call(fw, 0, 0xc6000000u, 0, 0, 0), -1);
	ck_assert_int_eq(call(fw, 0, 0x04000000u, 0, 0, 0), -1);
	ck_assert_int_eq(call(fw, 0, 0x80000000u, 0, 0, 0), -1);
	ck_assert_int_eq(call(fw, 0, ID32(0x20), 0, 0, 0), -1);
	ck_assert_uint_eq(C.ret[0], UINT64_MAX);	/* sign-extended */
	ck_assert_int_eq(fw_argc(fw, 0x82000000u), 0);
	/* callers that cannot be running */
	ck_assert_int_eq(call(fw, 1, ID32(0), 0, 0, 0), -1);
	ck_assert_int_eq(call(fw, 2, ID32(0), 0, 0, 0), -1);
	ck_assert_int_eq(call(fw, 100000, ID32(0), 0, 0, 0), -1);
	fw_status(fw, &st);
	ck_assert_uint_eq(st.unknown_calls, 10);
	ck_assert_uint_eq(st.psci_calls[0][0], 1);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_argc)
{
	struct fw *fw = mkfw(2, FW_PSCI_1_3);

	ck_assert_int_eq(fw_argc(fw, ID32(FW_PSCI_VERSION)), 0);
	ck_assert_int_eq(fw_argc(fw, ID32(FW_PSCI_CPU_SUSPEND)), 3);
	ck_assert_int_eq(fw_argc(fw, ID64(FW_PSCI_CPU_ON)), 3);
	ck_assert_int_eq(fw_argc(fw, ID64(FW_PSCI_AFFINITY_INFO)), 2);
	ck_assert_int_eq(fw_argc(fw, ID32(FW_PSCI_FEATURES)), 1);
	ck_assert_int_eq(fw_argc(fw, ID64(FW_PSCI_FEATURES)), 0);
	ck_assert_int_eq(fw_argc(fw, ID64(FW_PSCI_SYSTEM_OFF2)), 2);
	ck_assert_int_eq(fw_argc(fw, ID32(FW_PSCI_MIGRATE)), 0);
	ck_assert_int_eq(fw_argc(fw, FW_TRNG_RND64), 1);
	ck_assert_int_eq(fw_argc(fw, FW_TRNG_GET_UUID), 0);
	fw_destroy(fw);
}
END_TEST

static void suspend_formats(bool extended)
{
	struct fw_config cfg = {
		.ncpus = 2,
		.psci_version = extended ? FW_PSCI_1_0 : FW_PSCI_0_2,
	};
	uint32_t pd = extended ? 1u << 30 : 1u << 16;
	uint32_t bad[] = { 1u << 31, extended ? 1u << 28 : 1u << 17,
			   extended ? 1u << 29 : 1u << 26,
			   extended ? 0xf0000000u : 1u << 24 /* level 1 */ };
	struct fw *fw = mkfw_cfg(&cfg);
	unsigned int i, w;

	for (w = 0; w < 2; w++) {
		uint32_t id = w ? ID64(1) : ID32(1);

		/* standby: SUCCESS in place; any StateID */
		ck_assert_int_eq(call(fw, 0, id, 0x1234, BAD_ADDR, 9), 0);
		ck_assert_uint_eq(C.nret, 1);
		ck_assert_int_eq(fw_state(fw, 0), FW_POWER_STANDBY);
		ck_assert(!F.powerdown);
		ck_assert_int_eq(fw_resume(fw, 0), 0);
		ck_assert_int_eq(fw_resume(fw, 0), -EINVAL);
		/* power-down: no return, resume at entry with context */
		call(fw, 0, id, pd | 5, RAM_BASE + 0x40, 0x77);
		ck_assert_uint_eq(C.nret, 0);
		ck_assert_int_eq(fw_state(fw, 0), FW_POWER_SUSPENDED);
		ck_assert(F.powerdown);
		ck_assert_uint_eq(F.entry, RAM_BASE + 0x40);
		ck_assert_uint_eq(F.context_id, 0x77);
		ck_assert_int_eq(fw_resume(fw, 0), 0);
		/* INVALID_ADDRESS exists from PSCI 1.0; 0.2 has INVALID_PARAMETERS */
		ck_assert_int_eq(call(fw, 0, id, pd, BAD_ADDR, 0),
				 extended ? FW_PSCI_INVALID_ADDRESS :
					    FW_PSCI_INVALID_PARAMETERS);
		ck_assert_int_eq(fw_state(fw, 0), FW_POWER_ON);
		for (i = 0; i < 4; i++) {
			ck_assert_int_eq(call(fw, 0, id, bad[i], RAM_BASE, 0),
					 FW_PSCI_INVALID_PARAMETERS);
			ck_assert_int_eq(fw_state(fw, 0), FW_POWER_ON);
		}
	}
	/* power_state is 32 bits: the high half of an SMC64 x1 is ignored */
	ck_assert_int_eq(call(fw, 0, ID64(1), 0xff00000000000000ull, 0, 0), 0);
	fw_resume(fw, 0);
	/* SMC32: the entry point is narrowed before validation */
	call(fw, 0, ID32(1), pd, 0xffffffff00000000ull | RAM_BASE,
	     0xabcd00000001ull);
	ck_assert_uint_eq(C.nret, 0);
	ck_assert_uint_eq(F.entry, RAM_BASE);
	ck_assert_uint_eq(F.context_id, 1);
	fw_destroy(fw);
}

START_TEST(test_cpu_suspend_original)
{
	suspend_formats(false);
}
END_TEST

START_TEST(test_cpu_suspend_extended)
{
	struct fw_config cfg = { .ncpus = 2,
				 .suspend_format = FW_SUSPEND_ORIGINAL };
	struct fw *fw;

	suspend_formats(true);
	/* 1.1 configured for the original format: bit 30 is reserved */
	fw = mkfw_cfg(&cfg);
	ck_assert_int_eq(call(fw, 0, ID64(1), 1u << 30, RAM_BASE, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	call(fw, 0, ID64(1), 1u << 16, RAM_BASE, 0);
	ck_assert_uint_eq(C.nret, 0);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_cpu_off)
{
	struct fw *fw = mkfw(4, 0);

	bring_up(fw, 1);
	ck_assert_int_eq(call(fw, 1, ID64(FW_PSCI_CPU_OFF), 0, 0, 0), -1);
	ck_assert_int_eq(fw_state(fw, 1), FW_POWER_ON);
	call(fw, 1, ID32(FW_PSCI_CPU_OFF), 0, 0, 0);
	ck_assert_uint_eq(C.nret, 0);
	ck_assert_uint_eq(F.off_calls, 1);
	ck_assert_uint_eq(F.cpu, 1);
	ck_assert_int_eq(fw_state(fw, 1), FW_POWER_OFF);
	/* it can be powered on again */
	bring_up(fw, 1);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_cpu_on)
{
	struct fw *fw = mkfw(8, 0);
	uint32_t on = ID64(FW_PSCI_CPU_ON), aff = ID64(FW_PSCI_AFFINITY_INFO);

	ck_assert_int_eq(call(fw, 0, on, 3, RAM_BASE + 8, 0x55), 0);
	ck_assert_uint_eq(C.nret, 1);
	ck_assert_uint_eq(F.cpu, 3);
	ck_assert_uint_eq(F.entry, RAM_BASE + 8);
	ck_assert_uint_eq(F.context_id, 0x55);
	ck_assert_int_eq(fw_state(fw, 3), FW_POWER_ON_PENDING);
	ck_assert_int_eq(call(fw, 0, aff, 3, 0, 0), FW_PSCI_AFF_ON_PENDING);
	ck_assert_int_eq(call(fw, 0, on, 3, RAM_BASE, 0), FW_PSCI_ALREADY_ON);
	ck_assert_int_eq(fw_online(fw, 3), 0);
	ck_assert_int_eq(fw_online(fw, 3), -EINVAL);
	ck_assert_int_eq(call(fw, 0, aff, 3, 0, 0), FW_PSCI_AFF_ON);
	ck_assert_int_eq(call(fw, 0, on, 3, RAM_BASE, 0), FW_PSCI_ALREADY_ON);
	ck_assert_int_eq(call(fw, 0, on, 0, RAM_BASE, 0), FW_PSCI_ALREADY_ON);
	ck_assert_uint_eq(F.on_calls, 1);

	/* bad MPIDRs */
	ck_assert_int_eq(call(fw, 0, on, 8, RAM_BASE, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(call(fw, 0, on, 0x80000001u, RAM_BASE, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(call(fw, 0, on, 1ull << 40, RAM_BASE, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(call(fw, 0, on, 0x100000001ull, RAM_BASE, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	/* bad entry */
	ck_assert_int_eq(call(fw, 0, on, 1, BAD_ADDR, 0),
			 FW_PSCI_INVALID_ADDRESS);
	ck_assert_int_eq(call(fw, 0, on, 1, RAM_END, 0),
			 FW_PSCI_INVALID_ADDRESS);
	/* policy and hot-plug */
	F.deny[1] = true;
	ck_assert_int_eq(call(fw, 0, on, 1, RAM_BASE, 0), FW_PSCI_DENIED);
	F.deny[1] = false;
	ck_assert_int_eq(fw_disable(fw, 1), 0);
	ck_assert_int_eq(call(fw, 0, on, 1, RAM_BASE, 0), FW_PSCI_DENIED);
	ck_assert_int_eq(fw_enable(fw, 1), 0);
	/* platform failure rolls back */
	F.cpu_on_ret = -1;
	ck_assert_int_eq(call(fw, 0, on, 1, RAM_BASE, 0),
			 FW_PSCI_INTERNAL_FAILURE);
	ck_assert_int_eq(fw_state(fw, 1), FW_POWER_OFF);
	F.cpu_on_ret = 0;
	ck_assert_uint_eq(F.on_calls, 2);

	/* SMC32: high halves of target, entry and context are ignored */
	ck_assert_int_eq(call(fw, 0, ID32(FW_PSCI_CPU_ON),
			      0xffffffff00000001ull,
			      0xdead000000000000ull | RAM_BASE,
			      0x1234567800000009ull), 0);
	ck_assert_uint_eq(F.cpu, 1);
	ck_assert_uint_eq(F.entry, RAM_BASE);
	ck_assert_uint_eq(F.context_id, 9);
	/* ...but not for SMC64 */
	ck_assert_int_eq(call(fw, 0, on, 0xffffffff00000002ull, RAM_BASE, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(call(fw, 0, on, 2, 0xdead000000000000ull | RAM_BASE,
			      0), FW_PSCI_INVALID_ADDRESS);
	/* a pending CPU that calls is running: the core notices */
	ck_assert_int_eq(call(fw, 1, ID32(0), 0, 0, 0), FW_PSCI_1_1);
	ck_assert_int_eq(fw_state(fw, 1), FW_POWER_ON);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_affinity_info)
{
	struct fw *fw = mkfw(40, 0);	/* clusters 0x000, 0x100, 0x200 */
	uint32_t a32 = ID32(FW_PSCI_AFFINITY_INFO);
	uint32_t a64 = ID64(FW_PSCI_AFFINITY_INFO);

	ck_assert_int_eq(call(fw, 0, a64, 0, 0, 0), FW_PSCI_AFF_ON);
	ck_assert_int_eq(call(fw, 0, a64, 1, 0, 0), FW_PSCI_AFF_OFF);
	ck_assert_int_eq(call(fw, 0, a64, 0x100, 1, 0), FW_PSCI_AFF_OFF);
	ck_assert_int_eq(call(fw, 0, a64, 0x1ff, 1, 0), FW_PSCI_AFF_OFF);
	ck_assert_int_eq(call(fw, 0, a64, 0x10f, 1, 0), FW_PSCI_AFF_OFF);
	ck_assert_int_eq(call(fw, 0, a64, 0x5, 1, 0), FW_PSCI_AFF_ON);
	ck_assert_int_eq(call(fw, 0, a64, 0x1234, 2, 0), FW_PSCI_AFF_ON);
	ck_assert_int_eq(call(fw, 0, a64, 0xabcdef, 3, 0), FW_PSCI_AFF_ON);
	ck_assert_int_eq(call(fw, 0, a64, 0x300, 1, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(call(fw, 0, a64, 0x208, 0, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(call(fw, 0, a64, 0x10000, 2, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(call(fw, 0, a64, 0, 4, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(call(fw, 0, a64, 0x80000000u, 0, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	/* level is a 32-bit parameter: upper half ignored */
	ck_assert_int_eq(call(fw, 0, a64, 0, 1ull << 32, 0), FW_PSCI_AFF_ON);
	/* SMC32: the high half of a narrowed MPIDR is gone */
	ck_assert_int_eq(call(fw, 0, a32, 0xff00000000000100ull, 1, 0),
			 FW_PSCI_AFF_OFF);
	ck_assert_int_eq(call(fw, 0, a64, 0xff00000000000100ull, 1, 0),
			 FW_PSCI_INVALID_PARAMETERS);

	ck_assert_int_eq(call(fw, 0, ID64(3), 0x103, RAM_BASE, 0), 0);
	ck_assert_int_eq(call(fw, 0, a64, 0x100, 1, 0),
			 FW_PSCI_AFF_ON_PENDING);
	ck_assert_int_eq(call(fw, 0, a64, 0x0, 2, 0), FW_PSCI_AFF_ON);
	fw_online(fw, 19);
	ck_assert_int_eq(call(fw, 0, a32, 0x100, 1, 0), FW_PSCI_AFF_ON);
	/* suspended cores are ON for AFFINITY_INFO */
	call(fw, 19, ID32(1), 1u << 30, RAM_BASE, 0);
	ck_assert_int_eq(call(fw, 0, a64, 0x103, 0, 0), FW_PSCI_AFF_ON);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_not_implemented)
{
	static const uint32_t fns[] = {
		FW_PSCI_MIGRATE, FW_PSCI_MIGRATE_INFO_UP_CPU,
		FW_PSCI_CPU_FREEZE, FW_PSCI_SET_SUSPEND_MODE,
		FW_PSCI_MEM_PROTECT, FW_PSCI_MEM_PROTECT_CHECK_RANGE,
		0x16, 0x17, 0x1f,
	};
	struct fw *fw = mkfw(2, FW_PSCI_1_3);
	unsigned int i;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		ck_assert_int_eq(call(fw, 0, ID32(fns[i]), 0, 0, 0), -1);
		ck_assert_int_eq(call(fw, 0, ID64(fns[i]), 1, 0, 0), -1);
		ck_assert_uint_eq(C.nret, 1);
	}
	ck_assert_int_eq(call(fw, 0, ID32(FW_PSCI_MIGRATE_INFO_TYPE), 0, 0,
			      0), 2);
	ck_assert_int_eq(call(fw, 0, ID64(FW_PSCI_MIGRATE_INFO_TYPE), 0, 0,
			      0), -1);
	fw_destroy(fw);
}
END_TEST

/* A bad entry point: INVALID_PARAMETERS under PSCI 0.2, INVALID_ADDRESS from 1.0. */
START_TEST(test_invalid_address_by_version)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct fw *fw = mkfw(2, versions[i]);
		int64_t want = versions[i] == FW_PSCI_0_2 ? FW_PSCI_INVALID_PARAMETERS :
							    FW_PSCI_INVALID_ADDRESS;

		ck_assert_int_eq(call(fw, 0, ID64(FW_PSCI_CPU_ON), fw_mpidr(fw, 1), BAD_ADDR, 0),
				 want);
		ck_assert_int_eq(call(fw, 0, ID32(FW_PSCI_CPU_ON), fw_mpidr(fw, 1), BAD_ADDR, 0),
				 (int32_t)want);
		uint32_t pd = versions[i] == FW_PSCI_0_2 ? 1u << 16 : 1u << 30;

		ck_assert_int_eq(call(fw, 0, ID64(FW_PSCI_CPU_SUSPEND), pd, BAD_ADDR, 0), want);
		ck_assert_int_eq(fw_state(fw, 1), FW_POWER_OFF);
		ck_assert_int_eq(fw_state(fw, 0), FW_POWER_ON);
		fw_destroy(fw);
	}
}
END_TEST

/* The calling vCPU learns its fate from fw_call()'s return value. */
START_TEST(test_fates)
{
	struct fw *fw = mkfw(4, FW_PSCI_1_3);

	call(fw, 0, ID32(FW_PSCI_VERSION), 0, 0, 0);
	ck_assert_int_eq(C.fate, FW_FATE_RETURN);
	ck_assert_uint_eq(C.nret, 1);
	bring_up(fw, 1);
	ck_assert_uint_eq(F.caller, 0);
	ck_assert_int_eq(C.fate, FW_FATE_RETURN);
	bring_up(fw, 2);
	/* CPU_ON from vCPU 1: the hook is told who asked (endianness) */
	ck_assert_int_eq(call(fw, 1, ID64(FW_PSCI_CPU_ON), fw_mpidr(fw, 3), RAM_BASE, 0), 0);
	ck_assert_uint_eq(F.caller, 1);
	ck_assert_uint_eq(F.cpu, 3);
	ck_assert_int_eq(C.fate, FW_FATE_RETURN);
	call(fw, 1, ID32(FW_PSCI_CPU_OFF), 0, 0, 0);
	ck_assert_int_eq(C.fate, FW_FATE_OFF);
	ck_assert_uint_eq(C.nret, 0);
	/* standby: x0 written, then wait */
	ck_assert_int_eq(call(fw, 2, ID32(FW_PSCI_CPU_SUSPEND), 0, 0, 0), 0);
	ck_assert_int_eq(C.fate, FW_FATE_SUSPEND);
	ck_assert(!C.out.powerdown);
	ck_assert(!C.out.system);
	ck_assert_uint_eq(C.nret, 1);
	ck_assert_int_eq(fw_resume(fw, 2), 0);
	/* power-down: nothing written, resume point given */
	call(fw, 2, ID64(FW_PSCI_CPU_SUSPEND), 1u << 30, RAM_BASE + 8, 0x99);
	ck_assert_int_eq(C.fate, FW_FATE_SUSPEND);
	ck_assert(C.out.powerdown);
	ck_assert_uint_eq(C.out.entry, RAM_BASE + 8);
	ck_assert_uint_eq(C.out.context_id, 0x99);
	ck_assert_uint_eq(C.nret, 0);
	/* a refused call returns, whatever function it was */
	ck_assert_int_eq(call(fw, 0, ID64(FW_PSCI_SYSTEM_SUSPEND), RAM_BASE, 0, 0),
			 FW_PSCI_DENIED);
	ck_assert_int_eq(C.fate, FW_FATE_RETURN);
	ck_assert_uint_eq(C.nret, 1);
	call(fw, 0, ID64(FW_PSCI_SYSTEM_OFF2), FW_PSCI_OFF_TYPE_HIBERNATE, 0, 0);
	ck_assert_int_eq(C.fate, FW_FATE_SYSTEM_OFF);
	ck_assert_uint_eq(C.out.type, FW_PSCI_OFF_TYPE_HIBERNATE);
	call(fw, 0, ID32(FW_PSCI_SYSTEM_OFF), 0, 0, 0);
	ck_assert_int_eq(C.fate, FW_FATE_SYSTEM_OFF);
	ck_assert_uint_eq(C.out.type, 0);
	call(fw, 0, ID32(FW_PSCI_SYSTEM_RESET), 0, 0, 0);
	ck_assert_int_eq(C.fate, FW_FATE_SYSTEM_RESET);
	ck_assert(!C.out.warm);
	fw_destroy(fw);
}
END_TEST

static int fail_args(void *ctx, unsigned int n, uint64_t *args)
{
	unsigned int *asked = ctx;

	*asked = n;
	return -EIO;
}

static int fill_args(void *ctx, unsigned int n, uint64_t *args)
{
	unsigned int *asked = ctx;

	*asked = n;
	for (unsigned int i = 0; i < n; i++) {
		args[i] = 0xabcd000000000000ull | i;
	}
	return 0;
}

/* get_args reads exactly the call's argument count, once; a failure aborts. */
START_TEST(test_get_args)
{
	struct fw *fw = mkfw(2, FW_PSCI_1_1);
	unsigned int asked = 99;

	memset(&C, 0, sizeof(C));
	C.id = ID64(FW_PSCI_CPU_ON);
	C.get_args = fill_args;
	C.ctx = &asked;
	C.args[5] = 7;	/* stale: cleared */
	ck_assert_int_eq(fw_call(fw, 0, &C), FW_FATE_RETURN);
	ck_assert_uint_eq(asked, 3);
	ck_assert_uint_eq(C.args[5], 0);
	ck_assert_int_eq((int64_t)C.ret[0], FW_PSCI_INVALID_PARAMETERS); /* no such MPIDR */
	ck_assert_int_eq(F.on_calls, 0);

	asked = 99;
	memset(&C, 0, sizeof(C));
	C.id = ID32(FW_PSCI_VERSION);
	C.get_args = fill_args;
	C.ctx = &asked;
	ck_assert_int_eq(fw_call(fw, 0, &C), FW_FATE_RETURN);
	ck_assert_uint_eq(asked, 0);

	asked = 99;
	memset(&C, 0, sizeof(C));
	C.id = ID32(FW_PSCI_CPU_OFF);
	C.get_args = fail_args;
	C.ctx = &asked;
	ck_assert_int_eq(fw_call(fw, 0, &C), FW_FATE_ABORT);
	ck_assert_uint_eq(C.nret, 0);
	ck_assert_int_eq(fw_state(fw, 0), FW_POWER_ON);	/* nothing done */

	/* unknown IDs never read registers */
	asked = 99;
	memset(&C, 0, sizeof(C));
	C.id = 0x82000000u;
	C.get_args = fail_args;
	C.ctx = &asked;
	ck_assert_int_eq(fw_call(fw, 0, &C), FW_FATE_RETURN);
	ck_assert_uint_eq(asked, 99);
	ck_assert_int_eq((int64_t)C.ret[0], -1);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_system_off_reset)
{
	struct fw *fw = mkfw(2, FW_PSCI_1_1);
	uint32_t r2 = ID64(FW_PSCI_SYSTEM_RESET2);

	ck_assert_int_eq(call(fw, 0, ID32(FW_PSCI_SYSTEM_OFF), 5, 5, 5), 0);
	ck_assert_int_eq(C.fate, FW_FATE_SYSTEM_OFF);
	ck_assert_uint_eq(C.nret, 0);
	ck_assert_uint_eq(F.sys_off_calls, 1);
	ck_assert_uint_eq(F.type, 0);
	ck_assert_uint_eq(F.cookie, 0);
	ck_assert_int_eq(call(fw, 0, ID64(FW_PSCI_SYSTEM_OFF), 0, 0, 0), -1);
	call(fw, 0, ID32(FW_PSCI_SYSTEM_RESET), 5, 5, 5);
	ck_assert_uint_eq(C.nret, 0);
	ck_assert_uint_eq(F.sys_reset_calls, 1);
	ck_assert(!F.warm);
	ck_assert_int_eq(call(fw, 0, ID64(FW_PSCI_SYSTEM_RESET), 0, 0, 0), -1);

	call(fw, 0, r2, 0, 0x1122334455667788ull, 0);
	ck_assert_uint_eq(C.nret, 0);
	ck_assert(F.warm);
	ck_assert_uint_eq(F.type, 0);
	ck_assert_uint_eq(F.cookie, 0x1122334455667788ull);
	ck_assert_int_eq(C.fate, FW_FATE_SYSTEM_RESET);
	/* SMC32: the cookie is narrowed */
	call(fw, 0, ID32(FW_PSCI_SYSTEM_RESET2), 0xffffffff00000000ull,
	     0x1122334455667788ull, 0);
	ck_assert_uint_eq(F.cookie, 0x55667788u);
	ck_assert_uint_eq(F.sys_reset_calls, 3);
	/*
	 * Vendor reset types (bit 31): hotvm implements none, so each is an
	 * unsupported reset_type: INVALID_PARAMETERS, and the caller returns.
	 */
	ck_assert_int_eq(call(fw, 0, ID32(FW_PSCI_SYSTEM_RESET2),
			      0xffffffff80000005ull, 0x1122334455667788ull, 0),
			 (int32_t)FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(C.fate, FW_FATE_RETURN);
	ck_assert_uint_eq(C.nret, 1);
	ck_assert_int_eq(call(fw, 0, r2, 0x80000000u, 0, 0), FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(call(fw, 0, r2, 0xffffffffu, 0, 0), FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(call(fw, 0, r2, 1, 0, 0), FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(call(fw, 0, r2, 0x7fffffff, 0, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	ck_assert_uint_eq(F.sys_reset_calls, 3);
	ck_assert_int_eq(call(fw, 0, ID32(FW_PSCI_SYSTEM_OFF2), 1, 0, 0), -1);
	fw_destroy(fw);

	fw = mkfw(2, FW_PSCI_1_0);
	ck_assert_int_eq(call(fw, 0, r2, 0, 0, 0), -1);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_system_off2)
{
	struct fw *fw = mkfw(2, FW_PSCI_1_3);
	unsigned int w;

	for (w = 0; w < 2; w++) {
		uint32_t id = w ? ID64(0x15) : ID32(0x15);

		F.sys_off_calls = 0;
		call(fw, 0, id, FW_PSCI_OFF_TYPE_HIBERNATE, 0, 0);
		ck_assert_uint_eq(C.nret, 0);
		ck_assert_uint_eq(F.type, FW_PSCI_OFF_TYPE_HIBERNATE);
		F.type = 0;
		call(fw, 0, id, 0, 0, 0);
		ck_assert_uint_eq(C.nret, 0);
		ck_assert_uint_eq(F.type, FW_PSCI_OFF_TYPE_HIBERNATE);
		ck_assert_uint_eq(F.sys_off_calls, 2);
		ck_assert_int_eq(call(fw, 0, id, 2, 0, 0),
				 FW_PSCI_INVALID_PARAMETERS);
		ck_assert_int_eq(call(fw, 0, id, 0x80000001u, 0, 0),
				 FW_PSCI_INVALID_PARAMETERS);
		ck_assert_int_eq(call(fw, 0, id, 1, 1, 0),
				 FW_PSCI_INVALID_PARAMETERS);
		ck_assert_uint_eq(F.sys_off_calls, 2);
	}
	/* SMC32: a cookie with only high bits set is zero */
	call(fw, 0, ID32(0x15), 1, 0x100000000ull, 0);
	ck_assert_uint_eq(C.nret, 0);
	ck_assert_int_eq(call(fw, 0, ID64(0x15), 1, 0x100000000ull, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_system_suspend)
{
	struct fw *fw = mkfw(4, FW_PSCI_1_0);
	uint32_t ss = ID64(FW_PSCI_SYSTEM_SUSPEND);

	ck_assert_int_eq(call(fw, 0, ss, BAD_ADDR, 0, 0),
			 FW_PSCI_INVALID_ADDRESS);
	ck_assert_int_eq(call(fw, 0, ID64(3), 2, RAM_BASE, 0), 0);
	ck_assert_int_eq(call(fw, 0, ss, RAM_BASE, 0, 0), FW_PSCI_DENIED);
	fw_online(fw, 2);
	ck_assert_int_eq(call(fw, 0, ss, RAM_BASE, 0, 0), FW_PSCI_DENIED);
	call(fw, 2, ID32(1), 0, 0, 0);		/* standby is not OFF */
	ck_assert_int_eq(call(fw, 0, ss, RAM_BASE, 0, 0), FW_PSCI_DENIED);
	fw_resume(fw, 2);
	call(fw, 2, ID32(FW_PSCI_CPU_OFF), 0, 0, 0);
	call(fw, 0, ID32(FW_PSCI_SYSTEM_SUSPEND), 0xff00000000000000ull |
	     RAM_BASE, 0x1ff, 0);
	ck_assert_uint_eq(C.nret, 0);
	ck_assert_uint_eq(F.sys_suspend_calls, 1);
	ck_assert_uint_eq(F.cpu, 0);
	ck_assert_uint_eq(F.entry, RAM_BASE);
	ck_assert_uint_eq(F.context_id, 0x1ff);
	ck_assert_int_eq(fw_state(fw, 0), FW_POWER_SUSPENDED);
	ck_assert_int_eq(fw_resume(fw, 0), 0);
	/* the last running core need not be the boot CPU */
	bring_up(fw, 3);
	call(fw, 0, ID32(FW_PSCI_CPU_OFF), 0, 0, 0);
	call(fw, 3, ss, RAM_BASE + 4, 0x1234567890ull, 0);
	ck_assert_uint_eq(C.nret, 0);
	ck_assert_uint_eq(F.cpu, 3);
	ck_assert_uint_eq(F.context_id, 0x1234567890ull);
	ck_assert_int_eq(fw_state(fw, 3), FW_POWER_SUSPENDED);
	fw_reset(fw);
	ck_assert_int_eq(fw_state(fw, 3), FW_POWER_OFF);
	ck_assert_int_eq(fw_state(fw, 0), FW_POWER_ON);
	fw_destroy(fw);

	/* not offered unless configured */
	{
		struct fw_config cfg = { .ncpus = 1 };

		fw = mkfw_cfg(&cfg);
		ck_assert_int_eq(call(fw, 0, ss, RAM_BASE, 0, 0), -1);
		fw_destroy(fw);
	}
}
END_TEST

START_TEST(test_cpu_default_suspend)
{
	struct fw *fw = mkfw(2, FW_PSCI_1_0);

	ck_assert_int_eq(call(fw, 0, ID64(0xc), BAD_ADDR, 0, 0),
			 FW_PSCI_INVALID_ADDRESS);
	ck_assert_int_eq(fw_state(fw, 0), FW_POWER_ON);
	ck_assert_int_eq(call(fw, 0, ID64(0xc), RAM_BASE, 3, 0), 0);
	ck_assert_uint_eq(C.nret, 1);
	ck_assert_int_eq(fw_state(fw, 0), FW_POWER_STANDBY);
	ck_assert(!F.powerdown);
	fw_resume(fw, 0);
	ck_assert_int_eq(call(fw, 0, ID32(0xc), 0xf00000000ull | RAM_BASE, 3,
			      0), 0);
	fw_destroy(fw);
	fw = mkfw(2, FW_PSCI_0_2);
	ck_assert_int_eq(call(fw, 0, ID64(0xc), RAM_BASE, 3, 0), -1);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_node_hw_state)
{
	struct fw *fw = mkfw(20, FW_PSCI_1_0);
	uint32_t nh = ID64(FW_PSCI_NODE_HW_STATE);

	ck_assert_int_eq(call(fw, 0, nh, 0, 0, 0), FW_PSCI_HW_ON);
	ck_assert_int_eq(call(fw, 0, nh, 1, 0, 0), FW_PSCI_HW_OFF);
	ck_assert_int_eq(call(fw, 0, nh, 1, 1, 0), FW_PSCI_HW_ON);
	ck_assert_int_eq(call(fw, 0, nh, 0x100, 1, 0), FW_PSCI_HW_OFF);
	ck_assert_int_eq(call(fw, 0, nh, 0x103, 2, 0), FW_PSCI_HW_ON);
	ck_assert_int_eq(call(fw, 0, nh, 0x103, 3, 0), FW_PSCI_HW_ON);
	ck_assert_int_eq(call(fw, 0, nh, 0, 4, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(call(fw, 0, nh, 0x104, 1, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	ck_assert_int_eq(call(fw, 0, nh, 0x80000000u, 0, 0),
			 FW_PSCI_INVALID_PARAMETERS);
	bring_up(fw, 17);
	ck_assert_int_eq(call(fw, 0, nh, 0x101, 0, 0), FW_PSCI_HW_ON);
	call(fw, 17, ID32(1), 0, 0, 0);
	ck_assert_int_eq(call(fw, 0, nh, 0x101, 0, 0), FW_PSCI_HW_STANDBY);
	ck_assert_int_eq(call(fw, 0, ID32(0xd), 0x100, 1, 0),
			 FW_PSCI_HW_STANDBY);
	fw_resume(fw, 17);
	call(fw, 17, ID32(1), 1u << 30, RAM_BASE, 0);
	ck_assert_int_eq(call(fw, 0, nh, 0x101, 0, 0), FW_PSCI_HW_OFF);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_stats)
{
	struct fw *fw = mkfw(4, FW_PSCI_1_1);
	uint32_t res = ID64(FW_PSCI_STAT_RESIDENCY);
	uint32_t cnt = ID64(FW_PSCI_STAT_COUNT);
	uint32_t pd = 1u << 30;
	struct fw_status st;

	bring_up(fw, 1);
	ck_assert_int_eq(call(fw, 0, res, 1, 0, 0), 0);
	ck_assert_int_eq(call(fw, 0, cnt, 1, 0, 0), 0);
	F.now = 1000000;
	call(fw, 1, ID32(1), 0, 0, 0);			/* standby */
	F.now = 3000000;
	ck_assert_int_eq(call(fw, 0, res, 1, 0, 0), 2000);	/* ongoing */
	F.now = 5000000;
	fw_resume(fw, 1);
	F.now = 9000000;
	ck_assert_int_eq(call(fw, 0, res, 1, 0, 0), 4000);
	ck_assert_int_eq(call(fw, 0, cnt, 1, 0x1234, 0), 1);
	ck_assert_int_eq(call(fw, 0, res, 1, pd, 0), 0);
	call(fw, 1, ID64(1), pd, RAM_BASE, 0);		/* power-down */
	call(fw, 1, ID64(1), pd, RAM_BASE, 0);		/* implicit wake */
	F.now = 10000000;
	fw_resume(fw, 1);
	ck_assert_int_eq(call(fw, 0, cnt, 1, pd, 0), 2);
	ck_assert_int_eq(call(fw, 0, res, 1, pd, 0), 1000);
	ck_assert_int_eq(call(fw, 0, ID32(0x11), 1, pd, 0), 2);
	ck_assert_int_eq(call(fw, 0, ID32(0x10), 1, 0, 0), 4000);
	/* invalid target or power_state: 0 */
	ck_assert_int_eq(call(fw, 0, cnt, 9, pd, 0), 0);
	ck_assert_int_eq(call(fw, 0, cnt, 1, 1u << 31, 0), 0);
	ck_assert_int_eq(call(fw, 0, res, 1, 1u << 31, 0), 0);
	fw_status(fw, &st);
	ck_assert_uint_eq(st.cpu[1].suspend_count[0], 1);
	ck_assert_uint_eq(st.cpu[1].suspend_count[1], 2);
	ck_assert_uint_eq(st.cpu[1].residency_us[0], 4000);
	ck_assert_uint_eq(st.psci_calls[1][FW_PSCI_STAT_COUNT], 5);
	/* SMC32 results are clamped to 32 bits, not wrapped */
	F.now = 10000000 + 5000000000000ull;
	call(fw, 1, ID32(1), 0, 0, 0);
	F.now += 5000000000000ull;
	ck_assert_uint_eq(call(fw, 0, ID32(0x10), 1, 0, 0), UINT32_MAX);
	ck_assert_uint_eq(call(fw, 0, res, 1, 0, 0), 5000000000ull + 4000);
	/* a reset is a new boot */
	fw_reset(fw);
	ck_assert_int_eq(call(fw, 0, cnt, 1, pd, 0), 0);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_hotplug)
{
	struct fw_config cfg = { .ncpus = 4, .nenabled = 2 };
	struct fw *fw = mkfw_cfg(&cfg);
	uint32_t on = ID64(FW_PSCI_CPU_ON);

	ck_assert_int_eq(call(fw, 0, on, 2, RAM_BASE, 0), FW_PSCI_DENIED);
	ck_assert_int_eq(fw_enable(fw, 2), 0);
	ck_assert_int_eq(fw_enable(fw, 2), 0);
	ck_assert_int_eq(fw_enable(fw, 4), -EINVAL);
	ck_assert_int_eq(fw_disable(fw, 4), -EINVAL);
	ck_assert_int_eq(fw_disable(fw, 0), -EPERM);
	ck_assert_int_eq(call(fw, 0, on, 2, RAM_BASE, 0), 0);
	ck_assert_int_eq(fw_disable(fw, 2), -EBUSY);	/* ON_PENDING */
	fw_online(fw, 2);
	ck_assert_int_eq(fw_disable(fw, 2), -EBUSY);	/* ON */
	call(fw, 2, ID32(1), 0, 0, 0);
	ck_assert_int_eq(fw_disable(fw, 2), -EBUSY);	/* STANDBY */
	fw_resume(fw, 2);
	call(fw, 2, ID32(FW_PSCI_CPU_OFF), 0, 0, 0);
	ck_assert_int_eq(fw_disable(fw, 2), 0);
	ck_assert_int_eq(call(fw, 0, on, 2, RAM_BASE, 0), FW_PSCI_DENIED);
	/* a reset keeps the enabled flags */
	fw_reset(fw);
	ck_assert_int_eq(call(fw, 0, on, 2, RAM_BASE, 0), FW_PSCI_DENIED);
	ck_assert_int_eq(call(fw, 0, on, 1, RAM_BASE, 0), 0);
	fw_destroy(fw);
}
END_TEST

static void dummy_handler(void *opaque, unsigned int cpu, const void *fn,
			  struct fw_call *c)
{
	struct fw_call *seen = opaque;

	ck_assert_ptr_eq(fn, &dummy_handler);
	*seen = *c;
	c->ret[0] = cpu;
	c->ret[5] = 0x55;
	c->nret = 99;	/* the core clamps it */
}

/* nargs = the function number's low byte; the table entry handed back */
static bool dummy_lookup(void *opaque, uint32_t id, struct fw_fn *out)
{
	(void)opaque;
	out->nargs = id & 0xff;
	out->handler = dummy_handler;
	out->fn = &dummy_handler;
	return true;
}

/* every argument register (more than exist: the core clamps to 17) */
static bool all_lookup(void *opaque, uint32_t id, struct fw_fn *out)
{
	(void)opaque;
	(void)id;
	out->nargs = 99;
	out->handler = dummy_handler;
	out->fn = &dummy_handler;
	return true;
}

START_TEST(test_register)
{
	struct fw_config cfg = { .ncpus = 2, .no_trng = true };
	struct fw_call seen;
	struct fw_service svc = { "dummy", dummy_lookup, &seen };
	struct fw_service noargc = { "noargc", all_lookup, &seen };
	struct fw_service bad = { "bad", NULL, NULL };
	struct fw *fw = mkfw_cfg(&cfg);
	unsigned int i;

	ck_assert_int_eq(call(fw, 0, FW_TRNG_VERSION, 0, 0, 0), -1);
	ck_assert_int_eq(fw_register(fw, 0x84000010, 0x84000010, &svc),
			 -EEXIST);
	ck_assert_int_eq(fw_register(fw, 0x83ffffff, 0x84000000, &svc),
			 -EEXIST);
	ck_assert_int_eq(fw_register(fw, 0xc400001f, 0xc4000020, &svc),
			 -EEXIST);
	ck_assert_int_eq(fw_register(fw, 0x82000002, 0x82000001, &svc),
			 -EINVAL);
	ck_assert_int_eq(fw_register(fw, 0x82000000, 0x82000001, &bad),
			 -EINVAL);
	ck_assert_int_eq(fw_register(fw, 0x82000000, 0x8200ffff, &svc), 0);
	ck_assert_int_eq(fw_register(fw, 0x8200ff00, 0x82010000, &svc),
			 -EEXIST);
	ck_assert_int_eq(fw_register(fw, 0xc2000000, 0xc200ffff, &noargc), 0);
	ck_assert_int_eq(trng_register(fw), 0);
	ck_assert_int_eq(trng_register(fw), -EEXIST);
	ck_assert_int_eq(call(fw, 0, FW_TRNG_VERSION, 0, 0, 0), 0x10000);

	ck_assert_int_eq(fw_argc(fw, 0x82000003), 3);
	ck_assert_int_eq(fw_argc(fw, 0x820000ff), FW_NARGS);
	ck_assert_int_eq(fw_argc(fw, 0xc2000003), FW_NARGS);
	/* SMC32: arguments narrowed; past argc cleared; SVE hint stripped */
	memset(&C, 0, sizeof(C));
	C.id = 0x82010002;
	for (i = 0; i < FW_NARGS; i++) {
		C.args[i] = 0xffffffff00000000ull | i;
	}
	fw_call(fw, 1, &C);
	ck_assert_int_eq(C.ret[0], -1);		/* caller 1 is OFF */
	fw_call(fw, 0, &C);
	ck_assert_uint_eq(seen.id, 0x82000002);
	ck_assert_uint_eq(seen.args[0], 0);
	ck_assert_uint_eq(seen.args[1], 1);
	ck_assert_uint_eq(seen.args[2], 0);
	ck_assert_uint_eq(C.nret, FW_NRETS);
	ck_assert_uint_eq(C.ret[5], 0x55);
	C.id = 0xc2000002;
	for (i = 0; i < FW_NARGS; i++) {
		C.args[i] = 0xffffffff00000000ull | i;
	}
	fw_call(fw, 0, &C);
	ck_assert_uint_eq(seen.args[16], 0xffffffff00000010ull);

	for (i = 0; i < FW_MAX_SERVICES - 6; i++) {
		ck_assert_int_eq(fw_register(fw, 0x83000000 + i,
					     0x83000000 + i, &svc), 0);
	}
	ck_assert_int_eq(fw_register(fw, 0x87000000, 0x87000000, &svc),
			 -ENOSPC);
	fw_destroy(fw);
}
END_TEST

/* Racing CPU_ONs on one target: exactly one SUCCESS. */
#define RACERS		8
#define ROUNDS		2000

struct race {
	struct fw *fw;
	pthread_barrier_t start, done;
	atomic_int success, already, other;
	atomic_int disable_ok, disable_busy, disable_other;
	bool with_disable;
};

static void *racer(void *p)
{
	struct race *r = p;
	unsigned int me, i;
	static atomic_uint next;
	struct fw_call c;

	me = atomic_fetch_add(&next, 1) % RACERS;
	for (i = 0; i < ROUNDS; i++) {
		pthread_barrier_wait(&r->start);
		if (r->with_disable && me == 0) {
			int d = fw_disable(r->fw, 1);

			if (d == 0) {
				atomic_fetch_add(&r->disable_ok, 1);
			} else if (d == -EBUSY) {
				atomic_fetch_add(&r->disable_busy, 1);
			} else {
				atomic_fetch_add(&r->disable_other, 1);
			}
		} else {
			memset(&c, 0, sizeof(c));
			c.id = ID64(FW_PSCI_CPU_ON);
			c.args[0] = 1;
			c.args[1] = RAM_BASE;
			/* callers are cpus 0 and 2..8 */
			fw_call(r->fw, me == 0 ? 0 : me + 1, &c);
			if ((int64_t)c.ret[0] == FW_PSCI_SUCCESS) {
				atomic_fetch_add(&r->success, 1);
			} else if ((int64_t)c.ret[0] == FW_PSCI_ALREADY_ON) {
				atomic_fetch_add(&r->already, 1);
			} else if ((int64_t)c.ret[0] == FW_PSCI_DENIED) {
				atomic_fetch_add(&r->other, 1);
			} else {
				atomic_fetch_add(&r->other, 1000000);
			}
		}
		pthread_barrier_wait(&r->done);
		/* the checker thread resets the target between rounds */
		pthread_barrier_wait(&r->done);
	}
	return NULL;
}

static void run_race(bool with_disable)
{
	struct race r;
	pthread_t t[RACERS];
	unsigned int i, round;
	int s0, a0, o0, dok0, dbusy0;

	memset(&r, 0, sizeof(r));
	r.fw = mkfw(RACERS + 2, 0);
	r.with_disable = with_disable;
	for (i = 2; i <= RACERS; i++) {
		bring_up(r.fw, i);
	}
	pthread_barrier_init(&r.start, NULL, RACERS + 1);
	pthread_barrier_init(&r.done, NULL, RACERS + 1);
	for (i = 0; i < RACERS; i++) {
		pthread_create(&t[i], NULL, racer, &r);
	}
	for (round = 0; round < ROUNDS; round++) {
		s0 = atomic_load(&r.success);
		a0 = atomic_load(&r.already);
		o0 = atomic_load(&r.other);
		dok0 = atomic_load(&r.disable_ok);
		dbusy0 = atomic_load(&r.disable_busy);
		pthread_barrier_wait(&r.start);
		pthread_barrier_wait(&r.done);
		if (!with_disable) {
			ck_assert_int_eq(atomic_load(&r.success) - s0, 1);
			ck_assert_int_eq(atomic_load(&r.already) - a0,
					 RACERS - 1);
		} else if (atomic_load(&r.disable_ok) - dok0 == 1) {
			/* disable won: every CPU_ON was DENIED */
			ck_assert_int_eq(atomic_load(&r.success) - s0, 0);
			ck_assert_int_eq(atomic_load(&r.other) - o0,
					 RACERS - 1);
			ck_assert_int_eq(fw_state(r.fw, 1), FW_POWER_OFF);
		} else {
			/* a CPU_ON won: disable saw it and said EBUSY */
			ck_assert_int_eq(atomic_load(&r.disable_busy) - dbusy0,
					 1);
			ck_assert_int_eq(atomic_load(&r.success) - s0, 1);
			ck_assert_int_eq(atomic_load(&r.success) - s0 +
					 atomic_load(&r.already) - a0 +
					 atomic_load(&r.other) - o0,
					 RACERS - 1);
		}
		ck_assert_int_eq(atomic_load(&r.disable_other), 0);
		/* reset the target: let it run, then CPU_OFF itself */
		if (fw_state(r.fw, 1) == FW_POWER_ON_PENDING) {
			ck_assert_int_eq(fw_online(r.fw, 1), 0);
			call(r.fw, 1, ID32(FW_PSCI_CPU_OFF), 0, 0, 0);
		}
		fw_enable(r.fw, 1);
		pthread_barrier_wait(&r.done);
	}
	for (i = 0; i < RACERS; i++) {
		pthread_join(t[i], NULL);
	}
	pthread_barrier_destroy(&r.start);
	pthread_barrier_destroy(&r.done);
	fw_destroy(r.fw);
}

/* The ranges the backend forwards are exactly the registered services. */
START_TEST(test_ranges)
{
	struct fw_config cfg = { .ncpus = 1 };
	struct fw_service svc = { "vendor", dummy_lookup, NULL };
	struct fw *fw = mkfw_cfg(&cfg);
	uint32_t r[FW_MAX_SERVICES][2];
	unsigned int n;

	n = fw_ranges(fw, r, FW_MAX_SERVICES);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(r[0][0], 0x84000000);
	ck_assert_uint_eq(r[0][1], 0x8400001f);
	ck_assert_uint_eq(r[1][0], 0xc4000000);
	ck_assert_uint_eq(r[1][1], 0xc400001f);
	ck_assert_uint_eq(r[2][0], 0x84000050);
	ck_assert_uint_eq(r[2][1], 0x8400005f);
	ck_assert_uint_eq(r[3][0], 0xc4000050);
	ck_assert_uint_eq(r[3][1], 0xc400005f);
	ck_assert_int_eq(fw_register(fw, 0x86000010, 0x86000011, &svc), 0);
	ck_assert_uint_eq(fw_ranges(fw, r, 2), 5); /* count even when @max is short */
	ck_assert_uint_eq(fw_ranges(fw, r, FW_MAX_SERVICES), 5);
	ck_assert_uint_eq(r[4][0], 0x86000010);
	ck_assert_uint_eq(r[4][1], 0x86000011);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_race_cpu_on)
{
	run_race(false);
}
END_TEST

START_TEST(test_race_disable)
{
	run_race(true);
}
END_TEST

static Suite *psci_suite(void)
{
	Suite *s = suite_create("psci");
	TCase *tc = tcase_create("core");
	TCase *race = tcase_create("race");

	tcase_add_test(tc, test_create_invalid);
	tcase_add_test(tc, test_create_defaults);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_features_match_dispatch);
	tcase_add_test(tc, test_features_values);
	tcase_add_test(tc, test_routing);
	tcase_add_test(tc, test_argc);
	tcase_add_test(tc, test_cpu_suspend_original);
	tcase_add_test(tc, test_cpu_suspend_extended);
	tcase_add_test(tc, test_cpu_off);
	tcase_add_test(tc, test_cpu_on);
	tcase_add_test(tc, test_affinity_info);
	tcase_add_test(tc, test_not_implemented);
	tcase_add_test(tc, test_invalid_address_by_version);
	tcase_add_test(tc, test_fates);
	tcase_add_test(tc, test_get_args);
	tcase_add_test(tc, test_system_off_reset);
	tcase_add_test(tc, test_system_off2);
	tcase_add_test(tc, test_system_suspend);
	tcase_add_test(tc, test_cpu_default_suspend);
	tcase_add_test(tc, test_node_hw_state);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_hotplug);
	tcase_add_test(tc, test_register);
	tcase_add_test(tc, test_ranges);
	suite_add_tcase(s, tc);
	tcase_set_timeout(race, 120);
	tcase_add_test(race, test_race_cpu_on);
	tcase_add_test(race, test_race_disable);
	suite_add_tcase(s, race);
	return s;
}

int main(void)
{
	return unit_run(psci_suite());
}
