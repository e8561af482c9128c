// SPDX-License-Identifier: MIT
/*
 * Split virtqueue, device side (see virtq.h). Layout, VIRTIO 1.2 §2.7:
 *
 *   descriptor table  16 * size: { le64 addr; le32 len; le16 flags; le16 next; }
 *   available ring    le16 flags, le16 idx, le16 ring[size], le16 used_event
 *   used ring         le16 flags, le16 idx, { le32 id; le32 len; } ring[size],
 *                     le16 avail_event
 *
 * Ordering: the driver writes descriptors and ring entries, then avail->idx
 * (with a write barrier); we load avail->idx with acquire before reading
 * what it publishes. We write the used element, then used->idx with
 * release. Before reading the driver's suppression fields (avail->flags,
 * used_event) after a push, and before re-checking avail->idx after
 * publishing avail_event, a full fence: the other side does the mirror
 * image, and without it both could miss each other's update (Linux's
 * virtio_ring.c and vhost use the same pairing).
 */
#include <endian.h>
#include <string.h>

#include "lib/virtq.h"

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static uint16_t ld16(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED));
}

static void st16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELAXED);
}

static void st32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)p, htole32(v), __ATOMIC_RELAXED);
}

/*
 * One descriptor, copied once: every check and every use below works on
 * the copy, so the guest rewriting the table meanwhile changes nothing.
 * The table need not be aligned (an indirect table can be anywhere).
 */
static struct desc read_desc(const uint8_t *table, unsigned int i)
{
	uint8_t raw[16];
	struct desc d;

	memcpy(raw, table + 16u * i, sizeof(raw));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	memcpy(&d.addr, raw, 8);
	memcpy(&d.len, raw + 8, 4);
	memcpy(&d.flags, raw + 12, 2);
	memcpy(&d.next, raw + 14, 2);
	d.addr = le64toh(d.addr);
	d.len = le32toh(d.len);
	d.flags = le16toh(d.flags);
	d.next = le16toh(d.next);
	return d;
}

static const char *const errs[VIRTQ_ERR_COUNT] = {
    [VIRTQ_ERR_SIZE] = "queue size is not a power of 2 between 1 and 32768",
    [VIRTQ_ERR_ALIGN] = "ring address is not aligned as VIRTIO 1.2 2.7 requires",
    [VIRTQ_ERR_RING_RAM] = "ring is not inside guest RAM",
    [VIRTQ_ERR_NOT_READY] = "queue is not set up",
    [VIRTQ_ERR_AVAIL_IDX] = "available index moved more than the queue size ahead",
    [VIRTQ_ERR_INDEX] = "descriptor index outside its table",
    [VIRTQ_ERR_LOOP] = "loop in descriptor chain",
    [VIRTQ_ERR_BUF_RAM] = "buffer is not inside guest RAM",
    [VIRTQ_ERR_ZERO_LEN] = "zero-length buffer",
    [VIRTQ_ERR_LEN_OVERFLOW] = "descriptor chain longer than 2^32 bytes",
    [VIRTQ_ERR_ORDER] = "device-readable buffer after a device-writable one",
    [VIRTQ_ERR_INDIRECT_FEATURE] = "indirect descriptor without VIRTIO_F_INDIRECT_DESC",
    [VIRTQ_ERR_INDIRECT_NESTED] = "indirect descriptor inside an indirect table",
    [VIRTQ_ERR_INDIRECT_NEXT] = "indirect descriptor with the NEXT flag",
    [VIRTQ_ERR_INDIRECT_SIZE] = "indirect table size is 0, not a multiple of 16 "
				"or more entries than the queue size",
    [VIRTQ_ERR_INDIRECT_RAM] = "indirect table is not inside guest RAM",
    [VIRTQ_ERR_IOV_FULL] = "descriptor chain has more buffers than the device takes",
    [VIRTQ_ERR_USED_ID] = "used element id outside the queue",
};

const char *virtq_strerror(int err)
{
	if (err < 0) {
		err = -err;
	}
	if (err <= 0 || err >= VIRTQ_ERR_COUNT) {
		return "unknown virtqueue error";
	}
	return errs[err];
}

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

