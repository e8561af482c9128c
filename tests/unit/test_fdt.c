// SPDX-License-Identifier: MIT
/* Unit tests for the guest device tree builder (src/lib/fdt.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "unit.h"
#include "lib/fdt.h"

static uint64_t mpidr[512];
static char buf[0x100000];

static struct fdt_desc desc(unsigned int ncpus)
{
	struct fdt_desc d = {
		.ram = { 0x80000000, 64 << 20 },
		.ncpus = ncpus,
		.mpidr = mpidr,
		.psci_version = 0x10001,
		.gic_dist = { 0x3fff0000, 0x10000 },
		.gic_redist = { 0x3fff0000 - ncpus * 0x20000ull, ncpus * 0x20000ull },
		.uart = { 0x01000000, 8 },
		.uart_spi = 0,
		.bootargs = "console=ttyS0 quiet",
	};

	for (unsigned int i = 0; i < ncpus; i++) {
		/* as KVM reports it: RES1 bit 31 set, Aff0 = i % 16, Aff1 = i / 16 */
		mpidr[i] = 0x80000000ull | ((i / 16) << 8) | (i % 16);
	}
	return d;
}

/* DT properties are only 4-byte aligned. */
static uint64_t get64(const void *p, int i)
{
	fdt64_t v;

	memcpy(&v, (const char *)p + 8 * i, sizeof(v));
	return fdt64_to_cpu(v);
}

static const void *prop(const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(buf, path);

	ck_assert_msg(node >= 0, "no node %s", path);
	return fdt_getprop(buf, node, name, len);
}

START_TEST(test_basic)
{
	struct fdt_desc d = desc(20);
	const void *reg;
	const char *s;
	int len, ret;

	ret = fdt_build(&d, buf, sizeof(buf));
	ck_assert_int_gt(ret, 0);
	ck_assert_int_eq(fdt_check_header(buf), 0);
	ck_assert_int_eq(ret, (int)fdt_totalsize(buf));

	reg = prop("/memory@80000000", "reg", &len);
	ck_assert_int_eq(len, 16);
	ck_assert_uint_eq(get64(reg, 0), 0x80000000);
	ck_assert_uint_eq(get64(reg, 1), 64 << 20);

	/* cpu reg = MPIDR affinity, without the RES1 bit */
	reg = prop("/cpus/cpu@3", "reg", &len);
	ck_assert_int_eq(len, 8);
	ck_assert_uint_eq(get64(reg, 0), 3);
	reg = prop("/cpus/cpu@103", "reg", &len);
	ck_assert_uint_eq(get64(reg, 0), 0x103);
	s = prop("/cpus/cpu@0", "enable-method", &len);
	ck_assert_str_eq(s, "psci");

	s = prop("/psci", "compatible", &len);
	ck_assert_str_eq(s, "arm,psci-1.0");
	ck_assert_str_eq(s + strlen(s) + 1, "arm,psci-0.2");
	ck_assert_int_eq(len, (int)sizeof("arm,psci-1.0\0arm,psci-0.2"));
	ck_assert_str_eq(prop("/psci", "method", &len), "hvc");

	ck_assert_str_eq(prop("/chosen", "bootargs", &len), "console=ttyS0 quiet");
	ck_assert_str_eq(prop("/chosen", "stdout-path", &len), "/uart@1000000");
	ck_assert_ptr_null(prop("/chosen", "linux,initrd-start", &len));
	ck_assert_str_eq(prop("/uart@1000000", "compatible", &len), "ns16550a");
	ck_assert_str_eq(prop("/intc@3fff0000", "compatible", &len), "arm,gic-v3");
	ck_assert_str_eq(prop("/timer", "compatible", &len), "arm,armv8-timer");
	ck_assert_int_lt(fdt_path_offset(buf, "/pmu"), 0);
	ck_assert_int_lt(fdt_path_offset(buf, "/intc@3fff0000/msi-controller@3ff70000"), 0);
	ck_assert_int_lt(fdt_path_offset(buf, "/rtc@1010000"), 0);
}
END_TEST

START_TEST(test_options)
{
	struct fdt_desc d = desc(2);
	const void *v;
	const char *s;
	int len;

	d.psci_version = 0x2;
	d.pmu = true;
	d.gic_its = (struct fdt_region){ 0x3ff90000, 0x20000 };
	d.rtc = (struct fdt_region){ 0x01010000, 0x1000 };
	d.initrd_start = 0x83000000;
	d.initrd_end = 0x83100000;
	d.bootargs = NULL;
	ck_assert_int_gt(fdt_build(&d, buf, sizeof(buf)), 0);
	s = prop("/psci", "compatible", &len);
	ck_assert_int_eq(len, (int)sizeof("arm,psci-0.2"));
	ck_assert_str_eq(s, "arm,psci-0.2");
	ck_assert_str_eq(prop("/pmu", "compatible", &len), "arm,armv8-pmuv3");
	ck_assert_str_eq(prop("/intc@3fff0000/msi-controller@3ff90000", "compatible", &len),
			 "arm,gic-v3-its");
	ck_assert_str_eq(prop("/rtc@1010000", "compatible", &len), "arm,pl031");
	v = prop("/chosen", "linux,initrd-start", &len);
	ck_assert_int_eq(len, 8);
	ck_assert_uint_eq(get64(v, 0), 0x83000000);
	v = prop("/chosen", "linux,initrd-end", &len);
	ck_assert_uint_eq(get64(v, 0), 0x83100000);
	ck_assert_ptr_null(prop("/chosen", "bootargs", &len));
}
END_TEST

START_TEST(test_limits)
{
	struct fdt_desc d = desc(512);
	char small[256];

	ck_assert_int_gt(fdt_build(&d, buf, sizeof(buf)), 0);
	ck_assert_int_ge(fdt_path_offset(buf, "/cpus/cpu@1f0f"), 0);
	ck_assert_int_eq(fdt_build(&d, small, sizeof(small)), -ENOSPC);
	d.ncpus = 0;
	ck_assert_int_eq(fdt_build(&d, buf, sizeof(buf)), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fdt");
	TCase *tc = tcase_create("fdt");

	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
