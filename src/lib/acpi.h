/* SPDX-License-Identifier: MIT */
/*
 * The guest's ACPI tables (RSDP, XSDT, FADT, MADT, GTDT, SPCR, PPTT, DSDT),
 * built at start-up from a plain description of the machine. Host
 * independent so that unit tests and tools/acpicheck can read the result.
 * docs/acpi.md describes the tables and the CPU hot-plug register block the
 * DSDT uses; docs/acpi-tables.dsl shows a disassembled example.
 */
#ifndef HOTVM_ACPI_H
#define HOTVM_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS	512
#define ACPI_GICR_FRAME	0x20000		/* one vCPU's redistributor frames */

/* The fixed timer interrupts (KVM's defaults) as GSIs: PPI n is GSI 16 + n */
#define ACPI_GSI_TIMER_SEC	29
#define ACPI_GSI_TIMER_NS	30
#define ACPI_GSI_TIMER_VIRT	27
#define ACPI_GSI_TIMER_HYP	26

/*
 * The CPU hot-plug register block (docs/acpi.md): 32-bit registers at
 * hp_base, little-endian, accessed as aligned 32-bit words.
 */
#define ACPI_HP_SEL	0x00	/* RW: selected vCPU index */
#define ACPI_HP_STS	0x04	/* R: the selected vCPU's bits; W: 1 clears INSERT/REMOVE */
#define ACPI_HP_EJECT	0x08	/* W: 1 ejects the selected vCPU; R: 0 */
#define ACPI_HP_NEXT	0x0c	/* R: lowest vCPU with INSERT or REMOVE, else ACPI_HP_NONE */
#define ACPI_HP_SIZE	0x10	/* the least hp_size */
#define ACPI_HP_ENABLED	0x1
#define ACPI_HP_INSERT	0x2
#define ACPI_HP_REMOVE	0x4
#define ACPI_HP_NONE	0xffffffffu

#define ACPI_MAX_VIRTIO 16

struct acpi_config {
	unsigned int ncpus;		/* possible vCPUs, 1..512 */
	const uint64_t *mpidr;		/* ncpus MPIDRs (affinity bits) */
	unsigned int nenabled;		/* vCPUs 0..nenabled-1 enabled at boot */
	/*
	 * Or, if not NULL, which vCPUs are enabled at this boot (ncpus
	 * entries; vCPU 0 must be): after hot-plug and a guest reboot the MADT
	 * describes the machine as it is. nenabled is then ignored.
	 */
	const bool *enabled;
	uint64_t gicd;			/* GICv3 distributor base (64 KiB) */
	uint64_t gicr, gicr_size;	/* redistributor range: all vCPUs' frames (0x20000 each) */
	uint64_t its;			/* GIC ITS base, 0: none */
	uint64_t uart, uart_size;	/* 16550 (ns16550a, byte registers), 0: none */
	uint32_t uart_gsi;		/* its SPI as a GSI (32 + SPI number) */
	uint64_t rtc, rtc_size;		/* PL031, 0: none */
	uint32_t rtc_gsi;
	uint32_t pmu_gsi;		/* PMU PPI as a GSI (16 + PPI), 0: no PMU */
	uint64_t hp_base, hp_size;	/* hotvm's CPU hot-plug register block, 0: none */
	uint32_t ged_gsi;		/* its GED interrupt (SPI as a GSI) */
	bool psci_hvc;			/* PSCI conduit: HVC (true) or SMC */
	/* virtio-mmio slots: each an LNRO0005 device with an edge-triggered SPI */
	unsigned int nvirtio;		/* <= ACPI_MAX_VIRTIO */
	struct acpi_virtio {
		uint64_t base, size;
		uint32_t gsi;		/* SPI as a GSI */
	} virtio[ACPI_MAX_VIRTIO];
};

/*
 * Build RSDP, XSDT, FADT, MADT, GTDT, SPCR (if uart), PPTT, DSDT into
 * @buf (@size bytes), laid out for guest physical address @gpa (16-byte
 * aligned; all pointers inside the tables are absolute GPAs; the RSDP comes
 * first, padding is zeroed, the output is deterministic; the DSDT is encoded
 * in a malloc'd scratch buffer first). Returns the bytes used, or a negative
 * errno (-ENOSPC: @size too small, -EINVAL: bad config, -ENOMEM). *@rsdp_gpa gets the
 * RSDP's address.
 *
 * The PL031 (rtc) is not described: Linux has no ACPI match for rtc-pl031
 * (docs/acpi.md).
 */
long acpi_build(const struct acpi_config *cfg, uint64_t gpa, uint8_t *buf, size_t size,
		uint64_t *rsdp_gpa);
/* Upper bound of acpi_build()'s output for @ncpus possible vCPUs. */
size_t acpi_size_max(unsigned int ncpus);

/* The 8-bit sum of @len bytes at @p (0 for a table with a valid checksum). */
uint8_t acpi_sum(const void *p, size_t len);

#endif
