// SPDX-License-Identifier: MIT
/* Unit tests for the EFI system table, memory map and /chosen-only DT. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <libfdt.h>

#include "unit.h"
#include "lib/efi.h"

#define MiB (1ull << 20)
#define KiB (1ull << 10)
#define RAM 0x80000000ull
#define TOP (RAM + 256 * MiB)
#define DTB (TOP - 2 * MiB)
#define REGION (DTB + 64 * KiB)
#define RSDP (REGION + EFI_HEAD_SIZE)

static uint8_t buf[EFI_HEAD_SIZE];

static uint64_t le(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = bytes; i-- > 0;) {
		v = (v << 8) | p[i];
	}
	return v;
}

/* A 256 MiB guest: 40 MiB kernel, 5 MiB initrd below the DTB block. */
static struct efi_desc desc(void)
{
	struct efi_desc d = {
		.ram = { RAM, 256 * MiB },
		.loaded = {
			{ RAM, 40 * MiB + 123 },
			{ DTB - 5 * MiB - 0x3000, 5 * MiB + 0x2345 },
			{ DTB, 0x1234 },
		},
		.region = { REGION, TOP - REGION },
		.rsdp = RSDP,
	};
	return d;
}

/* The address @gpa inside the region as a pointer into buf. */
static const uint8_t *at(uint64_t gpa)
{
	ck_assert_uint_ge(gpa, REGION);
	ck_assert_uint_lt(gpa, REGION + EFI_HEAD_SIZE);
	return buf + (gpa - REGION);
}

struct want {
	uint32_t type;
	uint64_t start, end;
};

static void check_map(const struct efi_info *info, const struct want *w, unsigned int n)
{
	const uint8_t *m = at(info->mmap);

	ck_assert_uint_eq(info->desc_size, 48);
	ck_assert_uint_eq(info->desc_ver, 1);
	ck_assert_uint_eq(info->mmap_size, n * 48);
	for (unsigned int i = 0; i < n; i++, m += 48) {
		ck_assert_uint_eq(le(m, 4), w[i].type);
		ck_assert_uint_eq(le(m + 8, 8), w[i].start);
		ck_assert_uint_eq(le(m + 16, 8), 0);
		ck_assert_uint_eq(le(m + 24, 8), (w[i].end - w[i].start) / 4096);
		ck_assert_uint_eq(le(m + 32, 8), 0xf); /* UC|WC|WT|WB */
	}
}

START_TEST(test_crc32)
{
	ck_assert_uint_eq(efi_crc32("123456789", 9), 0xcbf43926u);
	ck_assert_uint_eq(efi_crc32("", 0), 0);
}
END_TEST

