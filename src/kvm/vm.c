// SPDX-License-Identifier: MIT
/* The KVM system and VM file descriptors, guest memory and the SMCCC filter. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvm/kvm.h"
#include "kvm/sys.h"

_Thread_local uint64_t kvm_thread_ioctls;

uint64_t kvm_ioctls(void)
{
	return kvm_thread_ioctls;
}

int vm_open(struct kvm_vm *vm, const char *dev)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->vm_fd = -1;
	vm->sys_fd = open(dev ? dev : "/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0) {
		return -errno;
	}
	ret = kvm_ioctl(vm->sys_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		ret = ret < 0 ? -errno : -ENOTSUP;
		goto fail;
	}
	ret = kvm_ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret <= 0) {
		ret = ret < 0 ? -errno : -EINVAL;
		goto fail;
	}
	vm->run_size = (size_t)ret;
	/* Type 0: the default IPA size (40 bits), plenty for hotvm's map. */
	do {
		vm->vm_fd = kvm_ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	} while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0) {
		ret = -errno;
		goto fail;
	}
	return 0;
fail:
	close(vm->sys_fd);
	vm->sys_fd = -1;
	return ret;
}

void vm_close(struct kvm_vm *vm)
{
	if (vm->vm_fd >= 0) {
		close(vm->vm_fd);
	}
	if (vm->sys_fd >= 0) {
		close(vm->sys_fd);
	}
	vm->vm_fd = -1;
	vm->sys_fd = -1;
}

/* KVM_CHECK_EXTENSION on the VM fd: the answer can depend on the VM. */
int vm_check(struct kvm_vm *vm, long cap)
{
	int ret = kvm_ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, cap);

	return ret < 0 ? -errno : ret;
}

int vm_addmem(struct kvm_vm *vm, uint64_t gpa, void *hva, uint64_t size)
{
	struct kvm_userspace_memory_region region = {
		.slot = vm->nslots,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	if (kvm_ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		return -errno;
	}
	vm->nslots++;
	return 0;
}

/* Linux >= 6.4 has the SMCCC filter; older kernels reject the attribute. */
bool vm_hasfilter(struct kvm_vm *vm)
{
	struct kvm_device_attr attr = {
		.group = KVM_ARM_VM_SMCCC_CTRL,
		.attr = KVM_ARM_VM_SMCCC_FILTER,
	};

	return kvm_ioctl(vm->vm_fd, KVM_HAS_DEVICE_ATTR, &attr) == 0;
}

/*
 * Install one filter range [base, base + count). Must happen before any
 * vCPU's first KVM_RUN (else -EBUSY); overlapping ranges and the reserved
 * Arm Architecture range give -EEXIST.
 */
int vm_filter(struct kvm_vm *vm, uint32_t base, uint32_t count, enum kvm_filter_action act)
{
	struct kvm_smccc_filter filter = {
		.base = base,
		.nr_functions = count,
		.action = (uint8_t)act,
	};
	struct kvm_device_attr attr = {
		.group = KVM_ARM_VM_SMCCC_CTRL,
		.attr = KVM_ARM_VM_SMCCC_FILTER,
		.addr = (uint64_t)(uintptr_t)&filter,
	};

	if (kvm_ioctl(vm->vm_fd, KVM_SET_DEVICE_ATTR, &attr) < 0) {
		return -errno;
	}
	return 0;
}

/* Drive SPI @intid (32..1019) of the in-kernel vGIC to @level. */
int vm_irq(struct kvm_vm *vm, unsigned int intid, int level)
{
	struct kvm_irq_level irq = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | intid,
		.level = level ? 1 : 0,
	};

	return kvm_ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

int vm_enable(struct kvm_vm *vm, uint32_t cap)
{
	struct kvm_enable_cap c = { .cap = cap };

	return kvm_ioctl(vm->vm_fd, KVM_ENABLE_CAP, &c) < 0 ? -errno : 0;
}

/*
 * A write of @len bytes equal to @datamatch at guest physical @addr
 * signals eventfd @fd inside KVM (KVM_IOEVENTFD, MMIO bus): the vCPU goes
 * on without an exit to userspace. @assign false removes it again.
 */
int vm_ioeventfd(struct kvm_vm *vm, uint64_t addr, uint32_t len, uint64_t datamatch, int fd,
		 bool assign)
{
	struct kvm_ioeventfd io = {
		.datamatch = datamatch,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH | (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return kvm_ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

/*
 * Each signal of eventfd @fd makes KVM pulse SPI @intid (KVM_IRQFD; the
 * default routing maps GSI n to SPI n, INTID 32 + n): an edge, so the SPI
 * must be edge-triggered in the guest's view. After gic_init() only.
 */
int vm_irqfd(struct kvm_vm *vm, unsigned int intid, int fd, bool assign)
{
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)fd,
		.gsi = intid - 32,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	if (intid < 32) {
		return -EINVAL;
	}
	return kvm_ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}
