/* SPDX-License-Identifier: MIT */
/* `hotvm run` configuration: kvmtool's options plus hotvm's own. */
#ifndef HOTVM_CONFIG_H
#define HOTVM_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#define CONFIG_MAX_CPUS		512	/* = FW_MAX_CPUS (asserted in machine.c); KVM's GICv3 limit */
#define CONFIG_DEFAULT_MEM	256	/* MiB */

enum config_irqchip { IRQCHIP_GICV3, IRQCHIP_GICV3_ITS };
enum config_psci { PSCI_USER, PSCI_KERNEL };
enum config_reboot { REBOOT_RESET, REBOOT_EXIT };
enum config_log { LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
enum config_seccomp { SANDBOX_ON, SANDBOX_OFF };
enum config_psci_version { PSCI_V0_2, PSCI_V1_0, PSCI_V1_1, PSCI_V1_3 };

struct config {
	const char *kernel;
	const char *initrd;
	const char *params;
	unsigned long cpus;
	unsigned long max_cpus;		/* possible vCPUs; 0 until resolved */
	unsigned long mem;		/* MiB */
	int console;			/* only "serial" */
	int irqchip;			/* enum config_irqchip */
	bool pmu;
	bool nodefaults;
	const char *network;		/* only "mode=none" */
	int loglevel;			/* enum config_log */
	int psci;			/* enum config_psci */
	int reboot;			/* enum config_reboot */
	int psci_version;		/* enum config_psci_version */
	const char *api_socket;		/* control API (issue 5) */
	bool rtc_off;
	int seccomp;			/* enum config_seccomp (docs/seccomp.md) */
	bool acpi;			/* ACPI tables, no DT (Linux Image only; efi.h) */
	/* which options were given */
	bool cpus_set, max_cpus_set, mem_set;
	bool console_set, irqchip_set, loglevel_set, psci_set, reboot_set;
	bool seccomp_set, psci_version_set;
};

/*
 * Parse `hotvm run` options (argv[0] is the first option) into @cfg with
 * defaults applied and cross-checked. 0, 1 for --help, -1 with @err set.
 */
int config_parse(struct config *cfg, int argc, char **argv, char *err, size_t errlen);
void config_help(FILE *f);
/* The guest command line: implicit "console=ttyS0" unless --nodefaults. */
int config_cmdline(const struct config *cfg, char *buf, size_t size);

#endif
