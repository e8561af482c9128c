// SPDX-License-Identifier: MIT
/*
 * The `hotvm run` option table. kvmtool's `lkvm run` options keep their
 * meaning so that scripts can switch binaries; kvmtool options that make
 * no sense for hotvm are listed explicitly and refused with the reason,
 * never silently ignored.
 */
#include <stddef.h>
#include <string.h>

#include "lib/config.h"
#include "lib/opts.h"

static const char *const console_choices[] = { "serial", "virtio", NULL };
static const char *const irqchip_choices[] = { "gicv3", "gicv3-its", NULL };
static const char *const loglevel_choices[] = { "error", "warning", "info", "debug", NULL };
static const char *const psci_choices[] = { "user", "kernel", NULL };
static const char *const reboot_choices[] = { "reset", "exit", NULL };
static const char *const seccomp_choices[] = { "on", "off", NULL };
/* Order matches enum config_psci_version. */
static const char *const psci_version_choices[] = { "0.2", "1.0", "1.1", "1.3", NULL };

#define O(field) offsetof(struct config, field)
#define REFUSE(n, s, why) \
	{ .name = n, .shrt = s, .kind = OPT_REFUSE, .set_offset = OPT_NOSET, .help = why, \
	  .refuse_arg = true }
#define REFUSE_FLAG(n, why) \
	{ .name = n, .kind = OPT_REFUSE, .set_offset = OPT_NOSET, .help = why }

#define STR(n, s, f, a, h) \
	{ .name = n, .shrt = s, .kind = OPT_STR, .offset = O(f), .set_offset = OPT_NOSET, \
	  .arg = a, .help = h }
/* A string option that may be empty (kvmtool takes --params ""). */
#define STR_EMPTY(n, s, f, a, h) \
	{ .name = n, .shrt = s, .kind = OPT_STR, .offset = O(f), .set_offset = OPT_NOSET, \
	  .arg = a, .help = h, .empty_ok = true }
