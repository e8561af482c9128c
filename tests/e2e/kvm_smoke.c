// SPDX-License-Identifier: MIT
/*
 * First end-to-end check on real arm64 KVM, through hotvm's KVM backend:
 * a VM with one vCPU, the PSCI range forwarded to userspace by the SMCCC
 * filter, a guest that calls PSCI_VERSION over HVC and over SMC, and
 * SMCCC_VERSION (which must stay in the kernel). Also: installing a filter
 * after the first KVM_RUN is refused with EBUSY.
 *
 * Prints one "ok"/"not ok" line per check; exits 0 only if all pass.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/kvm.h>

#include "kvm/kvm.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x10000ull
#define MMIO_PROBE 0x1000ull /* unmapped: a store there exits with KVM_EXIT_MMIO */
#define PSCI_VERSION_ID 0x84000000u
#define ANSWER 0x10001u /* what this test answers for PSCI_VERSION: 1.1 */

/*
 * The guest: PSCI_VERSION by HVC, then by SMC, then SMCCC_VERSION by HVC;
 * after each call it stores x0 to MMIO_PROBE (address in x19, which SMCCC
 * preserves; x1-x3 may carry results) so the host sees what the
 * guest saw.
 */
__asm__(".pushsection .rodata\n"
	".balign 4\n"
	".global smoke_guest_start\n"
	"smoke_guest_start:\n"
	"	mov x19, #0x1000\n"
	"	movz x0, #0x8400, lsl #16\n"
	"	hvc #0\n"
	"	str x0, [x19]\n"
	"	movz x0, #0x8400, lsl #16\n"
	"	smc #0\n"
	"	str x0, [x19]\n"
	"	movz x0, #0x8000, lsl #16\n"
	"	hvc #0\n"
	"	str x0, [x19]\n"
	"1:	wfi\n"
	"	b 1b\n"
	".global smoke_guest_end\n"
	"smoke_guest_end:\n"
	".popsection\n");
extern const unsigned char smoke_guest_start[], smoke_guest_end[];

static int failures;

static void check(int cond, const char *what)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", what);
	if (!cond) {
		failures++;
	}
}

static void die(const char *what, int err)
{
	printf("not ok - %s: %s\n", what, strerror(-err));
	exit(1);
}

/* Run until the next exit other than a signal; return the exit reason. */
static unsigned int run_once(struct kvm_vcpu *vcpu)
{
	int ret;

	do {
		ret = vcpu_run(vcpu);
	} while (ret == -EINTR);
	if (ret < 0) {
		die("KVM_RUN", ret);
	}
	return vcpu->run->exit_reason;
}

/* Expect a hypercall exit for PSCI_VERSION via @smc and answer it. */
static void expect_psci_version(struct kvm_vcpu *vcpu, int smc)
{
	struct kvm_run *run = vcpu->run;
	unsigned int reason = run_once(vcpu);
	char what[128];
	int ret;

	snprintf(what, sizeof(what), "%s PSCI_VERSION exits with KVM_EXIT_HYPERCALL (got %u)",
		 smc ? "SMC" : "HVC", reason);
	check(reason == KVM_EXIT_HYPERCALL, what);
	if (reason != KVM_EXIT_HYPERCALL) {
		exit(1);
	}
	snprintf(what, sizeof(what), "function ID is PSCI_VERSION (got 0x%llx)",
		 (unsigned long long)run->hypercall.nr);
	check(run->hypercall.nr == PSCI_VERSION_ID, what);
	check(!!(run->hypercall.flags & KVM_HYPERCALL_EXIT_SMC) == smc,
	      smc ? "flags say SMC conduit" : "flags say HVC conduit");
	ret = vcpu_setreg(vcpu, kvm_xreg(0), ANSWER);
	if (ret < 0) {
		die("KVM_SET_ONE_REG x0", ret);
	}
}

