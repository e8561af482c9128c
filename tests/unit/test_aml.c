// SPDX-License-Identifier: MIT
/*
 * Unit tests for the AML encoder (src/lib/aml.c): encodings byte for byte,
 * against the ACPI 6.5 grammar and against what ACPICA's iasl 20200925
 * compiles for the same ASL.
 */
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "lib/aml.h"

static uint8_t buf[0x180000];
static struct aml a;

static void setup(void)
{
	memset(buf, 0xee, sizeof(buf));
	aml_init(&a, buf, sizeof(buf));
}

#define ck_assert_aml(...)                                                                         \
	do {                                                                                       \
		static const uint8_t want_[] = { __VA_ARGS__ };                                    \
		ck_assert_int_eq(aml_error(&a), 0);                                               \
		ck_assert_uint_eq(a.len, sizeof(want_));                                           \
		for (size_t i_ = 0; i_ < sizeof(want_); i_++) {                                    \
			ck_assert_msg(buf[i_] == want_[i_], "byte %zu: 0x%02x, want 0x%02x", i_, \
				      buf[i_], want_[i_]);                                         \
		}                                                                                  \
	} while (0)

START_TEST(test_pkglen_encode)
{
	static const struct {
		size_t len;
		unsigned int n;
		uint8_t enc[4];
	} v[] = {
		{ 0x00, 1, { 0x00 } },
		{ 0x3f, 1, { 0x3f } },
		{ 0x40, 2, { 0x40, 0x04 } },
		{ 0x41, 2, { 0x41, 0x04 } },
		{ 0xfff, 2, { 0x4f, 0xff } },
		{ 0x1000, 3, { 0x80, 0x00, 0x01 } },
		{ 0xfffff, 3, { 0x8f, 0xff, 0xff } },
		{ 0x100000, 4, { 0xc0, 0x00, 0x00, 0x01 } },
		{ 0x1234567, 4, { 0xc7, 0x56, 0x34, 0x12 } },
		{ 0xfffffff, 4, { 0xcf, 0xff, 0xff, 0xff } },
	};
	uint8_t enc[4];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(enc, 0, sizeof(enc));
		ck_assert_uint_eq(aml_pkglen_encode(v[i].len, enc), v[i].n);
		ck_assert_msg(!memcmp(enc, v[i].enc, v[i].n), "PkgLength 0x%zx", v[i].len);
	}
	ck_assert_uint_eq(aml_pkglen_encode(0x10000000, enc), 0);
}
END_TEST

/* If with a body of @body raw bytes: the PkgLength counts itself */
static void if_with_body(size_t body)
{
	setup();
	aml_if_begin(&a);
	for (size_t i = 0; i < body; i++) {
		aml_byte(&a, (uint8_t)i);
	}
	aml_end(&a);
	ck_assert_int_eq(aml_error(&a), 0);
	ck_assert_uint_eq(buf[0], 0xa0);
	for (size_t i = 0; i < body; i += 997) {
		ck_assert_uint_eq(buf[a.len - body + i], (uint8_t)i);
	}
	ck_assert_uint_eq(buf[a.len - 1], (uint8_t)(body - 1));
}

