// SPDX-License-Identifier: MIT
/*
 * Unit tests for virtio-blk (src/dev/virtio_blk.c) over the real
 * transport, eventfds, I/O thread and io_uring, on a temporary image
 * file, driven by the fake driver (vdrv.h): reads and writes checked
 * against the file, FLUSH, GET_ID, read-only, ranges, DISCARD and
 * WRITE_ZEROES, unsupported and malformed requests, the image lock, many
 * requests in flight, and a reset that waits for them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "vdrv.h"
#include "dev/virtio_blk.h"

#define BASE	    0x03000000ull
#define IMG_SECTORS 2048 /* 1 MiB */
#define SLOT	    0x10000ull /* per request: header, status, data */
#define SLOT_STATUS 0x20
#define SLOT_DATA   0x1000
#define NSLOTS	    40 /* + 1 for a FLUSH */

static struct vdrv v;
static char path[64];
static int fd; /* the test's own view of the image */
static char err[256];

static struct virtio_dev *open_disk(bool ro, bool direct)
{
	struct config_disk disk = { .ro = ro, .direct = direct };

	snprintf(disk.path, sizeof(disk.path), "%s", path);
	err[0] = 0;
	return virtio_blk_create(BASE, &v.ram, &disk, err, sizeof(err));
}

static void start_disk(bool ro, bool direct)
{
	v.d = open_disk(ro, direct);
	ck_assert_msg(v.d, "%s", err);
	ck_assert_int_eq(virtio_dev_start(v.d), 0);
}

static void setup(void)
{
	snprintf(path, sizeof(path), "/tmp/hotvm-blk-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, IMG_SECTORS * 512), 0);
	vdrv_ram(&v);
}

static void teardown(void)
{
	virtio_dev_destroy(v.d);
	free(v.ram.hva);
	close(fd);
	unlink(path);
}

/* A driver ready to go: negotiated, queue 0 of @size, DRIVER_OK. */
static uint64_t go(uint16_t size)
{
	uint64_t f = vdrv_negotiate(&v, ~0ull);

	ck_assert(vdrv_queue(&v, 0, size));
	vdrv_driver_ok(&v);
	return f;
}

static uint64_t slot(unsigned int s)
{
	return VDRV_DATA + SLOT * s;
}

static uint8_t *data(unsigned int s)
{
	return vdrv_ptr(&v, slot(s) + SLOT_DATA);
}

static uint8_t status(unsigned int s)
{
	return *(uint8_t *)vdrv_ptr(&v, slot(s) + SLOT_STATUS);
}

static void header(unsigned int s, uint32_t type, uint64_t sector)
{
	uint8_t *h = vdrv_ptr(&v, slot(s));
	uint32_t t = htole32(type), z = 0;
	uint64_t sec = htole64(sector);

	memcpy(h, &t, 4);
	memcpy(h + 4, &z, 4);
	memcpy(h + 8, &sec, 8);
	*(uint8_t *)vdrv_ptr(&v, slot(s) + SLOT_STATUS) = 0xee;
}

/* Request in slot @s: header, @len data bytes (device-writable if @in), status. Its head. */
static uint16_t request(unsigned int s, uint32_t type, uint64_t sector, uint32_t len, bool in)
{
	uint64_t gpa[3] = { slot(s), slot(s) + SLOT_DATA, slot(s) + SLOT_STATUS };
	uint32_t l[3] = { 16, len, 1 };

	header(s, type, sector);
	if (!len) {
		gpa[1] = gpa[2];
		l[1] = 1;
		return vdrv_chain(&v, 0, 2, gpa, l, 1);
	}
	return vdrv_chain(&v, 0, 3, gpa, l, in ? 2 : 1);
}

/* Wait for the next completion: it must be @head; its status byte (and @used). */
static uint8_t complete(unsigned int s, uint16_t head, uint32_t *used)
{
	uint16_t id;
	uint32_t n;

	ck_assert_msg(vdrv_complete(&v, 0, &id, &n), "request in slot %u not completed", s);
	ck_assert_uint_eq(id, head);
	if (used) {
		*used = n;
	}
	return status(s);
}

/* One request, kicked and waited for: its status. */
static uint8_t run(unsigned int s, uint32_t type, uint64_t sector, uint32_t len, bool in,
		   uint32_t *used)
{
	uint16_t head = request(s, type, sector, len, in);

	vdrv_kick(&v, 0);
	return complete(s, head, used);
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)(i * 7 + seed * 13 + 1);
	}
}

