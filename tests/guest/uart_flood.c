// SPDX-License-Identifier: MIT
/*
 * Console output for ever: prints "FLOOD: ready", then a text without end
 * straight into the 16550, as Linux's 8250 driver does: wait for THRE,
 * write a transmit FIFO's worth (16 bytes), again. Used with a stdout
 * whose reader stops (tests/e2e/cases/uart_stall.sh): hotvm must still
 * stop on SIGTERM or an API shutdown.
 */
#include "guest.h"

#define THR 0
#define LSR 5
#define LSR_THRE 0x20

int guest_main(void)
{
	volatile uint8_t *u = (volatile uint8_t *)plat.uart;
	static const char text[] = "FLOOD: the quick brown fox jumps over the lazy dog\r\n";
	unsigned int pos = 0;

	printf("FLOOD: ready\n");
	for (;;) {
		while (!(u[LSR] & LSR_THRE))
			;
		for (int i = 0; i < 16; i++) {
			u[THR] = (uint8_t)text[pos];
			pos = (pos + 1) % (sizeof(text) - 1);
		}
	}
	return 0;
}
