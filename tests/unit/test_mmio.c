// SPDX-License-Identifier: MIT
/* Unit tests for the MMIO dispatch table (src/dev/mmio.c). */
#include <errno.h>

#include "unit.h"
#include "dev/mmio.h"

static uint64_t last_addr;
static uintptr_t last_dev;
static unsigned int calls;

static void dev(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
		bool is_write, void *opaque)
{
	last_addr = addr;
	last_dev = (uintptr_t)opaque;
	calls++;
}

START_TEST(test_register)
{
	struct mmio_bus bus = { 0 };

	ck_assert_int_eq(mmio_register(&bus, 0x2000, 0x1000, dev, (void *)2), 0);
	ck_assert_int_eq(mmio_register(&bus, 0x1000, 0x1000, dev, (void *)1), 0);	/* adjacent */
	ck_assert_int_eq(mmio_register(&bus, 0x3000, 8, dev, (void *)3), 0);
	/* overlaps: inside, straddling either end, covering */
	ck_assert_int_eq(mmio_register(&bus, 0x1800, 0x10, dev, NULL), -EEXIST);
	ck_assert_int_eq(mmio_register(&bus, 0x0800, 0x0801, dev, NULL), -EEXIST);
	ck_assert_int_eq(mmio_register(&bus, 0x3007, 0x10, dev, NULL), -EEXIST);
	ck_assert_int_eq(mmio_register(&bus, 0, 0x10000, dev, NULL), -EEXIST);
	/* empty, wrapping, no handler */
	ck_assert_int_eq(mmio_register(&bus, 0x9000, 0, dev, NULL), -EINVAL);
	ck_assert_int_eq(mmio_register(&bus, UINT64_MAX - 1, 4, dev, NULL), -EINVAL);
	ck_assert_int_eq(mmio_register(&bus, 0x9000, 1, NULL, NULL), -EINVAL);
	ck_assert_uint_eq(bus.n, 3);
	/* a region ending exactly at 2^64 is refused too (base + size wraps to 0) */
	ck_assert_int_eq(mmio_register(&bus, UINT64_MAX - 0xfff, 0x1000, dev, (void *)9), -EINVAL);
	/* full */
	for (unsigned int i = bus.n; i < MMIO_MAX_REGIONS; i++) {
		ck_assert_int_eq(mmio_register(&bus, 0x100000 * (i + 1), 8, dev, NULL), 0);
	}
	ck_assert_int_eq(mmio_register(&bus, 0x8000, 8, dev, NULL), -ENOSPC);
	/* sorted by base */
	for (unsigned int i = 1; i < bus.n; i++) {
		ck_assert_uint_lt(bus.region[i - 1].base, bus.region[i].base);
	}
}
END_TEST

START_TEST(test_dispatch)
{
	struct mmio_bus bus = { 0 };
	uint8_t d[8];

	ck_assert_int_eq(mmio_register(&bus, 0x3000, 8, dev, (void *)3), 0);
	ck_assert_int_eq(mmio_register(&bus, 0x1000, 0x1000, dev, (void *)1), 0);
	ck_assert_int_eq(mmio_register(&bus, 0x2000, 0x1000, dev, (void *)2), 0);
	calls = 0;
	ck_assert(mmio_dispatch(&bus, NULL, 0x1000, d, 4, false));
	ck_assert_uint_eq(last_dev, 1);
	ck_assert_uint_eq(last_addr, 0x1000);	/* absolute address */
	ck_assert(mmio_dispatch(&bus, NULL, 0x1ffc, d, 4, true));
	ck_assert_uint_eq(last_dev, 1);
	ck_assert(mmio_dispatch(&bus, NULL, 0x2000, d, 1, false));
	ck_assert_uint_eq(last_dev, 2);
	ck_assert(mmio_dispatch(&bus, NULL, 0x3007, d, 1, false));
	ck_assert_uint_eq(last_dev, 3);
	ck_assert_uint_eq(calls, 4);
	/* holes, beyond the last, below the first */
	ck_assert(!mmio_dispatch(&bus, NULL, 0x3008, d, 1, false));
	ck_assert(!mmio_dispatch(&bus, NULL, 0x0fff, d, 1, false));
	ck_assert(!mmio_dispatch(&bus, NULL, 0, d, 1, false));
	ck_assert(!mmio_dispatch(&bus, NULL, UINT64_MAX, d, 1, false));
	/* an access running past its region's end is no device's */
	ck_assert(!mmio_dispatch(&bus, NULL, 0x1ffe, d, 4, false));
	ck_assert(!mmio_dispatch(&bus, NULL, 0x3004, d, 8, false));
	ck_assert_uint_eq(calls, 4);
	/* an empty bus */
	bus.n = 0;
	ck_assert(!mmio_dispatch(&bus, NULL, 0x1000, d, 1, false));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mmio");
	TCase *tc = tcase_create("mmio");

	tcase_add_test(tc, test_register);
	tcase_add_test(tc, test_dispatch);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
