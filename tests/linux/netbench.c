// SPDX-License-Identifier: MIT
/*
 * netbench: TCP throughput, the same binary in the guest and in the test
 * host (so that the host's loopback gives the ceiling).
 *   netbench recv PORT         accept one connection, read to EOF, send
 *                              back the byte count (8 bytes), exit
 *   netbench send ADDR PORT MIB
 *                              connect, send MIB MiB, shut down the write
 *                              side, wait for the receiver's count; prints
 *                              "BENCH net bytes=N ns=T" (connect to the
 *                              count's arrival), exit 0 if the count matches
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int die(const char *what)
{
	fprintf(stderr, "netbench: %s: %s\n", what, strerror(errno));
	return 1;
}

static char buf[1 << 16];

static int recv_one(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0), c;
	uint64_t total = 0;
	ssize_t n;

	if (s < 0) {
		return die("socket");
	}
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 1)) {
		return die("bind/listen");
	}
	c = accept(s, NULL, NULL);
	if (c < 0) {
		return die("accept");
	}
	while ((n = read(c, buf, sizeof(buf))) > 0) {
		total += (uint64_t)n;
	}
	if (n < 0) {
		return die("read");
	}
	if (write(c, &total, sizeof(total)) != (ssize_t)sizeof(total)) {
		return die("write");
	}
	close(c);
	close(s);
	return 0;
}

static int send_one(const char *addr, int port, uint64_t mib)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	uint64_t t0, want = mib << 20, sent = 0, got = 0;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		return die("socket/address");
	}
	memset(buf, 0xa5, sizeof(buf));
	t0 = now();
	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		return die("connect");
	}
	while (sent < want) {
		ssize_t n = write(s, buf, sizeof(buf));

		if (n <= 0) {
			return die("write");
		}
		sent += (uint64_t)n;
	}
	shutdown(s, SHUT_WR);
	if (read(s, &got, sizeof(got)) != (ssize_t)sizeof(got)) {
		return die("read count");
	}
	printf("BENCH net bytes=%llu ns=%llu\n", (unsigned long long)got,
	       (unsigned long long)(now() - t0));
	return got == sent ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "recv")) {
		return recv_one(atoi(argv[2]));
	}
	if (argc == 5 && !strcmp(argv[1], "send")) {
		return send_one(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
	}
	fprintf(stderr, "usage: netbench recv PORT | netbench send ADDR PORT MIB\n");
	return 2;
}
