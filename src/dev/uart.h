/* SPDX-License-Identifier: MIT */
/*
 * 16550A-compatible UART (DT "ns16550a"), the guest console: transmitted
 * bytes go to an output fd at once, an input thread feeds an input fd to
 * the receive FIFO; receive-data and THR-empty interrupts drive one level
 * interrupt line through a callback.
 */
#ifndef HOTVM_UART_H
#define HOTVM_UART_H

#include <stdbool.h>
#include <stdint.h>

#define UART_SIZE 8

struct kvm_vcpu;
struct uart;

/* @irq(opaque, level) is called with the UART lock held, on any thread. */
struct uart *uart_create(uint64_t base, int in_fd, int out_fd,
			 void (*irq)(void *opaque, int level), void *opaque);
/* Start reading @in_fd (raw terminal mode if it is a tty). -errno. */
int uart_start(struct uart *u);
/* Stop the input thread, restore the terminal, free. NULL is fine. */
void uart_destroy(struct uart *u);
/* Back to power-on register state (input already queued is kept). */
void uart_reset(struct uart *u);
void uart_mmio(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
	       bool is_write, void *opaque);

#endif
