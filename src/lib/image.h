/* SPDX-License-Identifier: MIT */
/*
 * Kernel images and where they go in guest RAM.
 *
 * A Linux arm64 Image (Documentation/arch/arm64/booting.rst) is recognised
 * by its header magic "ARM\x64" at offset 56 and loaded at a 2 MiB aligned
 * base plus text_offset. Anything else is a raw binary, loaded at the start
 * of RAM and entered there. Both get x0 = the DTB address.
 *
 * RAM layout (from the top): the DTB in the last 2 MiB block, the initrd
 * just below it (4 KiB aligned), the kernel from the bottom.
 */
#ifndef HOTVM_IMAGE_H
#define HOTVM_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMAGE_MAGIC		0x644d5241u	/* "ARM\x64", little endian */
#define IMAGE_HEADER_SIZE	64
#define IMAGE_ALIGN		0x200000ull	/* 2 MiB */
#define IMAGE_DTB_MAX		0x200000ull	/* booting.rst: at most 2 MiB */

struct image_info {
	bool linux_image;	/* else raw binary */
	uint64_t text_offset;
	uint64_t image_size;	/* memory footprint incl. bss; >= file size */
	uint64_t flags;
};

struct image_layout {
	uint64_t kernel;	/* load address */
	uint64_t entry;
	uint64_t kernel_end;	/* end of the footprint (image_size) */
	uint64_t dtb;
	uint64_t initrd;	/* 0: none */
	uint64_t initrd_end;
};

/* Parse @len bytes of a kernel file (fewer than a header: raw binary). */
void image_parse(const void *buf, size_t len, struct image_info *out);
/*
 * Place a kernel of @file_size bytes and an initrd of @initrd_size bytes
 * (0: none) in RAM [@ram_base, @ram_base + @ram_size). -EFBIG: the kernel
 * does not fit; -ERANGE: the Linux Image header's text_offset or image_size
 * runs past the end of the 64-bit address space (a corrupt header);
 * -ENOSPC: kernel and initrd together do not fit; -EINVAL: RAM base not
 * 2 MiB aligned or RAM smaller than the DTB block.
 */
int image_layout(const struct image_info *info, uint64_t file_size, uint64_t initrd_size,
		 uint64_t ram_base, uint64_t ram_size, struct image_layout *out);

/*
 * Split the loading of a kernel of @kernel_size bytes at @l->kernel and an
 * initrd of @initrd_size bytes (0: none) between two threads: one reads
 * the kernel's first bytes (the returned count), the other the rest of the
 * kernel and the initrd. The shares are about even, and the first ends on
 * an IMAGE_ALIGN boundary of guest RAM (or is 0, or all of the kernel), so
 * that no 2 MiB block of RAM is written by both.
 */
uint64_t image_split(const struct image_layout *l, uint64_t kernel_size, uint64_t initrd_size);

#endif
