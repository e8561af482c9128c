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

static const char *const console_choices[] = { "serial", NULL };
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
	CHOICE("console", console, "serial", "console device: only the 16550 UART",
	       console_choices),
	CHOICE("irqchip", irqchip, "gicv3|gicv3-its", "interrupt controller (default gicv3)",
	       irqchip_choices),
	FLAG("pmu", pmu, "give the guest a PMUv3"),
	FLAG("acpi", acpi,
	     "boot a Linux Image on ACPI tables found through an EFI system table "
	     "that hotvm builds (no firmware; raw binaries keep the DT); the guest is "
	     "then notified of cpu-add and ejects vCPUs on cpu-remove"),
	FLAG("nodefaults", nodefaults, "no implicit kernel parameters (console=ttyS0)"),
	STR("network", 'n', network, "mode=none",
	    "networking: only mode=none (hotvm has no network devices)"),
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
	REFUSE("disk", 'd', "hotvm has no block devices (use --initrd)"),
	REFUSE("balloon", 0, "hotvm has no virtio balloon"),
	REFUSE_FLAG("vnc", "hotvm has no framebuffer"),
	REFUSE_FLAG("gtk", "hotvm has no framebuffer"),
	REFUSE_FLAG("sdl", "hotvm has no framebuffer"),
	REFUSE_FLAG("rng", "hotvm has no virtio-rng (the guest has SMCCC TRNG)"),
	REFUSE("9p", 0, "hotvm has no 9p file sharing"),
	REFUSE("shmem", 0, "hotvm has no shared memory device"),
	REFUSE("firmware", 'f', "hotvm is the firmware (PSCI in userspace); use --kernel"),
	REFUSE("dump-dtb", 0, "not supported by hotvm"),
	REFUSE("tty", 't', "hotvm has one console, the UART on stdin/stdout"),
	REFUSE("hugetlbfs", 0, "not supported by hotvm"),
	REFUSE("vfio-pci", 0, "hotvm has no PCI"),
	REFUSE_FLAG("virtio-legacy", "hotvm has no virtio devices"),
	REFUSE("virtio-transport", 0, "hotvm has no virtio devices"),
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
	REFUSE_FLAG("no-dhcp", "hotvm has no network devices"),
	{ .name = NULL },
};

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
	if (cfg->network && strcmp(cfg->network, "mode=none") && strcmp(cfg->network, "none")) {
		snprintf(err, errlen,
			 "--network %s: hotvm has no network devices, only mode=none is accepted",
			 cfg->network);
		return -1;
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
		   "and the ACPI tables. kvmtool options for devices hotvm lacks (--disk,\n"
		   "--9p, --tty, --vfio-pci, ...) are refused.\n"
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
		n = snprintf(buf, size, "console=ttyS0%s%s", *params ? " " : "", params);
	}
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
