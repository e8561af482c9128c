// SPDX-License-Identifier: MIT
/*
 * Unit tests for the virtio-mmio transport (src/dev/virtio_mmio.c) with a
 * fake device and guest RAM: identification registers, access widths,
 * feature negotiation (FEATURES_OK refused for a feature the device does
 * not offer, without VERSION_1, or when the device says no), queue set-up
 * through the registers down to a popped chain, notifications around
 * DRIVER_OK and NEEDS_RESET, the interrupt status and line, config space,
 * and reset.
 */
#include <string.h>

#include "unit.h"
#include "dev/virtio_mmio.h"

#define BASE	 0x0a000000ull
#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x40000ull

#define DEV_FEATURES (1ull << 5 | 1ull << 40) /* two device-specific bits */

static struct ram ram;
static struct virtio_mmio *vm;

/* the fake device */
static uint8_t config[12];
static unsigned int nnotify, last_notify, nreset, nset;
static uint64_t set_with;
static bool refuse;
static int level, nirq;

static uint64_t dev_features(void *o)
{
	return DEV_FEATURES;
}

static bool dev_set_features(void *o, uint64_t f)
{
	nset++;
	set_with = f;
	return !refuse;
}

static void dev_config_read(void *o, uint32_t off, uint8_t *data, uint32_t len)
{
	ck_assert_uint_le(off + len, sizeof(config));
	memcpy(data, config + off, len);
}

static void dev_config_write(void *o, uint32_t off, const uint8_t *data, uint32_t len)
{
	ck_assert_uint_le(off + len, sizeof(config));
	memcpy(config + off, data, len);
}

static void dev_notify(void *o, unsigned int q)
{
	nnotify++;
	last_notify = q;
}

static void dev_reset(void *o)
{
	nreset++;
}

static void irq(void *o, int l)
{
	level = l;
	nirq++;
}

static const struct virtio_mmio_ops ops = {
    .features = dev_features,
    .set_features = dev_set_features,
    .config_read = dev_config_read,
    .config_write = dev_config_write,
    .notify = dev_notify,
    .reset = dev_reset,
};

static const struct virtio_mmio_config cfg = {
    .device_id = 2,
    .vendor_id = 0x554d4551,
    .nqueues = 2,
    .queue_max = {256, 16},
    .config_size = sizeof(config),
};

static void setup(void)
{
	ram.base = RAM_BASE;
	ram.size = RAM_SIZE;
	ram.hva = aligned_alloc(4096, RAM_SIZE);
	ck_assert_ptr_nonnull(ram.hva);
	memset(ram.hva, 0, RAM_SIZE);
	for (unsigned int i = 0; i < sizeof(config); i++) {
		config[i] = (uint8_t)(0x10 + i);
	}
	nnotify = nreset = nset = 0;
	last_notify = ~0u;
	set_with = 0;
	refuse = false;
	level = 0;
	nirq = 0;
	vm = virtio_mmio_create(BASE, &ram, &cfg, &ops, NULL, irq, NULL);
	ck_assert_ptr_nonnull(vm);
}

static void teardown(void)
{
	virtio_mmio_destroy(vm);
	free(ram.hva);
}

static uint32_t rd(unsigned int off)
{
	uint8_t d[4] = {0xaa, 0xaa, 0xaa, 0xaa};
	uint32_t v;

	virtio_mmio_mmio(NULL, BASE + off, d, 4, false, vm);
	memcpy(&v, d, 4);
	return v;
}

static void wr(unsigned int off, uint32_t v)
{
	virtio_mmio_mmio(NULL, BASE + off, (uint8_t *)&v, 4, true, vm);
}

/* A read of @len bytes; bytes not written by the transport show as 0xaa. */
static uint64_t rdn(unsigned int off, uint32_t len)
{
	uint8_t d[8];
	uint64_t v = 0;

	memset(d, 0xaa, sizeof(d));
	virtio_mmio_mmio(NULL, BASE + off, d, len, false, vm);
	memcpy(&v, d, len);
	return v;
}

