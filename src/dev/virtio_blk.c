// SPDX-License-Identifier: MIT
/* virtio-blk: a raw image over io_uring (see virtio_blk.h). */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * liburing.h includes <linux/fs.h> after glibc's <sys/uio.h>: with 6.x
 * uapi headers both define RWF_* (same values, other spelling), which
 * -Werror refuses. The kernel's definitions win.
 */
#undef RWF_HIPRI
#undef RWF_DSYNC
#undef RWF_SYNC
#undef RWF_NOWAIT
#undef RWF_APPEND
#include <liburing.h>

#include "dev/virtio_blk.h"

#define HDR_BYTES    16 /* struct virtio_blk_outhdr: le32 type, le32 reserved, le64 sector */
#define SEG_BYTES    16 /* struct virtio_blk_discard_write_zeroes */
#define DIRECT_ALIGN 512u
#define ZERO_CHUNK   (1u << 20) /* one write of zeroes when fallocate cannot zero */
/* SQ entries; the CQ holds every SQE that can be in flight at once. */
#define RING_SQ	     256u
#define RING_CQ	     4096u
#define MAX_ERRORS   10 /* I/O errors reported on stderr, per device */

/* What an SQE does for its request (bits 16..23 of user_data). */
enum blk_op { OP_RW, OP_FLUSH, OP_DISCARD, OP_ZERO_RANGE, OP_ZERO_WRITE };

struct blk_seg {
	uint64_t sector;
	uint32_t num;
	uint32_t flags;
};

/* A request between virtq_pop() and virtq_push(); indexed by its head id. */
struct blk_req {
	bool busy;
	uint32_t type;
	uint64_t sector;
	uint8_t *status;    /* the chain's last device-writable byte */
	uint32_t used_len;  /* bytes written into the chain when it succeeds */
	unsigned int pending; /* SQEs submitted and not completed */
	int err;	    /* the first failure, -errno */
	struct iovec *iov;  /* IN/OUT data, in guest RAM */
	unsigned int niov;
	uint64_t len;	    /* IN/OUT data bytes */
	uint8_t *bounce;    /* direct: the aligned copy of unaligned guest buffers */
	struct blk_seg *seg; /* DISCARD/WRITE_ZEROES */
	unsigned int nseg;
};

struct virtio_blk {
	struct virtio_dev dev; /* first: the VMM holds a struct virtio_dev * */
	/* Held by the I/O thread while it uses the queue or the ring, and by reset. */
	pthread_mutex_t lock;
	pthread_cond_t idle; /* inflight went to 0 */
	bool running;	     /* DRIVER_OK seen since the last reset */
	bool failed;	     /* NEEDS_RESET set: no more pops until reset */
	bool reported;
	unsigned int errors;
	int fd;
	bool ro, direct;
	char *path;
	uint64_t capacity;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	struct io_uring ring;
	bool ring_ok;
	int cq_fd; /* io_uring_register_eventfd(): signalled per completion */
	const uint8_t *zeroes; /* ZERO_CHUNK read-only zero bytes */
	unsigned int inflight;
	uint64_t started, completed;
	uint8_t config[VIRTIO_BLK_CFG_SIZE];
	struct blk_req req[VIRTIO_BLK_QUEUE_SIZE];
	struct virtq_buf buf[VIRTQ_MAX_BUFS(VIRTIO_BLK_QUEUE_SIZE)];
};

static uint64_t blk_features(void *opaque)
{
	struct virtio_blk *r = opaque;
	uint64_t f = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_BLK_SIZE |
		     1ull << VIRTIO_BLK_F_FLUSH;

	if (r->ro) {
		f |= 1ull << VIRTIO_BLK_F_RO;
	} else {
		f |= 1ull << VIRTIO_BLK_F_DISCARD | 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
	}
	return f;
}

static void blk_config_read(void *opaque, uint32_t off, uint8_t *data, uint32_t len)
{
	struct virtio_blk *r = opaque;

	memset(data, 0, len);
	if (off < sizeof(r->config)) {
		memcpy(data, r->config + off,
		       len < sizeof(r->config) - off ? len : sizeof(r->config) - off);
	}
}

