// SPDX-License-Identifier: MIT
/* Unit tests for Image parsing/placement, RAM bounds and exit decisions. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lib/exit.h"
#include "lib/image.h"
#include "lib/ram.h"

#define MiB (1ull << 20)
#define BASE 0x80000000ull

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		p[i] = (unsigned char)(v >> (8 * i));
	}
}

static void header(unsigned char *h, uint64_t text_offset, uint64_t image_size)
{
	memset(h, 0, IMAGE_HEADER_SIZE);
	put64(h + 8, text_offset);
	put64(h + 16, image_size);
	put64(h + 24, 0xa);
	memcpy(h + 56, "ARM\x64", 4);
}

START_TEST(test_parse)
{
	unsigned char h[IMAGE_HEADER_SIZE];
	struct image_info info;

	header(h, 0, 40 * MiB);
	image_parse(h, sizeof(h), &info);
	ck_assert(info.linux_image);
	ck_assert_uint_eq(info.text_offset, 0);
	ck_assert_uint_eq(info.image_size, 40 * MiB);
	ck_assert_uint_eq(info.flags, 0xa);

	/* image_size 0: old kernel, text_offset 0x80000 whatever the field says */
	header(h, 0x1234, 0);
	image_parse(h, sizeof(h), &info);
	ck_assert(info.linux_image);
	ck_assert_uint_eq(info.text_offset, 0x80000);

	/* too short or no magic: raw binary */
	image_parse(h, IMAGE_HEADER_SIZE - 1, &info);
	ck_assert(!info.linux_image);
	h[56] = 'X';
	image_parse(h, sizeof(h), &info);
	ck_assert(!info.linux_image);
}
END_TEST

START_TEST(test_layout)
{
	struct image_info linux_img = { .linux_image = true, .image_size = 40 * MiB };
	struct image_info raw = { 0 };
	struct image_layout l;

	ck_assert_int_eq(image_layout(&raw, 200, 0, BASE, 64 * MiB, &l), 0);
	ck_assert_uint_eq(l.kernel, BASE);
	ck_assert_uint_eq(l.entry, BASE);
	ck_assert_uint_eq(l.dtb, BASE + 62 * MiB);
	ck_assert_uint_eq(l.initrd, 0);

	/* Linux: footprint is image_size (bss included), not the file size */
	ck_assert_int_eq(image_layout(&linux_img, 35 * MiB, 10 * MiB + 5, BASE, 256 * MiB, &l), 0);
	ck_assert_uint_eq(l.kernel_end, BASE + 40 * MiB);
	ck_assert_uint_eq(l.initrd_end - l.initrd, 10 * MiB + 5);
	ck_assert_uint_eq(l.initrd % 4096, 0);
	ck_assert_uint_ge(l.initrd, l.kernel_end);
	ck_assert_uint_le(l.initrd_end, l.dtb);

	linux_img.text_offset = 0x80000;
	ck_assert_int_eq(image_layout(&linux_img, 35 * MiB, 0, BASE, 256 * MiB, &l), 0);
	ck_assert_uint_eq(l.entry, BASE + 0x80000);

	/* does not fit */
	ck_assert_int_eq(image_layout(&linux_img, 35 * MiB, 0, BASE, 40 * MiB, &l), -EFBIG);
	ck_assert_int_eq(image_layout(&raw, 15 * MiB, 0, BASE, 16 * MiB, &l), -EFBIG);
	ck_assert_int_eq(image_layout(&raw, 14 * MiB, 0, BASE, 16 * MiB, &l), 0);
	ck_assert_int_eq(image_layout(&raw, 1 * MiB, 14 * MiB, BASE, 16 * MiB, &l), -ENOSPC);
	ck_assert_int_eq(image_layout(&raw, 1 * MiB, 13 * MiB, BASE, 16 * MiB, &l), 0);
	ck_assert_int_eq(image_layout(&raw, 100, 0, BASE + 4096, 16 * MiB, &l), -EINVAL);
	ck_assert_int_eq(image_layout(&raw, 100, 0, BASE, 1 * MiB, &l), -EINVAL);
}
END_TEST

/*
 * A header whose text_offset or image_size runs past the end of the 64-bit
 * address space must be refused as such, not wrap to an address that
 * passes the bounds checks.
 */