enum {
	ACK = VIRTIO_CONFIG_S_ACKNOWLEDGE,
	DRV = VIRTIO_CONFIG_S_DRIVER,
	FOK = VIRTIO_CONFIG_S_FEATURES_OK,
	DOK = VIRTIO_CONFIG_S_DRIVER_OK,
	NRESET = VIRTIO_CONFIG_S_NEEDS_RESET
};

static void ack_features(uint64_t f)
{
	wr(VIRTIO_MMIO_STATUS, ACK);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK);
}

/* Queue @q with @num entries, rings in RAM, as Linux's vm_setup_vq does. */
static void queue_setup(unsigned int q, uint32_t num)
{
	uint64_t desc = RAM_BASE + 0x1000 + 0x10000 * q;

	wr(VIRTIO_MMIO_QUEUE_SEL, q);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, num);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(desc + 0x4000));
	wr(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)((desc + 0x4000) >> 32));
	wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(desc + 0x8000));
	wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)((desc + 0x8000) >> 32));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
}

START_TEST(test_ids)
{
	ck_assert_uint_eq(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_ID), 2);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_VENDOR_ID), 0x554d4551);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_CONFIG_GENERATION), 0);
	/* registers: 32-bit aligned only; other accesses read 0 */
	ck_assert_uint_eq(rdn(VIRTIO_MMIO_MAGIC_VALUE, 2), 0);
	ck_assert_uint_eq(rdn(VIRTIO_MMIO_MAGIC_VALUE, 1), 0);
	ck_assert_uint_eq(rdn(VIRTIO_MMIO_MAGIC_VALUE, 8), 0);
	ck_assert_uint_eq(rdn(VIRTIO_MMIO_MAGIC_VALUE + 2, 4), 0);
	/* write-only and reserved registers read 0 */
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_NUM), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DRIVER_FEATURES), 0);
	ck_assert_uint_eq(rd(0x0f0), 0);
	/* no shared memory regions: length -1 (what Linux checks) */
	wr(VIRTIO_MMIO_SHM_SEL, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffffu);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffffu);
	/* a write to a read-only register changes nothing */
	wr(VIRTIO_MMIO_DEVICE_ID, 7);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_ID), 2);
	/* a narrow status write is ignored */
	virtio_mmio_mmio(NULL, BASE + VIRTIO_MMIO_STATUS, (uint8_t[]){ACK}, 1, true, vm);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 0);
}
END_TEST

START_TEST(test_features)
{
	uint64_t all = DEV_FEATURES | 1ull << VIRTIO_F_VERSION_1 |
		       1ull << VIRTIO_RING_F_INDIRECT_DESC | 1ull << VIRTIO_RING_F_EVENT_IDX;
	uint64_t want = 1ull << 5 | 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_RING_F_EVENT_IDX;

	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_FEATURES), (uint32_t)all);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_FEATURES), (uint32_t)(all >> 32));
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0x101);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0);

	ack_features(want);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV | FOK);
	ck_assert_uint_eq(nset, 1);
	ck_assert_uint_eq(set_with, want);
	ck_assert_uint_eq(virtio_mmio_driver_features(vm), want);
	/* after FEATURES_OK the features are fixed */
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	ck_assert_uint_eq(virtio_mmio_driver_features(vm), want);
	/* setting FEATURES_OK again does not ask the device again */
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK);
	ck_assert_uint_eq(nset, 1);
	/* reset forgets them; a selector past the second word stores nothing */
	wr(VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(virtio_mmio_driver_features(vm), 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 2);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffffu);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
	ck_assert_uint_eq(virtio_mmio_driver_features(vm), 0); /* not before FEATURES_OK */
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV | FOK);
	ck_assert_uint_eq(virtio_mmio_driver_features(vm), 1ull << VIRTIO_F_VERSION_1);
}
END_TEST

