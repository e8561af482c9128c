// SPDX-License-Identifier: MIT
/* Unit tests for the machine's layout (src/lib/machine.c). */
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "lib/machine.h"

static struct config config(unsigned long ncpus, bool its)
{
	struct config cfg = {
		.cpus = 1,
		.max_cpus = ncpus,
		.mem = CONFIG_DEFAULT_MEM,
		.irqchip = its ? IRQCHIP_GICV3_ITS : IRQCHIP_GICV3,
	};

	return cfg;
}

/*
 * kvmtool's arm64 map, written out by hand for the vCPU counts tested:
 * the redistributors end at the distributor (0x3fff0000), the ITS sits
 * right below them.
 */
static const struct {
	unsigned int ncpus;
	uint64_t redist, its;
} kvmtool[] = {
	{ 1, 0x3ffd0000, 0x3ffb0000 },
	{ 4, 0x3ff70000, 0x3ff50000 },
	{ 64, 0x3f7f0000, 0x3f7d0000 },
	{ 512, 0x3bff0000, 0x3bfd0000 },
};

static bool overlap(const struct machine_region *a, const struct machine_region *b)
{
	return a->base < b->base + b->size && b->base < a->base + a->size;
}

/* Everything that does not depend on the map's exact addresses. */
static void check_sane(const struct machine *m)
{
	const struct machine_region *ram = machine_region(m, MACHINE_RAM);

	ck_assert_ptr_nonnull(ram);
	ck_assert_uint_le(ram->base + ram->size, 1ull << 40);
	for (unsigned int i = 0; i < MACHINE_NREGIONS; i++) {
		const struct machine_region *a = machine_region(m, i);

		if (!a) {
			continue;
		}
		ck_assert_ptr_nonnull(a->name);
		/* no wrap-around, and every device below RAM */
		ck_assert_uint_gt(a->base + a->size, a->base);
		if (i != MACHINE_RAM) {
			ck_assert_msg(a->base + a->size <= ram->base, "%s reaches into RAM", a->name);
		}
		for (unsigned int j = i + 1; j < MACHINE_NREGIONS; j++) {
			const struct machine_region *b = machine_region(m, j);

			ck_assert_msg(!b || !overlap(a, b), "%s [0x%llx+0x%llx) overlaps %s", a->name,
				      (unsigned long long)a->base, (unsigned long long)a->size,
				      b ? b->name : "");
		}
	}
	/* GICv3 frames are 64 KiB aligned */
	ck_assert_uint_eq(m->region[MACHINE_GIC_DIST].base % 0x10000, 0);
	ck_assert_uint_eq(m->region[MACHINE_GIC_REDIST].base % 0x10000, 0);
	ck_assert_uint_eq(m->region[MACHINE_GIC_ITS].base % 0x10000, 0);
}

START_TEST(test_kvmtool_map)
{
	for (unsigned int k = 0; k < sizeof(kvmtool) / sizeof(kvmtool[0]); k++) {
		for (int its = 0; its <= 1; its++) {
			struct config cfg = config(kvmtool[k].ncpus, its);
			const struct machine_region *r;
			struct machine m;
			char err[160];

			ck_assert_int_eq(machine_layout(&cfg, &m, err, sizeof(err)), 0);
			check_sane(&m);
			ck_assert_uint_eq(m.ncpus, kvmtool[k].ncpus);

			r = machine_region(&m, MACHINE_RAM);
			ck_assert_uint_eq(r->base, 0x80000000);
			ck_assert_uint_eq(r->size, 256 << 20);
			r = machine_region(&m, MACHINE_UART);
			ck_assert_uint_eq(r->base, 0x01000000);
			ck_assert_uint_eq(r->size, 8);
			ck_assert_uint_eq(r->intid, 32);	/* SPI 0 */
			r = machine_region(&m, MACHINE_RTC);
			ck_assert_uint_eq(r->base, 0x01010000);
			ck_assert_uint_eq(r->size, 0x1000);
			r = machine_region(&m, MACHINE_GIC_DIST);
			ck_assert_uint_eq(r->base, 0x3fff0000);
			ck_assert_uint_eq(r->size, 0x10000);
			r = machine_region(&m, MACHINE_GIC_REDIST);
			ck_assert_uint_eq(r->base, kvmtool[k].redist);
			ck_assert_uint_eq(r->base + r->size, 0x3fff0000);
			r = machine_region(&m, MACHINE_GIC_ITS);
			if (its) {
				ck_assert_ptr_nonnull(r);
				ck_assert_uint_eq(r->base, kvmtool[k].its);
				ck_assert_uint_eq(r->size, 0x20000);
			} else {
				ck_assert_ptr_null(r);
			}
			/* timer PPIs 13, 14, 11, 10 (DT order); no PMU unless asked */
			ck_assert_uint_eq(m.timer_intid[MACHINE_TIMER_SEC], 29);
			ck_assert_uint_eq(m.timer_intid[MACHINE_TIMER_NS], 30);
			ck_assert_uint_eq(m.timer_intid[MACHINE_TIMER_VIRT], 27);
			ck_assert_uint_eq(m.timer_intid[MACHINE_TIMER_HYP], 26);
			ck_assert_uint_eq(m.pmu_intid, 0);
		}
	}
}
END_TEST

