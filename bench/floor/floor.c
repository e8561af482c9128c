// SPDX-License-Identifier: MIT
/*
 * The floor of a forwarded PSCI call: the least any VMM can do when KVM's
 * SMCCC filter forwards PSCI_VERSION to userspace. One vCPU, no threads, no
 * seccomp; each KVM_EXIT_HYPERCALL is answered with exactly one
 * KVM_SET_ONE_REG (x0) and the next KVM_RUN. Nothing of hotvm is used: it
 * calls ioctl() itself on <linux/kvm.h> and builds its own device tree with
 * libfdt.
 *
 *   floor [-m MIB] [-p BOOTARGS] GUEST.bin
 *
 * GUEST.bin is a raw arm64 image (build/bench/guest/bench_hcall.bin) loaded
 * at the start of RAM (0x80000000, kvmtool's map) and entered with x0 = the
 * DTB address. The DT has one CPU (enable-method psci), a GICv3 (the
 * in-kernel vGIC), the RAM, a 16550 UART at 0x01000000, /psci with method
 * "hvc" and /chosen/bootargs. Only PSCI_VERSION (0x84000000) is forwarded;
 * KVM answers every other PSCI/SMCCC call itself (AFFINITY_INFO, CPU_ON,
 * SMCCC_VERSION, SYSTEM_OFF). The UART's transmit register goes to stdout
 * (line buffered: the guest prints outside its timed loop), its reads
 * return "transmitter empty" and nothing received.
 *
 * Exits 0 when the guest powers off (SYSTEM_OFF), 1 on any error or an exit
 * the floor does not expect. On exit it prints to stderr
 * "floor-stats: hypercalls=N mmio=N runs=N set_one_reg=N": how many exits
 * of each kind it handled and how many KVM_RUN and KVM_SET_ONE_REG calls it
 * made.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfdt.h>
#include <linux/kvm.h>

#define RAM_BASE	0x80000000ull
#define UART_BASE	0x01000000ull
#define UART_SIZE	8ull
#define GICD_SIZE	0x10000ull
#define GICD_BASE	(0x40000000ull - GICD_SIZE)
#define GICR_SIZE	0x20000ull	/* one vCPU: RD and SGI frames */
#define GICR_BASE	(GICD_BASE - GICR_SIZE)
#define DTB_SIZE	0x10000
#define DTB_OFFSET	(2ull << 20)	/* below the end of RAM */

#define PSCI_VERSION_FID	0x84000000u
#define PSCI_VERSION_ANSWER	0x10001u	/* PSCI 1.1, as KVM's own */

#define UART_LSR	5
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40

#define CORE_REG(x)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			 (offsetof(struct kvm_regs, x) / sizeof(__u32)))

struct floor_vm {
	int sys_fd, vm_fd, gic_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t hypercalls, mmio, runs, setregs;
};

static const char *prog = "floor";

static int fail(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	return -1;
}

static int set_attr(int fd, uint32_t group, uint64_t attr, const void *addr, const char *what)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uint64_t)(uintptr_t)addr,
	};

	if (ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0) {
		return fail(what);
	}
	return 0;
}

static int set_reg(struct floor_vm *f, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&val };

	f->setregs++;
	return ioctl(f->vcpu_fd, KVM_SET_ONE_REG, &reg);
}

