/* SPDX-License-Identifier: MIT */
/*
 * The VM's life as one state machine, host independent and unit-tested
 * (tests/unit/test_vmstate.c). Everything that can ask the VM to stop or
 * reset (the guest's SYSTEM_OFF/RESET, KVM's own PSCI, the control API,
 * SIGINT/SIGTERM/SIGHUP, an error) and everything the supervisor observes
 * (every vCPU parked, the reset's reload done) is an event given to
 * vmstate_apply(), under the VMM's lock; nothing else writes the state.
 *
 *   RUNNING --reset--> RESETTING --all parked--> (reload) --done--> RUNNING
 *      |                   |
 *      +--off/fail--> STOPPING <--off/fail (also during the reload)
 *                          |
 *                          +--all parked, no reload running--> OFF
 *
 * Rules: a stop always beats a reset (an off or a failure taken while a
 * reset is pending or its reload runs ends the VM once the reload is
 * over); a failure overrides a power-off's exit status; a reset asked
 * while stopping is refused (its asker is told), one asked while a reset
 * is pending is merged into it. So no request is lost, and none is
 * acknowledged without being carried out.
 */
#ifndef HOTVM_VMSTATE_H
#define HOTVM_VMSTATE_H

#include <stdbool.h>

enum vm_state {
	VM_RUNNING,
	VM_RESETTING,	/* reset asked: vCPUs stop, then the reload runs */
	VM_STOPPING,	/* off or failure asked: vCPUs stop, then OFF */
	VM_OFF,		/* final: hotvm exits with vmstate.status */
};

enum vm_event {
	VM_EV_RESET,		/* reboot in-process */
	VM_EV_POWEROFF,		/* guest off (exit status 0) */
	VM_EV_HIBERNATE,	/* guest off by SYSTEM_OFF2 HIBERNATE_OFF (status 0) */
	VM_EV_FAIL,		/* error or stop signal (exit status 1) */
	VM_EV_PARKED,		/* supervisor: no vCPU thread runs */
	VM_EV_RELOADED,		/* supervisor: the reset's reload succeeded */
	VM_EV_RELOAD_FAILED,	/* supervisor: it failed (message printed) */
};

enum vm_answer {
	VM_REFUSED,	/* not taken: the asker must be told */
	VM_TAKEN,	/* taken, and the state changed */
	VM_MERGED,	/* taken: what was asked is already under way */
};

struct vmstate {
	enum vm_state state;
	bool reloading;		/* RESETTING/STOPPING: the reload runs */
	int status;		/* exit status once OFF */
	bool hibernate;		/* the off taken was a hibernation (VM_EV_HIBERNATE) */
};

/* A new VM: RUNNING. */
void vmstate_init(struct vmstate *s);
enum vm_answer vmstate_apply(struct vmstate *s, enum vm_event ev);
const char *vmstate_name(enum vm_state st);

#endif
