// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the split virtqueue (src/lib/virtq.c). The input
 * picks a queue (size, features, where guest RAM starts, ring addresses
 * laid out as a driver would or taken from the input) over a guest RAM
 * that is an exact-size heap block, so ASan reports any access outside
 * it; then it plays the driver, one step at a time: write descriptors
 * anywhere in RAM (steered into RAM or raw), offer chains, scribble on
 * the rings, while the device pops, pushes, decides about notifications
 * and resets. Every popped buffer must lie inside RAM and is touched from
 * its first to its last byte; every error must leave the queue broken with
 * that error. Any violation abort()s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/virtq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "invariant failed: %s (line %d)\n", #cond, __LINE__);      \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define MAXBUFS	 64
#define MAXSTEPS 512

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct input *in)
{
	if (!in->n) {
		return 0;
	}
	in->n--;
	return *in->p++;
}

/* Little-endian; one call per statement (argument order is unspecified). */
static uint16_t u16(struct input *in)
{
	uint16_t lo = u8(in);

	return (uint16_t)(lo | u8(in) << 8);
}

static uint32_t u32(struct input *in)
{
	uint32_t lo = u16(in);

	return lo | (uint32_t)u16(in) << 16;
}

static uint64_t u64(struct input *in)
{
	uint64_t lo = u32(in);

	return lo | (uint64_t)u32(in) << 32;
}

struct state {
	struct ram ram;
	struct virtq q;
	uint32_t size;
	uint64_t features, desc, avail, used;
	uint16_t avail_idx;	  /* the driver's */
	uint16_t popped[MAXBUFS]; /* heads the device holds */
	unsigned int npopped;
};

static void put(struct state *s, uint64_t gpa, const void *v, size_t len)
{
	uint8_t *p = ram_ptr(&s->ram, gpa, len);

	if (p) {
		memcpy(p, v, len);
	}
}

static void check_chain(struct state *s, const struct virtq_chain *c, const struct virtq_buf *b)
{
	uint64_t out = 0, in = 0;
	unsigned int i, n = c->nout + c->nin;
	volatile uint8_t sink = 0;

	CHECK(c->head < s->q.size);
	CHECK(n >= 1 && n <= MAXBUFS);
	for (i = 0; i < n; i++) {
		uint8_t *p = b[i].p;

		CHECK(b[i].len > 0);
		CHECK(b[i].gpa >= s->ram.base);
		CHECK(b[i].gpa - s->ram.base <= s->ram.size);
		CHECK(b[i].len <= s->ram.size - (b[i].gpa - s->ram.base));
		CHECK(p == s->ram.hva + (b[i].gpa - s->ram.base));
		CHECK(b[i].writable == (i >= c->nout));
		/* touch the ends (and the middle) of every buffer: ASan checks them */
		sink ^= p[0];
		sink ^= p[b[i].len / 2];
		sink ^= p[b[i].len - 1];
		if (b[i].writable) {
			p[b[i].len - 1] = sink;
			in += b[i].len;
		} else {
			out += b[i].len;
		}
	}
	CHECK(out == c->out_bytes && in == c->in_bytes);
	CHECK(out + in <= 1ull << 32);
}

static void do_pop(struct state *s)
{
	struct virtq_buf b[MAXBUFS];
	struct virtq_chain c;
	uint16_t before = s->q.last_avail;
	int r = virtq_pop(&s->q, &c, b, MAXBUFS);

	if (r == 1) {
		CHECK(s->q.last_avail == (uint16_t)(before + 1));
		check_chain(s, &c, b);
		if (s->npopped < MAXBUFS) {
			s->popped[s->npopped++] = c.head;
		}
		return;
	}
	CHECK(s->q.last_avail == before);
	if (r == 0) {
		CHECK(!s->q.broken);
		return;
	}
	CHECK(r < 0 && r > -VIRTQ_ERR_COUNT);
	CHECK(virtq_strerror(r) != NULL);
	CHECK(r == -VIRTQ_ERR_NOT_READY || s->q.broken == r);
	CHECK(virtq_pop(&s->q, &c, b, MAXBUFS) == r); /* sticky */
}

static void do_push(struct state *s, struct input *in)
{
	uint8_t k = u8(in);
	uint16_t id;
	uint16_t used_idx;
	int r;

	if (s->npopped && !(k & 0x80)) {
		unsigned int i = k % s->npopped;

		id = s->popped[i];
		s->popped[i] = s->popped[--s->npopped];
	} else {
		id = u16(in); /* a device bug: must not write outside the ring */
	}
	r = virtq_push(&s->q, id, u32(in));
	if (!s->q.ready) {
		CHECK(r == -VIRTQ_ERR_NOT_READY);
		return;
	}
	CHECK(r == 0 || (r == -VIRTQ_ERR_USED_ID && id >= s->q.size));
	if (r == 0) {
		/* (the guest may scribble on it any time; right after a push it is ours) */
		memcpy(&used_idx, s->q.used + 2, 2);
		CHECK(used_idx == s->q.used_idx);
	}
}

