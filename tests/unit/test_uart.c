// SPDX-License-Identifier: MIT
/*
 * Unit tests for the 16550A UART (src/dev/uart.c): registers, interrupts,
 * the rx FIFO fed from a pipe (never read ahead), the transmit buffer with
 * THRE backpressure, a stalled reader that must not block the guest or the
 * shutdown, and a gone reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "dev/uart.h"

#define BASE 0x1000000ull

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

static int level, nirq;

static void irq(void *opaque, int l)
{
	level = l;
	nirq++;
}

static uint8_t rd(struct uart *u, unsigned int off)
{
	uint8_t d[4] = { 0xaa, 0xaa, 0xaa, 0xaa };

	uart_mmio(NULL, BASE + off, d, 4, false, u);
	ck_assert_uint_eq(d[1] | d[2] | d[3], 0);	/* wider reads: upper bytes 0 */
	return d[0];
}

static void wr(struct uart *u, unsigned int off, uint8_t v)
{
	uart_mmio(NULL, BASE + off, &v, 1, true, u);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Poll LSR until (LSR & mask) == want, for up to 2 s. */
static bool lsr_wait(struct uart *u, uint8_t mask, uint8_t want)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ms_since(&t0) < 2000) {
		if ((rd(u, LSR) & mask) == want) {
			return true;
		}
		usleep(1000);
	}
	return false;
}

static void setup(void)
{
	level = nirq = 0;
	signal(SIGPIPE, SIG_IGN);
}

START_TEST(test_registers)
{
	struct uart *u = uart_create(BASE, -1, -1, irq, NULL);

	ck_assert_ptr_nonnull(u);
	/* power-on state: no interrupt, FIFOs off, THR empty */
	ck_assert_uint_eq(rd(u, IIR), 0x01);
	ck_assert_uint_eq(rd(u, LSR), 0x60);
	ck_assert_uint_eq(rd(u, IER), 0);
	ck_assert_uint_eq(rd(u, MSR), 0xb0);
	/* DLAB: offsets 0 and 1 are the divisor latch */
	wr(u, LCR, 0x83);
	ck_assert_uint_eq(rd(u, DLL), 12);
	wr(u, DLL, 1);
	wr(u, DLM, 2);
	ck_assert_uint_eq(rd(u, DLL), 1);
	ck_assert_uint_eq(rd(u, DLM), 2);
	ck_assert_uint_eq(rd(u, LCR), 0x83);
	wr(u, LCR, 0x03);
	ck_assert_uint_eq(rd(u, IER), 0);	/* the divisor did not land in IER */
	wr(u, IER, 0xff);
	ck_assert_uint_eq(rd(u, IER), 0x0f);	/* 4 bits */
	wr(u, IER, 0);
	wr(u, SCR, 0x5a);
	ck_assert_uint_eq(rd(u, SCR), 0x5a);
	/* FIFO enable shows in IIR[7:6] */
	wr(u, FCR, 0x07);
	ck_assert_uint_eq(rd(u, IIR), 0xc1);
	/* reset: registers back, divisor back to 9600 baud */
	uart_reset(u);
	ck_assert_uint_eq(rd(u, IIR), 0x01);
	ck_assert_uint_eq(rd(u, SCR), 0);
	wr(u, LCR, 0x80);
	ck_assert_uint_eq(rd(u, DLL), 12);
	ck_assert_uint_eq(rd(u, DLM), 0);
	uart_destroy(u);
}
END_TEST

START_TEST(test_thri)
{
	struct uart *u = uart_create(BASE, -1, -1, irq, NULL);

	/* enabling THRI with THR empty raises it; reading IIR clears it */
	wr(u, IER, 0x02);
	ck_assert_int_eq(level, 1);
	ck_assert_uint_eq(rd(u, IIR), 0x02);
	ck_assert_int_eq(level, 0);
	ck_assert_uint_eq(rd(u, IIR), 0x01);
	/* re-enabling without disabling does not raise it again */
	wr(u, IER, 0x02);
	ck_assert_int_eq(level, 0);
	/* every transmit (THR empty again) raises it */
	wr(u, THR, 'x');
	ck_assert_int_eq(level, 1);
	ck_assert_uint_eq(rd(u, IIR), 0x02);
	ck_assert_int_eq(level, 0);
	/* masked: pending but no line */
	wr(u, IER, 0);
	wr(u, THR, 'y');
	ck_assert_int_eq(level, 0);
	ck_assert_uint_eq(rd(u, IIR), 0x01);
	/* no output fd: everything written is counted as dropped */
	ck_assert_uint_eq(uart_dropped(u), 2);
	uart_destroy(u);
}
END_TEST