START_TEST(test_features_refused)
{
	/* a feature the device lacks (bit 6) */
	ack_features(1ull << 5 | 1ull << 6 | 1ull << VIRTIO_F_VERSION_1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV);
	ck_assert_uint_eq(nset, 0); /* refused before the device is asked */
	/* ... one in the high word (bit 33) */
	wr(VIRTIO_MMIO_STATUS, 0);
	ack_features(1ull << 33 | 1ull << VIRTIO_F_VERSION_1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV);
	/* no VERSION_1: a legacy driver on a version 2 device */
	wr(VIRTIO_MMIO_STATUS, 0);
	ack_features(1ull << 5);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV);
	ck_assert_uint_eq(nset, 0);
	/* the device refuses the combination */
	wr(VIRTIO_MMIO_STATUS, 0);
	refuse = true;
	ack_features(1ull << 40 | 1ull << VIRTIO_F_VERSION_1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV);
	ck_assert_uint_eq(nset, 1);
	ck_assert_uint_eq(set_with, 1ull << 40 | 1ull << VIRTIO_F_VERSION_1);
	ck_assert_uint_eq(virtio_mmio_driver_features(vm), 0);
	/* and accepts it once it may */
	refuse = false;
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV | FOK);
}
END_TEST

START_TEST(test_queue_setup)
{
	uint64_t desc = RAM_BASE + 0x1000, avail = desc + 0x4000;
	struct virtq_buf b[4];
	struct virtq_chain c;
	struct virtq *q;
	uint8_t *d = ram.hva + 0x1000;
	uint64_t buf = RAM_BASE + 0x30000;
	uint32_t len = 64;
	uint16_t one = 1;

	ack_features(1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_RING_F_EVENT_IDX);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 256);
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 16);
	wr(VIRTIO_MMIO_QUEUE_SEL, 2); /* no such queue */
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_ptr_null(virtio_mmio_queue(vm, 2));

	queue_setup(0, 128);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	q = virtio_mmio_queue(vm, 0);
	ck_assert(q->ready && q->event_idx && !q->indirect);
	ck_assert_uint_eq(q->size, 128);
	ck_assert_uint_eq(q->desc_gpa, desc);
	ck_assert_uint_eq(q->avail_gpa, avail);
	ck_assert_uint_eq(q->used_gpa, desc + 0x8000);
	/* the driver offers one buffer; the device pops it through the transport's queue */
	memcpy(d, &buf, 8);
	memcpy(d + 8, &len, 4);
	memcpy(ram.hva + 0x5002, &one, 2); /* avail->idx = 1, ring[0] = 0 */
	ck_assert_int_eq(virtq_pop(q, &c, b, 4), 1);
	ck_assert_ptr_eq(b[0].p, ram.hva + 0x30000);
	ck_assert_uint_eq(b[0].len, 64);
	/* queue registers are fixed while it is ready */
	wr(VIRTIO_MMIO_QUEUE_NUM, 64);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(q->size, 128);
	ck_assert_uint_eq(q->last_avail, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & NRESET, 0);
	/* torn down before DRIVER_OK: reads 0, the queue is gone */
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(!q->ready);
}
END_TEST

START_TEST(test_queue_bad)
{
	ack_features(1ull << VIRTIO_F_VERSION_1);
	/* more than QueueNumMax */
	queue_setup(1, 32);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(!virtio_mmio_queue(vm, 1)->ready);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV | FOK | NRESET);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0); /* no DRIVER_OK yet */
	/* NEEDS_RESET survives the driver's status writes, not a reset */
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK | DOK);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV | FOK | DOK | NRESET);
	ck_assert_uint_eq(nnotify, 0);
	wr(VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 0);
	/* not a power of 2; zero; rings outside RAM; misaligned */
	ack_features(1ull << VIRTIO_F_VERSION_1);
	queue_setup(0, 100);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & NRESET, NRESET);
	wr(VIRTIO_MMIO_STATUS, 0);
	ack_features(1ull << VIRTIO_F_VERSION_1);
	queue_setup(0, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & NRESET, NRESET);
	/* the used ring 4 GiB up: outside RAM */
	wr(VIRTIO_MMIO_STATUS, 0);
	ack_features(1ull << VIRTIO_F_VERSION_1);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 16);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)RAM_BASE + 0x1000);
	wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)RAM_BASE + 0x2000);
	wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)RAM_BASE + 0x3000);
	wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 1);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & NRESET, NRESET);
	wr(VIRTIO_MMIO_STATUS, 0);
	ack_features(1ull << VIRTIO_F_VERSION_1);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 16);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)RAM_BASE + 0x1008); /* not 16-aligned */
	wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)RAM_BASE + 0x2000);
	wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)RAM_BASE + 0x3000);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & NRESET, NRESET);
}
END_TEST

