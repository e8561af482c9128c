// SPDX-License-Identifier: MIT
/*
 * The firmware core's platform hooks on KVM, and the SMCCC filter that
 * sends the guest's calls to it.
 *
 * What happens to the calling vCPU is not a hook: fw_call() returns it and
 * the vCPU thread acts on it (cpu.c). What is left here acts on another
 * vCPU (CPU_ON: record the start and wake the target's thread, which
 * resets its own vCPU) or answers a policy question (is it RAM?). The core
 * calls them without its lock held.
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

int platform_bigendian(struct cpu *c, bool *be)
{
	uint64_t sctlr = 0;
	int ret = vcpu_getreg(&c->vcpu, kvm_sctlrreg(), &sctlr);

	*be = sctlr & KVM_SCTLR_EE;
	return ret;
}

/*
 * Runs on @caller's thread. The target starts with the caller's data
 * endianness (SCTLR_EL1.EE), as KVM's own PSCI does; the target's thread
 * resets it, sets PC/x0 and calls fw_online().
 */
static int on(void *opaque, unsigned int caller, unsigned int cpu, uint64_t entry,
	      uint64_t context_id)
{
	struct vmm *v = opaque;
	bool be = false;
	int ret = platform_bigendian(&v->cpus[caller], &be);

	if (ret) {
		vmm_log(LOG_WARNING, "vCPU %u: CPU_ON of vCPU %u: cannot read SCTLR_EL1: %s",
			caller, cpu, strerror(-ret));
		return ret;
	}
	pthread_mutex_lock(&v->lock);
	cpu_start(&v->cpus[cpu], MODE_ON, entry, context_id, be);
	pthread_mutex_unlock(&v->lock);
	/*
	 * After unlocking: woken under the lock, the target would block on it
	 * at once, and the unlock would then cost this caller a second futex
	 * call. The state it waits for was set under the lock, so no wake-up
	 * is lost.
	 */
	pthread_cond_signal(&v->cpus[cpu].wake);
	return 0;
}

static bool ram_valid(void *opaque, uint64_t addr)
{
	return ram_has(&((struct vmm *)opaque)->ram, addr);
}

const struct fw_platform platform_ops = {
	.cpu_on = on,
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
