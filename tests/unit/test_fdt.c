// SPDX-License-Identifier: MIT
/* Unit tests for the guest device tree builder (src/lib/fdt.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "unit.h"
#include "lib/fdt.h"

static uint64_t mpidr[512];
static char buf[0x100000];
static struct machine machine;

/* The machine of @cfg, as hotvm lays it out. */
static struct fdt_desc desc_of(const struct config *cfg)
{
	struct fdt_desc d = {
		.machine = &machine,
		.mpidr = mpidr,
		.psci_version = 0x10001,
		.bootargs = "console=ttyS0 quiet",
	};
	char err[160];

	ck_assert_int_eq(machine_layout(cfg, &machine, err, sizeof(err)), 0);
	for (unsigned int i = 0; i < machine.ncpus; i++) {
		/* as KVM reports it: RES1 bit 31 set, Aff0 = i % 16, Aff1 = i / 16 */
		mpidr[i] = 0x80000000ull | ((i / 16) << 8) | (i % 16);
	}
	return d;
}

/* @ncpus vCPUs, 64 MiB, GICv3 without ITS, no RTC, no PMU. */
static struct fdt_desc desc(unsigned int ncpus)
{
	struct config cfg = { .max_cpus = ncpus, .mem = 64, .rtc_off = true };

	return desc_of(&cfg);
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
	struct config cfg = { .max_cpus = 2, .mem = 64, .irqchip = IRQCHIP_GICV3_ITS, .pmu = true };
	struct fdt_desc d = desc_of(&cfg);
	const void *v;
	const char *s;
	int len;

