// SPDX-License-Identifier: MIT
/*
 * Device tree for the guest (see fdt.h). Node names and properties follow
 * the kernel's bindings (Documentation/devicetree/bindings/...: arm/psci,
 * timer/arm,arch_timer, interrupt-controller/arm,gic-v3, serial/8250,
 * rtc/arm,pl031) and the kvmtool/QEMU virt conventions guests expect.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "fw/fw.h"
#include "lib/fdt.h"

#define PHANDLE_GIC	1
#define PHANDLE_CLK	2
#define PHANDLE_ITS	3

#define GIC_SPI		0
#define GIC_PPI		1
#define IRQ_EDGE_RISING	1
#define IRQ_LEVEL_HIGH	4

static int prop_reg(void *fdt, const struct machine_region *r)
{
	fdt64_t cells[2] = { cpu_to_fdt64(r->base), cpu_to_fdt64(r->size) };

	return fdt_property(fdt, "reg", cells, sizeof(cells));
}

/* "interrupts" for up to 4 level-high PPIs or SPIs (INTIDs): <type number flags> each. */
static int prop_irqs(void *fdt, const unsigned int *intids, unsigned int n)
{
	fdt32_t cells[12];

	if (n > 4) {
		return -FDT_ERR_INTERNAL;
	}
	for (unsigned int i = 0; i < n; i++) {
		bool spi = intids[i] >= 32;

		if (intids[i] < 16) {
			return -FDT_ERR_BADVALUE;	/* an SGI, or no interrupt */
		}
		cells[3 * i] = cpu_to_fdt32(spi ? GIC_SPI : GIC_PPI);
		cells[3 * i + 1] = cpu_to_fdt32(intids[i] - (spi ? 32 : 16));
		cells[3 * i + 2] = cpu_to_fdt32(IRQ_LEVEL_HIGH);
	}
	return fdt_property(fdt, "interrupts", cells, 3 * n * sizeof(fdt32_t));
}

static int begin_node(void *fdt, const char *name, uint64_t addr)
{
	char full[64];

	snprintf(full, sizeof(full), "%s@%llx", name, (unsigned long long)addr);
	return fdt_begin_node(fdt, full);
}

static int cpus(void *fdt, const struct fdt_desc *d)
{
	int err = fdt_begin_node(fdt, "cpus");

	err = err ? err : fdt_property_u32(fdt, "#address-cells", 2);
	err = err ? err : fdt_property_u32(fdt, "#size-cells", 0);
	for (unsigned int i = 0; !err && i < d->machine->ncpus; i++) {
		/* reg is MPIDR's affinity fields: Aff3 in the high cell. */
		uint64_t aff = d->mpidr[i] & FW_MPIDR_AFF_MASK;

		err = begin_node(fdt, "cpu", aff);
		err = err ? err : fdt_property_string(fdt, "device_type", "cpu");
		err = err ? err : fdt_property_string(fdt, "compatible", "arm,arm-v8");
		err = err ? err : fdt_property_string(fdt, "enable-method", "psci");
		err = err ? err : fdt_property_u64(fdt, "reg", aff);
		err = err ? err : fdt_end_node(fdt);
	}
	return err ? err : fdt_end_node(fdt);
}

static int psci(void *fdt, const struct fdt_desc *d)
{
	/* Linux binds 1.x firmware by "arm,psci-1.0" and falls back to 0.2. */
	static const char v1[] = "arm,psci-1.0\0arm,psci-0.2";
	static const char v02[] = "arm,psci-0.2";
	int err = fdt_begin_node(fdt, "psci");

	if (d->psci_version >= 0x10000) {
		err = err ? err : fdt_property(fdt, "compatible", v1, sizeof(v1));
	} else {
		err = err ? err : fdt_property(fdt, "compatible", v02, sizeof(v02));
	}
	err = err ? err : fdt_property_string(fdt, "method", "hvc");
	return err ? err : fdt_end_node(fdt);
}

