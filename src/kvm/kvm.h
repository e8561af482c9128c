/* SPDX-License-Identifier: MIT */
/*
 * hotvm KVM backend: the only code in hotvm that calls ioctl().
 *
 * Every function returns 0 (or a non-negative value) on success and -errno
 * on failure; none of them exits or prints. Callers decide what an error
 * means. One file per concern: vm.c (system and VM fds, memory, the SMCCC
 * filter, device attributes), vcpu.c (vCPU creation, registers, KVM_RUN).
 */
#ifndef HOTVM_KVM_H
#define HOTVM_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kvm_run;

struct kvm_vm {
	int sys_fd;	   /* /dev/kvm */
	int vm_fd;
	size_t run_size;   /* mmap size of struct kvm_run */
	unsigned int nslots;
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	unsigned int index;
	int fd;
	struct kvm_run *run;
};

/* SMCCC filter actions (KVM_SMCCC_FILTER_*). */
enum kvm_filter_action {
	KVM_FILTER_HANDLE = 0,
	KVM_FILTER_DENY = 1,
	KVM_FILTER_FORWARD = 2,
};

/* vm.c */
int vm_open(struct kvm_vm *vm, const char *dev);
void vm_close(struct kvm_vm *vm);
int vm_check(struct kvm_vm *vm, long cap);
int vm_addmem(struct kvm_vm *vm, uint64_t gpa, void *hva, uint64_t size);
bool vm_hasfilter(struct kvm_vm *vm);
int vm_filter(struct kvm_vm *vm, uint32_t base, uint32_t count, enum kvm_filter_action act);

/* vcpu.c */
#define VCPU_FEAT_POWER_OFF (1u << 0)

int vcpu_create(struct kvm_vm *vm, struct kvm_vcpu *vcpu, unsigned int index);
void vcpu_destroy(struct kvm_vcpu *vcpu);
int vcpu_init(struct kvm_vcpu *vcpu, unsigned int features);
int vcpu_getreg(struct kvm_vcpu *vcpu, uint64_t id, uint64_t *val);
int vcpu_setreg(struct kvm_vcpu *vcpu, uint64_t id, uint64_t val);
int vcpu_run(struct kvm_vcpu *vcpu);

/* Register IDs for vcpu_getreg/vcpu_setreg. */
uint64_t kvm_xreg(unsigned int n); /* x0..x30 */
uint64_t kvm_pcreg(void);
uint64_t kvm_pstatereg(void);

#endif