START_TEST(test_systab)
{
	static const uint8_t acpi20[16] = { 0x71, 0xe8, 0x68, 0x88, 0xf1, 0xe4, 0xd3, 0x11,
					    0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 };
	static const uint8_t rtprop[16] = { 0x8a, 0x91, 0x66, 0xeb, 0xef, 0x7e, 0x2a, 0x40,
					    0x84, 0x2e, 0x93, 0x1d, 0x21, 0xc3, 0x8a, 0xe9 };
	static const uint8_t memrsv[16] = { 0xc6, 0xb0, 0x8e, 0x88, 0xde, 0x8e, 0xf5, 0x4f,
					    0xa8, 0xf0, 0x9a, 0xee, 0x5c, 0xb9, 0x77, 0xc2 };
	struct efi_desc d = desc();
	struct efi_info info;
	uint8_t copy[120];
	const uint8_t *st, *cfg, *rt, *v, *mr;
	uint64_t mr_gpa;

	memset(buf, 0xaa, sizeof(buf));
	ck_assert_int_eq(efi_build(&d, buf, sizeof(buf), &info), 0);
	ck_assert_uint_eq(info.systab, REGION);
	st = at(info.systab);
	ck_assert_mem_eq(st, "IBI SYST", 8);
	ck_assert_uint_eq(le(st + 8, 4), 0x20046); /* 2.70 */
	ck_assert_uint_eq(le(st + 12, 4), 120);
	/* CRC32 over the 120 header bytes with the CRC field zero */
	memcpy(copy, st, sizeof(copy));
	memset(copy + 16, 0, 4);
	ck_assert_uint_eq(le(st + 16, 4), efi_crc32(copy, sizeof(copy)));
	ck_assert_uint_ne(le(st + 16, 4), 0);
	ck_assert_uint_eq(le(st + 20, 4), 0);
	/* vendor: "hotvm" in UCS-2 */
	v = at(le(st + 24, 8));
	for (int i = 0; i < 6; i++) {
		ck_assert_uint_eq(le(v + 2 * i, 2), (uint8_t)"hotvm"[i]);
	}
	for (int off = 40; off < 104; off += 8) { /* consoles, runtime, boot services */
		ck_assert_uint_eq(le(st + off, 8), 0);
	}
	ck_assert_uint_eq(le(st + 104, 8), 3);
	cfg = at(le(st + 112, 8));
	ck_assert_mem_eq(cfg, acpi20, 16);
	ck_assert_uint_eq(le(cfg + 16, 8), RSDP);
	ck_assert_mem_eq(cfg + 24, rtprop, 16);
	rt = at(le(cfg + 40, 8));
	ck_assert_uint_eq(le(rt, 2), 1);
	ck_assert_uint_eq(le(rt + 2, 2), 8);
	ck_assert_uint_eq(le(rt + 4, 4), 0);
	/*
	 * LINUX_EFI_MEMRESERVE_TABLE, as the EFI stub installs it: an empty
	 * struct linux_efi_memreserve (size 0, count 0, next 0), 8-byte
	 * aligned, inside the head and clear of the other structures, on RAM
	 * that was 0xaa before (the kernel links its reservations to it).
	 */
	ck_assert_mem_eq(cfg + 48, memrsv, 16);
	mr_gpa = le(cfg + 64, 8);
	ck_assert_uint_eq(mr_gpa % 8, 0);
	ck_assert_uint_ge(mr_gpa, le(cfg + 40, 8) + 8);	/* after the RT properties */
	ck_assert_uint_le(mr_gpa + EFI_MEMRESERVE_SIZE, le(st + 24, 8)); /* before the vendor */
	mr = at(mr_gpa);
	ck_assert_uint_eq(le(mr, 4), 0);	/* size: no entries of its own */
	ck_assert_uint_eq(le(mr + 4, 4), 0);	/* count */
	ck_assert_uint_eq(le(mr + 8, 8), 0);	/* next: none */
	ck_assert_uint_le(le(st + 24, 8) + 12, REGION + EFI_MMAP_OFF);

	/* a different RSDP changes the table, not the header: CRC unchanged */
	d.rsdp = RSDP + 0x40;
	ck_assert_int_eq(efi_build(&d, buf, sizeof(buf), &info), 0);
	ck_assert_uint_eq(le(at(le(st + 112, 8)) + 16, 8), RSDP + 0x40);
}
END_TEST

START_TEST(test_map)
{
	/*
	 * Loader ranges widened to 64 KiB (touching ones merged), the rest
	 * conventional, the region ACPI reclaim.
	 */
	static const struct want w[] = {
		{ EFI_LOADER_DATA, RAM, RAM + 40 * MiB + 64 * KiB },
		{ EFI_CONVENTIONAL_MEMORY, RAM + 40 * MiB + 64 * KiB, DTB - 5 * MiB - 64 * KiB },
		{ EFI_LOADER_DATA, DTB - 5 * MiB - 64 * KiB, DTB + 64 * KiB }, /* initrd + DT */
		{ EFI_ACPI_RECLAIM_MEMORY, REGION, TOP },
	};
	struct efi_desc d = desc();
	struct efi_info info;

	ck_assert_int_eq(efi_build(&d, buf, sizeof(buf), &info), 0);
	ck_assert_uint_eq(info.mmap, REGION + EFI_MMAP_OFF);
	check_map(&info, w, 4);
}
END_TEST

START_TEST(test_map_merge)
{
	/* no initrd; a kernel at 0x80000 and a DT touching it: one loader range */
	static const struct want w[] = {
		{ EFI_CONVENTIONAL_MEMORY, RAM, RAM + 0x80000 },
		{ EFI_LOADER_DATA, RAM + 0x80000, RAM + 12 * MiB },
		{ EFI_CONVENTIONAL_MEMORY, RAM + 12 * MiB, REGION },
		{ EFI_ACPI_RECLAIM_MEMORY, REGION, TOP },
	};
	struct efi_desc d = {
		.ram = { RAM, 256 * MiB },
		.loaded = { { RAM + 10 * MiB + 100, 2 * MiB - 200 }, { RAM + 0x80000, 10 * MiB } },
		.region = { REGION, TOP - REGION },
		.rsdp = RSDP,
	};
	struct efi_info info;

	ck_assert_int_eq(efi_build(&d, buf, sizeof(buf), &info), 0);
	check_map(&info, w, 4);
}
END_TEST

