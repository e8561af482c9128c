// SPDX-License-Identifier: MIT
/*
 * Images: open the kernel and initrd once, place them in guest RAM
 * (lib/image.c), build the DTB, and load all three into RAM at every boot,
 * the files straight from their descriptors. A reset writes only these
 * ranges: the rest of RAM survives.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fdt.h"
#include "vmm/vmm.h"

#define DTB_BUF_SIZE 0x100000	/* 1 MiB: 512 cpu nodes need about 60 KiB */

/*
 * Open @path for the VM's lifetime if it is a non-empty regular file of at
 * most @max bytes. hotvm keeps the descriptor, not a copy of the contents:
 * every (re)boot reads the image from it straight into guest RAM, so a
 * Linux Image costs no host memory beyond the page cache that VMs share.
 */
static int open_image(const char *what, const char *path, uint64_t max, struct boot_file *f)
{
	int err = 0;

	f->what = what;
	f->path = path;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		err = errno;
		fprintf(stderr, "hotvm: cannot open %s '%s': %s\n", what, path, strerror(err));
		return -err;
	}
	if (fstat(f->fd, &f->st) < 0 || !S_ISREG(f->st.st_mode)) {
		err = S_ISDIR(f->st.st_mode) ? EISDIR : EINVAL;
		fprintf(stderr, "hotvm: %s '%s' is not a regular file\n", what, path);
	} else if ((uint64_t)f->st.st_size > max) {
		err = EFBIG;
		fprintf(stderr, "hotvm: %s '%s' (%llu bytes) is too big for guest RAM (%llu MiB)\n",
			what, path, (unsigned long long)f->st.st_size,
			(unsigned long long)(max >> 20));
	} else if (f->st.st_size == 0) {
		err = EINVAL;
		fprintf(stderr, "hotvm: %s '%s' is empty\n", what, path);
	}
	if (err) {
		close(f->fd);
		f->fd = -1;
		return -err;
	}
	f->size = (size_t)f->st.st_size;
	return 0;
}

/* Read @len bytes at @off of @f into @dst; the file must still be as opened. */
static int read_image(const struct boot_file *f, void *dst, size_t len, off_t off)
{
	struct stat st;
	size_t done = 0;

	/*
	 * A reset must boot what the VM started with: refuse, rather than
	 * boot half of a kernel that is being rebuilt in place.
	 */
	if (fstat(f->fd, &st) < 0 || st.st_size != f->st.st_size ||
	    st.st_mtim.tv_sec != f->st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec) {
		fprintf(stderr, "hotvm: %s '%s' changed since hotvm started: not loading it again\n",
			f->what, f->path);
		return -ESTALE;
	}
	while (done < len) {
		ssize_t n = pread(f->fd, (uint8_t *)dst + done, len - done, off + (off_t)done);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			fprintf(stderr, "hotvm: cannot read %s '%s': %s\n", f->what, f->path,
				strerror(err));
			return -err;
		}
		done += (size_t)n;
	}
	return 0;
}

