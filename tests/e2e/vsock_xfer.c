// SPDX-License-Identifier: MIT
/* The test host's side of e2e virtio_vsock: the guest's program (see there). */
#include "../linux/vsock_xfer.c"
