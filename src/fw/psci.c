// SPDX-License-Identifier: MIT
/*
 * PSCI (ARM DEN 0022F.b) over the platform hooks of struct fw_platform.
 *
 * One const table, indexed by function number, says for each function
 * which widths it accepts, from which PSCI version it exists, how many
 * argument registers it reads and which small static function answers it.
 * Dispatch (psci_lookup_fn(): argument count and handler from the same
 * entry), PSCI_FEATURES and fw_argc() all go through psci_lookup(), so
 * what is advertised and what is handled cannot drift apart.
 */
#include <errno.h>
#include <string.h>

#include "core.h"

#define PSCI_W32	0x1u
#define PSCI_W64	0x2u
#define PSCI_W_BOTH	(PSCI_W32 | PSCI_W64)

/* The result is a count, not a signed return code: never sign-extend it */
#define PSCI_F_UNSIGNED	0x1u

/* CPU_SUSPEND power_state, DEN 0022 CPU_SUSPEND: original and extended StateID formats */
#define PS_ORIG_TYPE		(1u << 16)
#define PS_ORIG_LEVEL_SHIFT	24
#define PS_ORIG_LEVEL_MASK	0x3u
#define PS_ORIG_RESERVED	0xfcfe0000u	/* bits 31:26 and 23:17 */
#define PS_EXT_TYPE		(1u << 30)
#define PS_EXT_RESERVED		0xb0000000u	/* bits 31 and 29:28 */

/* PSCI_FEATURES flags for CPU_SUSPEND (DEN 0022 PSCI_FEATURES) */
#define PSCI_FEAT_EXT_POWER_STATE	(1u << 1)

#define SMCCC_VERSION_ID	0x80000000u
#define RESET2_VENDOR		0x80000000u

/*
 * What one call is working on. Handlers return the PSCI result and, when
 * the caller does not simply return, set c->fate and c->out.
 */
struct psci_ctx {
	struct fw *fw;
	unsigned int cpu;
	bool smc64;
	const uint64_t *a;	/* a[0] = x1, already narrowed for SMC32 */
	struct fw_call *c;
};

struct psci_fn {
	const char *name;
	int64_t (*handler)(struct psci_ctx *x);
	int64_t (*features)(const struct fw *fw);	/* NULL: SUCCESS */
	bool (*offered)(const struct fw *fw);		/* NULL: always */
	uint32_t min_version;
	uint8_t widths;
	uint8_t nargs;
	uint8_t flags;
};

static const struct psci_fn *psci_lookup(const struct fw *fw, uint32_t fn,
					 bool smc64);

/* 32-bit parameters of SMC64 calls (power_state, levels, types) use Wn */
static uint32_t arg32(const struct psci_ctx *x, int i)
{
	return (uint32_t)x->a[i];
}

static bool ram_ok(struct fw *fw, uint64_t addr)
{
	return !fw->plat.ram_valid || fw->plat.ram_valid(fw->opaque, addr);
}

/*
 * Index of the CPU with exactly these affinity bits, or -1. The MPIDRs are
 * fixed at fw_create(): no lock needed.
 */
static int find_cpu(const struct fw *fw, uint64_t mpidr)
{
	unsigned int i;

	if (mpidr & ~FW_MPIDR_AFF_MASK) {
		return -1;
	}
	for (i = 0; i < fw->ncpus; i++) {
		if (fw->cpu[i].mpidr == mpidr) {
			return (int)i;
		}
	}
	return -1;
}

/* Affinity bits at and above @level (0..3) of an MPIDR (DEN 0022 AFFINITY_INFO) */
static uint64_t level_mask(uint32_t level)
{
	static const uint64_t masks[4] = {
		FW_MPIDR_AFF_MASK, 0xff00ffff00ull, 0xff00ff0000ull,
		0xff00000000ull,
	};

	return masks[level];
}

/*
 * Decode a power_state in the configured format. Only core-level states
 * exist on this platform: standby and power-down, with any StateID.
 * Returns false for a state with reserved bits set or a higher power level.
 */
static bool power_state_decode(const struct fw *fw, uint32_t ps,
			       bool *powerdown)
{
	if (fw->extended_suspend) {
		if (ps & PS_EXT_RESERVED) {
			return false;
		}
		*powerdown = ps & PS_EXT_TYPE;
		return true;
	}
	if (ps & PS_ORIG_RESERVED) {
		return false;
	}
	if ((ps >> PS_ORIG_LEVEL_SHIFT) & PS_ORIG_LEVEL_MASK) {
		return false;
	}
	*powerdown = ps & PS_ORIG_TYPE;
	return true;
}

