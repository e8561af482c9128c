// SPDX-License-Identifier: MIT
/* virtio-net on a tap, with vhost-net or a userspace data path (see virtio_net.h). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dev/virtio_net.h"

#define NET_MAX_BUFS VIRTQ_MAX_BUFS(VIRTIO_NET_QUEUE_SIZE)
#define RX_BUDGET    256 /* frames per turn, so that transmit is not starved */
#define BIT(n)	     (1ull << (n))

struct virtio_net {
	struct virtio_dev dev; /* first: the VMM holds a struct virtio_dev * */
	struct virtio_net_host host;
	uint8_t mac[6];
	int call; /* vhost's used-buffer eventfd (vhost path) */
	/* Held by the I/O thread while it uses the queues, and by the ops. */
	pthread_mutex_t lock;
	bool running;  /* DRIVER_OK seen since the last reset */
	bool broken;   /* a queue is broken: NEEDS_RESET set, nothing more until reset */
	bool paused;   /* the tap is not watched (no receive buffer, or not running) */
	bool vhost_on; /* vhost set up (or tried) since DRIVER_OK */
	unsigned int rings; /* vrings handed to vhost */
	size_t pending;	    /* bytes of the frame in frame[], 0: none */
	struct virtio_net_stats stats;
	struct virtq_buf rxbuf[NET_MAX_BUFS], txbuf[NET_MAX_BUFS];
	struct iovec iov[NET_MAX_BUFS];
	uint8_t frame[VIRTIO_NET_MAX_FRAME];
};

static uint64_t net_offered(const struct virtio_net *n)
{
	uint64_t f = BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_MTU) | BIT(VIRTIO_NET_F_STATUS);
	unsigned int o = n->host.offloads;

	if (o & VIRTIO_NET_TAP_CSUM) {
		f |= BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM);
		if (o & VIRTIO_NET_TAP_TSO4) {
			f |= BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_GUEST_TSO4);
		}
		if (o & VIRTIO_NET_TAP_TSO6) {
			f |= BIT(VIRTIO_NET_F_HOST_TSO6) | BIT(VIRTIO_NET_F_GUEST_TSO6);
		}
	}
	if (n->host.vhost_fd >= 0 && (n->host.vhost_features & BIT(VIRTIO_NET_F_MRG_RXBUF))) {
		f |= BIT(VIRTIO_NET_F_MRG_RXBUF);
	}
	return f;
}

static uint64_t net_features(void *opaque)
{
	return net_offered(opaque);
}

/*
 * FEATURES_OK: the dependencies of §5.1.3.1 hold, and the tap now hands
 * us (partial checksums, TSO frames) only what the guest accepted.
 */
static bool net_set_features(void *opaque, uint64_t f)
{
	struct virtio_net *n = opaque;
	unsigned int off = 0;
	int ret;

	if ((f & (BIT(VIRTIO_NET_F_GUEST_TSO4) | BIT(VIRTIO_NET_F_GUEST_TSO6))) &&
	    !(f & BIT(VIRTIO_NET_F_GUEST_CSUM))) {
		return false;
	}
	if ((f & (BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_HOST_TSO6))) &&
	    !(f & BIT(VIRTIO_NET_F_CSUM))) {
		return false;
	}
	if (f & BIT(VIRTIO_NET_F_GUEST_CSUM)) {
		off |= VIRTIO_NET_TAP_CSUM;
	}
	if (f & BIT(VIRTIO_NET_F_GUEST_TSO4)) {
		off |= VIRTIO_NET_TAP_TSO4;
	}
	if (f & BIT(VIRTIO_NET_F_GUEST_TSO6)) {
		off |= VIRTIO_NET_TAP_TSO6;
	}
	if (n->host.offloads) {
		ret = n->host.set_offload(n->host.tap_fd, off);
		if (ret) {
			fprintf(stderr, "hotvm: virtio-net@%#llx: TUNSETOFFLOAD %#x failed: %s\n",
				(unsigned long long)n->dev.base, off, strerror(-ret));
			return false;
		}
	}
	return true;
}

static void net_config_read(void *opaque, uint32_t off, uint8_t *data, uint32_t len)
{
	struct virtio_net *n = opaque;
	uint8_t c[VIRTIO_NET_CONFIG_SIZE];

	memcpy(c, n->mac, 6);
	c[6] = VIRTIO_NET_S_LINK_UP; /* status, le16 */
	c[7] = 0;
	c[8] = 1; /* max_virtqueue_pairs (only meaningful with MQ) */
	c[9] = 0;
	c[10] = (uint8_t)n->host.mtu;
	c[11] = (uint8_t)(n->host.mtu >> 8);
	memcpy(data, c + off, len);
}