START_TEST(test_notify)
{
	ack_features(1ull << VIRTIO_F_VERSION_1);
	queue_setup(0, 16);
	/* before DRIVER_OK a kick is not passed on ... */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(nnotify, 0);
	/* ... DRIVER_OK looks at every ready queue (0, not 1) */
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK | DOK);
	ck_assert_uint_eq(nnotify, 1);
	ck_assert_uint_eq(last_notify, 0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(nnotify, 2);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1); /* not ready */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 2); /* no such queue */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0x10000);
	ck_assert_uint_eq(nnotify, 2);
	/* a queue set up after DRIVER_OK works too */
	queue_setup(1, 8);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	ck_assert_uint_eq(nnotify, 3);
	ck_assert_uint_eq(last_notify, 1);
	/* the device gives up: NEEDS_RESET, a config interrupt, no more notifies */
	virtio_mmio_needs_reset(vm);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV | FOK | DOK | NRESET);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	ck_assert_int_eq(level, 1);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(nnotify, 3);
	/* set twice: one interrupt */
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	virtio_mmio_needs_reset(vm);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* tearing down a queue of a running device leaves the device its queue */
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(virtio_mmio_queue(vm, 1)->ready);
	/* and enabling it again (new rings) while the device has it is refused */
	wr(VIRTIO_MMIO_STATUS, 0);
	ack_features(1ull << VIRTIO_F_VERSION_1);
	queue_setup(1, 8);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK | DOK);
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 4);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_uint_eq(virtio_mmio_queue(vm, 1)->size, 8);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & NRESET, NRESET);
}
END_TEST

START_TEST(test_interrupts)
{
	virtio_mmio_interrupt(vm, VIRTIO_MMIO_INT_VRING);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 1);
	ck_assert_int_eq(level, 1);
	ck_assert_int_eq(nirq, 1);
	virtio_mmio_config_changed(vm);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 3);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_CONFIG_GENERATION), 1);
	ck_assert_int_eq(nirq, 1);	 /* the line was already high */
	virtio_mmio_interrupt(vm, 0xfc); /* undefined bits are dropped */
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 3);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 2);
	ck_assert_int_eq(level, 1);
	ck_assert_int_eq(nirq, 2); /* asserted again: a new edge for the bit still set */
	wr(VIRTIO_MMIO_INTERRUPT_ACK, 2);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	ck_assert_int_eq(level, 0);
	ck_assert_int_eq(nirq, 3);
	/* InterruptStatus is read-only */
	wr(VIRTIO_MMIO_INTERRUPT_STATUS, 3);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	virtio_mmio_config_changed(vm);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_CONFIG_GENERATION), 2);
	ck_assert_int_eq(level, 1);
}
END_TEST

START_TEST(test_config)
{
	ck_assert_uint_eq(rdn(0x100, 1), 0x10);
	ck_assert_uint_eq(rdn(0x102, 2), 0x1312);
	ck_assert_uint_eq(rdn(0x104, 4), 0x17161514);
	ck_assert_uint_eq(rdn(0x108, 4), 0x1b1a1918);
	/* misaligned, 8 bytes wide, past config_size: 0 */
	ck_assert_uint_eq(rdn(0x101, 2), 0);
	ck_assert_uint_eq(rdn(0x102, 4), 0);
	ck_assert_uint_eq(rdn(0x100, 8), 0);
	ck_assert_uint_eq(rdn(0x10c, 4), 0);
	ck_assert_uint_eq(rdn(0x10c, 1), 0);
	ck_assert_uint_eq(rdn(0x1fc, 4), 0);
	virtio_mmio_mmio(NULL, BASE + 0x101, (uint8_t[]){0x99}, 1, true, vm);
	ck_assert_uint_eq(config[1], 0x99);
	virtio_mmio_mmio(NULL, BASE + 0x104, (uint8_t[]){1, 2, 3, 4}, 4, true, vm);
	ck_assert_uint_eq(rdn(0x104, 4), 0x04030201);
	virtio_mmio_mmio(NULL, BASE + 0x10a, (uint8_t[]){1, 2, 3, 4}, 4, true, vm);
	ck_assert_uint_eq(config[10], 0x1a); /* misaligned write ignored */
}
END_TEST