START_TEST(test_pkglen_boundaries)
{
	/* 1 byte up to a total of 63 */
	if_with_body(62);
	ck_assert_uint_eq(a.len, 1 + 1 + 62);
	ck_assert_uint_eq(buf[1], 0x3f);
	/* then 2 bytes: 63 + 2 = 65 */
	if_with_body(63);
	ck_assert_uint_eq(a.len, 1 + 2 + 63);
	ck_assert_uint_eq(buf[1], 0x41);
	ck_assert_uint_eq(buf[2], 0x04);
	/* 2 bytes up to 4095 */
	if_with_body(4093);
	ck_assert_uint_eq(a.len, 1 + 2 + 4093);
	ck_assert_uint_eq(buf[1], 0x4f);
	ck_assert_uint_eq(buf[2], 0xff);
	/* then 3 bytes: 4094 + 3 = 0x1001 */
	if_with_body(4094);
	ck_assert_uint_eq(a.len, 1 + 3 + 4094);
	ck_assert_uint_eq(buf[1], 0x81);
	ck_assert_uint_eq(buf[2], 0x00);
	ck_assert_uint_eq(buf[3], 0x01);
	/* 3 bytes up to 0xfffff */
	if_with_body(0xffffc);
	ck_assert_uint_eq(a.len, 1 + 3 + 0xffffc);
	ck_assert_uint_eq(buf[1], 0x8f);
	ck_assert_uint_eq(buf[2], 0xff);
	ck_assert_uint_eq(buf[3], 0xff);
	/* then 4 bytes: 0xffffd + 4 = 0x100001 */
	if_with_body(0xffffd);
	ck_assert_uint_eq(a.len, 1 + 4 + 0xffffd);
	ck_assert_uint_eq(buf[1], 0xc1);
	ck_assert_uint_eq(buf[2], 0x00);
	ck_assert_uint_eq(buf[3], 0x00);
	ck_assert_uint_eq(buf[4], 0x01);
}
END_TEST

START_TEST(test_pkglen_nested)
{
	/* an outer scope whose body grows past 63 only through its child */
	setup();
	aml_scope_begin(&a, "\\_SB");
	aml_if_begin(&a);
	for (int i = 0; i < 60; i++) {
		aml_op(&a, AML_ONE);
	}
	aml_end(&a);
	aml_end(&a);
	ck_assert_int_eq(aml_error(&a), 0);
	/* If: 1 + 1 + 60 = 62; Scope body: "\_SB_" (5) + 62 = 67, + 2 = 69 */
	ck_assert_uint_eq(a.len, 1 + 2 + 5 + 62);
	ck_assert_uint_eq(buf[0], 0x10);
	ck_assert_uint_eq(buf[1], 0x45);
	ck_assert_uint_eq(buf[2], 0x04);
	ck_assert_uint_eq(buf[3], '\\');
	ck_assert_uint_eq(buf[8], 0xa0);
	ck_assert_uint_eq(buf[9], 61);
}
END_TEST