static void net_config_write(void *opaque, uint32_t off, const uint8_t *data, uint32_t len)
{
	/* read-only for a modern driver (the MAC is writable only in legacy mode) */
}

static void broken(struct virtio_net *n, int err)
{
	if (!n->broken) {
		fprintf(stderr, "hotvm: virtio-net@%#llx: %s; device needs reset\n",
			(unsigned long long)n->dev.base, virtq_strerror(err));
		n->broken = true;
	}
	virtio_mmio_needs_reset(n->dev.mmio);
}

/* Lock held, at DRIVER_OK: both queues to vhost-net, the tap as their backend. */
static void vhost_start(struct virtio_net *n)
{
	const struct vhost_dev_ops *ops = n->host.vhost;
	const char *what = "";
	int ret;

	n->vhost_on = true;
	ret = vhost_dev_start(ops, n->host.vhost_fd, &n->dev, 2, n->host.vhost_features, n->call,
			      &n->rings, &what);
	for (unsigned int q = 0; !ret && q < 2; q++) {
		if (n->rings >> q & 1) {
			ret = ops->net_set_backend(n->host.vhost_fd, q, n->host.tap_fd);
			what = "VHOST_NET_SET_BACKEND";
		}
	}
	if (ret) {
		fprintf(stderr,
			"hotvm: virtio-net@%#llx: vhost-net: %s failed: %s; device needs reset\n",
			(unsigned long long)n->dev.base, what, strerror(-ret));
		for (unsigned int q = 0; q < 2; q++) {
			if (n->rings >> q & 1) {
				ops->net_set_backend(n->host.vhost_fd, q, -1);
			}
		}
		vhost_dev_stop(ops, n->host.vhost_fd, n->rings);
		n->rings = 0;
		n->broken = true;
		virtio_mmio_needs_reset(n->dev.mmio);
	}
}

/* Transport lock held (vCPU thread): DRIVER_OK, or a QueueNotify KVM did not take. */
static void net_notify(void *opaque, unsigned int q)
{
	struct virtio_net *n = opaque;

	pthread_mutex_lock(&n->lock);
	n->running = true;
	if (n->host.vhost_fd >= 0 && !n->vhost_on) {
		vhost_start(n);
	}
	pthread_mutex_unlock(&n->lock);
	/* the I/O thread, or vhost, reads the kick */
	eventfd_signal(n->dev.kick[q]);
}

/* Transport lock held: after this neither vhost nor the I/O thread touch the queues. */
static void net_reset(void *opaque)
{
	struct virtio_net *n = opaque;
	const struct vhost_dev_ops *ops = n->host.vhost;

	pthread_mutex_lock(&n->lock);
	if (n->rings) {
		int ret = 0;

		for (unsigned int q = 0; q < 2; q++) {
			if (n->rings >> q & 1) {
				int r = ops->net_set_backend(n->host.vhost_fd, q, -1);

				ret = ret ? ret : r;
			}
		}
		if (!ret) {
			ret = vhost_dev_stop(ops, n->host.vhost_fd, n->rings);
		}
		if (ret) {
			fprintf(stderr, "hotvm: virtio-net@%#llx: stopping vhost-net failed: %s\n",
				(unsigned long long)n->dev.base, strerror(-ret));
		}
		n->rings = 0;
	}
	if (n->call >= 0) {
		eventfd_drain(n->call);
	}
	n->vhost_on = false;
	n->running = false;
	n->broken = false;
	n->pending = 0;
	pthread_mutex_unlock(&n->lock);
}

static const struct virtio_mmio_ops net_ops = {
	.features = net_features,
	.set_features = net_set_features,
	.config_read = net_config_read,
	.config_write = net_config_write,
	.notify = net_notify,
	.reset = net_reset,
};

/* I/O thread (vhost path): vhost used buffers of a queue. */
static void net_call(void *opaque)
{
	struct virtio_net *n = opaque;

	eventfd_drain(n->call);
	pthread_mutex_lock(&n->lock);
	if (n->running) {
		virtio_mmio_interrupt(n->dev.mmio, VIRTIO_MMIO_INT_VRING);
	}
	pthread_mutex_unlock(&n->lock);
}

