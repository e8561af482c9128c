// SPDX-License-Identifier: MIT
/* The test host's copy of tests/linux/netbench.c (the network bench's receiver and ceiling). */
#include "../linux/netbench.c"
