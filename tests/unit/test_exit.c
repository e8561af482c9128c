// SPDX-License-Identifier: MIT
/*
 * What a vCPU thread does after an exit, as pure functions fed made-up
 * exits and firmware fates (src/lib/exit.c).
 */
#include "unit.h"
#include "lib/exit.h"

static const struct exit_policy user = { .psci_user = true };
static const struct exit_policy user_exit = { .psci_user = true, .reboot_exit = true };
static const struct exit_policy kern = { .psci_user = false };

static enum exit_action decide(enum exit_type t, const struct exit_policy *p)
{
	struct exit_info e = { .type = t };

	return exit_decide(&e, p);
}

START_TEST(test_decide)
{
	ck_assert_int_eq(decide(EXIT_INTR, &user), ACT_CHECK);
	ck_assert_int_eq(decide(EXIT_HYPERCALL, &user), ACT_HYPERCALL);
	/* without the filter nothing may be forwarded */
	ck_assert_int_eq(decide(EXIT_HYPERCALL, &kern), ACT_FATAL);
	ck_assert_int_eq(decide(EXIT_MMIO, &kern), ACT_MMIO);
	ck_assert_int_eq(decide(EXIT_SHUTDOWN, &kern), ACT_POWEROFF);
	ck_assert_int_eq(decide(EXIT_RESET, &kern), ACT_REBOOT);
	ck_assert_int_eq(decide(EXIT_RESET, &user_exit), ACT_POWEROFF);
	ck_assert_int_eq(decide(EXIT_WAKEUP, &user), ACT_WAKE);
	ck_assert_int_eq(decide(EXIT_SUSPEND, &user), ACT_CONTINUE);
	ck_assert_int_eq(decide(EXIT_CRASH, &user), ACT_FATAL);
	ck_assert_int_eq(decide(EXIT_FAIL_ENTRY, &user), ACT_FATAL);
	ck_assert_int_eq(decide(EXIT_INTERNAL, &user), ACT_FATAL);
	ck_assert_int_eq(decide(EXIT_OTHER, &user), ACT_FATAL);
}
END_TEST

START_TEST(test_fate)
{
	ck_assert_int_eq(exit_fate(FW_FATE_RETURN, &user), ACT_CONTINUE);
	ck_assert_int_eq(exit_fate(FW_FATE_OFF, &user), ACT_PARK);
	ck_assert_int_eq(exit_fate(FW_FATE_SUSPEND, &user), ACT_SUSPEND);
	ck_assert_int_eq(exit_fate(FW_FATE_SYSTEM_OFF, &user), ACT_POWEROFF);
	ck_assert_int_eq(exit_fate(FW_FATE_SYSTEM_OFF, &user_exit), ACT_POWEROFF);
	ck_assert_int_eq(exit_fate(FW_FATE_SYSTEM_RESET, &user), ACT_REBOOT);
	/* --reboot=exit: a guest reset ends hotvm with status 0 */
	ck_assert_int_eq(exit_fate(FW_FATE_SYSTEM_RESET, &user_exit), ACT_POWEROFF);
	ck_assert_int_eq(exit_fate(FW_FATE_ABORT, &user), ACT_FATAL);
	ck_assert_int_eq(exit_fate((enum fw_fate)99, &user), ACT_FATAL);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(exit_name(3), "HYPERCALL");
	ck_assert_str_eq(exit_name(24), "SYSTEM_EVENT");
	ck_assert_str_eq(exit_name(13), "?");
	ck_assert_str_eq(exit_name(100000), "?");
}
END_TEST

static Suite *exit_suite(void)
{
	Suite *s = suite_create("exit");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_decide);
	tcase_add_test(tc, test_fate);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(exit_suite());
}
