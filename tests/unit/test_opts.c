// SPDX-License-Identifier: MIT
/* Unit tests for the option parser and the `hotvm run` table (src/lib/{opts,config}.c). */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lib/config.h"
#include "lib/opts.h"

static struct config cfg;
static char err[256];

static int parse(int argc, const char **argv)
{
	err[0] = 0;
	return config_parse(&cfg, argc, (char **)argv, err, sizeof(err));
}

#define PARSE(...)                                                     \
	({                                                             \
		const char *a_[] = { __VA_ARGS__ };                    \
		parse((int)(sizeof(a_) / sizeof(a_[0])), a_);          \
	})

START_TEST(test_kvmtool_options)
{
	ck_assert_int_eq(PARSE("-k", "Image", "-i", "rd", "-p", "quiet", "-c", "4", "-m", "512",
			       "--console", "serial", "--irqchip=gicv3-its", "--pmu", "--nodefaults",
			       "--network", "mode=none", "--loglevel=debug"), 0);
	ck_assert_str_eq(cfg.kernel, "Image");
	ck_assert_str_eq(cfg.initrd, "rd");
	ck_assert_str_eq(cfg.params, "quiet");
	ck_assert_uint_eq(cfg.cpus, 4);
	ck_assert_uint_eq(cfg.max_cpus, 4);
	ck_assert_uint_eq(cfg.mem, 512);
	ck_assert_int_eq(cfg.irqchip, IRQCHIP_GICV3_ITS);
	ck_assert(cfg.pmu && cfg.nodefaults);
	ck_assert_int_eq(cfg.loglevel, LOG_DEBUG);
	ck_assert_int_eq(cfg.psci, PSCI_USER);
	ck_assert_int_eq(cfg.reboot, REBOOT_RESET);
	ck_assert_int_eq(cfg.seccomp, SANDBOX_ON);

	/* the seccomp allow-list is on unless turned off explicitly */
	ck_assert_int_eq(PARSE("-k", "K", "--seccomp=off"), 0);
	ck_assert_int_eq(cfg.seccomp, SANDBOX_OFF);
	ck_assert(cfg.seccomp_set);
	ck_assert_int_eq(PARSE("-k", "K", "--seccomp", "on"), 0);
	ck_assert_int_eq(cfg.seccomp, SANDBOX_ON);
	ck_assert_int_eq(PARSE("-k", "K", "--seccomp=maybe"), -1);
	ck_assert_ptr_nonnull(strstr(err, "--seccomp maybe: must be one of on, off"));

	/* attached values and long forms */
	ck_assert_int_eq(PARSE("--kernel=K", "-c2", "--mem=64", "--max-cpus", "8",
			       "--psci=kernel", "--reboot", "exit"), -1);
	ck_assert_ptr_nonnull(strstr(err, "--max-cpus needs --psci=user"));
	ck_assert_int_eq(PARSE("--kernel=K", "-c2", "--mem=64", "--max-cpus", "8", "--reboot",
			       "exit"), 0);
	ck_assert_uint_eq(cfg.cpus, 2);
	ck_assert_uint_eq(cfg.max_cpus, 8);
	ck_assert_int_eq(cfg.reboot, REBOOT_EXIT);
	ck_assert(cfg.max_cpus_set && cfg.cpus_set && !cfg.psci_set);
}
END_TEST

START_TEST(test_defaults_and_help)
{
	ck_assert_int_eq(PARSE("-k", "x"), 0);
	ck_assert_uint_eq(cfg.cpus, 1);
	ck_assert_uint_eq(cfg.max_cpus, 1);
	ck_assert_uint_eq(cfg.mem, CONFIG_DEFAULT_MEM);
	ck_assert_int_eq(cfg.loglevel, LOG_WARNING);
	ck_assert_int_eq(cfg.psci_version, PSCI_V1_1);
	ck_assert(!cfg.psci_version_set);
	ck_assert_int_eq(PARSE("-k", "x", "--psci-version=1.3"), 0);
	ck_assert_int_eq(cfg.psci_version, PSCI_V1_3);
	ck_assert_int_eq(PARSE("-k", "x", "--psci-version", "0.2"), 0);
	ck_assert_int_eq(cfg.psci_version, PSCI_V0_2);
	ck_assert_int_eq(PARSE("--help"), 1);
	ck_assert_int_eq(PARSE("-k", "x", "-h"), 1);

	/* --acpi: off by default; KVM's PSCI is HVC too, so --psci=kernel goes */
	ck_assert_int_eq(PARSE("-k", "x"), 0);
	ck_assert(!cfg.acpi);
	ck_assert_int_eq(PARSE("-k", "x", "--acpi", "--psci=kernel"), 0);
	ck_assert(cfg.acpi);
	ck_assert_int_eq(PARSE("-k", "x", "--acpi=yes"), -1);
	ck_assert_ptr_nonnull(strstr(err, "--acpi takes no value"));
}
END_TEST