#define UINT(n, s, f, a, h, lo, hi) \
	{ .name = n, .shrt = s, .kind = OPT_UINT, .offset = O(f), .set_offset = O(f##_set), \
	  .arg = a, .help = h, .min = lo, .max = hi }
#define LIST(n, s, f, cnt, a, h, cap) \
	{ .name = n, .shrt = s, .kind = OPT_LIST, .offset = O(f), .set_offset = O(cnt), \
	  .arg = a, .help = h, .max = cap }
#define FLAG(n, f, h) \
	{ .name = n, .kind = OPT_FLAG, .offset = O(f), .set_offset = OPT_NOSET, .help = h }
#define CHOICE(n, f, a, h, c) \
	{ .name = n, .kind = OPT_CHOICE, .offset = O(f), .set_offset = O(f##_set), .arg = a, \
	  .help = h, .choices = c }

static const struct opt run_opts[] = {
	STR("kernel", 'k', kernel, "FILE",
	    "Linux arm64 Image, or a raw binary entered at 0x80000000 (x0 = DTB)"),
	STR("initrd", 'i', initrd, "FILE", "initial ramdisk"),
	STR_EMPTY("params", 'p', params, "STRING", "kernel command line"),
	UINT("cpus", 'c', cpus, "N", "vCPUs enabled at boot (default 1)", 1, CONFIG_MAX_CPUS),
	UINT("max-cpus", 0, max_cpus, "M",
	     "possible vCPUs, M >= N (default N); N..M-1 start disabled (CPU_ON: DENIED)", 1,
	     CONFIG_MAX_CPUS),
	UINT("mem", 'm', mem, "MiB", "guest RAM in MiB (default 256)", 4, 1ul << 20),
	CHOICE("console", console, "serial|virtio",
	       "the device on stdin/stdout: the 16550 UART (ttyS0, default) or a "
	       "virtio-console (hvc0; the UART then stays, disconnected)",
	       console_choices),
	CHOICE("irqchip", irqchip, "gicv3|gicv3-its", "interrupt controller (default gicv3)",
	       irqchip_choices),
	FLAG("pmu", pmu, "give the guest a PMUv3"),
	FLAG("acpi", acpi,
	     "boot a Linux Image on ACPI tables found through an EFI system table "
	     "that hotvm builds (no firmware; raw binaries keep the DT); the guest is "
	     "then notified of cpu-add and ejects vCPUs on cpu-remove"),
	FLAG("nodefaults", nodefaults, "no implicit kernel parameters (console=ttyS0 or hvc0)"),
	LIST("disk", 'd', disk_arg, ndisk_args, "FILE[,ro][,direct]",
	     "a raw disk image as a virtio-blk device (repeatable; the first is /dev/vda); "
	     "ro: read-only, direct: O_DIRECT", CONFIG_MAX_DISKS),
	LIST("network", 'n', net_arg, nnet_args, "mode=tap[,tapif=NAME][,guest_mac=MAC][,vhost=0|1]",
	     "a virtio-net device on a tap interface (repeatable; vhost: the kernel's "
	     "vhost-net data path, default 1 where /dev/vhost-net exists); mode=none: "
	     "no network", CONFIG_MAX_NETS),
	UINT("vsock", 0, vsock_cid, "CID",
	     "a virtio-vsock device (the kernel's vhost-vsock) with this guest CID", 3,
	     0xfffffffeul),
	FLAG("rng", rng, "a virtio-rng device fed by getrandom()"),
	CHOICE("loglevel", loglevel, "LEVEL",
	       "hotvm's messages: error|warning|info|debug (default warning)", loglevel_choices),
	CHOICE("psci", psci, "user|kernel",
	       "PSCI answered by hotvm (user, default) or KVM (kernel: no hot-plug)",
	       psci_choices),
	CHOICE("psci-version", psci_version, "V",
	       "PSCI version hotvm implements: 0.2, 1.0, 1.1 (default) or 1.3 (adds "
	       "SYSTEM_OFF2, hibernation); needs --psci=user",
	       psci_version_choices),
	CHOICE("reboot", reboot, "reset|exit",
	       "guest reset: reboot in-process (default) or exit with status 0",
	       reboot_choices),
	FLAG("no-rtc", rtc_off, "no PL031 RTC at 0x01010000"),
	CHOICE("seccomp", seccomp, "on|off",
	       "system call allow-list on every hotvm thread (default on; docs/seccomp.md)",
	       seccomp_choices),
	/* Control API (issue 5): parsed here, served by src/vmm/api*.c. */
	STR("api-socket", 0, api_socket, "PATH",
	    "control API on a UNIX socket (hot-plug; see docs/api.md)"),
	{ .name = "help", .shrt = 'h', .kind = OPT_HELP, .set_offset = OPT_NOSET,
	  .help = "this text" },
	REFUSE("name", 0, "kvmtool's guest name: hotvm has no instance registry"),
	REFUSE("balloon", 0, "hotvm has no virtio balloon"),
	REFUSE_FLAG("vnc", "hotvm has no framebuffer"),
	REFUSE_FLAG("gtk", "hotvm has no framebuffer"),
	REFUSE_FLAG("sdl", "hotvm has no framebuffer"),
	REFUSE("9p", 0, "hotvm has no 9p file sharing"),
	REFUSE("shmem", 0, "hotvm has no shared memory device"),
	REFUSE("firmware", 'f', "hotvm is the firmware (PSCI in userspace); use --kernel"),
	REFUSE("dump-dtb", 0, "not supported by hotvm"),
	REFUSE("tty", 't', "hotvm has one console on stdin/stdout (--console)"),
	REFUSE("hugetlbfs", 0, "not supported by hotvm"),
	REFUSE("vfio-pci", 0, "hotvm has no PCI"),
	REFUSE_FLAG("virtio-legacy", "hotvm's virtio devices are modern (virtio-mmio version 2)"),
	REFUSE("virtio-transport", 0, "hotvm's virtio transport is always mmio (version 2)"),
	REFUSE_FLAG("force-pci", "hotvm has no PCI"),
	REFUSE_FLAG("aarch32", "hotvm runs AArch64 guests only"),
	REFUSE_FLAG("disable-sve", "not supported by hotvm"),
	REFUSE_FLAG("disable-mte", "not supported by hotvm"),
	REFUSE_FLAG("no-pvtime", "not supported by hotvm"),
	REFUSE_FLAG("realm", "hotvm does not run Realms"),
	REFUSE_FLAG("debug", "use --loglevel=debug"),
	REFUSE_FLAG("debug-single-step", "not supported by hotvm"),
	REFUSE_FLAG("debug-ioport", "not supported by hotvm"),
	REFUSE_FLAG("debug-mmio", "not supported by hotvm"),
	REFUSE("debug-iodelay", 0, "not supported by hotvm"),
	REFUSE("sandbox", 0, "not supported by hotvm"),
	REFUSE_FLAG("no-dhcp", "hotvm has no built-in DHCP (configure the guest's network itself)"),
	{ .name = NULL },
};

/* FILE[,ro][,direct]: kvmtool's --disk. A file name with a comma cannot be given. */
static int parse_disk(struct config_disk *d, const char *arg, char *err, size_t errlen)
{
	const char *comma = strchr(arg, ',');
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);

	memset(d, 0, sizeof(*d));
	if (!len || len >= sizeof(d->path)) {
		snprintf(err, errlen, "--disk %s: %s", arg, len ? "file name too long" : "no file name");
		return -1;
	}
	memcpy(d->path, arg, len);
	while (comma) {
		const char *opt = comma + 1;

		comma = strchr(opt, ',');
		len = comma ? (size_t)(comma - opt) : strlen(opt);
		if (len == 2 && !strncmp(opt, "ro", 2)) {
			d->ro = true;
		} else if (len == 6 && !strncmp(opt, "direct", 6)) {
			d->direct = true;
		} else {
			snprintf(err, errlen, "--disk %s: unknown option '%.*s' (ro, direct)", arg,
				 (int)len, opt);
			return -1;
		}
	}
	return 0;
}

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* aa:bb:cc:dd:ee:ff, unicast; 0 or -1. */
static int parse_mac(uint8_t mac[6], const char *s, size_t len)
{
	if (len != 17) {
		return -1;
	}
	for (unsigned int i = 0; i < 6; i++) {
		int hi = hexdigit(s[3 * i]), lo = hexdigit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':')) {
			return -1;
		}
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return (mac[0] & 1) ? -1 : 0;
}

