// SPDX-License-Identifier: MIT
/*
 * vsock_xfer: exchange data both ways over one AF_VSOCK stream connection
 * and check it (e2e virtio_vsock: in the guest's initramfs and, built
 * from the same source as tests/e2e/vsock_xfer.c, in the test host).
 *
 *   vsock_xfer listen PORT BYTES        accept one connection (any CID)
 *   vsock_xfer connect CID PORT BYTES   connect (retried for 30 s)
 *
 * Each side sends BYTES of a pattern of its own (the listener's and the
 * connector's differ), shuts its sending half, reads until the peer's
 * EOF and checks that it got exactly BYTES of the peer's pattern. Sending
 * and receiving interleave (poll), so large transfers cannot deadlock.
 * Prints "vsock_xfer: sent N, received N, pattern ok" and exits 0, or a
 * reason and 1.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

static uint8_t pattern(uint64_t i, unsigned int side)
{
	uint64_t x = (i / 8 + 1) * (side ? 0x9e3779b97f4a7c15ull : 0xc2b2ae3d27d4eb4full);

	x ^= x >> 29;
	return (uint8_t)(x >> (8 * (i % 8)));
}

static int fail(const char *what)
{
	fprintf(stderr, "vsock_xfer: %s: %s\n", what, strerror(errno));
	return 1;
}

static int xfer(int fd, uint64_t total, unsigned int me)
{
	uint64_t sent = 0, got = 0;
	bool eof = false;
	uint8_t buf[65536];

	while (!eof || sent < total) {
		struct pollfd p = { .fd = fd, .events = (short)((eof ? 0 : POLLIN) |
							      (sent < total ? POLLOUT : 0)) };

		if (poll(&p, 1, 60000) <= 0) {
			fprintf(stderr, "vsock_xfer: stalled: sent %llu, received %llu\n",
				(unsigned long long)sent, (unsigned long long)got);
			return 1;
		}
		if (p.revents & POLLIN || (eof == false && p.revents & (POLLHUP | POLLERR))) {
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (n < 0 && errno != EAGAIN) {
				return fail("recv");
			}
			if (n == 0) {
				eof = true;
			}
			for (ssize_t i = 0; i < n; i++, got++) {
				if (buf[i] != pattern(got, !me)) {
					fprintf(stderr, "vsock_xfer: byte %llu differs\n",
						(unsigned long long)got);
					return 1;
				}
			}
		}
		if (sent < total && p.revents & POLLOUT) {
			uint64_t left = total - sent;
			size_t k = left < sizeof(buf) ? (size_t)left : sizeof(buf);
			ssize_t n;

			for (size_t i = 0; i < k; i++) {
				buf[i] = pattern(sent + i, me);
			}
			n = send(fd, buf, k, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN) {
				return fail("send");
			}
			if (n > 0) {
				sent += (uint64_t)n;
			}
			if (sent == total && shutdown(fd, SHUT_WR)) {
				return fail("shutdown");
			}
		}
	}
	if (got != total) {
		fprintf(stderr, "vsock_xfer: received %llu bytes, want %llu\n",
			(unsigned long long)got, (unsigned long long)total);
		return 1;
	}
	printf("vsock_xfer: sent %llu, received %llu, pattern ok\n", (unsigned long long)sent,
	       (unsigned long long)got);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK };
	int fd, c;

	if (argc == 4 && !strcmp(argv[1], "listen")) {
		a.svm_cid = VMADDR_CID_ANY;
		a.svm_port = (unsigned int)strtoul(argv[2], NULL, 0);
		fd = socket(AF_VSOCK, SOCK_STREAM, 0);
		if (fd < 0) {
			return fail("socket");
		}
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1)) {
			return fail("bind/listen");
		}
		printf("vsock_xfer: listening on port %u\n", a.svm_port);
		fflush(stdout);
		c = accept(fd, NULL, NULL);
		if (c < 0) {
			return fail("accept");
		}
		return xfer(c, strtoull(argv[3], NULL, 0), 0);
	}
	if (argc == 5 && !strcmp(argv[1], "connect")) {
		a.svm_cid = (unsigned int)strtoul(argv[2], NULL, 0);
		a.svm_port = (unsigned int)strtoul(argv[3], NULL, 0);
		for (int tries = 0;; tries++) {
			fd = socket(AF_VSOCK, SOCK_STREAM, 0);
			if (fd < 0) {
				return fail("socket");
			}
			if (!connect(fd, (struct sockaddr *)&a, sizeof(a))) {
				break;
			}
			if (tries == 300) {
				return fail("connect");
			}
			close(fd);
			nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
		}
		return xfer(fd, strtoull(argv[4], NULL, 0), 1);
	}
	fprintf(stderr, "usage: vsock_xfer listen PORT BYTES | connect CID PORT BYTES\n");
	return 2;
}
