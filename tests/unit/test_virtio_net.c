// SPDX-License-Identifier: MIT
/*
 * Unit tests for virtio-net (src/dev/virtio_net.c) over the real
 * transport, eventfds and I/O thread, driven by the fake driver (vdrv.h):
 * config space, feature negotiation and the tap offloads it sets, the
 * userspace data path over a SOCK_SEQPACKET socketpair standing in for
 * the tap (one frame per read/write, as a tap), and the vhost path with
 * a fake vhost (fake_vhost.h) recording what the device asks of it.
 */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"
#include "fake_vhost.h"
#include "vdrv.h"
#include "dev/virtio_net.h"

#define BASE 0x03000000ull
#define BIT(n) (1ull << (n))
#define RXQ VIRTIO_NET_RXQ
#define TXQ VIRTIO_NET_TXQ

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static struct vdrv v;
static int sp[2]; /* sp[0]: the device's "tap", sp[1]: the host side */
static unsigned int offload_calls, offload_last;
static int offload_ret;

static int fake_offload(int fd, unsigned int flags)
{
	offload_calls++;
	offload_last = flags;
	return offload_ret;
}

static void setup(void)
{
	vdrv_ram(&v);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	offload_calls = offload_last = 0;
	offload_ret = 0;
	fv_clear();
	v.d = NULL;
}

static void teardown(void)
{
	virtio_dev_destroy(v.d); /* closes sp[0] (and the vhost fd) */
	close(sp[1]);
	free(v.ram.hva);
}

/* The device over sp[0]: userspace path, or vhost (a dummy fd) with @vhost_features. */
static void make(unsigned int offloads, bool vhost, uint64_t vhost_features)
{
	struct virtio_net_host h = {
		.tap_fd = sp[0],
		.mtu = 9000,
		.offloads = offloads,
		.set_offload = fake_offload,
		.vhost_fd = vhost ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1,
		.vhost_features = vhost_features,
		.vhost = vhost ? &fv_ops : NULL,
	};

	v.d = virtio_net_create(BASE, &v.ram, mac, &h);
	ck_assert_ptr_nonnull(v.d);
	ck_assert_int_eq(virtio_dev_start(v.d), 0);
}

static uint64_t offered(void)
{
	uint64_t f;

	vdrv_wr(&v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = vdrv_rd(&v, VIRTIO_MMIO_DEVICE_FEATURES);
	vdrv_wr(&v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	return f | (uint64_t)vdrv_rd(&v, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
}

static bool features_ok(void)
{
	return vdrv_rd(&v, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK;
}

/* Both queues (8 entries) and DRIVER_OK, after negotiating @want. */
static void up(uint64_t want)
{
	vdrv_negotiate(&v, want);
	ck_assert(features_ok());
	ck_assert(vdrv_queue(&v, RXQ, 8));
	ck_assert(vdrv_queue(&v, TXQ, 8));
	vdrv_driver_ok(&v);
}

static uint8_t cfg8(unsigned int off)
{
	uint8_t b;

	virtio_mmio_mmio(NULL, BASE + VIRTIO_MMIO_CONFIG + off, &b, 1, false, v.d->mmio);
	return b;
}

START_TEST(test_config)
{
	make(0, false, 0);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
	for (unsigned int q = 0; q < 3; q++) {
		vdrv_wr(&v, VIRTIO_MMIO_QUEUE_SEL, q);
		ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_QUEUE_NUM_MAX),
				  q < 2 ? VIRTIO_NET_QUEUE_SIZE : 0);
	}
	for (unsigned int i = 0; i < 6; i++) {
		ck_assert_uint_eq(cfg8(i), mac[i]);
	}
	ck_assert_uint_eq(cfg8(6) | cfg8(7) << 8, VIRTIO_NET_S_LINK_UP);
	ck_assert_uint_eq(cfg8(10) | cfg8(11) << 8, 9000);
	/* the MAC is read-only */
	vdrv_wr(&v, VIRTIO_MMIO_CONFIG, 0xffffffff);
	ck_assert_uint_eq(cfg8(0), mac[0]);
}
END_TEST

START_TEST(test_features_none)
{
	uint64_t f;

	make(0, false, 0);
	f = offered();
	ck_assert_uint_eq(f & (BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_MTU) |
			       BIT(VIRTIO_NET_F_STATUS)),
			  BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_MTU) | BIT(VIRTIO_NET_F_STATUS));
	ck_assert_uint_eq(f & (BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM) |
			       BIT(VIRTIO_NET_F_MRG_RXBUF) | BIT(VIRTIO_NET_F_HOST_TSO4)),
			  0);
	vdrv_negotiate(&v, ~0ull);
	ck_assert(features_ok());
	ck_assert_uint_eq(offload_calls, 0); /* the tap takes none: never asked */
}
END_TEST

