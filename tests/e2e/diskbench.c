// SPDX-License-Identifier: MIT
/* The test host's copy of tests/linux/diskbench.c (the disk bench's ceiling). */
#include "../linux/diskbench.c"
