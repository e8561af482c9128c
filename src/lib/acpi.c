// SPDX-License-Identifier: MIT
/*
 * ACPI tables for a firmware-less arm64 guest (see acpi.h, docs/acpi.md).
 * Layouts from the ACPI 6.5 specification (5.2 tables, 5.2.12 MADT, 5.2.25
 * GTDT), Microsoft's SPCR specification (revision 2) and what Linux 6.12
 * reads (arch/arm64/kernel/acpi.c, smp.c; drivers/acpi/processor_core.c,
 * spcr.c, evged.c, pptt.c; drivers/irqchip/irq-gic-v3.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fw/fw.h"
#include "lib/acpi.h"
#include "lib/aml.h"

#define OEM_ID		"HOTVM "
#define OEM_TABLE_ID	"HOTVM   "
#define CREATOR_ID	"HTVM"
#define HDR_LEN		36

#define RSDP_LEN	36
#define FADT_LEN	276
#define MADT_HDR_LEN	44
#define GICC_LEN	80
#define GICD_LEN	24
#define GICR_LEN	16
#define ITS_LEN		20
#define GTDT_LEN	96
#define SPCR_LEN	80
#define PPTT_NODE_LEN	20

#define MADT_GICC	0x0b
#define MADT_GICD	0x0c
#define MADT_GICR	0x0e
#define MADT_ITS	0x0f
#define GICC_ENABLED	0x1
#define GICC_ONLINE_CAP 0x8	/* ACPI 6.5: may be enabled at run time */

#define FADT_HW_REDUCED	(1u << 20)
#define ARM_PSCI	0x1
#define ARM_PSCI_HVC	0x2

struct blob {
	uint8_t *buf;
	size_t size;
	size_t len;
	uint64_t gpa;
};

/* Is vCPU @i enabled at this boot? */
static bool cpu_enabled(const struct acpi_config *cfg, unsigned int i)
{
	return cfg->enabled ? cfg->enabled[i] : i < cfg->nenabled;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

uint8_t acpi_sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++) {
		s = (uint8_t)(s + b[i]);
	}
	return s;
}

/* Reserve @len bytes at the next 8-byte boundary, zeroed with the padding; NULL if no room. */
static uint8_t *blob_alloc(struct blob *b, size_t len)
{
	size_t off = (b->len + 7) & ~(size_t)7;
	uint8_t *p;

	if (off > b->size || len > b->size - off) {
		return NULL;
	}
	p = b->buf + off;
	memset(b->buf + b->len, 0, off - b->len + len);
	b->len = off + len;
	return p;
}

static uint64_t blob_gpa(const struct blob *b, const uint8_t *p)
{
	return b->gpa + (uint64_t)(p - b->buf);
}

static void table_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	put32(t + 24, 1);
	memcpy(t + 28, CREATOR_ID, 4);
	put32(t + 32, 1);
}

static void table_checksum(uint8_t *t)
{
	uint32_t len = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24;

	t[9] = 0;
	t[9] = (uint8_t)-acpi_sum(t, len);
}

/* Generic Address Structure: system memory */
static void put_gas(uint8_t *p, uint8_t bit_width, uint8_t access_size, uint64_t addr)
{
	p[0] = 0;		/* SystemMemory */
	p[1] = bit_width;
	p[2] = 0;		/* bit offset */
	p[3] = access_size;	/* 1: byte, 2: word, 3: dword, 4: qword */
	put64(p + 4, addr);
}

static uint8_t *build_fadt(struct blob *b, const struct acpi_config *cfg)
{
	uint8_t *t = blob_alloc(b, FADT_LEN);

	if (!t) {
		return NULL;
	}
	table_header(t, "FACP", FADT_LEN, 6);
	put32(t + 112, FADT_HW_REDUCED);
	put16(t + 129, (uint16_t)(ARM_PSCI | (cfg->psci_hvc ? ARM_PSCI_HVC : 0)));
	t[131] = 3; /* FADT minor version: ACPI 6.3 */
	/* X_DSDT (offset 140) is filled in once the DSDT is placed */
	return t;
}

