// SPDX-License-Identifier: MIT
/*
 * Minimal flattened device tree reader: finds what the runtime needs
 * (CPUs and their MPIDRs, the GICv3 regions, RAM, the UART, the PSCI method
 * and /chosen/bootargs) in one pass over the structure block.
 */
#include "guest.h"

#define FDT_MAGIC	0xd00dfeed
#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_NOP		4
#define FDT_END		9
#define MAX_DEPTH	16

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

struct node {
	const char *name;
	const uint8_t *reg, *compat, *devtype, *method;
	uint32_t reglen, compatlen;
	uint32_t addr_cells, size_cells;	/* for this node's children */
};

static bool has_compat(const struct node *n, const char *want)
{
	uint32_t off = 0;

	while (n->compat && off < n->compatlen) {
		const char *s = (const char *)n->compat + off;

		if (!strcmp(s, want))
			return true;
		off += strlen(s) + 1;
	}
	return false;
}

static uint64_t cells(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;

	while (n--) {
		v = v << 32 | be32(p);
		p += 4;
	}
	return v;
}

/* Entry @i of a reg property as (address, size) with the parent's cells */
static bool reg_entry(const struct node *n, const struct node *parent,
		      unsigned int i, uint64_t *addr, uint64_t *size)
{
	uint32_t ac = parent->addr_cells, sc = parent->size_cells;
	uint32_t step = 4 * (ac + sc);

	if (!n->reg || !step || (i + 1) * step > n->reglen)
		return false;
	*addr = cells(n->reg + i * step, ac);
	*size = cells(n->reg + i * step + 4 * ac, sc);
	return true;
}

static void node_done(struct node *n, struct node *parent, unsigned int depth,
		      struct platform *p)
{
	uint64_t a, s;

	if (has_compat(n, "arm,gic-v3")) {
		if (reg_entry(n, parent, 0, &a, &s)) {
			p->gicd = a;
			p->gicd_size = s;
		}
		if (reg_entry(n, parent, 1, &a, &s)) {
			p->gicr = a;
			p->gicr_size = s;
		}
	}
	if (depth == 3 && !strcmp(parent->name, "cpus") &&
	    !strncmp(n->name, "cpu@", 4) && p->ncpus < GUEST_MAX_CPUS &&
	    n->reg) {
		p->mpidr[p->ncpus++] = cells(n->reg, parent->addr_cells);
	}
	if (depth == 2 && !strncmp(n->name, "memory", 6) && !p->ram_size &&
	    reg_entry(n, parent, 0, &a, &s)) {
		p->ram_base = a;
		p->ram_size = s;
	}
	if ((has_compat(n, "ns16550a") || has_compat(n, "ns16550") ||
	     has_compat(n, "ns8250")) &&
	    (!p->uart || p->uart_pl011) && reg_entry(n, parent, 0, &a, &s)) {
		p->uart = a;
		p->uart_pl011 = false;
	}
	if (has_compat(n, "arm,pl011") && !p->uart &&
	    reg_entry(n, parent, 0, &a, &s)) {
		p->uart = a;
		p->uart_pl011 = true;
	}
	if (depth == 2 && !strcmp(n->name, "psci") && n->method) {
		size_t l = strlen((const char *)n->method);

		if (l < sizeof(p->psci_method))
			memcpy(p->psci_method, n->method, l + 1);
	}
}

int fdt_parse(uint64_t dtb, struct platform *p)
{
	const uint8_t *b = (const uint8_t *)(uintptr_t)dtb;
	const uint8_t *st, *strs, *end;
	struct node nodes[MAX_DEPTH + 1];
	unsigned int depth = 0;

	if (be32(b) != FDT_MAGIC)
		return -1;
	p->dtb = dtb;
	st = b + be32(b + 8);
	strs = b + be32(b + 12);
	end = st + be32(b + 36);
	memset(&nodes[0], 0, sizeof(nodes[0]));
	nodes[0].name = "";
	nodes[0].addr_cells = 2;
	nodes[0].size_cells = 1;
	while (st + 4 <= end) {
		uint32_t tok = be32(st);

		st += 4;
		switch (tok) {
		case FDT_BEGIN_NODE: {
			const char *name = (const char *)st;
			struct node *n;

			st += (strlen(name) + 4) & ~3u;
			if (depth == MAX_DEPTH)
				return -1;
			n = &nodes[++depth];
			memset(n, 0, sizeof(*n));
			n->name = name;
			n->addr_cells = 2;
			n->size_cells = 1;
			break;
		}
		case FDT_END_NODE:
			if (!depth)
				return -1;
			node_done(&nodes[depth], &nodes[depth - 1], depth, p);
			depth--;
			break;
		case FDT_PROP: {
			uint32_t len = be32(st), nameoff = be32(st + 4);
			const char *pname = (const char *)strs + nameoff;
			const uint8_t *val = st + 8;
			struct node *n = &nodes[depth];

			st += 8 + ((len + 3) & ~3u);
			if (!strcmp(pname, "reg")) {
				n->reg = val;
				n->reglen = len;
			} else if (!strcmp(pname, "compatible")) {
				n->compat = val;
				n->compatlen = len;
			} else if (!strcmp(pname, "device_type")) {
				n->devtype = val;
			} else if (!strcmp(pname, "method")) {
				n->method = val;
			} else if (!strcmp(pname, "#address-cells") && len == 4) {
				n->addr_cells = be32(val);
			} else if (!strcmp(pname, "#size-cells") && len == 4) {
				n->size_cells = be32(val);
			} else if (!strcmp(pname, "bootargs") && depth == 2 &&
				   !strcmp(n->name, "chosen")) {
				if (len >= sizeof(p->bootargs))
					len = sizeof(p->bootargs) - 1;
				memcpy(p->bootargs, val, len);
				p->bootargs[len] = '\0';
			}
			break;
		}
		case FDT_NOP:
			break;
		case FDT_END:
			return 0;
		default:
			return -1;
		}
	}
	return 0;
}
