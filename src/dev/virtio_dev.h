/* SPDX-License-Identifier: MIT */
/*
 * What every virtio device in hotvm has, whatever its type: the
 * virtio-mmio transport, one kick eventfd per queue and one interrupt
 * eventfd, and an I/O thread that does the device's work.
 *
 * The data path never runs on a vCPU thread. With KVM, the VMM registers
 * kick[q] as an ioeventfd on the slot's QueueNotify register (data match
 * q), so a guest's notification of queue q signals kick[q] inside KVM, and
 * irqfd as KVM's irqfd on the slot's SPI, so signalling it injects an
 * edge inside KVM (src/vmm/virtio.c). The device type's I/O thread waits
 * on the kick fds; the transport's interrupt line signals irqfd on every
 * rising edge and on each acknowledge that leaves InterruptStatus
 * non-zero, which is what an edge-triggered SPI needs. Without KVM (unit
 * tests) the same fds are plain eventfds the test writes and reads.
 *
 * A device type embeds struct virtio_dev first and fills its ops.
 */
#ifndef HOTVM_VIRTIO_DEV_H
#define HOTVM_VIRTIO_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/iothread.h"
#include "dev/virtio_mmio.h"
#include "lib/ram.h"

/* Virtio device IDs (VIRTIO 1.2 §5). */
#define VIRTIO_ID_NET	1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_RNG	4
#define VIRTIO_ID_VSOCK 19

/* Vendor ID in every hotvm device: "HVM\0" read little-endian is unimportant; 0 is fine too. */
#define VIRTIO_DEV_VENDOR 0x4d5648 /* "HVM" */

struct virtio_dev;

/* Type-specific lifecycle, called by the VMM. */
struct virtio_dev_type {
	const char *name; /* "virtio-rng", for messages */
	/* Start the I/O thread (after the fds are wired to KVM). 0 or -errno. */
	int (*start)(struct virtio_dev *d);
	/* Stop the I/O thread and free everything. */
	void (*destroy)(struct virtio_dev *d);
};

struct virtio_dev {
	const struct virtio_dev_type *type;
	struct virtio_mmio *mmio;
	uint64_t base;
	unsigned int nqueues;
	int kick[VIRTIO_MMIO_MAX_QUEUES]; /* eventfds: guest notifications of queue q */
	int irqfd;			  /* eventfd: one edge on the device's SPI per signal */
	struct iothread *io;
};

/*
 * Create the eventfds and the transport for @cfg at @base over @ram, with
 * the type's @ops and @opaque. 0, or -errno with everything undone.
 */
int virtio_dev_init(struct virtio_dev *d, const struct virtio_dev_type *type, uint64_t base,
		    const struct ram *ram, const struct virtio_mmio_config *cfg,
		    const struct virtio_mmio_ops *ops, void *opaque);
/* Undo virtio_dev_init() (the I/O thread must be gone). */
void virtio_dev_fini(struct virtio_dev *d);
/* The type's start/destroy. */
int virtio_dev_start(struct virtio_dev *d);
void virtio_dev_destroy(struct virtio_dev *d);
/* Guest reset: the transport's device reset (waits for the device's ops->reset). */
void virtio_dev_reset(struct virtio_dev *d);

#endif
