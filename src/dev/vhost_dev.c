// SPDX-License-Identifier: MIT
/* Queues handed to a vhost device (see vhost_dev.h). */
#include <errno.h>

#include "dev/vhost_dev.h"

int vhost_dev_start(const struct vhost_dev_ops *ops, int fd, struct virtio_dev *d,
		    unsigned int nrings, uint64_t vhost_features, int call, unsigned int *mask,
		    const char **what)
{
	uint64_t f = virtio_mmio_driver_features(d->mmio) & vhost_features;
	int ret;

	*mask = 0;
	ret = ops->set_features(fd, f);
	if (ret) {
		*what = "VHOST_SET_FEATURES";
		return ret;
	}
	for (unsigned int i = 0; i < nrings; i++) {
		struct virtq *q = virtio_mmio_queue(d->mmio, i);
		struct vhost_ring_cfg r;

		if (!q || !q->ready) {
			continue;
		}
		r = (struct vhost_ring_cfg){
			.num = q->size,
			.desc = q->desc,
			.avail = q->avail,
			.used = q->used,
			.kick = d->kick[i],
			.call = call,
		};
		ret = ops->set_ring(fd, i, &r);
		if (ret) {
			*what = "setting up a vring";
			return ret;
		}
		*mask |= 1u << i;
	}
	return 0;
}

int vhost_dev_stop(const struct vhost_dev_ops *ops, int fd, unsigned int mask)
{
	int err = 0;

	for (unsigned int i = 0; mask >> i; i++) {
		unsigned int base;

		if (mask >> i & 1) {
			int ret = ops->get_ring_base(fd, i, &base);

			if (ret && !err) {
				err = ret;
			}
		}
	}
	return err;
}
