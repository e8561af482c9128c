// SPDX-License-Identifier: MIT
/* From a vCPU exit to what the vCPU loop does next (see exit.h). */
#include <stddef.h>

#include "lib/exit.h"

enum exit_action exit_decide(const struct exit_info *e, const struct exit_policy *p)
{
	switch (e->type) {
	case EXIT_INTR:
		return ACT_CHECK;
	case EXIT_HYPERCALL:
		/* Without the filter nothing is forwarded; one would be a bug. */
		return p->psci_user ? ACT_HYPERCALL : ACT_FATAL;
	case EXIT_MMIO:
		return ACT_MMIO;
	case EXIT_SHUTDOWN:
		return ACT_POWEROFF;
	case EXIT_RESET:
		return p->reboot_exit ? ACT_POWEROFF : ACT_REBOOT;
	case EXIT_WAKEUP:
		return ACT_WAKE;
	case EXIT_SUSPEND:
		/*
		 * Only KVM's PSCI reports SYSTEM_SUSPEND, and only if the VMM
		 * opted in (hotvm does not): treat it as a spurious return.
		 */
		return ACT_CONTINUE;
	case EXIT_CRASH:
	case EXIT_FAIL_ENTRY:
	case EXIT_INTERNAL:
	case EXIT_OTHER:
		break;
	}
	return ACT_FATAL;
}

enum exit_action exit_fate(enum fw_fate fate, const struct exit_policy *p)
{
	switch (fate) {
	case FW_FATE_RETURN:
		return ACT_CONTINUE;
	case FW_FATE_OFF:
		return ACT_PARK;
	case FW_FATE_SUSPEND:
		return ACT_SUSPEND;
	case FW_FATE_SYSTEM_OFF:
		return ACT_POWEROFF;
	case FW_FATE_SYSTEM_RESET:
		return p->reboot_exit ? ACT_POWEROFF : ACT_REBOOT;
	case FW_FATE_ABORT:
		break;
	}
	return ACT_FATAL;
}

/* KVM exit reason names for error messages (numbers: EXIT_KVM_REASONS). */
#define EXIT_NAME(name, nr) [nr] = #name,
static const char *const names[] = { EXIT_KVM_REASONS(EXIT_NAME) };
#undef EXIT_NAME

const char *exit_name(uint32_t reason)
{
	if (reason < sizeof(names) / sizeof(names[0]) && names[reason]) {
		return names[reason];
	}
	return "?";
}
