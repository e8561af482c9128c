/* SPDX-License-Identifier: MIT */
/*
 * virtio-console (VIRTIO 1.2 §5.3, `--console virtio`): one port, no
 * MULTIPORT, no SIZE, no EMERG_WRITE. Queue 0 (receiveq) carries the
 * input fd to the guest, queue 1 (transmitq) the guest's output to the
 * output fd. Linux drives it as hvc0.
 *
 * One thread of the device's own does all the work (not the shared
 * iothread: what it waits for changes with its state). It never blocks in
 * read() or write(): both go through private non-blocking open file
 * descriptions of the input and output (reopened through /proc/self/fd
 * for a pipe or a character device such as a terminal; other fds are used
 * as they are, in PIPE_BUF chunks after POLLOUT), and it waits in ppoll()
 * together with its wake-up eventfd, so a stuck reader of the output
 * cannot keep a reset or hotvm's exit waiting.
 *
 * Output: the readable buffers of each transmitq chain are copied, in
 * order, into a VIRTIO_CONSOLE_OUT_BUF-byte buffer that the thread writes
 * out; a chain goes back to the guest (used) once all its bytes are in
 * that buffer, and while the buffer is full no chain is taken: a slow
 * reader slows the guest down (Linux's hvc waits for its buffer to come
 * back) and nothing is dropped. At destroy the buffer (and what the
 * transmitq still holds) is flushed for at most VIRTIO_CONSOLE_FLUSH_MS;
 * what is still unwritten, or was lost to a failed output fd, is reported
 * in one line on stderr.
 *
 * Input: the input fd is read only while a receiveq chain is held, and at
 * most as many bytes as that chain takes: what the guest has not asked
 * for stays in the fd (nothing is read ahead, nothing is lost). A
 * terminal is put in raw no-echo mode at start (^C still signals hotvm)
 * and restored at destroy.
 */
#ifndef HOTVM_VIRTIO_CONSOLE_H
#define HOTVM_VIRTIO_CONSOLE_H

#include <stdint.h>

#include "dev/virtio_dev.h"

#define VIRTIO_ID_CONSOLE	   3
#define VIRTIO_CONSOLE_QUEUE_SIZE  64
#define VIRTIO_CONSOLE_RXQ	   0
#define VIRTIO_CONSOLE_TXQ	   1
#define VIRTIO_CONSOLE_OUT_BUF	   (64 * 1024) /* output buffer, bytes */
#define VIRTIO_CONSOLE_IN_BUF	   4096	       /* most input bytes read at once */
#define VIRTIO_CONSOLE_FLUSH_MS	   500	       /* longest flush at destroy */

/*
 * At @base over @ram, its port on @in_fd (< 0: no input) and @out_fd
 * (< 0: output dropped and counted): the device, or NULL (errno set).
 * The fds are only used from virtio_dev_start() on.
 */
struct virtio_dev *virtio_console_create(uint64_t base, const struct ram *ram, int in_fd,
					 int out_fd);
/* Guest output bytes written to the output fd so far. */
uint64_t virtio_console_written(struct virtio_dev *d);

#endif