int boot_prepare(struct vmm *v)
{
	struct config *cfg = v->cfg;
	int ret;

	uint8_t header[IMAGE_HEADER_SIZE];
	size_t hlen;

	ret = open_image("kernel", cfg->kernel, v->ram.size, &v->kernel);
	if (ret) {
		return ret;
	}
	v->kernel_size = v->kernel.size;
	if (cfg->initrd) {
		ret = open_image("initrd", cfg->initrd, v->ram.size, &v->initrd);
		if (ret) {
			return ret;
		}
		v->initrd_size = v->initrd.size;
	}
	hlen = v->kernel_size < sizeof(header) ? v->kernel_size : sizeof(header);
	ret = read_image(&v->kernel, header, hlen, 0);
	if (ret) {
		return ret;
	}
	image_parse(header, hlen, &v->info);
	ret = image_layout(&v->info, v->kernel_size, v->initrd_size, v->ram.base, v->ram.size,
			   &v->layout);
	if (ret == -ERANGE) {
		fprintf(stderr,
			"hotvm: kernel '%s': corrupt Linux Image header: text_offset 0x%llx and "
			"image_size 0x%llx run past the end of the address space\n",
			cfg->kernel, (unsigned long long)v->info.text_offset,
			(unsigned long long)v->info.image_size);
	} else if (ret == -EFBIG && v->info.linux_image && v->info.text_offset >= v->ram.size) {
		fprintf(stderr,
			"hotvm: kernel '%s': Linux Image header's text_offset 0x%llx lies beyond "
			"--mem %lu MiB\n",
			cfg->kernel, (unsigned long long)v->info.text_offset, cfg->mem);
	} else if (ret == -EFBIG) {
		fprintf(stderr,
			"hotvm: kernel '%s' (%s, %llu bytes in RAM) does not fit in --mem %lu MiB "
			"(the last 2 MiB hold the DTB)\n",
			cfg->kernel, v->info.linux_image ? "Linux Image" : "raw binary",
			(unsigned long long)(v->info.linux_image && v->info.image_size >
							 v->kernel_size ?
						     v->info.image_size :
						     v->kernel_size),
			cfg->mem);
	} else if (ret == -ENOSPC) {
		fprintf(stderr, "hotvm: kernel and initrd '%s' together do not fit in --mem %lu MiB\n",
			cfg->initrd, cfg->mem);
	} else if (ret) {
		fprintf(stderr, "hotvm: --mem %lu MiB is too small\n", cfg->mem);
	}
	return ret;
}

int boot_dtb(struct vmm *v)
{
	struct config *cfg = v->cfg;
	char bootargs[4096];
	struct fdt_desc d = {
		.machine = &v->machine,
		.mpidr = v->mpidr,
		.psci_version = v->psci_version,
		.bootargs = bootargs,
		.initrd_start = v->layout.initrd,
		.initrd_end = v->layout.initrd_end,
	};
	int ret;

	if (config_cmdline(cfg, bootargs, sizeof(bootargs))) {
		fprintf(stderr, "hotvm: kernel command line too long\n");
		return -E2BIG;
	}
	v->dtb = calloc(1, DTB_BUF_SIZE);
	if (!v->dtb) {
		return -ENOMEM;
	}
	ret = fdt_build(&d, v->dtb, DTB_BUF_SIZE);
	if (ret < 0) {
		fprintf(stderr, "hotvm: cannot build the device tree: %s\n", strerror(-ret));
		return ret;
	}
	v->dtb_size = (size_t)ret;
	return 0;
}

static int copy_in(struct vmm *v, uint64_t gpa, const void *src, size_t len)
{
	void *dst = ram_ptr(&v->ram, gpa, len);

	if (!dst) {
		return -EFAULT;
	}
	memcpy(dst, src, len);
	return 0;
}

/* Read @f into guest RAM at @gpa (bounds-checked). */
static int load_file(struct vmm *v, uint64_t gpa, const struct boot_file *f)
{
	void *dst = ram_ptr(&v->ram, gpa, f->size);

	if (!dst) {
		fprintf(stderr, "hotvm: %s outside guest RAM (internal error)\n", f->what);
		return -EFAULT;
	}
	return read_image(f, dst, f->size, 0);
}

int boot_load(struct vmm *v)
{
	int ret = load_file(v, v->layout.kernel, &v->kernel);

	if (!ret && v->initrd.fd >= 0) {
		ret = load_file(v, v->layout.initrd, &v->initrd);
	}
	if (!ret) {
		ret = copy_in(v, v->layout.dtb, v->dtb, v->dtb_size);
		if (ret) {
			fprintf(stderr, "hotvm: DTB outside guest RAM (internal error)\n");
		}
	}
	return ret;
}

void boot_close(struct vmm *v)
{
	if (v->kernel.fd >= 0) {
		close(v->kernel.fd);
	}
	if (v->initrd.fd >= 0) {
		close(v->initrd.fd);
	}
	v->kernel.fd = v->initrd.fd = -1;
}
