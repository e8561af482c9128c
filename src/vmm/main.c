// SPDX-License-Identifier: MIT
/* hotvm: command-line entry point. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/kvm.h>

#include "kvm/kvm.h"
#include "lib/config.h"
#include "lib/phase.h"
#include "vmm/ctl.h"
#include "vmm/vmm.h"

#define HOTVM_VERSION "0.1.0"

static void usage(FILE *out)
{
	fprintf(out, "usage: hotvm COMMAND [OPTIONS]\n"
		     "\n"
		     "commands:\n"
		     "  run          boot a guest: hotvm run --kernel FILE [OPTIONS]\n"
		     "               (kvmtool's run options; see 'hotvm run --help')\n"
		     "  ctl          talk to a running hotvm's control API\n"
		     "  probe        report what this host's KVM offers hotvm\n"
		     "  --version    print the version\n"
		     "  --help       this text\n");
}

/* Report the KVM features hotvm depends on; exit 0 if all are there. */
static int cmd_probe(void)
{
	struct kvm_vm vm;
	int ret = vm_open(&vm, NULL);
	bool filter;

	if (ret < 0) {
		fprintf(stderr, "hotvm: cannot use /dev/kvm: %s\n", strerror(-ret));
		return 1;
	}
	filter = vm_hasfilter(&vm);
	printf("kvm api:        %d\n", KVM_API_VERSION);
	printf("max vcpus:      %d\n", vm_check(&vm, KVM_CAP_MAX_VCPUS));
	printf("smccc filter:   %s\n", filter ? "yes" : "no (Linux < 6.4: PSCI stays in the kernel)");
	printf("system suspend: %s\n", vm_check(&vm, KVM_CAP_ARM_SYSTEM_SUSPEND) > 0 ? "yes" : "no");
	vm_close(&vm);
	return filter ? 0 : 1;
}

/* hotvm run: exit status 0 guest off, 1 error, 2 bad command line. */
static int cmd_run(int argc, char **argv)
{
	struct config cfg;
	char err[256];
	int ret = config_parse(&cfg, argc, argv, err, sizeof(err));

	if (ret == 1) {
		config_help(stdout);
		return 0;
	}
	if (ret) {
		fprintf(stderr, "hotvm run: %s (try 'hotvm run --help')\n", err);
		return 2;
	}
	phase_mark(PHASE_CONFIG);
	return vmm_run(&cfg);
}

int main(int argc, char **argv)
{
	phase_mark(PHASE_START);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("hotvm %s\n", HOTVM_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run")) {
		return cmd_run(argc - 2, argv + 2);
	}
	if (!strcmp(argv[1], "ctl")) {
		return ctl_main(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "probe")) {
		return cmd_probe();
	}
	fprintf(stderr, "hotvm: unknown command '%s' (try 'hotvm --help')\n", argv[1]);
	return 2;
}