static bool all(const uint8_t *p, size_t n, uint8_t x)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != x) {
			return false;
		}
	}
	return true;
}

static void file_read(uint64_t off, void *buf, size_t n)
{
	ck_assert_int_eq(pread(fd, buf, n, (off_t)off), (ssize_t)n);
}

static uint32_t cfg32(unsigned int off)
{
	uint32_t x = vdrv_rd(&v, VIRTIO_MMIO_CONFIG + off);

	return x;
}

START_TEST(test_config)
{
	uint64_t f;

	start_disk(false, false);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	vdrv_wr(&v, VIRTIO_MMIO_QUEUE_SEL, 0);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTIO_BLK_QUEUE_SIZE);
	f = vdrv_negotiate(&v, ~0ull);
	ck_assert_uint_eq(f >> VIRTIO_BLK_F_SEG_MAX & 1, 1);
	ck_assert_uint_eq(f >> VIRTIO_BLK_F_BLK_SIZE & 1, 1);
	ck_assert_uint_eq(f >> VIRTIO_BLK_F_FLUSH & 1, 1);
	ck_assert_uint_eq(f >> VIRTIO_BLK_F_DISCARD & 1, 1);
	ck_assert_uint_eq(f >> VIRTIO_BLK_F_WRITE_ZEROES & 1, 1);
	ck_assert_uint_eq(f >> VIRTIO_BLK_F_RO & 1, 0);
	ck_assert_uint_eq(f >> VIRTIO_BLK_F_MQ & 1, 0);
	ck_assert_uint_eq(cfg32(VIRTIO_BLK_CFG_CAPACITY), IMG_SECTORS);
	ck_assert_uint_eq(cfg32(VIRTIO_BLK_CFG_CAPACITY + 4), 0);
	ck_assert_uint_eq(virtio_blk_capacity(v.d), IMG_SECTORS);
	ck_assert_uint_eq(cfg32(VIRTIO_BLK_CFG_SEG_MAX), VIRTIO_BLK_SEG_MAX);
	ck_assert_uint_eq(cfg32(VIRTIO_BLK_CFG_BLK_SIZE), 512);
	ck_assert_uint_eq(cfg32(VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS), VIRTIO_BLK_MAX_DISCARD_SECTORS);
	ck_assert_uint_eq(cfg32(VIRTIO_BLK_CFG_MAX_DISCARD_SEG), VIRTIO_BLK_MAX_DISCARD_SEG);
	ck_assert_uint_eq(cfg32(VIRTIO_BLK_CFG_DISCARD_ALIGNMENT), VIRTIO_BLK_DISCARD_ALIGNMENT);
	ck_assert_uint_eq(cfg32(VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS),
			  VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS);
	ck_assert_uint_eq(cfg32(VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG),
			  VIRTIO_BLK_MAX_WRITE_ZEROES_SEG);
	ck_assert_uint_eq(cfg32(VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP) & 0xff, 1);
}
END_TEST

/* Written through the device: in the file, and read back through the device. */
static void write_read(unsigned int seed)
{
	uint8_t want[8192], got[8192];
	uint32_t used;

	fill(data(0), sizeof(want), seed);
	memcpy(want, data(0), sizeof(want));
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_OUT, 10, sizeof(want), false, &used),
			  VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used, 1);
	file_read(10 * 512, got, sizeof(got));
	ck_assert_mem_eq(got, want, sizeof(want));
	memset(data(1), 0, sizeof(want));
	ck_assert_uint_eq(run(1, VIRTIO_BLK_T_IN, 10, sizeof(want), true, &used),
			  VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used, sizeof(want) + 1);
	ck_assert_mem_eq(data(1), want, sizeof(want));
	/* written by someone else, read by the guest */
	fill(want, 512, seed + 1);
	ck_assert_int_eq(pwrite(fd, want, 512, 2047 * 512), 512);
	ck_assert_uint_eq(run(1, VIRTIO_BLK_T_IN, 2047, 512, true, NULL), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(data(1), want, 512);
}

