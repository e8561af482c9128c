// SPDX-License-Identifier: MIT
/* Linux arm64 Image header parsing and RAM placement (see image.h). */
#include <errno.h>
#include <string.h>

#include "lib/image.h"

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--) {
		v = (v << 8) | p[i];
	}
	return v;
}

void image_parse(const void *buf, size_t len, struct image_info *out)
{
	const unsigned char *p = buf;

	memset(out, 0, sizeof(*out));
	if (len < IMAGE_HEADER_SIZE || (uint32_t)le64(p + 56) != IMAGE_MAGIC) {
		return;
	}
	out->linux_image = true;
	out->text_offset = le64(p + 8);
	out->image_size = le64(p + 16);
	out->flags = le64(p + 24);
	/* booting.rst: image_size 0 means a pre-3.17 kernel, text_offset 0x80000. */
	if (out->image_size == 0) {
		out->text_offset = 0x80000;
	}
}

int image_layout(const struct image_info *info, uint64_t file_size, uint64_t initrd_size,
		 uint64_t ram_base, uint64_t ram_size, struct image_layout *out)
{
	uint64_t ram_end = ram_base + ram_size;
	uint64_t footprint = file_size;
	uint64_t top;

	memset(out, 0, sizeof(*out));
	if (ram_base % IMAGE_ALIGN || ram_size < IMAGE_DTB_MAX || ram_end < ram_base) {
		return -EINVAL;
	}
	/* The DTB gets the last whole 2 MiB block of RAM to itself. */
	out->dtb = (ram_end - IMAGE_DTB_MAX) & ~(IMAGE_ALIGN - 1);
	if (out->dtb < ram_base) {
		return -EINVAL;
	}
	out->kernel = ram_base;
	if (info->linux_image) {
		/* A corrupt header could wrap the kernel's address around to pass the checks. */
		if (info->text_offset > UINT64_MAX - ram_base ||
		    info->image_size > UINT64_MAX - ram_base - info->text_offset) {
			return -ERANGE;
		}
		out->kernel += info->text_offset;
		if (info->image_size > footprint) {
			footprint = info->image_size;
		}
	}
	out->entry = out->kernel;
	if (out->kernel > out->dtb || footprint > out->dtb - out->kernel) {
		return -EFBIG;
	}
	out->kernel_end = out->kernel + footprint;
	top = out->dtb;
	if (initrd_size) {
		if (initrd_size > top - out->kernel_end) {
			return -ENOSPC;
		}
		out->initrd = (top - initrd_size) & ~0xfffull;
		if (out->initrd < out->kernel_end) {
			return -ENOSPC;
		}
		out->initrd_end = out->initrd + initrd_size;
	}
	return 0;
}

uint64_t image_split(const struct image_layout *l, uint64_t kernel_size, uint64_t initrd_size)
{
	uint64_t half = kernel_size / 2 + initrd_size / 2;
	uint64_t tail = half > initrd_size ? half - initrd_size : 0;
	uint64_t end = (l->kernel + kernel_size - tail) & ~(IMAGE_ALIGN - 1);

	return end > l->kernel ? end - l->kernel : 0;
}