/* The driver writes a descriptor somewhere in RAM (a table entry or an indirect table). */
static void do_desc(struct state *s, struct input *in)
{
	uint8_t k = u8(in);
	uint64_t off = u16(in) % s->ram.size;
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
	uint8_t d[16];

	if (k & 1) {
		off &= ~15ull;
	}
	if (k & 2) {
		off = 16ull * (u16(in) % s->size); /* entry of the queue's table */
		off += s->desc - s->ram.base;
	}
	addr = k & 4 ? u64(in) : s->ram.base + u16(in);
	len = k & 8 ? u32(in) : u8(in);
	flags = k & 16 ? u16(in) : u8(in) & 7;
	next = k & 32 ? u16(in) : u8(in) % s->size;
	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
	put(s, s->ram.base + off, d, 16);
}

static void do_offer(struct state *s, struct input *in)
{
	uint8_t k = u8(in);
	uint16_t head = k & 1 ? u16(in) : u8(in) % s->size;

	if (k & 2) {
		s->avail_idx = u16(in); /* a driver that jumps */
	} else {
		put(s, s->avail + 4 + 2ull * (s->avail_idx % s->size), &head, 2);
		s->avail_idx++;
	}
	put(s, s->avail + 2, &s->avail_idx, 2);
}

static void do_scribble(struct state *s, struct input *in)
{
	uint64_t off = u32(in) % s->ram.size;
	uint16_t v = u16(in);

	put(s, s->ram.base + off, &v, 1 + (off + 1 < s->ram.size));
}

static void do_setup(struct state *s)
{
	int r = virtq_setup(&s->q, &s->ram, s->size, s->desc, s->avail, s->used, s->features);

	CHECK(r == 0 || r == -VIRTQ_ERR_SIZE || r == -VIRTQ_ERR_ALIGN || r == -VIRTQ_ERR_RING_RAM);
	CHECK(s->q.ready == (r == 0));
	s->npopped = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	static struct state s;
	uint8_t b0 = u8(&in), b1 = u8(&in), b2 = u8(&in);
	uint64_t need;
	unsigned int steps = 0;

	memset(&s, 0, sizeof(s));
	s.size = b0 & 0x80 ? u16(&in) : 1u << (b0 % 10); /* raw sizes are mostly invalid */
	s.features = (b1 & 1 ? 1ull << VIRTIO_RING_F_INDIRECT_DESC : 0) |
		     (b1 & 2 ? 1ull << VIRTIO_RING_F_EVENT_IDX : 0);
	s.ram.base = b1 & 4 ? 0x40000000ull : 0;
	/* a driver's layout: desc, avail, used back to back */
	s.desc = s.ram.base;
	s.avail = s.desc + VIRTQ_DESC_BYTES(s.size);
	s.used = (s.avail + VIRTQ_AVAIL_BYTES(s.size) + 3) & ~3ull;
	need = s.used + VIRTQ_USED_BYTES(s.size) - s.ram.base;
	s.ram.size = 4096ull * (1 + b2 % 32);
	if (b1 & 8) {
		/* anywhere, maybe misaligned or outside RAM */
		s.desc = s.ram.base + (u32(&in) & 0x3ffff);
		s.avail = s.ram.base + (u32(&in) & 0x3ffff);
		s.used = s.ram.base + (u32(&in) & 0x3ffff);
	} else if (s.ram.size < need && need <= 0x100000) {
		s.ram.size = (need + 4095) & ~4095ull;
	}
	s.ram.hva = malloc(s.ram.size); /* exact size: ASan sees every overrun */
	CHECK(s.ram.hva);
	memset(s.ram.hva, 0, s.ram.size);
	if (!s.size) {
		s.size = 1; /* for the % below; setup still sees 0 */
		CHECK(virtq_setup(&s.q, &s.ram, 0, s.desc, s.avail, s.used, 0) == -VIRTQ_ERR_SIZE);
	}
	do_setup(&s);
	if (s.size > 32768) {
		s.size = 32768; /* (setup refused it) keep the steps' arithmetic sane */
	}

	while (in.n && steps++ < MAXSTEPS) {
		uint8_t op = u8(&in);

		switch (op % 10) {
		case 0:
		case 1:
			do_pop(&s);
			break;
		case 2:
			do_push(&s, &in);
			break;
		case 3:
			(void)virtq_should_notify(&s.q);
			break;
		case 4:
			if (op & 0x10) {
				virtq_notify_disable(&s.q);
			} else {
				(void)virtq_notify_enable(&s.q);
			}
			break;
		case 5:
		case 6:
			do_desc(&s, &in);
			break;
		case 7:
			do_offer(&s, &in);
			break;
		case 8:
			do_scribble(&s, &in);
			break;
		case 9:
			if (op & 0x10) {
				virtq_reset(&s.q);
				CHECK(!s.q.ready);
				s.npopped = 0;
			} else {
				do_setup(&s);
			}
			break;
		}
	}
	free(s.ram.hva);
	return 0;
}
