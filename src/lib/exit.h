/* SPDX-License-Identifier: MIT */
/*
 * A vCPU exit in host-independent form, and the decision what to do about
 * it. The KVM backend fills struct exit_info from struct kvm_run
 * (vcpu_exit()); exit_decide() maps it to an action. Keeping the decision
 * out of the vCPU loop lets unit tests feed it made-up exits.
 */
#ifndef HOTVM_EXIT_H
#define HOTVM_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "fw/fw.h"

enum exit_type {
	EXIT_INTR,		/* KVM_RUN returned -EINTR (kicked) */
	EXIT_HYPERCALL,		/* forwarded SMCCC call */
	EXIT_MMIO,
	EXIT_SHUTDOWN,		/* in-kernel PSCI SYSTEM_OFF */
	EXIT_RESET,		/* in-kernel PSCI SYSTEM_RESET(2) */
	EXIT_WAKEUP,		/* a suspended vCPU saw a wake-up event */
	EXIT_SUSPEND,		/* in-kernel PSCI SYSTEM_SUSPEND */
	EXIT_CRASH,		/* system event "crash" */
	EXIT_FAIL_ENTRY,	/* KVM could not enter the guest */
	EXIT_INTERNAL,		/* KVM internal error */
	EXIT_OTHER,		/* anything else hotvm does not expect */
};

struct exit_info {
	enum exit_type type;
	uint32_t reason;	/* raw KVM exit reason, for messages */
	uint64_t nr;		/* hypercall function ID */
	bool smc;		/* hypercall conduit */
	uint64_t addr;		/* MMIO address */
	uint32_t len;		/* MMIO access size */
	bool write;		/* MMIO direction */
	uint8_t *data;		/* MMIO data (in the run page) */
	uint64_t hw;		/* fail-entry hardware reason / event flags */
};

enum exit_action {
	ACT_CONTINUE,		/* run again */
	ACT_CHECK,		/* kicked: look at the VM's request, run again */
	ACT_HYPERCALL,		/* answer with the firmware core */
	ACT_MMIO,		/* dispatch to a device */
	ACT_POWEROFF,		/* stop the VM, exit status 0 */
	ACT_REBOOT,		/* reset the VM in-process */
	ACT_WAKE,		/* suspended vCPU woke: resume it */
	ACT_FATAL,		/* unexpected: report the exit and PC, fail */
	/* after a firmware call (exit_fate()) */
	ACT_PARK,		/* CPU_OFF: this vCPU stops, its thread parks */
	ACT_SUSPEND,		/* wait in KVM for a wake-up event */
};

struct exit_policy {
	bool psci_user;		/* PSCI answered by hotvm (SMCCC filter) */
	bool reboot_exit;	/* --reboot=exit: a reset ends hotvm */
};

enum exit_action exit_decide(const struct exit_info *e, const struct exit_policy *p);
/*
 * What the vCPU does once the firmware core answered its call (the fate
 * fw_call() returned): ACT_CONTINUE (results written, run on), ACT_PARK,
 * ACT_SUSPEND, ACT_POWEROFF, ACT_REBOOT, or ACT_FATAL.
 */
enum exit_action exit_fate(enum fw_fate fate, const struct exit_policy *p);
const char *exit_name(uint32_t reason);

/*
 * The KVM exit reasons exit_name() knows, X(NAME, number) for KVM_EXIT_NAME.
 * Copied from <linux/kvm.h> so that src/lib stays free of it; src/kvm/uapi.c
 * asserts every number against the header at build time.
 */
#define EXIT_KVM_REASONS(X)                                                       \
	X(UNKNOWN, 0) X(EXCEPTION, 1) X(IO, 2) X(HYPERCALL, 3) X(DEBUG, 4) X(HLT, 5) \
	X(MMIO, 6) X(IRQ_WINDOW_OPEN, 7) X(SHUTDOWN, 8) X(FAIL_ENTRY, 9) X(INTR, 10) \
	X(SET_TPR, 11) X(TPR_ACCESS, 12) X(INTERNAL_ERROR, 17) X(SYSTEM_EVENT, 24)   \
	X(ARM_NISV, 28) X(MEMORY_FAULT, 39)

#endif
