// SPDX-License-Identifier: MIT
/* Unit tests of the TRNG service (ARM DEN 0098) through the router. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "fw/fw.h"

static int nop_cpu_on(void *o, unsigned int caller, unsigned int cpu, uint64_t e, uint64_t c)
{
	return 0;
}

static const struct fw_platform plat = {
	.cpu_on = nop_cpu_on,
};

static struct fw_call C;

static struct fw *mkfw(void)
{
	struct fw_config cfg = { .ncpus = 2 };
	struct fw *fw = fw_create(&cfg, &plat, NULL);

	ck_assert_ptr_nonnull(fw);
	return fw;
}

static int64_t call(struct fw *fw, uint32_t id, uint64_t a1)
{
	memset(&C, 0, sizeof(C));
	C.id = id;
	C.args[0] = a1;
	C.args[1] = 0xdeadbeef;
	fw_call(fw, 0, &C);
	return (int64_t)C.ret[0];
}

START_TEST(test_version_features)
{
	static const uint32_t impl[] = {
		FW_TRNG_VERSION, FW_TRNG_FEATURES, FW_TRNG_GET_UUID,
		FW_TRNG_RND32, FW_TRNG_RND64,
	};
	struct fw *fw = mkfw();
	uint32_t fn;
	unsigned int i;

	ck_assert_int_eq(call(fw, FW_TRNG_VERSION, 0), 0x10000);
	ck_assert_uint_eq(C.nret, 1);
	ck_assert_int_eq(call(fw, 0xc4000050, 0), -1);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(call(fw, FW_TRNG_FEATURES, impl[i]), 0);
		/* SMC32: only the low half of x1 is the queried ID */
		ck_assert_int_eq(call(fw, FW_TRNG_FEATURES,
				      0xffffffff00000000ull | impl[i]), 0);
	}
	/* FEATURES agrees with dispatch for every ID of the TRNG range */
	for (fn = FW_TRNG_FIRST; fn <= FW_TRNG_LAST; fn++) {
		for (i = 0; i < 2; i++) {
			uint32_t id = (i ? 0xc4000000u : 0x84000000u) + fn;
			int64_t feat = call(fw, FW_TRNG_FEATURES, id);
			int64_t r = call(fw, id, id == FW_TRNG_FEATURES ?
					 FW_TRNG_VERSION : 64);

			ck_assert_msg((feat == 0) == (r != -1), "id %x", id);
			if (fw_argc(fw, id) > 0) {
				ck_assert_int_eq(feat, 0);
			}
		}
	}
	ck_assert_int_eq(call(fw, FW_TRNG_FEATURES, 0x84000000), -1);
	ck_assert_int_eq(call(fw, FW_TRNG_FEATURES, 0x84000153), -1);
	ck_assert_int_eq(call(fw, 0xc4000051, FW_TRNG_RND32), -1);
	ck_assert_int_eq(fw_argc(fw, FW_TRNG_RND32), 1);
	ck_assert_int_eq(fw_argc(fw, FW_TRNG_FEATURES), 1);
	ck_assert_int_eq(fw_argc(fw, FW_TRNG_VERSION), 0);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_uuid)
{
	struct fw *fw = mkfw();
	uint64_t first[4];
	unsigned int i;

	call(fw, FW_TRNG_GET_UUID, 0);
	ck_assert_uint_eq(C.nret, 4);
	/* w0 must never read as NOT_SUPPORTED (DEN 0098 2.3) */
	ck_assert_uint_ne(C.ret[0] & 0xffffffffu, 0xffffffffu);
	ck_assert_uint_eq(C.ret[0], 0x42e457ac);
	for (i = 0; i < 4; i++) {
		ck_assert_uint_le(C.ret[i], 0xffffffffu);
		first[i] = C.ret[i];
	}
	call(fw, FW_TRNG_GET_UUID, 0);
	ck_assert_mem_eq(first, C.ret, sizeof(first));
	ck_assert_int_eq(call(fw, 0xc4000052, 0), -1);
	fw_destroy(fw);
}
END_TEST

