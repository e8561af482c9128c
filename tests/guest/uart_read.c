// SPDX-License-Identifier: MIT
/*
 * Reads uart.n= bytes (default 5) from the 16550's receive side, polling
 * LSR.DR with the FIFOs off, prints them as "READ: <bytes>" and powers
 * off. tests/e2e/cases/uart_stdin.sh checks that hotvm took no more of
 * its stdin than that (plus the one byte RBR holds).
 */
#include "guest.h"

#define RBR 0
#define LSR 5
#define LSR_DR 0x01

int guest_main(void)
{
	volatile uint8_t *u = (volatile uint8_t *)plat.uart;
	uint64_t n = bootarg_u64("uart.n", 5);
	char buf[64];
	uint64_t i;

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (i = 0; i < n; i++) {
		while (!(u[LSR] & LSR_DR))
			;
		buf[i] = (char)u[RBR];
	}
	buf[i] = 0;
	printf("READ: %s\n", buf);
	system_off();
	return 0;
}