/*
 * mode=tap[,tapif=NAME][,guest_mac=MAC][,vhost=0|1] or mode=none:
 * kvmtool's --network keys. 1: a device in @n, 0: none, -1: error.
 */
static int parse_net(struct config_net *n, unsigned int index, const char *arg, char *err,
		     size_t errlen)
{
	const char *p = arg;
	bool tap = false, none = false;

	memset(n, 0, sizeof(*n));
	/* 02:68:76:6d:00:NN: locally administered ("hvm"), one per device */
	memcpy(n->mac, (const uint8_t[]){ 0x02, 0x68, 0x76, 0x6d, 0x00, 0x00 }, 6);
	n->mac[5] = (uint8_t)index;
	n->vhost = VHOST_AUTO;
	if (!strcmp(arg, "none")) {
		return 0;
	}
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		const char *v = eq ? eq + 1 : p + len;
		size_t vlen = (size_t)(p + len - v);

#define KEY(k) (klen == sizeof(k) - 1 && !strncmp(p, k, klen))
		if (!eq) {
			snprintf(err, errlen, "--network %s: '%.*s' is not KEY=VALUE", arg, (int)len, p);
			return -1;
		} else if (KEY("mode")) {
			if (vlen == 3 && !strncmp(v, "tap", 3)) {
				tap = true;
			} else if (vlen == 4 && !strncmp(v, "none", 4)) {
				none = true;
			} else {
				snprintf(err, errlen,
					 "--network %s: mode=%.*s is not supported (tap or none; "
					 "hotvm has no user-mode network stack)",
					 arg, (int)vlen, v);
				return -1;
			}
		} else if (KEY("tapif")) {
			if (!vlen || vlen >= sizeof(n->tapif)) {
				snprintf(err, errlen,
					 "--network %s: tapif must have 1 to %zu characters", arg,
					 sizeof(n->tapif) - 1);
				return -1;
			}
			memcpy(n->tapif, v, vlen);
			n->tapif[vlen] = 0;
		} else if (KEY("guest_mac")) {
			if (parse_mac(n->mac, v, vlen)) {
				snprintf(err, errlen,
					 "--network %s: guest_mac must be a unicast aa:bb:cc:dd:ee:ff",
					 arg);
				return -1;
			}
		} else if (KEY("vhost")) {
			if (vlen == 1 && (*v == '0' || *v == '1')) {
				n->vhost = *v == '1' ? VHOST_ON : VHOST_OFF;
			} else {
				snprintf(err, errlen, "--network %s: vhost must be 0 or 1", arg);
				return -1;
			}
		} else {
			snprintf(err, errlen,
				 "--network %s: unknown key '%.*s' (mode, tapif, guest_mac, vhost)",
				 arg, (int)klen, p);
			return -1;
		}
#undef KEY
		p += len + (comma ? 1 : 0);
	}
	if (none && tap) {
		snprintf(err, errlen, "--network %s: mode given twice", arg);
		return -1;
	}
	if (none) {
		return 0;
	}
	if (!tap) {
		snprintf(err, errlen, "--network %s: give mode=tap (or mode=none)", arg);
		return -1;
	}
	return 1;
}

