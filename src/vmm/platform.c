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

#include "vmm/vmm.h"

/* KVM's legacy PSCI 0.1 function IDs (KVM_PSCI_FN_BASE in asm/kvm.h). */
#define KVM_PSCI_0_1_BASE	0x95c1ba5eu
#define KVM_PSCI_0_1_COUNT	4

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

	api_emit(v->api, "system-off", -1);
	vmm_request(v, REQ_OFF);
}

static void system_reset(void *opaque, bool warm, uint32_t type, uint64_t cookie)
{
	struct vmm *v = opaque;

	api_emit(v->api, v->policy.reboot_exit ? "system-off" : "system-reset", -1);
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

struct range {
	uint32_t base, count;
	enum kvm_filter_action act;
	const char *what;
};

/*
 * The services hotvm answers. A service registered with fw_register()
 * must be listed here too, or KVM keeps answering its IDs itself.
 */
static const struct range ranges[] = {
	{ FW_PSCI_BASE32, FW_PSCI_NFUNCS, KVM_FILTER_FORWARD, "PSCI (SMC32)" },
	{ FW_PSCI_BASE64, FW_PSCI_NFUNCS, KVM_FILTER_FORWARD, "PSCI (SMC64)" },
	{ FW_PSCI_BASE32 + FW_TRNG_FIRST, FW_TRNG_LAST - FW_TRNG_FIRST + 1, KVM_FILTER_FORWARD,
	  "TRNG (SMC32)" },
	{ FW_PSCI_BASE64 + FW_TRNG_FIRST, FW_TRNG_LAST - FW_TRNG_FIRST + 1, KVM_FILTER_FORWARD,
	  "TRNG (SMC64)" },
	/* KVM would answer its pre-0.2 PSCI IDs behind hotvm's back. */
	{ KVM_PSCI_0_1_BASE, KVM_PSCI_0_1_COUNT, KVM_FILTER_DENY, "KVM PSCI 0.1" },
};

int platform_filter(struct vmm *v)
{
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const struct range *r = &ranges[i];
		int ret = vm_filter(&v->kvm, r->base, r->count, r->act);

		if (ret) {
			fprintf(stderr, "hotvm: cannot install the SMCCC filter for %s: %s\n",
				r->what, strerror(-ret));
			return ret;
		}
	}
	return 0;
}