START_TEST(test_header_wrap)
{
	unsigned char h[IMAGE_HEADER_SIZE];
	struct image_info info;
	struct image_layout l;

	/* BASE + text_offset wraps to 2 MiB: "below" the DTB, 40 MiB fit */
	header(h, UINT64_MAX - BASE + 1 + 2 * MiB, 40 * MiB);
	image_parse(h, sizeof(h), &info);
	ck_assert_int_eq(image_layout(&info, 35 * MiB, 0, BASE, 256 * MiB, &l), -ERANGE);
	header(h, UINT64_MAX, 40 * MiB);
	image_parse(h, sizeof(h), &info);
	ck_assert_int_eq(image_layout(&info, 35 * MiB, 0, BASE, 256 * MiB, &l), -ERANGE);
	/* text_offset fine, image_size runs past 2^64 */
	header(h, 0, UINT64_MAX - BASE + 1);
	image_parse(h, sizeof(h), &info);
	ck_assert_int_eq(image_layout(&info, 35 * MiB, 0, BASE, 256 * MiB, &l), -ERANGE);
	header(h, 0x80000, UINT64_MAX);
	image_parse(h, sizeof(h), &info);
	ck_assert_int_eq(image_layout(&info, 35 * MiB, 0, BASE, 256 * MiB, &l), -ERANGE);

	/* merely too big for this RAM: -EFBIG as before */
	header(h, 1ull << 40, 40 * MiB);
	image_parse(h, sizeof(h), &info);
	ck_assert_int_eq(image_layout(&info, 35 * MiB, 0, BASE, 256 * MiB, &l), -EFBIG);
	header(h, 0, 1ull << 40);
	image_parse(h, sizeof(h), &info);
	ck_assert_int_eq(image_layout(&info, 35 * MiB, 0, BASE, 256 * MiB, &l), -EFBIG);

	/* whatever the header says, a placed kernel lies inside RAM, below the DTB */
	for (int i = 0; i < 64; i++) {
		static const uint64_t sizes[] = { 0, 1, 40 * MiB, 254 * MiB, UINT64_MAX };

		for (unsigned int j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
			header(h, 1ull << i, sizes[j]);
			image_parse(h, sizeof(h), &info);
			if (image_layout(&info, 1 * MiB, 0, BASE, 256 * MiB, &l) == 0) {
				ck_assert_uint_ge(l.kernel, BASE);
				ck_assert_uint_le(l.kernel_end, l.dtb);
				ck_assert_uint_le(l.kernel, l.kernel_end);
			}
			header(h, -(1ull << i), sizes[j]);
			image_parse(h, sizeof(h), &info);
			if (image_layout(&info, 1 * MiB, 0, BASE, 256 * MiB, &l) == 0) {
				ck_assert_uint_ge(l.kernel, BASE);
				ck_assert_uint_le(l.kernel_end, l.dtb);
				ck_assert_uint_le(l.kernel, l.kernel_end);
			}
		}
	}
}
END_TEST

START_TEST(test_ram)
{
	static uint8_t mem[4096];
	struct ram r = { .base = BASE, .size = sizeof(mem), .hva = mem };

	ck_assert_ptr_eq(ram_ptr(&r, BASE, 4096), mem);
	ck_assert_ptr_eq(ram_ptr(&r, BASE + 4095, 1), mem + 4095);
	ck_assert_ptr_eq(ram_ptr(&r, BASE + 4096, 0), mem + 4096);
	ck_assert_ptr_null(ram_ptr(&r, BASE + 4095, 2));
	ck_assert_ptr_null(ram_ptr(&r, BASE - 1, 1));
	ck_assert_ptr_null(ram_ptr(&r, BASE + 8, UINT64_MAX));
	ck_assert_ptr_null(ram_ptr(&r, UINT64_MAX, 2));
	ck_assert(ram_has(&r, BASE));
	ck_assert(!ram_has(&r, BASE + 4096));
	ck_assert(!ram_has(&r, 0));
}
END_TEST

START_TEST(test_exit)
{
	struct exit_policy user = { .psci_user = true };
	struct exit_policy kern = { 0 };
	struct exit_policy noreboot = { .psci_user = true, .reboot_exit = true };
	struct exit_info e = { 0 };

	e.type = EXIT_HYPERCALL;
	ck_assert_int_eq(exit_decide(&e, &user), ACT_HYPERCALL);
	ck_assert_int_eq(exit_decide(&e, &kern), ACT_FATAL);
	e.type = EXIT_MMIO;
	ck_assert_int_eq(exit_decide(&e, &user), ACT_MMIO);
	e.type = EXIT_INTR;
	ck_assert_int_eq(exit_decide(&e, &user), ACT_CHECK);
	e.type = EXIT_SHUTDOWN;
	ck_assert_int_eq(exit_decide(&e, &kern), ACT_POWEROFF);
	e.type = EXIT_RESET;
	ck_assert_int_eq(exit_decide(&e, &kern), ACT_REBOOT);
	ck_assert_int_eq(exit_decide(&e, &noreboot), ACT_POWEROFF);
	e.type = EXIT_WAKEUP;
	ck_assert_int_eq(exit_decide(&e, &user), ACT_WAKE);
	e.type = EXIT_FAIL_ENTRY;
	ck_assert_int_eq(exit_decide(&e, &user), ACT_FATAL);
	e.type = EXIT_OTHER;
	ck_assert_int_eq(exit_decide(&e, &user), ACT_FATAL);
	ck_assert_str_eq(exit_name(24), "SYSTEM_EVENT");
	ck_assert_str_eq(exit_name(1000), "?");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("image");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_header_wrap);
	tcase_add_test(tc, test_ram);
	tcase_add_test(tc, test_exit);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
