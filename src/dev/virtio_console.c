// SPDX-License-Identifier: MIT
/* virtio-console: hvc0 on hotvm's stdin/stdout (see virtio_console.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "dev/virtio_console.h"

#define MAX_BUFS VIRTQ_MAX_BUFS(VIRTIO_CONSOLE_QUEUE_SIZE)

struct held {
	bool on; /* a chain is popped and not pushed yet */
	struct virtq_chain c;
	struct virtq_buf buf[MAX_BUFS];
	unsigned int i; /* transmit: next readable buffer, and the offset in it */
	uint32_t off;
};

struct virtio_console {
	struct virtio_dev dev; /* first: the VMM holds a struct virtio_dev * */
	int in_fd, out_fd;     /* the caller's */
	int rfd, wfd;	       /* what the thread reads and writes (own or the caller's) */
	bool rfd_own, wfd_own;
	size_t chunk; /* most bytes per write() */
	bool tty;
	struct termios saved;
	int wake; /* eventfd: reset and stop wake the thread */
	pthread_t thread;
	bool started;

	/* Held by the thread while it uses the queues, by reset and notify. */
	pthread_mutex_t lock;
	bool running; /* DRIVER_OK seen since the last reset, queues not broken */
	bool reported;
	bool stop;
	struct timespec deadline; /* of the flush, once stop is set */
	struct held rx, tx;
	uint64_t written, dropped;
	int out_err; /* errno of a failed output fd (output dropped from then on) */

	/* The thread's alone (destroy reads them after the join). */
	bool in_eof;
	size_t in_len;
	uint8_t in[VIRTIO_CONSOLE_IN_BUF];
	size_t out_head, out_len;
	uint8_t *out; /* VIRTIO_CONSOLE_OUT_BUF bytes; [out_head, +out_len) to write */
};

static uint64_t con_features(void *opaque)
{
	return 0; /* no SIZE, MULTIPORT, EMERG_WRITE */
}

static void con_config_read(void *opaque, uint32_t off, uint8_t *data, uint32_t len)
{
	/* no config space without those features (config_size 0): never called */
}

static void con_config_write(void *opaque, uint32_t off, const uint8_t *data, uint32_t len)
{
}

/* Transport lock held (vCPU thread): wake the thread. */
static void con_notify(void *opaque, unsigned int q)
{
	struct virtio_console *c = opaque;

	pthread_mutex_lock(&c->lock);
	c->running = true;
	pthread_mutex_unlock(&c->lock);
	eventfd_signal(c->dev.kick[q]);
}

/*
 * Transport lock held: after this the thread no longer touches the
 * queues. The thread holds the lock only around non-blocking work, so
 * this never waits for the output fd. Output already taken from chains
 * (acknowledged to the guest) stays in the buffer and is still written.
 */
static void con_reset(void *opaque)
{
	struct virtio_console *c = opaque;

	pthread_mutex_lock(&c->lock);
	c->running = false;
	c->reported = false;
	c->rx.on = false;
	c->tx.on = false;
	pthread_mutex_unlock(&c->lock);
	eventfd_signal(c->wake);
}

static const struct virtio_mmio_ops con_ops = {
	.features = con_features,
	.config_read = con_config_read,
	.config_write = con_config_write,
	.notify = con_notify,
	.reset = con_reset,
};

/* Lock held. */
static void broken(struct virtio_console *c, int err)
{
	if (!c->reported) {
		fprintf(stderr, "hotvm: virtio-console@%#llx: %s; device needs reset\n",
			(unsigned long long)c->dev.base, virtq_strerror(err));
		c->reported = true;
	}
	c->running = false;
	c->rx.on = c->tx.on = false;
	virtio_mmio_needs_reset(c->dev.mmio);
}

/*
 * Lock held: take the next chain of queue @qi into @h if it has none.
 * 1: @h holds a chain, 0: none available (notifications enabled), -VIRTQ_ERR_*.
 */
static int take(struct virtio_console *c, unsigned int qi, struct held *h)
{
	struct virtq *q = virtio_mmio_queue(c->dev.mmio, qi);
	int ret;

	if (h->on) {
		return 1;
	}
	if (!q->ready) {
		return 0;
	}
	for (;;) {
		virtq_notify_disable(q);
		ret = virtq_pop(q, &h->c, h->buf, MAX_BUFS);
		if (ret > 0) {
			h->on = true;
			h->i = 0;
			h->off = 0;
			return 1;
		}
		if (ret < 0 || !virtq_notify_enable(q)) {
			return ret;
		}
	}
}