static int timer(void *fdt, const struct machine *m)
{
	int err = fdt_begin_node(fdt, "timer");

	err = err ? err : fdt_property_string(fdt, "compatible", "arm,armv8-timer");
	err = err ? err : prop_irqs(fdt, m->timer_intid, MACHINE_NTIMERS);
	err = err ? err : fdt_property(fdt, "always-on", NULL, 0);
	return err ? err : fdt_end_node(fdt);
}

static int gic(void *fdt, const struct machine *m)
{
	const struct machine_region *dist = &m->region[MACHINE_GIC_DIST];
	const struct machine_region *redist = &m->region[MACHINE_GIC_REDIST];
	const struct machine_region *its = machine_region(m, MACHINE_GIC_ITS);
	fdt64_t reg[4] = {
		cpu_to_fdt64(dist->base), cpu_to_fdt64(dist->size),
		cpu_to_fdt64(redist->base), cpu_to_fdt64(redist->size),
	};
	int err = begin_node(fdt, "intc", dist->base);

	err = err ? err : fdt_property_string(fdt, "compatible", "arm,gic-v3");
	err = err ? err : fdt_property_u32(fdt, "#interrupt-cells", 3);
	err = err ? err : fdt_property(fdt, "interrupt-controller", NULL, 0);
	err = err ? err : fdt_property(fdt, "reg", reg, sizeof(reg));
	err = err ? err : fdt_property_u32(fdt, "#address-cells", 2);
	err = err ? err : fdt_property_u32(fdt, "#size-cells", 2);
	err = err ? err : fdt_property(fdt, "ranges", NULL, 0);
	err = err ? err : fdt_property_u32(fdt, "phandle", PHANDLE_GIC);
	if (!err && its) {
		err = begin_node(fdt, "msi-controller", its->base);
		err = err ? err : fdt_property_string(fdt, "compatible", "arm,gic-v3-its");
		err = err ? err : fdt_property(fdt, "msi-controller", NULL, 0);
		err = err ? err : fdt_property_u32(fdt, "#msi-cells", 1);
		err = err ? err : prop_reg(fdt, its);
		err = err ? err : fdt_property_u32(fdt, "phandle", PHANDLE_ITS);
		err = err ? err : fdt_end_node(fdt);
	}
	return err ? err : fdt_end_node(fdt);
}

static int uart(void *fdt, const struct machine_region *r)
{
	int err = begin_node(fdt, "uart", r->base);

	err = err ? err : fdt_property_string(fdt, "compatible", "ns16550a");
	err = err ? err : prop_reg(fdt, r);
	err = err ? err : prop_irqs(fdt, &r->intid, 1);
	err = err ? err : fdt_property_u32(fdt, "clock-frequency", 1843200);
	return err ? err : fdt_end_node(fdt);
}

static int rtc(void *fdt, const struct machine_region *r)
{
	/* PL031 is an AMBA primecell: the bus wants an apb_pclk clock. */
	static const char compat[] = "arm,pl031\0arm,primecell";
	int err = fdt_begin_node(fdt, "apb-pclk");

	err = err ? err : fdt_property_string(fdt, "compatible", "fixed-clock");
	err = err ? err : fdt_property_u32(fdt, "#clock-cells", 0);
	err = err ? err : fdt_property_u32(fdt, "clock-frequency", 24000000);
	err = err ? err : fdt_property_string(fdt, "clock-output-names", "clk24mhz");
	err = err ? err : fdt_property_u32(fdt, "phandle", PHANDLE_CLK);
	err = err ? err : fdt_end_node(fdt);
	err = err ? err : begin_node(fdt, "rtc", r->base);
	err = err ? err : fdt_property(fdt, "compatible", compat, sizeof(compat));
	err = err ? err : prop_reg(fdt, r);
	err = err ? err : fdt_property_u32(fdt, "clocks", PHANDLE_CLK);
	err = err ? err : fdt_property_string(fdt, "clock-names", "apb_pclk");
	return err ? err : fdt_end_node(fdt);
}

/*
 * A virtio-mmio slot (Linux: Documentation/devicetree/bindings/virtio/mmio.yaml).
 * Its SPI is edge-triggered (KVM's irqfd pulses it), and guest memory is
 * coherent for it, as for every device of a VMM.
 */
