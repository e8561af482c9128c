// SPDX-License-Identifier: MIT
/*
 * Unit tests for the split virtqueue (src/lib/virtq.c) over a fake guest
 * RAM (an exact-size heap block, so ASan catches any access outside it):
 * set-up checks, chains with and without indirect tables, the 16-bit
 * indices wrapping, used buffer notification decisions with and without
 * EVENT_IDX, available buffer notification suppression, and every
 * malformed chain, each with its own error that sticks until reset.
 */
#include <string.h>
#include <sys/mman.h>

#include "unit.h"
#include "lib/virtq.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x100000ull
#define N	 8
#define DESC	 (RAM_BASE + 0x1000)
#define AVAIL	 (RAM_BASE + 0x2000)
#define USED	 (RAM_BASE + 0x3000)
#define TABLE	 (RAM_BASE + 0x4000) /* an indirect table */
#define BUF	 (RAM_BASE + 0x10000)

#define F_INDIRECT (1ull << VIRTIO_RING_F_INDIRECT_DESC)
#define F_EVENT	   (1ull << VIRTIO_RING_F_EVENT_IDX)

enum { NEXT = VIRTQ_DESC_F_NEXT, WR = VIRTQ_DESC_F_WRITE, IND = VIRTQ_DESC_F_INDIRECT };

static struct ram ram;
static struct virtq q;
static uint16_t avail_idx;

static void *G(uint64_t gpa)
{
	return ram.hva + (gpa - ram.base);
}

static void ram_setup(void)
{
	ram.base = RAM_BASE;
	ram.size = RAM_SIZE;
	ram.hva = aligned_alloc(4096, RAM_SIZE);
	ck_assert_ptr_nonnull(ram.hva);
	memset(ram.hva, 0, RAM_SIZE);
	memset(&q, 0xa5, sizeof(q)); /* setup must not depend on a zeroed queue */
	avail_idx = 0;
}

static void ram_teardown(void)
{
	free(ram.hva);
}

static void put16(uint64_t gpa, uint16_t v)
{
	memcpy(G(gpa), &v, 2);
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, G(gpa), 2);
	return v;
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, G(gpa), 4);
	return v;
}

