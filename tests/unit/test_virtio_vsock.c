// SPDX-License-Identifier: MIT
/*
 * Unit tests for virtio-vsock (src/dev/virtio_vsock.c) with a fake
 * vhost-vsock (fake_vhost.h), driven by the fake driver (vdrv.h): the
 * 64-bit CID in config space, the features offered, rx and tx handed to
 * vhost at DRIVER_OK (the event queue kept), vhost's calls turned into
 * interrupts, and the reset that takes the queues back.
 */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "fake_vhost.h"
#include "vdrv.h"
#include "dev/virtio_vsock.h"

#define BASE 0x03000000ull
#define CID  0x123456789ull
#define BIT(n) (1ull << (n))
#define VF                                                                                         \
	(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_RING_F_EVENT_IDX) | BIT(VIRTIO_RING_F_INDIRECT_DESC))

static struct vdrv v;

static void setup(void)
{
	vdrv_ram(&v);
	fv_clear();
	v.d = NULL;
}

static void teardown(void)
{
	virtio_dev_destroy(v.d);
	free(v.ram.hva);
}

static void make(uint64_t vhost_features)
{
	struct virtio_vsock_host h = {
		.cid = CID,
		.vhost_fd = open("/dev/null", O_RDONLY | O_CLOEXEC),
		.vhost_features = vhost_features,
		.vhost = &fv_ops,
	};

	v.d = virtio_vsock_create(BASE, &v.ram, &h);
	ck_assert_ptr_nonnull(v.d);
	ck_assert_int_eq(virtio_dev_start(v.d), 0);
}

static void up(void)
{
	vdrv_negotiate(&v, ~0ull);
	ck_assert(vdrv_rd(&v, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	for (unsigned int q = 0; q < 3; q++) {
		ck_assert(vdrv_queue(&v, q, 8));
	}
	vdrv_driver_ok(&v);
}

START_TEST(test_config)
{
	uint32_t lo, hi;
	uint8_t b;

	make(VF);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_VSOCK);
	for (unsigned int q = 0; q < 4; q++) {
		vdrv_wr(&v, VIRTIO_MMIO_QUEUE_SEL, q);
		ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_QUEUE_NUM_MAX),
				  q < 3 ? VIRTIO_VSOCK_QUEUE_SIZE : 0);
	}
	lo = vdrv_rd(&v, VIRTIO_MMIO_CONFIG);
	hi = vdrv_rd(&v, VIRTIO_MMIO_CONFIG + 4);
	ck_assert_uint_eq((uint64_t)hi << 32 | lo, CID);
	virtio_mmio_mmio(NULL, BASE + VIRTIO_MMIO_CONFIG + 4, &b, 1, false, v.d->mmio);
	ck_assert_uint_eq(b, 1);
	vdrv_wr(&v, VIRTIO_MMIO_CONFIG, 7); /* read-only */
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_CONFIG), (uint32_t)CID);
}
END_TEST

START_TEST(test_features)
{
	make(VF);
	vdrv_wr(&v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_DEVICE_FEATURES) & BIT(VIRTIO_VSOCK_F_SEQPACKET),
			  0);
	virtio_dev_destroy(v.d);
	make(VF | BIT(VIRTIO_VSOCK_F_SEQPACKET));
	vdrv_wr(&v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_DEVICE_FEATURES) & BIT(VIRTIO_VSOCK_F_SEQPACKET),
			  BIT(VIRTIO_VSOCK_F_SEQPACKET));
	up();
	ck_assert_uint_eq(fv.features, VF | BIT(VIRTIO_VSOCK_F_SEQPACKET));
}
END_TEST

START_TEST(test_vhost)
{
	struct pollfd p;
	int call;

	make(VF);
	vdrv_negotiate(&v, ~0ull);
	for (unsigned int q = 0; q < 3; q++) {
		ck_assert(vdrv_queue(&v, q, 8));
	}
	ck_assert_int_eq(fv.running, -1);
	vdrv_driver_ok(&v);
	ck_assert_int_eq(fv.running, 1);
	ck_assert_uint_eq(fv.features, VF);
	for (unsigned int q = 0; q < 2; q++) {
		ck_assert(fv.ring_set[q]);
		ck_assert_ptr_eq(fv.ring[q].desc, vdrv_ptr(&v, VDRV_RING(q)));
		ck_assert_ptr_eq(fv.ring[q].used, vdrv_ptr(&v, VDRV_RING(q) + 0x2000));
		ck_assert_int_eq(fv.ring[q].kick, v.d->kick[q]);
	}
	ck_assert(!fv.ring_set[VIRTIO_VSOCK_EVENTQ]); /* the event queue stays here */
	call = fv.ring[0].call;
	ck_assert_int_eq(fv.ring[1].call, call);
	/* the tx kick is vhost's to read */
	usleep(50000);
	p = (struct pollfd){ .fd = v.d->kick[VIRTIO_VSOCK_TXQ], .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 0), 1);
	eventfd_signal(call);
	ck_assert(vdrv_wait_irq(&v, 2000));
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	/* reset from outside (VM reboot): stopped, vrings taken back */
	virtio_dev_reset(v.d);
	ck_assert_int_eq(fv.running, 0);
	ck_assert(fv.stopped[0] && fv.stopped[1] && !fv.stopped[2]);
	eventfd_signal(call);
	ck_assert(!vdrv_wait_irq(&v, 200));
	/* the next driver */
	fv_clear();
	up();
	ck_assert_int_eq(fv.running, 1);
	ck_assert_uint_eq(fv.nrunning, 1);
}
END_TEST

START_TEST(test_vhost_fails)
{
	make(VF);
	fv.fail_set_ring = -ENOMEM;
	up();
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET,
			  VIRTIO_CONFIG_S_NEEDS_RESET);
	ck_assert_int_eq(fv.running, -1);
	/* reset: nothing to stop, no SET_RUNNING 0 for a device never running */
	vdrv_wr(&v, VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(fv.nrunning, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_vsock");
	TCase *tc = tcase_create("virtio_vsock");

	/* ASan + UBSan on a loaded machine: Check's default 4 s is too tight */
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_features);
	tcase_add_test(tc, test_vhost);
	tcase_add_test(tc, test_vhost_fails);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
