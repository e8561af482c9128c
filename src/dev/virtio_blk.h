/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk (VIRTIO 1.2 §5.2, `--disk FILE[,ro][,direct]`): a raw image
 * file as a block device with one request queue. Linux drives it with
 * virtio_blk.ko (/dev/vda for the first disk).
 *
 * The image is opened at start-up (read-only with ro, O_DIRECT with
 * direct) and locked with flock(): exclusively, or shared with ro, so a
 * second hotvm (or anything else that honours flock) cannot write the
 * same image at the same time. Only regular files are accepted, and
 * their size must be a multiple of 512 bytes: the capacity is size / 512.
 *
 * The data path runs on the device's I/O thread over io_uring: each
 * request becomes one or more SQEs (readv, writev, fsync with
 * IORING_FSYNC_DATASYNC, fallocate) and many requests are in flight at
 * once; the ring's completions signal an eventfd the I/O thread waits on,
 * and a request is pushed to the used ring only when all of its SQEs have
 * completed (FLUSH only after fdatasync returned). With direct, a request
 * whose guest buffers are not 512-byte aligned in address and length goes
 * through an aligned bounce buffer.
 *
 * GET_ID returns "hv" and 16 hex digits of a hash of the image's st_dev
 * and st_ino: the same serial for the same file on every run (a copy of
 * the file gets another one).
 *
 * Reset (the driver's, or a VM reboot) waits until every request in flight
 * has completed and been pushed, so no write the guest may have seen
 * acknowledged is lost, and then leaves the queue alone.
 */
#ifndef HOTVM_VIRTIO_BLK_H
#define HOTVM_VIRTIO_BLK_H

#include <stddef.h>
#include <stdint.h>

#include "dev/virtio_dev.h"
#include "lib/config.h"

#define VIRTIO_BLK_QUEUE_SIZE 256
#define VIRTIO_BLK_SEG_MAX    (VIRTIO_BLK_QUEUE_SIZE - 2) /* + header + status */
#define VIRTIO_BLK_SECTOR     512u
#define VIRTIO_BLK_ID_BYTES   20

/* Feature bits (VIRTIO 1.2 §5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX	  1
#define VIRTIO_BLK_F_SEG_MAX	  2
#define VIRTIO_BLK_F_GEOMETRY	  4
#define VIRTIO_BLK_F_RO		  5
#define VIRTIO_BLK_F_BLK_SIZE	  6
#define VIRTIO_BLK_F_FLUSH	  9
#define VIRTIO_BLK_F_TOPOLOGY	  10
#define VIRTIO_BLK_F_CONFIG_WCE	  11
#define VIRTIO_BLK_F_MQ		  12
#define VIRTIO_BLK_F_DISCARD	  13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status values (§5.2.6). */
#define VIRTIO_BLK_T_IN		  0
#define VIRTIO_BLK_T_OUT	  1
#define VIRTIO_BLK_T_FLUSH	  4
#define VIRTIO_BLK_T_GET_ID	  8
#define VIRTIO_BLK_T_GET_LIFETIME 10
#define VIRTIO_BLK_T_DISCARD	  11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_T_SECURE_ERASE 14

#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

/* struct virtio_blk_discard_write_zeroes: flags */
#define VIRTIO_BLK_WZ_F_UNMAP 1

/* Config space (struct virtio_blk_config, little-endian) offsets. */
#define VIRTIO_BLK_CFG_CAPACITY			0  /* le64, 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX			8  /* le32 */
#define VIRTIO_BLK_CFG_SEG_MAX			12 /* le32 */
#define VIRTIO_BLK_CFG_GEOMETRY			16 /* le16 cylinders, u8 heads, u8 sectors */
#define VIRTIO_BLK_CFG_BLK_SIZE			20 /* le32 */
#define VIRTIO_BLK_CFG_TOPOLOGY			24 /* u8, u8, le16, le32 */
#define VIRTIO_BLK_CFG_WRITEBACK		32 /* u8 */
#define VIRTIO_BLK_CFG_NUM_QUEUES		34 /* le16 */
#define VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS	36 /* le32 */
#define VIRTIO_BLK_CFG_MAX_DISCARD_SEG		40 /* le32 */
#define VIRTIO_BLK_CFG_DISCARD_ALIGNMENT	44 /* le32, sectors */
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS 48 /* le32 */
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG	52 /* le32 */
#define VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP	56 /* u8 */
#define VIRTIO_BLK_CFG_SIZE			60 /* up to and including unused1[3] */

/* What the device offers in config space. */
#define VIRTIO_BLK_MAX_DISCARD_SECTORS	   65536u /* 32 MiB per segment */
#define VIRTIO_BLK_MAX_DISCARD_SEG	   16u
#define VIRTIO_BLK_DISCARD_ALIGNMENT	   8u /* 4 KiB, a file system block */
#define VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS 16384u /* 8 MiB */
#define VIRTIO_BLK_MAX_WRITE_ZEROES_SEG	   1u

/*
 * The disk @disk at @base over @ram: the device, or NULL with a message
 * in @err ("FILE: is in use by another process (locked)", ...).
 */
struct virtio_dev *virtio_blk_create(uint64_t base, const struct ram *ram,
				     const struct config_disk *disk, char *err, size_t errlen);
/* Capacity in 512-byte sectors. */
uint64_t virtio_blk_capacity(struct virtio_dev *d);
/* The GET_ID serial (NUL-terminated, at most VIRTIO_BLK_ID_BYTES characters). */
const char *virtio_blk_serial(struct virtio_dev *d);
/* Requests completed so far (pushed to the used ring). */
uint64_t virtio_blk_requests(struct virtio_dev *d);
/* Requests taken from the queue so far (in flight: started - completed). */
uint64_t virtio_blk_started(struct virtio_dev *d);

#endif
