// SPDX-License-Identifier: MIT
/* Start-up and tear-down phase times (see phase.h). */
#include <inttypes.h>
#include <stdbool.h>
#include <time.h>

#include "lib/phase.h"

/* 0: not reached. Written once each, by whichever thread gets there first. */
static uint64_t marks[PHASE_COUNT];

static const char *const names[PHASE_COUNT] = {
	[PHASE_START] = "start",	 [PHASE_CONFIG] = "config",
	[PHASE_VM] = "vm",		 [PHASE_RAM] = "ram",
	[PHASE_IMAGES] = "images",	 [PHASE_VCPUS] = "vcpus",
	[PHASE_CPUS] = "cpus",
	[PHASE_DTB] = "dtb",		 [PHASE_DEVICES] = "devices",
	[PHASE_LOADED] = "loaded",	 [PHASE_THREADS] = "threads",
	[PHASE_POWERON] = "poweron",	 [PHASE_RUN] = "run",
	[PHASE_HCALL] = "hcall",	 [PHASE_STOP] = "stop",
	[PHASE_PARKED] = "parked",	 [PHASE_JOINED] = "joined",
	[PHASE_VMCLOSED] = "vmclosed",	 [PHASE_END] = "end",
};

const char *phase_name(enum phase p)
{
	return (unsigned int)p < PHASE_COUNT ? names[p] : "?";
}

void phase_mark_at(enum phase p, uint64_t ns)
{
	uint64_t none = 0;

	if ((unsigned int)p >= PHASE_COUNT || !ns) {
		return;
	}
	__atomic_compare_exchange_n(&marks[p], &none, ns, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
}

void phase_mark(enum phase p)
{
	struct timespec ts;

	/* Cheap when already marked: vCPU threads call it on every exit. */
	if ((unsigned int)p >= PHASE_COUNT || __atomic_load_n(&marks[p], __ATOMIC_RELAXED)) {
		return;
	}

	clock_gettime(CLOCK_MONOTONIC, &ts);
	phase_mark_at(p, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

int64_t phase_ns(enum phase p)
{
	uint64_t t0 = __atomic_load_n(&marks[PHASE_START], __ATOMIC_RELAXED);
	uint64_t t;

	if ((unsigned int)p >= PHASE_COUNT || !t0) {
		return -1;
	}
	t = __atomic_load_n(&marks[p], __ATOMIC_RELAXED);
	return t ? (int64_t)(t - t0) : -1;
}

void phase_clear(void)
{
	for (unsigned int i = 0; i < PHASE_COUNT; i++) {
		__atomic_store_n(&marks[i], 0, __ATOMIC_RELAXED);
	}
}

void phase_print(FILE *out)
{
	for (unsigned int i = 0; i < PHASE_COUNT; i++) {
		int64_t ns = phase_ns((enum phase)i);

		if (ns < 0) {
			continue;
		}
		fprintf(out, "hotvm-stats: what=phase name=%s ms=%" PRId64 ".%03" PRId64, names[i],
			ns / 1000000, ns / 1000 % 1000);
		if (i == PHASE_START) {
			fprintf(out, " mono_ms=%" PRIu64 ".%03" PRIu64, marks[i] / 1000000,
				marks[i] / 1000 % 1000);
		}
		fputc('\n', out);
	}
}
