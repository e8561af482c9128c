/* SPDX-License-Identifier: MIT */
/*
 * The device side of a split virtqueue (VIRTIO 1.2 §2.7) over guest RAM.
 *
 * Everything in the rings and descriptors is written by the guest and may
 * change under us at any time: each descriptor is read once into a local
 * copy, checked, and only then used; every guest address goes through
 * ram_ptr() for its whole length; the device's own indices (next available
 * slot, used idx) are kept here and never read back from guest memory. A
 * malformed chain makes virtq_pop() return a negative VIRTQ_ERR_* code and
 * leaves the queue broken (every later pop returns the same code) until
 * virtq_reset(): the device then sets DEVICE_NEEDS_RESET (VIRTIO 1.2
 * §2.1.2) and stops using the queue.
 *
 * One thread at a time pops and pushes a queue (the device's I/O thread,
 * or the vCPU thread for a device that works inline); setup and reset
 * happen while no one pops (the transport's reset waits for the device).
 */
#ifndef HOTVM_VIRTQ_H
#define HOTVM_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/ram.h"

#define VIRTQ_MAX_SIZE 32768

#define VIRTQ_DESC_F_NEXT	   1
#define VIRTQ_DESC_F_WRITE	   2
#define VIRTQ_DESC_F_INDIRECT	   4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY	   1

/* Feature bits the ring itself implements (VIRTIO 1.2 §6). */
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX	    29

/* Ring part sizes and alignments (VIRTIO 1.2 §2.7, table). */
#define VIRTQ_DESC_ALIGN     16
#define VIRTQ_AVAIL_ALIGN    2
#define VIRTQ_USED_ALIGN     4
#define VIRTQ_DESC_BYTES(n)  (16ull * (n))
#define VIRTQ_AVAIL_BYTES(n) (6ull + 2ull * (n))
#define VIRTQ_USED_BYTES(n)  (6ull + 8ull * (n))

/*
 * A chain never has more than 2 * size - 1 buffers (up to size - 1 direct
 * ones, then an indirect table of at most size entries): a buffer array of
 * VIRTQ_MAX_BUFS(size) entries never makes virtq_pop() fail with IOV_FULL.
 */
#define VIRTQ_MAX_BUFS(size) (2u * (size))

/* Errors; the functions return them negated. */
enum virtq_err {
	VIRTQ_ERR_SIZE = 1,	    /* queue size not a power of 2 in 1..32768 */
	VIRTQ_ERR_ALIGN,	    /* a ring part is misaligned */
	VIRTQ_ERR_RING_RAM,	    /* a ring part is not inside guest RAM */
	VIRTQ_ERR_NOT_READY,	    /* queue not set up */
	VIRTQ_ERR_AVAIL_IDX,	    /* avail->idx moved more than size ahead */
	VIRTQ_ERR_INDEX,	    /* head or next index out of its table */
	VIRTQ_ERR_LOOP,		    /* more links than the table has entries */
	VIRTQ_ERR_BUF_RAM,	    /* a buffer is not inside guest RAM */
	VIRTQ_ERR_ZERO_LEN,	    /* a zero-length buffer */
	VIRTQ_ERR_LEN_OVERFLOW,	    /* chain longer than 2^32 bytes in total */
	VIRTQ_ERR_ORDER,	    /* a device-readable buffer after a writable one */
	VIRTQ_ERR_INDIRECT_FEATURE, /* INDIRECT without VIRTIO_RING_F_INDIRECT_DESC */
	VIRTQ_ERR_INDIRECT_NESTED,  /* INDIRECT inside an indirect table */
	VIRTQ_ERR_INDIRECT_NEXT,    /* INDIRECT together with NEXT */
	VIRTQ_ERR_INDIRECT_SIZE,    /* table length 0, not a multiple of 16, > size entries */
	VIRTQ_ERR_INDIRECT_RAM,	    /* indirect table not inside guest RAM */
	VIRTQ_ERR_IOV_FULL,	    /* more buffers than the caller's array holds */
	VIRTQ_ERR_USED_ID,	    /* virtq_push() of an id outside the queue */
	VIRTQ_ERR_COUNT
};

/* One buffer of a chain: a host pointer into guest RAM, valid for @len bytes. */
struct virtq_buf {
	void *p;
	uint64_t gpa;
	uint32_t len;
	bool writable;
};

/* What virtq_pop() found: bufs[0..nout) readable, then nin writable. */
struct virtq_chain {
	uint16_t head; /* the id to give back to virtq_push() */
	unsigned int nout, nin;
	uint64_t out_bytes, in_bytes;
};

struct virtq {
	struct ram ram;
	uint16_t size;
	bool ready;
	bool indirect;	/* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool event_idx; /* VIRTIO_RING_F_EVENT_IDX negotiated */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint8_t *desc, *avail, *used; /* host pointers, checked at setup */
	uint16_t last_avail;	      /* next avail ring entry to pop */
	uint16_t used_idx;	      /* our used->idx */
	uint16_t signalled_used;      /* used_idx at the last notify decision */
	bool signalled_valid;
	int broken; /* 0, or the -VIRTQ_ERR_* that broke the queue */
};

/*
 * Check and start using a queue: @size entries, rings at the given guest
 * physical addresses, @features the negotiated feature bits (only the ring
 * bits matter). 0 or -VIRTQ_ERR_SIZE/ALIGN/RING_RAM (the queue stays unready).
 */
int virtq_setup(struct virtq *q, const struct ram *ram, uint32_t size, uint64_t desc,
		uint64_t avail, uint64_t used, uint64_t features);
/* Forget everything: not ready, indices 0, not broken. */
void virtq_reset(struct virtq *q);

/*
 * Take the next available chain into @buf (room for @max entries).
 * 1: a chain (described by @c), 0: nothing available, or -VIRTQ_ERR_*
 * (the queue is now broken; the device should set NEEDS_RESET).
 */
int virtq_pop(struct virtq *q, struct virtq_chain *c, struct virtq_buf *buf, unsigned int max);
/* Put chain @id back as used with @len bytes written. 0 or -VIRTQ_ERR_*. */
int virtq_push(struct virtq *q, uint16_t id, uint32_t len);
/*
 * After one or more pushes: must the driver get a used buffer notification
 * (VIRTIO 1.2 §2.7.7, used_event with EVENT_IDX, else avail->flags)?
 */
bool virtq_should_notify(struct virtq *q);
/*
 * Available buffer notifications: disable while the device is busy
 * draining the queue, enable before it sleeps. virtq_notify_enable()
 * returns true when buffers arrived meanwhile (pop again, or they could be
 * missed).
 */
void virtq_notify_disable(struct virtq *q);
bool virtq_notify_enable(struct virtq *q);

/* "loop in descriptor chain" etc. for a VIRTQ_ERR_* code (either sign). */
const char *virtq_strerror(int err);

#endif
