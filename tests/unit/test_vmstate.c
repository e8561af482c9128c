// SPDX-License-Identifier: MIT
/*
 * The VM state machine (src/lib/vmstate.c): a stop always beats a reset,
 * no request is lost, and none is acknowledged without being carried out.
 */
#include "unit.h"
#include "lib/vmstate.h"

static struct vmstate S;

static void start(void)
{
	vmstate_init(&S);
	ck_assert_int_eq(S.state, VM_RUNNING);
}

START_TEST(test_poweroff)
{
	start();
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_POWEROFF), VM_TAKEN);
	ck_assert_int_eq(S.state, VM_STOPPING);
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_POWEROFF), VM_MERGED);
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_PARKED), VM_TAKEN);
	ck_assert_int_eq(S.state, VM_OFF);
	ck_assert_int_eq(S.status, 0);
	/* OFF is final */
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_RESET), VM_REFUSED);
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_FAIL), VM_REFUSED);
	ck_assert_int_eq(S.status, 0);
}
END_TEST

START_TEST(test_fail_overrides_poweroff)
{
	start();
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_POWEROFF), VM_TAKEN);
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_FAIL), VM_MERGED);
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_POWEROFF), VM_MERGED);
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_PARKED), VM_TAKEN);
	ck_assert_int_eq(S.status, 1);
}
END_TEST

START_TEST(test_reset_cycle)
{
	int i;

	start();
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(vmstate_apply(&S, VM_EV_RESET), VM_TAKEN);
		ck_assert_int_eq(S.state, VM_RESETTING);
		/* a second reset before the first is carried out joins it */
		ck_assert_int_eq(vmstate_apply(&S, VM_EV_RESET), VM_MERGED);
		ck_assert_int_eq(vmstate_apply(&S, VM_EV_PARKED), VM_TAKEN);
		ck_assert(S.reloading);
		ck_assert_int_eq(vmstate_apply(&S, VM_EV_RESET), VM_MERGED);
		ck_assert_int_eq(vmstate_apply(&S, VM_EV_RELOADED), VM_TAKEN);
		ck_assert_int_eq(S.state, VM_RUNNING);
		ck_assert(!S.reloading);
	}
	/* nothing to report when running */
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_PARKED), VM_REFUSED);
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_RELOADED), VM_REFUSED);
	ck_assert_int_eq(S.state, VM_RUNNING);
}
END_TEST

/* Defect: a stop during the reload was overwritten and the guest rebooted. */
START_TEST(test_stop_during_reload)
{
	enum vm_event stop;

	for (stop = VM_EV_POWEROFF; stop <= VM_EV_FAIL; stop++) {
		start();
		ck_assert_int_eq(vmstate_apply(&S, VM_EV_RESET), VM_TAKEN);
		ck_assert_int_eq(vmstate_apply(&S, VM_EV_PARKED), VM_TAKEN);
		ck_assert(S.reloading);
		ck_assert_int_eq(vmstate_apply(&S, stop), VM_TAKEN);
		ck_assert_int_eq(S.state, VM_STOPPING);
		/* the reload in progress may not restart the guest */
		ck_assert_int_eq(vmstate_apply(&S, VM_EV_RELOADED), VM_TAKEN);
		ck_assert_int_eq(S.state, VM_STOPPING);
		ck_assert_int_eq(vmstate_apply(&S, VM_EV_RESET), VM_REFUSED);
		ck_assert_int_eq(vmstate_apply(&S, VM_EV_PARKED), VM_TAKEN);
		ck_assert_int_eq(S.state, VM_OFF);
		ck_assert_int_eq(S.status, stop == VM_EV_FAIL ? 1 : 0);
	}
}
END_TEST

/* A stop asked before the vCPUs even parked for the reset also wins. */
START_TEST(test_stop_beats_pending_reset)
{
	start();
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_RESET), VM_TAKEN);
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_FAIL), VM_TAKEN);
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_PARKED), VM_TAKEN);
	ck_assert_int_eq(S.state, VM_OFF);
	ck_assert_int_eq(S.status, 1);
}
END_TEST