/* Nothing in it is writable (no VIRTIO_BLK_F_CONFIG_WCE): ignored. */
static void blk_config_write(void *opaque, uint32_t off, const uint8_t *data, uint32_t len)
{
}

/* Transport lock held (vCPU thread): wake the I/O thread. */
static void blk_notify(void *opaque, unsigned int q)
{
	struct virtio_blk *r = opaque;

	pthread_mutex_lock(&r->lock);
	r->running = true;
	pthread_mutex_unlock(&r->lock);
	eventfd_signal(r->dev.kick[q]);
}

/*
 * Transport lock held: stop popping, then wait until every request in
 * flight has completed and been pushed (the I/O thread reaps them while
 * we wait on the condition). After this nothing touches the queue.
 */
static void blk_reset(void *opaque)
{
	struct virtio_blk *r = opaque;

	pthread_mutex_lock(&r->lock);
	r->running = false;
	while (r->inflight) {
		pthread_cond_wait(&r->idle, &r->lock);
	}
	r->failed = false;
	r->reported = false;
	pthread_mutex_unlock(&r->lock);
}

static const struct virtio_mmio_ops blk_ops = {
	.features = blk_features,
	.config_read = blk_config_read,
	.config_write = blk_config_write,
	.notify = blk_notify,
	.reset = blk_reset,
};

static void broken(struct virtio_blk *r, const char *why)
{
	if (!r->reported) {
		fprintf(stderr, "hotvm: virtio-blk@%#llx (%s): %s; device needs reset\n",
			(unsigned long long)r->dev.base, r->path, why);
		r->reported = true;
	}
	r->failed = true;
	virtio_mmio_needs_reset(r->dev.mmio);
}

static void io_error(struct virtio_blk *r, const struct blk_req *req, int err)
{
	static const char *const what[] = {
		[VIRTIO_BLK_T_IN] = "read",
		[VIRTIO_BLK_T_OUT] = "write",
		[VIRTIO_BLK_T_FLUSH] = "flush",
		[VIRTIO_BLK_T_DISCARD] = "discard",
		[VIRTIO_BLK_T_WRITE_ZEROES] = "write zeroes",
	};

	const char *w = req->type < sizeof(what) / sizeof(what[0]) ? what[req->type] : NULL;

	if (r->errors++ < MAX_ERRORS) {
		fprintf(stderr, "hotvm: virtio-blk %s: %s at sector %llu failed: %s%s\n", r->path,
			w ? w : "request",
			(unsigned long long)req->sector, strerror(-err),
			r->errors == MAX_ERRORS ? " (further errors not reported)" : "");
	}
}

/* Copy @len bytes at byte @off of the chain part @b[0..n) to @dst. */
static void gather(const struct virtq_buf *b, unsigned int n, uint64_t off, void *dst,
		   uint64_t len)
{
	uint8_t *p = dst;

	for (unsigned int i = 0; i < n && len; i++) {
		uint64_t k;

		if (off >= b[i].len) {
			off -= b[i].len;
			continue;
		}
		k = b[i].len - off < len ? b[i].len - off : len;
		memcpy(p, (uint8_t *)b[i].p + off, k);
		p += k;
		len -= k;
		off = 0;
	}
}

/* The iovecs of bytes [@off, @off + @len) of @b[0..n) (malloc'ed, *@niov set), or NULL. */
static struct iovec *slice(const struct virtq_buf *b, unsigned int n, uint64_t off, uint64_t len,
			   unsigned int *niov)
{
	struct iovec *iov = calloc(n, sizeof(*iov));
	unsigned int k = 0;

	if (!iov) {
		return NULL;
	}
	for (unsigned int i = 0; i < n && len; i++) {
		uint64_t m;

		if (off >= b[i].len) {
			off -= b[i].len;
			continue;
		}
		m = b[i].len - off < len ? b[i].len - off : len;
		iov[k++] = (struct iovec){ (uint8_t *)b[i].p + off, m };
		len -= m;
		off = 0;
	}
	*niov = k;
	return iov;
}

