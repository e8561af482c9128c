// SPDX-License-Identifier: MIT
/* virtio-rng: entropy from getrandom() (see virtio_rng.h). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "dev/virtio_rng.h"

struct virtio_rng {
	struct virtio_dev dev; /* first: the VMM holds a struct virtio_dev * */
	/* Held by the I/O thread while it uses the queue, and by reset. */
	pthread_mutex_t lock;
	bool running; /* DRIVER_OK seen since the last reset */
	bool reported;
	uint64_t bytes;
	struct virtq_buf buf[VIRTQ_MAX_BUFS(VIRTIO_RNG_QUEUE_SIZE)];
};

static uint64_t rng_features(void *opaque)
{
	return 0;
}

static void rng_config_read(void *opaque, uint32_t off, uint8_t *data, uint32_t len)
{
	/* no config space (config_size 0): never called */
}

static void rng_config_write(void *opaque, uint32_t off, const uint8_t *data, uint32_t len)
{
}

/* Transport lock held (vCPU thread): wake the I/O thread. */
static void rng_notify(void *opaque, unsigned int q)
{
	struct virtio_rng *r = opaque;

	pthread_mutex_lock(&r->lock);
	r->running = true;
	pthread_mutex_unlock(&r->lock);
	eventfd_signal(r->dev.kick[q]);
}

/* Transport lock held: after this the I/O thread no longer touches the queue. */
static void rng_reset(void *opaque)
{
	struct virtio_rng *r = opaque;

	pthread_mutex_lock(&r->lock);
	r->running = false;
	r->reported = false;
	pthread_mutex_unlock(&r->lock);
}

static const struct virtio_mmio_ops rng_ops = {
	.features = rng_features,
	.config_read = rng_config_read,
	.config_write = rng_config_write,
	.notify = rng_notify,
	.reset = rng_reset,
};

/* Fill @len bytes at @p; false if getrandom() fails for good. */
static bool fill(uint8_t *p, uint32_t len)
{
	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return false;
		}
		p += n;
		len -= (uint32_t)n;
	}
	return true;
}

/* One chain: its writable buffers, up to VIRTIO_RNG_MAX_REQ bytes. */
static uint32_t serve(struct virtio_rng *r, const struct virtq_chain *c)
{
	uint32_t done = 0;

	for (unsigned int i = c->nout; i < c->nout + c->nin && done < VIRTIO_RNG_MAX_REQ; i++) {
		uint32_t n = r->buf[i].len;

		if (n > VIRTIO_RNG_MAX_REQ - done) {
			n = VIRTIO_RNG_MAX_REQ - done;
		}
		if (!fill(r->buf[i].p, n)) {
			break;
		}
		done += n;
	}
	return done;
}

static void broken(struct virtio_rng *r, int err)
{
	if (!r->reported) {
		fprintf(stderr, "hotvm: virtio-rng@%#llx: %s; device needs reset\n",
			(unsigned long long)r->dev.base, virtq_strerror(err));
		r->reported = true;
	}
	virtio_mmio_needs_reset(r->dev.mmio);
}

/* I/O thread: queue 0 was kicked. */
static void rng_kick(void *opaque)
{
	struct virtio_rng *r = opaque;
	struct virtq *q;
	struct virtq_chain c;
	bool pushed = false;
	int ret;

	eventfd_drain(r->dev.kick[0]);
	pthread_mutex_lock(&r->lock);
	q = virtio_mmio_queue(r->dev.mmio, 0);
	if (!r->running || !q->ready) {
		pthread_mutex_unlock(&r->lock);
		return;
	}
	do {
		virtq_notify_disable(q);
		while ((ret = virtq_pop(q, &c, r->buf, VIRTQ_MAX_BUFS(VIRTIO_RNG_QUEUE_SIZE))) > 0) {
			uint32_t n = serve(r, &c);

			r->bytes += n;
			ret = virtq_push(q, c.head, n);
			if (ret < 0) {
				break;
			}
			pushed = true;
		}
		if (ret < 0) {
			broken(r, ret);
			break;
		}
	} while (virtq_notify_enable(q));
	if (pushed && virtq_should_notify(q)) {
		virtio_mmio_interrupt(r->dev.mmio, VIRTIO_MMIO_INT_VRING);
	}
	pthread_mutex_unlock(&r->lock);
}

static int rng_start(struct virtio_dev *d)
{
	return iothread_start(d->io, "virtio-rng");
}

static void rng_destroy(struct virtio_dev *d)
{
	struct virtio_rng *r = (struct virtio_rng *)d;

	iothread_destroy(d->io);
	virtio_dev_fini(d);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static const struct virtio_dev_type rng_type = {
	.name = "virtio-rng",
	.start = rng_start,
	.destroy = rng_destroy,
};

struct virtio_dev *virtio_rng_create(uint64_t base, const struct ram *ram)
{
	const struct virtio_mmio_config cfg = {
		.device_id = VIRTIO_ID_RNG,
		.vendor_id = VIRTIO_DEV_VENDOR,
		.nqueues = 1,
		.queue_max = { VIRTIO_RNG_QUEUE_SIZE },
		.config_size = 0,
	};
	struct virtio_rng *r = calloc(1, sizeof(*r));
	int ret;

	if (!r) {
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	ret = virtio_dev_init(&r->dev, &rng_type, base, ram, &cfg, &rng_ops, r);
	if (ret) {
		goto fail;
	}
	r->dev.io = iothread_create();
	ret = r->dev.io ? iothread_watch(r->dev.io, r->dev.kick[0], rng_kick, r) : -ENOMEM;
	if (ret) {
		iothread_destroy(r->dev.io);
		virtio_dev_fini(&r->dev);
		goto fail;
	}
	return &r->dev;
fail:
	pthread_mutex_destroy(&r->lock);
	free(r);
	errno = -ret;
	return NULL;
}

uint64_t virtio_rng_bytes(struct virtio_dev *d)
{
	struct virtio_rng *r = (struct virtio_rng *)d;
	uint64_t n;

	pthread_mutex_lock(&r->lock);
	n = r->bytes;
	pthread_mutex_unlock(&r->lock);
	return n;
}
