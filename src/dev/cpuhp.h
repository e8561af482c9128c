/* SPDX-License-Identifier: MIT */
/*
 * The CPU hot-plug register block and its GED interrupt (docs/acpi.md):
 * the MMIO device through which the guest's AML learns of vCPUs hotvm
 * added or wants back (--acpi). A thin, locked wrapper around the model
 * in lib/acpi_hp.h; the firmware core's PSCI gate is the one record of
 * which vCPUs are enabled, reached through the ops.
 *
 * Lock order: the device's lock, then whatever the ops take (the core's
 * lock). The GED interrupt is pulsed after the lock is dropped.
 */
#ifndef HOTVM_CPUHP_H
#define HOTVM_CPUHP_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/acpi.h"

#define CPUHP_SIZE 0x1000 /* one page; the registers are its first ACPI_HP_SIZE bytes */

struct kvm_vcpu;
struct cpuhp;

struct cpuhp_ops {
	bool (*enabled)(void *opaque, unsigned int cpu);
	int (*enable)(void *opaque, unsigned int cpu);	/* 0 or -errno */
	int (*disable)(void *opaque, unsigned int cpu); /* 0; -EBUSY: still on; -EPERM */
	void (*pulse)(void *opaque);			/* an edge on the GED interrupt */
	/* A step for the event stream: @type and @kind are static strings. */
	void (*event)(void *opaque, const char *type, unsigned int cpu, const char *kind);
	void *opaque;
};

enum cpuhp_result {
	CPUHP_CHANGED,	 /* enabled and notified / disabled at once */
	CPUHP_UNCHANGED, /* already enabled / already disabled */
	CPUHP_WAIT,	 /* eject requested (or already in flight): wait for the guest */
};

struct cpuhp *cpuhp_create(uint64_t base, unsigned int ncpus, const struct cpuhp_ops *ops);
void cpuhp_destroy(struct cpuhp *hp);
void cpuhp_mmio(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
		bool is_write, void *opaque);

/* cpu-add: enable @cpu and send the guest a device check. -EBUSY: being removed. */
int cpuhp_add(struct cpuhp *hp, unsigned int cpu);
/*
 * cpu-remove: ask the guest to eject @cpu (CPUHP_WAIT); a vCPU the guest
 * was never told of is disabled at once (CPUHP_CHANGED). -EPERM: vCPU 0.
 */
int cpuhp_remove(struct cpuhp *hp, unsigned int cpu);
/* Is @cpu's removal still waiting for the guest's eject? */
bool cpuhp_removing(struct cpuhp *hp, unsigned int cpu);
/*
 * How many times @cpu was removed so far (guest ejects, removals finished
 * by a reset or done at once): a waiter that saw this number move knows its
 * removal happened, even if the vCPU was added again since.
 */
unsigned int cpuhp_removals(struct cpuhp *hp, unsigned int cpu);
/* Stop waiting (timeout): @cpu stays enabled. true if the guest had read the request. */
bool cpuhp_cancel(struct cpuhp *hp, unsigned int cpu);
/*
 * Guest reboot, every vCPU parked and the core reset: removals in flight
 * are finished (the rebooted guest will read _STA and never see those
 * vCPUs), device checks not yet read are dropped (the guest reads _STA).
 */
void cpuhp_reset(struct cpuhp *hp);

#endif