START_TEST(test_write_read)
{
	start_disk(false, false);
	go(64);
	write_read(1);
	ck_assert_uint_eq(virtio_blk_requests(v.d), 3);
}
END_TEST

/* O_DIRECT, with guest buffers the kernel would refuse (bounced). */
START_TEST(test_direct)
{
	uint64_t gpa[4] = { slot(0), slot(0) + SLOT_DATA + 3, slot(0) + 0x8000, slot(0) + SLOT_STATUS };
	uint32_t l[4] = { 16, 100, 924, 1 };
	uint8_t want[1024], got[1024];
	uint16_t head;

	v.d = open_disk(false, true);
	if (!v.d && strstr(err, "O_DIRECT")) {
		fprintf(stderr, "test_direct: skipped: %s\n", err);
		return;
	}
	ck_assert_msg(v.d, "%s", err);
	ck_assert_int_eq(virtio_dev_start(v.d), 0);
	go(64);
	write_read(2); /* aligned buffers: straight from guest RAM */
	fill(want, sizeof(want), 3);
	memcpy(vdrv_ptr(&v, gpa[1]), want, 100);
	memcpy(vdrv_ptr(&v, gpa[2]), want + 100, 924);
	header(0, VIRTIO_BLK_T_OUT, 100);
	head = vdrv_chain(&v, 0, 4, gpa, l, 1);
	vdrv_kick(&v, 0);
	ck_assert_uint_eq(complete(0, head, NULL), VIRTIO_BLK_S_OK);
	file_read(100 * 512, got, sizeof(got));
	ck_assert_mem_eq(got, want, sizeof(want));
	memset(vdrv_ptr(&v, gpa[1]), 0, 100);
	memset(vdrv_ptr(&v, gpa[2]), 0, 924);
	header(0, VIRTIO_BLK_T_IN, 100);
	head = vdrv_chain(&v, 0, 4, gpa, l, 3);
	vdrv_kick(&v, 0);
	ck_assert_uint_eq(complete(0, head, NULL), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(vdrv_ptr(&v, gpa[1]), want, 100);
	ck_assert_mem_eq(vdrv_ptr(&v, gpa[2]), want + 100, 924);
}
END_TEST

START_TEST(test_flush)
{
	uint32_t used;

	start_disk(false, false);
	go(64);
	fill(data(0), 4096, 4);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_OUT, 0, 4096, false, NULL), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(run(1, VIRTIO_BLK_T_FLUSH, 0, 0, false, &used), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used, 1);
	/* a FLUSH with data is malformed */
	ck_assert_uint_eq(run(1, VIRTIO_BLK_T_FLUSH, 0, 512, false, NULL), VIRTIO_BLK_S_IOERR);
}
END_TEST

static void get_id(char *id)
{
	uint32_t used;

	memset(data(0), 0x55, 64);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES, true, &used),
			  VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used, VIRTIO_BLK_ID_BYTES + 1);
	ck_assert_uint_eq(data(0)[VIRTIO_BLK_ID_BYTES], 0x55); /* not a byte beyond */
	memcpy(id, data(0), VIRTIO_BLK_ID_BYTES);
	id[VIRTIO_BLK_ID_BYTES] = 0;
}

