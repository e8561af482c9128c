// SPDX-License-Identifier: MIT
/*
 * Concurrent CPU_ON of one target: every CPU but the last calls CPU_ON of
 * the last CPU at the same moment; exactly one must get SUCCESS and the
 * others ALREADY_ON (never ON_PENDING, never two SUCCESSes). Repeated
 * rounds=N times (default 200). Needs >= 3 CPUs.
 */
#include "guest.h"

static struct barrier bar;
static volatile uint64_t round_ctx, n_success, n_already, n_other, n_reported;
static volatile uint64_t target_runs, target_bad_ctx, other_val, quit;
static unsigned int racers, target;

static void target_fn(unsigned int cpu, uint64_t arg)
{
	(void)arg;
	if (percpu[cpu].entry_ctx != round_ctx)
		atomic_inc(&target_bad_ctx);
	atomic_inc(&target_runs);
	/* stay on until every racer has its answer: a second CPU_ON after
	 * our CPU_OFF would rightly succeed */
	while (load_acquire(&n_reported) < racers)
		cpu_relax();
}

static void race_once(void)
{
	int64_t r = psci3(PSCI_CPU_ON64, cpu_mpidr(target),
			  (uint64_t)(uintptr_t)guest_entry, round_ctx);

	if (r == PSCI_SUCCESS) {
		atomic_inc(&n_success);
	} else if (r == PSCI_ALREADY_ON) {
		atomic_inc(&n_already);
	} else {
		other_val = (uint64_t)r;
		atomic_inc(&n_other);
	}
	atomic_inc(&n_reported);
}

static void racer_fn(unsigned int cpu, uint64_t arg)
{
	(void)cpu;
	(void)arg;
	for (;;) {
		if (!barrier_wait(&bar, racers, 20000) || quit)
			return;
		race_once();
		/* CPU 0 checks and prepares the next round */
		if (!barrier_wait(&bar, racers, 20000) || quit)
			return;
	}
}

int guest_main(void)
{
	unsigned int rounds = bootarg_u64("rounds", 200), r, i;
	unsigned int bad_rounds = 0, timeouts = 0;
	uint64_t t0;

	if (plat.ncpus < 3)
		fail_fatal("needs at least 3 CPUs");
	target = plat.ncpus - 1;
	racers = plat.ncpus - 1;
	for (i = 1; i < target; i++)
		expect_eq(cpu_on(i, racer_fn, 0), PSCI_SUCCESS,
			  "CPU_ON(cpu %u), a racer", i);
	percpu[target].fn = target_fn;
	t0 = now_ns();
	for (r = 0; r < rounds; r++) {
		uint64_t runs = target_runs;

		round_ctx = make_ctx(target, CTX_START);
		percpu[target].expect_ctx = round_ctx;
		n_success = n_already = n_other = n_reported = 0;
		mb();
		if (!barrier_wait(&bar, racers, 20000)) {
			timeouts++;
			break;
		}
		race_once();
		while (load_acquire(&n_reported) < racers)
			cpu_relax();
		if (n_success != 1 || n_already != racers - 1 || n_other) {
			if (bad_rounds++ < 5)
				note("round %u: %lu SUCCESS, %lu ALREADY_ON, %lu other (last %ld)",
				     r, n_success, n_already, n_other,
				     (int64_t)other_val);
		}
		if (!wait_affinity(target, AFF_OFF, 5000)) {
			timeouts++;
			note("round %u: target not OFF after 5 s", r);
			break;
		}
		if (target_runs != runs + n_success) {
			if (bad_rounds++ < 5)
				note("round %u: target ran %lu times for %lu SUCCESS",
				     r, target_runs - runs, n_success);
		}
		if (r + 1 == rounds)
			quit = 1;
		mb();
		if (!barrier_wait(&bar, racers, 20000)) {
			timeouts++;
			break;
		}
	}
	note("%u rounds of %u racers in %lu ms", r, racers,
	     (now_ns() - t0) / 1000000);
	expect_eq(timeouts, 0, "no round timed out");
	expect_eq(bad_rounds, 0,
		  "%u rounds: exactly one SUCCESS and %u ALREADY_ON each", rounds,
		  racers - 1);
	expect_eq(target_runs, rounds, "the target started once per round");
	expect_eq(target_bad_ctx, 0, "the target always got the context ID");
	quit = 1;
	for (i = 1; i < target; i++)
		check(wait_affinity(i, AFF_OFF, 5000), "racer cpu %u is OFF", i);
	expect_eq(smccc_clobbers, 0, "x4-x17 preserved across %lu calls",
		  smccc_calls);
	return 0;
}
