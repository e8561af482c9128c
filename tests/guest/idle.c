// SPDX-License-Identifier: MIT
/*
 * Waits for ever (WFI, no interrupt armed): a guest that keeps hotvm
 * running, cheaply, until it is stopped from outside (control API
 * shutdown, a signal). Prints "IDLE: ready" first. With idle.off_ms=N on
 * the command line it powers off by itself after N ms (system_off(): with
 * hotvm.off=hibernate that is SYSTEM_OFF2).
 */
#include "guest.h"

int guest_main(void)
{
	uint64_t off_ms = bootarg_u64("idle.off_ms", 0);

	printf("IDLE: ready\n");
	if (off_ms) {
		udelay(off_ms * 1000);
		system_off();
	}
	for (;;)
		__asm__ volatile("wfi");
	return 0;
}