START_TEST(test_names)
{
	setup();
	aml_name(&a, "_SB");
	ck_assert_aml('_', 'S', 'B', '_');
	setup();
	aml_name(&a, "\\_SB.C1FF");
	ck_assert_aml('\\', 0x2e, '_', 'S', 'B', '_', 'C', '1', 'F', 'F');
	setup();
	aml_name(&a, "\\_SB.PCI0.S8");
	ck_assert_aml('\\', 0x2f, 3, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', 'S', '8', '_', '_');
	setup();
	aml_name(&a, "^^CSTA");
	ck_assert_aml('^', '^', 'C', 'S', 'T', 'A');
	setup();
	aml_name(&a, "\\");
	ck_assert_aml('\\', 0x00);
	setup();
	aml_name(&a, "");
	ck_assert_aml(0x00);
}
END_TEST

START_TEST(test_bad_names)
{
	static const char *const bad[] = { "1ABC", "ABCDE", "abc", "A..B", "A.", ".A", "\\^A" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup();
		aml_name(&a, bad[i]);
		ck_assert_msg(aml_error(&a) == -EINVAL, "name \"%s\" accepted", bad[i]);
	}
}
END_TEST

START_TEST(test_integers)
{
	setup();
	aml_int(&a, 0);
	aml_int(&a, 1);
	aml_int(&a, 2);
	aml_int(&a, 0xff);
	aml_int(&a, 0x100);
	aml_int(&a, 0xffff);
	aml_int(&a, 0x10000);
	aml_int(&a, 0xffffffff);
	aml_int(&a, 0x100000000ull);
	aml_int(&a, UINT64_MAX);
	ck_assert_aml(0x00, 0x01, 0x0a, 0x02, 0x0a, 0xff, 0x0b, 0x00, 0x01, 0x0b, 0xff, 0xff, 0x0c,
		      0x00, 0x00, 0x01, 0x00, 0x0c, 0xff, 0xff, 0xff, 0xff, 0x0e, 0x00, 0x00, 0x00,
		      0x00, 0x01, 0x00, 0x00, 0x00, 0xff);
}
END_TEST

START_TEST(test_strings_eisaid)
{
	setup();
	aml_string(&a, "ACPI0007");
	ck_assert_aml(0x0d, 'A', 'C', 'P', 'I', '0', '0', '0', '7', 0x00);
	/* the well-known values: PNP0501 (16550), PNP0A03 (PCI bus) */
	ck_assert_uint_eq(aml_eisaid_value("PNP0501"), 0x0105d041);
	ck_assert_uint_eq(aml_eisaid_value("PNP0A03"), 0x030ad041);
	ck_assert_uint_eq(aml_eisaid_value("pnp0501"), 0);
	ck_assert_uint_eq(aml_eisaid_value("PNP050"), 0);
	ck_assert_uint_eq(aml_eisaid_value("PNP050G"), 0);
	setup();
	aml_eisaid(&a, "PNP0C0F");
	ck_assert_aml(0x0c, 0x41, 0xd0, 0x0c, 0x0f);
	setup();
	aml_eisaid(&a, "ACPI0007");
	ck_assert_int_eq(aml_error(&a), -EINVAL);
}
END_TEST

/*
 * The AML iasl 20200925 compiles (iasl -oa) from:
 *   Scope (\_SB) {
 *     Method (_STA, 0, NotSerialized) { Return (0x0F) }
 *     Device (COM0) { Name (_HID, EisaId ("PNP0501")) }
 *     Name (_CRS, ResourceTemplate () {
 *       Memory32Fixed (ReadWrite, 0x01000000, 0x00000008)
 *       Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 0x20 } })
 *     Name (RES2, ResourceTemplate () {
 *       QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed, NonCacheable,
 *                    ReadWrite, 0, 0x100000000, 0x100000FFF, 0, 0x1000)
 *       Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 0x22 } })
 *     OperationRegion (CPRG, SystemMemory, 0x01020000, 0x10)
 *     Field (CPRG, DWordAcc, NoLock, WriteAsZeros) { CSEL, 32 }
 *     Method (CEJ0, 1, Serialized) { Acquire (CPLK, 0xFFFF) CSEL = Arg0 Release (CPLK) }
 *     Mutex (CPLK, 0)
 *   }
 */
START_TEST(test_iasl_vector)
{
	setup();
	aml_scope_begin(&a, "\\_SB");
	aml_method_begin(&a, "_STA", 0, false);
	aml_op(&a, AML_RETURN);
	aml_int(&a, 0x0f);
	aml_end(&a);
	aml_device_begin(&a, "COM0");
	aml_name_decl(&a, "_HID");
	aml_eisaid(&a, "PNP0501");
	aml_end(&a);
	aml_name_decl(&a, "_CRS");
	aml_restemplate_begin(&a);
	aml_res_memory(&a, 0x01000000, 8, true);
	aml_res_interrupt(&a, AML_IRQ_CONSUMER, 0x20);
	aml_restemplate_end(&a);
	aml_name_decl(&a, "RES2");
	aml_restemplate_begin(&a);
	aml_res_memory(&a, 0x100000000ull, 0x1000, true);
	aml_res_interrupt(&a, AML_IRQ_CONSUMER | AML_IRQ_EDGE, 0x22);
	aml_restemplate_end(&a);
	aml_opregion(&a, "CPRG", AML_SYSTEM_MEMORY, 0x01020000, 0x10);
	aml_field_begin(&a, "CPRG", AML_ACC_DWORD | AML_WRITE_ZEROS);
	aml_field_unit(&a, "CSEL", 32);
	aml_end(&a);
	aml_method_begin(&a, "CEJ0", 1, true);
	aml_acquire(&a, "CPLK", 0xffff);
	aml_op(&a, AML_STORE);
	aml_arg(&a, 0);
	aml_name(&a, "CSEL");
	aml_release(&a, "CPLK");
	aml_end(&a);
	aml_mutex(&a, "CPLK", 0);
	aml_end(&a);
	ck_assert_aml(
		0x10, 0x41, 0x0c, 0x5c, 0x5f, 0x53, 0x42, 0x5f, 0x14, 0x09, 0x5f, 0x53, 0x54, 0x41,
		0x00, 0xa4, 0x0a, 0x0f, 0x5b, 0x82, 0x0f, 0x43, 0x4f, 0x4d, 0x30, 0x08, 0x5f, 0x48,
		0x49, 0x44, 0x0c, 0x41, 0xd0, 0x05, 0x01, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x1a,
		0x0a, 0x17, 0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00,
		0x89, 0x06, 0x00, 0x01, 0x01, 0x20, 0x00, 0x00, 0x00, 0x79, 0x00, 0x08, 0x52, 0x45,
		0x53, 0x32, 0x11, 0x3c, 0x0a, 0x39, 0x8a, 0x2b, 0x00, 0x00, 0x0d, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0xff, 0x0f, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x89, 0x06, 0x00, 0x03,
		0x01, 0x22, 0x00, 0x00, 0x00, 0x79, 0x00, 0x5b, 0x80, 0x43, 0x50, 0x52, 0x47, 0x00,
		0x0c, 0x00, 0x00, 0x02, 0x01, 0x0a, 0x10, 0x5b, 0x81, 0x0b, 0x43, 0x50, 0x52, 0x47,
		0x43, 0x43, 0x53, 0x45, 0x4c, 0x20, 0x14, 0x1a, 0x43, 0x45, 0x4a, 0x30, 0x09, 0x5b,
		0x23, 0x43, 0x50, 0x4c, 0x4b, 0xff, 0xff, 0x70, 0x68, 0x43, 0x53, 0x45, 0x4c, 0x5b,
		0x27, 0x43, 0x50, 0x4c, 0x4b, 0x5b, 0x01, 0x43, 0x50, 0x4c, 0x4b, 0x00);
}
END_TEST

START_TEST(test_control_flow)
{
	/* While (Local2 < 5) { If (Local0 == 0xFFFFFFFF) { Break } Else { Local2++ } } */
	setup();
	aml_while_begin(&a);
	aml_op(&a, AML_LLESS);
	aml_local(&a, 2);
	aml_int(&a, 5);
	aml_if_begin(&a);
	aml_op(&a, AML_LEQUAL);
	aml_local(&a, 0);
	aml_int(&a, 0xffffffff);
	aml_op(&a, AML_BREAK);
	aml_end(&a);
	aml_else_begin(&a);
	aml_op(&a, AML_INCREMENT);
	aml_local(&a, 2);
	aml_end(&a);
	aml_end(&a);
	ck_assert_aml(0xa2, 0x13, 0x95, 0x62, 0x0a, 0x05, 0xa0, 0x09, 0x93, 0x60, 0x0c, 0xff, 0xff,
		      0xff, 0xff, 0xa5, 0xa1, 0x03, 0x75, 0x62);
	/* Notify (\_SB.C001, Arg1); Package (2) { One, "A" } */
	setup();
	aml_op(&a, AML_NOTIFY);
	aml_name(&a, "\\_SB.C001");
	aml_arg(&a, 1);
	aml_package_begin(&a, 2);
	aml_int(&a, 1);
	aml_string(&a, "A");
	aml_end(&a);
	ck_assert_aml(0x86, 0x5c, 0x2e, '_', 'S', 'B', '_', 'C', '0', '0', '1', 0x69, 0x12, 0x06,
		      0x02, 0x01, 0x0d, 'A', 0x00);
}
END_TEST

START_TEST(test_buffer_sizes)
{
	/* a 300-byte buffer: BufferSize is a WordConst, PkgLength 2 bytes */
	setup();
	aml_buffer_begin(&a);
	for (int i = 0; i < 300; i++) {
		aml_byte(&a, (uint8_t)i);
	}
	aml_buffer_end(&a);
	ck_assert_int_eq(aml_error(&a), 0);
	ck_assert_uint_eq(a.len, 1 + 2 + 3 + 300);
	ck_assert_uint_eq(buf[0], 0x11);
	ck_assert_uint_eq(buf[1], 0x40 | ((2 + 3 + 300) & 0xf));
	ck_assert_uint_eq(buf[2], (2 + 3 + 300) >> 4);
	ck_assert_uint_eq(buf[3], 0x0b);
	ck_assert_uint_eq(buf[4], 300 & 0xff);
	ck_assert_uint_eq(buf[5], 300 >> 8);
	ck_assert_uint_eq(buf[6], 0);
	ck_assert_uint_eq(buf[6 + 299], 299 & 0xff);
	/* an empty buffer: Buffer (Zero) {} */
	setup();
	aml_buffer_begin(&a);
	aml_buffer_end(&a);
	ck_assert_aml(0x11, 0x02, 0x00);
}
END_TEST

START_TEST(test_measure)
{
	struct aml m;

	/* measuring (no buffer) gives the final length, PkgLength shrinking included */
	for (int n = 60; n < 70; n++) {
		aml_init(&m, NULL, 0);
		setup();
		for (struct aml *p = &m; p; p = p == &m ? &a : NULL) {
			aml_scope_begin(p, "\\_SB");
			aml_buffer_begin(p);
			for (int i = 0; i < n; i++) {
				aml_byte(p, 0x55);
			}
			aml_buffer_end(p);
			aml_end(p);
		}
		ck_assert_int_eq(aml_error(&m), 0);
		ck_assert_int_eq(aml_error(&a), 0);
		ck_assert_uint_eq(m.len, a.len);
	}
}
END_TEST

START_TEST(test_errors)
{
	uint8_t small[8];

	/* overflow is sticky and reported as -ENOSPC */
	aml_init(&a, small, sizeof(small));
	aml_string(&a, "ACPI0007");
	ck_assert_int_eq(aml_error(&a), -ENOSPC);
	ck_assert_uint_eq(a.len, 1); /* the StringPrefix fitted, the string did not */
	aml_byte(&a, 1);
	ck_assert_uint_eq(a.len, 1);
	/* a construct left open */
	setup();
	aml_device_begin(&a, "C000");
	ck_assert_int_eq(aml_error(&a), -EINVAL);
	/* an end with nothing open, a buffer closed by aml_end */
	setup();
	aml_end(&a);
	ck_assert_int_eq(aml_error(&a), -EINVAL);
	setup();
	aml_buffer_begin(&a);
	aml_end(&a);
	ck_assert_int_eq(aml_error(&a), -EINVAL);
	setup();
	aml_if_begin(&a);
	aml_buffer_end(&a);
	ck_assert_int_eq(aml_error(&a), -EINVAL);
	/* nesting deeper than AML_DEPTH */
	setup();
	for (int i = 0; i <= AML_DEPTH; i++) {
		aml_if_begin(&a);
	}
	ck_assert_int_eq(aml_error(&a), -EINVAL);
	/* operands out of range */
	setup();
	aml_local(&a, 8);
	ck_assert_int_eq(aml_error(&a), -EINVAL);
	setup();
	aml_arg(&a, 7);
	ck_assert_int_eq(aml_error(&a), -EINVAL);
	setup();
	aml_method_begin(&a, "M", 8, false);
	ck_assert_int_eq(aml_error(&a), -EINVAL);
	/* a construct that overflows while open: -ENOSPC, not a bad length */
	aml_init(&a, small, sizeof(small));
	aml_scope_begin(&a, "\\_SB");
	aml_end(&a);
	ck_assert_int_eq(aml_error(&a), -ENOSPC);
}
END_TEST

static Suite *aml_suite(void)
{
	Suite *s = suite_create("aml");
	TCase *tc = tcase_create("aml");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_pkglen_encode);
	tcase_add_test(tc, test_pkglen_boundaries);
	tcase_add_test(tc, test_pkglen_nested);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_integers);
	tcase_add_test(tc, test_strings_eisaid);
	tcase_add_test(tc, test_iasl_vector);
	tcase_add_test(tc, test_control_flow);
	tcase_add_test(tc, test_buffer_sizes);
	tcase_add_test(tc, test_measure);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(aml_suite());
}
