/* SPDX-License-Identifier: MIT */
/*
 * The state of hotvm's CPU hot-plug register block (docs/acpi.md): the
 * registers' semantics without the MMIO plumbing, host independent, so that
 * the device can be a thin wrapper and the protocol is unit-tested. No
 * locking: the caller serialises all calls on one block.
 */
#ifndef HOTVM_ACPI_HP_H
#define HOTVM_ACPI_HP_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/acpi.h"

struct acpi_hp {
	unsigned int ncpus;
	uint32_t sel;
	uint8_t state[ACPI_MAX_CPUS];	/* ACPI_HP_ENABLED | ACPI_HP_INSERT | ACPI_HP_REMOVE */
};

/* vCPUs 0..nenabled-1 enabled, nothing pending, SEL 0 */
void acpi_hp_init(struct acpi_hp *hp, unsigned int ncpus, unsigned int nenabled);
/* Guest reboot: pending events dropped, ENABLED kept, SEL 0. */
void acpi_hp_reset(struct acpi_hp *hp);

/* A guest's 32-bit read at @off (0 for unknown offsets). */
uint32_t acpi_hp_read(const struct acpi_hp *hp, uint64_t off);
/*
 * A guest's 32-bit write at @off. Returns the vCPU index the guest asks to
 * eject (an EJECT write for an enabled vCPU), else -1: the caller then checks
 * that the vCPU is off and calls acpi_hp_eject() before completing the write.
 */
int acpi_hp_write(struct acpi_hp *hp, uint64_t off, uint32_t val);

/* hotvm's side; each returns true when the GED interrupt must be pulsed. */
bool acpi_hp_insert(struct acpi_hp *hp, unsigned int cpu);	   /* cpu-add */
bool acpi_hp_request_remove(struct acpi_hp *hp, unsigned int cpu); /* cpu-remove */
/* cpu-remove timed out: drop the request if the guest has not taken it yet. */
void acpi_hp_cancel_remove(struct acpi_hp *hp, unsigned int cpu);
/* The guest ejected @cpu: disabled, nothing pending. */
void acpi_hp_eject(struct acpi_hp *hp, unsigned int cpu);
bool acpi_hp_enabled(const struct acpi_hp *hp, unsigned int cpu);

#endif
