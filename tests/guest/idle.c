// SPDX-License-Identifier: MIT
/*
 * Waits for ever (WFI, no interrupt armed): a guest that keeps hotvm
 * running, cheaply, until it is stopped from outside (control API
 * shutdown, a signal). Prints "IDLE: ready" first.
 */
#include "guest.h"

int guest_main(void)
{
	printf("IDLE: ready\n");
	for (;;)
		__asm__ volatile("wfi");
	return 0;
}
