// SPDX-License-Identifier: MIT
/*
 * TRNG firmware interface (ARM DEN 0098) over HVC and SMC: TRNG_VERSION,
 * TRNG_FEATURES, TRNG_GET_UUID, TRNG_RND32 and TRNG_RND64 with good and
 * bad bit counts. hotvm answers it in userspace; KVM in the kernel.
 */
#include "guest.h"

#define TRNG_INVALID_PARAMETER	(-2)

static unsigned int popcount(uint64_t v)
{
	unsigned int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

static void one_conduit(enum conduit c, uint64_t uuid_out[4])
{
	const char *cn = c == SMC ? "SMC" : "HVC";
	static const uint32_t supported[] = { TRNG_VERSION, TRNG_FEATURES,
					      TRNG_GET_UUID, TRNG_RND32,
					      TRNG_RND64 };
	static const uint32_t unsupported[] = { 0x84000054, 0x8400005f,
						0xc4000050, 0xc4000051,
						0xc4000052, 0x84000000,
						0x84000053 | 1u << 17 };
	struct smccc_res r, r2;
	unsigned int i, bad = 0, ones = 0;

	r = smccc(c, TRNG_VERSION, 0, 0, 0);
	expect_eq(r.a0, 0x10000, "%s TRNG_VERSION is 1.0", cn);
	for (i = 0; i < sizeof(supported) / sizeof(supported[0]); i++)
		expect_eq(r32(smccc(c, TRNG_FEATURES, supported[i], 0, 0).a0),
			  0, "%s TRNG_FEATURES(0x%x) is SUCCESS", cn,
			  supported[i]);
	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		expect_eq(r32(smccc(c, TRNG_FEATURES, unsupported[i], 0,
				    0).a0),
			  PSCI_NOT_SUPPORTED,
			  "%s TRNG_FEATURES(0x%x) is NOT_SUPPORTED", cn,
			  unsupported[i]);
	expect_eq(r32(smccc(c, 0xc4000050, 0, 0, 0).a0), PSCI_NOT_SUPPORTED,
		  "%s SMC64 TRNG_VERSION does not exist", cn);

	r = smccc(c, TRNG_GET_UUID, 0, 0, 0);
	r2 = smccc(c, TRNG_GET_UUID, 0, 0, 0);
	check(r.a0 != 0xffffffffull && (uint32_t)r.a0 != 0xffffffffu,
	      "%s TRNG_GET_UUID succeeds (w0 = 0x%lx)", cn, r.a0);
	check(!((r.a0 | r.a1 | r.a2 | r.a3) >> 32),
	      "%s TRNG_GET_UUID: the UUID is in w0-w3, bits 63:32 zero", cn);
	check(r.a0 == r2.a0 && r.a1 == r2.a1 && r.a2 == r2.a2 && r.a3 == r2.a3,
	      "%s TRNG_GET_UUID is stable", cn);
	note("%s UUID words %08lx %08lx %08lx %08lx", cn, r.a0, r.a1, r.a2,
	     r.a3);
	uuid_out[0] = r.a0;
	uuid_out[1] = r.a1;
	uuid_out[2] = r.a2;
	uuid_out[3] = r.a3;

	/*
	 * bad N (DEN 0098 2.4: 1 <= N <= 96 / 192). KVM (arch/arm64/kvm/
	 * trng.c) reads N as a u32 and only rejects N > max: it answers
	 * SUCCESS for N = 0 and for RND64 N = 1 << 32.
	 */
	static const uint64_t bad32[] = { 0, 97, 128, 0xffffffff };
	static const uint64_t bad64[] = { 0, 193, 256, 1ull << 32,
					  0xffffffffffffffffull };
	for (i = 0; i < sizeof(bad32) / sizeof(bad32[0]); i++) {
		if (plat.kernel_psci && bad32[i] == 0) {
			r = smccc(c, TRNG_RND32, 0, 0, 0);
			check(r.a0 == 0 && !(r.a1 | r.a2 | r.a3),
			      "%s KVM TRNG_RND32(N=0): SUCCESS with no bits (KVM does not check N = 0)",
			      cn);
			continue;
		}
		r = smccc(c, TRNG_RND32, bad32[i], 0, 0);
		check(r32(r.a0) == TRNG_INVALID_PARAMETER &&
			      !(r.a1 | r.a2 | r.a3),
		      "%s TRNG_RND32(N=%lu): INVALID_PARAMETERS, x1-x3 zero (got %ld)",
		      cn, bad32[i], (int64_t)r.a0);
	}
	for (i = 0; i < sizeof(bad64) / sizeof(bad64[0]); i++) {
		if (plat.kernel_psci && (uint32_t)bad64[i] == 0) {
			r = smccc(c, TRNG_RND64, bad64[i], 0, 0);
			check(r.a0 == 0 && !(r.a1 | r.a2 | r.a3),
			      "%s KVM TRNG_RND64(N=0x%lx): SUCCESS with no bits (KVM uses w1 and does not check N = 0)",
			      cn, bad64[i]);
			continue;
		}
		r = smccc(c, TRNG_RND64, bad64[i], 0, 0);
		check((int64_t)r.a0 == TRNG_INVALID_PARAMETER &&
			      !(r.a1 | r.a2 | r.a3),
		      "%s TRNG_RND64(N=0x%lx): INVALID_PARAMETERS, x1-x3 zero (got %ld)",
		      cn, bad64[i], (int64_t)r.a0);
	}

	/* good N: right-aligned in x1:x2:x3, nothing above N bits */
	static const unsigned int n32[] = { 1, 8, 31, 32, 33, 64, 65, 96 };
	static const unsigned int n64[] = { 1, 63, 64, 65, 128, 129, 192 };
	for (i = 0; i < sizeof(n32) / sizeof(n32[0]); i++) {
		unsigned int n = n32[i], k;
		bool ok;

		r = smccc(c, TRNG_RND32, n, 0, 0);
		ok = r.a0 == 0;
		for (k = 0; k < 3; k++) {
			uint64_t v = k == 0 ? r.a3 : k == 1 ? r.a2 : r.a1;
			unsigned int w = n > 32 * k ? n - 32 * k : 0;

			if (w > 32)
				w = 32;
			if (v >> w)
				ok = false;
		}
		if (!ok)
			bad++;
		check(ok, "%s TRNG_RND32(N=%u): SUCCESS, only the low %u bits of x1:x2:x3 used",
		      cn, n, n);
	}
	for (i = 0; i < sizeof(n64) / sizeof(n64[0]); i++) {
		unsigned int n = n64[i], k;
		bool ok;

		r = smccc(c, TRNG_RND64, n, 0, 0);
		ok = r.a0 == 0;
		for (k = 0; k < 3; k++) {
			uint64_t v = k == 0 ? r.a3 : k == 1 ? r.a2 : r.a1;
			unsigned int w = n > 64 * k ? n - 64 * k : 0;

			if (w < 64 && (v >> w))
				ok = false;
		}
		check(ok, "%s TRNG_RND64(N=%u): SUCCESS, only the low %u bits of x1:x2:x3 used",
		      cn, n, n);
	}
	/* SMC32: bits 63:32 of N are ignored */
	r = smccc(c, TRNG_RND32, 0xffffffff00000020ull, 0, 0);
	check(r.a0 == 0 && !(r.a1 | r.a2) && !(r.a3 >> 32),
	      "%s TRNG_RND32 ignores bits 63:32 of N (N=32)", cn);
	/* randomness, roughly: 100 x 192 bits, about half ones, no repeats */
	uint64_t prev = 0;
	unsigned int repeats = 0;
	for (i = 0; i < 100; i++) {
		r = smccc(c, TRNG_RND64, 192, 0, 0);
		ones += popcount(r.a1) + popcount(r.a2) + popcount(r.a3);
		if (r.a3 == prev)
			repeats++;
		prev = r.a3;
	}
	check(ones > 8400 && ones < 10800 && !repeats,
	      "%s TRNG_RND64: 19200 bits look random (%u ones, %u repeats)", cn,
	      ones, repeats);
}

int guest_main(void)
{
	uint64_t u_hvc[4], u_smc[4];

	one_conduit(HVC, u_hvc);
	one_conduit(SMC, u_smc);
	check(!memcmp(u_hvc, u_smc, sizeof(u_hvc)),
	      "the same UUID over HVC and SMC");
	expect_eq(smccc_clobbers, 0, "x4-x17 preserved across %lu calls",
		  smccc_calls);
	return 0;
}
