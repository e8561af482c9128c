/* SPDX-License-Identifier: MIT */
/*
 * The kernel's vhost devices (/dev/vhost-net, /dev/vhost-vsock) for
 * virtio-net and virtio-vsock (src/kvm/vhost.c): they run a queue's data
 * path in the kernel over guest RAM, reading the queue's kick eventfd and
 * signalling its call eventfd. Every function returns 0 (or a
 * non-negative value) or -errno and prints nothing.
 */
#ifndef HOTVM_KVM_VHOST_H
#define HOTVM_KVM_VHOST_H

#include <stdbool.h>
#include <stdint.h>

/* One vring as vhost sees it: host virtual addresses of the ring parts. */
struct vhost_ring_cfg {
	unsigned int num;
	void *desc, *avail, *used;
	int kick; /* eventfd vhost waits on (the queue's ioeventfd) */
	int call; /* eventfd vhost signals on used buffers */
};

/* Open @path and make this process its owner (VHOST_SET_OWNER): the fd, or -errno. */
int vhost_open(const char *path);
int vhost_get_features(int fd, uint64_t *features);
int vhost_set_features(int fd, uint64_t features);
/* VHOST_SET_MEM_TABLE with one region: guest physical @gpa, @size bytes at @hva. */
int vhost_set_mem(int fd, uint64_t gpa, uint64_t size, void *hva);
/* Vring @idx: VHOST_SET_VRING_NUM, BASE (0), ADDR, KICK and CALL. */
int vhost_set_ring(int fd, unsigned int idx, const struct vhost_ring_cfg *r);
/* VHOST_GET_VRING_BASE: stops vring @idx; its next available index to @base. */
int vhost_get_ring_base(int fd, unsigned int idx, unsigned int *base);
/* VHOST_NET_SET_BACKEND: vring @idx sends to / receives from tap @tap_fd (-1: none). */
int vhost_net_set_backend(int fd, unsigned int idx, int tap_fd);
/* VHOST_VSOCK_SET_GUEST_CID (-EADDRINUSE: another VM has it). */
int vhost_vsock_set_cid(int fd, uint64_t cid);
/* VHOST_VSOCK_SET_RUNNING. */
int vhost_vsock_set_running(int fd, bool running);

#endif
