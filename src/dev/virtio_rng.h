/* SPDX-License-Identifier: MIT */
/*
 * virtio-rng (VIRTIO 1.2 §5.4, `--rng`): one request queue; each chain's
 * device-writable buffers are filled from getrandom() on the device's I/O
 * thread. Linux drives it as /dev/hwrng (virtio_rng.ko).
 */
#ifndef HOTVM_VIRTIO_RNG_H
#define HOTVM_VIRTIO_RNG_H

#include <stdint.h>

#include "dev/virtio_dev.h"

#define VIRTIO_RNG_QUEUE_SIZE 64
/* The most bytes one request gets (the device may give fewer, §5.4.6). */
#define VIRTIO_RNG_MAX_REQ    65536u

/* At @base over @ram: the device, or NULL (errno set). */
struct virtio_dev *virtio_rng_create(uint64_t base, const struct ram *ram);
/* Bytes of entropy given to the guest so far. */
uint64_t virtio_rng_bytes(struct virtio_dev *d);

#endif