/* Host pointer for a ring part: in RAM, and aligned on the host too. */
static uint8_t *ring_ptr(const struct ram *ram, uint64_t gpa, uint64_t len, unsigned int align,
			 int *err)
{
	uint8_t *p;

	if (gpa % align) {
		*err = -VIRTQ_ERR_ALIGN;
		return NULL;
	}
	p = ram_ptr(ram, gpa, len);
	if (!p) {
		*err = -VIRTQ_ERR_RING_RAM;
		return NULL;
	}
	if ((uintptr_t)p % align) {
		*err = -VIRTQ_ERR_ALIGN; /* RAM mapped off alignment: never in hotvm */
		return NULL;
	}
	return p;
}

int virtq_setup(struct virtq *q, const struct ram *ram, uint32_t size, uint64_t desc,
		uint64_t avail, uint64_t used, uint64_t features)
{
	int err = 0;

	virtq_reset(q);
	if (!size || size > VIRTQ_MAX_SIZE || (size & (size - 1))) {
		return -VIRTQ_ERR_SIZE;
	}
	q->desc = ring_ptr(ram, desc, VIRTQ_DESC_BYTES(size), VIRTQ_DESC_ALIGN, &err);
	if (q->desc) {
		q->avail = ring_ptr(ram, avail, VIRTQ_AVAIL_BYTES(size), VIRTQ_AVAIL_ALIGN, &err);
	}
	if (q->avail) {
		q->used = ring_ptr(ram, used, VIRTQ_USED_BYTES(size), VIRTQ_USED_ALIGN, &err);
	}
	if (!q->used) {
		virtq_reset(q);
		return err;
	}
	q->ram = *ram;
	q->size = (uint16_t)size; /* at most 32768 */
	q->desc_gpa = desc;
	q->avail_gpa = avail;
	q->used_gpa = used;
	q->indirect = features >> VIRTIO_RING_F_INDIRECT_DESC & 1;
	q->event_idx = features >> VIRTIO_RING_F_EVENT_IDX & 1;
	q->ready = true;
	return 0;
}

static int fail(struct virtq *q, enum virtq_err e)
{
	q->broken = -(int)e;
	return q->broken;
}

/* Where the walk is: the queue's table or one indirect table. */
struct walk {
	const uint8_t *table;
	unsigned int entries;
	unsigned int visited;
	bool indirect;
};

/* Switch the walk to the indirect table @d refers to. */
static int enter_indirect(struct virtq *q, struct walk *w, const struct desc *d)
{
	if (!q->indirect) {
		return fail(q, VIRTQ_ERR_INDIRECT_FEATURE);
	}
	if (w->indirect) {
		return fail(q, VIRTQ_ERR_INDIRECT_NESTED);
	}
	if (d->flags & VIRTQ_DESC_F_NEXT) {
		return fail(q, VIRTQ_ERR_INDIRECT_NEXT);
	}
	/* a chain is never longer than the queue (§2.7.5.3.1) */
	if (!d->len || d->len % 16 || d->len / 16 > q->size) {
		return fail(q, VIRTQ_ERR_INDIRECT_SIZE);
	}
	w->table = ram_ptr(&q->ram, d->addr, d->len);
	if (!w->table) {
		return fail(q, VIRTQ_ERR_INDIRECT_RAM);
	}
	w->entries = d->len / 16;
	w->visited = 0;
	w->indirect = true;
	return 0;
}

