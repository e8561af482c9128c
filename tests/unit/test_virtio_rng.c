// SPDX-License-Identifier: MIT
/*
 * Unit tests for virtio-rng (src/dev/virtio_rng.c) over the real
 * transport, eventfds and I/O thread, driven by the fake driver
 * (vdrv.h): requests filled with random bytes and completed with an
 * interrupt, the per-request cap, nothing served before DRIVER_OK or
 * after reset, and a malformed chain setting NEEDS_RESET without the
 * device touching anything outside guest RAM.
 */
#include <string.h>

#include "unit.h"
#include "vdrv.h"
#include "dev/virtio_rng.h"

#define BASE 0x03000000ull

static struct vdrv v;

static void setup(void)
{
	vdrv_ram(&v);
	v.d = virtio_rng_create(BASE, &v.ram);
	ck_assert_ptr_nonnull(v.d);
	ck_assert_int_eq(virtio_dev_start(v.d), 0);
}

static void teardown(void)
{
	virtio_dev_destroy(v.d);
	free(v.ram.hva);
}

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i]) {
			return false;
		}
	}
	return true;
}

START_TEST(test_ident)
{
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_RNG);
	vdrv_wr(&v, VIRTIO_MMIO_QUEUE_SEL, 0);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTIO_RNG_QUEUE_SIZE);
	vdrv_wr(&v, VIRTIO_MMIO_QUEUE_SEL, 1);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
}
END_TEST

START_TEST(test_entropy)
{
	uint64_t gpa[2] = { VDRV_DATA, VDRV_DATA + 0x1000 };
	uint32_t len[2] = { 64, 3000 };
	uint16_t id, head;
	uint32_t n;

	ck_assert_uint_eq(vdrv_negotiate(&v, ~0ull) >> VIRTIO_F_VERSION_1 & 1, 1);
	ck_assert(vdrv_queue(&v, 0, 16));
	/* a request made available and kicked before DRIVER_OK waits for it */
	head = vdrv_chain(&v, 0, 1, gpa, len, 1);
	vdrv_kick(&v, 0);
	ck_assert(!vdrv_wait_irq(&v, 100));
	ck_assert(zero(vdrv_ptr(&v, VDRV_DATA), 64));
	vdrv_driver_ok(&v);
	ck_assert(vdrv_complete(&v, 0, &id, &n));
	ck_assert_uint_eq(id, head);
	ck_assert_uint_eq(n, 64);
	ck_assert(!zero(vdrv_ptr(&v, VDRV_DATA), 64));
	ck_assert(zero(vdrv_ptr(&v, VDRV_DATA + 64), 64)); /* not a byte beyond */
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	vdrv_wr(&v, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	/* two writable buffers in one chain: both filled */
	head = vdrv_chain(&v, 0, 2, gpa, len, 2);
	vdrv_kick(&v, 0);
	ck_assert(vdrv_complete(&v, 0, &id, &n));
	ck_assert_uint_eq(id, head);
	ck_assert_uint_eq(n, 3064);
	ck_assert(!zero(vdrv_ptr(&v, VDRV_DATA + 0x1000 + 2900), 100));
	ck_assert_uint_eq(virtio_rng_bytes(v.d), 64 + 3064);
}
END_TEST

/* One request gets at most VIRTIO_RNG_MAX_REQ bytes; a readable buffer gets none. */
START_TEST(test_cap)
{
	uint64_t gpa[2] = { VDRV_DATA, VDRV_DATA + 0x100000 };
	uint32_t len[2] = { 16, 0x100000 };
	uint16_t id;
	uint32_t n;

	vdrv_negotiate(&v, ~0ull);
	ck_assert(vdrv_queue(&v, 0, 8));
	vdrv_driver_ok(&v);
	memset(vdrv_ptr(&v, VDRV_DATA), 0, 16);
	vdrv_chain(&v, 0, 2, gpa, len, 1);
	vdrv_kick(&v, 0);
	ck_assert(vdrv_complete(&v, 0, &id, &n));
	ck_assert_uint_eq(n, VIRTIO_RNG_MAX_REQ);
	ck_assert(zero(vdrv_ptr(&v, VDRV_DATA), 16)); /* the device-readable one */
	ck_assert(zero(vdrv_ptr(&v, VDRV_DATA + 0x100000 + VIRTIO_RNG_MAX_REQ), 4096));
}
END_TEST

/* A malformed chain: NEEDS_RESET and a config interrupt; a reset brings it back. */
START_TEST(test_malformed)
{
	uint64_t gpa[1] = { VDRV_DATA };
	uint32_t len[1] = { 32 };
	uint16_t id;
	uint32_t n;

	vdrv_negotiate(&v, ~0ull);
	ck_assert(vdrv_queue(&v, 0, 8));
	vdrv_driver_ok(&v);
	/* a buffer that ends beyond guest RAM */
	vdrv_desc(&v, 0, 0, VDRV_RAM_BASE + VDRV_RAM_SIZE - 16, 32, VIRTQ_DESC_F_WRITE, 0);
	vdrv_avail(&v, 0, 0);
	vdrv_kick(&v, 0);
	ck_assert(vdrv_wait_irq(&v, 2000));
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET,
			  VIRTIO_CONFIG_S_NEEDS_RESET);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG,
			  VIRTIO_MMIO_INT_CONFIG);
	ck_assert(!vdrv_used(&v, 0, &id, &n));
	/* a reset from outside (a VM reboot) and a fresh driver: it works again */
	virtio_dev_reset(v.d);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_STATUS), 0);
	vdrv_negotiate(&v, ~0ull);
	ck_assert(vdrv_queue(&v, 0, 8));
	vdrv_driver_ok(&v);
	vdrv_chain(&v, 0, 1, gpa, len, 1);
	vdrv_kick(&v, 0);
	ck_assert(vdrv_complete(&v, 0, &id, &n));
	ck_assert_uint_eq(n, 32);
}
END_TEST

/* After a reset the device no longer touches the queue, whatever is kicked. */
START_TEST(test_reset_quiesces)
{
	uint64_t gpa[1] = { VDRV_DATA };
	uint32_t len[1] = { 32 };

	vdrv_negotiate(&v, ~0ull);
	ck_assert(vdrv_queue(&v, 0, 8));
	vdrv_driver_ok(&v);
	vdrv_wr(&v, VIRTIO_MMIO_STATUS, 0);
	memset(vdrv_ptr(&v, VDRV_DATA), 0, 32);
	vdrv_chain(&v, 0, 1, gpa, len, 1);
	vdrv_kick(&v, 0);
	ck_assert(!vdrv_wait_irq(&v, 200));
	ck_assert(zero(vdrv_ptr(&v, VDRV_DATA), 32));
	ck_assert_uint_eq(virtio_rng_bytes(v.d), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_rng");
	TCase *tc = tcase_create("virtio_rng");

	/* ASan + UBSan on a loaded machine: Check's default 4 s is too tight */
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ident);
	tcase_add_test(tc, test_entropy);
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_reset_quiesces);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
