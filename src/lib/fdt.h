/* SPDX-License-Identifier: MIT */
/*
 * The guest's device tree, built with libfdt from a plain description of
 * the machine. Host independent so that unit tests can parse the result.
 */
#ifndef HOTVM_FDT_H
#define HOTVM_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* GIC interrupt numbers in DT cells: SPI n is INTID 32 + n, PPI n is 16 + n */
#define FDT_PPI_TIMER_SEC	13
#define FDT_PPI_TIMER_NS	14
#define FDT_PPI_TIMER_VIRT	11
#define FDT_PPI_TIMER_HYP	10
#define FDT_PPI_PMU		7

struct fdt_region {
	uint64_t base;
	uint64_t size;
};

struct fdt_desc {
	struct fdt_region ram;
	unsigned int ncpus;
	const uint64_t *mpidr;		/* ncpus entries, as KVM reports them */
	uint32_t psci_version;		/* major << 16 | minor */
	struct fdt_region gic_dist;
	struct fdt_region gic_redist;
	struct fdt_region gic_its;	/* size 0: no ITS */
	struct fdt_region uart;
	unsigned int uart_spi;
	struct fdt_region rtc;		/* size 0: no RTC */
	bool pmu;
	const char *bootargs;		/* NULL: none */
	uint64_t initrd_start;		/* initrd_end == 0: none */
	uint64_t initrd_end;
};

/* Build into @buf (@size bytes): its size, or -ENOSPC if it does not fit, -EINVAL. */
int fdt_build(const struct fdt_desc *d, void *buf, size_t size);

#endif
