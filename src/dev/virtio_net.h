/* SPDX-License-Identifier: MIT */
/*
 * virtio-net (VIRTIO 1.2 §5.1) on a tap interface: one receive and one
 * transmit queue, the MAC, the MTU and a link that is always up in config
 * space, checksum and TSO offloads as the tap allows.
 *
 * Two data paths:
 * - vhost (host->vhost_fd >= 0): at DRIVER_OK both queues go to the
 *   kernel's vhost-net with the tap as backend (dev/vhost_dev.h); at
 *   reset the backend is removed and the vrings stopped before reset
 *   returns. hotvm then only turns vhost's call eventfd into interrupts.
 * - userspace (vhost_fd -1): the I/O thread writes each transmit chain to
 *   the tap with one writev(), and reads each frame from the tap into one
 *   receive chain. VIRTIO_NET_F_MRG_RXBUF is not offered there, so every
 *   receive chain must hold a whole frame (Linux's buffers do: without
 *   GUEST_TSO it posts MTU-sized ones, with it 64 KiB ones); a frame
 *   larger than its chain is dropped (and counted). While the guest has
 *   no receive buffer, the I/O thread stops reading the tap (the frame it
 *   holds waits; the tap's own queue then drops what overflows) and
 *   reads again when the guest kicks the receive queue.
 *
 * The frame on the tap and in the queues carries struct virtio_net_hdr_v1
 * (12 bytes, TUNSETVNETHDRSZ 12): with VERSION_1, num_buffers is always
 * there (the userspace path sets it to 1).
 */
#ifndef HOTVM_VIRTIO_NET_H
#define HOTVM_VIRTIO_NET_H

#include <stdint.h>

#include "dev/vhost_dev.h"
#include "dev/virtio_dev.h"

#define VIRTIO_NET_QUEUE_SIZE 256
#define VIRTIO_NET_RXQ	      0
#define VIRTIO_NET_TXQ	      1
#define VIRTIO_NET_HDR_LEN    12
#define VIRTIO_NET_DEFAULT_MTU 1500
/* The largest frame the tap gives us: header, 64 KiB of GSO payload, headers. */
#define VIRTIO_NET_MAX_FRAME  (VIRTIO_NET_HDR_LEN + 65536 + 256)

/* Feature bits (VIRTIO 1.2 §5.1.3). */
#define VIRTIO_NET_F_CSUM	 0
#define VIRTIO_NET_F_GUEST_CSUM	 1
#define VIRTIO_NET_F_MTU	 3
#define VIRTIO_NET_F_MAC	 5
#define VIRTIO_NET_F_GUEST_TSO4	 7
#define VIRTIO_NET_F_GUEST_TSO6	 8
#define VIRTIO_NET_F_HOST_TSO4	 11
#define VIRTIO_NET_F_HOST_TSO6	 12
#define VIRTIO_NET_F_MRG_RXBUF	 15
#define VIRTIO_NET_F_STATUS	 16
#define VIRTIO_NET_S_LINK_UP	 1

/* Config space: mac[6], status, max_virtqueue_pairs, mtu (le16 each). */
#define VIRTIO_NET_CONFIG_SIZE 12

/* Offloads the tap takes (same values as TAP_OFFLOAD_* in kvm/tap.h). */
#define VIRTIO_NET_TAP_CSUM 1u
#define VIRTIO_NET_TAP_TSO4 2u
#define VIRTIO_NET_TAP_TSO6 4u

/* What the VMM opened for the device; a created device owns (closes) the fds. */
struct virtio_net_host {
	int tap_fd;		/* 12-byte vnet header; O_NONBLOCK for the userspace path */
	unsigned int mtu;	/* in config space */
	unsigned int offloads;	/* VIRTIO_NET_TAP_*: what TUNSETOFFLOAD accepts */
	int (*set_offload)(int tap_fd, unsigned int flags); /* TUNSETOFFLOAD */
	int vhost_fd;		/* /dev/vhost-net (owned, memory table set), or -1 */
	uint64_t vhost_features; /* VHOST_GET_FEATURES */
	const struct vhost_dev_ops *vhost;
};

/*
 * At @base over @ram with the guest's @mac: the device, or NULL (errno
 * set; the caller keeps the fds).
 */
struct virtio_dev *virtio_net_create(uint64_t base, const struct ram *ram, const uint8_t mac[6],
				     const struct virtio_net_host *host);

/* Counters of the userspace data path. */
struct virtio_net_stats {
	uint64_t tx_packets, tx_dropped, rx_packets, rx_dropped;
};
void virtio_net_stats(struct virtio_dev *d, struct virtio_net_stats *s);

#endif