/* Descriptor @i of the table at @table. */
static void desc_at(uint64_t table, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		    uint16_t next)
{
	uint8_t *d = G(table + 16ull * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	desc_at(DESC, i, addr, len, flags, next);
}

/* The driver makes chain @head available. */
static void offer(uint16_t head)
{
	put16(AVAIL + 4 + 2 * (avail_idx % q.size), head);
	avail_idx++;
	put16(AVAIL + 2, avail_idx);
}

static void setup(uint32_t size, uint64_t features)
{
	ck_assert_int_eq(virtq_setup(&q, &ram, size, DESC, AVAIL, USED, features), 0);
	ck_assert(q.ready);
}

START_TEST(test_setup_checks)
{
	static const uint32_t bad_sizes[] = {0, 3, 6, 100, 65536, 0x10000 + 8};

	for (unsigned int i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		ck_assert_int_eq(virtq_setup(&q, &ram, bad_sizes[i], DESC, AVAIL, USED, 0),
				 -VIRTQ_ERR_SIZE);
		ck_assert(!q.ready);
	}
	/* alignment: desc 16, avail 2, used 4 */
	ck_assert_int_eq(virtq_setup(&q, &ram, N, DESC + 8, AVAIL, USED, 0), -VIRTQ_ERR_ALIGN);
	ck_assert_int_eq(virtq_setup(&q, &ram, N, DESC, AVAIL + 1, USED, 0), -VIRTQ_ERR_ALIGN);
	ck_assert_int_eq(virtq_setup(&q, &ram, N, DESC, AVAIL, USED + 2, 0), -VIRTQ_ERR_ALIGN);
	ck_assert(!q.ready);
	ck_assert_int_eq(virtq_setup(&q, &ram, N, DESC + 16, AVAIL + 2, USED + 4, 0), 0);
	/* each part must be inside RAM for its whole size */
	ck_assert_int_eq(virtq_setup(&q, &ram, N, RAM_BASE - 16, AVAIL, USED, 0),
			 -VIRTQ_ERR_RING_RAM);
	ck_assert_int_eq(
	    virtq_setup(&q, &ram, N, RAM_BASE + RAM_SIZE - 16 * N + 16, AVAIL, USED, 0),
	    -VIRTQ_ERR_RING_RAM);
	ck_assert_int_eq(
	    virtq_setup(&q, &ram, N, DESC, RAM_BASE + RAM_SIZE - 6 - 2 * N + 2, USED, 0),
	    -VIRTQ_ERR_RING_RAM);
	ck_assert_int_eq(
	    virtq_setup(&q, &ram, N, DESC, AVAIL, RAM_BASE + RAM_SIZE - 6 - 8 * N + 2, 0),
	    -VIRTQ_ERR_RING_RAM);
	ck_assert_int_eq(virtq_setup(&q, &ram, N, DESC, AVAIL, 0xfffffffffffffffcull, 0),
			 -VIRTQ_ERR_RING_RAM);
	ck_assert(!q.ready);
	/* ending exactly at the end of RAM is fine */
	ck_assert_int_eq(virtq_setup(&q, &ram, N, RAM_BASE + RAM_SIZE - 16 * N, AVAIL, USED, 0), 0);
	ck_assert_int_eq(virtq_setup(&q, &ram, N, DESC, RAM_BASE + RAM_SIZE - 6 - 2 * N, USED, 0),
			 0);
	ck_assert_int_eq(
	    virtq_setup(&q, &ram, N, DESC, AVAIL, RAM_BASE + RAM_SIZE - 6 - 8 * N - 2, 0),
	    0); /* used must be 4-aligned: ends 2 bytes short */
	/* the largest queue: 32768 entries need 512 KiB of descriptors */
	ck_assert_int_eq(virtq_setup(&q, &ram, VIRTQ_MAX_SIZE, RAM_BASE, RAM_BASE + 0x80000,
				     RAM_BASE + 0xa0000, F_INDIRECT | F_EVENT),
			 0);
	ck_assert_uint_eq(q.size, 32768);
	ck_assert(q.indirect && q.event_idx);
	/* a failed setup leaves no queue behind */
	ck_assert_int_eq(virtq_setup(&q, &ram, 5, DESC, AVAIL, USED, 0), -VIRTQ_ERR_SIZE);
	ck_assert(!q.ready);
	ck_assert_int_eq(virtq_pop(&q, &(struct virtq_chain){0}, NULL, 0), -VIRTQ_ERR_NOT_READY);
	ck_assert_int_eq(virtq_push(&q, 0, 0), -VIRTQ_ERR_NOT_READY);
}
END_TEST

START_TEST(test_chain)
{
	struct virtq_buf b[4];
	struct virtq_chain c;

	setup(N, 0);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 4), 0); /* empty */
	/* head 5: two readable, one writable; the chain jumps around the table */
	desc(5, BUF, 16, NEXT, 2);
	desc(2, BUF + 0x100, 100, NEXT, 7);
	desc(7, BUF + 0x200, 1, NEXT | WR, 0);
	desc(0, RAM_BASE + RAM_SIZE - 4, 4, WR, 0); /* the last 4 bytes of RAM */
	offer(5);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 4), 1);
	ck_assert_uint_eq(c.head, 5);
	ck_assert_uint_eq(c.nout, 2);
	ck_assert_uint_eq(c.nin, 2);
	ck_assert_uint_eq(c.out_bytes, 116);
	ck_assert_uint_eq(c.in_bytes, 5);
	ck_assert_ptr_eq(b[0].p, G(BUF));
	ck_assert_uint_eq(b[0].gpa, BUF);
	ck_assert_uint_eq(b[0].len, 16);
	ck_assert(!b[0].writable);
	ck_assert_ptr_eq(b[1].p, G(BUF + 0x100));
	ck_assert_uint_eq(b[1].len, 100);
	ck_assert(!b[1].writable);
	ck_assert_ptr_eq(b[2].p, G(BUF + 0x200));
	ck_assert(b[2].writable);
	ck_assert_ptr_eq(b[3].p, ram.hva + RAM_SIZE - 4);
	ck_assert(b[3].writable);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 4), 0);

	/* the used element, then the index */
	ck_assert_int_eq(virtq_push(&q, 5, 77), 0);
	ck_assert_uint_eq(get32(USED + 4), 5);
	ck_assert_uint_eq(get32(USED + 8), 77);
	ck_assert_uint_eq(get16(USED + 2), 1);
	ck_assert_int_eq(virtq_push(&q, N, 0), -VIRTQ_ERR_USED_ID);
	ck_assert_uint_eq(get16(USED + 2), 1);

	/* two chains offered at once come out in ring order */
	desc(1, BUF, 8, 0, 0);
	desc(3, BUF, 8, WR, 0);
	offer(3);
	offer(1);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 4), 1);
	ck_assert_uint_eq(c.head, 3);
	ck_assert_uint_eq(c.nin, 1);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 4), 1);
	ck_assert_uint_eq(c.head, 1);
	ck_assert_uint_eq(c.nout, 1);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 4), 0);
	/* a chain of exactly queue-size descriptors is the longest allowed */
	for (unsigned int i = 0; i < N; i++) {
		desc(i, BUF + i, 1, i + 1 < N ? NEXT : 0, (uint16_t)(i + 1));
	}
	offer(0);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 4), -VIRTQ_ERR_IOV_FULL);
	virtq_reset(&q);
	setup(N, 0);
	avail_idx = 0;
	offer(0);
	{
		struct virtq_buf many[N];

		ck_assert_int_eq(virtq_pop(&q, &c, many, N), 1);
		ck_assert_uint_eq(c.nout, N);
		ck_assert_ptr_eq(many[N - 1].p, G(BUF + N - 1));
	}
}
END_TEST

