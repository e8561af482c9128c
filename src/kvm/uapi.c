// SPDX-License-Identifier: MIT
/*
 * Build-time checks that the constants hotvm copies from the KVM uapi
 * headers (so that src/lib and src/vmm need not include them) still match
 * <linux/kvm.h> and <asm/kvm.h>. Nothing here runs.
 */
#include <linux/kvm.h>

#include "kvm/kvm.h"
#include "lib/exit.h"

/* The exit reasons exit_name() prints (lib/exit.h). */
#define EXIT_CHECK(name, nr) \
	_Static_assert(KVM_EXIT_##name == (nr), "KVM_EXIT_" #name " differs from lib/exit.h");
EXIT_KVM_REASONS(EXIT_CHECK)
#undef EXIT_CHECK

/* enum kvm_filter_action is passed to KVM_ARM_VM_SMCCC_FILTER as is (vm.c). */
_Static_assert((int)KVM_FILTER_HANDLE == (int)KVM_SMCCC_FILTER_HANDLE, "KVM_SMCCC_FILTER_HANDLE");
_Static_assert((int)KVM_FILTER_DENY == (int)KVM_SMCCC_FILTER_DENY, "KVM_SMCCC_FILTER_DENY");
_Static_assert((int)KVM_FILTER_FORWARD == (int)KVM_SMCCC_FILTER_FWD_TO_USER,
	       "KVM_SMCCC_FILTER_FWD_TO_USER");