static int virtio(void *fdt, const struct machine_region *r)
{
	fdt32_t irq[3] = { cpu_to_fdt32(GIC_SPI), cpu_to_fdt32(r->intid - 32),
			   cpu_to_fdt32(IRQ_EDGE_RISING) };
	int err = begin_node(fdt, "virtio", r->base);

	err = err ? err : fdt_property_string(fdt, "compatible", "virtio,mmio");
	err = err ? err : prop_reg(fdt, r);
	err = err ? err : fdt_property(fdt, "interrupts", irq, sizeof(irq));
	err = err ? err : fdt_property(fdt, "dma-coherent", NULL, 0);
	return err ? err : fdt_end_node(fdt);
}

static int pmu(void *fdt, const struct machine *m)
{
	int err = fdt_begin_node(fdt, "pmu");

	err = err ? err : fdt_property_string(fdt, "compatible", "arm,armv8-pmuv3");
	err = err ? err : prop_irqs(fdt, &m->pmu_intid, 1);
	return err ? err : fdt_end_node(fdt);
}

static int chosen(void *fdt, const struct fdt_desc *d)
{
	char path[64];
	int err = fdt_begin_node(fdt, "chosen");

	snprintf(path, sizeof(path), "/uart@%llx",
		 (unsigned long long)d->machine->region[MACHINE_UART].base);
	if (d->bootargs) {
		err = err ? err : fdt_property_string(fdt, "bootargs", d->bootargs);
	}
	if (d->initrd_end) {
		err = err ? err : fdt_property_u64(fdt, "linux,initrd-start", d->initrd_start);
		err = err ? err : fdt_property_u64(fdt, "linux,initrd-end", d->initrd_end);
	}
	err = err ? err : fdt_property_string(fdt, "stdout-path", path);
	return err ? err : fdt_end_node(fdt);
}

int fdt_build(const struct fdt_desc *d, void *buf, size_t size)
{
	const struct machine *m = d->machine;
	void *fdt = buf;
	int err;

	if (!m || !m->ncpus || !d->mpidr || size > INT32_MAX) {
		return -EINVAL;
	}
	err = fdt_create(fdt, (int)size);
	err = err ? err : fdt_finish_reservemap(fdt);
	err = err ? err : fdt_begin_node(fdt, "");
	err = err ? err : fdt_property_string(fdt, "compatible", "linux,dummy-virt");
	err = err ? err : fdt_property_u32(fdt, "#address-cells", 2);
	err = err ? err : fdt_property_u32(fdt, "#size-cells", 2);
	err = err ? err : fdt_property_u32(fdt, "interrupt-parent", PHANDLE_GIC);
	err = err ? err : chosen(fdt, d);
	err = err ? err : begin_node(fdt, "memory", m->region[MACHINE_RAM].base);
	err = err ? err : fdt_property_string(fdt, "device_type", "memory");
	err = err ? err : prop_reg(fdt, &m->region[MACHINE_RAM]);
	err = err ? err : fdt_end_node(fdt);
	err = err ? err : cpus(fdt, d);
	err = err ? err : psci(fdt, d);
	err = err ? err : timer(fdt, m);
	err = err ? err : gic(fdt, m);
	err = err ? err : uart(fdt, &m->region[MACHINE_UART]);
	if (machine_region(m, MACHINE_RTC)) {
		err = err ? err : rtc(fdt, &m->region[MACHINE_RTC]);
	}
	if (m->pmu_intid) {
		err = err ? err : pmu(fdt, m);
	}
	for (unsigned int i = 0; i < m->nvirtio; i++) {
		err = err ? err : virtio(fdt, &m->region[MACHINE_VIRTIO + i]);
	}
	err = err ? err : fdt_end_node(fdt);
	err = err ? err : fdt_finish(fdt);
	if (err == -FDT_ERR_NOSPACE) {
		return -ENOSPC;
	}
	return err ? -EINVAL : (int)fdt_totalsize(fdt);
}
