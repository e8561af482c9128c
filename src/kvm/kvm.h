/* SPDX-License-Identifier: MIT */
/*
 * hotvm KVM backend: the only code in hotvm that calls ioctl().
 *
 * Every function returns 0 (or a non-negative value) on success and -errno
 * on failure; none of them exits or prints. Callers decide what an error
 * means. One file per concern: vm.c (system and VM fds, memory, the SMCCC
 * filter, device attributes, interrupt lines), vcpu.c (vCPU creation,
 * registers, power state, KVM_RUN and its exits), gic.c (the in-kernel
 * vGICv3 and ITS).
 */
#ifndef HOTVM_KVM_H
#define HOTVM_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/exit.h"

struct kvm_run;

struct kvm_vm {
	int sys_fd;	   /* /dev/kvm */
	int vm_fd;
	size_t run_size;   /* mmap size of struct kvm_run */
	unsigned int nslots;
	bool have_target;  /* KVM_ARM_PREFERRED_TARGET asked (once: it never changes) */
	uint32_t target;
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	unsigned int index;
	int fd;
	unsigned int features;	/* VCPU_FEAT_*, kept for warm resets */
	/*
	 * Reset by KVM_ARM_VCPU_INIT without VCPU_FEAT_POWER_OFF and not run
	 * since: it is in its architectural reset state already, and runs
	 * from there on the next KVM_RUN.
	 */
	bool fresh;
	struct kvm_run *run;
};

struct gic_reg;

/* The in-kernel GICv3 (and ITS) device fds, and its state at creation. */
struct kvm_gic {
	int fd;
	int its_fd;		/* -1 without ITS */
	struct gic_reg *regs;	/* saved by gic_init, written back by gic_reset */
	size_t nregs;
	size_t nctlr;		/* regs[0..nctlr): each vCPU's GICR_CTLR */
};

/* SMCCC filter actions (KVM_SMCCC_FILTER_*). */
enum kvm_filter_action {
	KVM_FILTER_HANDLE = 0,
	KVM_FILTER_DENY = 1,
	KVM_FILTER_FORWARD = 2,
};

/* vm.c */
/* ioctls the calling thread has made through this backend so far */
uint64_t kvm_ioctls(void);
int vm_open(struct kvm_vm *vm, const char *dev);
void vm_close(struct kvm_vm *vm);
int vm_check(struct kvm_vm *vm, long cap);
int vm_addmem(struct kvm_vm *vm, uint64_t gpa, void *hva, uint64_t size);
bool vm_hasfilter(struct kvm_vm *vm);
int vm_filter(struct kvm_vm *vm, uint32_t base, uint32_t count, enum kvm_filter_action act);
int vm_irq(struct kvm_vm *vm, unsigned int intid, int level);	/* SPI line */
int vm_enable(struct kvm_vm *vm, uint32_t cap);
/* KVM_IOEVENTFD on the MMIO bus, with a data match (assign false: remove). */
int vm_ioeventfd(struct kvm_vm *vm, uint64_t addr, uint32_t len, uint64_t datamatch, int fd,
		 bool assign);
/* KVM_IRQFD: eventfd @fd pulses SPI @intid (edge). */
int vm_irqfd(struct kvm_vm *vm, unsigned int intid, int fd, bool assign);

/* gic.c */
int gic_create(struct kvm_vm *vm, struct kvm_gic *gic, uint64_t dist, uint64_t redist,
	       uint64_t its);
/* After every vCPU exists; keeps the reset state (@mpidr: each vCPU's). */
int gic_init(struct kvm_gic *gic, const uint64_t *mpidr, unsigned int ncpus);
/*
 * Warm reset of the vGIC and ITS to the state gic_init() kept; no vCPU
 * may be in KVM_RUN. On failure, @what names the register or step.
 */
int gic_reset(struct kvm_gic *gic, char *what, size_t len);
void gic_destroy(struct kvm_gic *gic);

/* vcpu.c */
#define VCPU_FEAT_POWER_OFF (1u << 0)
#define VCPU_FEAT_PMU (1u << 1)

enum vcpu_mp {
	VCPU_MP_RUNNABLE,
	VCPU_MP_STOPPED,
	VCPU_MP_SUSPENDED,
};

int vcpu_create(struct kvm_vm *vm, struct kvm_vcpu *vcpu, unsigned int index);
void vcpu_destroy(struct kvm_vcpu *vcpu);
/*
 * KVM_ARM_VCPU_INIT: creates the vCPU's state, or resets it (warm reset).
 * KVM's reset leaves PSTATE at EL1h with D, A, I and F masked and the MMU
 * and caches off: the state PSCI hands a CPU over in.
 */
int vcpu_init(struct kvm_vcpu *vcpu, unsigned int features);
int vcpu_getreg(struct kvm_vcpu *vcpu, uint64_t id, uint64_t *val);
int vcpu_setreg(struct kvm_vcpu *vcpu, uint64_t id, uint64_t val);
int vcpu_run(struct kvm_vcpu *vcpu);
int vcpu_setmp(struct kvm_vcpu *vcpu, enum vcpu_mp state);
int vcpu_pmuirq(struct kvm_vcpu *vcpu, unsigned int intid);
int vcpu_pmuinit(struct kvm_vcpu *vcpu);
/* Set or clear run->immediate_exit (the next KVM_RUN returns -EINTR). */
void vcpu_kick(struct kvm_vcpu *vcpu, bool on);
/* Decode the last exit; e->data points into the shared run page. */
void vcpu_exit(struct kvm_vcpu *vcpu, struct exit_info *e);

/* Register IDs for vcpu_getreg/vcpu_setreg. */
uint64_t kvm_xreg(unsigned int n); /* x0..x30 */
uint64_t kvm_pcreg(void);
uint64_t kvm_pstatereg(void);
uint64_t kvm_mpidrreg(void);
uint64_t kvm_sctlrreg(void);	/* SCTLR_EL1 */
#define KVM_SCTLR_EE (1ull << 25)	/* SCTLR_EL1.EE: EL1 data big-endian */
/* Generic timer state: n = 0..KVM_TIMER_NREGS-1 (virtual, physical CTL/CVAL) */
#define KVM_TIMER_NREGS 4
uint64_t kvm_timerreg(unsigned int n);
uint64_t kvm_psciverreg(void);

#endif
