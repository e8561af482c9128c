// SPDX-License-Identifier: MIT
/*
 * EFI system table, memory map and /chosen-only device tree for a
 * firmware-less ACPI boot (see efi.h). Structures as the UEFI 2.7 spec
 * defines them (EFI_TABLE_HEADER, EFI_SYSTEM_TABLE, EFI_CONFIGURATION_TABLE,
 * EFI_MEMORY_DESCRIPTOR, EFI_RT_PROPERTIES_TABLE), written little endian
 * field by field.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <libfdt.h>

#include "lib/efi.h"

/* EFI_SYSTEM_TABLE field offsets (64-bit) */
#define ST_SIGNATURE	0
#define ST_REVISION	8
#define ST_HEADER_SIZE	12
#define ST_CRC32	16
#define ST_VENDOR	24
#define ST_FW_REVISION	32
#define ST_RUNTIME	88
#define ST_BOOT		96
#define ST_NR_TABLES	104
#define ST_TABLES	112

#define CONFIG_OFF	EFI_SYSTAB_SIZE
#define NR_CONFIG	3
#define RTPROP_OFF	(CONFIG_OFF + NR_CONFIG * EFI_CONFIG_ENTRY_SIZE)
#define RTPROP_SIZE	8u
#define MEMRSV_OFF	(RTPROP_OFF + RTPROP_SIZE)
#define VENDOR_OFF	(MEMRSV_OFF + EFI_MEMRESERVE_SIZE)

static const char vendor[] = "hotvm";

/* EFI GUIDs as stored: time_low, time_mid, time_hi little endian, then 8 bytes. */
static const uint8_t guid_acpi20[16] = {
	0x71, 0xe8, 0x68, 0x88, 0xf1, 0xe4, 0xd3, 0x11,
	0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81,
};	/* 8868e871-e4f1-11d3-bc22-0080c73c8881 */
static const uint8_t guid_rt_properties[16] = {
	0x8a, 0x91, 0x66, 0xeb, 0xef, 0x7e, 0x2a, 0x40,
	0x84, 0x2e, 0x93, 0x1d, 0x21, 0xc3, 0x8a, 0xe9,
};	/* eb66918a-7eef-402a-842e-931d21c38ae9 */
static const uint8_t guid_memreserve[16] = {
	0xc6, 0xb0, 0x8e, 0x88, 0xde, 0x8e, 0xf5, 0x4f,
	0xa8, 0xf0, 0x9a, 0xee, 0x5c, 0xb9, 0x77, 0xc2,
};	/* 888eb0c6-8ede-4ff5-a8f0-9aee5cb977c2: LINUX_EFI_MEMRESERVE_TABLE_GUID */

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

uint32_t efi_crc32(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++) {
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1u));
		}
	}
	return ~crc;
}

struct span {
	uint64_t start, end;
	uint32_t type;
};

static bool aligned(uint64_t v)
{
	return !(v & (EFI_ALIGN - 1));
}

static bool inside(uint64_t start, uint64_t end, const struct efi_range *ram)
{
	return start >= ram->base && end <= ram->base + ram->size && start < end;
}

/*
 * The special spans (loaded ranges widened to EFI_ALIGN, the region),
 * sorted and with overlapping loaded ranges merged: their count, or -EINVAL.
 */
static int special_spans(const struct efi_desc *d, struct span *s)
{
	uint64_t rstart = d->region.base, rend = d->region.base + d->region.size;
	int n = 0;

	for (int i = 0; i < EFI_MAX_LOADED; i++) {
		const struct efi_range *l = &d->loaded[i];
		uint64_t start = l->base & ~(EFI_ALIGN - 1);
		uint64_t end = (l->base + l->size + EFI_ALIGN - 1) & ~(EFI_ALIGN - 1);

		if (!l->size) {
			continue;
		}
		if (l->base + l->size < l->base || !inside(start, end, &d->ram) ||
		    (start < rend && rstart < end)) {
			return -EINVAL;
		}
		s[n++] = (struct span){ start, end, EFI_LOADER_DATA };
	}
	s[n++] = (struct span){ rstart, rend, EFI_ACPI_RECLAIM_MEMORY };
	/* insertion sort by start; then merge overlapping or touching loader spans */
	for (int i = 1; i < n; i++) {
		struct span t = s[i];
		int j = i;

		for (; j > 0 && s[j - 1].start > t.start; j--) {
			s[j] = s[j - 1];
		}
		s[j] = t;
	}
	for (int i = 0; i + 1 < n;) {
		if (s[i].type == EFI_LOADER_DATA && s[i + 1].type == EFI_LOADER_DATA &&
		    s[i + 1].start <= s[i].end) {
			if (s[i + 1].end > s[i].end) {
				s[i].end = s[i + 1].end;
			}
			memmove(&s[i + 1], &s[i + 2], (size_t)(n - i - 2) * sizeof(*s));
			n--;
		} else {
			i++;
		}
	}
	return n;
}

