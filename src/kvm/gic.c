// SPDX-License-Identifier: MIT
/*
 * The in-kernel GICv3 (distributor + redistributors) and its ITS, and their
 * warm reset: gic_init() keeps the state KVM gives a new vGIC (every
 * register userspace can write) and gic_reset() writes it back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvm/kvm.h"
#include "kvm/sys.h"

static int create_device(struct kvm_vm *vm, uint32_t type)
{
	struct kvm_create_device dev = { .type = type };

	if (kvm_ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &dev) < 0) {
		return -errno;
	}
	return (int)dev.fd;
}

static int set_attr(int fd, uint32_t group, uint64_t attr, const void *addr)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uint64_t)(uintptr_t)addr,
	};

	return kvm_ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

/*
 * Create the vGICv3 with its distributor at @dist and the redistributor
 * frames of all vCPUs from @redist; @its non-zero adds an ITS there.
 * Call before creating vCPUs' PMUs, and gic_init() after all vCPUs exist.
 */
int gic_create(struct kvm_vm *vm, struct kvm_gic *gic, uint64_t dist, uint64_t redist,
	       uint64_t its)
{
	int ret;

	*gic = (struct kvm_gic){ .fd = -1, .its_fd = -1 };
	ret = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V3);
	if (ret < 0) {
		return ret;
	}
	gic->fd = ret;
	ret = set_attr(gic->fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &dist);
	if (!ret) {
		ret = set_attr(gic->fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
			       &redist);
	}
	if (!ret && its) {
		ret = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_ITS);
		if (ret >= 0) {
			gic->its_fd = ret;
			ret = set_attr(gic->its_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				       KVM_VGIC_ITS_ADDR_TYPE, &its);
		}
	}
	if (ret < 0) {
		gic_destroy(gic);
	}
	return ret < 0 ? ret : 0;
}

/* Distributor and redistributor offsets (GICv3 architecture specification). */
#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IROUTER 0x6000
#define GICR_CTLR 0x0000
#define GICR_CTLR_ENABLE_LPIS 0x1
#define GICR_PROPBASER 0x0070
#define GICR_PENDBASER 0x0078
#define GICR_SGI 0x10000	/* the SGI_base frame */
/* The same offsets in GICD and in GICR's SGI_base frame. */
#define GIC_IGROUPR 0x0080
#define GIC_ISENABLER 0x0100
#define GIC_ISPENDR 0x0200
#define GIC_ISACTIVER 0x0300
#define GIC_IPRIORITYR 0x0400
#define GIC_ICFGR 0x0c00
#define GIC_CLEAR 0x80		/* ICENABLER = ISENABLER + 0x80, ICACTIVER likewise */
#define GIC_MAX_INTID 1020	/* SPIs end below 1020 */

/* ICC_* system registers (op0 3, op1 0) in KVM's sysreg attr encoding. */
#define ICC(crn, crm, op2) ((3u << 14) | ((crn) << 7) | ((crm) << 3) | (op2))

/*
 * One register of the reset state. Dist/redist registers are 32 bits wide
 * in this API (64-bit ones as two halves), system registers 64.
 */
struct gic_reg {
	uint32_t group;		/* KVM_DEV_ARM_VGIC_GRP_* */
	uint32_t clear;		/* GIC_CLEAR: write ~val to the clear twin first */
	uint64_t attr;		/* MPIDR << 32 | offset, or sysreg encoding */
	uint64_t val;
	int cpu;		/* vCPU index; -1: the distributor */
	const char *name;
};