START_TEST(test_get_id)
{
	char a[VIRTIO_BLK_ID_BYTES + 1], b[VIRTIO_BLK_ID_BYTES + 1];
	char other[64];
	int ofd;

	start_disk(false, false);
	go(64);
	get_id(a);
	ck_assert_uint_gt(strlen(a), 0);
	ck_assert_str_eq(a, virtio_blk_serial(v.d));
	virtio_dev_destroy(v.d);
	v.d = NULL;
	/* the same file again: the same serial */
	start_disk(false, false);
	go(64);
	get_id(b);
	ck_assert_str_eq(a, b);
	virtio_dev_destroy(v.d);
	v.d = NULL;
	/* another file: another serial */
	snprintf(other, sizeof(other), "%s", path);
	snprintf(path, sizeof(path), "/tmp/hotvm-blk2-XXXXXX");
	ofd = mkstemp(path);
	ck_assert_int_ge(ofd, 0);
	ck_assert_int_eq(ftruncate(ofd, 4096), 0);
	v.d = open_disk(false, false);
	unlink(path);
	close(ofd);
	snprintf(path, sizeof(path), "%s", other);
	ck_assert_msg(v.d, "%s", err);
	ck_assert_str_ne(virtio_blk_serial(v.d), a);
}
END_TEST

START_TEST(test_ro)
{
	uint8_t want[4096], got[4096];
	uint64_t f;

	fill(want, sizeof(want), 5);
	ck_assert_int_eq(pwrite(fd, want, sizeof(want), 0), (ssize_t)sizeof(want));
	start_disk(true, false);
	f = go(64);
	ck_assert_uint_eq(f >> VIRTIO_BLK_F_RO & 1, 1);
	ck_assert_uint_eq(f >> VIRTIO_BLK_F_DISCARD & 1, 0);
	ck_assert_uint_eq(f >> VIRTIO_BLK_F_WRITE_ZEROES & 1, 0);
	memset(data(0), 0xaa, sizeof(want));
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_OUT, 0, sizeof(want), false, NULL),
			  VIRTIO_BLK_S_IOERR);
	file_read(0, got, sizeof(got));
	ck_assert_mem_eq(got, want, sizeof(want));
	ck_assert_uint_eq(run(1, VIRTIO_BLK_T_IN, 0, sizeof(want), true, NULL), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(data(1), want, sizeof(want));
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_FLUSH, 0, 0, false, NULL), VIRTIO_BLK_S_OK);
}
END_TEST

START_TEST(test_range)
{
	start_disk(false, false);
	go(64);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_IN, IMG_SECTORS - 1, 512, true, NULL),
			  VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_IN, IMG_SECTORS - 1, 1024, true, NULL),
			  VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_OUT, IMG_SECTORS, 512, false, NULL),
			  VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_OUT, ~0ull >> 9, 512, false, NULL),
			  VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_IN, ~0ull, 512, true, NULL), VIRTIO_BLK_S_IOERR);
	/* not whole sectors */
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_IN, 0, 500, true, NULL), VIRTIO_BLK_S_IOERR);
	/* the file did not grow */
	{
		struct stat st;

		ck_assert_int_eq(fstat(fd, &st), 0);
		ck_assert_int_eq(st.st_size, IMG_SECTORS * 512);
	}
}
END_TEST

/* Segment @i of the DISCARD/WRITE_ZEROES in slot @s. */
static void seg(unsigned int s, unsigned int i, uint64_t sector, uint32_t num, uint32_t flags)
{
	uint8_t *p = data(s) + 16 * i;
	uint64_t a = htole64(sector);
	uint32_t b = htole32(num), c = htole32(flags);

	memcpy(p, &a, 8);
	memcpy(p + 8, &b, 4);
	memcpy(p + 12, &c, 4);
}

