// SPDX-License-Identifier: MIT
/*
 * CPU hot-plug register block (docs/acpi.md): aligned 32-bit accesses to
 * SEL, STS, EJECT and NEXT; anything else reads 0 and writes nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dev/cpuhp.h"
#include "lib/acpi_hp.h"

struct cpuhp {
	uint64_t base;
	struct cpuhp_ops ops;
	pthread_mutex_t lock;
	struct acpi_hp model;
};

struct cpuhp *cpuhp_create(uint64_t base, unsigned int ncpus, const struct cpuhp_ops *ops)
{
	struct cpuhp *hp = calloc(1, sizeof(*hp));

	if (!hp) {
		return NULL;
	}
	hp->base = base;
	hp->ops = *ops;
	pthread_mutex_init(&hp->lock, NULL);
	acpi_hp_init(&hp->model, ncpus, ops->enabled, ops->opaque);
	return hp;
}

void cpuhp_destroy(struct cpuhp *hp)
{
	if (hp) {
		pthread_mutex_destroy(&hp->lock);
		free(hp);
	}
}

static void event(struct cpuhp *hp, const char *type, unsigned int cpu, const char *kind)
{
	hp->ops.event(hp->ops.opaque, type, cpu, kind);
}

/* Under the lock: the guest's EJECT of @cpu. */
static void eject(struct cpuhp *hp, unsigned int cpu)
{
	bool asked = acpi_hp_removing(&hp->model, cpu);
	int ret = hp->ops.disable(hp->ops.opaque, cpu);

	if (ret) {
		/*
		 * The guest did not power it off first (or it is vCPU 0): it stays
		 * enabled, so the guest's _STA check after _EJ0 sees the eject failed.
		 */
		event(hp, "cpu-eject-refused", cpu, ret == -EPERM ? "boot-cpu" : "still-on");
		return;
	}
	acpi_hp_eject(&hp->model, cpu);
	event(hp, "cpu-ejected", cpu, asked ? "requested" : "guest");
	event(hp, "cpu-disabled", cpu, NULL);
}

void cpuhp_mmio(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
		bool is_write, void *opaque)
{
	struct cpuhp *hp = opaque;
	uint64_t off = addr - hp->base;
	uint32_t v = 0, acked = 0;
	int who;

	(void)vcpu;
	if (len != 4 || (off & 3) || off >= ACPI_HP_SIZE) {
		if (!is_write) {
			memset(data, 0, len);
		}
		return;
	}
	pthread_mutex_lock(&hp->lock);
	if (!is_write) {
		v = acpi_hp_read(&hp->model, off);
		memcpy(data, &v, 4); /* arm64 guests and hosts alike: little-endian */
	} else {
		memcpy(&v, data, 4);
		who = acpi_hp_write(&hp->model, off, v, &acked);
		if (who >= 0) {
			eject(hp, (unsigned int)who);
		}
		if (acked & ACPI_HP_INSERT) {
			event(hp, "cpu-notified", hp->model.sel, "device-check");
		}
		if (acked & ACPI_HP_REMOVE) {
			event(hp, "cpu-notified", hp->model.sel, "eject-request");
		}
	}
	pthread_mutex_unlock(&hp->lock);
}

int cpuhp_add(struct cpuhp *hp, unsigned int cpu)
{
	int ret = 0;

	if (cpu >= hp->model.ncpus) {
		return -EINVAL;
	}
	pthread_mutex_lock(&hp->lock);
	if (acpi_hp_removing(&hp->model, cpu)) {
		ret = -EBUSY;
	} else if (hp->ops.enabled(hp->ops.opaque, cpu)) {
		ret = CPUHP_UNCHANGED;
	} else {
		ret = hp->ops.enable(hp->ops.opaque, cpu);
		if (!ret) {
			acpi_hp_insert(&hp->model, cpu);
			event(hp, "cpu-enabled", cpu, NULL);
			event(hp, "cpu-notify", cpu, "device-check");
			ret = CPUHP_CHANGED;
		}
	}
	pthread_mutex_unlock(&hp->lock);
	if (ret == CPUHP_CHANGED) {
		hp->ops.pulse(hp->ops.opaque);
	}
	return ret;
}

int cpuhp_remove(struct cpuhp *hp, unsigned int cpu)
{
	int ret;

	if (cpu >= hp->model.ncpus) {
		return -EINVAL;
	}
	if (cpu == 0) {
		return -EPERM;
	}
	pthread_mutex_lock(&hp->lock);
	switch (acpi_hp_request_remove(&hp->model, cpu)) {
	case ACPI_HP_RM_DISABLED:
		ret = CPUHP_UNCHANGED;
		break;
	case ACPI_HP_RM_UNSEEN:
		/* Told of nothing, it cannot be on: CPU_ON was refused before the add. */
		ret = hp->ops.disable(hp->ops.opaque, cpu);
		if (!ret) {
			acpi_hp_eject(&hp->model, cpu);
			event(hp, "cpu-disabled", cpu, "never-seen");
			ret = CPUHP_CHANGED;
		}
		break;
	case ACPI_HP_RM_NOTIFY:
		event(hp, "cpu-notify", cpu, "eject-request");
		ret = CPUHP_WAIT;
		break;
	default:
		ret = CPUHP_WAIT; /* joined the removal in flight */
		break;
	}
	pthread_mutex_unlock(&hp->lock);
	if (ret == CPUHP_WAIT) {
		hp->ops.pulse(hp->ops.opaque);
	}
	return ret;
}

bool cpuhp_removing(struct cpuhp *hp, unsigned int cpu)
{
	bool r;

	pthread_mutex_lock(&hp->lock);
	r = acpi_hp_removing(&hp->model, cpu);
	pthread_mutex_unlock(&hp->lock);
	return r;
}

unsigned int cpuhp_removals(struct cpuhp *hp, unsigned int cpu)
{
	unsigned int n = 0;

	pthread_mutex_lock(&hp->lock);
	n = acpi_hp_removals(&hp->model, cpu);
	pthread_mutex_unlock(&hp->lock);
	return n;
}

bool cpuhp_cancel(struct cpuhp *hp, unsigned int cpu)
{
	bool seen;

	pthread_mutex_lock(&hp->lock);
	seen = acpi_hp_cancel_remove(&hp->model, cpu);
	pthread_mutex_unlock(&hp->lock);
	return seen;
}

void cpuhp_reset(struct cpuhp *hp)
{
	pthread_mutex_lock(&hp->lock);
	for (unsigned int i = 0; i < hp->model.ncpus; i++) {
		if (acpi_hp_removing(&hp->model, i) && !hp->ops.disable(hp->ops.opaque, i)) {
			acpi_hp_eject(&hp->model, i);
			event(hp, "cpu-ejected", i, "reset");
			event(hp, "cpu-disabled", i, NULL);
		}
	}
	acpi_hp_reset(&hp->model);
	pthread_mutex_unlock(&hp->lock);
}