static void iov_to_buf(const struct iovec *iov, unsigned int n, uint8_t *p)
{
	for (unsigned int i = 0; i < n; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
}

static void buf_to_iov(const uint8_t *p, const struct iovec *iov, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		memcpy(iov[i].iov_base, p, iov[i].iov_len);
		p += iov[i].iov_len;
	}
}

/* O_DIRECT takes these buffers as they are: addresses and lengths 512-aligned. */
static bool direct_ok(const struct iovec *iov, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if ((uintptr_t)iov[i].iov_base % DIRECT_ALIGN || iov[i].iov_len % DIRECT_ALIGN) {
			return false;
		}
	}
	return true;
}

/* Put the request in the used ring with @status, and forget it. */
static void finish(struct virtio_blk *r, struct blk_req *req, uint8_t status, bool *pushed)
{
	struct virtq *q = virtio_mmio_queue(r->dev.mmio, 0);
	uint16_t head = (uint16_t)(req - r->req);
	int ret;

	*req->status = status;
	ret = virtq_push(q, head, status == VIRTIO_BLK_S_OK ? req->used_len : 1);
	if (ret < 0) {
		broken(r, virtq_strerror(ret));
	} else {
		*pushed = true;
	}
	free(req->iov);
	free(req->bounce);
	free(req->seg);
	memset(req, 0, sizeof(*req));
	r->completed++;
	if (!--r->inflight) {
		pthread_cond_broadcast(&r->idle);
	}
}

/* An SQE for @req (the SQ is flushed when full), or NULL. */
static struct io_uring_sqe *sqe_get(struct virtio_blk *r, struct blk_req *req, enum blk_op op,
				    uint32_t arg)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

	if (!sqe) {
		io_uring_submit(&r->ring);
		sqe = io_uring_get_sqe(&r->ring);
	}
	if (!sqe) {
		req->err = req->err ? req->err : -EBUSY;
		return NULL;
	}
	io_uring_sqe_set_data64(sqe, (uint64_t)(req - r->req) | (uint64_t)op << 16 |
					     (uint64_t)arg << 32);
	req->pending++;
	return sqe;
}

/* Writes of zeroes over segment @i of @req (the file system cannot zero a range). */
static void zero_write(struct virtio_blk *r, struct blk_req *req, unsigned int i)
{
	uint64_t off = req->seg[i].sector * VIRTIO_BLK_SECTOR;
	uint64_t end = off + (uint64_t)req->seg[i].num * VIRTIO_BLK_SECTOR;

	for (; off < end; off += ZERO_CHUNK) {
		uint32_t n = end - off < ZERO_CHUNK ? (uint32_t)(end - off) : ZERO_CHUNK;
		struct io_uring_sqe *sqe = sqe_get(r, req, OP_ZERO_WRITE, n);

		if (!sqe) {
			return;
		}
		io_uring_prep_write(sqe, r->fd, r->zeroes, n, off);
	}
}

/* A completion: @ud from sqe_get(), @res the syscall's result. */
static void step(struct virtio_blk *r, uint64_t ud, int res, bool *pushed)
{
	struct blk_req *req = &r->req[ud & 0xffff];
	enum blk_op op = (enum blk_op)(ud >> 16 & 0xff);
	uint32_t arg = (uint32_t)(ud >> 32);

	if (!req->busy || !req->pending) {
		return; /* cannot happen: every SQE belongs to a request in flight */
	}
	req->pending--;
	switch (op) {
	case OP_RW:
		if (res >= 0 && (uint64_t)res != req->len) {
			res = -EIO; /* short: the file shrank under us */
		}
		if (res >= 0 && req->bounce && req->type == VIRTIO_BLK_T_IN) {
			buf_to_iov(req->bounce, req->iov, req->niov);
		}
		break;
	case OP_DISCARD:
		if (res == -EOPNOTSUPP) {
			res = 0; /* a discard is a hint: the file system keeps the blocks */
		}
		break;
	case OP_ZERO_RANGE:
		if (res == -EOPNOTSUPP) {
			zero_write(r, req, arg);
			res = 0;
		}
		break;
	case OP_ZERO_WRITE:
		if (res >= 0 && (uint32_t)res != arg) {
			res = -EIO;
		}
		break;
	case OP_FLUSH:
		break;
	}
	if (res < 0 && !req->err) {
		req->err = res;
		io_error(r, req, res);
	}
	if (!req->pending) {
		finish(r, req, req->err ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK, pushed);
	}
}

