// SPDX-License-Identifier: MIT
/*
 * Console output for ever: prints "FLOOD: ready", then numbered lines
 * without end, waiting for THRE as any driver does (uart_putc). Used with
 * a stdout whose reader stops (tests/e2e/cases/uart_stall.sh): hotvm must
 * still stop on SIGTERM or an API shutdown.
 */
#include "guest.h"

int guest_main(void)
{
	printf("FLOOD: ready\n");
	for (unsigned long i = 0;; i++)
		printf("FLOOD %lu: the quick brown fox jumps over the lazy dog\n", i);
	return 0;
}
