// SPDX-License-Identifier: MIT
/* virtio-vsock over vhost-vsock (see virtio_vsock.h). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dev/virtio_vsock.h"

struct virtio_vsock {
	struct virtio_dev dev; /* first: the VMM holds a struct virtio_dev * */
	struct virtio_vsock_host host;
	int call; /* vhost's used-buffer eventfd */
	pthread_mutex_t lock;
	bool running;  /* DRIVER_OK seen since the last reset */
	bool vhost_on; /* vhost set up (or tried) since DRIVER_OK */
	bool started;  /* VHOST_VSOCK_SET_RUNNING 1 done */
	unsigned int rings;
};

static uint64_t vsock_features(void *opaque)
{
	struct virtio_vsock *s = opaque;

	return s->host.vhost_features & (1ull << VIRTIO_VSOCK_F_SEQPACKET);
}

static void vsock_config_read(void *opaque, uint32_t off, uint8_t *data, uint32_t len)
{
	struct virtio_vsock *s = opaque;
	uint8_t c[VIRTIO_VSOCK_CONFIG_SIZE];

	for (unsigned int i = 0; i < sizeof(c); i++) {
		c[i] = (uint8_t)(s->host.cid >> (8 * i));
	}
	memcpy(data, c + off, len);
}

static void vsock_config_write(void *opaque, uint32_t off, const uint8_t *data, uint32_t len)
{
	/* guest_cid is read-only */
}

/* Lock held, at DRIVER_OK: rx and tx to vhost-vsock, then running. */
static void vhost_start(struct virtio_vsock *s)
{
	const struct vhost_dev_ops *ops = s->host.vhost;
	const char *what = "";
	int ret;

	s->vhost_on = true;
	ret = vhost_dev_start(ops, s->host.vhost_fd, &s->dev, 2, s->host.vhost_features, s->call,
			      &s->rings, &what);
	if (!ret) {
		ret = ops->vsock_set_running(s->host.vhost_fd, true);
		what = "VHOST_VSOCK_SET_RUNNING";
		s->started = !ret;
	}
	if (ret) {
		fprintf(stderr,
			"hotvm: virtio-vsock@%#llx: vhost-vsock: %s failed: %s; device needs reset\n",
			(unsigned long long)s->dev.base, what, strerror(-ret));
		vhost_dev_stop(ops, s->host.vhost_fd, s->rings);
		s->rings = 0;
		virtio_mmio_needs_reset(s->dev.mmio);
	}
}

static void vsock_notify(void *opaque, unsigned int q)
{
	struct virtio_vsock *s = opaque;

	pthread_mutex_lock(&s->lock);
	s->running = true;
	if (!s->vhost_on) {
		vhost_start(s);
	}
	pthread_mutex_unlock(&s->lock);
	if (q != VIRTIO_VSOCK_EVENTQ) {
		eventfd_signal(s->dev.kick[q]); /* vhost reads it */
	}
}

static void vsock_reset(void *opaque)
{
	struct virtio_vsock *s = opaque;
	const struct vhost_dev_ops *ops = s->host.vhost;

	pthread_mutex_lock(&s->lock);
	if (s->started || s->rings) {
		int ret = s->started ? ops->vsock_set_running(s->host.vhost_fd, false) : 0;
		int r = vhost_dev_stop(ops, s->host.vhost_fd, s->rings);

		if (ret || r) {
			fprintf(stderr, "hotvm: virtio-vsock@%#llx: stopping vhost-vsock failed: %s\n",
				(unsigned long long)s->dev.base, strerror(-(ret ? ret : r)));
		}
	}
	eventfd_drain(s->call);
	s->started = false;
	s->rings = 0;
	s->vhost_on = false;
	s->running = false;
	pthread_mutex_unlock(&s->lock);
}

static const struct virtio_mmio_ops vsock_ops = {
	.features = vsock_features,
	.config_read = vsock_config_read,
	.config_write = vsock_config_write,
	.notify = vsock_notify,
	.reset = vsock_reset,
};

/* I/O thread: vhost used buffers. */
static void vsock_call(void *opaque)
{
	struct virtio_vsock *s = opaque;

	eventfd_drain(s->call);
	pthread_mutex_lock(&s->lock);
	if (s->running) {
		virtio_mmio_interrupt(s->dev.mmio, VIRTIO_MMIO_INT_VRING);
	}
	pthread_mutex_unlock(&s->lock);
}

/* I/O thread: the event queue was kicked (new buffers): they wait for an event. */
static void vsock_event(void *opaque)
{
	struct virtio_vsock *s = opaque;

	eventfd_drain(s->dev.kick[VIRTIO_VSOCK_EVENTQ]);
}

static int vsock_start(struct virtio_dev *d)
{
	return iothread_start(d->io, "virtio-vsock");
}

static void vsock_free(struct virtio_vsock *s)
{
	if (s->call >= 0) {
		close(s->call);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static void vsock_destroy(struct virtio_dev *d)
{
	struct virtio_vsock *s = (struct virtio_vsock *)d;

	iothread_destroy(d->io);
	close(s->host.vhost_fd); /* frees the CID */
	virtio_dev_fini(d);
	vsock_free(s);
}

static const struct virtio_dev_type vsock_type = {
	.name = "virtio-vsock",
	.start = vsock_start,
	.destroy = vsock_destroy,
};

struct virtio_dev *virtio_vsock_create(uint64_t base, const struct ram *ram,
				       const struct virtio_vsock_host *host)
{
	const struct virtio_mmio_config cfg = {
		.device_id = VIRTIO_ID_VSOCK,
		.vendor_id = VIRTIO_DEV_VENDOR,
		.nqueues = 3,
		.queue_max = { VIRTIO_VSOCK_QUEUE_SIZE, VIRTIO_VSOCK_QUEUE_SIZE,
			       VIRTIO_VSOCK_QUEUE_SIZE },
		.config_size = VIRTIO_VSOCK_CONFIG_SIZE,
	};
	struct virtio_vsock *s = calloc(1, sizeof(*s));
	int ret;

	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->host = *host;
	s->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->call < 0) {
		ret = -errno;
		goto fail;
	}
	ret = virtio_dev_init(&s->dev, &vsock_type, base, ram, &cfg, &vsock_ops, s);
	if (ret) {
		goto fail;
	}
	s->dev.io = iothread_create();
	ret = s->dev.io ? iothread_watch(s->dev.io, s->call, vsock_call, s) : -ENOMEM;
	if (!ret) {
		ret = iothread_watch(s->dev.io, s->dev.kick[VIRTIO_VSOCK_EVENTQ], vsock_event, s);
	}
	if (ret) {
		iothread_destroy(s->dev.io);
		virtio_dev_fini(&s->dev);
		goto fail;
	}
	return &s->dev;
fail:
	vsock_free(s);
	errno = -ret;
	return NULL;
}