/* Process every completion there is. */
static void reap(struct virtio_blk *r, bool *pushed)
{
	struct io_uring_cqe *cqe;

	while (io_uring_peek_cqe(&r->ring, &cqe) == 0) {
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&r->ring, cqe);
		step(r, ud, res, pushed);
	}
}

/* Submit what is queued in the SQ. */
static void submit(struct virtio_blk *r, bool *pushed)
{
	while (io_uring_sq_ready(&r->ring)) {
		int ret = io_uring_submit(&r->ring);

		if (ret >= 0 || ret == -EINTR) {
			continue;
		}
		if (ret == -EAGAIN || ret == -EBUSY) {
			reap(r, pushed); /* the kernel wants its completions taken first */
			continue;
		}
		broken(r, "io_uring_enter failed");
		fprintf(stderr, "hotvm: virtio-blk %s: io_uring_enter: %s\n", r->path,
			strerror(-ret));
		return;
	}
}

static bool in_range(struct virtio_blk *r, uint64_t sector, uint64_t sectors)
{
	return sector <= r->capacity && sectors <= r->capacity - sector;
}

static void start_rw(struct virtio_blk *r, struct blk_req *req)
{
	bool write = req->type == VIRTIO_BLK_T_OUT;
	uint64_t off = req->sector * VIRTIO_BLK_SECTOR;
	struct io_uring_sqe *sqe;

	if (r->direct && !direct_ok(req->iov, req->niov)) {
		size_t n = (req->len + 4095) & ~(size_t)4095;

		req->bounce = aligned_alloc(4096, n);
		if (!req->bounce) {
			req->err = -ENOMEM;
			return;
		}
		if (write) {
			iov_to_buf(req->iov, req->niov, req->bounce);
		}
	}
	sqe = sqe_get(r, req, OP_RW, 0);
	if (!sqe) {
		return;
	}
	if (req->bounce && write) {
		io_uring_prep_write(sqe, r->fd, req->bounce, (unsigned int)req->len, off);
	} else if (req->bounce) {
		io_uring_prep_read(sqe, r->fd, req->bounce, (unsigned int)req->len, off);
	} else if (write) {
		io_uring_prep_writev(sqe, r->fd, req->iov, req->niov, off);
	} else {
		io_uring_prep_readv(sqe, r->fd, req->iov, req->niov, off);
	}
}

/*
 * The segments of a DISCARD or WRITE_ZEROES (already copied out of guest
 * memory): a status to finish with now, or OK with the SQEs queued.
 */
static uint8_t start_segs(struct virtio_blk *r, struct blk_req *req)
{
	bool discard = req->type == VIRTIO_BLK_T_DISCARD;
	uint32_t max = discard ? VIRTIO_BLK_MAX_DISCARD_SECTORS
			       : VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS;

	for (unsigned int i = 0; i < req->nseg; i++) {
		const struct blk_seg *s = &req->seg[i];

		/* §5.2.6.2: unknown flags, or unmap on a discard, are unsupported */
		if (s->flags & ~(uint32_t)VIRTIO_BLK_WZ_F_UNMAP ||
		    (discard && s->flags & VIRTIO_BLK_WZ_F_UNMAP)) {
			return VIRTIO_BLK_S_UNSUPP;
		}
		if (s->num > max || !in_range(r, s->sector, s->num)) {
			return VIRTIO_BLK_S_IOERR;
		}
	}
	req->sector = req->seg[0].sector;
	for (unsigned int i = 0; i < req->nseg; i++) {
		const struct blk_seg *s = &req->seg[i];
		int mode = FALLOC_FL_KEEP_SIZE;
		struct io_uring_sqe *sqe;

		if (!s->num) {
			continue;
		}
		/* write_zeroes_may_unmap: a hole reads back as zeroes too */
		if (discard || s->flags & VIRTIO_BLK_WZ_F_UNMAP) {
			mode |= FALLOC_FL_PUNCH_HOLE;
		} else {
			mode |= FALLOC_FL_ZERO_RANGE;
		}
		sqe = sqe_get(r, req, discard ? OP_DISCARD : OP_ZERO_RANGE, i);
		if (!sqe) {
			break;
		}
		io_uring_prep_fallocate(sqe, r->fd, mode, (off_t)(s->sector * VIRTIO_BLK_SECTOR),
					(off_t)((uint64_t)s->num * VIRTIO_BLK_SECTOR));
	}
	return VIRTIO_BLK_S_OK;
}

