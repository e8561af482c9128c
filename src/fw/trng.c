// SPDX-License-Identifier: MIT
/*
 * TRNG firmware interface (ARM DEN 0098 1.0) as a service of the router,
 * fed by getrandom(). Function numbers 0x50-0x5f of the Standard Secure
 * service; the same table answers calls and TRNG_FEATURES.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "core.h"

#define TRNG_SUCCESS		0
#define TRNG_NOT_SUPPORTED	(-1)
#define TRNG_INVALID_PARAMETER	(-2)
#define TRNG_NO_ENTROPY		(-3)

#define TRNG_VERSION_1_0	0x10000u
#define TRNG_BASE32		0x84000000u
#define TRNG_BASE64		0xc4000000u

#define W32	0x1u
#define W64	0x2u

/*
 * DEN 0098 section 2.3: the UUID identifies this TRNG implementation.
 * Random (v4) UUID for hotvm's getrandom()-backed source.
 * ac57e442-6841-4029-b36a-62bf7b9fc9d1
 */
static const uint8_t trng_uuid[16] = {
	0xac, 0x57, 0xe4, 0x42, 0x68, 0x41, 0x40, 0x29,
	0xb3, 0x6a, 0x62, 0xbf, 0x7b, 0x9f, 0xc9, 0xd1,
};

struct trng_fn {
	void (*handler)(struct fw_call *c, bool smc64);
	uint8_t widths;
	uint8_t nargs;
};

static const struct trng_fn *trng_lookup(uint32_t id);

static void set_ret(struct fw_call *c, int64_t x0)
{
	c->ret[0] = (uint64_t)x0;
	c->nret = 1;
}

static void trng_version(struct fw_call *c, bool smc64)
{
	(void)smc64;
	set_ret(c, TRNG_VERSION_1_0);
}

/* Section 2.2: SUCCESS for an implemented function ID, else NOT_SUPPORTED */
static void trng_features(struct fw_call *c, bool smc64)
{
	(void)smc64;
	set_ret(c, trng_lookup((uint32_t)c->args[0]) ? TRNG_SUCCESS :
						       TRNG_NOT_SUPPORTED);
}

/* Section 2.3: the UUID in w0..w3, each word little-endian */
static void trng_get_uuid(struct fw_call *c, bool smc64)
{
	int i;

	(void)smc64;
	for (i = 0; i < 4; i++) {
		const uint8_t *b = &trng_uuid[4 * i];

		c->ret[i] = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
			    (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	}
	c->nret = 4;
}

static bool get_entropy(uint64_t *buf, size_t len)
{
	uint8_t *p = (uint8_t *)buf;
	ssize_t n;

	while (len) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * Section 2.4: N bits, 1..96 (RND32) or 1..192 (RND64), returned right
 * aligned in x1:x2:x3 (x3 holds the least significant bits), each register
 * 32 bits wide for RND32. Unused bits and, on failure, x1..x3 are zero.
 */
static void trng_rnd(struct fw_call *c, bool smc64)
{
	unsigned int width = smc64 ? 64 : 32;
	uint64_t n = c->args[0], bits[3] = { 0, 0, 0 }, mask;
	unsigned int i, w;

	c->nret = 4;
	c->ret[1] = c->ret[2] = c->ret[3] = 0;
	if (n == 0 || n > 3 * width) {
		c->ret[0] = (uint64_t)(int64_t)TRNG_INVALID_PARAMETER;
		return;
	}
	if (!get_entropy(bits, sizeof(bits))) {
		c->ret[0] = (uint64_t)(int64_t)TRNG_NO_ENTROPY;
		return;
	}
	/* word i holds bits [i*width, (i+1)*width) of the N requested */
	for (i = 0; i < 3; i++) {
		w = 0;
		if (n > i * width) {
			w = n - i * width >= width ? width :
						     (unsigned int)(n - i * width);
		}
		mask = w == 64 ? UINT64_MAX : ((uint64_t)1 << w) - 1;
		c->ret[3 - i] = bits[i] & mask;
	}
	c->ret[0] = TRNG_SUCCESS;
}

static const struct trng_fn trng_fns[FW_TRNG_LAST - FW_TRNG_FIRST + 1] = {
	[0x0] = { trng_version, W32, 0 },
	[0x1] = { trng_features, W32, 1 },
	[0x2] = { trng_get_uuid, W32, 0 },
	[0x3] = { trng_rnd, W32 | W64, 1 },
};

static const struct trng_fn *trng_lookup(uint32_t id)
{
	uint32_t fn = id & FW_SMCCC_FN_MASK;
	const struct trng_fn *f;

	if ((id & ~(FW_SMCCC_SMC64 | FW_SMCCC_FN_MASK)) != TRNG_BASE32) {
		return NULL;
	}
	if (fn < FW_TRNG_FIRST || fn > FW_TRNG_LAST) {
		return NULL;
	}
	f = &trng_fns[fn - FW_TRNG_FIRST];
	if (!f->handler) {
		return NULL;
	}
	if (!(f->widths & ((id & FW_SMCCC_SMC64) ? W64 : W32))) {
		return NULL;
	}
	return f;
}

static void trng_handle(void *opaque, unsigned int cpu, const void *fn,
			struct fw_call *c)
{
	const struct trng_fn *f = fn;

	(void)opaque;
	(void)cpu;
	f->handler(c, c->id & FW_SMCCC_SMC64);
}

/* Lock held (fw_resolve): one table entry gives nargs and the handler. */
static bool trng_lookup_fn(void *opaque, uint32_t id, struct fw_fn *out)
{
	struct fw *fw = opaque;
	const struct trng_fn *f = trng_lookup(id);

	if (!f) {
		return false;
	}
	out->nargs = f->nargs;
	out->handler = trng_handle;
	out->fn = f;
	out->counter = &fw->trng_calls;
	return true;
}

int trng_register(struct fw *fw)
{
	const struct fw_service svc = {
		.name = "trng",
		.lookup = trng_lookup_fn,
		.opaque = fw,
	};
	int ret;

	ret = fw_register(fw, TRNG_BASE32 + FW_TRNG_FIRST,
			  TRNG_BASE32 + FW_TRNG_LAST, &svc);
	if (ret) {
		return ret;
	}
	return fw_register(fw, TRNG_BASE64 + FW_TRNG_FIRST,
			   TRNG_BASE64 + FW_TRNG_LAST, &svc);
}