static uint8_t *build_madt(struct blob *b, const struct acpi_config *cfg)
{
	size_t len = MADT_HDR_LEN + (size_t)cfg->ncpus * GICC_LEN + GICD_LEN + GICR_LEN +
		     (cfg->its ? ITS_LEN : 0);
	uint8_t *t = blob_alloc(b, len), *p;

	if (!t) {
		return NULL;
	}
	table_header(t, "APIC", (uint32_t)len, 5);
	/* local interrupt controller address and flags (PC-AT compat): 0 */
	p = t + MADT_HDR_LEN;
	for (unsigned int i = 0; i < cfg->ncpus; i++, p += GICC_LEN) {
		p[0] = MADT_GICC;
		p[1] = GICC_LEN;
		put32(p + 4, 0);	/* CPU interface number: GICv3 has none */
		put32(p + 8, i);	/* ACPI processor UID = _UID of \_SB.Cnnn */
		put32(p + 12, cpu_enabled(cfg, i) ? GICC_ENABLED : GICC_ONLINE_CAP);
		put32(p + 20, cfg->pmu_gsi);	/* level triggered (flags bit 1 clear) */
		/* GICC/GICV/GICH bases, VGIC maintenance interrupt: none */
		put64(p + 60, 0);	/* GICR base: the GICR structure below */
		put64(p + 68, cfg->mpidr[i] & FW_MPIDR_AFF_MASK);
	}
	p[0] = MADT_GICD;
	p[1] = GICD_LEN;
	put64(p + 8, cfg->gicd);
	p[20] = 3; /* GICv3 */
	p += GICD_LEN;
	p[0] = MADT_GICR;
	p[1] = GICR_LEN;
	put64(p + 4, cfg->gicr);
	put32(p + 12, (uint32_t)cfg->gicr_size);
	p += GICR_LEN;
	if (cfg->its) {
		p[0] = MADT_ITS;
		p[1] = ITS_LEN;
		put32(p + 4, 0); /* ITS ID */
		put64(p + 8, cfg->its);
	}
	table_checksum(t);
	return t;
}

static uint8_t *build_gtdt(struct blob *b)
{
	uint8_t *t = blob_alloc(b, GTDT_LEN);

	if (!t) {
		return NULL;
	}
	table_header(t, "GTDT", GTDT_LEN, 2);
	put64(t + 36, UINT64_MAX);	/* CntControlBase: not provided */
	/* each timer: GSIV, flags 0 (level triggered, active high) */
	put32(t + 48, ACPI_GSI_TIMER_SEC);
	put32(t + 56, ACPI_GSI_TIMER_NS);
	put32(t + 64, ACPI_GSI_TIMER_VIRT);
	put32(t + 72, ACPI_GSI_TIMER_HYP);
	put64(t + 80, UINT64_MAX);	/* CntReadBase: not provided */
	/* no platform timers: count 0, offset 0 */
	table_checksum(t);
	return t;
}

static uint8_t *build_spcr(struct blob *b, const struct acpi_config *cfg)
{
	uint8_t *t = blob_alloc(b, SPCR_LEN);

	if (!t) {
		return NULL;
	}
	table_header(t, "SPCR", SPCR_LEN, 2);
	t[36] = 0x00;			/* full 16550 interface */
	put_gas(t + 40, 8, 1, cfg->uart); /* byte-wide registers, byte access */
	t[52] = 0x08;			/* interrupt type: ARM GIC */
	put32(t + 54, cfg->uart_gsi);
	t[58] = 7;			/* 115200 baud */
	t[60] = 1;			/* 1 stop bit */
	t[62] = 0;			/* VT100 */
	put16(t + 64, 0xffff);		/* not a PCI device */
	put16(t + 66, 0xffff);
	table_checksum(t);
	return t;
}

/*
 * PPTT: one physical package holding every possible vCPU as a leaf whose
 * ACPI processor ID is its GICC UID (drivers/acpi/pptt.c). A probe of
 * Linux 6.12 without a PPTT logged a sysfs duplicate for /devices/cache.
 */