/* GET_ID: the serial into the chain's data-in part (@n bytes at most). */
static void get_id(struct virtio_blk *r, struct blk_req *req, const struct virtq_buf *b,
		   unsigned int nin, uint64_t n)
{
	uint8_t id[VIRTIO_BLK_ID_BYTES] = { 0 };
	struct iovec *iov;
	unsigned int niov;

	memcpy(id, r->serial, strlen(r->serial));
	n = n < sizeof(id) ? n : sizeof(id);
	iov = slice(b, nin, 0, n, &niov);
	if (!iov) {
		req->err = -ENOMEM;
		return;
	}
	buf_to_iov(id, iov, niov);
	free(iov);
	req->used_len = (uint32_t)n + 1;
}

/*
 * Start the request in chain @c (buffers in r->buf): queue its SQEs, or
 * finish it at once. 0, or a message when the chain cannot even be failed
 * (no status byte, or its head is already in flight): the device then
 * needs a reset.
 */
static const char *start(struct virtio_blk *r, const struct virtq_chain *c, bool *pushed)
{
	const struct virtq_buf *b = r->buf, *in = r->buf + c->nout, *last;
	struct blk_req *req = &r->req[c->head];
	uint64_t dout, din;
	uint8_t hdr[HDR_BYTES], status = VIRTIO_BLK_S_OK;
	uint32_t le32;
	uint64_t le64;

	if (!c->in_bytes) {
		return "request without a status byte";
	}
	if (req->busy) {
		return "descriptor head made available again while in flight";
	}
	req->busy = true;
	r->inflight++;
	r->started++;
	last = &b[c->nout + c->nin - 1];
	req->status = (uint8_t *)last->p + last->len - 1;
	req->used_len = 1;
	if (c->out_bytes < HDR_BYTES) {
		finish(r, req, VIRTIO_BLK_S_IOERR, pushed);
		return NULL;
	}
	gather(b, c->nout, 0, hdr, HDR_BYTES);
	memcpy(&le32, hdr, 4);
	memcpy(&le64, hdr + 8, 8);
	req->type = le32toh(le32);
	req->sector = le64toh(le64);
	dout = c->out_bytes - HDR_BYTES;
	din = c->in_bytes - 1;
	switch (req->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		bool write = req->type == VIRTIO_BLK_T_OUT;

		req->len = write ? dout : din;
		if ((write ? din : dout) || req->len % VIRTIO_BLK_SECTOR ||
		    (write && r->ro) ||
		    !in_range(r, req->sector, req->len / VIRTIO_BLK_SECTOR)) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		if (!req->len) {
			break;
		}
		req->iov = write ? slice(b, c->nout, HDR_BYTES, dout, &req->niov)
				 : slice(in, c->nin, 0, din, &req->niov);
		if (!req->iov) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		req->used_len = write ? 1 : (uint32_t)din + 1;
		start_rw(r, req);
		break;
	}
	case VIRTIO_BLK_T_FLUSH: {
		struct io_uring_sqe *sqe;

		if (dout || din) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		/* completes when fdatasync() has returned */
		sqe = sqe_get(r, req, OP_FLUSH, 0);
		if (sqe) {
			io_uring_prep_fsync(sqe, r->fd, IORING_FSYNC_DATASYNC);
		}
		break;
	}
	case VIRTIO_BLK_T_GET_ID:
		if (dout) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		get_id(r, req, in, c->nin, din);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		if (din || r->ro || !dout || dout % SEG_BYTES ||
		    dout / SEG_BYTES > (req->type == VIRTIO_BLK_T_DISCARD
						? VIRTIO_BLK_MAX_DISCARD_SEG
						: VIRTIO_BLK_MAX_WRITE_ZEROES_SEG)) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		req->nseg = (unsigned int)(dout / SEG_BYTES);
		req->seg = calloc(req->nseg, sizeof(*req->seg));
		if (!req->seg) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		for (unsigned int i = 0; i < req->nseg; i++) {
			uint8_t s[SEG_BYTES];

			/* read once: the guest may change it meanwhile */
			gather(b, c->nout, HDR_BYTES + (uint64_t)i * SEG_BYTES, s, SEG_BYTES);
			memcpy(&le64, s, 8);
			req->seg[i].sector = le64toh(le64);
			memcpy(&le32, s + 8, 4);
			req->seg[i].num = le32toh(le32);
			memcpy(&le32, s + 12, 4);
			req->seg[i].flags = le32toh(le32);
		}
		status = start_segs(r, req);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	if (status == VIRTIO_BLK_S_OK && req->err) {
		status = VIRTIO_BLK_S_IOERR;
	}
	if (status != VIRTIO_BLK_S_OK) {
		/* nothing of it may be in flight: SQEs queued so far are not submitted yet */
		if (req->pending) {
			req->err = req->err ? req->err : -EIO;
			return NULL; /* its completions finish it */
		}
		finish(r, req, status, pushed);
	} else if (!req->pending) {
		finish(r, req, VIRTIO_BLK_S_OK, pushed);
	}
	return NULL;
}

