// SPDX-License-Identifier: MIT
/*
 * Images: open the kernel and initrd once, place them in guest RAM
 * (lib/image.c), build the DTB, and load all three into RAM at every boot,
 * the files straight from their descriptors. A reset writes only these
 * ranges: the rest of RAM survives.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dev/rtc.h"
#include "dev/uart.h"
#include "lib/acpi.h"
#include "lib/efi.h"
#include "lib/fdt.h"
#include "vmm/vmm.h"

#define DTB_BUF_SIZE 0x100000	/* 1 MiB: 512 cpu nodes need about 60 KiB */
#define ACPI_DTB_SIZE EFI_ALIGN	/* --acpi: the /chosen-only DTB, then the EFI region */

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
	if (cfg->acpi && !v->info.linux_image) {
		fprintf(stderr,
			"hotvm: --acpi boots a Linux Image through EFI tables; '%s' is a raw binary "
			"(no arm64 Image header), which gets the device tree: drop --acpi\n",
			cfg->kernel);
		return -EINVAL;
	}
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
	if (cfg->acpi) {
		return 0; /* boot_acpi() builds it with the tables, at every boot */
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
/* Read [@off, @off + @len) of @f into guest RAM at @gpa. */
static int load_range(struct vmm *v, const struct boot_file *f, uint64_t gpa, uint64_t off,
		      uint64_t len)
{
	void *dst = ram_ptr(&v->ram, gpa, len);

	if (!dst) {
		fprintf(stderr, "hotvm: %s outside guest RAM (internal error)\n", f->what);
		return -EFAULT;
	}
	return len ? read_image(f, dst, (size_t)len, (off_t)off) : 0;
}

/*
 * --acpi: what a firmware-less ACPI boot needs (lib/efi.h), built again at
 * every boot. The DTB block at the top of RAM holds the /chosen-only DTB in
 * its first 64 KiB and, from there to the end of RAM, the EFI region: the
 * system table and memory map (EFI_HEAD_SIZE), then the ACPI tables,
 * written straight into guest RAM. The DTB goes to v->dtb for boot_load().
 */
static int boot_acpi(struct vmm *v)
{
	struct config *cfg = v->cfg;
	uint64_t ram_end = v->ram.base + v->ram.size;
	uint64_t mpidr[CONFIG_MAX_CPUS];
	bool enabled[CONFIG_MAX_CPUS];
	struct efi_desc d = {
		.ram = { v->ram.base, v->ram.size },
		.loaded = {
			{ v->layout.kernel, v->layout.kernel_end - v->layout.kernel },
			{ v->layout.initrd, v->layout.initrd_end - v->layout.initrd },
			{ v->layout.dtb, ACPI_DTB_SIZE },
		},
		.region = { v->layout.dtb + ACPI_DTB_SIZE, ram_end - v->layout.dtb - ACPI_DTB_SIZE },
	};
	const struct machine *m = &v->machine;
	const struct machine_region *its = machine_region(m, MACHINE_GIC_ITS);
	const struct machine_region *rtc = machine_region(m, MACHINE_RTC);
	const struct machine_region *hp = machine_region(m, MACHINE_CPUHP);
	struct acpi_config a = {
		.ncpus = v->ncpus,
		.mpidr = mpidr,
		.nenabled = v->nenabled,
		.gicd = m->region[MACHINE_GIC_DIST].base,
		.gicr = m->region[MACHINE_GIC_REDIST].base,
		.gicr_size = m->region[MACHINE_GIC_REDIST].size,
		.its = its ? its->base : 0,
		.uart = m->region[MACHINE_UART].base,
		.uart_size = m->region[MACHINE_UART].size,
		.uart_gsi = m->region[MACHINE_UART].intid,
		/* the PL031 has no interrupt here: rtc_gsi stays 0 */
		.rtc = rtc ? rtc->base : 0,
		.rtc_size = rtc ? rtc->size : 0,
		.pmu_gsi = m->pmu_intid,
		/* PSCI in hotvm: the guest is told of hot-plug through these */
		.hp_base = hp ? hp->base : 0,
		.hp_size = hp ? hp->size : 0,
		.ged_gsi = hp ? hp->intid : 0,
		.psci_hvc = true, /* hotvm's PSCI and KVM's are both HVC */
	};
	struct efi_info info;
	char bootargs[4096];
	uint8_t *region;
	long n;
	int ret;

	for (unsigned int i = 0; i < m->nvirtio && i < ACPI_MAX_VIRTIO; i++) {
		const struct machine_region *r = &m->region[MACHINE_VIRTIO + i];

		a.virtio[a.nvirtio++] = (struct acpi_virtio){ r->base, r->size, r->intid };
	}
	for (unsigned int i = 0; i < v->ncpus && i < CONFIG_MAX_CPUS; i++) {
		mpidr[i] = v->mpidr[i] & FW_MPIDR_AFF_MASK;
		/* at a reboot after hot-plug: the vCPUs enabled now */
		enabled[i] = v->fw ? fw_enabled(v->fw, i) : i < v->nenabled;
	}
	a.enabled = enabled;
	region = ram_ptr(&v->ram, d.region.base, d.region.size);
	if (!region) {
		fprintf(stderr, "hotvm: EFI region outside guest RAM (internal error)\n");
		return -EFAULT;
	}
	n = acpi_build(&a, d.region.base + EFI_HEAD_SIZE, region + EFI_HEAD_SIZE,
		       d.region.size - EFI_HEAD_SIZE, &d.rsdp);
	if (n < 0) {
		fprintf(stderr, "hotvm: cannot build the ACPI tables (%zu bytes of room): %s\n",
			(size_t)(d.region.size - EFI_HEAD_SIZE), strerror((int)-n));
		return (int)n;
	}
	ret = efi_build(&d, region, EFI_HEAD_SIZE, &info);
	if (ret) {
		fprintf(stderr, "hotvm: cannot build the EFI tables: %s\n", strerror(-ret));
		return ret;
	}
	if (config_cmdline(cfg, bootargs, sizeof(bootargs))) {
		fprintf(stderr, "hotvm: kernel command line too long\n");
		return -E2BIG;
	}
	ret = efi_fdt_build(bootargs, v->layout.initrd, v->layout.initrd_end, &info, v->dtb,
			    ACPI_DTB_SIZE);
	if (ret < 0) {
		fprintf(stderr, "hotvm: cannot build the /chosen device tree: %s\n", strerror(-ret));
		return ret;
	}
	v->dtb_size = (size_t)ret;
	return 0;
}

/* What comes after the kernel and initrd: --acpi's tables, the DTB. */
static int load_tables(struct vmm *v)
{
	int ret = 0;

	if (v->cfg->acpi) {
		ret = boot_acpi(v);
	}
	if (!ret) {
		ret = copy_in(v, v->layout.dtb, v->dtb, v->dtb_size);
		if (ret) {
			fprintf(stderr, "hotvm: DTB outside guest RAM (internal error)\n");
		}
	}
	return ret;
}

int boot_load(struct vmm *v)
{
	int ret = load_range(v, &v->kernel, v->layout.kernel, 0, v->kernel.size);

	if (!ret && v->initrd.fd >= 0) {
		ret = load_range(v, &v->initrd, v->layout.initrd, 0, v->initrd.size);
	}
	return ret ? ret : load_tables(v);
}

/*
 * The first boot's load, in two halves read at the same time: a loader
 * thread reads the initrd and the kernel's tail while the main thread
 * builds the rest of the machine and then reads the kernel's head. Most of
 * a load is the host faulting in (zeroing) fresh guest RAM and copying the
 * file into it, so two CPUs do it in about half the time. The split is on
 * a 2 MiB boundary of guest RAM, so that each huge page is faulted in by
 * one thread. Every byte is read once, straight into guest RAM.
 */
struct boot_loader {
	struct vmm *v;
	pthread_t thread;
	uint64_t tail;		/* the loader thread's part of the kernel: its last bytes */
	int ret;
};

static void *loader_thread(void *arg)
{
	struct boot_loader *l = arg;
	struct vmm *v = l->v;
	int ret = 0;

	if (v->initrd.fd >= 0) {
		ret = load_range(v, &v->initrd, v->layout.initrd, 0, v->initrd.size);
	}
	if (!ret) {
		ret = load_range(v, &v->kernel, v->layout.kernel + v->kernel.size - l->tail,
				 v->kernel.size - l->tail, l->tail);
	}
	l->ret = ret;
	return NULL;
}

int boot_load_start(struct vmm *v)
{
	uint64_t initrd = v->initrd.fd >= 0 ? v->initrd.size : 0;
	struct boot_loader *l = calloc(1, sizeof(*l));

	if (!l) {
		return 0; /* boot_load_finish() reads it all */
	}
	l->v = v;
	l->tail = v->kernel.size - image_split(&v->layout, v->kernel.size, initrd);
	if (pthread_create(&l->thread, NULL, loader_thread, l)) {
		free(l);
		return 0;
	}
	v->loader = l;
	return 0;
}

int boot_load_wait(struct vmm *v)
{
	struct boot_loader *l = v->loader;
	int ret;

	if (!l) {
		return 0;
	}
	pthread_join(l->thread, NULL);
	ret = l->ret;
	free(l);
	v->loader = NULL;
	return ret;
}

int boot_load_finish(struct vmm *v)
{
	int ret, joined;

	if (!v->loader) {
		return boot_load(v);
	}
	ret = load_range(v, &v->kernel, v->layout.kernel, 0,
			 v->kernel.size - v->loader->tail);
	joined = boot_load_wait(v);
	ret = ret ? ret : joined;
	return ret ? ret : load_tables(v);
}

void boot_close(struct vmm *v)
{
	boot_load_wait(v);
	if (v->kernel.fd >= 0) {
		close(v->kernel.fd);
	}
	if (v->initrd.fd >= 0) {
		close(v->initrd.fd);
	}
	v->kernel.fd = v->initrd.fd = -1;
}
