// SPDX-License-Identifier: MIT
/*
 * Unit tests for Image parsing/placement, RAM mapping and bounds, exit
 * decisions and the start-up phase clock.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lib/exit.h"
#include "lib/image.h"
#include "lib/phase.h"
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

/*
 * Does /proc/self/maps have a mapping of exactly [start, end)? @total gets
 * the bytes of every mapping together.
 */
static bool mapped_exactly(uintptr_t start, uintptr_t end, uintmax_t *total)
{
	FILE *f = fopen("/proc/self/maps", "r");
	uintmax_t a, b;
	char line[512];
	bool found = false;

	ck_assert_ptr_nonnull(f);
	*total = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%jx-%jx", &a, &b) == 2) {
			found = found || (a == start && b == end);
			*total += b - a;
		}
	}
	fclose(f);
	return found;
}

START_TEST(test_split)
{
	static const uint64_t kernels[] = { 4096, 2 * MiB, 3 * MiB + 5, 35 * MiB + 12345, 64 * MiB };
	static const uint64_t initrds[] = { 0, 4096, 5 * MiB + 7, 100 * MiB };
	static const uint64_t offsets[] = { 0, 0x80000 };

	for (unsigned int i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
		for (unsigned int j = 0; j < sizeof(initrds) / sizeof(initrds[0]); j++) {
			for (unsigned int k = 0; k < 2; k++) {
				struct image_layout l = { .kernel = BASE + offsets[k] };
				uint64_t ks = kernels[i], is = initrds[j];
				uint64_t head = image_split(&l, ks, is);
				uint64_t other = ks - head + is;

				ck_assert_uint_le(head, ks);
				/* the first share ends on a 2 MiB boundary unless it is empty */
				ck_assert(head == 0 || (l.kernel + head) % IMAGE_ALIGN == 0);
				/*
				 * About even: the other share is at most one 2 MiB block
				 * more than half; with an initrd as big as the kernel, it
				 * takes only what follows the kernel's last boundary.
				 */
				if (is < ks) {
					ck_assert_uint_le(other, (ks + is) / 2 + IMAGE_ALIGN);
				} else {
					ck_assert_uint_lt(ks - head, IMAGE_ALIGN);
				}
			}
		}
	}
	/* 35 MiB kernel, 5 MiB initrd at RAM base: 20 MiB each */
	{
		struct image_layout l = { .kernel = BASE };

		ck_assert_uint_eq(image_split(&l, 35 * MiB, 5 * MiB), 20 * MiB);
	}
}
END_TEST

START_TEST(test_ram_map)
{
	/* Sizes that are and are not a multiple of the block. */
	static const uint64_t sizes[] = { 6 * MiB, 2 * MiB + 4096, 64 * MiB };

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t size = sizes[i];
		uintmax_t before, after;
		uint8_t *p;

		mapped_exactly(0, 0, &before);
		mapped_exactly(0, 0, &before); /* the first call may set up stdio */
		p = ram_map(size);

		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % RAM_HUGE_ALIGN, 0);
		/* zero-filled, writable at both ends */
		ck_assert_uint_eq(p[0], 0);
		ck_assert_uint_eq(p[size - 1], 0);
		p[0] = 1;
		p[size - 1] = 2;
		/* the alignment slack was given back: one mapping, exactly the size */
		ck_assert_msg(mapped_exactly((uintptr_t)p, (uintptr_t)p + size, &after),
			      "no mapping of exactly %" PRIu64 " bytes at %p", size, (void *)p);
		ck_assert_uint_eq(after - before, size);
		ram_unmap(p, size);
		ck_assert(!mapped_exactly((uintptr_t)p, (uintptr_t)p + size, &after));
		ck_assert_uint_eq(after, before);
	}
	errno = 0;
	ck_assert_ptr_null(ram_map(0));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(ram_map(UINT64_MAX - 4095));
	ck_assert_int_eq(errno, EINVAL);
	ram_unmap(NULL, 4096); /* nothing to free */
}
END_TEST

START_TEST(test_phase)
{
	phase_clear();
	ck_assert_int_eq(phase_ns(PHASE_START), -1);
	phase_mark(PHASE_CPUS); /* before the start: no time yet */
	ck_assert_int_eq(phase_ns(PHASE_CPUS), -1);
	phase_clear();
	phase_mark_at(PHASE_START, 1000000000);
	phase_mark_at(PHASE_VM, 1002500000);
	phase_mark_at(PHASE_VM, 1009000000); /* the first mark stays */
	phase_mark_at(PHASE_COUNT, 5); /* out of range: ignored */
	ck_assert_int_eq(phase_ns(PHASE_START), 0);
	ck_assert_int_eq(phase_ns(PHASE_VM), 2500000);
	ck_assert_int_eq(phase_ns(PHASE_RAM), -1);
	ck_assert_str_eq(phase_name(PHASE_VM), "vm");
	ck_assert_str_eq(phase_name(PHASE_END), "end");
	ck_assert_str_eq(phase_name(PHASE_COUNT), "?");
	for (int p = 0; p < PHASE_COUNT; p++) {
		ck_assert_str_ne(phase_name((enum phase)p), "?");
	}
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		ck_assert_ptr_nonnull(f);
		phase_print(f);
		fclose(f);
		ck_assert_str_eq(buf, "hotvm-stats: what=phase name=start ms=0.000 mono_ms=1000.000\n"
				      "hotvm-stats: what=phase name=vm ms=2.500\n");
		free(buf);
	}
	phase_clear();
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
	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_ram_map);
	tcase_add_test(tc, test_phase);
	tcase_add_test(tc, test_exit);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