/* Bits above N are zero, each register holds at most @width bits. */
static void check_rnd(uint64_t n, unsigned int width)
{
	unsigned int i, total = 0;

	ck_assert_uint_eq(C.nret, 4);
	ck_assert_int_eq((int64_t)C.ret[0], 0);
	for (i = 0; i < 3; i++) {
		uint64_t v = C.ret[3 - i];
		unsigned int lo = i * width, w;

		w = n > lo ? (n - lo >= width ? width : (unsigned int)(n - lo)) :
			     0;
		if (w < 64) {
			ck_assert_uint_eq(v >> w, 0);
		}
		total += (unsigned int)__builtin_popcountll(v);
	}
	ck_assert_uint_le(total, n);
}

START_TEST(test_rnd)
{
	static const uint64_t n32[] = { 1, 7, 31, 32, 33, 64, 65, 95, 96 };
	static const uint64_t n64[] = { 1, 63, 64, 65, 128, 129, 191, 192 };
	struct fw *fw = mkfw();
	uint64_t a[4], b[4];
	unsigned int i;

	for (i = 0; i < sizeof(n32) / sizeof(n32[0]); i++) {
		call(fw, FW_TRNG_RND32, n32[i]);
		check_rnd(n32[i], 32);
	}
	for (i = 0; i < sizeof(n64) / sizeof(n64[0]); i++) {
		call(fw, FW_TRNG_RND64, n64[i]);
		check_rnd(n64[i], 64);
	}
	/* invalid N: INVALID_PARAMETERS and x1..x3 zero */
	ck_assert_int_eq(call(fw, FW_TRNG_RND32, 0), -2);
	ck_assert_uint_eq(C.nret, 4);
	ck_assert_uint_eq(C.ret[1] | C.ret[2] | C.ret[3], 0);
	ck_assert_int_eq(call(fw, FW_TRNG_RND32, 97), -2);
	ck_assert_int_eq(call(fw, FW_TRNG_RND64, 0), -2);
	ck_assert_int_eq(call(fw, FW_TRNG_RND64, 193), -2);
	ck_assert_int_eq(call(fw, FW_TRNG_RND64, 0x100000040ull), -2);
	/* SMC32: N is the low half of x1 */
	call(fw, FW_TRNG_RND32, 0x100000060ull);
	check_rnd(96, 32);
	/* two 192-bit draws differ (probability of failure 2^-192) */
	call(fw, FW_TRNG_RND64, 192);
	memcpy(a, C.ret, sizeof(a));
	call(fw, FW_TRNG_RND64, 192);
	memcpy(b, C.ret, sizeof(b));
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	ck_assert_uint_ne(a[1] | a[2] | a[3], 0);
	fw_destroy(fw);
}
END_TEST

START_TEST(test_status_and_off)
{
	struct fw_config cfg = { .ncpus = 1, .no_trng = true };
	struct fw_status *st = calloc(1, sizeof(*st));
	struct fw *fw = mkfw();

	call(fw, FW_TRNG_RND64, 8);
	call(fw, FW_TRNG_VERSION, 0);
	call(fw, 0x84000055, 0);
	fw_status(fw, st);
	ck_assert_uint_eq(st->trng_calls, 2);
	ck_assert_uint_eq(st->service_calls[2] + st->service_calls[3], 3);
	fw_destroy(fw);
	fw = fw_create(&cfg, &plat, NULL);
	ck_assert_ptr_nonnull(fw);
	ck_assert_int_eq(call(fw, FW_TRNG_VERSION, 0), -1);
	ck_assert_int_eq(fw_argc(fw, FW_TRNG_RND64), 0);
	fw_destroy(fw);
	free(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trng");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_version_features);
	tcase_add_test(tc, test_uuid);
	tcase_add_test(tc, test_rnd);
	tcase_add_test(tc, test_status_and_off);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
