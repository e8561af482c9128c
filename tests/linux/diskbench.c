// SPDX-License-Identifier: MIT
/*
 * diskbench PATH MODE MIB [SECONDS]: one disk workload with O_DIRECT, the
 * same binary in the guest (on /dev/vdX, through hotvm's virtio-blk) and
 * in the test host (on the image file itself: the ceiling).
 *   seqwrite  MIB MiB in 1 MiB writes, then fdatasync
 *   seqread   MIB MiB in 1 MiB reads
 *   randread  4 KiB reads at random 4 KiB-aligned offsets within MIB MiB,
 *             one at a time, for SECONDS (default 5)
 * Prints "BENCH disk mode=MODE bytes=N ns=T ops=K" on success, exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	fprintf(stderr, "diskbench: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	const char *mode;
	uint64_t size, t0, t, bytes = 0, ops = 0, seconds, x = 88172645463325252ull;
	unsigned char *buf;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: diskbench PATH seqwrite|seqread|randread MIB [SECONDS]\n");
		return 2;
	}
	mode = argv[2];
	size = strtoull(argv[3], NULL, 10) << 20;
	seconds = argc > 4 ? strtoull(argv[4], NULL, 10) : 5;
	if (posix_memalign((void **)&buf, 4096, 1 << 20)) {
		return die("posix_memalign");
	}
	memset(buf, 0x5a, 1 << 20);
	fd = open(argv[1], (strcmp(mode, "seqwrite") ? O_RDONLY : O_WRONLY) | O_DIRECT);
	if (fd < 0) {
		return die(argv[1]);
	}
	t0 = now();
	if (!strcmp(mode, "seqwrite") || !strcmp(mode, "seqread")) {
		int w = !strcmp(mode, "seqwrite");

		for (uint64_t off = 0; off < size; off += 1 << 20) {
			ssize_t n = w ? pwrite(fd, buf, 1 << 20, (off_t)off)
				      : pread(fd, buf, 1 << 20, (off_t)off);

			if (n != 1 << 20) {
				return die(w ? "pwrite" : "pread");
			}
			bytes += (uint64_t)n;
			ops++;
		}
		if (w && fdatasync(fd)) {
			return die("fdatasync");
		}
	} else if (!strcmp(mode, "randread")) {
		uint64_t end = t0 + seconds * 1000000000ull, blocks = size / 4096;

		while (now() < end) {
			for (int i = 0; i < 64; i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				if (pread(fd, buf, 4096, (off_t)(x % blocks * 4096)) != 4096) {
					return die("pread");
				}
				bytes += 4096;
				ops++;
			}
		}
	} else {
		fprintf(stderr, "diskbench: unknown mode %s\n", mode);
		return 2;
	}
	t = now() - t0;
	printf("BENCH disk mode=%s bytes=%llu ns=%llu ops=%llu\n", mode, (unsigned long long)bytes,
	       (unsigned long long)t, (unsigned long long)ops);
	return 0;
}