int config_parse(struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->cpus = 1;
	cfg->mem = CONFIG_DEFAULT_MEM;
	cfg->loglevel = LOG_WARNING;
	cfg->psci_version = PSCI_V1_1;
	ret = opts_parse(run_opts, cfg, argc, argv, err, errlen);
	if (ret) {
		return ret;
	}
	if (!cfg->kernel) {
		snprintf(err, errlen, "no kernel: give --kernel FILE (-k)");
		return -1;
	}
	for (unsigned int i = 0; i < cfg->ndisk_args; i++) {
		if (parse_disk(&cfg->disk[cfg->ndisks], cfg->disk_arg[i], err, errlen)) {
			return -1;
		}
		cfg->ndisks++;
	}
	for (unsigned int i = 0; i < cfg->nnet_args; i++) {
		ret = parse_net(&cfg->net[cfg->nnets], cfg->nnets, cfg->net_arg[i], err, errlen);
		if (ret < 0) {
			return -1;
		}
		cfg->nnets += (unsigned int)ret;
	}
	if (!cfg->max_cpus_set) {
		cfg->max_cpus = cfg->cpus;
	}
	if (cfg->max_cpus < cfg->cpus) {
		snprintf(err, errlen, "--max-cpus %lu is less than --cpus %lu", cfg->max_cpus,
			 cfg->cpus);
		return -1;
	}
	if (cfg->psci == PSCI_KERNEL && cfg->psci_version_set) {
		snprintf(err, errlen,
			 "--psci-version needs --psci=user: KVM's PSCI has its own version");
		return -1;
	}
	if (cfg->psci == PSCI_KERNEL && cfg->max_cpus > cfg->cpus) {
		snprintf(err, errlen,
			 "--max-cpus needs --psci=user: with KVM's PSCI every vCPU is enabled");
		return -1;
	}
	return 0;
}

void config_help(FILE *f)
{
	fprintf(f, "usage: hotvm run --kernel FILE [OPTIONS]\n"
		   "\n"
		   "Boot a Linux arm64 Image or a raw binary on KVM with PSCI and other\n"
		   "SMCCC firmware calls answered by hotvm (KVM's SMCCC filter, Linux >= 6.4).\n"
		   "Options are kvmtool's (lkvm run) where they apply, plus hotvm's own.\n"
		   "\n"
		   "options:\n");
	opts_help(run_opts, f);
	fprintf(f, "\n"
		   "Machine: RAM at 0x80000000, 16550 UART at 0x01000000 (stdin/stdout),\n"
		   "PL031 RTC at 0x01010000, GICv3 below 0x40000000, DTB in the last 2 MiB\n"
		   "of RAM (x0 at entry). With --acpi that DTB holds only /chosen, and the\n"
		   "rest of that 2 MiB block holds an EFI system table, the EFI memory map\n"
		   "and the ACPI tables. Devices (--disk, --network, --vsock, --rng) are\n"
		   "virtio-mmio slots of 0x200 bytes from 0x03000000, one SPI each (edge).\n"
		   "kvmtool options for devices hotvm lacks (--9p, --tty, --vfio-pci, ...)\n"
		   "are refused.\n"
		   "\n"
		   "Reset: on SYSTEM_RESET the images (kernel, initrd, DTB; with --acpi also\n"
		   "the EFI and ACPI tables, rebuilt) are reloaded and every vCPU reset, but\n"
		   "the rest of RAM is kept (a warm reset): a guest may\n"
		   "keep data such as a reboot counter in RAM outside its images.\n"
		   "\n"
		   "Exit status: 0 guest SYSTEM_OFF (or reset with --reboot=exit); 1 error\n"
		   "(bad file, KVM failure, unexpected guest exit); 2 bad command line.\n");
}

int config_cmdline(const struct config *cfg, char *buf, size_t size)
{
	const char *params = cfg->params ? cfg->params : "";
	int n;

	/* kvmtool adds the console; an explicit console= in params wins. */
	if (cfg->nodefaults || strstr(params, "console=")) {
		n = snprintf(buf, size, "%s", params);
	} else {
		n = snprintf(buf, size, "console=%s%s%s",
			     cfg->console == CONSOLE_VIRTIO ? "hvc0" : "ttyS0", *params ? " " : "",
			     params);
	}
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
