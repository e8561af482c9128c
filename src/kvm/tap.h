/* SPDX-License-Identifier: MIT */
/*
 * Tap interfaces for virtio-net (src/kvm/tap.c): the ioctls on
 * /dev/net/tun and the interface's MTU. Like the rest of src/kvm, every
 * function returns 0 (or a non-negative value) or -errno and prints
 * nothing.
 */
#ifndef HOTVM_KVM_TAP_H
#define HOTVM_KVM_TAP_H

#include <stdbool.h>

/* Offloads the tap may hand us (TUNSETOFFLOAD's TUN_F_*, as hotvm's own bits). */
#define TAP_OFFLOAD_CSUM 1u /* partial checksums */
#define TAP_OFFLOAD_TSO4 2u
#define TAP_OFFLOAD_TSO6 4u

/*
 * Open /dev/net/tun and attach to (or create) tap @name ("" lets the
 * kernel name it) with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, with a
 * virtio-net header of @hdr_len bytes in front of every frame
 * (TUNSETVNETHDRSZ); @nonblock sets O_NONBLOCK. The interface's name goes
 * to @ifname (16 bytes). The fd, or -errno.
 */
int tap_open(const char *name, int hdr_len, bool nonblock, char *ifname);
/* TUNSETOFFLOAD with TAP_OFFLOAD_* @flags. */
int tap_set_offload(int fd, unsigned int flags);
/* The MTU of interface @ifname (SIOCGIFMTU), or -errno. */
int tap_mtu(const char *ifname);

#endif
