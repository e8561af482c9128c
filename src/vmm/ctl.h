/* SPDX-License-Identifier: MIT */
/* hotvm ctl: the control API client (src/vmm/ctl.c). */
#ifndef HOTVM_CTL_H
#define HOTVM_CTL_H

/* argv[0] is "ctl"; returns the process exit status. */
int ctl_main(int argc, char **argv);

#endif