/* I/O thread: queue 0 was kicked. */
static void blk_kick(void *opaque)
{
	struct virtio_blk *r = opaque;
	struct virtq *q;
	struct virtq_chain c;
	bool pushed = false;
	const char *why = NULL;
	int ret;

	eventfd_drain(r->dev.kick[0]);
	pthread_mutex_lock(&r->lock);
	q = virtio_mmio_queue(r->dev.mmio, 0);
	if (!r->running || r->failed || !q->ready) {
		pthread_mutex_unlock(&r->lock);
		return;
	}
	do {
		virtq_notify_disable(q);
		while ((ret = virtq_pop(q, &c, r->buf, VIRTQ_MAX_BUFS(VIRTIO_BLK_QUEUE_SIZE))) > 0) {
			why = start(r, &c, &pushed);
			if (why) {
				break;
			}
		}
		if (why || ret < 0) {
			broken(r, why ? why : virtq_strerror(ret));
			break;
		}
	} while (virtq_notify_enable(q));
	submit(r, &pushed);
	if (pushed && virtq_should_notify(q)) {
		virtio_mmio_interrupt(r->dev.mmio, VIRTIO_MMIO_INT_VRING);
	}
	pthread_mutex_unlock(&r->lock);
}

/* I/O thread: io_uring has completions. */
static void blk_done(void *opaque)
{
	struct virtio_blk *r = opaque;
	bool pushed = false;

	eventfd_drain(r->cq_fd);
	pthread_mutex_lock(&r->lock);
	reap(r, &pushed);
	submit(r, &pushed); /* writes of zeroes queued by a refused fallocate */
	if (pushed && virtq_should_notify(virtio_mmio_queue(r->dev.mmio, 0))) {
		virtio_mmio_interrupt(r->dev.mmio, VIRTIO_MMIO_INT_VRING);
	}
	pthread_mutex_unlock(&r->lock);
}

static int blk_start(struct virtio_dev *d)
{
	return iothread_start(d->io, "virtio-blk");
}

