// SPDX-License-Identifier: MIT
/*
 * virtio-mmio from a bare-metal guest, well-behaved and hostile, against
 * each of hotvm's virtio-rng (--rng) and virtio-blk (--disk, whose image
 * starts with sector s filled with the byte s & 0xff) devices it finds,
 * one after the other: the register block found by probing the slots, feature negotiation, a queue in guest RAM, requests
 * completed by the I/O thread with the interrupt delivered through KVM's
 * irqfd (seen pending in the GIC distributor, edge-triggered), and
 * QueueNotify writes that KVM's ioeventfd swallows. Then malformed
 * chains — a buffer outside RAM, a loop, a head out of range, an avail
 * index too far ahead, INDIRECT without the feature, a length wrapping
 * the address space, rings outside RAM — each must set DEVICE_NEEDS_RESET
 * with a configuration interrupt and no used entry, and after a device
 * reset the device must serve again. hotvm must stay up throughout (the
 * case checks its exit status). Ends with a burst of requests on each,
 * and one more good request on every device: the others keep working.
 */
#include "guest.h"

#define VIRTIO_BASE	0x03000000ull
#define VIRTIO_SLOT	0x200ull
#define VIRTIO_SLOTS	16
#define VIRTIO_SPI0	2

#define MAGIC		0x000
#define VERSION		0x004
#define DEVICE_ID	0x008
#define DEV_FEAT	0x010
#define DEV_FEAT_SEL	0x014
#define DRV_FEAT	0x020
#define DRV_FEAT_SEL	0x024
#define QUEUE_SEL	0x030
#define QUEUE_NUM_MAX	0x034
#define QUEUE_NUM	0x038
#define QUEUE_READY	0x044
#define QUEUE_NOTIFY	0x050
#define INT_STATUS	0x060
#define INT_ACK		0x064
#define STATUS		0x070
#define DESC_LO		0x080
#define DESC_HI		0x084
#define AVAIL_LO	0x090
#define AVAIL_HI	0x094
#define USED_LO		0x0a0
#define USED_HI		0x0a4

#define S_ACK		1
#define S_DRIVER	2
#define S_DRIVER_OK	4
#define S_FEATURES_OK	8
#define S_NEEDS_RESET	0x40

#define F_NEXT		1
#define F_WRITE		2
#define F_INDIRECT	4

#define QSIZE		8	/* request slots, 3 descriptors each */
#define QNUM		32	/* the queue's size */

#define GICD_IGROUPR	0x0080
#define GICD_ISENABLER	0x0100
#define GICD_ISPENDR	0x0200
#define GICD_ICPENDR	0x0280
#define GICD_ICFGR	0x0c00
#define GICD_IROUTER	0x6100

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

#define MAX_DEVS	4

struct vq {
	struct desc m_desc[QNUM] __attribute__((aligned(4096)));
	struct {
		uint16_t flags, idx, ring[QNUM], used_event;
	} m_avail __attribute__((aligned(4096)));
	struct {
		uint16_t flags, idx;
		struct {
			uint32_t id, len;
		} ring[QNUM];
		uint16_t avail_event;
	} m_used __attribute__((aligned(4096)));
	uint8_t m_data[QSIZE][512] __attribute__((aligned(64)));
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr[QSIZE];
	uint8_t status[QSIZE];
	uint64_t m_base;
	unsigned int m_spi;
	uint32_t id;
	uint16_t m_avail_idx, m_used_seen;
};

static struct vq vqs[MAX_DEVS];
static unsigned int ndevs;

/* the device under test; the names below are its */
static struct vq *cur;
#define dev	  (cur->m_base)
#define spi	  (cur->m_spi)
#define ring_desc (cur->m_desc)
#define avail	  (cur->m_avail)
#define used	  (cur->m_used)
#define data	  (cur->m_data)
#define avail_idx (cur->m_avail_idx)
#define used_seen (cur->m_used_seen)