START_TEST(test_features_offloads)
{
	uint64_t tso = BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_HOST_TSO6) |
		       BIT(VIRTIO_NET_F_GUEST_TSO4) | BIT(VIRTIO_NET_F_GUEST_TSO6);

	make(VIRTIO_NET_TAP_CSUM | VIRTIO_NET_TAP_TSO4 | VIRTIO_NET_TAP_TSO6, false, 0);
	ck_assert_uint_eq(offered() & tso, tso);
	ck_assert_uint_eq(offered() & BIT(VIRTIO_NET_F_MRG_RXBUF), 0); /* userspace path */
	/* GUEST_TSO4 needs GUEST_CSUM, HOST_TSO6 needs CSUM: refused */
	vdrv_negotiate(&v, BIT(VIRTIO_NET_F_GUEST_TSO4));
	ck_assert(!features_ok());
	vdrv_negotiate(&v, BIT(VIRTIO_NET_F_HOST_TSO6));
	ck_assert(!features_ok());
	ck_assert_uint_eq(offload_calls, 0);
	/* what the guest receives offloaded is what the tap may hand over */
	vdrv_negotiate(&v, BIT(VIRTIO_NET_F_GUEST_CSUM) | BIT(VIRTIO_NET_F_GUEST_TSO6) |
				   BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_HOST_TSO4));
	ck_assert(features_ok());
	ck_assert_uint_eq(offload_calls, 1);
	ck_assert_uint_eq(offload_last, VIRTIO_NET_TAP_CSUM | VIRTIO_NET_TAP_TSO6);
	vdrv_negotiate(&v, 0);
	ck_assert(features_ok());
	ck_assert_uint_eq(offload_last, 0);
	/* TUNSETOFFLOAD failing: FEATURES_OK stays clear */
	offload_ret = -EINVAL;
	vdrv_negotiate(&v, BIT(VIRTIO_NET_F_GUEST_CSUM));
	ck_assert(!features_ok());
}
END_TEST

START_TEST(test_features_checksum_only)
{
	make(VIRTIO_NET_TAP_CSUM, false, 0);
	ck_assert_uint_eq(offered() & (BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM)),
			  BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM));
	ck_assert_uint_eq(offered() & (BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_GUEST_TSO4)),
			  0);
}
END_TEST

/* A frame from the guest reaches the tap whole, header first; one per chain. */
START_TEST(test_tx)
{
	uint64_t gpa[2] = { VDRV_DATA, VDRV_DATA + 0x1000 };
	uint32_t len[2] = { VIRTIO_NET_HDR_LEN, 100 };
	uint8_t got[512];
	uint16_t id, head;
	uint32_t n;
	struct virtio_net_stats st;

	make(0, false, 0);
	up(~0ull);
	memset(vdrv_ptr(&v, VDRV_DATA), 0xa5, VIRTIO_NET_HDR_LEN);
	for (unsigned int i = 0; i < 100; i++) {
		((uint8_t *)vdrv_ptr(&v, VDRV_DATA + 0x1000))[i] = (uint8_t)i;
	}
	head = vdrv_chain(&v, TXQ, 2, gpa, len, 0);
	vdrv_kick(&v, TXQ);
	ck_assert(vdrv_complete(&v, TXQ, &id, &n));
	ck_assert_uint_eq(id, head);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(recv(sp[1], got, sizeof(got), 0), 112);
	ck_assert(!memcmp(got, vdrv_ptr(&v, VDRV_DATA), 12));
	ck_assert(!memcmp(got + 12, vdrv_ptr(&v, VDRV_DATA + 0x1000), 100));
	/* shorter than a header: dropped, the chain still comes back */
	len[0] = 4;
	vdrv_chain(&v, TXQ, 1, gpa, len, 0);
	vdrv_kick(&v, TXQ);
	ck_assert(vdrv_complete(&v, TXQ, &id, &n));
	ck_assert_int_eq(recv(sp[1], got, sizeof(got), 0), -1);
	virtio_net_stats(v.d, &st);
	ck_assert_uint_eq(st.tx_packets, 1);
	ck_assert_uint_eq(st.tx_dropped, 1);
}
END_TEST

