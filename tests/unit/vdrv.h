/* SPDX-License-Identifier: MIT */
/*
 * A fake virtio driver for unit tests of device types: it plays the guest
 * over a struct virtio_dev (dev/virtio_dev.h) in fake guest RAM, through
 * the same paths as under KVM: registers through virtio_mmio_mmio(),
 * queue notifications by signalling the device's kick eventfds (what
 * KVM's ioeventfd does), interrupts by reading its irqfd (what KVM's
 * irqfd reads). Queue q's rings live at VDRV_RING(q); buffers anywhere
 * else in RAM.
 */
#ifndef HOTVM_TEST_VDRV_H
#define HOTVM_TEST_VDRV_H

#include <endian.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/iothread.h"
#include "dev/virtio_dev.h"
#include "lib/virtq.h"

#define VDRV_RAM_BASE 0x40000000ull
#define VDRV_RAM_SIZE 0x400000ull		   /* 4 MiB */
#define VDRV_RING(q)  (VDRV_RAM_BASE + 0x4000ull * (q)) /* desc; avail +0x1000; used +0x2000 */
#define VDRV_DATA     (VDRV_RAM_BASE + 0x100000ull)	   /* free for buffers */

struct vdrv {
	struct ram ram;
	struct virtio_dev *d;
	uint16_t size[VIRTIO_MMIO_MAX_QUEUES];
	uint16_t avail_idx[VIRTIO_MMIO_MAX_QUEUES];
	uint16_t used_seen[VIRTIO_MMIO_MAX_QUEUES];
	uint16_t next_desc[VIRTIO_MMIO_MAX_QUEUES];
};

static inline void *vdrv_ptr(struct vdrv *v, uint64_t gpa)
{
	return (uint8_t *)v->ram.hva + (gpa - VDRV_RAM_BASE);
}

static inline void vdrv_ram(struct vdrv *v)
{
	memset(v, 0, sizeof(*v));
	v->ram.base = VDRV_RAM_BASE;
	v->ram.size = VDRV_RAM_SIZE;
	v->ram.hva = aligned_alloc(4096, VDRV_RAM_SIZE);
	memset(v->ram.hva, 0, VDRV_RAM_SIZE);
}

static inline uint32_t vdrv_rd(struct vdrv *v, unsigned int off)
{
	uint32_t x;

	virtio_mmio_mmio(NULL, v->d->base + off, (uint8_t *)&x, 4, false, v->d->mmio);
	return le32toh(x);
}

static inline void vdrv_wr(struct vdrv *v, unsigned int off, uint32_t val)
{
	uint32_t x = htole32(val);

	virtio_mmio_mmio(NULL, v->d->base + off, (uint8_t *)&x, 4, true, v->d->mmio);
}