static void put_desc(uint8_t *p, uint32_t type, uint64_t start, uint64_t end)
{
	memset(p, 0, EFI_DESC_SIZE);
	put_le(p + 0, type, 4);
	put_le(p + 8, start, 8);			/* PhysicalStart */
	put_le(p + 16, 0, 8);				/* VirtualStart */
	put_le(p + 24, (end - start) >> 12, 8);		/* NumberOfPages (4 KiB) */
	put_le(p + 32, EFI_MEMORY_CACHEABLE, 8);	/* Attribute */
}

/* Write the memory map at @p (room for EFI_MAX_DESCS): bytes, or -ENOSPC. */
static int memory_map(const struct efi_desc *d, const struct span *s, int n, uint8_t *p)
{
	uint64_t cur = d->ram.base, end = d->ram.base + d->ram.size;
	unsigned int k = 0;

	for (int i = 0; i <= n; i++) {
		uint64_t next = i < n ? s[i].start : end;

		if (next > cur) {
			if (k == EFI_MAX_DESCS) {
				return -ENOSPC;
			}
			put_desc(p + k++ * EFI_DESC_SIZE, EFI_CONVENTIONAL_MEMORY, cur, next);
		}
		if (i < n) {
			if (k == EFI_MAX_DESCS) {
				return -ENOSPC;
			}
			put_desc(p + k++ * EFI_DESC_SIZE, s[i].type, s[i].start, s[i].end);
			cur = s[i].end;
		}
	}
	return (int)(k * EFI_DESC_SIZE);
}

int efi_build(const struct efi_desc *d, uint8_t *buf, size_t size, struct efi_info *out)
{
	struct span s[EFI_MAX_LOADED + 1];
	uint64_t base = d->region.base;
	uint8_t *cfg;
	int n, mlen;

	if (size < EFI_HEAD_SIZE) {
		return -ENOSPC;
	}
	if (!aligned(d->ram.base) || !aligned(d->ram.size) || !aligned(d->region.base) ||
	    !aligned(d->region.size) || d->region.size < EFI_HEAD_SIZE ||
	    !inside(d->region.base, d->region.base + d->region.size, &d->ram) ||
	    d->rsdp < base + EFI_HEAD_SIZE || d->rsdp >= base + d->region.size) {
		return -EINVAL;
	}
	n = special_spans(d, s);
	if (n < 0) {
		return n;
	}
	memset(buf, 0, EFI_HEAD_SIZE);

	mlen = memory_map(d, s, n, buf + EFI_MMAP_OFF);
	if (mlen < 0) {
		return mlen;
	}

	/*
	 * configuration table: ACPI 2.0 RSDP, the runtime properties, and the
	 * empty root of Linux's persistent memory reservations (size, count,
	 * next: all 0, left zeroed by the memset above).
	 */
	cfg = buf + CONFIG_OFF;
	memcpy(cfg, guid_acpi20, 16);
	put_le(cfg + 16, d->rsdp, 8);
	memcpy(cfg + EFI_CONFIG_ENTRY_SIZE, guid_rt_properties, 16);
	put_le(cfg + EFI_CONFIG_ENTRY_SIZE + 16, base + RTPROP_OFF, 8);
	memcpy(cfg + 2 * EFI_CONFIG_ENTRY_SIZE, guid_memreserve, 16);
	put_le(cfg + 2 * EFI_CONFIG_ENTRY_SIZE + 16, base + MEMRSV_OFF, 8);
	put_le(buf + RTPROP_OFF, 1, 2);			/* Version */
	put_le(buf + RTPROP_OFF + 2, RTPROP_SIZE, 2);	/* Length */
	put_le(buf + RTPROP_OFF + 4, 0, 4);		/* RuntimeServicesSupported */
	for (size_t i = 0; i < sizeof(vendor); i++) {	/* UCS-2, NUL included */
		put_le(buf + VENDOR_OFF + 2 * i, (uint8_t)vendor[i], 2);
	}

	/* system table: no console, no boot services, no runtime services */
	put_le(buf + ST_SIGNATURE, EFI_SYSTAB_SIGNATURE, 8);
	put_le(buf + ST_REVISION, EFI_REVISION, 4);
	put_le(buf + ST_HEADER_SIZE, EFI_SYSTAB_SIZE, 4);
	put_le(buf + ST_VENDOR, base + VENDOR_OFF, 8);
	put_le(buf + ST_FW_REVISION, 0x10000, 4);
	put_le(buf + ST_RUNTIME, 0, 8);
	put_le(buf + ST_BOOT, 0, 8);
	put_le(buf + ST_NR_TABLES, NR_CONFIG, 8);
	put_le(buf + ST_TABLES, base + CONFIG_OFF, 8);
	/* the CRC covers HeaderSize bytes with the CRC field itself zero */
	put_le(buf + ST_CRC32, efi_crc32(buf, EFI_SYSTAB_SIZE), 4);

	out->systab = base;
	out->mmap = base + EFI_MMAP_OFF;
	out->mmap_size = (uint32_t)mlen;
	out->desc_size = EFI_DESC_SIZE;
	out->desc_ver = EFI_DESC_VERSION;
	return 0;
}