/* @len bytes: a header, then bytes seeded by @seed. */
static void frame(uint8_t *f, size_t len, uint8_t seed)
{
	memset(f, 0, VIRTIO_NET_HDR_LEN);
	f[10] = 0x77; /* num_buffers as the tap leaves it: the device must set 1 */
	for (size_t i = VIRTIO_NET_HDR_LEN; i < len; i++) {
		f[i] = (uint8_t)(seed + i);
	}
}

/* Frames from the tap wait for receive buffers, in order, none lost. */
START_TEST(test_rx)
{
	uint64_t gpa[2] = { VDRV_DATA, VDRV_DATA + 0x1000 };
	uint32_t len[2] = { 40, 2000 };
	uint8_t f1[300], f2[1500], exp[1500];
	uint16_t id, head;
	uint32_t n;
	uint8_t *g = vdrv_ptr(&v, VDRV_DATA);
	struct virtio_net_stats st;

	make(0, false, 0);
	frame(f1, sizeof(f1), 1);
	frame(f2, sizeof(f2), 2);
	/* before DRIVER_OK: nothing is read */
	ck_assert_int_eq(send(sp[1], f1, sizeof(f1), 0), (ssize_t)sizeof(f1));
	up(~0ull);
	ck_assert_int_eq(send(sp[1], f2, sizeof(f2), 0), (ssize_t)sizeof(f2));
	/* no receive buffer yet: no interrupt, the frames wait */
	ck_assert(!vdrv_wait_irq(&v, 100));
	head = vdrv_chain(&v, RXQ, 2, gpa, len, 2);
	vdrv_kick(&v, RXQ);
	/* an interrupt for it, though the next frame then finds no buffer */
	ck_assert(vdrv_wait_irq(&v, 2000));
	ck_assert(vdrv_used(&v, RXQ, &id, &n));
	ck_assert_uint_eq(id, head);
	ck_assert_uint_eq(n, sizeof(f1));
	memcpy(exp, f1, sizeof(f1));
	exp[10] = 1;
	exp[11] = 0;
	ck_assert(!memcmp(g, exp, 40)); /* split over the chain's two buffers */
	ck_assert(!memcmp(vdrv_ptr(&v, VDRV_DATA + 0x1000), exp + 40, sizeof(f1) - 40));
	ck_assert(!vdrv_used(&v, RXQ, &id, &n));
	/* the second one, once the guest gives another buffer */
	vdrv_chain(&v, RXQ, 2, gpa, len, 2);
	vdrv_kick(&v, RXQ);
	ck_assert(vdrv_complete(&v, RXQ, &id, &n));
	ck_assert_uint_eq(n, sizeof(f2));
	memcpy(exp, f2, sizeof(f2));
	exp[10] = 1;
	exp[11] = 0;
	ck_assert(!memcmp(g, exp, 40));
	ck_assert(!memcmp(vdrv_ptr(&v, VDRV_DATA + 0x1000), exp + 40, sizeof(f2) - 40));
	/* a buffer already there: a frame goes in at once */
	vdrv_chain(&v, RXQ, 2, gpa, len, 2);
	vdrv_kick(&v, RXQ);
	ck_assert_int_eq(send(sp[1], f1, sizeof(f1), 0), (ssize_t)sizeof(f1));
	ck_assert(vdrv_complete(&v, RXQ, &id, &n));
	ck_assert_uint_eq(n, sizeof(f1));
	virtio_net_stats(v.d, &st);
	ck_assert_uint_eq(st.rx_packets, 3);
	ck_assert_uint_eq(st.rx_dropped, 0);
}
END_TEST