/* ACKNOWLEDGE, DRIVER, the device's features & @want, FEATURES_OK: the features set. */
static inline uint64_t vdrv_negotiate(struct vdrv *v, uint64_t want)
{
	uint64_t f;

	vdrv_wr(v, VIRTIO_MMIO_STATUS, 0);
	vdrv_wr(v, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vdrv_wr(v, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	vdrv_wr(v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = vdrv_rd(v, VIRTIO_MMIO_DEVICE_FEATURES);
	vdrv_wr(v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f |= (uint64_t)vdrv_rd(v, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	f &= want | 1ull << VIRTIO_F_VERSION_1;
	vdrv_wr(v, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vdrv_wr(v, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	vdrv_wr(v, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vdrv_wr(v, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	vdrv_wr(v, VIRTIO_MMIO_STATUS,
		VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	return f;
}

/* Queue @q with @size entries at VDRV_RING(q); true if QueueReady reads back 1. */
static inline bool vdrv_queue(struct vdrv *v, unsigned int q, uint16_t size)
{
	uint64_t r = VDRV_RING(q);

	memset(vdrv_ptr(v, r), 0, 0x4000);
	v->size[q] = size;
	v->avail_idx[q] = v->used_seen[q] = v->next_desc[q] = 0;
	vdrv_wr(v, VIRTIO_MMIO_QUEUE_SEL, q);
	vdrv_wr(v, VIRTIO_MMIO_QUEUE_NUM, size);
	vdrv_wr(v, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)r);
	vdrv_wr(v, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(r >> 32));
	vdrv_wr(v, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(r + 0x1000));
	vdrv_wr(v, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)((r + 0x1000) >> 32));
	vdrv_wr(v, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(r + 0x2000));
	vdrv_wr(v, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)((r + 0x2000) >> 32));
	vdrv_wr(v, VIRTIO_MMIO_QUEUE_READY, 1);
	return vdrv_rd(v, VIRTIO_MMIO_QUEUE_READY) == 1;
}

static inline void vdrv_driver_ok(struct vdrv *v)
{
	vdrv_wr(v, VIRTIO_MMIO_STATUS,
		VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
			VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
}

/* Write descriptor @i of queue @q. */
static inline void vdrv_desc(struct vdrv *v, unsigned int q, uint16_t i, uint64_t addr,
			     uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = (uint8_t *)vdrv_ptr(v, VDRV_RING(q)) + 16 * i;
	uint64_t a = htole64(addr);
	uint32_t l = htole32(len);
	uint16_t f = htole16(flags), n = htole16(next);

	memcpy(d, &a, 8);
	memcpy(d + 8, &l, 4);
	memcpy(d + 12, &f, 2);
	memcpy(d + 14, &n, 2);
}

/*
 * A chain of @n buffers (gpa[i], len[i]; the last @nin device-writable) in
 * fresh descriptors, made available: its head id.
 */
static inline uint16_t vdrv_chain(struct vdrv *v, unsigned int q, unsigned int n,
				  const uint64_t *gpa, const uint32_t *len, unsigned int nin)
{
	uint16_t head = v->next_desc[q], slot;
	uint8_t *avail = vdrv_ptr(v, VDRV_RING(q) + 0x1000);
	uint16_t x;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t id = (uint16_t)((head + i) % v->size[q]);
		uint16_t flags = (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0) |
				 (i >= n - nin ? VIRTQ_DESC_F_WRITE : 0);

		vdrv_desc(v, q, id, gpa[i], len[i], flags, (uint16_t)((id + 1) % v->size[q]));
	}
	v->next_desc[q] = (uint16_t)((head + n) % v->size[q]);
	slot = v->avail_idx[q] % v->size[q];
	x = htole16(head);
	memcpy(avail + 4 + 2 * slot, &x, 2);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	v->avail_idx[q]++;
	x = htole16(v->avail_idx[q]);
	memcpy(avail + 2, &x, 2);
	return head;
}

/* Make the raw head @head available (e.g. an out-of-range one). */
static inline void vdrv_avail(struct vdrv *v, unsigned int q, uint16_t head)
{
	uint8_t *avail = vdrv_ptr(v, VDRV_RING(q) + 0x1000);
	uint16_t x = htole16(head);

	memcpy(avail + 4 + 2 * (v->avail_idx[q] % v->size[q]), &x, 2);
	v->avail_idx[q]++;
	x = htole16(v->avail_idx[q]);
	memcpy(avail + 2, &x, 2);
}

/* What KVM's ioeventfd does on a QueueNotify write of @q. */
static inline void vdrv_kick(struct vdrv *v, unsigned int q)
{
	eventfd_signal(v->d->kick[q]);
}

/* Wait up to @ms for an interrupt (irqfd signalled): true, and consumed. */
static inline bool vdrv_wait_irq(struct vdrv *v, int ms)
{
	struct pollfd p = { .fd = v->d->irqfd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1) {
		return false;
	}
	eventfd_drain(v->d->irqfd);
	return true;
}

/* The next used element of @q, if any: true with its id and length. */
static inline bool vdrv_used(struct vdrv *v, unsigned int q, uint16_t *id, uint32_t *len)
{
	uint8_t *used = vdrv_ptr(v, VDRV_RING(q) + 0x2000);
	uint16_t idx;
	uint32_t e[2];

	memcpy(&idx, used + 2, 2);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (le16toh(idx) == v->used_seen[q]) {
		return false;
	}
	memcpy(e, used + 4 + 8 * (v->used_seen[q] % v->size[q]), 8);
	*id = (uint16_t)le32toh(e[0]);
	*len = le32toh(e[1]);
	v->used_seen[q]++;
	return true;
}

/* Interrupt, then the used element: what a guest's interrupt handler sees. */
static inline bool vdrv_complete(struct vdrv *v, unsigned int q, uint16_t *id, uint32_t *len)
{
	for (int i = 0; i < 500; i++) {
		if (vdrv_used(v, q, id, len)) {
			return true;
		}
		vdrv_wait_irq(v, 10);
	}
	return false;
}

#endif