	d.psci_version = 0x2;
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

static uint32_t get32(const void *p, int i)
{
	fdt32_t v;

	memcpy(&v, (const char *)p + 4 * i, sizeof(v));
	return fdt32_to_cpu(v);
}

/* Node @parent/@name@<@r's base> exists, with reg entry @i = @r. */
static void check_node(const char *parent, const char *name, const struct machine_region *r,
		       int i, uint64_t base)
{
	char path[96];
	const void *reg;
	int len;

	snprintf(path, sizeof(path), "%s/%s@%llx", parent, name, (unsigned long long)base);
	reg = prop(path, "reg", &len);
	ck_assert_int_ge(len, 16 * (i + 1));
	ck_assert_uint_eq(get64(reg, 2 * i), r->base);
	ck_assert_uint_eq(get64(reg, 2 * i + 1), r->size);
}

static void check_reg(const char *parent, const char *name, const struct machine_region *r)
{
	check_node(parent, name, r, 0, r->base);
}

/* Interrupt @i of @path is INTID @intid, with trigger type @type (1 edge rising, 4 level high). */
static void check_irq_type(const char *path, int i, unsigned int intid, unsigned int type)
{
	const void *irqs;
	int len;

	irqs = prop(path, "interrupts", &len);
	ck_assert_int_ge(len, 12 * (i + 1));
	ck_assert_uint_eq(get32(irqs, 3 * i), intid >= 32 ? 0 : 1);	/* SPI : PPI */
	ck_assert_uint_eq(get32(irqs, 3 * i + 1), intid - (intid >= 32 ? 32 : 16));
	ck_assert_uint_eq(get32(irqs, 3 * i + 2), type);
}

/* Interrupt @i of @path is INTID @intid, level high. */
static void check_irq(const char *path, int i, unsigned int intid)
{
	check_irq_type(path, i, intid, 4);
}

/* The DT shows exactly the machine that machine_layout() describes. */
START_TEST(test_machine)
{
	static const unsigned int ncpus[] = { 1, 4, 64, 512 };

	for (unsigned int k = 0; k < 4 * 8; k++) {
		struct config cfg = {
			.max_cpus = ncpus[k / 8],
			.mem = 256 << (k % 3),
			.irqchip = k & 1 ? IRQCHIP_GICV3_ITS : IRQCHIP_GICV3,
			.rtc_off = k & 2,
			.pmu = k & 4,
			/* devices in some of them: disks, a network, rng */
			.ndisks = k % 4,
			.nnets = k % 3 == 1,
			.rng = k & 2,
		};
		struct fdt_desc d = desc_of(&cfg);
		const struct machine_region *its = machine_region(&machine, MACHINE_GIC_ITS);
		const struct machine_region *rtc = machine_region(&machine, MACHINE_RTC);
		const struct machine_region *uart = &machine.region[MACHINE_UART];
		char intc[64], path[96];
		int node, n = 0, len;

		ck_assert_int_gt(fdt_build(&d, buf, sizeof(buf)), 0);
		check_reg("", "memory", &machine.region[MACHINE_RAM]);
		check_reg("", "intc", &machine.region[MACHINE_GIC_DIST]);
		snprintf(intc, sizeof(intc), "/intc@%llx",
			 (unsigned long long)machine.region[MACHINE_GIC_DIST].base);
		/* the redistributors are the intc's second reg entry */
		check_node("", "intc", &machine.region[MACHINE_GIC_REDIST], 1,
			   machine.region[MACHINE_GIC_DIST].base);
		if (its) {
			check_reg(intc, "msi-controller", its);
		} else {
			node = fdt_path_offset(buf, intc);
			ck_assert_int_lt(fdt_subnode_offset(buf, node, "msi-controller"), 0);
		}
		check_reg("", "uart", uart);
		snprintf(path, sizeof(path), "/uart@%llx", (unsigned long long)uart->base);
		check_irq(path, 0, uart->intid);
		if (rtc) {
			check_reg("", "rtc", rtc);
		} else {
			ck_assert_int_lt(fdt_path_offset(buf, "/rtc@1010000"), 0);
		}
		for (int i = 0; i < MACHINE_NTIMERS; i++) {
			check_irq("/timer", i, machine.timer_intid[i]);
		}
		if (cfg.pmu) {
			check_irq("/pmu", 0, machine.pmu_intid);
		} else {
			ck_assert_int_lt(fdt_path_offset(buf, "/pmu"), 0);
		}
		/* a virtio,mmio node per slot, its SPI edge-triggered, coherent */
		for (unsigned int i = 0; i < MACHINE_VIRTIO_SLOTS; i++) {
			const struct machine_region *r = machine_region(&machine, MACHINE_VIRTIO + i);

			snprintf(path, sizeof(path), "/virtio@%llx",
				 (unsigned long long)(MACHINE_VIRTIO_BASE + i * MACHINE_VIRTIO_SIZE));
			if (i >= cfg.ndisks + cfg.nnets + cfg.rng) {
				ck_assert_ptr_null(r);
				ck_assert_int_lt(fdt_path_offset(buf, path), 0);
				continue;
			}
			ck_assert_ptr_nonnull(r);
			check_reg("", "virtio", r);
			ck_assert_str_eq(prop(path, "compatible", &len), "virtio,mmio");
			check_irq_type(path, 0, r->intid, 1);
			prop(path, "dma-coherent", &len);
			ck_assert_int_eq(len, 0);
		}
		/* one cpu node per possible vCPU */
		fdt_for_each_subnode(node, buf, fdt_path_offset(buf, "/cpus")) {
			n++;
		}
		ck_assert_int_eq(n, (int)machine.ncpus);
	}
}
END_TEST

START_TEST(test_limits)
{
	struct fdt_desc d = desc(512);
	char small[256];

	ck_assert_int_gt(fdt_build(&d, buf, sizeof(buf)), 0);
	ck_assert_int_ge(fdt_path_offset(buf, "/cpus/cpu@1f0f"), 0);
	ck_assert_int_eq(fdt_build(&d, small, sizeof(small)), -ENOSPC);
	machine.ncpus = 0;
	ck_assert_int_eq(fdt_build(&d, buf, sizeof(buf)), -EINVAL);
	d.machine = NULL;
	ck_assert_int_eq(fdt_build(&d, buf, sizeof(buf)), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fdt");
	TCase *tc = tcase_create("fdt");

	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_machine);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
