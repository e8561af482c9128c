// SPDX-License-Identifier: MIT
/*
 * Images: read the kernel and initrd once into host memory, place them in
 * guest RAM (lib/image.c), build the DTB, and copy all three into RAM at
 * every boot. A reset copies only these ranges: the rest of RAM survives.
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

/* Read all of @path if it is a regular file of at most @max bytes. */
static int read_file(const char *what, const char *path, uint64_t max, uint8_t **buf,
		     size_t *size)
{
	struct stat st;
	size_t done = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		fprintf(stderr, "hotvm: cannot open %s '%s': %s\n", what, path, strerror(err));
		return -err;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		fprintf(stderr, "hotvm: %s '%s' is not a regular file\n", what, path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		err = EFBIG;
		fprintf(stderr, "hotvm: %s '%s' (%llu bytes) is too big for guest RAM (%llu MiB)\n",
			what, path, (unsigned long long)st.st_size,
			(unsigned long long)(max >> 20));
		goto out;
	}
	if (st.st_size == 0) {
		err = EINVAL;
		fprintf(stderr, "hotvm: %s '%s' is empty\n", what, path);
		goto out;
	}
	*buf = malloc((size_t)st.st_size);
	if (!*buf) {
		err = ENOMEM;
		fprintf(stderr, "hotvm: out of memory reading %s '%s'\n", what, path);
		goto out;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			fprintf(stderr, "hotvm: cannot read %s '%s': %s\n", what, path,
				strerror(err));
			free(*buf);
			*buf = NULL;
			goto out;
		}
		done += (size_t)n;
	}
	*size = done;
out:
	close(fd);
	return -err;
}

int boot_prepare(struct vmm *v)
{
	struct config *cfg = v->cfg;
	int ret;

	ret = read_file("kernel", cfg->kernel, v->ram.size, &v->kernel, &v->kernel_size);
	if (ret) {
		return ret;
	}
	if (cfg->initrd) {
		ret = read_file("initrd", cfg->initrd, v->ram.size, &v->initrd, &v->initrd_size);
		if (ret) {
			return ret;
		}
	}
	image_parse(v->kernel, v->kernel_size, &v->info);
	ret = image_layout(&v->info, v->kernel_size, v->initrd_size, v->ram.base, v->ram.size,
			   &v->layout);
	if (ret == -EFBIG) {
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
		.ram = { v->ram.base, v->ram.size },
		.ncpus = v->ncpus,
		.mpidr = v->mpidr,
		.psci_version = v->psci_version,
		.gic_dist = { MAP_GIC_DIST, 0x10000 },
		.gic_redist = { MAP_GIC_DIST - v->ncpus * MAP_GIC_REDIST_SIZE,
				v->ncpus * MAP_GIC_REDIST_SIZE },
		.uart = { MAP_UART, 8 },
		.uart_spi = UART_SPI,
		.pmu = cfg->pmu,
		.bootargs = bootargs,
		.initrd_start = v->layout.initrd,
		.initrd_end = v->layout.initrd_end,
	};
	int ret;

	if (cfg->irqchip == IRQCHIP_GICV3_ITS) {
		d.gic_its.base = d.gic_redist.base - MAP_GIC_ITS_SIZE;
		d.gic_its.size = MAP_GIC_ITS_SIZE;
	}
	if (!cfg->rtc_off) {
		d.rtc.base = MAP_RTC;
		d.rtc.size = 0x1000;
	}
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

int boot_load(struct vmm *v)
{
	int ret = copy_in(v, v->layout.kernel, v->kernel, v->kernel_size);

	if (!ret && v->initrd) {
		ret = copy_in(v, v->layout.initrd, v->initrd, v->initrd_size);
	}
	if (!ret) {
		ret = copy_in(v, v->layout.dtb, v->dtb, v->dtb_size);
	}
	if (ret) {
		fprintf(stderr, "hotvm: image outside guest RAM (internal error)\n");
	}
	return ret;
}
