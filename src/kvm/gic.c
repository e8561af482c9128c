// SPDX-License-Identifier: MIT
/* The in-kernel GICv3 (distributor + redistributors) and its ITS. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvm/kvm.h"
#include "kvm/sys.h"

static int create_device(struct kvm_vm *vm, uint32_t type)
{
	struct kvm_create_device dev = { .type = type };

	if (kvm_ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &dev) < 0) {
		return -errno;
	}
	return (int)dev.fd;
}

static int set_attr(int fd, uint32_t group, uint64_t attr, const void *addr)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uint64_t)(uintptr_t)addr,
	};

	return kvm_ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

/*
 * Create the vGICv3 with its distributor at @dist and the redistributor
 * frames of all vCPUs from @redist; @its non-zero adds an ITS there.
 * Call before creating vCPUs' PMUs, and gic_init() after all vCPUs exist.
 */
int gic_create(struct kvm_vm *vm, struct kvm_gic *gic, uint64_t dist, uint64_t redist,
	       uint64_t its)
{
	int ret;

	gic->fd = -1;
	gic->its_fd = -1;
	ret = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V3);
	if (ret < 0) {
		return ret;
	}
	gic->fd = ret;
	ret = set_attr(gic->fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &dist);
	if (!ret) {
		ret = set_attr(gic->fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
			       &redist);
	}
	if (!ret && its) {
		ret = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_ITS);
		if (ret >= 0) {
			gic->its_fd = ret;
			ret = set_attr(gic->its_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				       KVM_VGIC_ITS_ADDR_TYPE, &its);
		}
	}
	if (ret < 0) {
		gic_destroy(gic);
	}
	return ret < 0 ? ret : 0;
}

int gic_init(struct kvm_gic *gic)
{
	int ret = set_attr(gic->fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);

	if (!ret && gic->its_fd >= 0) {
		ret = set_attr(gic->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			       KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	}
	return ret;
}

void gic_destroy(struct kvm_gic *gic)
{
	if (gic->its_fd >= 0) {
		close(gic->its_fd);
	}
	if (gic->fd >= 0) {
		close(gic->fd);
	}
	gic->fd = -1;
	gic->its_fd = -1;
}
