/* SPDX-License-Identifier: MIT */
/*
 * hotvm firmware core: the guest's SMCCC calls (ARM DEN 0028), PSCI
 * (ARM DEN 0022) and TRNG (ARM DEN 0098), answered in userspace.
 *
 * Host independent: no KVM, no ioctl, no threads of its own. The backend
 * turns a trapped HVC/SMC into a struct fw_call and hands it to fw_call(),
 * which enters the core once: one lookup gives the argument count and the
 * handler, the backend's get_args() reads exactly that many registers, the
 * handler answers, and fw_call() returns the caller's fate: return to the
 * guest with c->nret result registers, power off, suspend, system off or
 * system reset. The backend acts on its own vCPU from that fate; hooks
 * (struct fw_platform) remain only for acting on *other* vCPUs (CPU_ON)
 * and for policy (ram_valid, cpu_allowed).
 *
 * Locking
 * -------
 * All per-vCPU state (power state, enabled flag, residency statistics), the
 * service table and the call counters are protected by one mutex inside
 * struct fw. Every public function may be called concurrently from any vCPU
 * thread and from a control thread. The multi-CPU views (AFFINITY_INFO
 * above level 0, SYSTEM_SUSPEND's "all others off", fw_resize()) are exact
 * because each is decided under one hold of that lock.
 *
 * No hook is called with the core's lock held, and no system call is made
 * under it: cpu_on runs after the target moved to ON_PENDING (a concurrent
 * CPU_ON of the same target already answers ALREADY_ON, fw_disable() EBUSY),
 * ram_valid and cpu_allowed are pure queries, now_ns must not block. Hooks
 * must not call fw_call(); they may call the query functions. A service's
 * lookup() is called WITH the lock held and must only read its own tables;
 * its handler is called without the lock.
 */
#ifndef HOTVM_FW_H
#define HOTVM_FW_H

#include <stdbool.h>
#include <stdint.h>

#define FW_MAX_CPUS		512
#define FW_MAX_SERVICES		16
#define FW_NARGS		17	/* x1..x17 (SMCCC 1.2) */
#define FW_NRETS		18	/* x0..x17 */

/* SMCCC function ID fields, ARM DEN 0028 section 2.5 */
#define FW_SMCCC_FAST		(1u << 31)
#define FW_SMCCC_SMC64		(1u << 30)
#define FW_SMCCC_OWNER_SHIFT	24
#define FW_SMCCC_OWNER_MASK	0x3fu
#define FW_SMCCC_RESERVED	0x00fe0000u	/* bits 23:17, must be zero */
#define FW_SMCCC_SVE_HINT	(1u << 16)	/* SMCCC 1.3, ignored for routing */
#define FW_SMCCC_FN_MASK	0xffffu
#define FW_SMCCC_NOT_SUPPORTED	(-1)

/* PSCI (ARM DEN 0022), function n is 0x84000000 + n / 0xc4000000 + n */
#define FW_PSCI_BASE32		0x84000000u
#define FW_PSCI_BASE64		0xc4000000u
#define FW_PSCI_NFUNCS		0x20u

#define FW_PSCI_VERSION			0x00
#define FW_PSCI_CPU_SUSPEND		0x01
#define FW_PSCI_CPU_OFF			0x02
#define FW_PSCI_CPU_ON			0x03
#define FW_PSCI_AFFINITY_INFO		0x04
#define FW_PSCI_MIGRATE			0x05
#define FW_PSCI_MIGRATE_INFO_TYPE	0x06
#define FW_PSCI_MIGRATE_INFO_UP_CPU	0x07
#define FW_PSCI_SYSTEM_OFF		0x08
#define FW_PSCI_SYSTEM_RESET		0x09
#define FW_PSCI_FEATURES		0x0a
#define FW_PSCI_CPU_FREEZE		0x0b
#define FW_PSCI_CPU_DEFAULT_SUSPEND	0x0c
#define FW_PSCI_NODE_HW_STATE		0x0d
#define FW_PSCI_SYSTEM_SUSPEND		0x0e
#define FW_PSCI_SET_SUSPEND_MODE	0x0f
#define FW_PSCI_STAT_RESIDENCY		0x10
#define FW_PSCI_STAT_COUNT		0x11
#define FW_PSCI_SYSTEM_RESET2		0x12
#define FW_PSCI_MEM_PROTECT		0x13
#define FW_PSCI_MEM_PROTECT_CHECK_RANGE	0x14
#define FW_PSCI_SYSTEM_OFF2		0x15