static void blk_free(struct virtio_blk *r)
{
	if (r->ring_ok) {
		io_uring_queue_exit(&r->ring);
	}
	if (r->cq_fd >= 0) {
		close(r->cq_fd);
	}
	if (r->fd >= 0) {
		close(r->fd); /* and the flock goes */
	}
	if (r->zeroes) {
		munmap((void *)r->zeroes, ZERO_CHUNK);
	}
	free(r->path);
	pthread_cond_destroy(&r->idle);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static void blk_destroy(struct virtio_dev *d)
{
	struct virtio_blk *r = (struct virtio_blk *)d;
	bool pushed = false;

	iothread_destroy(d->io);
	/* the kernel may still write into guest RAM for requests in flight */
	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct io_uring_cqe *cqe;
		int ret;

		submit(r, &pushed); /* what reap() queued (writes of zeroes) too */
		if (!r->inflight) {
			break;
		}
		ret = io_uring_wait_cqe(&r->ring, &cqe);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN) {
			break;
		}
		reap(r, &pushed);
	}
	pthread_mutex_unlock(&r->lock);
	virtio_dev_fini(d);
	blk_free(r);
}

static const struct virtio_dev_type blk_type = {
	.name = "virtio-blk",
	.start = blk_start,
	.destroy = blk_destroy,
};

/* "hv" and a 64-bit FNV-1a hash of st_dev and st_ino, in hex: 18 characters. */
static void make_serial(char *s, size_t n, const struct stat *st)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint64_t v[2] = { (uint64_t)st->st_dev, (uint64_t)st->st_ino };

	for (unsigned int i = 0; i < 2; i++) {
		for (unsigned int k = 0; k < 8; k++) {
			h ^= (uint8_t)(v[i] >> (8 * k));
			h *= 0x100000001b3ull;
		}
	}
	snprintf(s, n, "hv%016llx", (unsigned long long)h);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void make_config(struct virtio_blk *r)
{
	uint64_t cap = htole64(r->capacity);

	memcpy(r->config + VIRTIO_BLK_CFG_CAPACITY, &cap, 8);
	put32(r->config + VIRTIO_BLK_CFG_SEG_MAX, VIRTIO_BLK_SEG_MAX);
	put32(r->config + VIRTIO_BLK_CFG_BLK_SIZE, VIRTIO_BLK_SECTOR);
	put32(r->config + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, VIRTIO_BLK_MAX_DISCARD_SECTORS);
	put32(r->config + VIRTIO_BLK_CFG_MAX_DISCARD_SEG, VIRTIO_BLK_MAX_DISCARD_SEG);
	put32(r->config + VIRTIO_BLK_CFG_DISCARD_ALIGNMENT, VIRTIO_BLK_DISCARD_ALIGNMENT);
	put32(r->config + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS,
	      VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS);
	put32(r->config + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG, VIRTIO_BLK_MAX_WRITE_ZEROES_SEG);
	r->config[VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP] = 1;
}