static uint8_t *build_pptt(struct blob *b, const struct acpi_config *cfg)
{
	size_t len = HDR_LEN + PPTT_NODE_LEN * (1 + (size_t)cfg->ncpus);
	uint8_t *t = blob_alloc(b, len), *p;

	if (!t) {
		return NULL;
	}
	table_header(t, "PPTT", (uint32_t)len, 2);
	p = t + HDR_LEN;
	p[0] = 0; /* processor hierarchy node */
	p[1] = PPTT_NODE_LEN;
	put32(p + 4, 0x1 | 0x10); /* physical package, identical implementation */
	for (unsigned int i = 0; i < cfg->ncpus; i++) {
		p += PPTT_NODE_LEN;
		p[0] = 0;
		p[1] = PPTT_NODE_LEN;
		put32(p + 4, 0x2 | 0x8); /* ACPI processor ID valid, leaf node */
		put32(p + 8, HDR_LEN);	 /* parent: the package */
		put32(p + 12, i);
	}
	table_checksum(t);
	return t;
}

static void cpu_name(char out[5], unsigned int i)
{
	static const char hex[] = "0123456789ABCDEF";

	/* C000..C1FF: i < ACPI_MAX_CPUS fits three hex digits */
	out[0] = 'C';
	out[1] = hex[(i >> 8) & 0xf];
	out[2] = hex[(i >> 4) & 0xf];
	out[3] = hex[i & 0xf];
	out[4] = '\0';
}

/* \_SB.CSTA(n), \_SB.CEJ0(n), \_SB.CNOT(n, event), \_SB.CSCN(): docs/acpi.md */
static void dsdt_hotplug_methods(struct aml *a, const struct acpi_config *cfg)
{
	aml_mutex(a, "CPLK", 0);
	aml_opregion(a, "CPRG", AML_SYSTEM_MEMORY, cfg->hp_base, cfg->hp_size);
	aml_field_begin(a, "CPRG", AML_ACC_DWORD | AML_WRITE_ZEROS);
	aml_field_unit(a, "CSEL", 32);
	aml_field_unit(a, "CSTS", 32);
	aml_field_unit(a, "CEJC", 32);
	aml_field_unit(a, "CNXT", 32);
	aml_end(a);

	/* CSTA (Arg0): _STA of vCPU Arg0: 0x0f if enabled, else 0x0d */
	aml_method_begin(a, "CSTA", 1, false);
	aml_acquire(a, "CPLK", 0xffff);
	aml_op(a, AML_STORE);
	aml_arg(a, 0);
	aml_name(a, "CSEL");
	aml_op(a, AML_STORE);
	aml_name(a, "CSTS");
	aml_local(a, 0);
	aml_release(a, "CPLK");
	aml_if_begin(a);
	aml_op(a, AML_AND);
	aml_local(a, 0);
	aml_int(a, ACPI_HP_ENABLED);
	aml_name(a, "");
	aml_op(a, AML_RETURN);
	aml_int(a, 0x0f);
	aml_end(a);
	aml_op(a, AML_RETURN);
	aml_int(a, 0x0d);
	aml_end(a);

	/* CEJ0 (Arg0): eject vCPU Arg0 (the guest has offlined it) */
	aml_method_begin(a, "CEJ0", 1, false);
	aml_acquire(a, "CPLK", 0xffff);
	aml_op(a, AML_STORE);
	aml_arg(a, 0);
	aml_name(a, "CSEL");
	aml_op(a, AML_STORE);
	aml_int(a, 1);
	aml_name(a, "CEJC");
	aml_release(a, "CPLK");
	aml_end(a);
}

static void dsdt_cpu(struct aml *a, const struct acpi_config *cfg, unsigned int i)
{
	char name[5];

	cpu_name(name, i);
	aml_device_begin(a, name);
	aml_name_decl(a, "_HID");
	aml_string(a, "ACPI0007");
	aml_name_decl(a, "_UID");
	aml_int(a, i);
	aml_method_begin(a, "_STA", 0, false);
	aml_op(a, AML_RETURN);
	if (cfg->hp_base) {
		aml_name(a, "CSTA");
		aml_int(a, i);
	} else {
		aml_int(a, cpu_enabled(cfg, i) ? 0x0f : 0x0d);
	}
	aml_end(a);
	if (cfg->hp_base) {
		aml_method_begin(a, "_EJ0", 1, false);
		aml_name(a, "CEJ0");
		aml_int(a, i);
		aml_end(a);
	}
	aml_end(a);
}