/* Avail and used indices run past 65535; the ring slots follow idx % size. */
START_TEST(test_wrap)
{
	struct virtq_buf b[2];
	struct virtq_chain c;
	unsigned int i;

	setup(4, 0);
	for (i = 0; i < 4; i++) {
		desc(i, BUF + 64 * i, 64, WR, 0);
	}
	for (i = 0; i < 70000; i++) {
		uint16_t head = (uint16_t)((i * 3) % 4);

		offer(head);
		ck_assert_int_eq(virtq_pop(&q, &c, b, 2), 1);
		ck_assert_uint_eq(c.head, head);
		ck_assert_ptr_eq(b[0].p, G(BUF + 64 * head));
		ck_assert_int_eq(virtq_push(&q, head, i & 63), 0);
		ck_assert_uint_eq(get16(USED + 2), (i + 1) & 0xffff);
		ck_assert_uint_eq(get32(USED + 4 + 8 * (i % 4)), head);
		ck_assert_uint_eq(get32(USED + 8 + 8 * (i % 4)), i & 63);
		ck_assert_int_eq(virtq_pop(&q, &c, b, 2), 0);
	}
	ck_assert_uint_eq(q.last_avail, 70000 & 0xffff);
	/* a full ring across the wrap: 4 outstanding is fine, and avail idx 65534 -> 2 */
	avail_idx = q.last_avail;
	while (avail_idx != 65534) {
		offer(0);
		ck_assert_int_eq(virtq_pop(&q, &c, b, 2), 1);
	}
	for (i = 0; i < 4; i++) {
		offer((uint16_t)i);
	}
	ck_assert_uint_eq(get16(AVAIL + 2), 2);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(virtq_pop(&q, &c, b, 2), 1);
		ck_assert_uint_eq(c.head, i);
	}
	ck_assert_int_eq(virtq_pop(&q, &c, b, 2), 0);
	/* more than size ahead across the wrap: 65535 -> 4 is 5 */
	ck_assert_uint_eq(q.last_avail, 2);
	virtq_reset(&q);
	setup(4, 0);
	q.last_avail = 65535;
	put16(AVAIL + 2, 3); /* 4 ahead: fine */
	ck_assert_int_eq(virtq_pop(&q, &c, b, 2), 1);
	q.last_avail = 65535;
	put16(AVAIL + 2, 4);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 2), -VIRTQ_ERR_AVAIL_IDX);
}
END_TEST

static void push_n(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_int_eq(virtq_push(&q, 0, 0), 0);
	}
}

