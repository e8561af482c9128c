// SPDX-License-Identifier: MIT
/* CPU hot-plug register block state (see acpi_hp.h and docs/acpi.md). */
#include <string.h>

#include "lib/acpi_hp.h"

#define PENDING (ACPI_HP_INSERT | ACPI_HP_REMOVE)

void acpi_hp_init(struct acpi_hp *hp, unsigned int ncpus, unsigned int nenabled)
{
	memset(hp, 0, sizeof(*hp));
	hp->ncpus = ncpus > ACPI_MAX_CPUS ? ACPI_MAX_CPUS : ncpus;
	for (unsigned int i = 0; i < hp->ncpus && i < nenabled; i++) {
		hp->state[i] = ACPI_HP_ENABLED;
	}
}

void acpi_hp_reset(struct acpi_hp *hp)
{
	hp->sel = 0;
	for (unsigned int i = 0; i < hp->ncpus; i++) {
		hp->state[i] &= ACPI_HP_ENABLED;
	}
}

static bool selected(const struct acpi_hp *hp)
{
	return hp->sel < hp->ncpus;
}

uint32_t acpi_hp_read(const struct acpi_hp *hp, uint64_t off)
{
	switch (off) {
	case ACPI_HP_SEL:
		return hp->sel;
	case ACPI_HP_STS:
		return selected(hp) ? hp->state[hp->sel] : 0;
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

int acpi_hp_write(struct acpi_hp *hp, uint64_t off, uint32_t val)
{
	switch (off) {
	case ACPI_HP_SEL:
		hp->sel = val;
		break;
	case ACPI_HP_STS:
		if (selected(hp)) {
			hp->state[hp->sel] &= (uint8_t)~(val & PENDING);
		}
		break;
	case ACPI_HP_EJECT:
		if ((val & 1) && selected(hp) && (hp->state[hp->sel] & ACPI_HP_ENABLED)) {
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
	if (cpu >= hp->ncpus || (hp->state[cpu] & ACPI_HP_ENABLED)) {
		return false;
	}
	hp->state[cpu] = ACPI_HP_ENABLED | ACPI_HP_INSERT;
	return true;
}

bool acpi_hp_request_remove(struct acpi_hp *hp, unsigned int cpu)
{
	if (cpu >= hp->ncpus || !(hp->state[cpu] & ACPI_HP_ENABLED)) {
		return false;
	}
	hp->state[cpu] = (hp->state[cpu] & (uint8_t)~ACPI_HP_INSERT) | ACPI_HP_REMOVE;
	return true;
}

void acpi_hp_cancel_remove(struct acpi_hp *hp, unsigned int cpu)
{
	if (cpu < hp->ncpus) {
		hp->state[cpu] &= (uint8_t)~ACPI_HP_REMOVE;
	}
}

void acpi_hp_eject(struct acpi_hp *hp, unsigned int cpu)
{
	if (cpu < hp->ncpus) {
		hp->state[cpu] = 0;
	}
}

bool acpi_hp_enabled(const struct acpi_hp *hp, unsigned int cpu)
{
	return cpu < hp->ncpus && (hp->state[cpu] & ACPI_HP_ENABLED);
}