START_TEST(test_loopback)
{
	struct uart *u = uart_create(BASE, -1, -1, irq, NULL);

	wr(u, MCR, 0x10 | 0x0f);	/* loop, DTR, RTS, OUT1, OUT2 */
	ck_assert_uint_eq(rd(u, MSR), 0xf0);
	wr(u, MCR, 0x10 | 0x01);	/* DTR -> DSR */
	ck_assert_uint_eq(rd(u, MSR), 0x20);
	wr(u, IER, 0x01);
	wr(u, THR, 'a');
	ck_assert_uint_eq(rd(u, LSR) & 0x01, 0x01);
	ck_assert_int_eq(level, 1);
	ck_assert_uint_eq(rd(u, IIR), 0x04);
	ck_assert_uint_eq(rd(u, RBR), 'a');
	ck_assert_uint_eq(rd(u, LSR) & 0x01, 0);
	ck_assert_int_eq(level, 0);
	/* FIFOs off: a second byte before the first is read overruns */
	wr(u, THR, 'b');
	wr(u, THR, 'c');
	ck_assert_uint_eq(rd(u, LSR) & 0x03, 0x03);
	ck_assert_uint_eq(rd(u, LSR) & 0x03, 0x01);	/* OE clears on read */
	ck_assert_uint_eq(rd(u, RBR), 'b');
	/* FIFOs on: 16 bytes fit */
	wr(u, FCR, 0x01);
	for (int i = 0; i < 16; i++) {
		wr(u, THR, (uint8_t)('A' + i));
	}
	ck_assert_uint_eq(rd(u, LSR) & 0x03, 0x01);
	for (int i = 0; i < 16; i++) {
		ck_assert_uint_eq(rd(u, RBR), 'A' + i);
	}
	ck_assert_uint_eq(rd(u, LSR) & 0x01, 0);
	ck_assert_uint_eq(uart_dropped(u), 0);	/* loopback never reaches the output */
	uart_destroy(u);
}
END_TEST

/* Input: the FIFO's room and not a byte more leaves the pipe. */
START_TEST(test_rx_no_read_ahead)
{
	int in[2], pending;
	char buf[100];
	struct uart *u;

	ck_assert_int_eq(pipe(in), 0);
	for (int i = 0; i < 100; i++) {
		buf[i] = (char)i;
	}
	ck_assert_int_eq(write(in[1], buf, 100), 100);
	u = uart_create(BASE, in[0], -1, irq, NULL);
	wr(u, IER, 0x01);
	ck_assert_int_eq(uart_start(u), 0);
	/* FIFOs off: one byte (RBR) taken */
	ck_assert(lsr_wait(u, 0x01, 0x01));
	ck_assert_int_eq(level, 1);
	usleep(50000);
	ck_assert_int_eq(ioctl(in[0], FIONREAD, &pending), 0);
	ck_assert_int_eq(pending, 99);
	ck_assert_uint_eq(rd(u, RBR), 0);
	ck_assert(lsr_wait(u, 0x01, 0x01));
	ck_assert_uint_eq(rd(u, RBR), 1);
	/* byte 2 is in RBR before the switch (else this would race the input thread) */
	ck_assert(lsr_wait(u, 0x01, 0x01));
	/* FIFOs on: up to 16 taken */
	wr(u, FCR, 0x01);
	ck_assert(lsr_wait(u, 0x01, 0x01));
	usleep(50000);
	ck_assert_int_eq(ioctl(in[0], FIONREAD, &pending), 0);
	ck_assert_int_eq(pending, 100 - 19);	/* byte 2 (in RBR) went with the FIFO switch */
	for (int i = 0; i < 16; i++) {
		ck_assert(lsr_wait(u, 0x01, 0x01));
		ck_assert_uint_eq(rd(u, RBR), 3 + i);
	}
	usleep(50000);
	ck_assert_int_eq(ioctl(in[0], FIONREAD, &pending), 0);
	ck_assert_int_eq(pending, 100 - 19 - 16);
	/* loopback disconnects the input: nothing more is read */
	wr(u, MCR, 0x10);
	for (int i = 0; i < 16; i++) {
		rd(u, RBR);
	}
	usleep(50000);
	ck_assert_int_eq(ioctl(in[0], FIONREAD, &pending), 0);
	ck_assert_int_eq(pending, 100 - 19 - 16);
	uart_destroy(u);
	/* what the guest never took is still there for the next reader */
	ck_assert_int_eq(read(in[0], buf, sizeof(buf)), 100 - 35);
	ck_assert_int_eq(buf[0], 35);
	close(in[0]);
	close(in[1]);
}
END_TEST

START_TEST(test_tx_pipe)
{
	int out[2];
	char buf[64];
	struct uart *u;

	ck_assert_int_eq(pipe(out), 0);
	u = uart_create(BASE, -1, out[1], irq, NULL);
	ck_assert_int_eq(uart_start(u), 0);
	for (const char *s = "hello, world"; *s; s++) {
		wr(u, THR, (uint8_t)*s);
	}
	ck_assert(lsr_wait(u, 0x60, 0x60));	/* TEMT: all written */
	ck_assert_int_eq(read(out[0], buf, sizeof(buf)), 12);
	ck_assert_int_eq(memcmp(buf, "hello, world", 12), 0);
	/* the flush at destroy writes what is left */
	wr(u, THR, '!');
	uart_destroy(u);
	ck_assert_int_eq(read(out[0], buf, sizeof(buf)), 1);
	ck_assert_int_eq(buf[0], '!');
	close(out[0]);
	close(out[1]);
}
END_TEST

