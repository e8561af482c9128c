/* SPDX-License-Identifier: MIT */
/* `hotvm run` configuration: kvmtool's options plus hotvm's own. */
#ifndef HOTVM_CONFIG_H
#define HOTVM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_MAX_CPUS		512	/* = FW_MAX_CPUS (asserted in machine.c); KVM's GICv3 limit */
#define CONFIG_DEFAULT_MEM	256	/* MiB */
#define CONFIG_MAX_DISKS	8	/* --disk, each a virtio-blk */
#define CONFIG_MAX_NETS		4	/* --network mode=tap, each a virtio-net */
#define CONFIG_PATH_MAX		4096
#define CONFIG_IFNAME_MAX	16	/* IFNAMSIZ */

enum config_console { CONSOLE_SERIAL, CONSOLE_VIRTIO };
enum config_irqchip { IRQCHIP_GICV3, IRQCHIP_GICV3_ITS };
enum config_psci { PSCI_USER, PSCI_KERNEL };
enum config_reboot { REBOOT_RESET, REBOOT_EXIT };
enum config_log { LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
enum config_seccomp { SANDBOX_ON, SANDBOX_OFF };
enum config_psci_version { PSCI_V0_2, PSCI_V1_0, PSCI_V1_1, PSCI_V1_3 };
enum config_vhost { VHOST_AUTO, VHOST_OFF, VHOST_ON };

/* --disk FILE[,ro][,direct] (kvmtool's syntax) */
struct config_disk {
	char path[CONFIG_PATH_MAX];
	bool ro;			/* VIRTIO_BLK_F_RO; the file is opened read-only */
	bool direct;			/* O_DIRECT */
};

/* --network mode=tap[,tapif=NAME][,guest_mac=MAC][,vhost=0|1] */
struct config_net {
	char tapif[CONFIG_IFNAME_MAX];	/* "": the kernel names it (tapN) */
	uint8_t mac[6];			/* the guest's; a stable default per device */
	int vhost;			/* enum config_vhost */
};

struct config {
	const char *kernel;
	const char *initrd;
	const char *params;
	unsigned long cpus;
	unsigned long max_cpus;		/* possible vCPUs; 0 until resolved */
	unsigned long mem;		/* MiB */
	int console;			/* enum config_console */
	int irqchip;			/* enum config_irqchip */
	bool pmu;
	bool nodefaults;
	/* devices (virtio-mmio); the raw arguments, then what they say */
	const char *disk_arg[CONFIG_MAX_DISKS];
	unsigned int ndisk_args;
	const char *net_arg[CONFIG_MAX_NETS];
	unsigned int nnet_args;
	struct config_disk disk[CONFIG_MAX_DISKS];
	unsigned int ndisks;
	struct config_net net[CONFIG_MAX_NETS];
	unsigned int nnets;
	unsigned long vsock_cid;	/* --vsock CID: the guest's; 0: no vsock */
	bool rng;			/* --rng: virtio-rng */
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
	bool seccomp_set, psci_version_set, vsock_cid_set;
};

/*
 * Parse `hotvm run` options (argv[0] is the first option) into @cfg with
 * defaults applied and cross-checked. 0, 1 for --help, -1 with @err set.
 */
int config_parse(struct config *cfg, int argc, char **argv, char *err, size_t errlen);
void config_help(FILE *f);
/* The guest command line: implicit "console=ttyS0" (hvc0) unless --nodefaults. */
int config_cmdline(const struct config *cfg, char *buf, size_t size);

#endif