/* Open, check and lock the image. 0, or -1 with @err set. */
static int open_image(struct virtio_blk *r, const struct config_disk *disk, char *err,
		      size_t errlen)
{
	int flags = (disk->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | (disk->direct ? O_DIRECT : 0);
	struct stat st;

	r->fd = open(disk->path, flags);
	if (r->fd < 0) {
		snprintf(err, errlen, "%s: %s%s", disk->path, strerror(errno),
			 disk->direct && errno == EINVAL
				 ? " (the file system does not support O_DIRECT: drop ',direct')"
				 : "");
		return -1;
	}
	if (fstat(r->fd, &st)) {
		snprintf(err, errlen, "%s: %s", disk->path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen,
			 "%s: not a regular file (only raw image files are supported, not block "
			 "devices)",
			 disk->path);
		return -1;
	}
	if (flock(r->fd, (disk->ro ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		if (errno == EWOULDBLOCK) {
			snprintf(err, errlen, "%s is in use by another process (locked)",
				 disk->path);
		} else {
			snprintf(err, errlen, "%s: flock: %s", disk->path, strerror(errno));
		}
		return -1;
	}
	if (st.st_size % VIRTIO_BLK_SECTOR) {
		snprintf(err, errlen,
			 "%s: size %lld is not a multiple of 512 bytes (a raw image is whole "
			 "sectors; 'truncate -s' can round it)",
			 disk->path, (long long)st.st_size);
		return -1;
	}
	r->capacity = (uint64_t)st.st_size / VIRTIO_BLK_SECTOR;
	make_serial(r->serial, sizeof(r->serial), &st);
	return 0;
}

/* The ring, its completion eventfd, the zero page run. 0, or -1 with @err set. */
static int open_ring(struct virtio_blk *r, char *err, size_t errlen)
{
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE, .cq_entries = RING_CQ };
	void *z;
	int ret;

	ret = io_uring_queue_init_params(RING_SQ, &r->ring, &p);
	if (ret < 0) {
		snprintf(err, errlen,
			 "io_uring_setup: %s (the kernel needs io_uring, not disabled by "
			 "kernel.io_uring_disabled)",
			 strerror(-ret));
		return -1;
	}
	r->ring_ok = true;
	r->cq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->cq_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -1;
	}
	ret = io_uring_register_eventfd(&r->ring, r->cq_fd);
	if (ret < 0) {
		snprintf(err, errlen, "io_uring_register_eventfd: %s", strerror(-ret));
		return -1;
	}
	/* read-only anonymous pages: zeroes that cost no memory */
	z = mmap(NULL, ZERO_CHUNK, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (z == MAP_FAILED) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		return -1;
	}
	r->zeroes = z;
	return 0;
}

struct virtio_dev *virtio_blk_create(uint64_t base, const struct ram *ram,
				     const struct config_disk *disk, char *err, size_t errlen)
{
	const struct virtio_mmio_config cfg = {
		.device_id = VIRTIO_ID_BLOCK,
		.vendor_id = VIRTIO_DEV_VENDOR,
		.nqueues = 1,
		.queue_max = { VIRTIO_BLK_QUEUE_SIZE },
		.config_size = VIRTIO_BLK_CFG_SIZE,
	};
	struct virtio_blk *r = calloc(1, sizeof(*r));
	int ret;

	if (!r) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->idle, NULL);
	r->fd = r->cq_fd = -1;
	r->ro = disk->ro;
	r->direct = disk->direct;
	r->path = strdup(disk->path);
	if (!r->path) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		goto fail;
	}
	if (open_image(r, disk, err, errlen) || open_ring(r, err, errlen)) {
		goto fail;
	}
	make_config(r);
	ret = virtio_dev_init(&r->dev, &blk_type, base, ram, &cfg, &blk_ops, r);
	if (ret) {
		snprintf(err, errlen, "%s", strerror(-ret));
		goto fail;
	}
	r->dev.io = iothread_create();
	ret = r->dev.io ? iothread_watch(r->dev.io, r->dev.kick[0], blk_kick, r) : -ENOMEM;
	if (!ret) {
		ret = iothread_watch(r->dev.io, r->cq_fd, blk_done, r);
	}
	if (ret) {
		snprintf(err, errlen, "%s", strerror(-ret));
		iothread_destroy(r->dev.io);
		virtio_dev_fini(&r->dev);
		goto fail;
	}
	return &r->dev;
fail:
	blk_free(r);
	return NULL;
}

uint64_t virtio_blk_capacity(struct virtio_dev *d)
{
	return ((struct virtio_blk *)d)->capacity;
}

const char *virtio_blk_serial(struct virtio_dev *d)
{
	return ((struct virtio_blk *)d)->serial;
}

uint64_t virtio_blk_requests(struct virtio_dev *d)
{
	struct virtio_blk *r = (struct virtio_blk *)d;
	uint64_t n;

	pthread_mutex_lock(&r->lock);
	n = r->completed;
	pthread_mutex_unlock(&r->lock);
	return n;
}

uint64_t virtio_blk_started(struct virtio_dev *d)
{
	struct virtio_blk *r = (struct virtio_blk *)d;
	uint64_t n;

	pthread_mutex_lock(&r->lock);
	n = r->started;
	pthread_mutex_unlock(&r->lock);
	return n;
}
