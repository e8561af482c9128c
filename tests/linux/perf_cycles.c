// SPDX-License-Identifier: MIT
/*
 * perf_cycles: runs inside the Linux guest (tools/mkguestinitrd puts it in
 * /bin). Counts the CPU cycles of a busy loop through perf_event_open
 * (PERF_COUNT_HW_CPU_CYCLES: the PMUv3 cycle counter) and prints
 * "cycles N"; exits 0 only if N > 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

int main(void)
{
	struct perf_event_attr a;
	volatile uint64_t sink = 0;
	uint64_t cycles = 0;
	int fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	a.disabled = 1;
	a.exclude_hv = 1;
	fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0) {
		printf("perf_cycles: perf_event_open(CPU_CYCLES): %s\n", strerror(errno));
		return 1;
	}
	if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
		printf("perf_cycles: enable: %s\n", strerror(errno));
		return 1;
	}
	for (uint64_t n = 0; n < 10000000; n++) {
		sink += n;
	}
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	if (read(fd, &cycles, sizeof(cycles)) != (ssize_t)sizeof(cycles)) {
		printf("perf_cycles: read: %s\n", strerror(errno));
		return 1;
	}
	printf("cycles %" PRIu64 "\n", cycles);
	return cycles > 0 ? 0 : 1;
}