/* A frame larger than its chain is dropped (used length 0); the next one is fine. */
START_TEST(test_rx_too_small)
{
	uint64_t gpa[1] = { VDRV_DATA };
	uint32_t small[1] = { 64 }, big[1] = { 2048 };
	uint8_t f[200];
	uint16_t id;
	uint32_t n;
	struct virtio_net_stats st;

	make(0, false, 0);
	up(~0ull);
	memset(vdrv_ptr(&v, VDRV_DATA), 0, 256);
	vdrv_chain(&v, RXQ, 1, gpa, small, 1);
	vdrv_kick(&v, RXQ);
	frame(f, sizeof(f), 3);
	ck_assert_int_eq(send(sp[1], f, sizeof(f), 0), (ssize_t)sizeof(f));
	ck_assert(vdrv_complete(&v, RXQ, &id, &n));
	ck_assert_uint_eq(n, 0);
	vdrv_chain(&v, RXQ, 1, gpa, big, 1);
	vdrv_kick(&v, RXQ);
	ck_assert_int_eq(send(sp[1], f, 100, 0), 100);
	ck_assert(vdrv_complete(&v, RXQ, &id, &n));
	ck_assert_uint_eq(n, 100);
	virtio_net_stats(v.d, &st);
	ck_assert_uint_eq(st.rx_dropped, 1);
	ck_assert_uint_eq(st.rx_packets, 1);
}
END_TEST

/* After a reset the device reads no frame and writes no buffer. */
START_TEST(test_reset_quiesces)
{
	uint64_t gpa[1] = { VDRV_DATA };
	uint32_t len[1] = { 2048 };
	uint8_t f[100], got[128];

	make(0, false, 0);
	up(~0ull);
	vdrv_wr(&v, VIRTIO_MMIO_STATUS, 0);
	memset(vdrv_ptr(&v, VDRV_DATA), 0, 2048);
	ck_assert(vdrv_queue(&v, RXQ, 8));
	vdrv_chain(&v, RXQ, 1, gpa, len, 1);
	vdrv_kick(&v, RXQ);
	frame(f, sizeof(f), 4);
	ck_assert_int_eq(send(sp[1], f, sizeof(f), 0), (ssize_t)sizeof(f));
	ck_assert(!vdrv_wait_irq(&v, 200));
	ck_assert_uint_eq(((uint8_t *)vdrv_ptr(&v, VDRV_DATA))[20], 0);
	/* the frame is still in the "tap": the device did not take it */
	ck_assert_int_eq(recv(sp[0], got, sizeof(got), 0), (ssize_t)sizeof(f));
}
END_TEST

/* A malformed receive chain: NEEDS_RESET, no used entry, the tap no longer read. */
START_TEST(test_rx_malformed)
{
	uint8_t f[100];
	uint16_t id;
	uint32_t n;

	make(0, false, 0);
	up(~0ull);
	vdrv_desc(&v, RXQ, 0, VDRV_RAM_BASE + VDRV_RAM_SIZE - 16, 64, VIRTQ_DESC_F_WRITE, 0);
	vdrv_avail(&v, RXQ, 0);
	vdrv_kick(&v, RXQ);
	frame(f, sizeof(f), 5);
	ck_assert_int_eq(send(sp[1], f, sizeof(f), 0), (ssize_t)sizeof(f));
	ck_assert(vdrv_wait_irq(&v, 2000));
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET,
			  VIRTIO_CONFIG_S_NEEDS_RESET);
	ck_assert(!vdrv_used(&v, RXQ, &id, &n));
}
END_TEST

