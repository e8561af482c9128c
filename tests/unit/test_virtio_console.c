// SPDX-License-Identifier: MIT
/*
 * Unit tests for virtio-console (src/dev/virtio_console.c) over the real
 * transport, eventfds and thread, driven by the fake driver (vdrv.h),
 * with pipes for stdin and stdout: guest output reaches the pipe in
 * order, input reaches receiveq buffers and is never read without one, a
 * full output pipe slows the guest down without losing anything, and it
 * does not hold up a reset or destroy beyond the flush bound.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "vdrv.h"
#include "dev/virtio_console.h"

#define BASE 0x03000000ull
#define RXQ  VIRTIO_CONSOLE_RXQ
#define TXQ  VIRTIO_CONSOLE_TXQ

static struct vdrv v;
static int in[2], out[2]; /* [1] is the test's end of stdin, [0] of stdout */

static void setup(void)
{
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	vdrv_ram(&v);
	v.d = virtio_console_create(BASE, &v.ram, in[0], out[1]);
	ck_assert_ptr_nonnull(v.d);
	ck_assert_int_eq(virtio_dev_start(v.d), 0);
}

static void teardown(void)
{
	virtio_dev_destroy(v.d);
	free(v.ram.hva);
	for (int i = 0; i < 2; i++) {
		close(in[i]);
		close(out[i]);
	}
}

static void driver(void)
{
	ck_assert_uint_eq(vdrv_negotiate(&v, ~0ull) >> VIRTIO_F_VERSION_1 & 1, 1);
	ck_assert(vdrv_queue(&v, RXQ, 16));
	ck_assert(vdrv_queue(&v, TXQ, 64));
	vdrv_driver_ok(&v);
}

/* Read exactly @n bytes of guest output within @ms; the count read. */
static size_t read_out(uint8_t *buf, size_t n, int ms)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = { .fd = out[0], .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, ms) != 1) {
			break;
		}
		r = read(out[0], buf + got, n - got);
		if (r <= 0) {
			break;
		}
		got += (size_t)r;
	}
	return got;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

START_TEST(test_ident)
{
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_DEVICE_ID), 3);
	vdrv_wr(&v, VIRTIO_MMIO_QUEUE_SEL, RXQ);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTIO_CONSOLE_QUEUE_SIZE);
	vdrv_wr(&v, VIRTIO_MMIO_QUEUE_SEL, TXQ);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTIO_CONSOLE_QUEUE_SIZE);
	vdrv_wr(&v, VIRTIO_MMIO_QUEUE_SEL, 2);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	/* no SIZE, MULTIPORT, EMERG_WRITE */
	vdrv_wr(&v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_DEVICE_FEATURES) & 7, 0);
}
END_TEST

/* Chains of one and of several readable buffers: out in order, all used with length 0. */
START_TEST(test_output_order)
{
	uint64_t gpa[3] = { VDRV_DATA, VDRV_DATA + 0x1000, VDRV_DATA + 0x2000 };
	uint32_t len[3] = { 5, 3, 4 };
	uint8_t buf[64] = { 0 };
	uint16_t id;
	uint32_t n;

	driver();
	memcpy(vdrv_ptr(&v, gpa[0]), "hello", 5);
	memcpy(vdrv_ptr(&v, gpa[1]), ", w", 3);
	memcpy(vdrv_ptr(&v, gpa[2]), "orld", 4);
	vdrv_chain(&v, TXQ, 1, gpa, len, 0);
	vdrv_chain(&v, TXQ, 3, gpa, len, 0);
	vdrv_kick(&v, TXQ);
	ck_assert_uint_eq(read_out(buf, 17, 2000), 17);
	ck_assert_str_eq((char *)buf, "hellohello, world");
	for (int i = 0; i < 2; i++) {
		ck_assert(vdrv_complete(&v, TXQ, &id, &n));
		ck_assert_uint_eq(n, 0);
	}
	/* counted just after write() returns: give the thread a moment */
	for (int i = 0; i < 100 && virtio_console_written(v.d) < 17; i++) {
		usleep(10 * 1000);
	}
	ck_assert_uint_eq(virtio_console_written(v.d), 17);
}
END_TEST

/* 1 MiB through a 64 KiB pipe in 4 KiB chains: every byte, in order. */
START_TEST(test_output_bulk)
{
	enum { CHUNK = 4096, TOTAL = 1 << 20 };
	uint8_t *got = malloc(TOTAL);
	size_t sent = 0, recv = 0;
	unsigned int inflight = 0;
	uint16_t id;
	uint32_t n;

	driver();
	while (recv < TOTAL) {
		while (sent < TOTAL && inflight < 16) {
			uint64_t gpa = VDRV_DATA + (sent / CHUNK % 16) * CHUNK;
			uint32_t len = CHUNK;

			uint8_t *p = vdrv_ptr(&v, gpa);

			for (unsigned int i = 0; i < CHUNK; i++) {
				p[i] = (uint8_t)((sent + i) * 7 + (sent + i) / 251);
			}
			vdrv_chain(&v, TXQ, 1, &gpa, &len, 0);
			sent += CHUNK;
			inflight++;
		}
		vdrv_kick(&v, TXQ);
		recv += read_out(got + recv, TOTAL - recv < CHUNK ? TOTAL - recv : CHUNK, 2000);
		while (vdrv_used(&v, TXQ, &id, &n)) {
			inflight--;
		}
		ck_assert_uint_le(recv, sent);
		if (!inflight && recv < sent) {
			ck_assert_uint_eq(read_out(got + recv, sent - recv, 2000), sent - recv);
			recv = sent;
		}
	}
	for (size_t i = 0; i < TOTAL; i++) {
		if (got[i] != (uint8_t)(i * 7 + i / 251)) {
			ck_abort_msg("byte %zu differs", i);
		}
	}
	free(got);
}
END_TEST