START_TEST(test_discard_zeroes)
{
	static uint8_t buf[64 * 512];

	start_disk(false, false);
	go(64);
	fill(buf, sizeof(buf), 6);
	ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	/* discard 8..23 and 40..47 (two segments) */
	seg(0, 0, 8, 16, 0);
	seg(0, 1, 40, 8, 0);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_DISCARD, 0, 32, false, NULL), VIRTIO_BLK_S_OK);
	/* write zeroes 32..35, then 36..39 with unmap */
	seg(0, 0, 32, 4, 0);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false, NULL), VIRTIO_BLK_S_OK);
	seg(0, 0, 36, 4, VIRTIO_BLK_WZ_F_UNMAP);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false, NULL), VIRTIO_BLK_S_OK);
	memset(data(1), 0xee, sizeof(buf));
	ck_assert_uint_eq(run(1, VIRTIO_BLK_T_IN, 0, sizeof(buf), true, NULL), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(data(1), buf, 8 * 512);
	ck_assert(all(data(1) + 8 * 512, 16 * 512, 0));
	ck_assert_mem_eq(data(1) + 24 * 512, buf + 24 * 512, 8 * 512);
	ck_assert(all(data(1) + 32 * 512, 16 * 512, 0));
	ck_assert_mem_eq(data(1) + 48 * 512, buf + 48 * 512, 16 * 512);
	/* unmap on a discard, unknown flags: unsupported */
	seg(0, 0, 0, 8, VIRTIO_BLK_WZ_F_UNMAP);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_DISCARD, 0, 16, false, NULL), VIRTIO_BLK_S_UNSUPP);
	seg(0, 0, 0, 8, 4);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false, NULL),
			  VIRTIO_BLK_S_UNSUPP);
	/* beyond the end, too many sectors, too many segments, no segment */
	seg(0, 0, IMG_SECTORS - 4, 8, 0);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false, NULL),
			  VIRTIO_BLK_S_IOERR);
	seg(0, 0, 0, VIRTIO_BLK_MAX_DISCARD_SECTORS + 1, 0);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_DISCARD, 0, 16, false, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_WRITE_ZEROES, 0, 32, false, NULL),
			  VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_DISCARD, 0, 0, false, NULL), VIRTIO_BLK_S_IOERR);
	/* nothing of that touched the data */
	file_read(0, buf, 8 * 512);
	ck_assert(!all(buf, 8 * 512, 0));
}
END_TEST

/*
 * WRITE_ZEROES where fallocate(ZERO_RANGE) is refused (tmpfs answers
 * EOPNOTSUPP): the device writes zeroes itself, 1 MiB at a time.
 */
START_TEST(test_zero_fallback)
{
	const uint64_t first = 100, n = VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS;
	const size_t size = 12u << 20;
	uint8_t *buf = malloc(size);
	char keep[64];
	int sfd;

	snprintf(keep, sizeof(keep), "%s", path);
	snprintf(path, sizeof(path), "/dev/shm/hotvm-blk-XXXXXX");
	sfd = mkstemp(path);
	if (sfd < 0) {
		fprintf(stderr, "test_zero_fallback: skipped: no /dev/shm\n");
		snprintf(path, sizeof(path), "%s", keep);
		free(buf);
		return;
	}
	fill(buf, size, 11);
	ck_assert_int_eq(pwrite(sfd, buf, size, 0), (ssize_t)size);
	v.d = open_disk(false, false);
	unlink(path);
	snprintf(path, sizeof(path), "%s", keep);
	ck_assert_msg(v.d, "%s", err);
	ck_assert_int_eq(virtio_dev_start(v.d), 0);
	go(64);
	seg(0, 0, first, (uint32_t)n, 0);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false, NULL), VIRTIO_BLK_S_OK);
	{
		uint8_t *got = malloc(size);

		ck_assert_int_eq(pread(sfd, got, size, 0), (ssize_t)size);
		ck_assert_mem_eq(got, buf, first * 512);
		ck_assert(all(got + first * 512, n * 512, 0));
		ck_assert_mem_eq(got + (first + n) * 512, buf + (first + n) * 512,
				 size - (first + n) * 512);
		free(got);
	}
	close(sfd);
	free(buf);
}
END_TEST

START_TEST(test_unsupported)
{
	start_disk(false, false);
	go(64);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_GET_LIFETIME, 0, 16, true, NULL),
			  VIRTIO_BLK_S_UNSUPP);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_SECURE_ERASE, 0, 16, false, NULL),
			  VIRTIO_BLK_S_UNSUPP);
	ck_assert_uint_eq(run(0, 0x12345, 0, 0, false, NULL), VIRTIO_BLK_S_UNSUPP);
}
END_TEST

