// SPDX-License-Identifier: MIT
/*
 * perf_cycles: runs inside the Linux guest (tools/mkguestinitrd puts it in
 * /bin). Counts CPU cycles of a busy loop through perf_event_open
 * (PERF_COUNT_HW_CPU_CYCLES, the PMUv3 cycle counter) and prints
 * "cycles N instructions M"; exits 0 only if both counts are > 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

static int counter(uint64_t config)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = config;
	a.disabled = 1;
	a.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static int count(int fd, uint64_t *val)
{
	return read(fd, val, sizeof(*val)) == (ssize_t)sizeof(*val) ? 0 : -1;
}

int main(void)
{
	int cyc = counter(PERF_COUNT_HW_CPU_CYCLES);
	int ins = counter(PERF_COUNT_HW_INSTRUCTIONS);
	volatile uint64_t sink = 0;
	uint64_t c = 0, i = 0;

	if (cyc < 0 || ins < 0) {
		printf("perf_cycles: perf_event_open(%s): %s\n",
		       cyc < 0 ? "CPU_CYCLES" : "INSTRUCTIONS", strerror(errno));
		return 1;
	}
	ioctl(cyc, PERF_EVENT_IOC_ENABLE, 0);
	ioctl(ins, PERF_EVENT_IOC_ENABLE, 0);
	for (uint64_t n = 0; n < 10000000; n++) {
		sink += n;
	}
	ioctl(cyc, PERF_EVENT_IOC_DISABLE, 0);
	ioctl(ins, PERF_EVENT_IOC_DISABLE, 0);
	if (count(cyc, &c) || count(ins, &i)) {
		printf("perf_cycles: read: %s\n", strerror(errno));
		return 1;
	}
	printf("cycles %" PRIu64 " instructions %" PRIu64 "\n", c, i);
	return c > 0 && i > 0 ? 0 : 1;
}