static int64_t psci_version(struct psci_ctx *x)
{
	return x->fw->psci_version;
}

/*
 * Lock held. Enter a suspend state; the caller's thread waits for a
 * wake-up once fw_call() returns (power-down: resume at entry).
 */
static void suspend_cpu(struct psci_ctx *x, bool powerdown, uint64_t entry,
			uint64_t context_id)
{
	fw_enter(x->fw, x->cpu,
		 powerdown ? FW_POWER_SUSPENDED : FW_POWER_STANDBY);
	x->c->fate = FW_FATE_SUSPEND;
	x->c->out.powerdown = powerdown;
	x->c->out.entry = entry;
	x->c->out.context_id = context_id;
}

/*
 * DEN 0022 CPU_SUSPEND: standby returns SUCCESS once a wake-up event arrives;
 * power-down does not return but restarts at entry_point with context_id.
 */
static int64_t psci_cpu_suspend(struct psci_ctx *x)
{
	struct fw *fw = x->fw;
	uint64_t entry = x->a[1], context_id = x->a[2];
	bool powerdown;

	if (!power_state_decode(fw, arg32(x, 0), &powerdown)) {
		return FW_PSCI_INVALID_PARAMETERS;
	}
	if (powerdown && !ram_ok(fw, entry)) {
		return FW_PSCI_INVALID_ADDRESS;
	}
	pthread_mutex_lock(&fw->lock);
	if (powerdown) {
		suspend_cpu(x, true, entry, context_id);
	} else {
		suspend_cpu(x, false, 0, 0);
	}
	pthread_mutex_unlock(&fw->lock);
	return FW_PSCI_SUCCESS;
}

/* DEN 0022 CPU_OFF: on success CPU_OFF does not return. */
static int64_t psci_cpu_off(struct psci_ctx *x)
{
	struct fw *fw = x->fw;

	pthread_mutex_lock(&fw->lock);
	fw_enter(fw, x->cpu, FW_POWER_OFF);
	pthread_mutex_unlock(&fw->lock);
	x->c->fate = FW_FATE_OFF;
	return FW_PSCI_SUCCESS;
}

/*
 * DEN 0022 CPU_ON. The state check, the enabled check and the move to
 * ON_PENDING happen under one lock hold, which gives concurrent callers on
 * one target exactly one SUCCESS and makes hot-plug disable race cleanly.
 * The platform starts the target after the lock is dropped (ON_PENDING
 * already keeps every other caller away); if it cannot, the target goes
 * back to OFF.
 * A target that is ON_PENDING answers ALREADY_ON, not ON_PENDING: that is
 * what conformance suites expect from racing CPU_ONs (the ON_PENDING code
 * is for implementations where CPU_ON completes asynchronously).
 */
static int64_t psci_cpu_on(struct psci_ctx *x)
{
	struct fw *fw = x->fw;
	uint64_t entry = x->a[1], context_id = x->a[2];
	int64_t ret = FW_PSCI_SUCCESS;
	struct fw_cpu *t;
	int target;

	target = find_cpu(fw, x->a[0]);
	if (target < 0) {
		return FW_PSCI_INVALID_PARAMETERS;
	}
	if (!ram_ok(fw, entry)) {
		return FW_PSCI_INVALID_ADDRESS;
	}
	t = &fw->cpu[target];

	if (fw->plat.cpu_allowed &&
	    !fw->plat.cpu_allowed(fw->opaque, (unsigned int)target)) {
		return FW_PSCI_DENIED;
	}
	pthread_mutex_lock(&fw->lock);
	if (t->power != FW_POWER_OFF) {
		ret = FW_PSCI_ALREADY_ON;
	} else if (!t->enabled) {
		ret = FW_PSCI_DENIED;
	} else {
		t->power = FW_POWER_ON_PENDING;
	}
	pthread_mutex_unlock(&fw->lock);
	if (ret != FW_PSCI_SUCCESS) {
		return ret;
	}
	if (fw->plat.cpu_on(fw->opaque, x->cpu, (unsigned int)target, entry,
			    context_id)) {
		pthread_mutex_lock(&fw->lock);
		t->power = FW_POWER_OFF;
		pthread_mutex_unlock(&fw->lock);
		return FW_PSCI_INTERNAL_FAILURE;
	}
	return FW_PSCI_SUCCESS;
}