START_TEST(test_devices)
{
	ck_assert_int_eq(PARSE("-k", "x", "-d", "a.img,ro,direct", "--disk", "/b,c", "-n",
			       "mode=tap,tapif=tap7,guest_mac=52:54:00:Ab:cD:01,vhost=0", "--network",
			       "mode=tap", "-n", "none", "--network=mode=none", "--vsock", "42",
			       "--rng"),
			 -1); /* "/b,c": a comma starts the options */
	ck_assert_ptr_nonnull(strstr(err, "--disk /b,c: unknown option 'c'"));
	ck_assert_int_eq(PARSE("-k", "x", "-d", "a.img,ro,direct", "--disk", "/b", "-n",
			       "mode=tap,tapif=tap7,guest_mac=52:54:00:Ab:cD:01,vhost=0", "--network",
			       "mode=tap", "-n", "none", "--network=mode=none", "--vsock", "42",
			       "--rng"),
			 0);
	ck_assert_uint_eq(cfg.ndisks, 2);
	ck_assert_str_eq(cfg.disk[0].path, "a.img");
	ck_assert(cfg.disk[0].ro && cfg.disk[0].direct);
	ck_assert_str_eq(cfg.disk[1].path, "/b");
	ck_assert(!cfg.disk[1].ro && !cfg.disk[1].direct);
	ck_assert_uint_eq(cfg.nnets, 2); /* the two "none" add nothing */
	ck_assert_str_eq(cfg.net[0].tapif, "tap7");
	ck_assert_mem_eq(cfg.net[0].mac, ((uint8_t[]){ 0x52, 0x54, 0, 0xab, 0xcd, 1 }), 6);
	ck_assert_int_eq(cfg.net[0].vhost, VHOST_OFF);
	ck_assert_str_eq(cfg.net[1].tapif, "");
	ck_assert_mem_eq(cfg.net[1].mac, ((uint8_t[]){ 2, 0x68, 0x76, 0x6d, 0, 1 }), 6);
	ck_assert_int_eq(cfg.net[1].vhost, VHOST_AUTO);
	ck_assert_uint_eq(cfg.vsock_cid, 42);
	ck_assert(cfg.rng);
	/* the ninth disk has no slot */
	ck_assert_int_eq(PARSE("-k", "x", "-d", "1", "-d", "2", "-d", "3", "-d", "4", "-d", "5",
			       "-d", "6", "-d", "7", "-d", "8", "-d", "9"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "--disk 9: at most 8 may be given"));
}
END_TEST

START_TEST(test_errors)
{
	static const struct {
		const char *a, *b;
		const char *msg;
	} cases[] = {
		{ "--disk", "d.img,rw", "--disk d.img,rw: unknown option 'rw' (ro, direct)" },
		{ "-d", ",ro", "--disk ,ro: no file name" },
		{ "--network", "mode=user", "mode=user is not supported (tap or none" },
		{ "--network", "mode=tap,script=x", "unknown key 'script'" },
		{ "--network", "tapif=t0", "give mode=tap" },
		{ "--network", "mode=tap,guest_mac=01:00:00:00:00:01", "unicast" },
		{ "--network", "mode=tap,guest_mac=02:00:00:00:00", "unicast" },
		{ "--network", "mode=tap,vhost=2", "vhost must be 0 or 1" },
		{ "--network", "mode=tap,tapif=0123456789abcdef", "tapif must have 1 to 15" },
		{ "--network", "mode=tap,x", "'x' is not KEY=VALUE" },
		{ "--vsock", "2", "--vsock 2: must be between 3 and 4294967294" },
		{ "--rng=1", NULL, "--rng takes no value" },
		{ "--firmware", "f", "hotvm is the firmware" },
		{ "--vnc", NULL, "--vnc: hotvm has no framebuffer" },
		{ "--frob", NULL, "unknown option '--frob'" },
		{ "-z", NULL, "unknown option '-z'" },
		{ "stray", NULL, "unexpected argument 'stray'" },
		{ "--cpus", "0", "--cpus 0: must be between 1 and 512" },
		{ "--cpus", "513", "must be between 1 and 512" },
		{ "--cpus", "-1", "not a number" },
		{ "--mem", "1x", "--mem 1x: not a number" },
		{ "--irqchip", "gicv2", "must be one of gicv3, gicv3-its" },
		{ "--console", "hvc", "must be one of serial, virtio" },
		{ "--pmu=1", NULL, "--pmu takes no value" },
		{ "--params", NULL, "--params needs a value" },
		{ "--kernel=", NULL, "non-empty" },
		{ "--psci-version", "2.0", "must be one of 0.2, 1.0, 1.1, 1.3" },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[] = { "-k", "x", cases[i].a, cases[i].b };
		int argc = cases[i].b ? 4 : 3;

		ck_assert_int_eq(parse(argc, argv), -1);
		ck_assert_msg(strstr(err, cases[i].msg), "%s: got '%s'", cases[i].a, err);
	}
	ck_assert_int_eq(PARSE("-m", "64"), -1);
	ck_assert_ptr_nonnull(strstr(err, "no kernel"));
	ck_assert_int_eq(PARSE("-k", "x", "-c", "4", "--max-cpus", "2"), -1);
	ck_assert_ptr_nonnull(strstr(err, "--max-cpus 2 is less than --cpus 4"));
}
END_TEST