static int get_attr(int fd, uint32_t group, uint64_t attr, void *addr)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uint64_t)(uintptr_t)addr,
	};

	return kvm_ioctl(fd, KVM_GET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

/* KVM's MPIDR field: Aff3 in bits 31:24, Aff2..Aff0 below (VGIC_TO_MPIDR). */
static uint64_t mpidr_attr(uint64_t mpidr)
{
	uint64_t aff = ((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff);

	return aff << KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT;
}

static int reg_read(int fd, struct gic_reg *r)
{
	uint32_t v32 = 0;
	int ret;

	if (r->group == KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS) {
		return get_attr(fd, r->group, r->attr, &r->val);
	}
	ret = get_attr(fd, r->group, r->attr, &v32);
	r->val = v32;
	return ret;
}

static int reg_write(int fd, const struct gic_reg *r)
{
	uint32_t v32 = (uint32_t)r->val, inv = ~v32;
	int ret;

	if (r->group == KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS) {
		return set_attr(fd, r->group, r->attr, &r->val);
	}
	if (r->clear) {
		ret = set_attr(fd, r->group, r->attr + r->clear, &inv);
		if (ret) {
			return ret;
		}
	}
	return set_attr(fd, r->group, r->attr, &v32);
}

struct snap {
	struct kvm_gic *gic;
	size_t cap;
	int err;
};

/* Room for one more register (NULL after an error, or with s->err = -ENOMEM). */
static struct gic_reg *snap_slot(struct snap *s)
{
	struct kvm_gic *gic = s->gic;

	if (s->err) {
		return NULL;
	}
	if (gic->nregs == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct gic_reg *regs = realloc(gic->regs, cap * sizeof(*regs));

		if (!regs) {
			s->err = -ENOMEM;
			return NULL;
		}
		gic->regs = regs;
		s->cap = cap;
	}
	return &gic->regs[gic->nregs];
}

/* Read one register into the snapshot (a no-op after an error). */
static void snap_add(struct snap *s, uint32_t group, uint64_t attr, uint32_t clear, int cpu,
		     const char *name)
{
	struct kvm_gic *gic = s->gic;
	struct gic_reg *r = snap_slot(s);

	if (!r) {
		return;
	}
	*r = (struct gic_reg){ .group = group, .attr = attr, .clear = clear, .cpu = cpu,
			       .name = name };
	s->err = reg_read(gic->fd, r);
	if (!s->err) {
		gic->nregs++;
	}
}

/*
 * Append copies of regs[@first, nregs) (vCPU 0's registers of one kind,
 * just read) for vCPUs 1..@ncpus-1, each with its own redistributor or CPU
 * interface in the attribute (mpidr_attr()). Every vCPU's redistributor and
 * CPU interface start in the same state in a new vGIC, and each read of a
 * per-vCPU register takes every vCPU's lock in KVM: reading them all would
 * cost O(vCPUs^2) lock operations (8 s for 512 vCPUs on the emulated test
 * host), copying costs nothing.
 */
static void snap_others(struct snap *s, size_t first, const uint64_t *mpidr, unsigned int ncpus)
{
	size_t n = s->gic->nregs - first;

	for (unsigned int i = 1; i < ncpus; i++) {
		for (size_t k = 0; k < n; k++) {
			struct gic_reg *r = snap_slot(s);

			if (!r) {
				return;
			}
			/* after snap_slot(): it may have moved the array */
			*r = s->gic->regs[first + k];
			r->attr = (r->attr & ~KVM_DEV_ARM_VGIC_V3_MPIDR_MASK) | mpidr_attr(mpidr[i]);
			r->cpu = (int)i;
			s->gic->nregs++;
		}
	}
}

/* The per-interrupt registers from INTID @first up to @nirqs, in @frame. */
static void snap_irqs(struct snap *s, uint32_t group, uint64_t frame, unsigned int first,
		      unsigned int nirqs, int cpu)
{
	static const struct {
		uint32_t off;
		unsigned int bits;	/* per interrupt */
		uint32_t clear;
		const char *dname, *rname;
	} regs[] = {
		{ GIC_IGROUPR, 1, 0, "GICD_IGROUPR", "GICR_IGROUPR0" },
		{ GIC_ISENABLER, 1, GIC_CLEAR, "GICD_ISENABLER", "GICR_ISENABLER0" },
		/* userspace writes ISPENDR's whole latch (ICPENDR ignores it) */
		{ GIC_ISPENDR, 1, 0, "GICD_ISPENDR", "GICR_ISPENDR0" },
		{ GIC_ISACTIVER, 1, GIC_CLEAR, "GICD_ISACTIVER", "GICR_ISACTIVER0" },
		{ GIC_IPRIORITYR, 8, 0, "GICD_IPRIORITYR", "GICR_IPRIORITYR" },
		{ GIC_ICFGR, 2, 0, "GICD_ICFGR", "GICR_ICFGR" },
	};

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		unsigned int per = 32 / regs[i].bits;	/* interrupts per word */

		for (unsigned int n = first; n < nirqs; n += per) {
			snap_add(s, group, frame + regs[i].off + n / per * 4, regs[i].clear, cpu,
				 cpu < 0 ? regs[i].dname : regs[i].rname);
		}
	}
}

/*
 * Keep the state of the new vGIC: what gic_reset() writes back. Order
 * matters there: every GICR_CTLR first (LPIs off), then (ITS reset) the LPI
 * tables' base registers, the distributor, each redistributor, each CPU
 * interface.
 */
static int gic_snapshot(struct kvm_gic *gic, const uint64_t *mpidr, unsigned int ncpus)
{
	static const struct {
		uint32_t enc;
		const char *name;
	} icc[] = {
		{ ICC(12, 12, 5), "ICC_SRE_EL1" },
		{ ICC(12, 12, 4), "ICC_CTLR_EL1" },	/* icc[1]: PRIbits */
		{ ICC(4, 6, 0), "ICC_PMR_EL1" },
		{ ICC(12, 8, 3), "ICC_BPR0_EL1" },
		{ ICC(12, 12, 3), "ICC_BPR1_EL1" },
		{ ICC(12, 12, 6), "ICC_IGRPEN0_EL1" },
		{ ICC(12, 12, 7), "ICC_IGRPEN1_EL1" },
	};
	static const char *const ap0r[] = { "ICC_AP0R0_EL1", "ICC_AP0R1_EL1", "ICC_AP0R2_EL1",
					    "ICC_AP0R3_EL1" };
	static const char *const ap1r[] = { "ICC_AP1R0_EL1", "ICC_AP1R1_EL1", "ICC_AP1R2_EL1",
					    "ICC_AP1R3_EL1" };
	const uint32_t dist = KVM_DEV_ARM_VGIC_GRP_DIST_REGS;
	const uint32_t rdist = KVM_DEV_ARM_VGIC_GRP_REDIST_REGS;
	const uint32_t sys = KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS;
	struct snap s = { .gic = gic };
	unsigned int nirqs, i, pribits, napr;
	size_t first;
	uint32_t typer;
	uint64_t a;
	int ret;

	ret = get_attr(gic->fd, dist, GICD_TYPER, &typer);
	if (ret) {
		return ret;
	}
	nirqs = ((typer & 0x1f) + 1) * 32;	/* ITLinesNumber */
	if (nirqs > GIC_MAX_INTID) {
		nirqs = GIC_MAX_INTID;
	}
	/* each per-vCPU block: read for vCPU 0 (@a), copied for the others (snap_others) */
	a = mpidr_attr(mpidr[0]);
	first = gic->nregs;
	snap_add(&s, rdist, a | GICR_CTLR, 0, 0, "GICR_CTLR");
	snap_others(&s, first, mpidr, ncpus);
	gic->nctlr = gic->nregs;
	first = gic->nregs;
	snap_add(&s, rdist, a | GICR_PROPBASER, 0, 0, "GICR_PROPBASER");
	snap_add(&s, rdist, a | (GICR_PROPBASER + 4), 0, 0, "GICR_PROPBASER[63:32]");
	snap_add(&s, rdist, a | GICR_PENDBASER, 0, 0, "GICR_PENDBASER");
	snap_add(&s, rdist, a | (GICR_PENDBASER + 4), 0, 0, "GICR_PENDBASER[63:32]");
	snap_others(&s, first, mpidr, ncpus);
	snap_add(&s, dist, GICD_CTLR, 0, -1, "GICD_CTLR");
	snap_irqs(&s, dist, 0, 32, nirqs, -1);
	for (i = 32; i < nirqs; i++) {
		/* the upper half (Aff3) is RAZ/WI in KVM */
		snap_add(&s, dist, GICD_IROUTER + i * 8, 0, -1, "GICD_IROUTER");
	}
	first = gic->nregs;
	snap_irqs(&s, rdist, a | GICR_SGI, 0, 32, 0);
	snap_others(&s, first, mpidr, ncpus);
	first = gic->nregs;
	for (size_t k = 0; k < sizeof(icc) / sizeof(icc[0]); k++) {
		snap_add(&s, sys, a | icc[k].enc, 0, 0, icc[k].name);
	}
	if (s.err) {
		return s.err;
	}
	/* ICC_CTLR_EL1.PRIbits: 5 bits -> AP{0,1}R0, 6 -> ..R1, 7 -> ..R3 */
	pribits = ((gic->regs[first + 1].val >> 8) & 7) + 1;	/* icc[1] */
	napr = pribits <= 5 ? 1 : 1u << (pribits - 5);
	for (unsigned int k = 0; k < napr && k < 4; k++) {
		snap_add(&s, sys, a | ICC(12, 8, 4 + k), 0, 0, ap0r[k]);
		snap_add(&s, sys, a | ICC(12, 9, k), 0, 0, ap1r[k]);
	}
	snap_others(&s, first, mpidr, ncpus);
	return s.err;
}

int gic_init(struct kvm_gic *gic, const uint64_t *mpidr, unsigned int ncpus)
{
	int ret = set_attr(gic->fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);

	if (!ret && gic->its_fd >= 0) {
		ret = set_attr(gic->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			       KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	}
	return ret ? ret : gic_snapshot(gic, mpidr, ncpus);
}

static void describe(const struct gic_reg *r, char *what, size_t len)
{
	uint32_t off = (uint32_t)(r->attr & KVM_DEV_ARM_VGIC_OFFSET_MASK);

	if (r->group == KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS) {
		snprintf(what, len, "%s of vCPU %d", r->name, r->cpu);
	} else if (r->cpu < 0) {
		snprintf(what, len, "%s (offset 0x%x)", r->name, off);
	} else {
		snprintf(what, len, "%s (offset 0x%x) of vCPU %d", r->name, off, r->cpu);
	}
}

/*
 * Every vCPU must be out of KVM_RUN (KVM takes all vCPU locks, -EBUSY
 * otherwise). LPIs off on every redistributor (KVM drops their pending
 * state and its translation cache), the ITS reset (disabled, command queue
 * and table registers cleared, its device and collection tables forgotten),
 * then the saved state. On failure @what says which register.
 */
int gic_reset(struct kvm_gic *gic, char *what, size_t len)
{
	int ret;

	for (size_t i = 0; i < gic->nregs; i++) {
		const struct gic_reg *r = &gic->regs[i];

		if (i == gic->nctlr && gic->its_fd >= 0) {
			ret = set_attr(gic->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
				       KVM_DEV_ARM_ITS_CTRL_RESET, NULL);
			if (ret) {
				snprintf(what, len, "the ITS (KVM_DEV_ARM_ITS_CTRL_RESET)");
				return ret;
			}
		}
		ret = reg_write(gic->fd, r);
		if (!ret && i < gic->nctlr) {
			/* EnableLPIs may be RES1 once set: see that it took */
			struct gic_reg now = *r;

			ret = reg_read(gic->fd, &now);
			if (!ret && (now.val ^ r->val) & GICR_CTLR_ENABLE_LPIS) {
				describe(r, what, len);
				snprintf(what + strlen(what), len - strlen(what),
					 ": EnableLPIs stays 1");
				return -EBUSY;
			}
		}
		if (ret) {
			describe(r, what, len);
			return ret;
		}
	}
	return 0;
}

void gic_destroy(struct kvm_gic *gic)
{
	free(gic->regs);
	gic->regs = NULL;
	gic->nregs = 0;
	if (gic->its_fd >= 0) {
		close(gic->its_fd);
	}
	if (gic->fd >= 0) {
		close(gic->fd);
	}
	gic->fd = -1;
	gic->its_fd = -1;
}
