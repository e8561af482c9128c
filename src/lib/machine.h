/* SPDX-License-Identifier: MIT */
/*
 * The machine: every guest-visible region and interrupt, computed once
 * from the configuration by machine_layout() and read by everything that
 * shows the machine to KVM or to the guest (RAM and vGIC set-up, the
 * devices, the DT; next the ACPI tables). Host independent, so that unit
 * tests check the layout itself.
 *
 * It is kvmtool's arm64 map, so that kvmtool's guests and DTs carry over:
 *
 *   0x00000000  64 KiB PCI I/O window (unused by hotvm)
 *   0x01000000  platform MMIO, 16 MiB: 16550 UART, PL031 RTC, CPU hot-plug
 *               registers (--acpi)
 *   0x02000000  flash window (unused)
 *   0x03000000  virtio-mmio window: one 0x200-byte slot per device (disks,
 *               networks, vsock, rng, console, in that order), SPI 2 + slot
 *               each
 *   below 1 GiB GIC: distributor at 0x3fff0000, one redistributor frame
 *               pair per possible vCPU below it, the ITS below those
 *   0x40000000  PCI window (unused)
 *   0x80000000  RAM, ending at most at 1 TiB (the 40-bit IPA of KVM's
 *               default VM type, which hotvm creates)
 *
 * A new region (a virtio slot, an ACPI hot-plug register block) is a new
 * enum machine_region_id placed by machine_layout() in its window, with
 * its interrupt in .intid; the unit test checks that no two regions
 * overlap.
 */
#ifndef HOTVM_MACHINE_H
#define HOTVM_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/config.h"

/* GIC interrupt IDs (INTIDs): PPI n is INTID 16 + n, SPI n is INTID 32 + n. */
#define MACHINE_PPI(n)		(16u + (n))
#define MACHINE_SPI(n)		(32u + (n))

#define MACHINE_IPA_BITS	40
#define MACHINE_RAM_BASE	0x80000000ull
#define MACHINE_RAM_MAX		((1ull << MACHINE_IPA_BITS) - MACHINE_RAM_BASE)

#define MACHINE_UART_BASE	0x01000000ull
#define MACHINE_UART_SIZE	8ull		/* 8 byte-wide 16550 registers */
#define MACHINE_RTC_BASE	0x01010000ull
#define MACHINE_RTC_SIZE	0x1000ull	/* one PL031 page */
#define MACHINE_CPUHP_BASE	0x01020000ull	/* --acpi: CPU hot-plug registers */
#define MACHINE_CPUHP_SIZE	0x1000ull	/* one page (docs/acpi.md) */
#define MACHINE_GIC_DIST_SIZE	0x10000ull
#define MACHINE_GIC_DIST_BASE	(0x40000000ull - MACHINE_GIC_DIST_SIZE)
#define MACHINE_GIC_REDIST_SIZE	0x20000ull	/* per vCPU: RD and SGI frames */
#define MACHINE_GIC_ITS_SIZE	0x20000ull	/* control and translation frames */
#define MACHINE_VIRTIO_BASE	0x03000000ull	/* start of the virtio-mmio window */
#define MACHINE_VIRTIO_SIZE	0x200ull	/* one virtio-mmio register block */
#define MACHINE_VIRTIO_SLOTS	16		/* >= every device the options can ask for */
#define MACHINE_VIRTIO_SPI	2		/* slot i's interrupt: SPI 2 + i, edge */

enum machine_region_id {
	MACHINE_RAM,
	MACHINE_UART,
	MACHINE_RTC,
	MACHINE_CPUHP,		/* --acpi: hot-plug register block; intid: the GED's (edge) */
	MACHINE_GIC_DIST,
	MACHINE_GIC_REDIST,	/* all redistributors, one contiguous region */
	MACHINE_GIC_ITS,
	MACHINE_VIRTIO,		/* first virtio-mmio slot; slot i is MACHINE_VIRTIO + i */
	MACHINE_NREGIONS = MACHINE_VIRTIO + MACHINE_VIRTIO_SLOTS,
};

/* What sits in a virtio-mmio slot. */
enum machine_virtio_type {
	MACHINE_VIRTIO_NONE,
	MACHINE_VIRTIO_BLK,	/* unit: index into config.disk */
	MACHINE_VIRTIO_NET,	/* unit: index into config.net */
	MACHINE_VIRTIO_VSOCK,
	MACHINE_VIRTIO_RNG,
	MACHINE_VIRTIO_CONSOLE,	/* --console virtio */
};

struct machine_virtio {
	enum machine_virtio_type type;
	unsigned int unit;
};

struct machine_region {
	const char *name;	/* for messages and tests */
	uint64_t base;
	uint64_t size;		/* 0: not in this machine (no RTC, no ITS) */
	unsigned int intid;	/* its interrupt line, a GIC INTID; 0: none */
};

/* The architected timer's PPIs, in the order of the DT binding. */
enum machine_timer {
	MACHINE_TIMER_SEC,	/* EL1 secure physical */
	MACHINE_TIMER_NS,	/* EL1 non-secure physical */
	MACHINE_TIMER_VIRT,	/* EL1 virtual */
	MACHINE_TIMER_HYP,	/* EL2 physical */
	MACHINE_NTIMERS,
};

struct machine {
	unsigned int ncpus;	/* possible vCPUs: one redistributor each */
	struct machine_region region[MACHINE_NREGIONS];
	/* KVM's default timer PPIs (hotvm does not move them) */
	unsigned int timer_intid[MACHINE_NTIMERS];
	unsigned int pmu_intid;	/* PMUv3 overflow PPI; 0: no PMU */
	/* slot i: region MACHINE_VIRTIO + i; slots 0..nvirtio-1 are used */
	struct machine_virtio virtio[MACHINE_VIRTIO_SLOTS];
	unsigned int nvirtio;
};

/*
 * Lay out the machine for @cfg: its possible vCPUs (max_cpus, resolved),
 * memory, irqchip, RTC and PMU options. 0, or -EINVAL with a message in
 * @err when the configuration has no place in the map (too many vCPUs,
 * RAM beyond the IPA space).
 */
int machine_layout(const struct config *cfg, struct machine *m, char *err, size_t errlen);

/* Region @id if this machine has it, else NULL. */
/* "virtio-blk" etc. for a slot's type. */
const char *machine_virtio_name(enum machine_virtio_type t);

const struct machine_region *machine_region(const struct machine *m, enum machine_region_id id);

#endif
