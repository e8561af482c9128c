// SPDX-License-Identifier: MIT
/*
 * Unit tests for the ACPI table builder (src/lib/acpi.c): the tables are
 * found the way the guest finds them (RSDP -> XSDT -> tables, FADT -> DSDT),
 * checksums, the fields Linux reads, MADT entries for 1..512 vCPUs, the size
 * bound and the refused configurations. tools/acpicheck checks the same
 * output with ACPICA's iasl.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lib/acpi.h"

#define GPA	0x80000000ull
#define GICD	0x3fff0000ull

static uint64_t mpidr[ACPI_MAX_CPUS];
static uint8_t buf[0x40000];
static long blen;
static uint64_t rsdp_gpa;

static struct acpi_config config(unsigned int ncpus, unsigned int nenabled, bool its)
{
	struct acpi_config c = {
		.ncpus = ncpus,
		.mpidr = mpidr,
		.nenabled = nenabled,
		.gicd = GICD,
		.gicr = GICD - ncpus * (uint64_t)ACPI_GICR_FRAME,
		.gicr_size = ncpus * (uint64_t)ACPI_GICR_FRAME,
		.its = its ? GICD - ncpus * (uint64_t)ACPI_GICR_FRAME - 0x20000 : 0,
		.uart = 0x01000000,
		.uart_size = 8,
		.uart_gsi = 32,
		.pmu_gsi = 23,
		.hp_base = 0x01020000,
		.hp_size = ACPI_HP_SIZE,
		.ged_gsi = 34,
		.psci_hvc = true,
	};

	for (unsigned int i = 0; i < ACPI_MAX_CPUS; i++) {
		/* as KVM reports it: RES1 bit 31, Aff0 = i % 16, Aff1 = i / 16 */
		mpidr[i] = 0x80000000ull | ((i / 16) << 8) | (i % 16);
	}
	return c;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void build(const struct acpi_config *c)
{
	memset(buf, 0xa5, sizeof(buf));
	blen = acpi_build(c, GPA, buf, sizeof(buf), &rsdp_gpa);
	ck_assert_msg(blen > 0, "acpi_build: %ld", blen);
	ck_assert_uint_le((size_t)blen, acpi_size_max(c->ncpus));
}

/* The table at @gpa: inside the blob, with a valid checksum. */
static const uint8_t *at(uint64_t gpa)
{
	const uint8_t *t;
	uint32_t len;

	ck_assert_uint_ge(gpa, GPA);
	ck_assert_uint_le(gpa - GPA + 36, (uint64_t)blen);
	t = buf + (gpa - GPA);
	len = get32(t + 4);
	ck_assert_uint_le(gpa - GPA + len, (uint64_t)blen);
	ck_assert_msg(acpi_sum(t, len) == 0, "%.4s: bad checksum", (const char *)t);
	return t;
}

static const uint8_t *rsdp(void)
{
	const uint8_t *r = buf + (rsdp_gpa - GPA);

	ck_assert_uint_eq(rsdp_gpa, GPA);
	ck_assert(!memcmp(r, "RSD PTR ", 8));
	ck_assert_uint_eq(r[15], 2);
	ck_assert_uint_eq(get32(r + 20), 36);
	ck_assert_uint_eq(get32(r + 16), 0); /* no RSDT */
	ck_assert_uint_eq(acpi_sum(r, 20), 0);
	ck_assert_uint_eq(acpi_sum(r, 36), 0);
	return r;
}

/* The table with signature @sig listed in the XSDT (or the DSDT), or NULL. */
static const uint8_t *find(const char *sig)
{
	const uint8_t *x = at(get64(rsdp() + 24)), *t, *found = NULL;

	ck_assert(!memcmp(x, "XSDT", 4));
	for (uint32_t off = 36; off < get32(x + 4); off += 8) {
		t = at(get64(x + off));
		if (!memcmp(t, "FACP", 4) && !strcmp(sig, "DSDT")) {
			ck_assert_uint_eq(get32(t + 40), 0); /* 32-bit DSDT pointer unused */
			t = at(get64(t + 140));
		}
		if (!memcmp(t, sig, 4)) {
			ck_assert_msg(!found, "two %s tables", sig);
			found = t;
		}
	}
	return found;
}

static size_t count(const uint8_t *t, const char *s)
{
	size_t n = 0, len = get32(t + 4), sl = strlen(s);

	for (size_t i = 0; i + sl <= len; i++) {
		n += !memcmp(t + i, s, sl);
	}
	return n;
}

START_TEST(test_fadt)
{
	struct acpi_config c = config(4, 2, false);
	const uint8_t *f;

	build(&c);
	f = find("FACP");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(get32(f + 4), 276);
	ck_assert_uint_eq(f[8], 6);
	ck_assert_uint_ge(f[131], 3);			/* minor version */
	ck_assert_uint_eq(get32(f + 112), 1u << 20);	/* HW_REDUCED_ACPI */
	ck_assert_uint_eq(get16(f + 129), 0x3);		/* PSCI_COMPLIANT | PSCI_USE_HVC */
	ck_assert(!memcmp(find("DSDT"), "DSDT", 4));
	c.psci_hvc = false;
	build(&c);
	ck_assert_uint_eq(get16(find("FACP") + 129), 0x1);
}
END_TEST