/* The device tree: what tests/guest/lib/fdt.c looks for, and no more. */
static int build_dtb(const struct floor_vm *f, const char *bootargs, void *buf)
{
	static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2";
	fdt64_t gic_reg[4] = { cpu_to_fdt64(GICD_BASE), cpu_to_fdt64(GICD_SIZE),
			       cpu_to_fdt64(GICR_BASE), cpu_to_fdt64(GICR_SIZE) };
	fdt64_t ram_reg[2] = { cpu_to_fdt64(RAM_BASE), cpu_to_fdt64(f->ram_size) };
	fdt64_t uart_reg[2] = { cpu_to_fdt64(UART_BASE), cpu_to_fdt64(UART_SIZE) };
	int err = fdt_create(buf, DTB_SIZE);

	err = err ? err : fdt_finish_reservemap(buf);
	err = err ? err : fdt_begin_node(buf, "");
	err = err ? err : fdt_property_string(buf, "compatible", "linux,dummy-virt");
	err = err ? err : fdt_property_u32(buf, "#address-cells", 2);
	err = err ? err : fdt_property_u32(buf, "#size-cells", 2);
	err = err ? err : fdt_property_u32(buf, "interrupt-parent", 1);
	err = err ? err : fdt_begin_node(buf, "chosen");
	err = err ? err : fdt_property_string(buf, "bootargs", bootargs);
	err = err ? err : fdt_property_string(buf, "stdout-path", "/uart@1000000");
	err = err ? err : fdt_end_node(buf);
	err = err ? err : fdt_begin_node(buf, "memory@80000000");
	err = err ? err : fdt_property_string(buf, "device_type", "memory");
	err = err ? err : fdt_property(buf, "reg", ram_reg, sizeof(ram_reg));
	err = err ? err : fdt_end_node(buf);
	err = err ? err : fdt_begin_node(buf, "cpus");
	err = err ? err : fdt_property_u32(buf, "#address-cells", 2);
	err = err ? err : fdt_property_u32(buf, "#size-cells", 0);
	err = err ? err : fdt_begin_node(buf, "cpu@0");
	err = err ? err : fdt_property_string(buf, "device_type", "cpu");
	err = err ? err : fdt_property_string(buf, "compatible", "arm,arm-v8");
	err = err ? err : fdt_property_string(buf, "enable-method", "psci");
	err = err ? err : fdt_property_u64(buf, "reg", 0);
	err = err ? err : fdt_end_node(buf);
	err = err ? err : fdt_end_node(buf);
	err = err ? err : fdt_begin_node(buf, "psci");
	err = err ? err : fdt_property(buf, "compatible", psci_compat, sizeof(psci_compat));
	err = err ? err : fdt_property_string(buf, "method", "hvc");
	err = err ? err : fdt_end_node(buf);
	err = err ? err : fdt_begin_node(buf, "intc@3fff0000");
	err = err ? err : fdt_property_string(buf, "compatible", "arm,gic-v3");
	err = err ? err : fdt_property_u32(buf, "#interrupt-cells", 3);
	err = err ? err : fdt_property(buf, "interrupt-controller", NULL, 0);
	err = err ? err : fdt_property(buf, "reg", gic_reg, sizeof(gic_reg));
	err = err ? err : fdt_property_u32(buf, "phandle", 1);
	err = err ? err : fdt_end_node(buf);
	err = err ? err : fdt_begin_node(buf, "uart@1000000");
	err = err ? err : fdt_property_string(buf, "compatible", "ns16550a");
	err = err ? err : fdt_property(buf, "reg", uart_reg, sizeof(uart_reg));
	err = err ? err : fdt_property_u32(buf, "clock-frequency", 1843200);
	err = err ? err : fdt_end_node(buf);
	err = err ? err : fdt_end_node(buf);
	err = err ? err : fdt_finish(buf);
	if (err) {
		fprintf(stderr, "%s: building the device tree: %s\n", prog, fdt_strerror(err));
		return -1;
	}
	return 0;
}

static int load_guest(struct floor_vm *f, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint64_t off = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		return -1;
	}
	if ((uint64_t)st.st_size > f->ram_size - DTB_OFFSET) {
		fprintf(stderr, "%s: %s: %lld bytes do not fit below the DTB in %" PRIu64
			" MiB of RAM\n", prog, path, (long long)st.st_size, f->ram_size >> 20);
		close(fd);
		return -1;
	}
	while (off < (uint64_t)st.st_size) {
		ssize_t n = read(fd, f->ram + off, (size_t)st.st_size - off);

		if (n <= 0) {
			fprintf(stderr, "%s: reading %s: %s\n", prog, path,
				n ? strerror(errno) : "unexpected end of file");
			close(fd);
			return -1;
		}
		off += (uint64_t)n;
	}
	close(fd);
	return 0;
}

