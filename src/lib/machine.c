// SPDX-License-Identifier: MIT
/* The machine's regions and interrupts, laid out once (see machine.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fw/fw.h"
#include "lib/machine.h"

/* --max-cpus and the firmware core's tables must agree on the vCPU limit. */
_Static_assert(CONFIG_MAX_CPUS == FW_MAX_CPUS, "CONFIG_MAX_CPUS differs from FW_MAX_CPUS");
/* With the most vCPUs and an ITS, the GIC stays above the virtio-mmio window's start. */
_Static_assert(MACHINE_GIC_DIST_BASE - CONFIG_MAX_CPUS * MACHINE_GIC_REDIST_SIZE -
			       MACHINE_GIC_ITS_SIZE >=
		       MACHINE_VIRTIO_BASE,
	       "the GIC of CONFIG_MAX_CPUS vCPUs reaches into the virtio-mmio window");
/* Every device the options allow has a slot, and the slots end below the GIC. */
_Static_assert(CONFIG_MAX_DISKS + CONFIG_MAX_NETS + 3 <= MACHINE_VIRTIO_SLOTS,
	       "not enough virtio-mmio slots for every device option");
_Static_assert(MACHINE_VIRTIO_BASE + MACHINE_VIRTIO_SLOTS * MACHINE_VIRTIO_SIZE <=
		       MACHINE_GIC_DIST_BASE - CONFIG_MAX_CPUS * MACHINE_GIC_REDIST_SIZE -
			       MACHINE_GIC_ITS_SIZE,
	       "the virtio-mmio slots reach into the GIC");
/* The platform devices sit below the virtio-mmio window. */
_Static_assert(MACHINE_RTC_BASE + MACHINE_RTC_SIZE <= MACHINE_VIRTIO_BASE &&
		       MACHINE_UART_BASE + MACHINE_UART_SIZE <= MACHINE_RTC_BASE,
	       "platform devices overlap");
/* Everything but RAM sits below RAM. */
_Static_assert(MACHINE_GIC_DIST_BASE + MACHINE_GIC_DIST_SIZE <= MACHINE_RAM_BASE,
	       "GIC distributor overlaps RAM");

static void region(struct machine *m, enum machine_region_id id, const char *name, uint64_t base,
		   uint64_t size, unsigned int intid)
{
	m->region[id] = (struct machine_region){
		.name = name,
		.base = base,
		.size = size,
		.intid = intid,
	};
}

const char *machine_virtio_name(enum machine_virtio_type t)
{
	switch (t) {
	case MACHINE_VIRTIO_BLK:
		return "virtio-blk";
	case MACHINE_VIRTIO_NET:
		return "virtio-net";
	case MACHINE_VIRTIO_VSOCK:
		return "virtio-vsock";
	case MACHINE_VIRTIO_RNG:
		return "virtio-rng";
	case MACHINE_VIRTIO_CONSOLE:
		return "virtio-console";
	case MACHINE_VIRTIO_NONE:
		break;
	}
	return "none";
}

/* The next free slot: its register block and its SPI (edge: KVM's irqfd pulses it). */
static void virtio(struct machine *m, enum machine_virtio_type type, unsigned int unit)
{
	unsigned int i = m->nvirtio++;

	m->virtio[i] = (struct machine_virtio){ type, unit };
	region(m, MACHINE_VIRTIO + i, machine_virtio_name(type),
	       MACHINE_VIRTIO_BASE + i * MACHINE_VIRTIO_SIZE, MACHINE_VIRTIO_SIZE,
	       MACHINE_SPI(MACHINE_VIRTIO_SPI + i));
}

int machine_layout(const struct config *cfg, struct machine *m, char *err, size_t errlen)
{
	uint64_t redist_size, redist;

	memset(m, 0, sizeof(*m));
	if (cfg->max_cpus < 1 || cfg->max_cpus > CONFIG_MAX_CPUS) {
		snprintf(err, errlen, "%lu possible vCPUs: the machine has room for 1 to %u",
			 cfg->max_cpus, CONFIG_MAX_CPUS);
		return -EINVAL;
	}
	if (cfg->mem < 1 || cfg->mem > MACHINE_RAM_MAX >> 20) {
		snprintf(err, errlen,
			 "--mem %lu MiB: RAM at 0x%llx must end within the %d-bit guest physical "
			 "address space (at most %llu MiB)",
			 cfg->mem, MACHINE_RAM_BASE, MACHINE_IPA_BITS, MACHINE_RAM_MAX >> 20);
		return -EINVAL;
	}
	m->ncpus = (unsigned int)cfg->max_cpus;
	region(m, MACHINE_RAM, "ram", MACHINE_RAM_BASE, (uint64_t)cfg->mem << 20, 0);
	/* kvmtool's first SPI, level-triggered */
	region(m, MACHINE_UART, "uart", MACHINE_UART_BASE, MACHINE_UART_SIZE, MACHINE_SPI(0));
	if (!cfg->rtc_off) {
		/* The guest polls it: no interrupt line (as kvmtool). */
		region(m, MACHINE_RTC, "rtc", MACHINE_RTC_BASE, MACHINE_RTC_SIZE, 0);
	}
	if (cfg->acpi && cfg->psci == PSCI_USER) {
		/* The GED's interrupt: the next SPI, edge-triggered (docs/acpi.md). */
		region(m, MACHINE_CPUHP, "cpu-hotplug", MACHINE_CPUHP_BASE, MACHINE_CPUHP_SIZE,
		       MACHINE_SPI(1));
	}
	region(m, MACHINE_GIC_DIST, "gic-dist", MACHINE_GIC_DIST_BASE, MACHINE_GIC_DIST_SIZE, 0);
	redist_size = m->ncpus * MACHINE_GIC_REDIST_SIZE;
	redist = MACHINE_GIC_DIST_BASE - redist_size;
	region(m, MACHINE_GIC_REDIST, "gic-redist", redist, redist_size, 0);
	if (cfg->irqchip == IRQCHIP_GICV3_ITS) {
		region(m, MACHINE_GIC_ITS, "gic-its", redist - MACHINE_GIC_ITS_SIZE,
		       MACHINE_GIC_ITS_SIZE, 0);
	}
	for (unsigned int i = 0; i < cfg->ndisks; i++) {
		virtio(m, MACHINE_VIRTIO_BLK, i);
	}
	for (unsigned int i = 0; i < cfg->nnets; i++) {
		virtio(m, MACHINE_VIRTIO_NET, i);
	}
	if (cfg->vsock_cid) {
		virtio(m, MACHINE_VIRTIO_VSOCK, 0);
	}
	if (cfg->rng) {
		virtio(m, MACHINE_VIRTIO_RNG, 0);
	}
	/* last: adding the console moves no other device */
	if (cfg->console == CONSOLE_VIRTIO) {
		virtio(m, MACHINE_VIRTIO_CONSOLE, 0);
	}
	m->timer_intid[MACHINE_TIMER_SEC] = MACHINE_PPI(13);
	m->timer_intid[MACHINE_TIMER_NS] = MACHINE_PPI(14);
	m->timer_intid[MACHINE_TIMER_VIRT] = MACHINE_PPI(11);
	m->timer_intid[MACHINE_TIMER_HYP] = MACHINE_PPI(10);
	if (cfg->pmu) {
		m->pmu_intid = MACHINE_PPI(7);
	}
	return 0;
}

const struct machine_region *machine_region(const struct machine *m, enum machine_region_id id)
{
	if ((unsigned int)id >= MACHINE_NREGIONS || !m->region[id].size) {
		return NULL;
	}
	return &m->region[id];
}
