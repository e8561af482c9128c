// SPDX-License-Identifier: MIT
/* Unit tests for the PL031 RTC (src/dev/rtc.c): registers and IDs. */
#include <string.h>
#include <time.h>

#include "unit.h"
#include "dev/rtc.h"

#define BASE 0x1010000ull

static uint32_t rd(struct rtc *r, unsigned int off)
{
	uint8_t d[8];
	uint32_t v;

	memset(d, 0xaa, sizeof(d));
	rtc_mmio(NULL, BASE + off, d, 8, false, r);
	ck_assert_uint_eq(d[4] | d[5] | d[6] | d[7], 0);	/* 32-bit registers */
	memcpy(&v, d, 4);
	return v;
}

static void wr(struct rtc *r, unsigned int off, uint32_t v)
{
	rtc_mmio(NULL, BASE + off, (uint8_t *)&v, 4, true, r);
}

START_TEST(test_time_and_load)
{
	struct rtc *r = rtc_create(BASE);
	int64_t t = (int64_t)time(NULL);

	ck_assert_ptr_nonnull(r);
	/* RTCDR: host wall-clock seconds */
	ck_assert_int_le(llabs((int64_t)rd(r, 0x00) - t), 1);
	/* RTCLR sets the counter; reading RTCLR gives the counter too */
	wr(r, 0x08, 1000);
	ck_assert_uint_le(rd(r, 0x00) - 1000, 1);
	ck_assert_uint_le(rd(r, 0x08) - 1000, 1);
	/* RTCMR: plain storage; RTCIMSC: one bit; RTCCR: always enabled */
	wr(r, 0x04, 0xdeadbeef);
	ck_assert_uint_eq(rd(r, 0x04), 0xdeadbeef);
	wr(r, 0x10, 0xff);
	ck_assert_uint_eq(rd(r, 0x10), 1);
	ck_assert_uint_eq(rd(r, 0x0c), 1);
	/* no match interrupt is wired: raw and masked status read 0 */
	ck_assert_uint_eq(rd(r, 0x14), 0);
	ck_assert_uint_eq(rd(r, 0x18), 0);
	/* writes to read-only registers change nothing */
	wr(r, 0x00, 5);
	ck_assert_uint_le(rd(r, 0x00) - 1000, 1);
	rtc_destroy(r);
	rtc_destroy(NULL);
}
END_TEST

START_TEST(test_ids)
{
	static const uint8_t want[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	struct rtc *r = rtc_create(BASE);

	/* PeriphID 0x00041031, PrimeCell ID 0xb105f00d: what the AMBA bus matches */
	for (unsigned int i = 0; i < 8; i++) {
		ck_assert_uint_eq(rd(r, 0xfe0 + 4 * i), want[i]);
	}
	ck_assert_uint_eq(rd(r, 0xfe2), 0);	/* unaligned: nothing */
	ck_assert_uint_eq(rd(r, 0x800), 0);	/* unused space reads 0 */
	rtc_destroy(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rtc");
	TCase *tc = tcase_create("rtc");

	tcase_add_test(tc, test_time_and_load);
	tcase_add_test(tc, test_ids);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