START_TEST(test_lock)
{
	struct virtio_dev *second;

	start_disk(false, false);
	second = open_disk(false, false);
	ck_assert_ptr_null(second);
	ck_assert_msg(strstr(err, "is in use by another process (locked)"), "%s", err);
	ck_assert_msg(strstr(err, path), "%s", err);
	second = open_disk(true, false);
	ck_assert_ptr_null(second);
	ck_assert_msg(strstr(err, "locked"), "%s", err);
	/* two read-only users share the image */
	virtio_dev_destroy(v.d);
	v.d = NULL;
	start_disk(true, false);
	second = open_disk(true, false);
	ck_assert_msg(second, "%s", err);
	virtio_dev_destroy(second);
}
END_TEST

START_TEST(test_refused)
{
	ck_assert_int_eq(ftruncate(fd, 1000), 0);
	ck_assert_ptr_null(open_disk(false, false));
	ck_assert_msg(strstr(err, "not a multiple of 512"), "%s", err);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "-missing");
	ck_assert_ptr_null(open_disk(false, false));
	ck_assert_msg(strstr(err, strerror(ENOENT)), "%s", err);
	path[strlen(path) - strlen("-missing")] = 0;
	{
		char keep[64];

		snprintf(keep, sizeof(keep), "%s", path);
		snprintf(path, sizeof(path), "/dev/null");
		ck_assert_ptr_null(open_disk(true, false));
		ck_assert_msg(strstr(err, "not a regular file"), "%s", err);
		snprintf(path, sizeof(path), "%s", keep);
	}
}
END_TEST

/* NSLOTS writes made available at once, one kick: all complete, all in the file. */
static void many(bool reset)
{
	uint16_t head[NSLOTS + 1];
	uint8_t got[16384];
	unsigned int n = 0;
	uint16_t id;
	uint32_t len;

	for (unsigned int s = 0; s < NSLOTS; s++) {
		fill(data(s), sizeof(got), 10 + s);
		head[s] = request(s, VIRTIO_BLK_T_OUT, 32ull * s, sizeof(got), false);
	}
	if (reset) {
		/* and a FLUSH: an fdatasync that takes a while */
		head[NSLOTS] = request(NSLOTS, VIRTIO_BLK_T_FLUSH, 0, 0, false);
	}
	vdrv_kick(&v, 0);
	if (reset) {
		/* as soon as the device has taken them all: reset */
		for (int i = 0; i < 20000 && virtio_blk_started(v.d) < NSLOTS + 1; i++) {
			usleep(50);
		}
		ck_assert_uint_eq(virtio_blk_started(v.d), NSLOTS + 1);
		vdrv_wr(&v, VIRTIO_MMIO_STATUS, 0);
		/* every one of them was pushed before the reset returned */
		while (vdrv_used(&v, 0, &id, &len)) {
			ck_assert_uint_eq(id, head[n]);
			n++;
		}
		ck_assert_uint_eq(n, NSLOTS + 1);
		ck_assert_uint_eq(status(NSLOTS), VIRTIO_BLK_S_OK);
	} else {
		for (; n < NSLOTS; n++) {
			ck_assert_uint_eq(complete(n, head[n], NULL), VIRTIO_BLK_S_OK);
		}
	}
	for (unsigned int s = 0; s < NSLOTS; s++) {
		ck_assert_uint_eq(status(s), VIRTIO_BLK_S_OK);
		file_read(32ull * 512 * s, got, sizeof(got));
		ck_assert_mem_eq(got, data(s), sizeof(got));
	}
}

START_TEST(test_in_flight)
{
	start_disk(false, false);
	go(256);
	many(false);
	ck_assert_uint_eq(virtio_blk_requests(v.d), NSLOTS);
}
END_TEST

START_TEST(test_reset_waits)
{
	start_disk(false, false);
	go(256);
	many(true);
	ck_assert_uint_eq(virtio_blk_requests(v.d), NSLOTS + 1);
	/* and after the reset, a fresh driver gets served */
	go(64);
	write_read(7);
}
END_TEST

/* Acknowledge every interrupt so far: the next one is a new edge. */
static void ack(void)
{
	vdrv_wr(&v, VIRTIO_MMIO_INTERRUPT_ACK, vdrv_rd(&v, VIRTIO_MMIO_INTERRUPT_STATUS));
	eventfd_drain(v.d->irqfd);
}

