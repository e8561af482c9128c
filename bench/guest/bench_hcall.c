// SPDX-License-Identifier: MIT
/*
 * Hypercall round trip, timed in the guest with the virtual counter:
 * PSCI_VERSION, AFFINITY_INFO (of CPU 0, level 0) and CPU_ON of the
 * calling CPU (ALREADY_ON), which hotvm answers in userspace unless it runs
 * with --psci=kernel, and SMCCC_VERSION, which KVM always answers.
 *
 * Command line: n=N samples per call (default 2000), after 50 warm-up
 * calls each; the calls take turns so that they share the same noise.
 * Prints a "BENCH dist hcall.<label>.<CALL>" line per call and a
 * "BENCH calls psci=<label>" line with how many of each it made in all,
 * which tools/bench matches against hotvm's own count (HOTVM_STATS=1).
 * The label is "user" or "kernel" (hotvm.psci=), or bench.label=LABEL's
 * (bench/cases/bench_floor.sh: "floor" for bench/floor/floor.c, "noseccomp"
 * for hotvm --seccomp=off). bench.only=CALL makes only that call (the
 * others print n=0): bench_floor.sh counts system calls per PSCI_VERSION so.
 */
#include "bench.h"

#define NCALLS 4
#define WARMUP 50
#define MAX_SAMPLES 20000

struct call {
	const char *name;
	uint32_t fid;
	uint64_t a1, a2, a3;
	uint64_t calls, bad;
	int64_t want;		/* or, for the versions, the lowest allowed */
	bool at_least;
};

static uint64_t samples[NCALLS][MAX_SAMPLES];

/* @name is the word at @arg (up to a space or the end), or there is no @arg */
static bool selected(const char *arg, const char *name)
{
	size_t l = strlen(name);

	return !arg || (!strncmp(arg, name, l) && (arg[l] == ' ' || arg[l] == '\0'));
}

static bool answer_ok(const struct call *c, uint64_t x0)
{
	int64_t r = r32(x0);

	return c->at_least ? r >= c->want : r == c->want;
}

int guest_main(void)
{
	unsigned int n = bootarg_u64("n", 2000), i, k;
	const char *label = bootarg("bench.label"), *only = bootarg("bench.only");
	char mode[24];
	struct call calls[NCALLS] = {
		{ "PSCI_VERSION", PSCI_VERSION, 0, 0, 0, 0, 0, 0x10000, true },
		{ "AFFINITY_INFO", PSCI_AFFINITY_INFO64, 0, 0, 0, 0, 0, AFF_ON, false },
		{ "CPU_ON_ALREADY_ON", PSCI_CPU_ON64, 0, 0, 0, 0, 0, PSCI_ALREADY_ON, false },
		{ "SMCCC_VERSION", SMCCC_VERSION, 0, 0, 0, 0, 0, 0x10001, true },
	};
	char what[64];

	if (strcmp(plat.psci_method, "hvc"))
		fail_fatal("PSCI method is '%s', the benchmark uses HVC", plat.psci_method);
	if (n > MAX_SAMPLES)
		n = MAX_SAMPLES;
	snprintf(mode, sizeof(mode), "%s", plat.kernel_psci ? "kernel" : "user");
	for (k = 0; label && label[k] && label[k] != ' ' && k + 1 < sizeof(mode); k++)
		mode[k] = label[k];
	if (label && k)
		mode[k] = '\0';
	calls[1].a1 = cpu_mpidr(0);
	calls[2].a1 = cpu_mpidr(0);
	calls[2].a2 = (uint64_t)(uintptr_t)guest_entry;
	for (i = 0; i < WARMUP + n; i++) {
		for (k = 0; k < NCALLS; k++) {
			struct call *c = &calls[k];
			struct timed_res r;

			if (!selected(only, c->name))
				continue;
			r = bench_hvc(c->fid, c->a1, c->a2, c->a3);
			c->calls++;
			if (!answer_ok(c, r.x0))
				c->bad++;
			if (i >= WARMUP)
				samples[k][i - WARMUP] = r.t1 - r.t0;
		}
	}
	for (k = 0; k < NCALLS; k++) {
		expect_eq(calls[k].bad, 0, "%s: all %lu answers as expected", calls[k].name,
			  calls[k].calls);
		snprintf(what, sizeof(what), "hcall.%s.%s", mode, calls[k].name);
		bench_dist(what, samples[k], calls[k].calls ? n : 0);
	}
	printf("BENCH calls psci=%s", mode);
	for (k = 0; k < NCALLS; k++)
		printf(" 0x%08x=%lu", calls[k].fid, calls[k].calls);
	printf("\n");
	bench_hold();
	return 0;
}
