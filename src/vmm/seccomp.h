/* SPDX-License-Identifier: MIT */
/*
 * hotvm's seccomp allow-list (docs/seccomp.md). Installed once start-up is
 * done (every file open, every thread created) on all of hotvm's threads at
 * once (SECCOMP_FILTER_FLAG_TSYNC); any other system call kills the process
 * with SIGSYS.
 */
#ifndef HOTVM_SECCOMP_H
#define HOTVM_SECCOMP_H

#include <stdbool.h>

/* Install the filter on every thread; 0, or -errno with a message printed. */
int seccomp_install(void);

/*
 * Test hook: if HOTVM_SECCOMP_SELFTEST=1 is in the environment, call
 * openat() (refused with EACCES under the filter) and then socket(), which
 * the filter forbids. With the filter (@installed) hotvm dies with SIGSYS;
 * if socket() returns anyway, -EPERM is returned after a message. Without
 * the filter both calls succeed and 0 is returned.
 */
int seccomp_selftest(bool installed);

#endif