static void check_madt(unsigned int ncpus, unsigned int nenabled, bool its)
{
	struct acpi_config c = config(ncpus, nenabled, its);
	const uint8_t *m, *p, *end;
	unsigned int gicc = 0, gicd = 0, gicr = 0, nits = 0;

	build(&c);
	m = find("APIC");
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_ge(m[8], 5);
	end = m + get32(m + 4);
	for (p = m + 44; p < end; p += p[1]) {
		ck_assert_uint_ge(p[1], 2);
		switch (p[0]) {
		case 0x0b:
			ck_assert_uint_eq(p[1], 80);
			ck_assert_uint_eq(get32(p + 8), gicc); /* UID = vCPU index, in order */
			if (gicc < nenabled) {
				ck_assert_uint_eq(get32(p + 12), 0x1);
			} else {
				ck_assert_uint_eq(get32(p + 12), 0x8); /* online capable only */
			}
			ck_assert_uint_eq(get32(p + 20), 23);	   /* PMU GSI */
			ck_assert_uint_eq(get64(p + 60), 0);	   /* GICR: from the GICR entry */
			ck_assert_uint_eq(get64(p + 68), mpidr[gicc] & 0xff00ffffffull);
			gicc++;
			break;
		case 0x0c:
			ck_assert_uint_eq(p[1], 24);
			ck_assert_uint_eq(get64(p + 8), GICD);
			ck_assert_uint_eq(p[20], 3);
			gicd++;
			break;
		case 0x0e:
			ck_assert_uint_eq(p[1], 16);
			ck_assert_uint_eq(get64(p + 4), c.gicr);
			ck_assert_uint_eq(get32(p + 12), ncpus * ACPI_GICR_FRAME);
			gicr++;
			break;
		case 0x0f:
			ck_assert_uint_eq(p[1], 20);
			ck_assert_uint_eq(get64(p + 8), c.its);
			nits++;
			break;
		default:
			ck_abort_msg("unexpected MADT entry type %u", p[0]);
		}
	}
	ck_assert_ptr_eq(p, end);
	ck_assert_uint_eq(gicc, ncpus);
	ck_assert_uint_eq(gicd, 1);
	ck_assert_uint_eq(gicr, 1);
	ck_assert_uint_eq(nits, its ? 1 : 0);
}

START_TEST(test_madt)
{
	static const unsigned int n[][2] = { { 1, 1 }, { 4, 2 }, { 4, 4 }, { 64, 1 }, { 512, 300 } };

	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		check_madt(n[i][0], n[i][1], false);
		check_madt(n[i][0], n[i][1], true);
	}
}
END_TEST

START_TEST(test_gtdt_spcr_pptt)
{
	struct acpi_config c = config(8, 8, false);
	const uint8_t *g, *s, *p;

	build(&c);
	g = find("GTDT");
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(get32(g + 48), 29);
	ck_assert_uint_eq(get32(g + 56), 30);
	ck_assert_uint_eq(get32(g + 64), 27);
	ck_assert_uint_eq(get32(g + 72), 26);
	for (int off = 52; off <= 76; off += 8) {
		ck_assert_uint_eq(get32(g + off), 0); /* level, active high */
	}
	ck_assert_uint_eq(get32(g + 88), 0); /* no platform timers */

	s = find("SPCR");
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s[8], 2);
	ck_assert_uint_eq(s[36], 0);		/* 16550 */
	ck_assert_uint_eq(s[40], 0);		/* system memory */
	ck_assert_uint_eq(s[41], 8);		/* register width */
	ck_assert_uint_eq(s[43], 1);		/* byte access */
	ck_assert_uint_eq(get64(s + 44), 0x01000000);
	ck_assert_uint_eq(s[52], 0x08);		/* GIC interrupt */
	ck_assert_uint_eq(get32(s + 54), 32);

	p = find("PPTT");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(get32(p + 4), 36 + 20 * 9);
	for (unsigned int i = 0; i < 8; i++) {
		const uint8_t *n = p + 36 + 20 * (i + 1);

		ck_assert_uint_eq(get32(n + 8), 36);	/* parent: the package */
		ck_assert_uint_eq(get32(n + 12), i);	/* ACPI processor ID = GICC UID */
	}

	c.uart = 0;
	build(&c);
	ck_assert_ptr_null(find("SPCR"));
	ck_assert_uint_eq(count(find("DSDT"), "PNP0501"), 0);
}
END_TEST

