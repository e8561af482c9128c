/* SPDX-License-Identifier: MIT */
/*
 * Handing a device's queues to one of the kernel's vhost devices
 * (vhost-net, vhost-vsock), shared by virtio-net and virtio-vsock.
 *
 * The vhost calls go through struct vhost_dev_ops: the VMM fills it with
 * src/kvm/vhost.c's functions (src/kvm is the only code that calls
 * ioctl()), unit tests with fakes that record the calls, so the device
 * logic here and in the device types is tested natively.
 *
 * The kernel reads each queue's kick eventfd (the same one KVM's
 * ioeventfd signals on QueueNotify) and signals one call eventfd per
 * device on used buffers. The device's I/O thread waits on that call fd
 * and raises VIRTIO_MMIO_INT_VRING, which sets InterruptStatus (Linux's
 * virtio_mmio interrupt handler reads it and ignores an interrupt
 * without the VRING bit) and pulses the irqfd: a guest interrupt passes
 * once through the I/O thread, never through a vCPU thread.
 */
#ifndef HOTVM_VHOST_DEV_H
#define HOTVM_VHOST_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/virtio_dev.h"
#include "kvm/vhost.h" /* struct vhost_ring_cfg only: nothing here calls src/kvm */

struct vhost_dev_ops {
	int (*set_features)(int fd, uint64_t features);
	int (*set_ring)(int fd, unsigned int idx, const struct vhost_ring_cfg *r);
	int (*get_ring_base)(int fd, unsigned int idx, unsigned int *base);
	int (*net_set_backend)(int fd, unsigned int idx, int tap_fd); /* vhost-net */
	int (*vsock_set_running)(int fd, bool running);		      /* vhost-vsock */
};

/*
 * At DRIVER_OK: VHOST_SET_FEATURES (the negotiated features that vhost
 * knows, @vhost_features), then each ready queue q < @nrings as vring q
 * with kick d->kick[q] and @call. The rings set go to *@mask (bit q).
 * 0, or -errno with @what naming the step.
 */
int vhost_dev_start(const struct vhost_dev_ops *ops, int fd, struct virtio_dev *d,
		    unsigned int nrings, uint64_t vhost_features, int call, unsigned int *mask,
		    const char **what);
/* At reset: VHOST_GET_VRING_BASE for each ring in @mask (vhost stops using it). */
int vhost_dev_stop(const struct vhost_dev_ops *ops, int fd, unsigned int mask);

#endif
