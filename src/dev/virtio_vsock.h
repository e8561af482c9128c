/* SPDX-License-Identifier: MIT */
/*
 * virtio-vsock (VIRTIO 1.2 §5.10) over the kernel's vhost-vsock: the
 * guest's CID in config space; the receive and transmit queues are
 * handed to /dev/vhost-vsock at DRIVER_OK (dev/vhost_dev.h) with
 * VHOST_VSOCK_SET_RUNNING 1, and taken back at reset (SET_RUNNING 0,
 * the vrings stopped) before the reset returns. The event queue stays
 * with hotvm, which has no event to send (a transport reset is only sent
 * after a migration): its buffers stay available. Host programs reach the
 * guest with AF_VSOCK at the CID, the guest reaches the host at CID 2.
 */
#ifndef HOTVM_VIRTIO_VSOCK_H
#define HOTVM_VIRTIO_VSOCK_H

#include <stdint.h>

#include "dev/vhost_dev.h"
#include "dev/virtio_dev.h"

#define VIRTIO_VSOCK_QUEUE_SIZE	 128
#define VIRTIO_VSOCK_RXQ	 0
#define VIRTIO_VSOCK_TXQ	 1
#define VIRTIO_VSOCK_EVENTQ	 2
#define VIRTIO_VSOCK_CONFIG_SIZE 8 /* guest_cid, le64 */
#define VIRTIO_VSOCK_F_SEQPACKET 1

/* What the VMM opened; the device owns (closes) vhost_fd. */
struct virtio_vsock_host {
	uint64_t cid;		 /* set with VHOST_VSOCK_SET_GUEST_CID already */
	int vhost_fd;		 /* /dev/vhost-vsock, owned, memory table set */
	uint64_t vhost_features; /* VHOST_GET_FEATURES */
	const struct vhost_dev_ops *vhost;
};

/* At @base over @ram: the device, or NULL (errno set; the caller keeps vhost_fd). */
struct virtio_dev *virtio_vsock_create(uint64_t base, const struct ram *ram,
				       const struct virtio_vsock_host *host);

#endif