#define FW_PSCI_0_2		0x00000002u
#define FW_PSCI_1_0		0x00010000u
#define FW_PSCI_1_1		0x00010001u
#define FW_PSCI_1_3		0x00010003u

/* PSCI return codes (ARM DEN 0022) */
#define FW_PSCI_SUCCESS			0
#define FW_PSCI_NOT_SUPPORTED		(-1)
#define FW_PSCI_INVALID_PARAMETERS	(-2)
#define FW_PSCI_DENIED			(-3)
#define FW_PSCI_ALREADY_ON		(-4)
#define FW_PSCI_ON_PENDING		(-5)
#define FW_PSCI_INTERNAL_FAILURE	(-6)
#define FW_PSCI_NOT_PRESENT		(-7)
#define FW_PSCI_DISABLED		(-8)
#define FW_PSCI_INVALID_ADDRESS		(-9)

/* AFFINITY_INFO results and NODE_HW_STATE results (DEN 0022) */
#define FW_PSCI_AFF_ON			0
#define FW_PSCI_AFF_OFF			1
#define FW_PSCI_AFF_ON_PENDING		2
#define FW_PSCI_HW_ON			0
#define FW_PSCI_HW_OFF			1
#define FW_PSCI_HW_STANDBY		2

/* SYSTEM_OFF2 types (PSCI 1.3) */
#define FW_PSCI_OFF_TYPE_HIBERNATE	0x1u

/* TRNG (ARM DEN 0098) */
#define FW_TRNG_VERSION		0x84000050u
#define FW_TRNG_FEATURES	0x84000051u
#define FW_TRNG_GET_UUID	0x84000052u
#define FW_TRNG_RND32		0x84000053u
#define FW_TRNG_RND64		0xc4000053u
#define FW_TRNG_FIRST		0x50u
#define FW_TRNG_LAST		0x5fu

/* MPIDR_EL1 affinity fields Aff3 (39:32) and Aff2..Aff0 (23:0) */
#define FW_MPIDR_AFF_MASK	0xff00ffffffull

enum fw_power {
	FW_POWER_OFF,
	FW_POWER_ON_PENDING,	/* CPU_ON accepted, target not running yet */
	FW_POWER_ON,
	FW_POWER_STANDBY,	/* CPU_SUSPEND standby / CPU_DEFAULT_SUSPEND */
	FW_POWER_SUSPENDED,	/* powered-down suspend, SYSTEM_SUSPEND */
};

/* What happens to the calling vCPU once fw_call() returns. */
enum fw_fate {
	FW_FATE_RETURN,		/* write ret[0..nret-1], run on */
	FW_FATE_OFF,		/* CPU_OFF: the caller is OFF now; stop it */
	/*
	 * CPU_SUSPEND, CPU_DEFAULT_SUSPEND, SYSTEM_SUSPEND: wait for a wake-up
	 * event, then fw_resume(). Standby (!powerdown): write ret[0] (nret =
	 * 1, SUCCESS) and continue after the call on wake. Power-down: nret =
	 * 0, the context is lost: resume at entry with x0 = context_id.
	 */
	FW_FATE_SUSPEND,
	FW_FATE_SYSTEM_OFF,	/* SYSTEM_OFF (type 0) or SYSTEM_OFF2 (type) */
	FW_FATE_SYSTEM_RESET,	/* SYSTEM_RESET or SYSTEM_RESET2 */
	FW_FATE_ABORT,		/* get_args() failed: nothing was done */
};

/* One SMCCC call: the backend fills the first part, fw_call() the rest. */
struct fw_call {
	uint32_t id;			/* function ID from w0 */
	bool smc;			/* conduit: SMC (else HVC) */
	/*
	 * Read x1..x@n into @args (called once, outside the core's lock,
	 * with n the call's argument count); 0 or a negative errno (fw_call()
	 * then returns FW_FATE_ABORT). NULL: args[] are already filled.
	 */
	int (*get_args)(void *ctx, unsigned int n, uint64_t *args);
	void *ctx;
	uint64_t args[FW_NARGS];	/* x1..x17; past the count: zero */