/* vhost: both queues handed over at DRIVER_OK with the right rings and fds. */
START_TEST(test_vhost)
{
	uint64_t vf = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_RING_F_EVENT_IDX) |
		      BIT(VIRTIO_RING_F_INDIRECT_DESC) | BIT(VIRTIO_NET_F_MRG_RXBUF) | BIT(27);
	uint64_t neg;
	int call;
	struct pollfd p;

	make(VIRTIO_NET_TAP_CSUM, true, vf);
	ck_assert_uint_eq(offered() & BIT(VIRTIO_NET_F_MRG_RXBUF), BIT(VIRTIO_NET_F_MRG_RXBUF));
	neg = vdrv_negotiate(&v, ~0ull);
	ck_assert(features_ok());
	ck_assert(vdrv_queue(&v, RXQ, 8));
	ck_assert(vdrv_queue(&v, TXQ, 16));
	ck_assert_uint_eq(fv.nset_features, 0); /* nothing before DRIVER_OK */
	vdrv_driver_ok(&v);
	ck_assert_uint_eq(fv.nset_features, 1);
	ck_assert_uint_eq(fv.features, neg & vf);
	ck_assert_uint_eq(fv.features & BIT(VIRTIO_NET_F_CSUM), 0); /* the tap's business */
	for (unsigned int q = 0; q < 2; q++) {
		uint8_t *r = vdrv_ptr(&v, VDRV_RING(q));

		ck_assert(fv.ring_set[q]);
		ck_assert_uint_eq(fv.ring[q].num, q == RXQ ? 8 : 16);
		ck_assert_ptr_eq(fv.ring[q].desc, r);
		ck_assert_ptr_eq(fv.ring[q].avail, r + 0x1000);
		ck_assert_ptr_eq(fv.ring[q].used, r + 0x2000);
		ck_assert_int_eq(fv.ring[q].kick, v.d->kick[q]);
		ck_assert_int_eq(fv.backend[q], sp[0]);
	}
	ck_assert(!fv.ring_set[2]);
	call = fv.ring[0].call;
	ck_assert_int_eq(fv.ring[1].call, call);
	ck_assert_int_ne(call, v.d->irqfd);
	/* the kicks are vhost's: DRIVER_OK signalled them, hotvm does not read them */
	p = (struct pollfd){ .fd = v.d->kick[TXQ], .events = POLLIN };
	usleep(50000);
	ck_assert_int_eq(poll(&p, 1, 0), 1);
	/* vhost used buffers: one interrupt with the VRING bit */
	ck_assert(!vdrv_wait_irq(&v, 0));
	eventfd_signal(call);
	ck_assert(vdrv_wait_irq(&v, 2000));
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	vdrv_wr(&v, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	/* reset: the tap taken away and both vrings stopped before it returns */
	vdrv_wr(&v, VIRTIO_MMIO_STATUS, 0);
	ck_assert_int_eq(fv.backend[RXQ], -1);
	ck_assert_int_eq(fv.backend[TXQ], -1);
	ck_assert(fv.stopped[RXQ] && fv.stopped[TXQ]);
	/* a late call after the reset raises nothing */
	eventfd_signal(call);
	ck_assert(!vdrv_wait_irq(&v, 200));
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* and a second driver gets it all again */
	fv_clear();
	up(~0ull);
	ck_assert(fv.ring_set[RXQ] && fv.ring_set[TXQ]);
	ck_assert_int_eq(fv.backend[TXQ], sp[0]);
}
END_TEST

/* vhost refusing a vring: NEEDS_RESET, and no backend left set. */
START_TEST(test_vhost_fails)
{
	uint64_t vf = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_RING_F_EVENT_IDX) |
		      BIT(VIRTIO_RING_F_INDIRECT_DESC);

	make(0, true, vf);
	fv.fail_set_ring = -EINVAL;
	up(~0ull);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET,
			  VIRTIO_CONFIG_S_NEEDS_RESET);
	ck_assert_uint_eq(fv.nbackend, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_net");
	TCase *tc = tcase_create("virtio_net");

	/* ASan + UBSan on a loaded machine: Check's default 4 s is too tight */
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_features_none);
	tcase_add_test(tc, test_features_offloads);
	tcase_add_test(tc, test_features_checksum_only);
	tcase_add_test(tc, test_tx);
	tcase_add_test(tc, test_rx);
	tcase_add_test(tc, test_rx_too_small);
	tcase_add_test(tc, test_reset_quiesces);
	tcase_add_test(tc, test_rx_malformed);
	tcase_add_test(tc, test_vhost);
	tcase_add_test(tc, test_vhost_fails);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
