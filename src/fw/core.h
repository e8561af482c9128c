/* SPDX-License-Identifier: MIT */
/*
 * Internal to src/fw: the state behind struct fw, shared by the router
 * (fw.c), PSCI (psci.c) and TRNG (trng.c). Not for the VMM.
 */
#ifndef HOTVM_FW_CORE_H
#define HOTVM_FW_CORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "fw.h"

/* Suspend-state classes used for PSCI_STAT_* accounting. */
#define FW_STAT_STANDBY		0
#define FW_STAT_POWERDOWN	1

struct fw_cpu {
	uint64_t mpidr;			/* affinity bits only */
	bool enabled;			/* hot-plug: may be powered on */
	enum fw_power power;
	uint64_t since_ns;		/* entry time of the current suspend */
	uint64_t count[2];		/* suspend entries per FW_STAT_* */
	uint64_t residency_ns[2];	/* completed time per FW_STAT_* */
	uint64_t calls;			/* firmware calls this vCPU made */
};

struct fw_range {
	uint32_t first;
	uint32_t last;
	struct fw_service svc;
	uint64_t calls;
};

struct fw {
	pthread_mutex_t lock;		/* protects everything below */
	struct fw_platform plat;
	void *opaque;
	uint32_t psci_version;
	bool extended_suspend;		/* CPU_SUSPEND power_state format */
	bool system_off2;
	bool system_suspend;
	unsigned int ncpus;
	struct fw_cpu cpu[FW_MAX_CPUS];
	struct fw_range svc[FW_MAX_SERVICES];
	unsigned int nsvc;
	uint64_t psci_calls[2][FW_PSCI_NFUNCS];
	uint64_t trng_calls;
	uint64_t unknown_calls;
};

/* psci.c: the built-in PSCI service's lookup (struct fw_service). */
bool psci_lookup_fn(struct fw *fw, uint32_t id, struct fw_fn *out);

/* fw.c helpers for the services. */
uint64_t fw_now(struct fw *fw);			/* lock held */
void fw_enter(struct fw *fw, unsigned int cpu, enum fw_power power);
void fw_leave(struct fw *fw, unsigned int cpu);	/* -> ON, lock held */

#endif /* HOTVM_FW_CORE_H */