/* Expect the guest's MMIO store of x0 and return the stored value. */
static uint64_t expect_store(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned int reason = run_once(vcpu);
	uint64_t val = 0;

	if (reason != KVM_EXIT_MMIO || !run->mmio.is_write ||
	    run->mmio.phys_addr != MMIO_PROBE || run->mmio.len != 8) {
		printf("not ok - expected an 8-byte MMIO store to 0x%llx, got exit %u\n",
		       MMIO_PROBE, reason);
		exit(1);
	}
	memcpy(&val, run->mmio.data, sizeof(val));
	return val;
}

int main(void)
{
	struct kvm_vm vm;
	struct kvm_vcpu vcpu;
	void *ram;
	uint64_t seen;
	char what[128];
	int ret;

	ret = vm_open(&vm, NULL);
	if (ret < 0) {
		die("open /dev/kvm and create a VM", ret);
	}
	check(vm_hasfilter(&vm), "KVM has the SMCCC filter (Linux >= 6.4)");

	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED) {
		die("mmap guest RAM", -errno);
	}
	memcpy(ram, smoke_guest_start, (size_t)(smoke_guest_end - smoke_guest_start));
	ret = vm_addmem(&vm, RAM_BASE, ram, RAM_SIZE);
	if (ret < 0) {
		die("KVM_SET_USER_MEMORY_REGION", ret);
	}

	ret = vcpu_create(&vm, &vcpu, 0);
	if (ret < 0) {
		die("KVM_CREATE_VCPU", ret);
	}
	ret = vcpu_init(&vcpu, 0);
	if (ret < 0) {
		die("KVM_ARM_VCPU_INIT", ret);
	}
	/* EL1h with DAIF masked, as firmware would hand over. */
	if ((ret = vcpu_setreg(&vcpu, kvm_pstatereg(), 0x3c5)) < 0 ||
	    (ret = vcpu_setreg(&vcpu, kvm_pcreg(), RAM_BASE)) < 0) {
		die("set PC/PSTATE", ret);
	}

	ret = vm_filter(&vm, 0x84000000, 0x20, KVM_FILTER_FORWARD);
	check(ret == 0, "forward PSCI SMC32 range to userspace");
	ret = vm_filter(&vm, 0xc4000000, 0x20, KVM_FILTER_FORWARD);
	check(ret == 0, "forward PSCI SMC64 range to userspace");
	ret = vm_filter(&vm, 0x84000010, 1, KVM_FILTER_FORWARD);
	check(ret == -EEXIST, "overlapping filter range refused with EEXIST");
	ret = vm_filter(&vm, 0x80000000, 1, KVM_FILTER_FORWARD);
	check(ret == -EEXIST, "Arm Architecture range refused with EEXIST");

	expect_psci_version(&vcpu, 0);
	seen = expect_store(&vcpu);
	snprintf(what, sizeof(what), "guest saw the HVC answer 0x%llx", (unsigned long long)seen);
	check(seen == ANSWER, what);

	ret = vm_filter(&vm, 0x86000000, 1, KVM_FILTER_FORWARD);
	snprintf(what, sizeof(what), "filter install after first KVM_RUN refused with EBUSY (%s)",
		 ret ? strerror(-ret) : "accepted");
	check(ret == -EBUSY, what);

	expect_psci_version(&vcpu, 1);
	seen = expect_store(&vcpu);
	snprintf(what, sizeof(what), "guest saw the SMC answer 0x%llx", (unsigned long long)seen);
	check(seen == ANSWER, what);

	/* SMCCC_VERSION is not filtered: the kernel answers (1.1 or later). */
	seen = expect_store(&vcpu);
	snprintf(what, sizeof(what), "SMCCC_VERSION answered in the kernel (0x%llx)",
		 (unsigned long long)seen);
	check(seen >= 0x10001 && seen < 0x20000, what);

	vcpu_destroy(&vcpu);
	vm_close(&vm);
	munmap(ram, RAM_SIZE);
	printf("%s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