START_TEST(test_reset_refused_while_stopping)
{
	start();
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_POWEROFF), VM_TAKEN);
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_RESET), VM_REFUSED);
	ck_assert_int_eq(S.state, VM_STOPPING);
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_PARKED), VM_TAKEN);
	ck_assert_int_eq(S.state, VM_OFF);
	ck_assert_int_eq(S.status, 0);
}
END_TEST

START_TEST(test_reload_failed)
{
	start();
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_RESET), VM_TAKEN);
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_PARKED), VM_TAKEN);
	ck_assert_int_eq(vmstate_apply(&S, VM_EV_RELOAD_FAILED), VM_TAKEN);
	ck_assert_int_eq(S.state, VM_OFF);
	ck_assert_int_eq(S.status, 1);
}
END_TEST

/*
 * Every sequence of up to 5 events from RUNNING: the machine never leaves
 * its states, OFF is final, a taken stop is never undone (the VM ends),
 * a taken reset is carried out unless a stop came after it, and the VM
 * hibernated exactly when the off that ended it was SYSTEM_OFF2's.
 */
#define NEVENTS (VM_EV_RELOAD_FAILED + 1)

START_TEST(test_exhaustive)
{
	unsigned int seq, n, len;

	for (len = 1; len <= 5; len++) {
		unsigned int total = 1;

		for (n = 0; n < len; n++) {
			total *= NEVENTS;
		}
		for (seq = 0; seq < total; seq++) {
			unsigned int x = seq;
			bool stop_taken = false, off_taken = false;
			bool want_hibernate = false;
			int want_status = -1;

			start();
			for (n = 0; n < len; n++) {
				enum vm_event ev = (enum vm_event)(x % NEVENTS);
				enum vm_state before = S.state;
				enum vm_answer a = vmstate_apply(&S, ev);

				x /= NEVENTS;
				ck_assert_int_le(S.state, VM_OFF);
				if (before == VM_OFF) {
					ck_assert_int_eq(a, VM_REFUSED);
					ck_assert_int_eq(S.state, VM_OFF);
				}
				if ((ev == VM_EV_POWEROFF || ev == VM_EV_HIBERNATE) && a == VM_TAKEN) {
					/* the first off taken says what it was */
					ck_assert(!off_taken);
					off_taken = true;
					want_hibernate = ev == VM_EV_HIBERNATE;
				}
				if ((ev == VM_EV_POWEROFF || ev == VM_EV_HIBERNATE || ev == VM_EV_FAIL) &&
				    a != VM_REFUSED) {
					stop_taken = true;
					if (ev == VM_EV_FAIL || want_status < 0) {
						want_status = ev == VM_EV_FAIL;
					}
				}
				if (stop_taken) {
					ck_assert(S.state == VM_STOPPING || S.state == VM_OFF);
				}
				if (ev == VM_EV_RELOAD_FAILED && a == VM_TAKEN) {
					/* an error: status 1, whatever was asked */
					stop_taken = true;
					want_status = 1;
				}
				if (ev == VM_EV_RESET && a != VM_REFUSED) {
					ck_assert_int_eq(S.state, VM_RESETTING);
				}
				ck_assert_int_eq(S.hibernate, want_hibernate);
			}
			if (stop_taken && S.state == VM_OFF) {
				ck_assert_int_eq(S.status, want_status);
			}
		}
	}
}
END_TEST

static Suite *vmstate_suite(void)
{
	Suite *s = suite_create("vmstate");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_poweroff);
	tcase_add_test(tc, test_fail_overrides_poweroff);
	tcase_add_test(tc, test_reset_cycle);
	tcase_add_test(tc, test_stop_during_reload);
	tcase_add_test(tc, test_stop_beats_pending_reset);
	tcase_add_test(tc, test_reset_refused_while_stopping);
	tcase_add_test(tc, test_reload_failed);
	tcase_add_test(tc, test_exhaustive);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(vmstate_suite());
}
