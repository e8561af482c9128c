// SPDX-License-Identifier: MIT
/* A device I/O thread over ppoll (see iothread.h). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dev/iothread.h"

struct watch {
	void (*fn)(void *opaque);
	void *opaque;
};

struct iothread {
	pthread_t thread;
	bool started;
	int stop_fd; /* pfd[0]: iothread_destroy() signals it */
	unsigned int n;
	struct pollfd pfd[IOTHREAD_MAX_FDS + 1];
	struct watch w[IOTHREAD_MAX_FDS + 1];
};

void eventfd_signal(int fd)
{
	uint64_t one = 1;

	/* Only fails when the count would overflow: it is then signalled anyway. */
	while (write(fd, &one, sizeof(one)) < 0 && errno == EINTR) {
	}
}

unsigned long long eventfd_drain(int fd)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n)) {
		return 0;
	}
	return n;
}

struct iothread *iothread_create(void)
{
	struct iothread *t = calloc(1, sizeof(*t));

	if (!t) {
		return NULL;
	}
	t->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (t->stop_fd < 0) {
		free(t);
		return NULL;
	}
	t->pfd[0] = (struct pollfd){ .fd = t->stop_fd, .events = POLLIN };
	t->n = 1;
	return t;
}

int iothread_watch(struct iothread *t, int fd, void (*fn)(void *opaque), void *opaque)
{
	if (t->started) {
		return -EBUSY;
	}
	if (t->n > IOTHREAD_MAX_FDS) {
		return -ENOSPC;
	}
	t->pfd[t->n] = (struct pollfd){ .fd = fd, .events = POLLIN };
	t->w[t->n] = (struct watch){ fn, opaque };
	t->n++;
	return 0;
}

void iothread_pause(struct iothread *t, int fd, bool paused)
{
	for (unsigned int i = 1; i < t->n; i++) {
		/* ppoll ignores a negative fd: ~fd keeps the fd recoverable */
		if (t->pfd[i].fd == fd || t->pfd[i].fd == ~fd) {
			t->pfd[i].fd = paused ? ~fd : fd;
			t->pfd[i].revents = 0;
		}
	}
}

static void *loop(void *arg)
{
	struct iothread *t = arg;

	for (;;) {
		int r = ppoll(t->pfd, t->n, NULL, NULL);

		if (r < 0) {
			if (errno == EINTR) {
				continue;
			}
			break; /* cannot happen with valid fds; the device then stops */
		}
		if (t->pfd[0].revents) {
			break;
		}
		for (unsigned int i = 1; i < t->n; i++) {
			if (t->pfd[i].revents) {
				t->w[i].fn(t->w[i].opaque);
			}
		}
	}
	return NULL;
}

int iothread_start(struct iothread *t, const char *name)
{
	int ret = pthread_create(&t->thread, NULL, loop, t);

	if (ret) {
		return -ret;
	}
	t->started = true;
	pthread_setname_np(t->thread, name);
	return 0;
}

void iothread_destroy(struct iothread *t)
{
	if (!t) {
		return;
	}
	if (t->started) {
		eventfd_signal(t->stop_fd);
		pthread_join(t->thread, NULL);
	}
	close(t->stop_fd);
	free(t);
}
