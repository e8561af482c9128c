/* SPDX-License-Identifier: MIT */
/*
 * A device's I/O thread: waits (ppoll) on a few file descriptors, most of
 * them eventfds (queue kicks that KVM signals through ioeventfd, vhost's
 * used-buffer calls, io_uring completions), and runs each one's handler
 * when it becomes readable. Handlers run on this thread only, one at a
 * time, so a device's data path never runs on a vCPU thread.
 *
 * Watches are added before iothread_start() and fixed afterwards.
 */
#ifndef HOTVM_IOTHREAD_H
#define HOTVM_IOTHREAD_H

#include <stdbool.h>

#define IOTHREAD_MAX_FDS 16

struct iothread;

struct iothread *iothread_create(void);
/* Run @fn(@opaque) on the thread whenever @fd is readable. 0, -ENOSPC, -EBUSY once started. */
int iothread_watch(struct iothread *t, int fd, void (*fn)(void *opaque), void *opaque);
/*
 * Stop (@paused true) or resume watching @fd: only from a handler running
 * on the thread, or before iothread_start() (e.g. a tap that stays
 * readable while the guest has no buffer for its packets).
 */
void iothread_pause(struct iothread *t, int fd, bool paused);
/* Start the thread (its name, for ps and gdb, at most 15 chars). 0 or -errno. */
int iothread_start(struct iothread *t, const char *name);
/* Stop the thread (waits for a running handler to return) and free it. NULL is fine. */
void iothread_destroy(struct iothread *t);

/* eventfd helpers: signal @fd once; consume its count (0 if none was pending). */
void eventfd_signal(int fd);
unsigned long long eventfd_drain(int fd);

#endif
