// SPDX-License-Identifier: MIT
/* The VM's state machine (see vmstate.h). */
#include <stddef.h>

#include "lib/vmstate.h"

void vmstate_init(struct vmstate *s)
{
	s->state = VM_RUNNING;
	s->reloading = false;
	s->status = 0;
	s->hibernate = false;
}

/* off or fail: the VM ends; a failure's status 1 wins over a power-off's 0 */
static enum vm_answer stop(struct vmstate *s, int status)
{
	if (s->state == VM_STOPPING) {
		if (status) {
			s->status = status;
		}
		return VM_MERGED;
	}
	s->state = VM_STOPPING;
	s->status = status;
	return VM_TAKEN;
}

enum vm_answer vmstate_apply(struct vmstate *s, enum vm_event ev)
{
	if (s->state == VM_OFF) {
		return VM_REFUSED;
	}
	switch (ev) {
	case VM_EV_RESET:
		if (s->state == VM_RUNNING) {
			s->state = VM_RESETTING;
			return VM_TAKEN;
		}
		return s->state == VM_RESETTING ? VM_MERGED : VM_REFUSED;
	case VM_EV_POWEROFF:
		return stop(s, 0);
	case VM_EV_HIBERNATE:
		if (stop(s, 0) == VM_MERGED) {
			return VM_MERGED; /* an off already taken says what it was */
		}
		s->hibernate = true;
		return VM_TAKEN;
	case VM_EV_FAIL:
		return stop(s, 1);
	case VM_EV_PARKED:
		if (s->reloading || s->state == VM_RUNNING) {
			return VM_REFUSED;
		}
		if (s->state == VM_RESETTING) {
			s->reloading = true;
			return VM_TAKEN;
		}
		s->state = VM_OFF;
		return VM_TAKEN;
	case VM_EV_RELOADED:
	case VM_EV_RELOAD_FAILED:
		if (!s->reloading) {
			return VM_REFUSED;
		}
		s->reloading = false;
		if (ev == VM_EV_RELOAD_FAILED) {
			/* every vCPU is still parked: nothing left to stop */
			s->state = VM_OFF;
			s->status = 1;
		} else if (s->state == VM_RESETTING) {
			s->state = VM_RUNNING;
		}
		/* STOPPING: a stop came during the reload; PARKED ends it */
		return VM_TAKEN;
	}
	return VM_REFUSED;
}

const char *vmstate_name(enum vm_state st)
{
	static const char *const names[] = {
		[VM_RUNNING] = "running",
		[VM_RESETTING] = "rebooting",
		[VM_STOPPING] = "shutting-down",
		[VM_OFF] = "off",
	};

	return (unsigned int)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}