/* One transmit chain to the tap: its readable part, header first, as one frame. */
static void transmit(struct virtio_net *n, const struct virtq_chain *c)
{
	ssize_t r;

	if (!c->nout || c->out_bytes < VIRTIO_NET_HDR_LEN) {
		n->stats.tx_dropped++;
		return;
	}
	for (unsigned int i = 0; i < c->nout; i++) {
		n->iov[i] = (struct iovec){ n->txbuf[i].p, n->txbuf[i].len };
	}
	do {
		r = writev(n->host.tap_fd, n->iov, (int)c->nout);
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		n->stats.tx_dropped++; /* a malformed header (EINVAL), a full queue: dropped */
	} else {
		n->stats.tx_packets++;
	}
}

/* I/O thread: the transmit queue was kicked. */
static void net_tx(void *opaque)
{
	struct virtio_net *n = opaque;
	struct virtq *q;
	struct virtq_chain c;
	bool pushed = false;
	int ret;

	eventfd_drain(n->dev.kick[VIRTIO_NET_TXQ]);
	pthread_mutex_lock(&n->lock);
	q = virtio_mmio_queue(n->dev.mmio, VIRTIO_NET_TXQ);
	if (!n->running || n->broken || !q->ready) {
		pthread_mutex_unlock(&n->lock);
		return;
	}
	do {
		virtq_notify_disable(q);
		while ((ret = virtq_pop(q, &c, n->txbuf, NET_MAX_BUFS)) > 0) {
			transmit(n, &c);
			ret = virtq_push(q, c.head, 0);
			if (ret < 0) {
				break;
			}
			pushed = true;
		}
		if (ret < 0) {
			broken(n, ret);
			break;
		}
	} while (virtq_notify_enable(q));
	if (pushed && virtq_should_notify(q)) {
		virtio_mmio_interrupt(n->dev.mmio, VIRTIO_MMIO_INT_VRING);
	}
	pthread_mutex_unlock(&n->lock);
}

static void pause_tap(struct virtio_net *n, bool paused)
{
	if (n->paused != paused) {
		iothread_pause(n->dev.io, n->host.tap_fd, paused);
		n->paused = paused;
	}
}

/* The frame in frame[] into one receive chain; false if it did not fit (dropped). */
static bool deliver(struct virtio_net *n, const struct virtq_chain *c)
{
	size_t done = 0;

	if (c->in_bytes < n->pending) {
		return false;
	}
	n->frame[10] = 1; /* num_buffers, le16: one chain */
	n->frame[11] = 0;
	for (unsigned int i = c->nout; i < c->nout + c->nin && done < n->pending; i++) {
		size_t k = n->pending - done;

		if (k > n->rxbuf[i].len) {
			k = n->rxbuf[i].len;
		}
		memcpy(n->rxbuf[i].p, n->frame + done, k);
		done += k;
	}
	return true;
}

/* Lock held, running: frames from the tap into receive chains while both last. */
static void rx_flush(struct virtio_net *n)
{
	struct virtq *q = virtio_mmio_queue(n->dev.mmio, VIRTIO_NET_RXQ);
	struct virtq_chain c;
	bool pushed = false;
	int ret;

	if (!q->ready) {
		pause_tap(n, true);
		return;
	}
	virtq_notify_disable(q);
	for (unsigned int budget = RX_BUDGET; budget; budget--) {
		uint32_t len;

		if (!n->pending) {
			ssize_t r = read(n->host.tap_fd, n->frame, sizeof(n->frame));

			if (r < 0) {
				break; /* EAGAIN: the tap is empty (the ppoll wakes us again) */
			}
			if (r < VIRTIO_NET_HDR_LEN) {
				n->stats.rx_dropped++;
				continue;
			}
			n->pending = (size_t)r;
		}
		ret = virtq_pop(q, &c, n->rxbuf, NET_MAX_BUFS);
		if (ret == 0) {
			if (virtq_notify_enable(q)) {
				continue; /* buffers arrived meanwhile */
			}
			pause_tap(n, true); /* until the guest kicks the receive queue */
			break;
		}
		if (ret < 0) {
			broken(n, ret);
			pause_tap(n, true);
			return;
		}
		len = 0;
		if (deliver(n, &c)) {
			len = (uint32_t)n->pending;
			n->stats.rx_packets++;
		} else {
			n->stats.rx_dropped++; /* the chain is smaller than the frame */
		}
		n->pending = 0;
		ret = virtq_push(q, c.head, len);
		if (ret < 0) {
			broken(n, ret);
			pause_tap(n, true);
			return;
		}
		pushed = true;
	}
	virtq_notify_enable(q);
	if (pushed && virtq_should_notify(q)) {
		virtio_mmio_interrupt(n->dev.mmio, VIRTIO_MMIO_INT_VRING);
	}
}