/* used_event: notify when used->idx passes used_event + 1 (VIRTIO 1.2 §2.7.10). */
START_TEST(test_event_idx)
{
	setup(N, F_EVENT);
	/* the first decision after setup always notifies */
	push_n(1);
	ck_assert(virtq_should_notify(&q)); /* used idx 1 */
	/* used_event 1: the driver wants to hear when entry 1 is used (idx 2) */
	put16(AVAIL + 4 + 2 * N, 1);
	push_n(1);
	ck_assert(virtq_should_notify(&q)); /* 1 -> 2 */
	push_n(1);
	ck_assert(!virtq_should_notify(&q)); /* 2 -> 3: already told */
	/* used_event 5: not at 4, not at 5, yes at 6 */
	put16(AVAIL + 4 + 2 * N, 5);
	push_n(1);
	ck_assert(!virtq_should_notify(&q)); /* 3 -> 4 */
	push_n(1);
	ck_assert(!virtq_should_notify(&q)); /* 4 -> 5 */
	push_n(1);
	ck_assert(virtq_should_notify(&q)); /* 5 -> 6 */
	/* batched: 6 -> 9 with used_event 7 crosses it once */
	put16(AVAIL + 4 + 2 * N, 7);
	push_n(3);
	ck_assert(virtq_should_notify(&q));
	/* nothing pushed since: no */
	ck_assert(!virtq_should_notify(&q));
	/* used_event behind (8 < 9): passing from 9 to 12 does not cross it */
	put16(AVAIL + 4 + 2 * N, 8);
	push_n(3);
	ck_assert(!virtq_should_notify(&q));
	/* NO_INTERRUPT in avail->flags means nothing with EVENT_IDX */
	put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	put16(AVAIL + 4 + 2 * N, 12);
	push_n(1);
	ck_assert(virtq_should_notify(&q)); /* 12 -> 13 */

	/* across the 16-bit wrap: old 65534, used_event 65535 -> notify at 0 */
	virtq_reset(&q);
	setup(N, F_EVENT);
	q.used_idx = 65533;
	push_n(1);
	ck_assert(virtq_should_notify(&q)); /* first: 65534 */
	put16(AVAIL + 4 + 2 * N, 65535);
	push_n(1);
	ck_assert_uint_eq(get16(USED + 2), 65535);
	ck_assert(!virtq_should_notify(&q)); /* 65534 -> 65535 */
	push_n(1);
	ck_assert_uint_eq(get16(USED + 2), 0);
	ck_assert(virtq_should_notify(&q)); /* 65535 -> 0 */
	put16(AVAIL + 4 + 2 * N, 1);
	push_n(3);
	ck_assert(virtq_should_notify(&q)); /* 0 -> 3 crosses 2 */
	put16(AVAIL + 4 + 2 * N, 65535);    /* far behind */
	push_n(1);
	ck_assert(!virtq_should_notify(&q)); /* 3 -> 4 */
}
END_TEST

START_TEST(test_no_interrupt)
{
	setup(N, 0);
	push_n(1);
	ck_assert(virtq_should_notify(&q));
	put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	push_n(1);
	ck_assert(!virtq_should_notify(&q));
	/* used_event means nothing without EVENT_IDX */
	put16(AVAIL + 4 + 2 * N, 1);
	push_n(1);
	ck_assert(!virtq_should_notify(&q));
	put16(AVAIL, 0);
	push_n(1);
	ck_assert(virtq_should_notify(&q));
	ck_assert(virtq_should_notify(&q)); /* no bookkeeping without EVENT_IDX */
}
END_TEST

START_TEST(test_notify_suppression)
{
	struct virtq_buf b[2];
	struct virtq_chain c;

	/* without EVENT_IDX: used->flags NO_NOTIFY */
	setup(N, 0);
	virtq_notify_disable(&q);
	ck_assert_uint_eq(get16(USED), VIRTQ_USED_F_NO_NOTIFY);
	ck_assert(!virtq_notify_enable(&q));
	ck_assert_uint_eq(get16(USED), 0);
	desc(0, BUF, 4, 0, 0);
	virtq_notify_disable(&q);
	offer(0);
	ck_assert(virtq_notify_enable(&q)); /* arrived while disabled */
	ck_assert_int_eq(virtq_pop(&q, &c, b, 2), 1);
	ck_assert(!virtq_notify_enable(&q));

	/* with EVENT_IDX: avail_event = next index we want to hear about */
	virtq_reset(&q);
	memset(G(USED), 0, VIRTQ_USED_BYTES(N));
	avail_idx = 0;
	put16(AVAIL + 2, 0);
	setup(N, F_EVENT);
	virtq_notify_disable(&q);
	ck_assert_uint_eq(get16(USED), 0); /* flags untouched */
	offer(0);
	offer(0);
	ck_assert(virtq_notify_enable(&q));
	ck_assert_uint_eq(get16(USED + 4 + 8 * N), 0);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 2), 1);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 2), 1);
	ck_assert(!virtq_notify_enable(&q));
	ck_assert_uint_eq(get16(USED + 4 + 8 * N), 2);
}
END_TEST