/*
 * DEN 0022 AFFINITY_INFO. Above level 0 the node is ON if any core in it is ON,
 * else ON_PENDING if any is, else OFF. A suspended core is ON here: only
 * CPU_OFF makes a core OFF for AFFINITY_INFO.
 */
static int64_t psci_affinity_info(struct psci_ctx *x)
{
	struct fw *fw = x->fw;
	uint32_t level = arg32(x, 1);
	uint64_t target = x->a[0], mask;
	bool found = false, on = false, pending = false;
	unsigned int i;

	if (level > 3 || (target & ~FW_MPIDR_AFF_MASK)) {
		return FW_PSCI_INVALID_PARAMETERS;
	}
	mask = level_mask(level);
	target &= mask;
	pthread_mutex_lock(&fw->lock);
	for (i = 0; i < fw->ncpus; i++) {
		if ((fw->cpu[i].mpidr & mask) != target) {
			continue;
		}
		found = true;
		if (fw->cpu[i].power == FW_POWER_ON_PENDING) {
			pending = true;
		} else if (fw->cpu[i].power != FW_POWER_OFF) {
			on = true;
		}
	}
	pthread_mutex_unlock(&fw->lock);
	if (!found) {
		return FW_PSCI_INVALID_PARAMETERS;
	}
	if (on) {
		return FW_PSCI_AFF_ON;
	}
	return pending ? FW_PSCI_AFF_ON_PENDING : FW_PSCI_AFF_OFF;
}

/* DEN 0022 MIGRATE_INFO_TYPE: 2 = no Trusted OS that needs migration */
static int64_t psci_migrate_info_type(struct psci_ctx *x)
{
	(void)x;
	return 2;
}

/* DEN 0022 SYSTEM_OFF, SYSTEM_RESET: neither returns. */
static int64_t psci_system_off(struct psci_ctx *x)
{
	x->c->fate = FW_FATE_SYSTEM_OFF;
	return FW_PSCI_SUCCESS;
}

static int64_t psci_system_reset(struct psci_ctx *x)
{
	x->c->fate = FW_FATE_SYSTEM_RESET;
	return FW_PSCI_SUCCESS;
}

/*
 * DEN 0022 PSCI_FEATURES. SMCCC_VERSION is answered by KVM itself (SMCCC 1.1+), and
 * Linux asks PSCI_FEATURES whether it may call it: say SUCCESS, as KVM's
 * own PSCI does. Anything that is not a PSCI function is NOT_SUPPORTED.
 */
static int64_t psci_features(struct psci_ctx *x)
{
	uint32_t fid = arg32(x, 0);
	const struct psci_fn *f;

	if (fid == SMCCC_VERSION_ID) {
		return FW_PSCI_SUCCESS;
	}
	if ((fid & ~(FW_SMCCC_SMC64 | (FW_PSCI_NFUNCS - 1))) != FW_PSCI_BASE32) {
		return FW_PSCI_NOT_SUPPORTED;
	}
	f = psci_lookup(x->fw, fid & (FW_PSCI_NFUNCS - 1),
			fid & FW_SMCCC_SMC64);
	if (!f) {
		return FW_PSCI_NOT_SUPPORTED;
	}
	return f->features ? f->features(x->fw) : FW_PSCI_SUCCESS;
}

static int64_t cpu_suspend_features(const struct fw *fw)
{
	/* bit 1: extended StateID format; bit 0 (OS-initiated) clear */
	return fw->extended_suspend ? PSCI_FEAT_EXT_POWER_STATE : 0;
}

/*
 * DEN 0022 CPU_DEFAULT_SUSPEND: the platform's default low-power state. Ours is standby,
 * which returns SUCCESS on wake-up; entry_point is still validated since
 * the caller must be prepared for a power-down resume there.
 */
static int64_t psci_cpu_default_suspend(struct psci_ctx *x)
{
	struct fw *fw = x->fw;

	if (!ram_ok(fw, x->a[0])) {
		return FW_PSCI_INVALID_ADDRESS;
	}
	pthread_mutex_lock(&fw->lock);
	suspend_cpu(x, false, x->a[0], x->a[1]);
	pthread_mutex_unlock(&fw->lock);
	return FW_PSCI_SUCCESS;
}