/*
 * A reader that stops: the guest's writes never block, THRE goes to 0
 * when the buffer is full (backpressure), bytes written anyway are
 * dropped and counted, THRE (and its interrupt) come back when the reader
 * reads, and destroy returns in bounded time with a full pipe.
 */
START_TEST(test_tx_stall)
{
	int out[2];
	static char buf[UART_TX_BUF + 8192];
	struct timespec t0;
	unsigned int i, sent;
	ssize_t got, n;
	struct uart *u;

	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_ge(fcntl(out[1], F_SETPIPE_SZ, 4096), 4096);
	u = uart_create(BASE, -1, out[1], irq, NULL);
	ck_assert_int_eq(uart_start(u), 0);
	wr(u, IER, 0x02);
	rd(u, IIR);
	/* write until THRE drops, as a driver would: 16 per THRE */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (sent = 0; rd(u, LSR) & 0x20;) {
		for (i = 0; i < 16; i++, sent++) {
			wr(u, THR, (uint8_t)(sent % 251));
		}
		ck_assert_int_lt(ms_since(&t0), 2000);
	}
	ck_assert_uint_eq(rd(u, LSR) & 0x60, 0);
	ck_assert_uint_ge(sent, UART_TX_BUF - 16);
	ck_assert_uint_eq(uart_dropped(u), 0);
	ck_assert_uint_eq(rd(u, IIR), 0x01);	/* no THRI while full */
	/* a guest ignoring THRE: at most the buffer's last bytes fit, the rest is dropped */
	for (i = 0; i < 100; i++) {
		wr(u, THR, 'z');
	}
	ck_assert_uint_ge(uart_dropped(u), 100 - 16);
	ck_assert_uint_le(uart_dropped(u), 100);
	/* the reader reads: THRE and its interrupt come back, in order */
	n = 0;
	while (!(rd(u, LSR) & 0x20)) {
		got = read(out[0], buf + n, 4096);
		ck_assert_int_gt(got, 0);
		n += got;
	}
	for (i = 0; i < (unsigned int)n && i < sent; i++) {
		ck_assert_uint_eq((uint8_t)buf[i], i % 251);
	}
	ck_assert_uint_eq(rd(u, IIR), 0x02);
	/* stalled again, with the buffer full: destroy is bounded */
	for (i = 0; i < UART_TX_BUF; i++) {
		wr(u, THR, 'q');
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uart_destroy(u);
	ck_assert_int_lt(ms_since(&t0), UART_FLUSH_MS + 1000);
	ck_assert_int_ge(ms_since(&t0), UART_FLUSH_MS - 50);
	close(out[0]);
	close(out[1]);
}
END_TEST

/* The reader goes away: output is discarded and counted, THRE stays 1. */
START_TEST(test_tx_reader_gone)
{
	int out[2];
	struct uart *u;

	ck_assert_int_eq(pipe(out), 0);
	u = uart_create(BASE, -1, out[1], irq, NULL);
	ck_assert_int_eq(uart_start(u), 0);
	close(out[0]);
	for (int i = 0; i < 1000; i++) {
		wr(u, THR, 'x');
		ck_assert_uint_eq(rd(u, LSR) & 0x20, 0x20);
	}
	ck_assert(lsr_wait(u, 0x60, 0x60));
	ck_assert_uint_eq(uart_dropped(u), 1000);
	uart_destroy(u);
	close(out[1]);
}
END_TEST

START_TEST(test_tx_file)
{
	char path[] = "/tmp/hotvm-uart-XXXXXX", buf[8];
	int fd = mkstemp(path);
	struct uart *u;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, "ab", 2), 2);	/* the shared offset is kept */
	u = uart_create(BASE, -1, fd, irq, NULL);
	ck_assert_int_eq(uart_start(u), 0);
	wr(u, THR, 'c');
	wr(u, THR, 'd');
	uart_destroy(u);
	ck_assert_int_eq(pread(fd, buf, sizeof(buf), 0), 4);
	ck_assert_int_eq(memcmp(buf, "abcd", 4), 0);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uart");
	TCase *tc = tcase_create("uart");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_registers);
	tcase_add_test(tc, test_thri);
	tcase_add_test(tc, test_loopback);
	tcase_add_test(tc, test_rx_no_read_ahead);
	tcase_add_test(tc, test_tx_pipe);
	tcase_add_test(tc, test_tx_stall);
	tcase_add_test(tc, test_tx_reader_gone);
	tcase_add_test(tc, test_tx_file);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