/* Lock held: give @h's chain back as used, @len bytes written; interrupt if due. */
static int give(struct virtio_console *c, unsigned int qi, struct held *h, uint32_t len)
{
	struct virtq *q = virtio_mmio_queue(c->dev.mmio, qi);
	int ret = virtq_push(q, h->c.head, len);

	h->on = false;
	if (!ret && virtq_should_notify(q)) {
		virtio_mmio_interrupt(c->dev.mmio, VIRTIO_MMIO_INT_VRING);
	}
	return ret;
}

/* Lock held: input read so far into receiveq chains (as much as they take). */
static int serve_rx(struct virtio_console *c)
{
	while (c->in_len) {
		size_t done = 0;
		unsigned int end;
		int ret = take(c, VIRTIO_CONSOLE_RXQ, &c->rx);

		if (ret <= 0) {
			return ret;
		}
		end = c->rx.c.nout + c->rx.c.nin;
		for (unsigned int i = c->rx.c.nout; i < end && done < c->in_len; i++) {
			size_t n = c->rx.buf[i].len;

			if (n > c->in_len - done) {
				n = c->in_len - done;
			}
			memcpy(c->rx.buf[i].p, c->in + done, n);
			done += n;
		}
		memmove(c->in, c->in + done, c->in_len - done);
		c->in_len -= done;
		ret = give(c, VIRTIO_CONSOLE_RXQ, &c->rx, (uint32_t)done);
		if (ret < 0) {
			return ret;
		}
	}
	/* Hold a chain so that the thread knows how much input it may read. */
	for (;;) {
		int ret = take(c, VIRTIO_CONSOLE_RXQ, &c->rx);

		if (ret <= 0 || c->rx.c.in_bytes) {
			return ret;
		}
		/* nothing writable in it: back empty, or input would wait for it forever */
		ret = give(c, VIRTIO_CONSOLE_RXQ, &c->rx, 0);
		if (ret < 0) {
			return ret;
		}
	}
}

/* Lock held: transmitq chains into the output buffer while it has room. */
static int serve_tx(struct virtio_console *c)
{
	for (;;) {
		struct held *h = &c->tx;
		int ret;

		if (c->out_len == VIRTIO_CONSOLE_OUT_BUF) {
			return 0;
		}
		ret = take(c, VIRTIO_CONSOLE_TXQ, h);
		if (ret <= 0) {
			return ret;
		}
		if (c->out_head && c->out_head + c->out_len == VIRTIO_CONSOLE_OUT_BUF) {
			memmove(c->out, c->out + c->out_head, c->out_len);
			c->out_head = 0;
		}
		while (h->i < h->c.nout) {
			const struct virtq_buf *b = &h->buf[h->i];
			size_t room = VIRTIO_CONSOLE_OUT_BUF - c->out_head - c->out_len;
			size_t n = b->len - h->off;

			if (c->out_err) {
				c->dropped += n; /* the output is gone: discard, do not stall */
			} else {
				if (n > room) {
					n = room;
				}
				memcpy(c->out + c->out_head + c->out_len,
				       (const uint8_t *)b->p + h->off, n);
				c->out_len += n;
			}
			h->off += (uint32_t)n;
			if (h->off == b->len) {
				h->i++;
				h->off = 0;
			} else {
				break; /* the buffer is full: the rest of this chain waits */
			}
		}
		if (h->i < h->c.nout) {
			return 0;
		}
		ret = give(c, VIRTIO_CONSOLE_TXQ, h, 0);
		if (ret < 0) {
			return ret;
		}
	}
}

/* Lock held: both queues, as far as they go without waiting. */
static void serve(struct virtio_console *c)
{
	int ret;

	if (!c->running) {
		return;
	}
	ret = serve_rx(c);
	if (ret >= 0) {
		ret = serve_tx(c);
	}
	if (ret < 0) {
		broken(c, ret);
	}
}