START_TEST(test_options)
{
	struct config cfg = config(4, false);
	struct machine m;
	char err[160];

	cfg.rtc_off = true;
	cfg.pmu = true;
	ck_assert_int_eq(machine_layout(&cfg, &m, err, sizeof(err)), 0);
	check_sane(&m);
	ck_assert_ptr_null(machine_region(&m, MACHINE_RTC));
	ck_assert_uint_eq(m.pmu_intid, 23);	/* PPI 7 */
	ck_assert_ptr_null(machine_region(&m, MACHINE_NREGIONS));
}
END_TEST

/* Devices take virtio-mmio slots in a fixed order: disks, networks, vsock, rng, console. */
START_TEST(test_virtio_slots)
{
	struct config cfg = config(4, true);
	struct machine m;
	char err[160];

	cfg.ndisks = 2;
	cfg.nnets = 1;
	cfg.vsock_cid = 3;
	cfg.rng = true;
	cfg.console = CONSOLE_VIRTIO;
	ck_assert_int_eq(machine_layout(&cfg, &m, err, sizeof(err)), 0);
	check_sane(&m);
	ck_assert_uint_eq(m.nvirtio, 6);
	ck_assert_int_eq(m.virtio[0].type, MACHINE_VIRTIO_BLK);
	ck_assert_uint_eq(m.virtio[1].unit, 1);
	ck_assert_int_eq(m.virtio[2].type, MACHINE_VIRTIO_NET);
	ck_assert_int_eq(m.virtio[3].type, MACHINE_VIRTIO_VSOCK);
	ck_assert_int_eq(m.virtio[4].type, MACHINE_VIRTIO_RNG);
	ck_assert_int_eq(m.virtio[5].type, MACHINE_VIRTIO_CONSOLE);
	for (unsigned int i = 0; i < 6; i++) {
		const struct machine_region *r = machine_region(&m, MACHINE_VIRTIO + i);

		ck_assert_ptr_nonnull(r);
		ck_assert_uint_eq(r->base, 0x03000000 + 0x200 * i);
		ck_assert_uint_eq(r->size, 0x200);
		ck_assert_uint_eq(r->intid, 32 + 2 + i); /* SPI 2 + slot */
	}
	ck_assert_str_eq(m.region[MACHINE_VIRTIO + 4].name, "virtio-rng");
	ck_assert_str_eq(m.region[MACHINE_VIRTIO + 5].name, "virtio-console");
	ck_assert_ptr_null(machine_region(&m, MACHINE_VIRTIO + 6));
	/* the most devices the options allow fit, below the GIC of 512 vCPUs */
	cfg = config(CONFIG_MAX_CPUS, true);
	cfg.ndisks = CONFIG_MAX_DISKS;
	cfg.nnets = CONFIG_MAX_NETS;
	cfg.vsock_cid = 3;
	cfg.rng = true;
	cfg.console = CONSOLE_VIRTIO;
	ck_assert_int_eq(machine_layout(&cfg, &m, err, sizeof(err)), 0);
	check_sane(&m);
	ck_assert_uint_eq(m.nvirtio, CONFIG_MAX_DISKS + CONFIG_MAX_NETS + 3);
}
END_TEST

START_TEST(test_limits)
{
	struct config cfg = config(CONFIG_MAX_CPUS, true);
	struct machine m;
	char err[160];

	/* the most RAM: up to the end of the 40-bit IPA space, 1 TiB */
	cfg.mem = ((1ull << 40) - 0x80000000) >> 20;
	ck_assert_int_eq(machine_layout(&cfg, &m, err, sizeof(err)), 0);
	check_sane(&m);
	ck_assert_uint_eq(m.region[MACHINE_RAM].base + m.region[MACHINE_RAM].size, 1ull << 40);

	/* one MiB more (and --mem's own limit, 1 TiB) is refused, saying why */
	cfg.mem++;
	ck_assert_int_eq(machine_layout(&cfg, &m, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "--mem 1046529 MiB"));
	ck_assert_ptr_nonnull(strstr(err, "40-bit"));
	cfg.mem = 1ul << 20;
	ck_assert_int_eq(machine_layout(&cfg, &m, err, sizeof(err)), -EINVAL);

	cfg.mem = CONFIG_DEFAULT_MEM;
	cfg.max_cpus = CONFIG_MAX_CPUS + 1;
	ck_assert_int_eq(machine_layout(&cfg, &m, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "513 possible vCPUs"));
	cfg.max_cpus = 0;
	ck_assert_int_eq(machine_layout(&cfg, &m, err, sizeof(err)), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("machine");
	TCase *tc = tcase_create("machine");

	tcase_add_test(tc, test_kvmtool_map);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_virtio_slots);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
