/* SPDX-License-Identifier: MIT */
/*
 * The PSCI function set hotvm is expected to offer, written down from
 * DEN 0022 independently of src/fw/psci.c's table, for the unit tests and
 * the fuzzer to check the implementation against.
 */
#ifndef HOTVM_PSCI_EXPECT_H
#define HOTVM_PSCI_EXPECT_H

#include <stdbool.h>
#include <stdint.h>

#include "fw/fw.h"

/*
 * The PSCI version function @fn (0..0x1f) appears in for the width @smc64,
 * or 0 if hotvm does not implement it (SYSTEM_SUSPEND only when offered).
 */
static inline uint32_t psci_expect(uint32_t fn, bool smc64, bool sys_suspend)
{
	static const uint32_t v32[FW_PSCI_NFUNCS] = {
		[0x0] = FW_PSCI_0_2, [0x1] = FW_PSCI_0_2, [0x2] = FW_PSCI_0_2,
		[0x3] = FW_PSCI_0_2, [0x4] = FW_PSCI_0_2, [0x6] = FW_PSCI_0_2,
		[0x8] = FW_PSCI_0_2, [0x9] = FW_PSCI_0_2, [0xa] = FW_PSCI_1_0,
		[0xc] = FW_PSCI_1_0, [0xd] = FW_PSCI_1_0, [0xe] = FW_PSCI_1_0,
		[0x10] = FW_PSCI_1_0, [0x11] = FW_PSCI_1_0,
		[0x12] = FW_PSCI_1_1, [0x15] = FW_PSCI_1_3,
	};
	static const bool has64[FW_PSCI_NFUNCS] = {
		[0x1] = true, [0x3] = true, [0x4] = true, [0xc] = true,
		[0xd] = true, [0xe] = true, [0x10] = true, [0x11] = true,
		[0x12] = true, [0x15] = true,
	};

	if (fn >= FW_PSCI_NFUNCS || (fn == FW_PSCI_SYSTEM_SUSPEND && !sys_suspend)) {
		return 0;
	}
	if (smc64 && !has64[fn]) {
		return 0;
	}
	return v32[fn];
}

#endif