/* Write some of the output buffer (the fd said POLLOUT). Lock not held. */
static void write_out(struct virtio_console *c)
{
	size_t n = c->out_len < c->chunk ? c->out_len : c->chunk;
	ssize_t w = write(c->wfd, c->out + c->out_head, n);
	int err = errno;

	pthread_mutex_lock(&c->lock);
	if (w > 0) {
		c->out_head += (size_t)w;
		c->out_len -= (size_t)w;
		c->written += (uint64_t)w;
		if (!c->out_len) {
			c->out_head = 0;
		}
	} else if (w < 0 && err != EAGAIN && err != EINTR) {
		c->out_err = err; /* EPIPE, EIO...: output dropped from now on */
		c->dropped += c->out_len;
		c->out_head = c->out_len = 0;
	}
	pthread_mutex_unlock(&c->lock);
}

/* Read input for the held receiveq chain, at most @want bytes. Lock not held. */
static void read_in(struct virtio_console *c, size_t want)
{
	ssize_t n = read(c->rfd, c->in, want);

	if (n > 0) {
		c->in_len = (size_t)n;
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		c->in_eof = true; /* EOF or error: the guest gets no more input */
	}
}

static long ms_until(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
}

/* After stop: write what is buffered and still queued, until the deadline. */
static void flush(struct virtio_console *c)
{
	struct pollfd p = { .fd = c->wfd, .events = POLLOUT };

	for (;;) {
		long left;

		pthread_mutex_lock(&c->lock);
		serve(c);
		if (!c->out_len || c->out_err) {
			pthread_mutex_unlock(&c->lock);
			return;
		}
		pthread_mutex_unlock(&c->lock);
		left = ms_until(&c->deadline);
		if (left <= 0) {
			return;
		}
		if (poll(&p, 1, (int)left) > 0) {
			write_out(c);
		}
	}
}

static void *con_thread(void *arg)
{
	struct virtio_console *c = arg;
	struct pollfd p[5] = {
		{ .fd = c->wake, .events = POLLIN },
		{ .fd = c->dev.kick[VIRTIO_CONSOLE_RXQ], .events = POLLIN },
		{ .fd = c->dev.kick[VIRTIO_CONSOLE_TXQ], .events = POLLIN },
		{ .events = POLLIN },
		{ .events = POLLOUT },
	};

	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		size_t want = 0;

		serve(c);
		/* Input only for a held chain, and only once the last read is delivered. */
		if (c->rx.on && !c->in_len && !c->in_eof && c->rfd >= 0) {
			want = c->rx.c.in_bytes < sizeof(c->in) ? c->rx.c.in_bytes : sizeof(c->in);
		}
		p[3].fd = want ? c->rfd : -1;
		p[4].fd = c->out_len && !c->out_err ? c->wfd : -1;
		pthread_mutex_unlock(&c->lock);
		if (ppoll(p, 5, NULL, NULL) > 0) {
			for (int i = 0; i < 3; i++) {
				if (p[i].revents) {
					eventfd_drain(p[i].fd);
				}
			}
			if (p[3].fd >= 0 && p[3].revents) {
				read_in(c, want);
			}
			if (p[4].fd >= 0 && p[4].revents) {
				write_out(c);
			}
		}
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	flush(c);
	return NULL;
}

/*
 * A private non-blocking open file description of @fd (a pipe or a
 * character device, through /proc/self/fd), so that the one hotvm shares
 * with its parent keeps its flags; else @fd itself.
 */
static int reopen(int fd, int flags, bool *own)
{
	struct stat st;
	char path[32];
	int nfd;

	*own = false;
	if (fstat(fd, &st) < 0 || (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))) {
		return fd;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (nfd < 0) {
		return fd;
	}
	*own = true;
	return nfd;
}

static int con_start(struct virtio_dev *d)
{
	struct virtio_console *c = (struct virtio_console *)d;
	int ret;

	if (c->out_fd >= 0) {
		c->wfd = reopen(c->out_fd, O_WRONLY, &c->wfd_own);
		/* a shared fd: no more than fits once it polls writable */
		c->chunk = c->wfd_own ? VIRTIO_CONSOLE_OUT_BUF : PIPE_BUF;
	}
	if (c->in_fd >= 0) {
		c->rfd = reopen(c->in_fd, O_RDONLY, &c->rfd_own);
		if (isatty(c->in_fd) && tcgetattr(c->in_fd, &c->saved) == 0) {
			struct termios raw = c->saved;

			/* The guest echoes and edits lines; ^C still stops hotvm. */
			raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
			raw.c_iflag &= ~(tcflag_t)(ICRNL);
			raw.c_cc[VMIN] = 1;
			raw.c_cc[VTIME] = 0;
			c->tty = tcsetattr(c->in_fd, TCSANOW, &raw) == 0;
		}
	}
	ret = pthread_create(&c->thread, NULL, con_thread, c);
	if (ret) {
		return -ret;
	}
	c->started = true;
	pthread_setname_np(c->thread, "virtio-console");
	return 0;
}

