// SPDX-License-Identifier: MIT
/*
 * The firmware core's platform hooks on KVM, and the SMCCC filter that
 * sends the guest's calls to it.
 *
 * cpu_on/cpu_off/cpu_suspend run under the core's lock on the calling
 * vCPU's thread: they only record what that thread (or the target's
 * thread) does next and never touch another vCPU's fd.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/kvm.h>

#include "vmm/vmm.h"

/* KVM's legacy PSCI 0.1 function IDs (KVM_PSCI_FN_BASE in asm/kvm.h). */
#define KVM_PSCI_0_1_BASE	0x95c1ba5eu
#define KVM_PSCI_0_1_COUNT	4
_Static_assert(KVM_PSCI_0_1_BASE == KVM_PSCI_FN_BASE &&
		       KVM_PSCI_FN_MIGRATE == KVM_PSCI_FN(KVM_PSCI_0_1_COUNT - 1),
	       "KVM's PSCI 0.1 IDs differ from asm/kvm.h");

static int on(void *opaque, unsigned int cpu, uint64_t entry, uint64_t context_id)
{
	struct vmm *v = opaque;

	/* The target's own thread resets it, sets PC/x0 and calls fw_online(). */
	pthread_mutex_lock(&v->lock);
	cpu_start(&v->cpus[cpu], MODE_ON, entry, context_id);
	pthread_mutex_unlock(&v->lock);
	api_emit(v->api, "cpu-on", (int)cpu);
	return 0;
}

static void off(void *opaque, unsigned int cpu)
{
	struct vmm *v = opaque;

	v->cpus[cpu].pend = PEND_OFF;
	api_emit(v->api, "cpu-off", (int)cpu);
}

static void mark_suspend(struct cpu *c, bool powerdown, uint64_t entry, uint64_t context_id)
{
	c->pend = PEND_SUSPEND;
	c->powerdown = powerdown;
	c->resume_entry = entry;
	c->resume_context = context_id;
}

static void suspend(void *opaque, unsigned int cpu, bool powerdown, uint64_t entry,
		    uint64_t context_id)
{
	struct vmm *v = opaque;

	mark_suspend(&v->cpus[cpu], powerdown, entry, context_id);
	api_emit(v->api, "cpu-suspend", (int)cpu);
}

static void system_off(void *opaque, uint32_t type, uint64_t cookie)
{
	struct vmm *v = opaque;

	vmm_request(v, REQ_OFF);
}

static void system_reset(void *opaque, bool warm, uint32_t type, uint64_t cookie)
{
	struct vmm *v = opaque;

	vmm_request(v, v->policy.reboot_exit ? REQ_OFF : REQ_RESET);
}

/* Every other vCPU is off: a power-down suspend of the caller is enough. */
static void system_suspend(void *opaque, unsigned int cpu, uint64_t entry, uint64_t context_id)
{
	struct vmm *v = opaque;

	mark_suspend(&v->cpus[cpu], true, entry, context_id);
	api_emit(v->api, "system-suspend", (int)cpu);
}

static bool ram_valid(void *opaque, uint64_t addr)
{
	return ram_has(&((struct vmm *)opaque)->ram, addr);
}

const struct fw_platform platform_ops = {
	.cpu_on = on,
	.cpu_off = off,
	.cpu_suspend = suspend,
	.system_off = system_off,
	.system_reset = system_reset,
	.system_suspend = system_suspend,
	.ram_valid = ram_valid,
};

/* KVM would answer its pre-0.2 PSCI IDs behind hotvm's back: deny them. */
static int deny_legacy(struct vmm *v)
{
	int ret = vm_filter(&v->kvm, KVM_PSCI_0_1_BASE, KVM_PSCI_0_1_COUNT, KVM_FILTER_DENY);

	if (ret) {
		fprintf(stderr, "hotvm: cannot install the SMCCC filter denying KVM's PSCI 0.1 IDs: %s\n",
			strerror(-ret));
	}
	return ret;
}

/*
 * Forward to userspace exactly the ranges the firmware core has services
 * for (PSCI and TRNG, both widths, plus anything registered with
 * fw_register() before this runs): what hotvm answers and what KVM sends
 * it come from the same table. Must run before the first KVM_RUN.
 */
int platform_filter(struct vmm *v)
{
	uint32_t r[FW_MAX_SERVICES][2];
	unsigned int i, n = fw_ranges(v->fw, r, FW_MAX_SERVICES);

	for (i = 0; i < n && i < FW_MAX_SERVICES; i++) {
		int ret = vm_filter(&v->kvm, r[i][0], r[i][1] - r[i][0] + 1, KVM_FILTER_FORWARD);

		if (ret) {
			fprintf(stderr,
				"hotvm: cannot forward SMCCC IDs 0x%08x-0x%08x to userspace: %s\n",
				r[i][0], r[i][1], strerror(-ret));
			return ret;
		}
	}
	return deny_legacy(v);
}