START_TEST(test_dsdt)
{
	struct acpi_config c = config(512, 3, true);
	const uint8_t *d;

	build(&c);
	d = find("DSDT");
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d[8], 2);
	ck_assert_uint_eq(count(d, "ACPI0007"), 512);
	ck_assert_uint_eq(count(d, "ACPI0013"), 1);
	ck_assert_uint_eq(count(d, "_EJ0"), 512);
	/* C000..C1FF: each declared once, and notified once from CNOT */
	ck_assert_uint_eq(count(d, "C000"), 2);
	ck_assert_uint_eq(count(d, "C1FF"), 2);
	ck_assert_uint_eq(count(d, "C200"), 0);

	/* without the hot-plug block: static _STA, no _EJ0, no GED */
	c = config(4, 2, false);
	c.hp_base = 0;
	build(&c);
	d = find("DSDT");
	ck_assert_uint_eq(count(d, "ACPI0007"), 4);
	ck_assert_uint_eq(count(d, "ACPI0013"), 0);
	ck_assert_uint_eq(count(d, "_EJ0"), 0);
	/* _STA: Return (0x0F) twice (enabled), Return (0x0D) twice */
	ck_assert_uint_eq(count(d, "\xa4\x0a\x0f"), 2);
	ck_assert_uint_eq(count(d, "\xa4\x0a\x0d"), 2);
}
END_TEST

START_TEST(test_size_bound)
{
	static uint8_t big[0x40000];
	uint64_t r;
	long len;

	for (unsigned int n = 1; n <= ACPI_MAX_CPUS; n++) {
		struct acpi_config c = config(n, (n + 1) / 2, true);
		size_t max = acpi_size_max(n);

		ck_assert_uint_le(max, sizeof(big));
		len = acpi_build(&c, GPA, big, max, &r);
		ck_assert_msg(len > 0 && (size_t)len <= max, "%u vCPUs: %ld of %zu", n, len, max);
		/* one byte short of what it needs: -ENOSPC */
		ck_assert_int_eq(acpi_build(&c, GPA, big, (size_t)len - 1, &r), -ENOSPC);
	}
}
END_TEST

START_TEST(test_every_short_size)
{
	struct acpi_config c = config(2, 1, true);
	uint8_t *p;
	uint64_t r;
	long len;

	build(&c);
	len = blen;
	/* exact-size heap buffers: ASan catches any write past the end */
	for (long size = 0; size < len; size++) {
		p = malloc((size_t)size + 1);
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(acpi_build(&c, GPA, p, (size_t)size, &r), -ENOSPC);
		free(p);
	}
	p = malloc((size_t)len);
	ck_assert_int_eq(acpi_build(&c, GPA, p, (size_t)len, &r), len);
	ck_assert(!memcmp(p, buf, (size_t)len)); /* deterministic */
	free(p);
}
END_TEST

START_TEST(test_gpa)
{
	struct acpi_config c = config(4, 2, false);
	uint64_t r;

	/* pointers follow the load address */
	ck_assert_int_gt(acpi_build(&c, 0x123450000ull, buf, sizeof(buf), &r), 0);
	ck_assert_uint_eq(r, 0x123450000ull);
	ck_assert_uint_eq(get64(buf + 24) & ~0xfffull, 0x123450000ull);
}
END_TEST

START_TEST(test_bad_config)
{
	struct acpi_config c;
	uint64_t r;

#define REFUSED(stmt)                                                                              \
	do {                                                                                       \
		c = config(4, 2, true);                                                            \
		stmt;                                                                              \
		ck_assert_msg(acpi_build(&c, GPA, buf, sizeof(buf), &r) == -EINVAL,                \
			      "accepted: %s", #stmt);                                              \
	} while (0)

	REFUSED(c.ncpus = 0);
	REFUSED(c.ncpus = 513);
	REFUSED(c.mpidr = NULL);
	REFUSED(c.nenabled = 0);
	REFUSED(c.nenabled = 5);
	REFUSED(c.gicd = 0);
	REFUSED(c.gicr = 0);
	REFUSED(c.gicr_size = 3 * ACPI_GICR_FRAME);
	REFUSED(c.uart_size = 0);
	REFUSED(c.uart_gsi = 31);
	REFUSED(c.pmu_gsi = 32);
	REFUSED(c.hp_size = 8);
	REFUSED(c.ged_gsi = 20);
	c = config(4, 2, true);
	ck_assert_int_eq(acpi_build(&c, GPA + 8, buf, sizeof(buf), &r), -EINVAL);
	c.pmu_gsi = 0; /* no PMU is fine */
	ck_assert_int_gt(acpi_build(&c, GPA, buf, sizeof(buf), &r), 0);
#undef REFUSED
}
END_TEST

static Suite *acpi_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("acpi");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_fadt);
	tcase_add_test(tc, test_madt);
	tcase_add_test(tc, test_gtdt_spcr_pptt);
	tcase_add_test(tc, test_dsdt);
	tcase_add_test(tc, test_size_bound);
	tcase_add_test(tc, test_every_short_size);
	tcase_add_test(tc, test_gpa);
	tcase_add_test(tc, test_bad_config);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(acpi_suite());
}