	/* filled by fw_call() */
	enum fw_fate fate;
	uint64_t ret[FW_NRETS];		/* x0..x17 results */
	unsigned int nret;		/* how many of ret[] to write (from x0) */
	struct fw_fate_detail {
		bool powerdown;		/* SUSPEND: power-down (else standby) */
		bool system;		/* SUSPEND: it was SYSTEM_SUSPEND */
		uint64_t entry;		/* SUSPEND power-down: resume here */
		uint64_t context_id;	/* ... with x0 = this */
		bool warm;		/* SYSTEM_RESET2 architectural warm reset */
		uint32_t type;		/* SYSTEM_OFF2 type / SYSTEM_RESET2 type */
		uint64_t cookie;	/* SYSTEM_RESET2 cookie */
	} out;
};

/* Hooks the VMM implements. opaque is the pointer given to fw_create(). */
struct fw_platform {
	/*
	 * Power on @cpu at @entry with x0 = @context_id (DEN 0022 CPU_ON), asked by
	 * vCPU @caller (the target takes the caller's endianness: DEN 0022's CPU_ON
	 * entry conditions).
	 * Called without the core's lock, after the core moved the target to
	 * ON_PENDING; it becomes ON when the backend calls fw_online(). Must
	 * not block on the target. Non-zero return: the core rolls the target
	 * back to OFF and the caller gets INTERNAL_FAILURE. Required.
	 */
	int (*cpu_on)(void *opaque, unsigned int caller, unsigned int cpu,
		      uint64_t entry, uint64_t context_id);
	/* Is @addr inside guest RAM? NULL: every address is. */
	bool (*ram_valid)(void *opaque, uint64_t addr);
	/* May @cpu be powered on now (extra policy)? NULL: yes. */
	bool (*cpu_allowed)(void *opaque, unsigned int cpu);
	/* Monotonic nanoseconds for PSCI_STAT_*; NULL: CLOCK_MONOTONIC. */
	uint64_t (*now_ns)(void *opaque);
};

enum fw_suspend_format {
	FW_SUSPEND_DEFAULT,	/* extended for PSCI >= 1.0, else original */
	FW_SUSPEND_ORIGINAL,	/* power_state bit 16 = power-down */
	FW_SUSPEND_EXTENDED,	/* power_state bit 30 = power-down (1.0+) */
};

/* A zeroed struct plus ncpus is a valid configuration. */
struct fw_config {
	unsigned int ncpus;		/* possible vCPUs, 1..FW_MAX_CPUS */
	unsigned int nenabled;		/* 0..nenabled-1 enabled; 0: all */
	/*
	 * MPIDR of each vCPU (ncpus entries, e.g. read from KVM); only the
	 * affinity fields are used, other bits (RES1 bit 31, U, MT) are
	 * masked off. NULL: the default Aff0 = i % 16, Aff1 = (i / 16) % 256,
	 * Aff2 = i / 4096. Copied by fw_create().
	 */
	const uint64_t *mpidr;
	uint32_t psci_version;		/* FW_PSCI_*; 0: 1.1, or 1.3 if
					 * system_off2 */
	enum fw_suspend_format suspend_format;
	bool system_off2;		/* offer SYSTEM_OFF2 (needs 1.3) */
	bool system_suspend;		/* offer SYSTEM_SUSPEND (1.0+) */
	bool no_trng;			/* do not register the TRNG service */
};

/*
 * What a service resolves one function ID to: how many argument registers
 * the call reads and the handler that answers it, from one table entry.
 */
struct fw_fn {
	unsigned int nargs;		/* x1..x@nargs are read (<= FW_NARGS) */
	/*
	 * Fill c->ret[], c->nret and, if the caller does not simply return,
	 * c->fate and c->out. c->args are narrowed to 32 bits for SMC32 IDs.
	 * @fn is the value below, handed back.
	 */
	void (*handler)(void *opaque, unsigned int cpu, const void *fn,
			struct fw_call *c);
	const void *fn;
	uint64_t *counter;		/* incremented per call, or NULL */
};

/* A service for a range of function IDs (fw_register()). */
struct fw_service {
	const char *name;
	/*
	 * Resolve @id (SVE hint stripped) into @out; false: the call is
	 * answered NOT_SUPPORTED. Called with the core's lock held.
	 */
	bool (*lookup)(void *opaque, uint32_t id, struct fw_fn *out);
	void *opaque;
};

struct fw_cpu_status {
	uint64_t mpidr;
	bool enabled;
	enum fw_power power;
	uint64_t suspend_count[2];	/* [0] standby, [1] power-down */
	uint64_t residency_us[2];
	uint64_t calls;			/* SMCCC calls this vCPU made */
};