START_TEST(test_indirect)
{
	struct virtq_buf b[8];
	struct virtq_chain c;

	setup(N, F_INDIRECT);
	/* head 4: an indirect table of 3 (its WRITE flag is ignored) */
	desc(4, TABLE, 48, IND | WR, 0);
	desc_at(TABLE, 0, BUF, 10, NEXT, 2);
	desc_at(TABLE, 2, BUF + 0x100, 20, NEXT, 1);
	desc_at(TABLE, 1, BUF + 0x200, 30, WR, 0);
	offer(4);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 8), 1);
	ck_assert_uint_eq(c.head, 4);
	ck_assert_uint_eq(c.nout, 2);
	ck_assert_uint_eq(c.nin, 1);
	ck_assert_uint_eq(c.out_bytes, 30);
	ck_assert_uint_eq(c.in_bytes, 30);
	ck_assert_ptr_eq(b[0].p, G(BUF));
	ck_assert_ptr_eq(b[1].p, G(BUF + 0x100));
	ck_assert_ptr_eq(b[2].p, G(BUF + 0x200));
	ck_assert(b[2].writable && !b[1].writable);

	/* direct descriptors, then one indirect (§2.7.5.3.2), at an unaligned address */
	desc(1, BUF + 0x300, 5, NEXT, 6);
	desc(6, TABLE + 0x101, 32, IND, 0);
	desc_at(TABLE + 0x101, 0, BUF + 0x400, 6, NEXT, 1);
	desc_at(TABLE + 0x101, 1, BUF + 0x500, 7, WR, 0);
	offer(1);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 8), 1);
	ck_assert_uint_eq(c.head, 1);
	ck_assert_uint_eq(c.nout, 2);
	ck_assert_uint_eq(c.nin, 1);
	ck_assert_ptr_eq(b[0].p, G(BUF + 0x300));
	ck_assert_ptr_eq(b[1].p, G(BUF + 0x400));
	ck_assert_ptr_eq(b[2].p, G(BUF + 0x500));

	/* a table of exactly queue-size entries, all used */
	for (unsigned int i = 0; i < N; i++) {
		desc_at(TABLE, i, BUF + i, 1, i + 1 < N ? NEXT | WR : WR, (uint16_t)(i + 1));
	}
	desc(0, TABLE, 16 * N, IND, 0);
	offer(0);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 8), 1);
	ck_assert_uint_eq(c.nin, N);
}
END_TEST

/* Pop must fail with @err, stay failed, and not consume the chain. */
static void expect_err(int err)
{
	struct virtq_buf b[2 * N];
	struct virtq_chain c;
	uint16_t before = q.last_avail;

	ck_assert_msg(virtq_pop(&q, &c, b, 2 * N) == err, "want %s", virtq_strerror(err));
	ck_assert_int_eq(q.broken, err);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 2 * N), err);
	ck_assert_uint_eq(q.last_avail, before);
	/* reset and set up again: working */
	virtq_reset(&q);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 2 * N), -VIRTQ_ERR_NOT_READY);
}

/* Set up a queue (with indirect) and offer chain @head. */
static void bad_setup(uint16_t head)
{
	setup(N, F_INDIRECT);
	avail_idx = 0;
	offer(head);
}