/* CNOT (Arg0, Arg1): Notify (vCPU Arg0's device, Arg1); CSCN (): the event scan */
static void dsdt_scan_methods(struct aml *a, const struct acpi_config *cfg)
{
	char name[5];

	aml_method_begin(a, "CNOT", 2, false);
	for (unsigned int i = 0; i < cfg->ncpus; i++) {
		cpu_name(name, i);
		aml_if_begin(a);
		aml_op(a, AML_LEQUAL);
		aml_arg(a, 0);
		aml_int(a, i);
		aml_op(a, AML_NOTIFY);
		aml_name(a, name);
		aml_arg(a, 1);
		aml_end(a);
	}
	aml_end(a);

	/*
	 * CSCN: while NEXT names a vCPU with a pending event: select it, read
	 * its status, clear the pending bits read, and notify: device check (1)
	 * for INSERT, eject request (3) for REMOVE. Local2 bounds the loop.
	 */
	aml_method_begin(a, "CSCN", 0, true);
	aml_op(a, AML_STORE);
	aml_int(a, 0);
	aml_local(a, 2);
	aml_while_begin(a);
	aml_op(a, AML_LLESS);
	aml_local(a, 2);
	aml_int(a, cfg->ncpus + 1);

	aml_acquire(a, "CPLK", 0xffff);
	aml_op(a, AML_STORE);
	aml_name(a, "CNXT");
	aml_local(a, 0);
	aml_if_begin(a);
	aml_op(a, AML_LEQUAL);
	aml_local(a, 0);
	aml_int(a, ACPI_HP_NONE);
	aml_release(a, "CPLK");
	aml_op(a, AML_BREAK);
	aml_end(a);
	aml_op(a, AML_STORE);
	aml_local(a, 0);
	aml_name(a, "CSEL");
	aml_op(a, AML_STORE);
	aml_name(a, "CSTS");
	aml_local(a, 1);
	aml_op(a, AML_AND); /* And (Local1, INSERT | REMOVE, CSTS): write 1 to clear */
	aml_local(a, 1);
	aml_int(a, ACPI_HP_INSERT | ACPI_HP_REMOVE);
	aml_name(a, "CSTS");
	aml_release(a, "CPLK");

	aml_if_begin(a);
	aml_op(a, AML_AND);
	aml_local(a, 1);
	aml_int(a, ACPI_HP_INSERT);
	aml_name(a, "");
	aml_name(a, "CNOT");
	aml_local(a, 0);
	aml_int(a, 1);
	aml_end(a);
	aml_if_begin(a);
	aml_op(a, AML_AND);
	aml_local(a, 1);
	aml_int(a, ACPI_HP_REMOVE);
	aml_name(a, "");
	aml_name(a, "CNOT");
	aml_local(a, 0);
	aml_int(a, 3);
	aml_end(a);
	aml_op(a, AML_INCREMENT);
	aml_local(a, 2);
	aml_end(a); /* While */
	aml_end(a); /* CSCN */
}

static void dsdt_ged(struct aml *a, const struct acpi_config *cfg)
{
	aml_device_begin(a, "GED0");
	aml_name_decl(a, "_HID");
	aml_string(a, "ACPI0013");
	aml_name_decl(a, "_UID");
	aml_int(a, 0);
	aml_name_decl(a, "_CRS");
	aml_restemplate_begin(a);
	aml_res_interrupt(a, AML_IRQ_CONSUMER | AML_IRQ_EDGE, cfg->ged_gsi);
	aml_restemplate_end(a);
	aml_method_begin(a, "_EVT", 1, true);
	aml_name(a, "\\_SB.CSCN");
	aml_end(a);
	aml_end(a);
}