static inline uint32_t rd(unsigned int off)
{
	return *(volatile uint32_t *)(uintptr_t)(dev + off);
}

static inline void wr(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(dev + off) = v;
}

static inline uint32_t gicd_rd(unsigned int off)
{
	return *(volatile uint32_t *)(uintptr_t)(plat.gicd + off);
}

static inline void gicd_wr(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(plat.gicd + off) = v;
}

static bool spi_pending(void)
{
	unsigned int id = 32 + spi;

	return gicd_rd(GICD_ISPENDR + 4 * (id / 32)) & (1u << (id % 32));
}

static void spi_clear(void)
{
	unsigned int id = 32 + spi;

	gicd_wr(GICD_ICPENDR + 4 * (id / 32), 1u << (id % 32));
}

/* Group 1, edge-triggered, enabled, routed to CPU 0; never taken (PSTATE.I set). */
static void spi_setup(void)
{
	unsigned int id = 32 + spi;

	gicd_wr(GICD_IGROUPR + 4 * (id / 32), gicd_rd(GICD_IGROUPR + 4 * (id / 32)) | 1u << (id % 32));
	gicd_wr(GICD_ICFGR + 4 * (id / 16),
		gicd_rd(GICD_ICFGR + 4 * (id / 16)) | 2u << (2 * (id % 16)));
	*(volatile uint64_t *)(uintptr_t)(plat.gicd + GICD_IROUTER + 8 * (id - 32)) =
		read_mpidr() & MPIDR_AFF_MASK;
	gicd_wr(GICD_ISENABLER + 4 * (id / 32), 1u << (id % 32));
}

/* Every rng (4) and block (2) device in the slots. */
static void find_devs(void)
{
	for (unsigned int i = 0; i < VIRTIO_SLOTS && ndevs < MAX_DEVS; i++) {
		uint64_t b = VIRTIO_BASE + i * VIRTIO_SLOT;
		uint32_t id;

		if (*(volatile uint32_t *)(uintptr_t)b != 0x74726976)
			continue;
		id = *(volatile uint32_t *)(uintptr_t)(b + DEVICE_ID);
		if (id != 4 && id != 2)
			continue;
		cur = &vqs[ndevs++];
		cur->m_base = b;
		cur->m_spi = VIRTIO_SPI0 + i;
		cur->id = id;
		note("%s in slot %u at 0x%lx, SPI %u", id == 4 ? "virtio-rng" : "virtio-blk", i, b,
		     VIRTIO_SPI0 + i);
	}
}