START_TEST(test_errors)
{
	struct efi_desc d = desc();
	struct efi_info info;

	ck_assert_int_eq(efi_build(&d, buf, EFI_HEAD_SIZE - 1, &info), -ENOSPC);
	d.region.base += 4096;
	d.region.size -= 4096;
	ck_assert_int_eq(efi_build(&d, buf, sizeof(buf), &info), -EINVAL);
	d = desc();
	d.region.size += 64 * KiB; /* past the end of RAM */
	ck_assert_int_eq(efi_build(&d, buf, sizeof(buf), &info), -EINVAL);
	d = desc();
	d.loaded[2].size = 64 * KiB + 1; /* the DT runs into the region */
	ck_assert_int_eq(efi_build(&d, buf, sizeof(buf), &info), -EINVAL);
	d = desc();
	d.loaded[0].base = RAM - 4096; /* below RAM */
	ck_assert_int_eq(efi_build(&d, buf, sizeof(buf), &info), -EINVAL);
	d = desc();
	d.rsdp = REGION + 8; /* inside the EFI head, not the ACPI tables */
	ck_assert_int_eq(efi_build(&d, buf, sizeof(buf), &info), -EINVAL);
	d.rsdp = TOP;
	ck_assert_int_eq(efi_build(&d, buf, sizeof(buf), &info), -EINVAL);
}
END_TEST

static const void *prop(const void *fdt, const char *name, int *len)
{
	int node = fdt_path_offset(fdt, "/chosen");

	ck_assert_int_ge(node, 0);
	return fdt_getprop(fdt, node, name, len);
}

START_TEST(test_fdt)
{
	static uint8_t fdt[4096];
	struct efi_info info = { REGION, REGION + EFI_MMAP_OFF, 5 * 48, 48, 1 };
	const uint8_t *v;
	int len, node, n = 0;

	ck_assert_int_gt(efi_fdt_build("console=ttyS0", 0x8f000000, 0x8f100000, &info, fdt,
				       sizeof(fdt)),
			 0);
	ck_assert_int_eq(fdt_check_header(fdt), 0);
	/* the root holds /chosen and nothing else: arm64 Linux then takes ACPI */
	fdt_for_each_subnode(node, fdt, 0) {
		ck_assert_str_eq(fdt_get_name(fdt, node, NULL), "chosen");
		n++;
	}
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(prop(fdt, "bootargs", &len), "console=ttyS0");
	v = prop(fdt, "linux,initrd-start", &len);
	ck_assert_int_eq(len, 8);
	ck_assert_uint_eq(fdt64_ld((const fdt64_t *)v), 0x8f000000);
	v = prop(fdt, "linux,initrd-end", &len);
	ck_assert_uint_eq(fdt64_ld((const fdt64_t *)v), 0x8f100000);
	v = prop(fdt, "linux,uefi-system-table", &len);
	ck_assert_int_eq(len, 8);
	ck_assert_uint_eq(fdt64_ld((const fdt64_t *)v), REGION);
	v = prop(fdt, "linux,uefi-mmap-start", &len);
	ck_assert_int_eq(len, 8);
	ck_assert_uint_eq(fdt64_ld((const fdt64_t *)v), REGION + EFI_MMAP_OFF);
	v = prop(fdt, "linux,uefi-mmap-size", &len);
	ck_assert_int_eq(len, 4);
	ck_assert_uint_eq(fdt32_ld((const fdt32_t *)v), 240);
	v = prop(fdt, "linux,uefi-mmap-desc-size", &len);
	ck_assert_int_eq(len, 4);
	ck_assert_uint_eq(fdt32_ld((const fdt32_t *)v), 48);
	v = prop(fdt, "linux,uefi-mmap-desc-ver", &len);
	ck_assert_int_eq(len, 4);
	ck_assert_uint_eq(fdt32_ld((const fdt32_t *)v), 1);
	v = prop(fdt, "linux,uefi-secure-boot", &len);
	ck_assert_int_eq(len, 4);
	ck_assert_uint_eq(fdt32_ld((const fdt32_t *)v), 2);

	/* no bootargs, no initrd */
	ck_assert_int_gt(efi_fdt_build(NULL, 0, 0, &info, fdt, sizeof(fdt)), 0);
	ck_assert_ptr_null(prop(fdt, "bootargs", &len));
	ck_assert_ptr_null(prop(fdt, "linux,initrd-start", &len));
	ck_assert_ptr_nonnull(prop(fdt, "linux,uefi-system-table", &len));

	ck_assert_int_eq(efi_fdt_build("x", 0, 0, &info, fdt, 64), -ENOSPC);
	ck_assert_int_eq(efi_fdt_build("x", 2, 1, &info, fdt, sizeof(fdt)), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("efi");
	TCase *tc = tcase_create("efi");

	tcase_add_test(tc, test_crc32);
	tcase_add_test(tc, test_systab);
	tcase_add_test(tc, test_map);
	tcase_add_test(tc, test_map_merge);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_fdt);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