static void dsdt_uart(struct aml *a, const struct acpi_config *cfg)
{
	/* Linux: drivers/tty/serial/8250/8250_pnp.c (PNP0501, memory resource: UPIO_MEM) */
	aml_device_begin(a, "COM0");
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0501");
	aml_name_decl(a, "_UID");
	aml_int(a, 0);
	aml_name_decl(a, "_CRS");
	aml_restemplate_begin(a);
	aml_res_memory(a, cfg->uart, cfg->uart_size, true);
	aml_res_interrupt(a, AML_IRQ_CONSUMER, cfg->uart_gsi);
	aml_restemplate_end(a);
	aml_end(a);
}

/*
 * A virtio-mmio slot: LNRO0005, which Linux's virtio_mmio driver matches
 * (drivers/virtio/virtio_mmio.c); coherent DMA (_CCA 1); the SPI is edge
 * triggered, as KVM's irqfd pulses it.
 */
static void dsdt_virtio(struct aml *a, unsigned int i, const struct acpi_virtio *v)
{
	char name[5] = { 'V', 'R', (char)('0' + i / 10 % 10), (char)('0' + i % 10), 0 };

	aml_device_begin(a, name);
	aml_name_decl(a, "_HID");
	aml_string(a, "LNRO0005");
	aml_name_decl(a, "_UID");
	aml_int(a, i);
	aml_name_decl(a, "_CCA");
	aml_int(a, 1);
	aml_name_decl(a, "_CRS");
	aml_restemplate_begin(a);
	aml_res_memory(a, v->base, v->size, true);
	aml_res_interrupt(a, AML_IRQ_CONSUMER | AML_IRQ_EDGE, v->gsi);
	aml_restemplate_end(a);
	aml_end(a);
}

static void dsdt_body(struct aml *a, const struct acpi_config *cfg)
{
	aml_scope_begin(a, "\\_SB");
	if (cfg->hp_base) {
		dsdt_hotplug_methods(a, cfg);
	}
	for (unsigned int i = 0; i < cfg->ncpus; i++) {
		dsdt_cpu(a, cfg, i);
	}
	if (cfg->hp_base) {
		dsdt_scan_methods(a, cfg);
		dsdt_ged(a, cfg);
	}
	if (cfg->uart) {
		dsdt_uart(a, cfg);
	}
	for (unsigned int i = 0; i < cfg->nvirtio; i++) {
		dsdt_virtio(a, i, &cfg->virtio[i]);
	}
	aml_end(a);
}

/*
 * The AML is measured first, then encoded in a scratch buffer (the encoder
 * needs AML_SLACK bytes beyond the final length) and copied into place, so
 * that the DSDT fits whenever its final size does.
 */
static uint8_t *build_dsdt(struct blob *b, const struct acpi_config *cfg, int *err)
{
	uint8_t *t = blob_alloc(b, HDR_LEN), *scratch;
	struct aml a;
	size_t len;

	if (!t) {
		*err = -ENOSPC;
		return NULL;
	}
	aml_init(&a, NULL, 0);
	dsdt_body(&a, cfg);
	*err = aml_error(&a);
	if (*err) {
		return NULL;
	}
	len = a.len;
	if (len > b->size - b->len || HDR_LEN + len > UINT32_MAX) {
		*err = -ENOSPC;
		return NULL;
	}
	scratch = malloc(len + AML_SLACK);
	if (!scratch) {
		*err = -ENOMEM;
		return NULL;
	}
	aml_init(&a, scratch, len + AML_SLACK);
	dsdt_body(&a, cfg);
	*err = aml_error(&a);
	if (!*err && a.len != len) {
		*err = -EINVAL;
	}
	if (!*err) {
		memcpy(t + HDR_LEN, scratch, len);
	}
	free(scratch);
	if (*err) {
		return NULL;
	}
	b->len += len;
	table_header(t, "DSDT", (uint32_t)(HDR_LEN + len), 2); /* 2: 64-bit integers */
	table_checksum(t);
	return t;
}

