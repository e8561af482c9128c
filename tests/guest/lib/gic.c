// SPDX-License-Identifier: MIT
/*
 * GICv3 and the virtual timer, just enough to wake a CPU from WFI or
 * CPU_SUSPEND with the timer's PPI 27: KVM wakes a suspended vCPU only for
 * an interrupt that is pending, enabled and of higher priority than PMR.
 * The interrupt is never taken (PSTATE.I stays set); the waker disarms the
 * timer, which drops the level-triggered line.
 */
#include "guest.h"

#define GICD_CTLR		0x0000
#define GICD_CTLR_RWP		(1u << 31)
#define GICD_CTLR_ARE		(1u << 4)
#define GICD_CTLR_GRP1		(1u << 1)
#define GICD_CTLR_GRP0		(1u << 0)

#define GICR_TYPER		0x0008
#define GICR_TYPER_LAST		(1u << 4)
#define GICR_TYPER_VLPIS	(1u << 1)
#define GICR_WAKER		0x0014
#define GICR_WAKER_SLEEP	(1u << 1)
#define GICR_WAKER_ASLEEP	(1u << 2)
#define GICR_SGI		0x10000
#define GICR_IGROUPR0		(GICR_SGI + 0x0080)
#define GICR_ISENABLER0		(GICR_SGI + 0x0100)
#define GICR_ISPENDR0		(GICR_SGI + 0x0200)
#define GICR_IPRIORITYR		(GICR_SGI + 0x0400)

#define TIMER_PPI		27

static uint64_t rd_base[GUEST_MAX_CPUS];

static inline uint32_t rd32(uint64_t a)
{
	return *(volatile uint32_t *)(uintptr_t)a;
}

static inline uint64_t rd64(uint64_t a)
{
	return *(volatile uint64_t *)(uintptr_t)a;
}

static inline void wr32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)a = v;
}

void gic_init(void)
{
	unsigned int spin;

	wr32(plat.gicd + GICD_CTLR,
	     GICD_CTLR_ARE | GICD_CTLR_GRP1 | GICD_CTLR_GRP0);
	for (spin = 0; spin < 1000000; spin++) {
		if (!(rd32(plat.gicd + GICD_CTLR) & GICD_CTLR_RWP))
			break;
	}
}

static uint64_t find_rd(uint64_t mpidr)
{
	uint64_t aff = (mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 24;
	uint64_t a = plat.gicr;

	while (!plat.gicr_size || a < plat.gicr + plat.gicr_size) {
		uint64_t typer = rd64(a + GICR_TYPER);

		if ((typer >> 32) == aff)
			return a;
		if (typer & GICR_TYPER_LAST)
			break;
		a += (typer & GICR_TYPER_VLPIS) ? 0x40000 : 0x20000;
	}
	return 0;
}

void gic_cpu_init(void)
{
	unsigned int cpu = this_cpu(), spin;
	uint64_t rd = rd_base[cpu], v;
	uint32_t prio;

	if (!rd) {
		rd = find_rd(read_mpidr());
		if (!rd) {
			printf("# cpu %u: no redistributor for MPIDR 0x%lx\n",
			       cpu, read_mpidr());
			return;
		}
		rd_base[cpu] = rd;
	}
	wr32(rd + GICR_WAKER, rd32(rd + GICR_WAKER) & ~GICR_WAKER_SLEEP);
	for (spin = 0; spin < 1000000; spin++) {
		if (!(rd32(rd + GICR_WAKER) & GICR_WAKER_ASLEEP))
			break;
	}
	wr32(rd + GICR_IGROUPR0, 0xffffffffu);
	prio = rd32(rd + GICR_IPRIORITYR + (TIMER_PPI & ~3u));
	prio &= ~(0xffu << (8 * (TIMER_PPI & 3)));
	prio |= 0xa0u << (8 * (TIMER_PPI & 3));
	wr32(rd + GICR_IPRIORITYR + (TIMER_PPI & ~3u), prio);
	wr32(rd + GICR_ISENABLER0, 1u << TIMER_PPI);

	__asm__ volatile("mrs %0, S3_0_C12_C12_5" : "=r"(v));	/* ICC_SRE_EL1 */
	__asm__ volatile("msr S3_0_C12_C12_5, %0; isb" : : "r"(v | 1));
	__asm__ volatile("msr S3_0_C4_C6_0, %0" : : "r"(0xffull));	/* PMR */
	__asm__ volatile("msr S3_0_C12_C12_3, xzr");			/* BPR1 */
	__asm__ volatile("msr S3_0_C12_C12_7, %0; isb" : : "r"(1ull)); /* GRPEN1 */
}

bool timer_irq_pending(void)
{
	uint64_t rd = rd_base[this_cpu()];

	return rd && (rd32(rd + GICR_ISPENDR0) & (1u << TIMER_PPI));
}
