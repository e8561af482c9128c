// SPDX-License-Identifier: MIT
/* CPU hot-plug register block state (see acpi_hp.h and docs/acpi.md). */
#include <string.h>

#include "lib/acpi_hp.h"

#define PENDING (ACPI_HP_INSERT | ACPI_HP_REMOVE)

void acpi_hp_init(struct acpi_hp *hp, unsigned int ncpus,
		  bool (*enabled)(void *opaque, unsigned int cpu), void *opaque)
{
	memset(hp, 0, sizeof(*hp));
	hp->ncpus = ncpus > ACPI_MAX_CPUS ? ACPI_MAX_CPUS : ncpus;
	hp->enabled = enabled;
	hp->opaque = opaque;
}

void acpi_hp_reset(struct acpi_hp *hp)
{
	hp->sel = 0;
	memset(hp->state, 0, sizeof(hp->state)); /* the removal counts stay */
}

static bool selected(const struct acpi_hp *hp)
{
	return hp->sel < hp->ncpus;
}

static bool enabled(const struct acpi_hp *hp, unsigned int cpu)
{
	return cpu < hp->ncpus && hp->enabled(hp->opaque, cpu);
}

uint32_t acpi_hp_read(const struct acpi_hp *hp, uint64_t off)
{
	switch (off) {
	case ACPI_HP_SEL:
		return hp->sel;
	case ACPI_HP_STS:
		if (!selected(hp)) {
			return 0;
		}
		return (enabled(hp, hp->sel) ? ACPI_HP_ENABLED : 0) | (hp->state[hp->sel] & PENDING);
	case ACPI_HP_NEXT:
		for (unsigned int i = 0; i < hp->ncpus; i++) {
			if (hp->state[i] & PENDING) {
				return i;
			}
		}
		return ACPI_HP_NONE;
	default:
		return 0;
	}
}

int acpi_hp_write(struct acpi_hp *hp, uint64_t off, uint32_t val, uint32_t *acked)
{
	if (acked) {
		*acked = 0;
	}
	switch (off) {
	case ACPI_HP_SEL:
		hp->sel = val;
		break;
	case ACPI_HP_STS:
		if (selected(hp)) {
			uint8_t clear = hp->state[hp->sel] & (uint8_t)(val & PENDING);

			hp->state[hp->sel] &= (uint8_t)~clear;
			if (acked) {
				*acked = clear;
			}
		}
		break;
	case ACPI_HP_EJECT:
		if ((val & 1) && selected(hp) && enabled(hp, hp->sel)) {
			return (int)hp->sel;
		}
		break;
	default:
		break;
	}
	return -1;
}

bool acpi_hp_insert(struct acpi_hp *hp, unsigned int cpu)
{
	if (cpu >= hp->ncpus) {
		return false;
	}
	hp->state[cpu] = ACPI_HP_INSERT;
	return true;
}

enum acpi_hp_removal acpi_hp_request_remove(struct acpi_hp *hp, unsigned int cpu)
{
	if (!enabled(hp, cpu)) {
		return ACPI_HP_RM_DISABLED;
	}
	if (hp->state[cpu] & ACPI_HP_EJECTING) {
		return ACPI_HP_RM_JOINED;
	}
	if (hp->state[cpu] & ACPI_HP_INSERT) {
		/* Its device check is still unread: the guest never saw this vCPU. */
		hp->state[cpu] = 0;
		return ACPI_HP_RM_UNSEEN;
	}
	hp->state[cpu] = ACPI_HP_REMOVE | ACPI_HP_EJECTING;
	return ACPI_HP_RM_NOTIFY;
}

bool acpi_hp_cancel_remove(struct acpi_hp *hp, unsigned int cpu)
{
	bool seen;

	if (cpu >= hp->ncpus) {
		return false;
	}
	seen = !(hp->state[cpu] & ACPI_HP_REMOVE);
	hp->state[cpu] &= (uint8_t)~(ACPI_HP_REMOVE | ACPI_HP_EJECTING);
	return seen;
}

void acpi_hp_eject(struct acpi_hp *hp, unsigned int cpu)
{
	if (cpu < hp->ncpus) {
		hp->state[cpu] = 0;
		hp->removals[cpu]++;
	}
}

unsigned int acpi_hp_removals(const struct acpi_hp *hp, unsigned int cpu)
{
	return cpu < hp->ncpus ? hp->removals[cpu] : 0;
}

bool acpi_hp_removing(const struct acpi_hp *hp, unsigned int cpu)
{
	return cpu < hp->ncpus && (hp->state[cpu] & ACPI_HP_EJECTING);
}