static int check_config(const struct acpi_config *cfg, uint64_t gpa)
{
	if (cfg->ncpus == 0 || cfg->ncpus > ACPI_MAX_CPUS || !cfg->mpidr) {
		return -EINVAL;
	}
	if (cfg->enabled ? !cfg->enabled[0] : cfg->nenabled == 0 || cfg->nenabled > cfg->ncpus) {
		return -EINVAL;
	}
	if (!cfg->gicd || !cfg->gicr || cfg->gicr_size < (uint64_t)cfg->ncpus * ACPI_GICR_FRAME ||
	    cfg->gicr_size > UINT32_MAX) {
		return -EINVAL;
	}
	if (cfg->uart && (cfg->uart_size == 0 || cfg->uart_gsi < 32)) {
		return -EINVAL;
	}
	if (cfg->pmu_gsi && (cfg->pmu_gsi < 16 || cfg->pmu_gsi > 31)) {
		return -EINVAL;
	}
	if (cfg->hp_base && (cfg->hp_size < ACPI_HP_SIZE || cfg->ged_gsi < 32)) {
		return -EINVAL;
	}
	if (cfg->nvirtio > ACPI_MAX_VIRTIO) {
		return -EINVAL;
	}
	for (unsigned int i = 0; i < cfg->nvirtio; i++) {
		if (!cfg->virtio[i].base || !cfg->virtio[i].size || cfg->virtio[i].gsi < 32) {
			return -EINVAL;
		}
	}
	if (gpa % 16) {
		return -EINVAL;
	}
	return 0;
}

long acpi_build(const struct acpi_config *cfg, uint64_t gpa, uint8_t *buf, size_t size,
		uint64_t *rsdp_gpa)
{
	struct blob b = { .buf = buf, .size = size, .gpa = gpa };
	uint8_t *rsdp, *xsdt, *fadt, *dsdt, *tables[5];
	unsigned int n = 0;
	int err;

	err = check_config(cfg, gpa);
	if (err) {
		return err;
	}
	rsdp = blob_alloc(&b, RSDP_LEN);
	xsdt = blob_alloc(&b, HDR_LEN + 8 * (cfg->uart ? 5 : 4));
	if (!rsdp || !xsdt) {
		return -ENOSPC;
	}
	fadt = build_fadt(&b, cfg);
	tables[n++] = fadt;
	tables[n++] = build_madt(&b, cfg);
	tables[n++] = build_gtdt(&b);
	if (cfg->uart) {
		tables[n++] = build_spcr(&b, cfg);
	}
	tables[n++] = build_pptt(&b, cfg);
	for (unsigned int i = 0; i < n; i++) {
		if (!tables[i]) {
			return -ENOSPC;
		}
	}
	dsdt = build_dsdt(&b, cfg, &err);
	if (!dsdt) {
		return err;
	}
	put64(fadt + 140, blob_gpa(&b, dsdt));
	table_checksum(fadt);

	table_header(xsdt, "XSDT", HDR_LEN + 8 * n, 1);
	for (unsigned int i = 0; i < n; i++) {
		put64(xsdt + HDR_LEN + 8 * i, blob_gpa(&b, tables[i]));
	}
	table_checksum(xsdt);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, OEM_ID, 6);
	rsdp[15] = 2;
	put32(rsdp + 20, RSDP_LEN);
	put64(rsdp + 24, blob_gpa(&b, xsdt));
	rsdp[8] = (uint8_t)-acpi_sum(rsdp, 20);
	rsdp[32] = (uint8_t)-acpi_sum(rsdp, RSDP_LEN);
	*rsdp_gpa = blob_gpa(&b, rsdp);
	return (long)b.len;
}

size_t acpi_size_max(unsigned int ncpus)
{
	/*
	 * Fixed part: RSDP, XSDT, FADT, GTDT, SPCR, MADT header and GIC
	 * structures, the DSDT's hot-plug methods, GED, UART and up to 16
	 * virtio-mmio devices (about 60 bytes each; under 3 KiB together) and
	 * alignment. Per vCPU: an 80-byte GICC, a 20-byte PPTT
	 * node, a processor device (at most 64 bytes) and its CNOT test (at
	 * most 14 bytes).
	 */
	return 4096 + (size_t)ncpus * 256;
}