START_TEST(test_reset)
{
	ack_features(1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_RING_F_INDIRECT_DESC);
	queue_setup(0, 16);
	queue_setup(1, 16);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK | DOK);
	virtio_mmio_interrupt(vm, VIRTIO_MMIO_INT_VRING);
	virtio_mmio_needs_reset(vm);
	ck_assert_int_eq(level, 1);

	wr(VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(nreset, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 0); /* synchronous */
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	ck_assert_int_eq(level, 0);
	ck_assert_uint_eq(virtio_mmio_driver_features(vm), 0);
	for (unsigned int i = 0; i < 2; i++) {
		ck_assert(!virtio_mmio_queue(vm, i)->ready);
		wr(VIRTIO_MMIO_QUEUE_SEL, i);
		ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	}
	/* a fresh start: set up again from scratch, a smaller queue this time */
	ack_features(1ull << VIRTIO_F_VERSION_1);
	queue_setup(0, 4);
	ck_assert_uint_eq(virtio_mmio_queue(vm, 0)->size, 4);
	ck_assert(!virtio_mmio_queue(vm, 0)->indirect);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV | FOK);
}
END_TEST

START_TEST(test_create_checks)
{
	struct virtio_mmio_config c = cfg;
	struct virtio_mmio_ops o = ops;

	c.device_id = 0;
	ck_assert_ptr_null(virtio_mmio_create(BASE, &ram, &c, &ops, NULL, irq, NULL));
	c = cfg;
	c.nqueues = VIRTIO_MMIO_MAX_QUEUES + 1;
	ck_assert_ptr_null(virtio_mmio_create(BASE, &ram, &c, &ops, NULL, irq, NULL));
	c = cfg;
	c.queue_max[1] = 24;
	ck_assert_ptr_null(virtio_mmio_create(BASE, &ram, &c, &ops, NULL, irq, NULL));
	c.queue_max[1] = 0;
	ck_assert_ptr_null(virtio_mmio_create(BASE, &ram, &c, &ops, NULL, irq, NULL));
	c = cfg;
	c.config_size = 0x101;
	ck_assert_ptr_null(virtio_mmio_create(BASE, &ram, &c, &ops, NULL, irq, NULL));
	o.reset = NULL;
	ck_assert_ptr_null(virtio_mmio_create(BASE, &ram, &cfg, &o, NULL, irq, NULL));
	o = ops;
	o.config_read = NULL;
	ck_assert_ptr_null(virtio_mmio_create(BASE, &ram, &cfg, &o, NULL, irq, NULL));
	c = cfg;
	c.config_size = 0; /* no config space: no config ops needed */
	c.queue_max[1] = 32768;
	{
		struct virtio_mmio *v = virtio_mmio_create(BASE, &ram, &c, &o, NULL, irq, NULL);

		ck_assert_ptr_nonnull(v);
		virtio_mmio_destroy(v);
	}
	virtio_mmio_destroy(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_mmio");
	TCase *tc = tcase_create("virtio_mmio");

	/* ASan + UBSan on a loaded machine: Check's default 4 s is too tight */
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ids);
	tcase_add_test(tc, test_features);
	tcase_add_test(tc, test_features_refused);
	tcase_add_test(tc, test_queue_setup);
	tcase_add_test(tc, test_queue_bad);
	tcase_add_test(tc, test_notify);
	tcase_add_test(tc, test_interrupts);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_create_checks);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
