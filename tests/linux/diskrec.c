// SPDX-License-Identifier: MIT
/*
 * diskrec: numbered records on a disk, for e2e virtio_blk_kill (kill -9 of
 * hotvm under guest disk load). Static arm64: it runs in the Linux guest
 * (tools/mkguestroot puts it in the root disk's /bin) and in the test host
 * ($T/linux/rootfs/bin/diskrec).
 *
 *   diskrec write FILE START SLOTS BATCH
 *     In the guest: write records START, START+1, ... for ever, record N
 *     (4096 bytes, its content a function of N) at slot (N-1) % SLOTS of
 *     FILE; after every BATCH records fsync(FILE) and then print
 *     "T: synced N" (N: the last record written): everything up to N is
 *     on the disk when that line appears.
 *   diskrec check FILE LAST SLOTS
 *     In the test host, on the image after the kill: records
 *     max(1, LAST-SLOTS/2+1) .. LAST are each intact at their slot. Prints
 *     the count, or the first bad record, and exits 1 if one is bad. (Only
 *     half the slots: records written after LAST, not yet synced when the
 *     kill came or synced but not yet seen on the console, overwrite the
 *     oldest slots; SLOTS/2 leaves room for that many.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REC 4096
#define MAGIC 0x6469736b72656321ull /* "diskrec!" */

/* record @n: MAGIC, n, then splitmix64 of (n, word index) */
static void rec_fill(uint64_t *w, uint64_t n)
{
	w[0] = MAGIC;
	w[1] = n;
	for (unsigned int i = 2; i < REC / 8; i++) {
		uint64_t z = n * 0x9e3779b97f4a7c15ull + i;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		w[i] = z ^ (z >> 31);
	}
}

static uint64_t num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "diskrec: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static int do_write(const char *path, uint64_t start, uint64_t slots, uint64_t batch)
{
	static uint64_t w[REC / 8];
	int fd = open(path, O_RDWR | O_CREAT, 0644);

	if (fd < 0) {
		printf("T: FAIL open %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("T: writing from record %llu\n", (unsigned long long)start);
	fflush(stdout);
	for (uint64_t n = start;; n++) {
		rec_fill(w, n);
		if (pwrite(fd, w, REC, (off_t)(((n - 1) % slots) * REC)) != REC) {
			printf("T: FAIL write record %llu: %s\n", (unsigned long long)n,
			       strerror(errno));
			return 1;
		}
		if ((n - start + 1) % batch == 0) {
			if (fsync(fd) < 0) {
				printf("T: FAIL fsync: %s\n", strerror(errno));
				return 1;
			}
			printf("T: synced %llu\n", (unsigned long long)n);
			fflush(stdout);
		}
	}
}

static int do_check(const char *path, uint64_t last, uint64_t slots)
{
	static uint64_t want[REC / 8], got[REC / 8];
	uint64_t first = last > slots / 2 ? last - slots / 2 + 1 : 1, n;
	int fd = open(path, O_RDONLY);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		printf("diskrec: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (n = first; n <= last; n++) {
		ssize_t r = pread(fd, got, REC, (off_t)(((n - 1) % slots) * REC));

		rec_fill(want, n);
		if (r != REC || memcmp(want, got, REC)) {
			printf("diskrec: record %llu (slot %llu) is %s: %s holds %lld bytes; "
			       "records %llu..%llu were synced\n",
			       (unsigned long long)n, (unsigned long long)((n - 1) % slots),
			       r != REC ? "missing" : "wrong", path, (long long)st.st_size,
			       (unsigned long long)first, (unsigned long long)last);
			if (r == REC) {
				printf("diskrec: it holds magic %#llx record %llu\n",
				       (unsigned long long)got[0], (unsigned long long)got[1]);
			}
			return 1;
		}
	}
	printf("diskrec: records %llu..%llu intact (%llu records, file %lld bytes)\n",
	       (unsigned long long)first, (unsigned long long)last,
	       (unsigned long long)(last - first + 1), (long long)st.st_size);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 6 && !strcmp(argv[1], "write")) {
		uint64_t start = num(argv[3], "START"), slots = num(argv[4], "SLOTS");
		uint64_t batch = num(argv[5], "BATCH");

		if (start < 1 || slots < 1 || batch < 1) {
			fprintf(stderr, "diskrec: START, SLOTS and BATCH must be >= 1\n");
			return 2;
		}
		return do_write(argv[2], start, slots, batch);
	}
	if (argc == 5 && !strcmp(argv[1], "check")) {
		uint64_t last = num(argv[3], "LAST"), slots = num(argv[4], "SLOTS");

		if (slots < 2) {
			fprintf(stderr, "diskrec: SLOTS must be >= 2\n");
			return 2;
		}
		return last ? do_check(argv[2], last, slots) : 0;
	}
	fprintf(stderr, "usage: diskrec write FILE START SLOTS BATCH | check FILE LAST SLOTS\n");
	return 2;
}