START_TEST(test_cmdline)
{
	char buf[64];

	ck_assert_int_eq(PARSE("-k", "x"), 0);
	ck_assert_int_eq(config_cmdline(&cfg, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "console=ttyS0");
	ck_assert_int_eq(PARSE("-k", "x", "-p", "quiet"), 0);
	ck_assert_int_eq(config_cmdline(&cfg, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "console=ttyS0 quiet");
	ck_assert_int_eq(PARSE("-k", "x", "-p", "quiet", "--console", "virtio"), 0);
	ck_assert_int_eq(cfg.console, CONSOLE_VIRTIO);
	ck_assert_int_eq(config_cmdline(&cfg, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "console=hvc0 quiet");
	ck_assert_int_eq(PARSE("-k", "x", "--console=virtio", "--nodefaults"), 0);
	ck_assert_int_eq(config_cmdline(&cfg, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(PARSE("-k", "x", "-p", "console=hvc0"), 0);
	ck_assert_int_eq(config_cmdline(&cfg, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "console=hvc0");
	ck_assert_int_eq(PARSE("-k", "x", "-p", "quiet", "--nodefaults"), 0);
	ck_assert_int_eq(config_cmdline(&cfg, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "quiet");
	ck_assert_int_eq(config_cmdline(&cfg, buf, 3), -1);

	/* kvmtool takes an empty --params (scripts pass "$PARAMS"): no extra space */
	ck_assert_int_eq(PARSE("-k", "x", "--params", ""), 0);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(cfg.params, "");
	ck_assert_int_eq(config_cmdline(&cfg, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "console=ttyS0");
	ck_assert_int_eq(PARSE("-k", "x", "-p", "", "--nodefaults"), 0);
	ck_assert_int_eq(config_cmdline(&cfg, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(PARSE("-k", "x", "--params="), 0);
	ck_assert_str_eq(cfg.params, "");
	/* other strings still need a value */
	ck_assert_int_eq(PARSE("-k", "x", "--initrd", ""), -1);
	ck_assert_ptr_nonnull(strstr(err, "--initrd needs a non-empty FILE"));
}
END_TEST

START_TEST(test_help_text)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	config_help(f);
	fclose(f);
	/* every accepted option is documented; refused ones are not listed */
	ck_assert_ptr_nonnull(strstr(text, "--max-cpus M"));
	ck_assert_ptr_nonnull(strstr(text, "--psci user|kernel"));
	ck_assert_ptr_nonnull(strstr(text, "--reboot reset|exit"));
	ck_assert_ptr_nonnull(strstr(text, "--seccomp on|off"));
	ck_assert_ptr_nonnull(strstr(text, "-k, --kernel FILE"));
	ck_assert_ptr_nonnull(strstr(text, "--acpi "));
	ck_assert_ptr_nonnull(strstr(text, "rest of RAM is kept"));
	ck_assert_ptr_nonnull(strstr(text, "-d, --disk FILE[,ro][,direct]"));
	ck_assert_ptr_nonnull(strstr(text, "-n, --network mode=tap[,tapif=NAME]"));
	ck_assert_ptr_nonnull(strstr(text, "--vsock CID"));
	ck_assert_ptr_nonnull(strstr(text, "--rng "));
	ck_assert_ptr_null(strstr(text, "--balloon"));
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("opts");
	TCase *tc = tcase_create("opts");

	tcase_add_test(tc, test_kvmtool_options);
	tcase_add_test(tc, test_defaults_and_help);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_devices);
	tcase_add_test(tc, test_cmdline);
	tcase_add_test(tc, test_help_text);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