int efi_fdt_build(const char *bootargs, uint64_t initrd_start, uint64_t initrd_end,
		  const struct efi_info *efi, void *buf, size_t size)
{
	void *fdt = buf;
	int err;

	if (size > INT32_MAX || (initrd_end && initrd_end < initrd_start)) {
		return -EINVAL;
	}
	err = fdt_create(fdt, (int)size);
	err = err ? err : fdt_finish_reservemap(fdt);
	err = err ? err : fdt_begin_node(fdt, "");
	err = err ? err : fdt_property_u32(fdt, "#address-cells", 2);
	err = err ? err : fdt_property_u32(fdt, "#size-cells", 2);
	err = err ? err : fdt_begin_node(fdt, "chosen");
	if (bootargs) {
		err = err ? err : fdt_property_string(fdt, "bootargs", bootargs);
	}
	if (initrd_end) {
		err = err ? err : fdt_property_u64(fdt, "linux,initrd-start", initrd_start);
		err = err ? err : fdt_property_u64(fdt, "linux,initrd-end", initrd_end);
	}
	/* cell sizes as the EFI stub writes them (fdtparams.c reads either) */
	err = err ? err : fdt_property_u64(fdt, "linux,uefi-system-table", efi->systab);
	err = err ? err : fdt_property_u64(fdt, "linux,uefi-mmap-start", efi->mmap);
	err = err ? err : fdt_property_u32(fdt, "linux,uefi-mmap-size", efi->mmap_size);
	err = err ? err : fdt_property_u32(fdt, "linux,uefi-mmap-desc-size", efi->desc_size);
	err = err ? err : fdt_property_u32(fdt, "linux,uefi-mmap-desc-ver", efi->desc_ver);
	/*
	 * Debian's kernels want it (else they ignore all of the above): the
	 * stub's efi_secureboot_mode, disabled (hotvm verifies nothing).
	 */
	err = err ? err : fdt_property_u32(fdt, "linux,uefi-secure-boot", EFI_SECUREBOOT_DISABLED);
	err = err ? err : fdt_end_node(fdt);
	err = err ? err : fdt_end_node(fdt);
	err = err ? err : fdt_finish(fdt);
	if (err == -FDT_ERR_NOSPACE) {
		return -ENOSPC;
	}
	return err ? -EINVAL : (int)fdt_totalsize(fdt);
}
