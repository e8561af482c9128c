/* SPDX-License-Identifier: MIT */
/* What every unit-test program shares: run one Check suite, exit status. */
#ifndef HOTVM_UNIT_H
#define HOTVM_UNIT_H

#include <check.h>
#include <stdlib.h>

/* Run @s (forking per test, CK_NORMAL output); EXIT_FAILURE if any failed. */
static inline int unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