/* Reset, negotiate VERSION_1 only, set queue 0 up with rings at @d/@a/@u, DRIVER_OK. */
static bool init_dev(uint64_t d, uint64_t a, uint64_t u)
{
	wr(STATUS, 0);
	if (rd(STATUS) != 0)
		return false;
	memset(&ring_desc, 0, sizeof(ring_desc));
	memset(&avail, 0, sizeof(avail));
	memset(&used, 0, sizeof(used));
	avail_idx = used_seen = 0;
	wr(STATUS, S_ACK);
	wr(STATUS, S_ACK | S_DRIVER);
	wr(DRV_FEAT_SEL, 0);
	wr(DRV_FEAT, 0);
	wr(DRV_FEAT_SEL, 1);
	wr(DRV_FEAT, 1); /* VIRTIO_F_VERSION_1 (bit 32) */
	wr(STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(rd(STATUS) & S_FEATURES_OK))
		return false;
	wr(QUEUE_SEL, 0);
	if (rd(QUEUE_NUM_MAX) < QNUM)
		return false;
	wr(QUEUE_NUM, QNUM);
	wr(DESC_LO, (uint32_t)d);
	wr(DESC_HI, (uint32_t)(d >> 32));
	wr(AVAIL_LO, (uint32_t)a);
	wr(AVAIL_HI, (uint32_t)(a >> 32));
	wr(USED_LO, (uint32_t)u);
	wr(USED_HI, (uint32_t)(u >> 32));
	wr(QUEUE_READY, 1);
	wr(STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return true;
}

static bool init_ok(void)
{
	return init_dev((uintptr_t)ring_desc, (uintptr_t)&avail, (uintptr_t)&used);
}

/* Make head @head available and notify queue 0. */
static void post(uint16_t head)
{
	avail.ring[avail_idx % QNUM] = head;
	mb();
	avail_idx++;
	*(volatile uint16_t *)&avail.idx = avail_idx;
	mb();
	wr(QUEUE_NOTIFY, 0);
}

/* Wait up to @ms for the next used element. */
static bool wait_used(unsigned int ms, uint32_t *id, uint32_t *len)
{
	uint64_t end = now_ns() + ms * 1000000ull;

	while (now_ns() < end) {
		if (*(volatile uint16_t *)&used.idx != used_seen) {
			mb();
			*id = used.ring[used_seen % QNUM].id;
			*len = used.ring[used_seen % QNUM].len;
			used_seen++;
			return true;
		}
		cpu_relax();
	}
	return false;
}

/* Poll @cond for up to @ms. */
static bool wait_for(bool (*cond)(void), unsigned int ms)
{
	uint64_t end = now_ns() + ms * 1000000ull;

	while (now_ns() < end) {
		if (cond())
			return true;
		cpu_relax();
	}
	return false;
}

static bool needs_reset(void)
{
	return rd(STATUS) & S_NEEDS_RESET;
}

static bool nonzero(const uint8_t *p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (p[i])
			return true;
	return false;
}

/*
 * Slot @s's request as a chain at descriptor 3s: rng, one writable buffer
 * of @n bytes; blk, a read of sector @s + 1 (header, 512 bytes, status).
 */
static void make_request(unsigned int s, unsigned int n)
{
	unsigned int d = 3 * s;

	memset(data[s], 0, sizeof(data[s]));
	if (cur->id == 4) {
		ring_desc[d] = (struct desc){ (uintptr_t)data[s], n, F_WRITE, 0 };
		return;
	}
	cur->hdr[s].type = 0; /* VIRTIO_BLK_T_IN */
	cur->hdr[s].reserved = 0;
	cur->hdr[s].sector = s + 1;
	cur->status[s] = 0xff;
	ring_desc[d] = (struct desc){ (uintptr_t)&cur->hdr[s], 16, F_NEXT, (uint16_t)(d + 1) };
	ring_desc[d + 1] = (struct desc){ (uintptr_t)data[s], 512, F_WRITE | F_NEXT, (uint16_t)(d + 2) };
	ring_desc[d + 2] = (struct desc){ (uintptr_t)&cur->status[s], 1, F_WRITE, 0 };
}

/* The used length the device must give a request of @n bytes (blk: 512 + status). */
static uint32_t want_len(unsigned int n)
{
	return cur->id == 4 ? n : 513;
}

static bool data_ok(unsigned int s, unsigned int n, const char *when)
{
	bool ok = true;

	if (cur->id == 4) {
		ok &= check(nonzero(data[s], n), "%s: the bytes are random, not zero", when);
		ok &= check(n == sizeof(data[s]) || !nonzero(data[s] + n, sizeof(data[s]) - n),
			    "%s: nothing written beyond the buffer", when);
		return ok;
	}
	ok &= expect_eq(cur->status[s], 0, "%s: status VIRTIO_BLK_S_OK", when);
	for (unsigned int i = 0; i < 512; i++) {
		if (data[s][i] != (uint8_t)(s + 1)) {
			ok &= check(false, "%s: sector %u byte %u is 0x%x, not 0x%x", when, s + 1, i,
				    data[s][i], (s + 1) & 0xff);
			break;
		}
	}
	return ok;
}

/* One good request in slot @s: served, its data right, interrupt delivered. */
static bool good_request(unsigned int s, unsigned int n, const char *when)
{
	uint32_t id = 0, len = 0;
	bool ok;

	make_request(s, n);
	spi_clear();
	post((uint16_t)(3 * s));
	ok = check(wait_used(2000, &id, &len), "%s: request completed", when);
	ok &= expect_eq(id, 3 * s, "%s: used id is the head", when);
	ok &= expect_eq(len, want_len(n), "%s: %u bytes written", when, want_len(n));
	ok &= data_ok(s, n, when);
	ok &= check(wait_for(spi_pending, 2000), "%s: SPI %u pending in the distributor (irqfd)", when, spi);
	ok &= expect_eq(rd(INT_STATUS) & 1, 1, "%s: InterruptStatus has the used-ring bit", when);
	wr(INT_ACK, rd(INT_STATUS));
	spi_clear();
	return ok;
}

/* After a malformed chain: NEEDS_RESET with a config interrupt, no used entry. */
static void expect_broken(const char *what)
{
	uint32_t id, len;

	check(wait_for(needs_reset, 2000), "%s: DEVICE_NEEDS_RESET set", what);
	expect_eq(rd(INT_STATUS) & 2, 2, "%s: configuration interrupt raised", what);
	check(!wait_used(50, &id, &len), "%s: no used element", what);
	check(init_ok(), "%s: device reset and set up again", what);
	check(good_request(0, 32, what), "%s: serves again after reset", what);
}

/* Everything above against the device @cur. */
static void attack(void)
{
	uint64_t ram_end = plat.ram_base + plat.ram_size;
	uint32_t id, len;
	unsigned int served = 0;
	uint64_t t0;

	expect_eq(rd(VERSION), 2, "virtio-mmio version 2 (modern)");
	wr(DEV_FEAT_SEL, 1);
	expect_eq(rd(DEV_FEAT) & 1, 1, "VIRTIO_F_VERSION_1 offered");
	spi_setup();
	expect_eq(gicd_rd(GICD_ICFGR + 4 * ((32 + spi) / 16)) >> (2 * ((32 + spi) % 16)) & 2, 2,
		  "the SPI is configured edge-triggered");

	wr(STATUS, 0);
	check(init_ok(), "device set up");
	check(good_request(1, 48, "first request"), "first request served");
	check(good_request(2, 256, "full buffer"), "second request served");

	/* a QueueNotify for a queue that does not exist: ignored */
	wr(QUEUE_NOTIFY, 5);
	wr(QUEUE_NOTIFY, 0xffffffffu);
	check(good_request(3, 16, "after bogus notifies"), "bogus QueueNotify values ignored");

	/* malformed chains */
	ring_desc[0] = (struct desc){ 0x10000000, 64, F_WRITE, 0 }; /* below RAM */
	post(0);
	expect_broken("buffer outside RAM");

	ring_desc[0] = (struct desc){ ram_end - 16, 64, F_WRITE, 0 }; /* crosses RAM's end */
	post(0);
	expect_broken("buffer crossing the end of RAM");

	ring_desc[0] = (struct desc){ (uintptr_t)data[0], 16, F_WRITE | F_NEXT, 1 };
	ring_desc[1] = (struct desc){ (uintptr_t)data[1], 16, F_WRITE | F_NEXT, 0 };
	post(0);
	expect_broken("descriptor loop");

	post(QNUM + 3);
	expect_broken("head index out of range");

	ring_desc[0] = (struct desc){ (uintptr_t)data[0], 16, F_WRITE | F_NEXT, 200 };
	post(0);
	expect_broken("next index out of range");

	avail.ring[0] = 0;
	ring_desc[0] = (struct desc){ (uintptr_t)data[0], 16, F_WRITE, 0 };
	mb();
	*(volatile uint16_t *)&avail.idx = 1000;
	mb();
	wr(QUEUE_NOTIFY, 0);
	expect_broken("avail index far ahead");

	ring_desc[0] = (struct desc){ (uintptr_t)data[1], 32, F_INDIRECT, 0 };
	post(0);
	expect_broken("INDIRECT without the feature");

	ring_desc[0] = (struct desc){ 0xfffffffffffff000ull, 0x2000, F_WRITE, 0 };
	post(0);
	expect_broken("address + length wrapping");

	ring_desc[0] = (struct desc){ (uintptr_t)data[0], 0, F_WRITE, 0 };
	post(0);
	expect_broken("zero-length buffer");

	/* rings outside RAM: refused at QueueReady */
	init_dev(0x20000000, (uintptr_t)&avail, (uintptr_t)&used);
	check(rd(STATUS) & S_NEEDS_RESET, "descriptor table outside RAM: NEEDS_RESET");
	init_dev((uintptr_t)ring_desc, (uintptr_t)&avail, ram_end - 8);
	check(rd(STATUS) & S_NEEDS_RESET, "used ring crossing the end of RAM: NEEDS_RESET");
	check(init_ok(), "set up again after bad rings");
	check(good_request(0, 32, "after bad rings"), "serves after bad rings");

	/*
	 * One request at a time, the guest polling: the device's round trip
	 * (kick to used element) and the interrupt's (kick to the SPI pending).
	 */
	{
		uint64_t used_ns = 0, spi_ns = 0, t;

		for (unsigned int i = 0; i < 50; i++) {
			make_request(i % QSIZE, 64);
			spi_clear();
			t = now_ns();
			post((uint16_t)(3 * (i % QSIZE)));
			if (!wait_used(2000, &id, &len))
				break;
			used_ns += now_ns() - t;
			if (!wait_for(spi_pending, 2000))
				break;
			spi_ns += now_ns() - t;
			wr(INT_ACK, rd(INT_STATUS));
		}
		note("one request at a time: kick to used %lu us, kick to SPI pending %lu us",
		     used_ns / 50 / 1000, spi_ns / 50 / 1000);
	}

	/* a burst: every slot in flight at once, many rounds */
	t0 = now_ns();
	for (unsigned int round = 0; round < 200; round++) {
		for (unsigned int s = 0; s < QSIZE; s++) {
			make_request(s, 8 + 31 * s);
			avail.ring[(avail_idx + s) % QNUM] = (uint16_t)(3 * s);
		}
		mb();
		avail_idx += QSIZE;
		*(volatile uint16_t *)&avail.idx = avail_idx;
		mb();
		wr(QUEUE_NOTIFY, 0);
		for (unsigned int s = 0; s < QSIZE; s++) {
			if (!wait_used(2000, &id, &len))
				break; /* counted as missing below; no point waiting on */
			if (id % 3 == 0 && id / 3 < QSIZE && len == want_len(8 + 31 * (id / 3)))
				served++;
		}
		wr(INT_ACK, rd(INT_STATUS));
		if (served != (round + 1) * QSIZE)
			break;
	}
	note("burst: %u requests in %lu ms", served, (now_ns() - t0) / 1000000);
	expect_eq(served, 200 * QSIZE, "burst: every request served with its length");
	for (unsigned int s = 0; s < QSIZE; s++)
		data_ok(s, 8 + 31 * s, "burst");
	check(!(rd(STATUS) & S_NEEDS_RESET), "burst: device still healthy");
}

int guest_main(void)
{
	find_devs();
	if (!check(ndevs > 0, "virtio-rng or virtio-blk devices in the virtio-mmio window"))
		return 0;
	for (unsigned int i = 0; i < ndevs; i++) {
		cur = &vqs[i];
		note("attacking the %s at 0x%lx", cur->id == 4 ? "virtio-rng" : "virtio-blk",
		     dev);
		attack();
	}
	/* every device, after all of that, still serves */
	for (unsigned int i = 0; i < ndevs; i++) {
		cur = &vqs[i];
		check(good_request(4, 64, "finally"), "device %u at 0x%lx still serves", i, dev);
		wr(STATUS, 0);
	}
	return 0;
}