static void con_destroy(struct virtio_dev *d)
{
	struct virtio_console *c = (struct virtio_console *)d;
	bool gone = true;
	uint64_t lost;

	pthread_mutex_lock(&c->lock);
	c->stop = true;
	clock_gettime(CLOCK_MONOTONIC, &c->deadline);
	c->deadline.tv_nsec += (long)VIRTIO_CONSOLE_FLUSH_MS * 1000000;
	c->deadline.tv_sec += c->deadline.tv_nsec / 1000000000;
	c->deadline.tv_nsec %= 1000000000;
	pthread_mutex_unlock(&c->lock);
	eventfd_signal(c->wake);
	if (c->started) {
		struct timespec limit;

		/*
		 * Only a write() on a shared blocking fd (a socket) can outlast the
		 * deadline; then the thread is left behind (hotvm is exiting) and
		 * with it this struct, which it still uses.
		 */
		clock_gettime(CLOCK_REALTIME, &limit);
		limit.tv_sec += 1 + VIRTIO_CONSOLE_FLUSH_MS / 1000;
		gone = pthread_timedjoin_np(c->thread, NULL, &limit) == 0;
	}
	if (c->tty) {
		tcsetattr(c->in_fd, TCSANOW, &c->saved);
	}
	pthread_mutex_lock(&c->lock);
	lost = c->dropped + (gone ? c->out_len : 0);
	if (lost && c->out_fd >= 0) {
		fprintf(stderr, "hotvm: console: %llu bytes of guest output not written (%s)\n",
			(unsigned long long)lost,
			c->out_err ? strerror(c->out_err) : "output not writable in time");
	}
	pthread_mutex_unlock(&c->lock);
	if (!gone) {
		return;
	}
	if (c->rfd_own) {
		close(c->rfd);
	}
	if (c->wfd_own) {
		close(c->wfd);
	}
	close(c->wake);
	virtio_dev_fini(d);
	pthread_mutex_destroy(&c->lock);
	free(c->out);
	free(c);
}

static const struct virtio_dev_type con_type = {
	.name = "virtio-console",
	.start = con_start,
	.destroy = con_destroy,
};

struct virtio_dev *virtio_console_create(uint64_t base, const struct ram *ram, int in_fd,
					 int out_fd)
{
	const struct virtio_mmio_config cfg = {
		.device_id = VIRTIO_ID_CONSOLE,
		.vendor_id = VIRTIO_DEV_VENDOR,
		.nqueues = 2,
		.queue_max = { VIRTIO_CONSOLE_QUEUE_SIZE, VIRTIO_CONSOLE_QUEUE_SIZE },
		.config_size = 0,
	};
	struct virtio_console *c = calloc(1, sizeof(*c));
	int ret = -ENOMEM;

	if (!c) {
		return NULL;
	}
	c->in_fd = c->rfd = in_fd;
	c->out_fd = c->wfd = out_fd;
	c->out_err = out_fd < 0 ? EBADF : 0;
	c->chunk = PIPE_BUF;
	c->out = malloc(VIRTIO_CONSOLE_OUT_BUF);
	c->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&c->lock, NULL);
	if (!c->out || c->wake < 0) {
		goto fail;
	}
	ret = virtio_dev_init(&c->dev, &con_type, base, ram, &cfg, &con_ops, c);
	if (ret) {
		goto fail;
	}
	return &c->dev;
fail:
	if (c->wake >= 0) {
		close(c->wake);
	}
	pthread_mutex_destroy(&c->lock);
	free(c->out);
	free(c);
	errno = -ret;
	return NULL;
}

uint64_t virtio_console_written(struct virtio_dev *d)
{
	struct virtio_console *c = (struct virtio_console *)d;
	uint64_t n;

	pthread_mutex_lock(&c->lock);
	n = c->written;
	pthread_mutex_unlock(&c->lock);
	return n;
}
