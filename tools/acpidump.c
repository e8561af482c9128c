// SPDX-License-Identifier: MIT
/*
 * acpidump: build hotvm's ACPI tables for one configuration (src/lib/acpi.c)
 * and write each table to OUTDIR/<signature>.dat, found the way the guest
 * finds them: RSDP -> XSDT -> tables, FADT -> DSDT. Every pointer must stay
 * inside the blob and every length must fit. The RSDP's checksums are
 * checked here; the tables' are left for iasl to judge (tools/acpicheck).
 *
 *   acpidump [--cpus N] [--enabled M] [--its] [--no-hotplug] [--no-uart] [--virtio N]
 *            [--smc] OUTDIR
 *
 * The addresses are those of hotvm's memory map (src/vmm/vmm.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/acpi.h"

#define GPA	0x80000000ull
#define GICD	0x3fff0000ull

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--) {
		v = v << 8 | p[i];
	}
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const uint8_t *at(const uint8_t *buf, long len, uint64_t gpa, uint64_t need, const char *what)
{
	if (gpa < GPA || gpa - GPA > (uint64_t)len || need > (uint64_t)len - (gpa - GPA)) {
		fprintf(stderr, "acpidump: %s at 0x%" PRIx64 " (+%" PRIu64 ") is outside the blob\n",
			what, gpa, need);
		exit(1);
	}
	return buf + (gpa - GPA);
}

static void write_file(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "acpidump: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static const uint8_t *table(const uint8_t *buf, long len, uint64_t gpa, const char *dir)
{
	const uint8_t *t = at(buf, len, gpa, 36, "table header");
	uint32_t tlen = get32(t + 4);
	char sig[5];

	at(buf, len, gpa, tlen, "table");
	for (int i = 0; i < 4; i++) {
		sig[i] = (char)(t[i] >= 'A' && t[i] <= 'Z' ? t[i] - 'A' + 'a' : t[i]);
	}
	sig[4] = '\0';
	write_file(dir, sig, t, tlen);
	return t;
}

int main(int argc, char **argv)
{
	static uint64_t mpidr[ACPI_MAX_CPUS];
	struct acpi_config cfg = {
		.ncpus = 4,
		.nenabled = 2,
		.mpidr = mpidr,
		.gicd = GICD,
		.uart = 0x01000000,
		.uart_size = 8,
		.uart_gsi = 32,
		.rtc = 0x01010000,
		.rtc_size = 0x1000,
		.rtc_gsi = 0, /* the PL031 has no interrupt in hotvm */
		.pmu_gsi = 16 + 7,
		.hp_base = 0x01020000,
		.hp_size = ACPI_HP_SIZE,
		.ged_gsi = 33, /* as hotvm: SPI 1 */
		.psci_hvc = true,
	};
	const char *dir = NULL;
	bool its = false, enabled_set = false;
	uint64_t rsdp_gpa;
	const uint8_t *rsdp, *xsdt, *t;
	uint8_t *buf;
	size_t max;
	long len;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cpus") && i + 1 < argc) {
			cfg.ncpus = (unsigned int)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--enabled") && i + 1 < argc) {
			cfg.nenabled = (unsigned int)strtoul(argv[++i], NULL, 0);
			enabled_set = true;
		} else if (!strcmp(argv[i], "--its")) {
			its = true;
		} else if (!strcmp(argv[i], "--no-hotplug")) {
			cfg.hp_base = 0;
		} else if (!strcmp(argv[i], "--no-uart")) {
			cfg.uart = 0;
		} else if (!strcmp(argv[i], "--smc")) {
			cfg.psci_hvc = false;
		} else if (!strcmp(argv[i], "--virtio") && i + 1 < argc) {
			/* hotvm's slots: 0x200 bytes each from 0x03000000, SPI 2 + slot */
			cfg.nvirtio = (unsigned int)strtoul(argv[++i], NULL, 0);
			for (unsigned int v = 0; v < cfg.nvirtio && v < ACPI_MAX_VIRTIO; v++) {
				cfg.virtio[v].base = 0x03000000 + 0x200ull * v;
				cfg.virtio[v].size = 0x200;
				cfg.virtio[v].gsi = 32 + 2 + v;
			}
		} else if (argv[i][0] != '-' && !dir) {
			dir = argv[i];
		} else {
			fprintf(stderr, "usage: acpidump [--cpus N] [--enabled M] [--its] "
					"[--no-hotplug] [--no-uart] [--smc] [--virtio N] OUTDIR\n");
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "acpidump: no output directory\n");
		return 2;
	}
	if (!enabled_set) {
		cfg.nenabled = cfg.ncpus > 1 ? cfg.ncpus / 2 : 1;
	}
	for (unsigned int i = 0; i < ACPI_MAX_CPUS; i++) {
		mpidr[i] = 0x80000000ull | ((i / 16) << 8) | (i % 16);
	}
	cfg.gicr_size = (uint64_t)cfg.ncpus * ACPI_GICR_FRAME;
	cfg.gicr = GICD - cfg.gicr_size;
	cfg.its = its ? cfg.gicr - 0x20000 : 0;

	max = acpi_size_max(cfg.ncpus);
	buf = malloc(max);
	if (!buf) {
		return 1;
	}
	len = acpi_build(&cfg, GPA, buf, max, &rsdp_gpa);
	if (len < 0) {
		fprintf(stderr, "acpidump: acpi_build: %s\n", strerror((int)-len));
		return 1;
	}
	rsdp = at(buf, len, rsdp_gpa, 36, "RSDP");
	/* iasl cannot disassemble a lone RSDP: check it here */
	if (memcmp(rsdp, "RSD PTR ", 8) != 0 || rsdp[15] != 2 || get32(rsdp + 20) != 36) {
		fprintf(stderr, "acpidump: no ACPI 2.0 RSDP at the RSDP address\n");
		return 1;
	}
	if (acpi_sum(rsdp, 20) != 0 || acpi_sum(rsdp, 36) != 0) {
		fprintf(stderr, "acpidump: RSDP: incorrect checksum (sums 0x%02x, 0x%02x)\n",
			acpi_sum(rsdp, 20), acpi_sum(rsdp, 36));
		return 1;
	}
	write_file(dir, "rsdp", rsdp, 36);
	xsdt = table(buf, len, get64(rsdp + 24), dir);
	for (uint32_t off = 36; off + 8 <= get32(xsdt + 4); off += 8) {
		t = table(buf, len, get64(xsdt + off), dir);
		if (!memcmp(t, "FACP", 4)) {
			table(buf, len, get64(t + 140), dir);
		}
	}
	printf("acpidump: %ld of %zu bytes for %u vCPUs (%u enabled)%s%s\n", len, max, cfg.ncpus,
	       cfg.nenabled, its ? ", ITS" : "", cfg.hp_base ? ", hot-plug" : "");
	free(buf);
	return 0;
}