START_TEST(test_bad_loop)
{
	/* 0 -> 1 -> 0 */
	desc(0, BUF, 4, NEXT, 1);
	desc(1, BUF, 4, NEXT, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_LOOP);
	/* a descriptor pointing to itself */
	desc(3, BUF, 4, NEXT | WR, 3);
	bad_setup(3);
	expect_err(-VIRTQ_ERR_LOOP);
	/* a loop inside an indirect table */
	desc(2, TABLE, 64, IND, 0);
	desc_at(TABLE, 0, BUF, 4, NEXT, 3);
	desc_at(TABLE, 3, BUF, 4, NEXT, 1);
	desc_at(TABLE, 1, BUF, 4, NEXT, 3);
	bad_setup(2);
	expect_err(-VIRTQ_ERR_LOOP);
}
END_TEST

START_TEST(test_bad_index)
{
	/* head out of range */
	bad_setup(N);
	expect_err(-VIRTQ_ERR_INDEX);
	bad_setup(0xffff);
	expect_err(-VIRTQ_ERR_INDEX);
	/* next out of range */
	desc(0, BUF, 4, NEXT, N);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_INDEX);
	/* next past the end of an indirect table (2 entries) */
	desc(0, TABLE, 32, IND, 0);
	desc_at(TABLE, 0, BUF, 4, NEXT, 2);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_INDEX);
}
END_TEST

START_TEST(test_bad_buffer)
{
	/* past the end of RAM by one byte */
	desc(0, RAM_BASE + RAM_SIZE - 4, 5, 0, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_BUF_RAM);
	/* below RAM */
	desc(0, RAM_BASE - 4, 4, 0, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_BUF_RAM);
	/* addr + len wraps around 2^64 */
	desc(0, 0xfffffffffffffff0ull, 0x20, 0, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_BUF_RAM);
	/* a later buffer of the chain, writable */
	desc(0, BUF, 4, NEXT, 1);
	desc(1, RAM_BASE + RAM_SIZE, 1, WR, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_BUF_RAM);
	/* zero length */
	desc(0, BUF, 4, NEXT, 1);
	desc(1, BUF, 0, WR, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_ZERO_LEN);
}
END_TEST

START_TEST(test_bad_order)
{
	desc(0, BUF, 4, NEXT | WR, 1);
	desc(1, BUF, 4, 0, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_ORDER);
	/* writable direct descriptor, then a readable one in the indirect table */
	desc(0, BUF, 4, NEXT | WR, 1);
	desc(1, TABLE, 16, IND, 0);
	desc_at(TABLE, 0, BUF, 4, 0, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_ORDER);
}
END_TEST

START_TEST(test_bad_indirect)
{
	struct virtq_buf b[2];
	struct virtq_chain c;

	/* without the feature */
	desc(0, TABLE, 16, IND, 0);
	desc_at(TABLE, 0, BUF, 4, 0, 0);
	setup(N, 0);
	offer(0);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 2), -VIRTQ_ERR_INDIRECT_FEATURE);
	virtq_reset(&q);
	/* nested */
	desc(0, TABLE, 32, IND, 0);
	desc_at(TABLE, 0, BUF, 4, NEXT, 1);
	desc_at(TABLE, 1, TABLE, 32, IND, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_INDIRECT_NESTED);
	/* INDIRECT with NEXT */
	desc(0, TABLE, 16, IND | NEXT, 1);
	desc(1, BUF, 4, 0, 0);
	desc_at(TABLE, 0, BUF, 4, 0, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_INDIRECT_NEXT);
	/* sizes: 0, not a multiple of 16, more entries than the queue */
	desc(0, TABLE, 0, IND, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_INDIRECT_SIZE);
	desc(0, TABLE, 24, IND, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_INDIRECT_SIZE);
	desc(0, TABLE, 16 * (N + 1), IND, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_INDIRECT_SIZE);
	desc(0, TABLE, 0xfffffff0u, IND, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_INDIRECT_SIZE);
	/* table outside RAM (partly) */
	desc(0, RAM_BASE + RAM_SIZE - 16, 32, IND, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_INDIRECT_RAM);
	/* a buffer in the table outside RAM */
	desc(0, TABLE, 16, IND, 0);
	desc_at(TABLE, 0, RAM_BASE + RAM_SIZE, 4, 0, 0);
	bad_setup(0);
	expect_err(-VIRTQ_ERR_BUF_RAM);
}
END_TEST