/*
 * The VM: RAM, the SMCCC filter, the vGIC, the vCPU. The order is KVM's:
 * the filter before the first KVM_RUN, the vGIC device before the vCPU
 * and its CTRL_INIT after it.
 */
static int setup(struct floor_vm *f, const char *image, const char *bootargs)
{
	struct kvm_userspace_memory_region mem = { 0 };
	struct kvm_smccc_filter filter = {
		.base = PSCI_VERSION_FID,
		.nr_functions = 1,
		.action = KVM_SMCCC_FILTER_FWD_TO_USER,
	};
	struct kvm_create_device gic = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	struct kvm_vcpu_init init;
	uint64_t gicd = GICD_BASE, gicr = GICR_BASE, dtb = RAM_BASE + f->ram_size - DTB_OFFSET;
	int ret;

	f->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (f->sys_fd < 0) {
		return fail("/dev/kvm");
	}
	ret = ioctl(f->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret <= 0) {
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	}
	f->run_size = (size_t)ret;
	f->vm_fd = ioctl(f->sys_fd, KVM_CREATE_VM, 0);
	if (f->vm_fd < 0) {
		return fail("KVM_CREATE_VM");
	}
	f->ram = mmap(NULL, f->ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		      MAP_NORESERVE, -1, 0);
	if (f->ram == MAP_FAILED) {
		return fail("mmap of guest RAM");
	}
	mem.guest_phys_addr = RAM_BASE;
	mem.memory_size = f->ram_size;
	mem.userspace_addr = (uint64_t)(uintptr_t)f->ram;
	if (ioctl(f->vm_fd, KVM_SET_USER_MEMORY_REGION, &mem) < 0) {
		return fail("KVM_SET_USER_MEMORY_REGION");
	}
	if (load_guest(f, image) || build_dtb(f, bootargs, f->ram + (dtb - RAM_BASE))) {
		return -1;
	}
	if (set_attr(f->vm_fd, KVM_ARM_VM_SMCCC_CTRL, KVM_ARM_VM_SMCCC_FILTER, &filter,
		     "KVM_SET_DEVICE_ATTR(KVM_ARM_VM_SMCCC_FILTER) forwarding PSCI_VERSION "
		     "(the SMCCC filter needs Linux >= 6.4)")) {
		return -1;
	}
	if (ioctl(f->vm_fd, KVM_CREATE_DEVICE, &gic) < 0) {
		return fail("KVM_CREATE_DEVICE(KVM_DEV_TYPE_ARM_VGIC_V3)");
	}
	f->gic_fd = (int)gic.fd;
	if (set_attr(f->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &gicd,
		     "KVM_SET_DEVICE_ATTR(vGIC distributor address)") ||
	    set_attr(f->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &gicr,
		     "KVM_SET_DEVICE_ATTR(vGIC redistributor address)")) {
		return -1;
	}
	f->vcpu_fd = ioctl(f->vm_fd, KVM_CREATE_VCPU, 0);
	if (f->vcpu_fd < 0) {
		return fail("KVM_CREATE_VCPU");
	}
	f->run = mmap(NULL, f->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, f->vcpu_fd, 0);
	if (f->run == MAP_FAILED) {
		return fail("mmap of struct kvm_run");
	}
	memset(&init, 0, sizeof(init));
	if (ioctl(f->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
		return fail("KVM_ARM_PREFERRED_TARGET");
	}
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(f->vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		return fail("KVM_ARM_VCPU_INIT");
	}
	if (set_attr(f->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL,
		     "KVM_SET_DEVICE_ATTR(KVM_DEV_ARM_VGIC_CTRL_INIT)")) {
		return -1;
	}
	if (set_reg(f, CORE_REG(regs.pc), RAM_BASE) < 0) {
		return fail("KVM_SET_ONE_REG(pc)");
	}
	if (set_reg(f, CORE_REG(regs.regs[0]), dtb) < 0) {
		return fail("KVM_SET_ONE_REG(x0)");
	}
	f->setregs = 0;
	return 0;
}

/* A 16550 register access: THR writes to stdout, LSR reads "empty". */
static int uart_access(struct floor_vm *f)
{
	struct kvm_run *run = f->run;
	uint64_t reg = run->mmio.phys_addr - UART_BASE;

	if (run->mmio.phys_addr < UART_BASE || reg >= UART_SIZE || run->mmio.len != 1) {
		fprintf(stderr, "%s: guest %s of %u bytes at 0x%llx: no device there\n", prog,
			run->mmio.is_write ? "write" : "read", run->mmio.len,
			(unsigned long long)run->mmio.phys_addr);
		return -1;
	}
	if (run->mmio.is_write) {
		if (reg == 0) {
			putchar(run->mmio.data[0]);
		}
		return 0;
	}
	run->mmio.data[0] = reg == UART_LSR ? UART_LSR_THRE | UART_LSR_TEMT : 0;
	return 0;
}

static int run_loop(struct floor_vm *f)
{
	struct kvm_run *run = f->run;

	for (;;) {
		f->runs++;
		if (ioctl(f->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				continue;
			}
			return fail("KVM_RUN");
		}
		switch (run->exit_reason) {
		case KVM_EXIT_HYPERCALL:
			f->hypercalls++;
			if (run->hypercall.nr != PSCI_VERSION_FID) {
				fprintf(stderr, "%s: forwarded call 0x%llx, only PSCI_VERSION "
					"(0x%08x) is filtered\n", prog,
					(unsigned long long)run->hypercall.nr, PSCI_VERSION_FID);
				return -1;
			}
			/* HVC: KVM has already moved the PC past the instruction. */
			if (set_reg(f, CORE_REG(regs.regs[0]), PSCI_VERSION_ANSWER) < 0) {
				return fail("KVM_SET_ONE_REG(x0) answering PSCI_VERSION");
			}
			break;
		case KVM_EXIT_MMIO:
			f->mmio++;
			if (uart_access(f)) {
				return -1;
			}
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN) {
				return 0;
			}
			fprintf(stderr, "%s: guest system event %u (only SYSTEM_OFF ends a run)\n",
				prog, run->system_event.type);
			return -1;
		case KVM_EXIT_INTR:
			break;
		default:
			fprintf(stderr, "%s: unexpected exit reason %u\n", prog, run->exit_reason);
			return -1;
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: %s [-m MIB] [-p BOOTARGS] GUEST.bin\n", prog);
	exit(1);
}

int main(int argc, char **argv)
{
	struct floor_vm f = { .sys_fd = -1, .vm_fd = -1, .gic_fd = -1, .vcpu_fd = -1 };
	const char *bootargs = "";
	unsigned long mib = 64;
	char *end;
	int opt, ret;

	while ((opt = getopt(argc, argv, "m:p:")) != -1) {
		switch (opt) {
		case 'm':
			errno = 0;
			mib = strtoul(optarg, &end, 10);
			/* the guest runtime's stacks and .bss take 4 MiB, the DTB 2 */
			if (errno || *end || mib < 16 || mib > 4096) {
				fprintf(stderr, "%s: -m %s: RAM in MiB, 16 to 4096\n", prog, optarg);
				return 1;
			}
			break;
		case 'p':
			bootargs = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1) {
		usage();
	}
	f.ram_size = (uint64_t)mib << 20;
	/* line buffered: the guest prints only outside its timed loop */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = setup(&f, argv[optind], bootargs);
	if (!ret) {
		ret = run_loop(&f);
	}
	fflush(stdout);
	fprintf(stderr, "floor-stats: hypercalls=%" PRIu64 " mmio=%" PRIu64 " runs=%" PRIu64
		" set_one_reg=%" PRIu64 "\n", f.hypercalls, f.mmio, f.runs, f.setregs);
	return ret ? 1 : 0;
}