int virtq_pop(struct virtq *q, struct virtq_chain *c, struct virtq_buf *buf, unsigned int max)
{
	struct walk w = {q->desc, q->size, 0, false};
	uint16_t avail_idx, head;
	unsigned int i, n = 0;
	bool seen_write = false;
	uint64_t total = 0;
	int err;

	if (!q->ready) {
		return -VIRTQ_ERR_NOT_READY;
	}
	if (q->broken) {
		return q->broken;
	}
	avail_idx = le16toh(__atomic_load_n((const uint16_t *)(q->avail + 2), __ATOMIC_ACQUIRE));
	if (avail_idx == q->last_avail) {
		return 0;
	}
	/* free-running 16-bit indices: never more than size outstanding */
	if ((uint16_t)(avail_idx - q->last_avail) > q->size) {
		return fail(q, VIRTQ_ERR_AVAIL_IDX);
	}
	head = ld16(q->avail + 4 + 2u * (q->last_avail & (q->size - 1u)));
	if (head >= q->size) {
		return fail(q, VIRTQ_ERR_INDEX);
	}
	memset(c, 0, sizeof(*c));
	i = head;
	for (;;) {
		struct desc d;

		if (++w.visited > w.entries) {
			return fail(q, VIRTQ_ERR_LOOP);
		}
		d = read_desc(w.table, i);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* its WRITE flag means nothing (§2.7.5.3.2) */
			err = enter_indirect(q, &w, &d);
			if (err) {
				return err;
			}
			i = 0;
			continue;
		}
		if (!(d.flags & VIRTQ_DESC_F_WRITE) && seen_write) {
			return fail(q, VIRTQ_ERR_ORDER);
		}
		if (!d.len) {
			return fail(q, VIRTQ_ERR_ZERO_LEN);
		}
		total += d.len;
		if (total > 1ull << 32) {
			return fail(q, VIRTQ_ERR_LEN_OVERFLOW);
		}
		if (n == max) {
			return fail(q, VIRTQ_ERR_IOV_FULL);
		}
		buf[n].p = ram_ptr(&q->ram, d.addr, d.len);
		if (!buf[n].p) {
			return fail(q, VIRTQ_ERR_BUF_RAM);
		}
		buf[n].gpa = d.addr;
		buf[n].len = d.len;
		buf[n].writable = d.flags & VIRTQ_DESC_F_WRITE;
		if (buf[n].writable) {
			seen_write = true;
			c->nin++;
			c->in_bytes += d.len;
		} else {
			c->nout++;
			c->out_bytes += d.len;
		}
		n++;
		if (!(d.flags & VIRTQ_DESC_F_NEXT)) {
			break;
		}
		i = d.next;
		if (i >= w.entries) {
			return fail(q, VIRTQ_ERR_INDEX);
		}
	}
	c->head = head;
	q->last_avail++;
	return 1;
}

int virtq_push(struct virtq *q, uint16_t id, uint32_t len)
{
	uint8_t *elem;

	if (!q->ready) {
		return -VIRTQ_ERR_NOT_READY;
	}
	if (id >= q->size) {
		return -VIRTQ_ERR_USED_ID;
	}
	elem = q->used + 4 + 8u * (q->used_idx & (q->size - 1u));
	st32(elem, id);
	st32(elem + 4, len);
	q->used_idx++;
	/* the element is visible before the index that publishes it */
	__atomic_store_n((uint16_t *)(q->used + 2), htole16(q->used_idx), __ATOMIC_RELEASE);
	return 0;
}

bool virtq_should_notify(struct virtq *q)
{
	uint16_t old, new, event;
	bool valid;

	if (!q->ready) {
		return false;
	}
	/* our used->idx store before the driver's suppression fields */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx) {
		return !(ld16(q->avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	old = q->signalled_used;
	valid = q->signalled_valid;
	new = q->signalled_used = q->used_idx;
	q->signalled_valid = true;
	if (!valid) {
		return true;
	}
	/* did used->idx pass used_event + 1 between old and new? (§2.7.10) */
	event = ld16(q->avail + 4 + 2u * q->size);
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

void virtq_notify_disable(struct virtq *q)
{
	/* with EVENT_IDX a stale avail_event already holds notifications off */
	if (q->ready && !q->event_idx) {
		st16(q->used, VIRTQ_USED_F_NO_NOTIFY);
	}
}

bool virtq_notify_enable(struct virtq *q)
{
	if (!q->ready) {
		return false;
	}
	if (q->event_idx) {
		st16(q->used + 4 + 8u * q->size, q->last_avail);
	} else {
		st16(q->used, 0);
	}
	/* publish before looking again, or a buffer added meanwhile is missed */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return le16toh(__atomic_load_n((const uint16_t *)(q->avail + 2), __ATOMIC_ACQUIRE)) !=
	       q->last_avail;
}