START_TEST(test_iov_full)
{
	struct virtq_buf b[2];
	struct virtq_chain c;

	desc(0, BUF, 4, NEXT, 1);
	desc(1, BUF, 4, NEXT, 2);
	desc(2, BUF, 4, 0, 0);
	bad_setup(0);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 2), -VIRTQ_ERR_IOV_FULL);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 2), -VIRTQ_ERR_IOV_FULL);
}
END_TEST

/* The total length: 2^32 bytes is the most a chain may have (§2.7.5.1). */
START_TEST(test_len_overflow)
{
	struct ram saved = ram;
	uint64_t size = 0x81000000ull; /* 2 GiB + 16 MiB, untouched pages cost nothing */
	struct virtq_buf b[4];
	struct virtq_chain c;
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	ck_assert_ptr_ne(m, MAP_FAILED);
	ram.hva = m;
	ram.size = size;
	desc(0, RAM_BASE + 0x100000, 0x80000000u, NEXT, 1);
	desc(1, RAM_BASE + 0x100000, 0x80000000u, NEXT | WR, 2);
	desc(2, BUF, 1, WR, 0);
	desc(3, RAM_BASE + 0x100000, 0x80000000u, NEXT, 4);
	desc(4, RAM_BASE + 0x100000, 0x80000000u, WR, 0);
	setup(N, 0);
	offer(3); /* exactly 2^32: fine */
	ck_assert_int_eq(virtq_pop(&q, &c, b, 4), 1);
	ck_assert_uint_eq(c.out_bytes + c.in_bytes, 1ull << 32);
	offer(0); /* 2^32 + 1 */
	ck_assert_int_eq(virtq_pop(&q, &c, b, 4), -VIRTQ_ERR_LEN_OVERFLOW);
	munmap(m, size);
	ram = saved;
}
END_TEST

START_TEST(test_reset)
{
	struct virtq_buf b[2];
	struct virtq_chain c;

	desc(0, BUF, 4, 0, 0);
	setup(N, F_EVENT | F_INDIRECT);
	offer(0);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 2), 1);
	ck_assert_int_eq(virtq_push(&q, 0, 4), 0);
	virtq_reset(&q);
	ck_assert(!q.ready && !q.indirect && !q.event_idx);
	ck_assert_uint_eq(q.last_avail, 0);
	ck_assert_uint_eq(q.used_idx, 0);
	ck_assert(!virtq_should_notify(&q));
	ck_assert(!virtq_notify_enable(&q));
	/* a new setup starts from index 0 again (the driver reset its ring too) */
	memset(G(AVAIL), 0, 0x2000);
	avail_idx = 0;
	setup(N, 0);
	offer(0);
	ck_assert_int_eq(virtq_pop(&q, &c, b, 2), 1);
	ck_assert_int_eq(virtq_push(&q, 0, 4), 0);
	ck_assert_uint_eq(get16(USED + 2), 1);
}
END_TEST

START_TEST(test_strerror)
{
	for (int e = 1; e < VIRTQ_ERR_COUNT; e++) {
		ck_assert_ptr_nonnull(virtq_strerror(e));
		ck_assert_str_eq(virtq_strerror(e), virtq_strerror(-e));
		for (int f = 1; f < e; f++) {
			ck_assert_str_ne(virtq_strerror(e), virtq_strerror(f));
		}
	}
	ck_assert_str_eq(virtq_strerror(0), "unknown virtqueue error");
	ck_assert_str_eq(virtq_strerror(VIRTQ_ERR_COUNT), "unknown virtqueue error");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtq");
	TCase *tc = tcase_create("virtq");

	/* ASan + UBSan on a loaded machine: Check's default 4 s is too tight */
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, ram_setup, ram_teardown);
	tcase_add_test(tc, test_setup_checks);
	tcase_add_test(tc, test_chain);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_event_idx);
	tcase_add_test(tc, test_no_interrupt);
	tcase_add_test(tc, test_notify_suppression);
	tcase_add_test(tc, test_indirect);
	tcase_add_test(tc, test_bad_loop);
	tcase_add_test(tc, test_bad_index);
	tcase_add_test(tc, test_bad_buffer);
	tcase_add_test(tc, test_bad_order);
	tcase_add_test(tc, test_bad_indirect);
	tcase_add_test(tc, test_iov_full);
	tcase_add_test(tc, test_len_overflow);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