struct fw_status {
	unsigned int ncpus;
	uint32_t psci_version;
	uint64_t psci_calls[2][FW_PSCI_NFUNCS];	/* [smc64][function] */
	uint64_t trng_calls;
	uint64_t service_calls[FW_MAX_SERVICES];	/* registration order */
	const char *service_name[FW_MAX_SERVICES];
	unsigned int nservices;
	uint64_t unknown_calls;		/* answered NOT_SUPPORTED by routing */
	struct fw_cpu_status cpu[FW_MAX_CPUS];
};

struct fw;

/* NULL with errno set (EINVAL: bad config or missing required hook). */
struct fw *fw_create(const struct fw_config *cfg,
		     const struct fw_platform *plat, void *opaque);
void fw_destroy(struct fw *fw);

/* How many of x1..x17 the call @id reads (0 for unknown IDs). */
int fw_argc(struct fw *fw, uint32_t id);
/*
 * Route and answer one call made by vCPU @cpu; returns c->fate. Always
 * answers: an unknown ID, or a caller that is not running, gets
 * NOT_SUPPORTED with FW_FATE_RETURN.
 */
enum fw_fate fw_call(struct fw *fw, unsigned int cpu, struct fw_call *c);

/* Backend notifications; 0, or -EINVAL if @cpu is not in that state. */
int fw_online(struct fw *fw, unsigned int cpu);	/* ON_PENDING -> ON */
int fw_resume(struct fw *fw, unsigned int cpu);	/* STANDBY/SUSPENDED -> ON */
/* System reset: every CPU OFF except boot CPU 0 ON; enabled flags kept. */
void fw_reset(struct fw *fw);

/*
 * Hot-plug, from a control thread. fw_enable: 0 (also if already enabled),
 * -EINVAL bad index. fw_disable: -EBUSY if the CPU is not OFF, -EPERM for
 * the boot CPU 0. Against a concurrent CPU_ON either the CPU_ON wins (and
 * fw_disable returns -EBUSY) or the disable wins (and CPU_ON gets DENIED).
 */
int fw_enable(struct fw *fw, unsigned int cpu);
int fw_disable(struct fw *fw, unsigned int cpu);
/*
 * Resize to @want enabled vCPUs in one step, under one hold of the core's
 * lock: growing enables the lowest-numbered disabled vCPUs, shrinking
 * disables the highest-numbered enabled vCPUs that are OFF (never vCPU 0).
 * A concurrent CPU_ON sees the old set or the new one, never a half-done
 * change. @changed (ncpus entries, may be NULL) is set true for each vCPU
 * whose enabled flag flipped. Returns 0; -EINVAL if @want is 0 or more
 * than ncpus; -EBUSY if too few enabled vCPUs are OFF to shrink (nothing
 * changed, *@noff, if not NULL, gets how many could have been disabled).
 */
int fw_resize(struct fw *fw, unsigned int want, bool *changed, unsigned int *noff);
/* May the guest power @cpu on (PSCI CPU_ON not DENIED)? false for a bad index. */
bool fw_enabled(struct fw *fw, unsigned int cpu);

/* Topology and state queries. */
uint64_t fw_mpidr(struct fw *fw, unsigned int cpu);	/* affinity bits */
int fw_lookup(struct fw *fw, uint64_t mpidr);	/* index or -ENOENT */
enum fw_power fw_state(struct fw *fw, unsigned int cpu);
/* Consistent snapshot of everything for the control API. */
void fw_status(struct fw *fw, struct fw_status *out);

/*
 * Attach @svc to function IDs [@first_id, @last_id] (both inclusive; an
 * SMC32 and an SMC64 range are two registrations). -EEXIST if it overlaps
 * a registered range, -EINVAL for an empty/bad range or a NULL lookup,
 * -ENOSPC when FW_MAX_SERVICES are registered. @svc is copied.
 */
int fw_register(struct fw *fw, uint32_t first_id, uint32_t last_id,
		const struct fw_service *svc);

/*
 * The registered function-ID ranges, in registration order: up to @max
 * [first, last] pairs into @out; returns how many there are. The KVM
 * backend forwards exactly these to userspace.
 */
unsigned int fw_ranges(struct fw *fw, uint32_t (*out)[2], unsigned int max);

/* The TRNG service (built in unless cfg->no_trng); registered by fw_create */
int trng_register(struct fw *fw);

#endif /* HOTVM_FW_H */