/* Input goes into receiveq buffers, and only into them: none read before a buffer exists. */
START_TEST(test_input)
{
	uint64_t gpa[2] = { VDRV_DATA, VDRV_DATA + 0x1000 };
	uint32_t len[2] = { 4, 8 };
	uint8_t rest[16];
	uint16_t id;
	uint32_t n;

	driver();
	ck_assert_int_eq(write(in[1], "abcdefghijklmnopqrstuvwxyz", 26), 26);
	/* no rx buffers: the input stays in the pipe */
	usleep(200 * 1000);
	ck_assert(!vdrv_used(&v, RXQ, &id, &n));
	{
		int avail = 0;

		ck_assert_int_eq(ioctl(in[0], FIONREAD, &avail), 0);
		ck_assert_int_eq(avail, 26);
	}
	/* a chain of two writable buffers: 12 bytes, split over both */
	vdrv_chain(&v, RXQ, 2, gpa, len, 2);
	vdrv_kick(&v, RXQ);
	ck_assert(vdrv_complete(&v, RXQ, &id, &n));
	ck_assert_uint_eq(n, 12);
	ck_assert_int_eq(memcmp(vdrv_ptr(&v, gpa[0]), "abcd", 4), 0);
	ck_assert_int_eq(memcmp(vdrv_ptr(&v, gpa[1]), "efghijkl", 8), 0);
	/* and not a byte more was taken from the pipe */
	usleep(100 * 1000);
	ck_assert_int_eq(read(in[0], rest, sizeof(rest)), 14);
	ck_assert_int_eq(memcmp(rest, "mnopqrstuvwxyz", 14), 0);
	/* a chain with no writable buffer comes back empty and does not stall input */
	vdrv_chain(&v, RXQ, 1, gpa, len, 0);
	vdrv_kick(&v, RXQ);
	ck_assert(vdrv_complete(&v, RXQ, &id, &n));
	ck_assert_uint_eq(n, 0);
	/* a held buffer gets the next input as it comes */
	len[0] = 64;
	vdrv_chain(&v, RXQ, 1, gpa, len, 1);
	vdrv_kick(&v, RXQ);
	usleep(100 * 1000);
	ck_assert(!vdrv_used(&v, RXQ, &id, &n));
	ck_assert_int_eq(write(in[1], "ls\n", 3), 3);
	ck_assert(vdrv_complete(&v, RXQ, &id, &n));
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(vdrv_ptr(&v, gpa[0]), "ls\n", 3), 0);
}
END_TEST

/*
 * Nobody reads the output: the guest's chains stop coming back once the
 * pipe and the device's buffer are full (nothing dropped), yet a reset
 * and destroy return within the flush bound, and destroy reports the loss.
 */
START_TEST(test_stuck_output)
{
	enum { CHUNK = 4096 };
	struct timespec t0;
	unsigned int used = 0, made = 0;
	uint16_t id;
	uint32_t n;
	long ms;

	driver();
	/* at most 64 KiB pipe + 64 KiB buffer + one chain in progress get through */
	for (int round = 0; round < 12; round++) {
		for (int i = 0; i < 8; i++) {
			uint64_t gpa = VDRV_DATA + (uint64_t)(made % 16) * CHUNK;
			uint32_t len = CHUNK;

			memset(vdrv_ptr(&v, gpa), 'x', CHUNK);
			vdrv_chain(&v, TXQ, 1, &gpa, &len, 0);
			made++;
		}
		vdrv_kick(&v, TXQ);
		usleep(20 * 1000);
		while (vdrv_used(&v, TXQ, &id, &n)) {
			used++;
		}
		if (made - used >= 8) {
			break; /* backpressure: chains wait */
		}
	}
	ck_assert_uint_lt(used, made);
	ck_assert_uint_le((uint64_t)used * CHUNK, 2 * 65536 + CHUNK);
	ck_assert_uint_ge((uint64_t)used * CHUNK, 65536);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	virtio_dev_reset(v.d);
	ms = ms_since(&t0);
	ck_assert_int_lt(ms, 100);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	virtio_dev_destroy(v.d);
	v.d = NULL;
	ms = ms_since(&t0);
	ck_assert_int_lt(ms, VIRTIO_CONSOLE_FLUSH_MS + 400);
	ck_assert_int_ge(ms, VIRTIO_CONSOLE_FLUSH_MS - 50); /* it did try to flush */
}
END_TEST

/* After a reset nothing is taken from the queues, whatever is kicked. */
START_TEST(test_reset_quiesces)
{
	uint64_t gpa = VDRV_DATA;
	uint32_t len = 8;
	uint8_t buf[8];
	uint16_t id;
	uint32_t n;

	driver();
	vdrv_wr(&v, VIRTIO_MMIO_STATUS, 0);
	memcpy(vdrv_ptr(&v, gpa), "ignored!", 8);
	vdrv_chain(&v, TXQ, 1, &gpa, &len, 0);
	vdrv_kick(&v, TXQ);
	ck_assert_uint_eq(read_out(buf, 8, 200), 0);
	ck_assert(!vdrv_used(&v, TXQ, &id, &n));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_console");
	TCase *tc = tcase_create("virtio_console");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_ident);
	tcase_add_test(tc, test_output_order);
	tcase_add_test(tc, test_output_bulk);
	tcase_add_test(tc, test_input);
	tcase_add_test(tc, test_stuck_output);
	tcase_add_test(tc, test_reset_quiesces);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
