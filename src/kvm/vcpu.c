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
#include "kvm/sys.h"

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

uint64_t kvm_mpidrreg(void)
{
	return ARM64_SYS_REG(3, 0, 0, 0, 5);
}

uint64_t kvm_sctlrreg(void)
{
	return ARM64_SYS_REG(3, 0, 1, 0, 0);
}

uint64_t kvm_timerreg(unsigned int n)
{
	static const uint64_t regs[KVM_TIMER_NREGS] = {
		KVM_REG_ARM_TIMER_CVAL, KVM_REG_ARM_TIMER_CTL,
		KVM_REG_ARM_PTIMER_CVAL, KVM_REG_ARM_PTIMER_CTL,
	};

	return regs[n % KVM_TIMER_NREGS];
}

uint64_t kvm_psciverreg(void)
{
	return KVM_REG_ARM_PSCI_VERSION;
}

int vcpu_create(struct kvm_vm *vm, struct kvm_vcpu *vcpu, unsigned int index)
{
	void *run;
	int fd;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->fd = -1;
	fd = kvm_ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
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
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_vcpu_init init;

	memset(&init, 0, sizeof(init));
	if (!vm->have_target) {
		if (kvm_ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
			return -errno;
		}
		vm->target = init.target;
		vm->have_target = true;
		memset(&init, 0, sizeof(init));
	}
	init.target = vm->target;
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (features & VCPU_FEAT_POWER_OFF) {
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	}
	if (features & VCPU_FEAT_PMU) {
		init.features[0] |= 1u << KVM_ARM_VCPU_PMU_V3;
	}
	vcpu->fresh = false;
	if (kvm_ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		return -errno;
	}
	vcpu->features = features;
	vcpu->fresh = !(features & VCPU_FEAT_POWER_OFF);
	return 0;
}

int vcpu_getreg(struct kvm_vcpu *vcpu, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	return kvm_ioctl(vcpu->fd, KVM_GET_ONE_REG, &reg) < 0 ? -errno : 0;
}

int vcpu_setreg(struct kvm_vcpu *vcpu, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&val };

	return kvm_ioctl(vcpu->fd, KVM_SET_ONE_REG, &reg) < 0 ? -errno : 0;
}

/* One KVM_RUN; the exit is in vcpu->run. -EINTR means a signal kicked it. */
int vcpu_run(struct kvm_vcpu *vcpu)
{
	vcpu->fresh = false;
	return kvm_ioctl(vcpu->fd, KVM_RUN, 0) < 0 ? -errno : 0;
}

int vcpu_setmp(struct kvm_vcpu *vcpu, enum vcpu_mp state)
{
	static const __u32 map[] = {
		[VCPU_MP_RUNNABLE] = KVM_MP_STATE_RUNNABLE,
		[VCPU_MP_STOPPED] = KVM_MP_STATE_STOPPED,
		[VCPU_MP_SUSPENDED] = KVM_MP_STATE_SUSPENDED,
	};
	struct kvm_mp_state mp = { .mp_state = map[state] };

	return kvm_ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp) < 0 ? -errno : 0;
}

static int pmu_attr(struct kvm_vcpu *vcpu, uint64_t attr, void *addr)
{
	struct kvm_device_attr a = {
		.group = KVM_ARM_VCPU_PMU_V3_CTRL,
		.attr = attr,
		.addr = (uint64_t)(uintptr_t)addr,
	};

	return kvm_ioctl(vcpu->fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

/* The PMU overflow PPI; needs the vGIC created, before gic_init(). */
int vcpu_pmuirq(struct kvm_vcpu *vcpu, unsigned int intid)
{
	int irq = (int)intid;

	return pmu_attr(vcpu, KVM_ARM_VCPU_PMU_V3_IRQ, &irq);
}

/* After gic_init(): KVM refuses to initialise a PMU before its vGIC. */
int vcpu_pmuinit(struct kvm_vcpu *vcpu)
{
	return pmu_attr(vcpu, KVM_ARM_VCPU_PMU_V3_INIT, NULL);
}

void vcpu_kick(struct kvm_vcpu *vcpu, bool on)
{
	__atomic_store_n(&vcpu->run->immediate_exit, on ? 1 : 0, __ATOMIC_SEQ_CST);
}

void vcpu_exit(struct kvm_vcpu *vcpu, struct exit_info *e)
{
	struct kvm_run *run = vcpu->run;

	memset(e, 0, sizeof(*e));
	e->reason = run->exit_reason;
	switch (run->exit_reason) {
	case KVM_EXIT_HYPERCALL:
		e->type = EXIT_HYPERCALL;
		e->nr = run->hypercall.nr;
		e->smc = run->hypercall.flags & KVM_HYPERCALL_EXIT_SMC;
		break;
	case KVM_EXIT_MMIO:
		e->type = EXIT_MMIO;
		e->addr = run->mmio.phys_addr;
		e->len = run->mmio.len;
		e->write = run->mmio.is_write;
		e->data = run->mmio.data;
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		e->hw = run->system_event.ndata ? run->system_event.data[0] : 0;
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			e->type = EXIT_SHUTDOWN;
			break;
		case KVM_SYSTEM_EVENT_RESET:
			e->type = EXIT_RESET;
			break;
		case KVM_SYSTEM_EVENT_WAKEUP:
			e->type = EXIT_WAKEUP;
			break;
		case KVM_SYSTEM_EVENT_SUSPEND:
			e->type = EXIT_SUSPEND;
			break;
		case KVM_SYSTEM_EVENT_CRASH:
			e->type = EXIT_CRASH;
			break;
		default:
			e->type = EXIT_OTHER;
			break;
		}
		break;
	case KVM_EXIT_FAIL_ENTRY:
		e->type = EXIT_FAIL_ENTRY;
		e->hw = run->fail_entry.hardware_entry_failure_reason;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		e->type = EXIT_INTERNAL;
		e->hw = run->internal.suberror;
		break;
	case KVM_EXIT_INTR:
		e->type = EXIT_INTR;
		break;
	default:
		e->type = EXIT_OTHER;
		break;
	}
}