/* I/O thread: the guest added receive buffers. */
static void net_rx_kick(void *opaque)
{
	struct virtio_net *n = opaque;

	eventfd_drain(n->dev.kick[VIRTIO_NET_RXQ]);
	pthread_mutex_lock(&n->lock);
	if (n->running && !n->broken) {
		pause_tap(n, false);
		rx_flush(n);
	}
	pthread_mutex_unlock(&n->lock);
}

/* I/O thread: the tap has frames. */
static void net_tap(void *opaque)
{
	struct virtio_net *n = opaque;

	pthread_mutex_lock(&n->lock);
	if (n->running && !n->broken) {
		rx_flush(n);
	} else {
		pause_tap(n, true); /* until DRIVER_OK kicks the receive queue */
	}
	pthread_mutex_unlock(&n->lock);
}

static int net_start(struct virtio_dev *d)
{
	return iothread_start(d->io, "virtio-net");
}

static void net_free(struct virtio_net *n)
{
	if (n->call >= 0) {
		close(n->call);
	}
	pthread_mutex_destroy(&n->lock);
	free(n);
}

static void net_destroy(struct virtio_dev *d)
{
	struct virtio_net *n = (struct virtio_net *)d;

	iothread_destroy(d->io);
	if (n->host.vhost_fd >= 0) {
		close(n->host.vhost_fd); /* vhost lets go of the rings and the tap */
	}
	close(n->host.tap_fd);
	virtio_dev_fini(d);
	net_free(n);
}

static const struct virtio_dev_type net_type = {
	.name = "virtio-net",
	.start = net_start,
	.destroy = net_destroy,
};

static int watch(struct virtio_net *n)
{
	struct iothread *io = n->dev.io;

	if (n->host.vhost_fd >= 0) {
		return iothread_watch(io, n->call, net_call, n);
	}
	if (iothread_watch(io, n->dev.kick[VIRTIO_NET_RXQ], net_rx_kick, n) ||
	    iothread_watch(io, n->dev.kick[VIRTIO_NET_TXQ], net_tx, n) ||
	    iothread_watch(io, n->host.tap_fd, net_tap, n)) {
		return -ENOSPC;
	}
	return 0;
}

struct virtio_dev *virtio_net_create(uint64_t base, const struct ram *ram, const uint8_t mac[6],
				     const struct virtio_net_host *host)
{
	const struct virtio_mmio_config cfg = {
		.device_id = VIRTIO_ID_NET,
		.vendor_id = VIRTIO_DEV_VENDOR,
		.nqueues = 2,
		.queue_max = { VIRTIO_NET_QUEUE_SIZE, VIRTIO_NET_QUEUE_SIZE },
		.config_size = VIRTIO_NET_CONFIG_SIZE,
	};
	struct virtio_net *n = calloc(1, sizeof(*n));
	int ret;

	if (!n) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&n->lock, NULL);
	n->host = *host;
	memcpy(n->mac, mac, 6);
	n->call = -1;
	if (host->vhost_fd >= 0) {
		n->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (n->call < 0) {
			ret = -errno;
			goto fail;
		}
	}
	ret = virtio_dev_init(&n->dev, &net_type, base, ram, &cfg, &net_ops, n);
	if (ret) {
		goto fail;
	}
	n->dev.io = iothread_create();
	ret = n->dev.io ? watch(n) : -ENOMEM;
	if (ret) {
		iothread_destroy(n->dev.io);
		virtio_dev_fini(&n->dev);
		goto fail;
	}
	return &n->dev;
fail:
	net_free(n);
	errno = -ret;
	return NULL;
}

void virtio_net_stats(struct virtio_dev *d, struct virtio_net_stats *s)
{
	struct virtio_net *n = (struct virtio_net *)d;

	pthread_mutex_lock(&n->lock);
	*s = n->stats;
	pthread_mutex_unlock(&n->lock);
}
