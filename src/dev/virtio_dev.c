// SPDX-License-Identifier: MIT
/* The parts every virtio device shares (see virtio_dev.h). */
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dev/virtio_dev.h"

static void irq_edge(void *opaque, int level)
{
	struct virtio_dev *d = opaque;

	if (level) {
		eventfd_signal(d->irqfd);
	}
}

int virtio_dev_init(struct virtio_dev *d, const struct virtio_dev_type *type, uint64_t base,
		    const struct ram *ram, const struct virtio_mmio_config *cfg,
		    const struct virtio_mmio_ops *ops, void *opaque)
{
	int ret = -ENOMEM;

	d->type = type;
	d->base = base;
	d->nqueues = cfg->nqueues;
	d->irqfd = -1;
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++) {
		d->kick[q] = -1;
	}
	for (unsigned int q = 0; q < cfg->nqueues; q++) {
		d->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (d->kick[q] < 0) {
			ret = -errno;
			goto fail;
		}
	}
	d->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->irqfd < 0) {
		ret = -errno;
		goto fail;
	}
	d->mmio = virtio_mmio_create(base, ram, cfg, ops, opaque, irq_edge, d);
	if (!d->mmio) {
		ret = -EINVAL;
		goto fail;
	}
	return 0;
fail:
	virtio_dev_fini(d);
	return ret;
}

void virtio_dev_fini(struct virtio_dev *d)
{
	virtio_mmio_destroy(d->mmio);
	d->mmio = NULL;
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++) {
		if (d->kick[q] >= 0) {
			close(d->kick[q]);
			d->kick[q] = -1;
		}
	}
	if (d->irqfd >= 0) {
		close(d->irqfd);
		d->irqfd = -1;
	}
}

int virtio_dev_start(struct virtio_dev *d)
{
	return d->type->start(d);
}

void virtio_dev_destroy(struct virtio_dev *d)
{
	if (d) {
		d->type->destroy(d);
	}
}

void virtio_dev_reset(struct virtio_dev *d)
{
	virtio_mmio_reset(d->mmio);
}
