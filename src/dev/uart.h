/* SPDX-License-Identifier: MIT */
/*
 * 16550A-compatible UART (DT "ns16550a"), the guest console.
 *
 * Output: a byte written to THR goes into a bounded transmit buffer
 * (UART_TX_BUF bytes); the UART's own output thread drains it into the
 * output fd. A vCPU never calls write() and never waits for the output fd,
 * so a stalled reader (a full pipe, a terminal stopped with ^S) cannot
 * block a vCPU, the UART lock or a shutdown. While the buffer has less than
 * a transmit FIFO's worth of room, LSR.THRE reads 0 (and TEMT reads 0 until
 * everything is written): a guest that waits for THRE, as Linux's 8250
 * driver and console do, is slowed to the reader's pace and loses nothing.
 * A byte written while the buffer is full is dropped and counted. At
 * uart_destroy the buffer is flushed for at most UART_FLUSH_MS; what is
 * still unwritten then is dropped. Dropped bytes (and a failed output fd,
 * e.g. a closed pipe) are reported in one line on stderr at destroy.
 *
 * Input: an input thread reads the input fd only when the receive FIFO has
 * room, and only as many bytes as fit (16 with the FIFO enabled, 1 without;
 * none in loopback mode): what the guest has not taken stays in the input
 * fd's kernel buffer or file, for the next reader.
 *
 * Receive-data and THR-empty interrupts drive one level interrupt line
 * through a callback.
 */
#ifndef HOTVM_UART_H
#define HOTVM_UART_H

#include <stdbool.h>
#include <stdint.h>

#define UART_SIZE 8
#define UART_TX_BUF (64 * 1024)	/* transmit buffer, bytes */
#define UART_FLUSH_MS 500	/* longest flush of that buffer at destroy */

struct kvm_vcpu;
struct uart;

/*
 * @irq(opaque, level) is called with the UART lock held, on any thread
 * (a vCPU, the input thread, the output thread). @in_fd < 0: no input;
 * @out_fd < 0: output is dropped (and counted, not reported: --console
 * virtio gives the terminal to the virtio-console).
 */
struct uart *uart_create(uint64_t base, int in_fd, int out_fd,
			 void (*irq)(void *opaque, int level), void *opaque);
/*
 * Start the output thread and reading @in_fd (raw terminal mode if it is a
 * tty). Before this, output only accumulates in the buffer. -errno.
 */
int uart_start(struct uart *u);
/*
 * Flush the output (bounded by UART_FLUSH_MS), stop the threads, restore
 * the terminal, report dropped output on stderr, free. NULL is fine.
 */
void uart_destroy(struct uart *u);
/* Back to power-on register state (queued input and output are kept). */
void uart_reset(struct uart *u);
/* Bytes of guest output dropped so far (buffer full, output fd failed). */
uint64_t uart_dropped(struct uart *u);
void uart_mmio(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
	       bool is_write, void *opaque);

#endif
