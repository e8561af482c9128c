/* SPDX-License-Identifier: MIT */
/*
 * Booting a Linux arm64 Image on ACPI with no firmware (`hotvm run --acpi`).
 *
 * arm64 Linux finds the ACPI tables only through the EFI configuration
 * table, and finds that through five /chosen properties that its EFI stub
 * normally leaves in the device tree (drivers/firmware/efi/fdtparams.c).
 * hotvm plays the stub's part: it builds, in guest RAM, what the stub would
 * have left behind after ExitBootServices():
 *
 * - an EFI system table ("IBI SYST", revision 2.70) with no boot services
 *   and no runtime services, whose configuration table holds the ACPI 2.0
 *   RSDP, an EFI_RT_PROPERTIES_TABLE that supports nothing and, as the stub
 *   installs it, an empty LINUX_EFI_MEMRESERVE table (the root of the
 *   persistent reservations: the GICv3 ITS driver reserves its LPI tables
 *   there, efi_mem_reserve_persistent(), and WARNs at boot without it);
 * - an EFI memory map (descriptor version 1, 48-byte descriptors): RAM as
 *   EfiConventionalMemory, what the loader placed (kernel, initrd, device
 *   tree) as EfiLoaderData, the tables' region as EfiACPIReclaimMemory;
 * - a device tree holding only /chosen: bootargs, initrd, the five
 *   linux,uefi-* properties and linux,uefi-secure-boot (Debian's kernel
 *   ignores all EFI parameters without it).
 *
 * How Linux 6.12 treats the memory types (drivers/firmware/efi/efi-init.c,
 * reserve_regions()): every WB-capable descriptor becomes memblock memory
 * (the DT's /memory is discarded); loader data and conventional memory are
 * plain usable RAM, and the kernel reserves its own image, the initrd and
 * the device tree itself (arm64 setup_machine_fdt(), arm64_memblock_init(),
 * reserve_initrd_mem()), as it does after a real EFI stub; ACPI reclaim
 * memory is usable but memblock_reserve()d, so the tables stay intact.
 *
 * Host independent; the region layout is (see efi_build()):
 *   base + 0              EFI system table (120 bytes)
 *   base + 120            configuration table (3 entries)
 *   base + 192            EFI_RT_PROPERTIES_TABLE
 *   base + 200            struct linux_efi_memreserve, empty (16 bytes)
 *   base + 216            firmware vendor (UCS-2)
 *   base + EFI_MMAP_OFF   memory map
 *   base + EFI_HEAD_SIZE  ACPI tables (acpi_build()), up to the region's end
 */
#ifndef HOTVM_EFI_H
#define HOTVM_EFI_H

#include <stddef.h>
#include <stdint.h>

#define EFI_SYSTAB_SIGNATURE	0x5453595320494249ull	/* "IBI SYST" */
#define EFI_REVISION		((2u << 16) | 70u)	/* 2.70 */
#define EFI_SYSTAB_SIZE		120u
#define EFI_CONFIG_ENTRY_SIZE	24u			/* GUID + pointer */
#define EFI_DESC_VERSION	1u
#define EFI_DESC_SIZE		48u			/* 40-byte descriptor + padding */
#define EFI_SECUREBOOT_DISABLED	2u			/* efi_secureboot_mode */
#define EFI_MEMRESERVE_SIZE	16u	/* linux_efi_memreserve: size, count, next */

/* EFI_MEMORY_TYPE */
#define EFI_LOADER_DATA		2u
#define EFI_CONVENTIONAL_MEMORY	7u
#define EFI_ACPI_RECLAIM_MEMORY	9u
/* Descriptor attributes: cacheability */
#define EFI_MEMORY_UC		0x1ull
#define EFI_MEMORY_WC		0x2ull
#define EFI_MEMORY_WT		0x4ull
#define EFI_MEMORY_WB		0x8ull
#define EFI_MEMORY_CACHEABLE	(EFI_MEMORY_UC | EFI_MEMORY_WC | EFI_MEMORY_WT | EFI_MEMORY_WB)

/*
 * Region boundaries in the map are 64 KiB aligned, so that a kernel with
 * 64 KiB pages (which rounds every descriptor inwards to its page size)
 * loses nothing and sees the same regions.
 */
#define EFI_ALIGN		0x10000ull
#define EFI_MMAP_OFF		0x100u
#define EFI_HEAD_SIZE		0x1000u		/* then the ACPI tables */
#define EFI_MAX_LOADED		4
#define EFI_MAX_DESCS		((EFI_HEAD_SIZE - EFI_MMAP_OFF) / EFI_DESC_SIZE)

struct efi_range {
	uint64_t base;
	uint64_t size;		/* 0: none */
};

struct efi_desc {
	struct efi_range ram;
	/* what the loader placed: kernel footprint, initrd, device tree */
	struct efi_range loaded[EFI_MAX_LOADED];
	/* system table, memory map and ACPI tables; EFI_ALIGN aligned, in RAM */
	struct efi_range region;
	uint64_t rsdp;		/* the RSDP's address, inside the region */
};

/* What the device tree's /chosen tells the kernel (efi_build()'s result). */
struct efi_info {
	uint64_t systab;
	uint64_t mmap;
	uint32_t mmap_size;
	uint32_t desc_size;
	uint32_t desc_ver;
};

/*
 * Build the system table and the memory map for @d into @buf, the first
 * @size bytes of the region (at least EFI_HEAD_SIZE; the ACPI tables that
 * follow are not touched). 0 and *@out filled, or -EINVAL (a range outside
 * RAM, overlapping another, misaligned region, RSDP outside the region),
 * -ENOSPC (@size too small, too many descriptors).
 */
int efi_build(const struct efi_desc *d, uint8_t *buf, size_t size, struct efi_info *out);

/*
 * The device tree for an EFI boot: the root holds only /chosen (so that
 * arm64 Linux takes ACPI, acpi_boot_table_init()'s dt_is_stub()), with
 * @bootargs (NULL: none), the initrd [@initrd_start, @initrd_end) (end 0:
 * none) and @efi. Its size, -ENOSPC or -EINVAL.
 */
int efi_fdt_build(const char *bootargs, uint64_t initrd_start, uint64_t initrd_end,
		  const struct efi_info *efi, void *buf, size_t size);

/* CRC-32 as the UEFI table headers use it (IEEE 802.3, as zlib's crc32()). */
uint32_t efi_crc32(const void *buf, size_t len);

#endif
