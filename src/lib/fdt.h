/* SPDX-License-Identifier: MIT */
/*
 * The guest's device tree, built with libfdt from the machine's
 * description. Host independent so that unit tests can parse the result.
 */
#ifndef HOTVM_FDT_H
#define HOTVM_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/machine.h"

/*
 * What the DT shows: the machine (lib/machine.h) and what the boot adds.
 * Regions of size 0 (no RTC, no ITS) and a PMU interrupt of 0 get no node.
 */
struct fdt_desc {
	const struct machine *machine;
	const uint64_t *mpidr;		/* machine->ncpus entries, as KVM reports them */
	uint32_t psci_version;		/* major << 16 | minor */
	const char *bootargs;		/* NULL: none */
	uint64_t initrd_start;		/* initrd_end == 0: none */
	uint64_t initrd_end;
};

/* Build into @buf (@size bytes): its size, or -ENOSPC if it does not fit, -EINVAL. */
int fdt_build(const struct fdt_desc *d, void *buf, size_t size);

#endif
