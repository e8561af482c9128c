// SPDX-License-Identifier: MIT
/* vhost-net and vhost-vsock ioctls (see vhost.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/vhost.h>

#include "kvm/sys.h"
#include "kvm/vhost.h"

int vhost_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0) {
		return -errno;
	}
	if (kvm_ioctl(fd, VHOST_SET_OWNER, NULL) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int vhost_get_features(int fd, uint64_t *features)
{
	__u64 f;

	if (kvm_ioctl(fd, VHOST_GET_FEATURES, &f) < 0) {
		return -errno;
	}
	*features = f;
	return 0;
}

int vhost_set_features(int fd, uint64_t features)
{
	__u64 f = features;

	return kvm_ioctl(fd, VHOST_SET_FEATURES, &f) < 0 ? -errno : 0;
}

int vhost_set_mem(int fd, uint64_t gpa, uint64_t size, void *hva)
{
	struct vhost_memory *m = calloc(1, sizeof(*m) + sizeof(m->regions[0]));
	int ret;

	if (!m) {
		return -ENOMEM;
	}
	m->nregions = 1;
	m->regions[0].guest_phys_addr = gpa;
	m->regions[0].memory_size = size;
	m->regions[0].userspace_addr = (uintptr_t)hva;
	ret = kvm_ioctl(fd, VHOST_SET_MEM_TABLE, m) < 0 ? -errno : 0;
	free(m);
	return ret;
}

int vhost_set_ring(int fd, unsigned int idx, const struct vhost_ring_cfg *r)
{
	struct vhost_vring_state num = { .index = idx, .num = r->num };
	struct vhost_vring_state base = { .index = idx, .num = 0 };
	struct vhost_vring_addr addr = {
		.index = idx,
		.desc_user_addr = (uintptr_t)r->desc,
		.avail_user_addr = (uintptr_t)r->avail,
		.used_user_addr = (uintptr_t)r->used,
	};
	struct vhost_vring_file kick = { .index = idx, .fd = r->kick };
	struct vhost_vring_file call = { .index = idx, .fd = r->call };

	if (kvm_ioctl(fd, VHOST_SET_VRING_NUM, &num) < 0 ||
	    kvm_ioctl(fd, VHOST_SET_VRING_BASE, &base) < 0 ||
	    kvm_ioctl(fd, VHOST_SET_VRING_ADDR, &addr) < 0 ||
	    kvm_ioctl(fd, VHOST_SET_VRING_KICK, &kick) < 0 ||
	    kvm_ioctl(fd, VHOST_SET_VRING_CALL, &call) < 0) {
		return -errno;
	}
	return 0;
}

int vhost_get_ring_base(int fd, unsigned int idx, unsigned int *base)
{
	struct vhost_vring_state s = { .index = idx };

	if (kvm_ioctl(fd, VHOST_GET_VRING_BASE, &s) < 0) {
		return -errno;
	}
	*base = s.num;
	return 0;
}

int vhost_net_set_backend(int fd, unsigned int idx, int tap_fd)
{
	struct vhost_vring_file b = { .index = idx, .fd = tap_fd };

	return kvm_ioctl(fd, VHOST_NET_SET_BACKEND, &b) < 0 ? -errno : 0;
}

int vhost_vsock_set_cid(int fd, uint64_t cid)
{
	__u64 c = cid;

	return kvm_ioctl(fd, VHOST_VSOCK_SET_GUEST_CID, &c) < 0 ? -errno : 0;
}

int vhost_vsock_set_running(int fd, bool running)
{
	int on = running;

	return kvm_ioctl(fd, VHOST_VSOCK_SET_RUNNING, &on) < 0 ? -errno : 0;
}
