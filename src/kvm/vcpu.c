// SPDX-License-Identifier: MIT
/* vCPU creation, initialisation, core registers and KVM_RUN (arm64). */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvm/kvm.h"

#define CORE_REG(field)                                                                            \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                                     \
	 (offsetof(struct kvm_regs, field) / sizeof(__u32)))

uint64_t kvm_xreg(unsigned int n)
{
	return CORE_REG(regs.regs[0]) + (uint64_t)n * (sizeof(__u64) / sizeof(__u32));
}

uint64_t kvm_pcreg(void)
{
	return CORE_REG(regs.pc);
}

uint64_t kvm_pstatereg(void)
{
	return CORE_REG(regs.pstate);
}

int vcpu_create(struct kvm_vm *vm, struct kvm_vcpu *vcpu, unsigned int index)
{
	void *run;
	int fd;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->fd = -1;
	fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (fd < 0) {
		return -errno;
	}
	run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (run == MAP_FAILED) {
		int err = -errno;

		close(fd);
		return err;
	}
	vcpu->vm = vm;
	vcpu->index = index;
	vcpu->fd = fd;
	vcpu->run = run;
	return 0;
}

void vcpu_destroy(struct kvm_vcpu *vcpu)
{
	if (vcpu->run) {
		munmap(vcpu->run, vcpu->vm->run_size);
	}
	if (vcpu->fd >= 0) {
		close(vcpu->fd);
	}
	vcpu->run = NULL;
	vcpu->fd = -1;
}

/*
 * KVM_ARM_VCPU_INIT with the preferred target and PSCI 0.2 semantics. On an
 * existing vCPU this is a warm reset: the architectural state a CPU_ON
 * target needs.
 */
int vcpu_init(struct kvm_vcpu *vcpu, unsigned int features)
{
	struct kvm_vcpu_init init;

	memset(&init, 0, sizeof(init));
	if (ioctl(vcpu->vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
		return -errno;
	}
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (features & VCPU_FEAT_POWER_OFF) {
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	}
	if (ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		return -errno;
	}
	return 0;
}

int vcpu_getreg(struct kvm_vcpu *vcpu, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	return ioctl(vcpu->fd, KVM_GET_ONE_REG, &reg) < 0 ? -errno : 0;
}

int vcpu_setreg(struct kvm_vcpu *vcpu, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&val };

	return ioctl(vcpu->fd, KVM_SET_ONE_REG, &reg) < 0 ? -errno : 0;
}

/* One KVM_RUN; the exit is in vcpu->run. -EINTR means a signal kicked it. */
int vcpu_run(struct kvm_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0) < 0 ? -errno : 0;
}
