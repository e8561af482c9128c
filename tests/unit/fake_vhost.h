/* SPDX-License-Identifier: MIT */
/*
 * A fake vhost for unit tests of devices that hand queues to the kernel
 * (dev/vhost_dev.h): its ops record every call, and one op can be made to
 * fail. The test plays the kernel by signalling the recorded call fd.
 */
#ifndef HOTVM_TEST_FAKE_VHOST_H
#define HOTVM_TEST_FAKE_VHOST_H

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "dev/vhost_dev.h"

#define FV_RINGS 4

struct fake_vhost {
	uint64_t features;
	unsigned int nset_features;
	bool ring_set[FV_RINGS];
	struct vhost_ring_cfg ring[FV_RINGS];
	int backend[FV_RINGS]; /* -2: never set */
	unsigned int nbackend;
	bool stopped[FV_RINGS];
	int running; /* -1: never set */
	unsigned int nrunning;
	int fail_set_ring; /* -errno for every set_ring, 0: fine */
};

static struct fake_vhost fv;

static inline void fv_clear(void)
{
	memset(&fv, 0, sizeof(fv));
	for (unsigned int i = 0; i < FV_RINGS; i++) {
		fv.backend[i] = -2;
	}
	fv.running = -1;
}

static int fv_set_features(int fd, uint64_t f)
{
	fv.features = f;
	fv.nset_features++;
	return 0;
}

static int fv_set_ring(int fd, unsigned int idx, const struct vhost_ring_cfg *r)
{
	if (fv.fail_set_ring) {
		return fv.fail_set_ring;
	}
	if (idx >= FV_RINGS) {
		return -EINVAL;
	}
	fv.ring_set[idx] = true;
	fv.ring[idx] = *r;
	return 0;
}

static int fv_get_ring_base(int fd, unsigned int idx, unsigned int *base)
{
	if (idx >= FV_RINGS) {
		return -EINVAL;
	}
	fv.stopped[idx] = true;
	*base = 0;
	return 0;
}

static int fv_net_set_backend(int fd, unsigned int idx, int tap_fd)
{
	if (idx >= FV_RINGS) {
		return -EINVAL;
	}
	fv.backend[idx] = tap_fd;
	fv.nbackend++;
	return 0;
}

static int fv_vsock_set_running(int fd, bool running)
{
	fv.running = running;
	fv.nrunning++;
	return 0;
}

static const struct vhost_dev_ops fv_ops = {
	.set_features = fv_set_features,
	.set_ring = fv_set_ring,
	.get_ring_base = fv_get_ring_base,
	.net_set_backend = fv_net_set_backend,
	.vsock_set_running = fv_vsock_set_running,
};

#endif
