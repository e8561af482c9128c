/* SPDX-License-Identifier: MIT */
/*
 * Start-up and tear-down phases of `hotvm run`, timed for HOTVM_STATS=1.
 *
 * phase_mark() records the first time a phase is reached (CLOCK_MONOTONIC;
 * any thread; later marks of the same phase are ignored), phase_print()
 * writes one line per phase reached, in order, with the milliseconds since
 * PHASE_START:
 *   hotvm-stats: what=phase name=NAME ms=MS
 * PHASE_START's line also carries the absolute time (mono_ms=, the
 * host's CLOCK_MONOTONIC, which is the uptime of a host that never
 * suspended), so that a caller can tell what came before main().
 */
#ifndef HOTVM_PHASE_H
#define HOTVM_PHASE_H

#include <stdint.h>
#include <stdio.h>

enum phase {
	PHASE_START,	/* main() entered */
	PHASE_CONFIG,	/* command line parsed */
	PHASE_VM,	/* /dev/kvm opened, VM created */
	PHASE_RAM,	/* guest RAM mapped and given to KVM */
	PHASE_IMAGES,	/* kernel/initrd opened, RAM laid out */
	PHASE_VCPUS,	/* vGIC device and every vCPU created */
	PHASE_CPUS,	/* vGIC initialised, its reset state saved (gic_init) */
	PHASE_DTB,	/* firmware set up, DT built */
	PHASE_DEVICES,	/* devices created */
	PHASE_LOADED,	/* kernel, initrd, DTB in guest RAM */
	PHASE_THREADS,	/* threads started, seccomp installed */
	PHASE_POWERON,	/* the boot vCPU told to start */
	PHASE_RUN,	/* the first KVM_RUN: the guest's first instruction */
	PHASE_HCALL,	/* the first hypercall forwarded to hotvm (--psci=user) */
	PHASE_STOP,	/* the guest's power-off (or another stop) taken */
	PHASE_PARKED,	/* every vCPU out of KVM_RUN */
	PHASE_JOINED,	/* every thread joined */
	PHASE_VMCLOSED,	/* devices, vCPUs and VM closed */
	PHASE_END,	/* all released: vmm_run() returns */
	PHASE_COUNT
};

/* The phase's name in phase_print()'s lines ("start", "config", ...). */
const char *phase_name(enum phase p);
/* Record now as @p's time, unless @p was recorded already. */
void phase_mark(enum phase p);
/* Record @ns (CLOCK_MONOTONIC) as @p's time, unless already recorded. */
void phase_mark_at(enum phase p, uint64_t ns);
/* Nanoseconds from PHASE_START to @p; -1 if either was not reached. */
int64_t phase_ns(enum phase p);
/* Forget every mark (tests). */
void phase_clear(void);
/* The lines described above, for the phases reached. */
void phase_print(FILE *out);

#endif