static void needs_reset(void)
{
	uint16_t id;
	uint32_t n;

	ck_assert(vdrv_wait_irq(&v, 2000));
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET,
			  VIRTIO_CONFIG_S_NEEDS_RESET);
	ck_assert(!vdrv_used(&v, 0, &id, &n));
}

START_TEST(test_malformed)
{
	uint64_t gpa[3] = { slot(0), slot(0) + SLOT_DATA, slot(0) + SLOT_STATUS };
	uint32_t l[3] = { 8, 512, 1 };
	uint16_t head;

	start_disk(false, false);
	go(64);
	/* header too short */
	header(0, VIRTIO_BLK_T_IN, 0);
	gpa[1] = gpa[2];
	l[1] = 1;
	head = vdrv_chain(&v, 0, 2, gpa, l, 1);
	vdrv_kick(&v, 0);
	ck_assert_uint_eq(complete(0, head, NULL), VIRTIO_BLK_S_IOERR);
	/* IN with device-readable data, OUT with device-writable data */
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_IN, 0, 512, false, NULL), VIRTIO_BLK_S_IOERR);
	memset(data(0), 0x77, 512);
	ck_assert_uint_eq(run(0, VIRTIO_BLK_T_OUT, 0, 512, true, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert(all(data(0), 512, 0x77));
	/* a header split over two buffers is fine */
	{
		uint64_t g[3] = { slot(0), slot(0) + 5, slot(0) + SLOT_STATUS };
		uint32_t k[3] = { 5, 11, 1 };

		header(0, VIRTIO_BLK_T_FLUSH, 0);
		head = vdrv_chain(&v, 0, 3, g, k, 1);
		vdrv_kick(&v, 0);
		ck_assert_uint_eq(complete(0, head, NULL), VIRTIO_BLK_S_OK);
	}
	/* no status byte at all: the device needs a reset */
	ack();
	header(0, VIRTIO_BLK_T_OUT, 0);
	gpa[1] = slot(0) + SLOT_DATA;
	l[0] = 16;
	vdrv_chain(&v, 0, 2, gpa, l, 0);
	vdrv_kick(&v, 0);
	needs_reset();
	/* a reset from outside, and it works again */
	virtio_dev_reset(v.d);
	ck_assert_uint_eq(vdrv_rd(&v, VIRTIO_MMIO_STATUS), 0);
	go(64);
	write_read(8);
	/* a buffer outside guest RAM */
	ack();
	vdrv_desc(&v, 0, 0, VDRV_RAM_BASE + VDRV_RAM_SIZE - 8, 16, VIRTQ_DESC_F_NEXT, 1);
	vdrv_desc(&v, 0, 1, slot(0) + SLOT_STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	vdrv_avail(&v, 0, 0);
	vdrv_kick(&v, 0);
	needs_reset();
}
END_TEST

/* The same head made available twice while the first is in flight. */
START_TEST(test_head_reuse)
{
	uint16_t head, id;
	uint32_t n;
	unsigned int got = 0;

	start_disk(false, false);
	go(64);
	fill(data(0), 32768, 9);
	head = request(0, VIRTIO_BLK_T_OUT, 0, 32768, false);
	for (int i = 0; i < 8; i++) {
		vdrv_avail(&v, 0, head);
	}
	vdrv_kick(&v, 0);
	/* either it completed before its second use, or the device wants a reset */
	for (int i = 0; i < 200; i++) {
		while (vdrv_used(&v, 0, &id, &n)) {
			ck_assert_uint_eq(id, head);
			got++;
		}
		if (vdrv_rd(&v, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET) {
			break;
		}
		usleep(10000);
	}
	ck_assert_uint_ge(got, 1);
	ck_assert_uint_le(got, 9);
	virtio_dev_reset(v.d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_blk");
	TCase *tc = tcase_create("virtio_blk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_direct);
	tcase_add_test(tc, test_flush);
	tcase_add_test(tc, test_get_id);
	tcase_add_test(tc, test_ro);
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_discard_zeroes);
	tcase_add_test(tc, test_zero_fallback);
	tcase_add_test(tc, test_unsupported);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_in_flight);
	tcase_add_test(tc, test_reset_waits);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_head_reuse);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