static int hw_state(enum fw_power p)
{
	switch (p) {
	case FW_POWER_ON:
		return FW_PSCI_HW_ON;
	case FW_POWER_STANDBY:
		return FW_PSCI_HW_STANDBY;
	default:
		/* OFF, powered-down suspend, and not yet started */
		return FW_PSCI_HW_OFF;
	}
}

/*
 * DEN 0022 NODE_HW_STATE: the hardware state of the node at power_level that
 * contains target_cpu. A node is ON if any core in it is, else STANDBY if
 * any is, else OFF.
 */
static int64_t psci_node_hw_state(struct psci_ctx *x)
{
	struct fw *fw = x->fw;
	uint32_t level = arg32(x, 1);
	int64_t ret = FW_PSCI_HW_OFF;
	uint64_t mask, node;
	unsigned int i;
	int target, s;

	if (level > 3) {
		return FW_PSCI_INVALID_PARAMETERS;
	}
	target = find_cpu(fw, x->a[0]);
	if (target < 0) {
		return FW_PSCI_INVALID_PARAMETERS;
	}
	mask = level_mask(level);
	node = x->a[0] & mask;
	pthread_mutex_lock(&fw->lock);
	for (i = 0; i < fw->ncpus; i++) {
		if ((fw->cpu[i].mpidr & mask) != node) {
			continue;
		}
		s = hw_state(fw->cpu[i].power);
		if (s == FW_PSCI_HW_ON) {
			ret = FW_PSCI_HW_ON;
		} else if (s == FW_PSCI_HW_STANDBY && ret != FW_PSCI_HW_ON) {
			ret = FW_PSCI_HW_STANDBY;
		}
	}
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

/* DEN 0022 SYSTEM_SUSPEND: only the last running core may suspend the system. */
static int64_t psci_system_suspend(struct psci_ctx *x)
{
	struct fw *fw = x->fw;
	uint64_t entry = x->a[0], context_id = x->a[1];
	unsigned int i;

	if (!ram_ok(fw, entry)) {
		return FW_PSCI_INVALID_ADDRESS;
	}
	pthread_mutex_lock(&fw->lock);
	for (i = 0; i < fw->ncpus; i++) {
		if (i != x->cpu && fw->cpu[i].power != FW_POWER_OFF) {
			pthread_mutex_unlock(&fw->lock);
			return FW_PSCI_DENIED;
		}
	}
	suspend_cpu(x, true, entry, context_id);
	pthread_mutex_unlock(&fw->lock);
	x->c->out.system = true;
	return FW_PSCI_SUCCESS;
}

/*
 * Sections 5.21-5.22. The statistics are kept per core for the two states
 * this platform has (standby, power-down), whatever StateID selected them.
 * The result is a value, not a status: an unknown core or an invalid
 * power_state gives 0 (as TF-A does). Residency is in microseconds and
 * includes the current stay if the core is in that state now.
 */
static int64_t psci_stat(struct psci_ctx *x, bool residency)
{
	struct fw *fw = x->fw;
	struct fw_cpu *c;
	uint64_t v, now;
	bool powerdown;
	int target, k;

	target = find_cpu(fw, x->a[0]);
	if (target < 0 || !power_state_decode(fw, arg32(x, 1), &powerdown)) {
		return 0;
	}
	k = powerdown ? FW_STAT_POWERDOWN : FW_STAT_STANDBY;
	c = &fw->cpu[target];
	pthread_mutex_lock(&fw->lock);
	if (!residency) {
		v = c->count[k];
	} else {
		v = c->residency_ns[k];
		if (c->power == (powerdown ? FW_POWER_SUSPENDED :
					     FW_POWER_STANDBY)) {
			now = fw_now(fw);
			if (now > c->since_ns) {
				v += now - c->since_ns;
			}
		}
		v /= 1000;
	}
	pthread_mutex_unlock(&fw->lock);
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

static int64_t psci_stat_residency(struct psci_ctx *x)
{
	return psci_stat(x, true);
}

static int64_t psci_stat_count(struct psci_ctx *x)
{
	return psci_stat(x, false);
}

/*
 * DEN 0022 SYSTEM_RESET2: reset_type bit 31 clear is architectural,
 * and the only architectural type is 0 (SYSTEM_WARM_RESET); bit 31 set is
 * a vendor-specific type. This platform implements no vendor type, so
 * every one is a reset_type it does not support: INVALID_PARAMETERS, and
 * the system keeps running (TF-A's generic layer leaves vendor types to
 * the platform, whose answer for an unknown one is INVALID_PARAMETERS).
 */
static int64_t psci_system_reset2(struct psci_ctx *x)
{
	uint32_t type = arg32(x, 0);

	if (type != 0) {
		return FW_PSCI_INVALID_PARAMETERS;
	}
	x->c->fate = FW_FATE_SYSTEM_RESET;
	x->c->out.warm = true;
	x->c->out.type = type;
	x->c->out.cookie = x->a[1];
	return FW_PSCI_SUCCESS;
}

/*
 * DEN 0022F.b SYSTEM_OFF2 (PSCI 1.3): HIBERNATE_OFF is type 0x1, and 0 must be accepted
 * as the same (DEN 0022F.b; guests built against the earlier draft pass
 * 0). The cookie is reserved and must be zero.
 */
static int64_t psci_system_off2(struct psci_ctx *x)
{
	uint32_t type = arg32(x, 0);

	if ((type != 0 && type != FW_PSCI_OFF_TYPE_HIBERNATE) || x->a[1]) {
		return FW_PSCI_INVALID_PARAMETERS;
	}
	x->c->fate = FW_FATE_SYSTEM_OFF;
	x->c->out.type = FW_PSCI_OFF_TYPE_HIBERNATE;
	return FW_PSCI_SUCCESS;
}

static int64_t system_off2_features(const struct fw *fw)
{
	(void)fw;
	/* bitmask of supported off types: bit 0 = HIBERNATE_OFF */
	return 1;
}

static bool system_suspend_offered(const struct fw *fw)
{
	return fw->system_suspend;
}

static bool system_off2_offered(const struct fw *fw)
{
	return fw->system_off2;
}

/*
 * Functions absent from this table are NOT_SUPPORTED everywhere: MIGRATE
 * and MIGRATE_INFO_UP_CPU (MIGRATE_INFO_TYPE says 2: DEN 0022 MIGRATE),
 * CPU_FREEZE, PSCI_SET_SUSPEND_MODE (platform-coordinated mode only),
 * MEM_PROTECT and MEM_PROTECT_CHECK_RANGE.
 */
static const struct psci_fn psci_fns[FW_PSCI_NFUNCS] = {
	[FW_PSCI_VERSION] = {
		"PSCI_VERSION", psci_version, NULL, NULL,
		FW_PSCI_0_2, PSCI_W32, 0, PSCI_F_UNSIGNED,
	},
	[FW_PSCI_CPU_SUSPEND] = {
		"CPU_SUSPEND", psci_cpu_suspend, cpu_suspend_features, NULL,
		FW_PSCI_0_2, PSCI_W_BOTH, 3, 0,
	},
	[FW_PSCI_CPU_OFF] = {
		"CPU_OFF", psci_cpu_off, NULL, NULL,
		FW_PSCI_0_2, PSCI_W32, 0, 0,
	},
	[FW_PSCI_CPU_ON] = {
		"CPU_ON", psci_cpu_on, NULL, NULL,
		FW_PSCI_0_2, PSCI_W_BOTH, 3, 0,
	},
	[FW_PSCI_AFFINITY_INFO] = {
		"AFFINITY_INFO", psci_affinity_info, NULL, NULL,
		FW_PSCI_0_2, PSCI_W_BOTH, 2, 0,
	},
	[FW_PSCI_MIGRATE_INFO_TYPE] = {
		"MIGRATE_INFO_TYPE", psci_migrate_info_type, NULL, NULL,
		FW_PSCI_0_2, PSCI_W32, 0, 0,
	},
	[FW_PSCI_SYSTEM_OFF] = {
		"SYSTEM_OFF", psci_system_off, NULL, NULL,
		FW_PSCI_0_2, PSCI_W32, 0, 0,
	},
	[FW_PSCI_SYSTEM_RESET] = {
		"SYSTEM_RESET", psci_system_reset, NULL, NULL,
		FW_PSCI_0_2, PSCI_W32, 0, 0,
	},
	[FW_PSCI_FEATURES] = {
		"PSCI_FEATURES", psci_features, NULL, NULL,
		FW_PSCI_1_0, PSCI_W32, 1, 0,
	},
	[FW_PSCI_CPU_DEFAULT_SUSPEND] = {
		"CPU_DEFAULT_SUSPEND", psci_cpu_default_suspend, NULL, NULL,
		FW_PSCI_1_0, PSCI_W_BOTH, 2, 0,
	},
	[FW_PSCI_NODE_HW_STATE] = {
		"NODE_HW_STATE", psci_node_hw_state, NULL, NULL,
		FW_PSCI_1_0, PSCI_W_BOTH, 2, 0,
	},
	[FW_PSCI_SYSTEM_SUSPEND] = {
		"SYSTEM_SUSPEND", psci_system_suspend, NULL,
		system_suspend_offered,
		FW_PSCI_1_0, PSCI_W_BOTH, 2, 0,
	},
	[FW_PSCI_STAT_RESIDENCY] = {
		"PSCI_STAT_RESIDENCY", psci_stat_residency, NULL, NULL,
		FW_PSCI_1_0, PSCI_W_BOTH, 2, PSCI_F_UNSIGNED,
	},
	[FW_PSCI_STAT_COUNT] = {
		"PSCI_STAT_COUNT", psci_stat_count, NULL, NULL,
		FW_PSCI_1_0, PSCI_W_BOTH, 2, PSCI_F_UNSIGNED,
	},
	[FW_PSCI_SYSTEM_RESET2] = {
		"SYSTEM_RESET2", psci_system_reset2, NULL, NULL,
		FW_PSCI_1_1, PSCI_W_BOTH, 2, 0,
	},
	[FW_PSCI_SYSTEM_OFF2] = {
		"SYSTEM_OFF2", psci_system_off2, system_off2_features,
		system_off2_offered,
		FW_PSCI_1_3, PSCI_W_BOTH, 2, 0,
	},
};

/* The one place that decides whether a function exists for this guest. */
static const struct psci_fn *psci_lookup(const struct fw *fw, uint32_t fn,
					 bool smc64)
{
	const struct psci_fn *f;

	if (fn >= FW_PSCI_NFUNCS) {
		return NULL;
	}
	f = &psci_fns[fn];
	if (!f->handler || fw->psci_version < f->min_version) {
		return NULL;
	}
	if (!(f->widths & (smc64 ? PSCI_W64 : PSCI_W32))) {
		return NULL;
	}
	if (f->offered && !f->offered(fw)) {
		return NULL;
	}
	return f;
}

/* Encode a result for x0: SMC32 results are 32-bit (DEN 0028 2.6). */
static uint64_t psci_result(const struct psci_fn *f, bool smc64, int64_t v)
{
	if (smc64) {
		return (uint64_t)v;
	}
	if (f->flags & PSCI_F_UNSIGNED) {
		return v > (int64_t)UINT32_MAX ? UINT32_MAX : (uint64_t)v;
	}
	/* negative codes are sign-extended, as KVM and guests expect */
	return (uint64_t)(int64_t)(int32_t)v;
}

static void psci_handle(void *opaque, unsigned int cpu, const void *fn,
			struct fw_call *c)
{
	const struct psci_fn *f = fn;
	struct psci_ctx x = {
		.fw = opaque,
		.cpu = cpu,
		.smc64 = c->id & FW_SMCCC_SMC64,
		.a = c->args,
		.c = c,
	};
	int64_t ret = f->handler(&x);

	/*
	 * INVALID_ADDRESS (-9) came with PSCI 1.0; PSCI 0.2 reports a bad
	 * entry point as INVALID_PARAMETERS (DEN 0022C, return codes).
	 */
	if (ret == FW_PSCI_INVALID_ADDRESS && x.fw->psci_version < FW_PSCI_1_0) {
		ret = FW_PSCI_INVALID_PARAMETERS;
	}
	/* the single place where a PSCI result reaches the guest's x0 */
	c->ret[0] = psci_result(f, x.smc64, ret);
	c->nret = c->fate == FW_FATE_RETURN ||
			  (c->fate == FW_FATE_SUSPEND && !c->out.powerdown) ?
		  1 : 0;
}

/* Lock held (fw_resolve): one table entry gives nargs and the handler. */
bool psci_lookup_fn(struct fw *fw, uint32_t id, struct fw_fn *out)
{
	uint32_t fn = id & FW_SMCCC_FN_MASK;
	bool smc64 = id & FW_SMCCC_SMC64;
	const struct psci_fn *f = psci_lookup(fw, fn, smc64);

	if (!f) {
		return false;
	}
	out->nargs = f->nargs;
	out->handler = psci_handle;
	out->fn = f;
	out->counter = &fw->psci_calls[smc64][fn];
	return true;
}
