/* SPDX-License-Identifier: MIT */
/*
 * The state of hotvm's CPU hot-plug register block (docs/acpi.md): the
 * registers' semantics without the MMIO plumbing, host independent, so that
 * the device (src/dev/cpuhp.c) is a thin wrapper and the protocol is
 * unit-tested. No locking: the caller serialises all calls on one block.
 *
 * Whether a vCPU is enabled is not kept here: the block asks its owner
 * (@enabled, the firmware core's PSCI gate), so the guest's _STA and PSCI
 * CPU_ON can never disagree. What the block keeps per vCPU is the
 * hot-plug in flight: a device check or eject request the guest has not
 * read yet, and a removal that waits for the guest's eject.
 */
#ifndef HOTVM_ACPI_HP_H
#define HOTVM_ACPI_HP_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/acpi.h"

/* Per-vCPU bits besides ACPI_HP_INSERT/REMOVE (never visible to the guest). */
#define ACPI_HP_EJECTING 0x8 /* a removal waits for the guest's eject */

struct acpi_hp {
	unsigned int ncpus;
	uint32_t sel;
	uint8_t state[ACPI_MAX_CPUS]; /* ACPI_HP_INSERT | ACPI_HP_REMOVE | ACPI_HP_EJECTING */
	unsigned int removals[ACPI_MAX_CPUS]; /* acpi_hp_eject() calls; kept across resets */
	bool (*enabled)(void *opaque, unsigned int cpu);
	void *opaque;
};

/* Nothing in flight, SEL 0; @enabled answers for each vCPU. */
void acpi_hp_init(struct acpi_hp *hp, unsigned int ncpus,
		  bool (*enabled)(void *opaque, unsigned int cpu), void *opaque);
/* Guest reboot: everything in flight dropped, SEL 0. */
void acpi_hp_reset(struct acpi_hp *hp);

/* A guest's 32-bit read at @off (0 for unknown offsets). */
uint32_t acpi_hp_read(const struct acpi_hp *hp, uint64_t off);
/*
 * A guest's 32-bit write at @off. Returns the vCPU index the guest asks to
 * eject (an EJECT write for an enabled vCPU), else -1: the caller then
 * disables the vCPU if it is off and calls acpi_hp_eject() before the write
 * completes. *@acked (may be NULL) gets the INSERT/REMOVE bits an STS write
 * cleared (the guest has read them and notifies its device), else 0.
 */
int acpi_hp_write(struct acpi_hp *hp, uint64_t off, uint32_t val, uint32_t *acked);

/* cpu-add: the caller enabled @cpu; tell the guest (true: pulse the GED). */
bool acpi_hp_insert(struct acpi_hp *hp, unsigned int cpu);

enum acpi_hp_removal {
	ACPI_HP_RM_DISABLED, /* @cpu is not enabled: nothing to do */
	ACPI_HP_RM_UNSEEN,   /* the guest was never told of @cpu: disable it now */
	ACPI_HP_RM_NOTIFY,   /* eject request queued: pulse the GED, wait */
	ACPI_HP_RM_JOINED,   /* a removal is already in flight: wait for it */
};
/* cpu-remove of an enabled vCPU (@cpu < ncpus). */
enum acpi_hp_removal acpi_hp_request_remove(struct acpi_hp *hp, unsigned int cpu);
/*
 * Stop waiting for @cpu's eject (timeout): it stays enabled. true if the
 * guest had read the eject request (it refused or is slow), false if it
 * never looked (the request is withdrawn).
 */
bool acpi_hp_cancel_remove(struct acpi_hp *hp, unsigned int cpu);
/*
 * @cpu was removed (the guest ejected it, a reset finished its removal, or
 * it went before the guest was told): nothing in flight, one more removal.
 */
void acpi_hp_eject(struct acpi_hp *hp, unsigned int cpu);
/* How many removals of @cpu so far: a waiter that saw it move knows its removal happened. */
unsigned int acpi_hp_removals(const struct acpi_hp *hp, unsigned int cpu);
/* Is a removal of @cpu waiting for the guest? */
bool acpi_hp_removing(const struct acpi_hp *hp, unsigned int cpu);

#endif
