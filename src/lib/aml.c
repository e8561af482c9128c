// SPDX-License-Identifier: MIT
/*
 * AML encoder (see aml.h). Encodings from the ACPI 6.5 specification,
 * chapter 20 (AML grammar) and 6.4 (resource data types).
 */
#include <errno.h>
#include <string.h>

#include "lib/aml.h"

#define EXT_OP		0x5b
#define EXT_MUTEX	0x01
#define EXT_ACQUIRE	0x23
#define EXT_RELEASE	0x27
#define EXT_OPREGION	0x80
#define EXT_FIELD	0x81
#define EXT_DEVICE	0x82

#define OP_NAME		0x08
#define OP_SCOPE	0x10
#define OP_BUFFER	0x11
#define OP_PACKAGE	0x12
#define OP_METHOD	0x14
#define OP_BYTE		0x0a
#define OP_WORD		0x0b
#define OP_DWORD	0x0c
#define OP_STRING	0x0d
#define OP_QWORD	0x0e
#define OP_LOCAL0	0x60
#define OP_ARG0		0x68
#define OP_IF		0xa0
#define OP_ELSE		0xa1
#define OP_WHILE	0xa2

#define PREFIX_ROOT	'\\'
#define PREFIX_PARENT	'^'
#define PREFIX_DUAL	0x2e
#define PREFIX_MULTI	0x2f

#define PKGLEN_MAX	(1u << 28)
#define PKGLEN_RESERVE	4

void aml_init(struct aml *a, uint8_t *buf, size_t size)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->size = size;
}

int aml_error(const struct aml *a)
{
	/* after an overflow, constructs stay open: that is no misuse */
	if (a->bad) {
		return -EINVAL;
	}
	if (a->overflow) {
		return -ENOSPC;
	}
	return a->depth ? -EINVAL : 0;
}

static bool aml_ok(const struct aml *a)
{
	return !a->bad && !a->overflow;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (!aml_ok(a)) {
		return;
	}
	if (!a->buf) {
		a->len += n; /* measuring */
		return;
	}
	if (n > a->size - a->len) {
		a->overflow = true;
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t v)
{
	aml_bytes(a, &v, 1);
}

void aml_u16(struct aml *a, uint16_t v)
{
	uint8_t b[2] = { v & 0xff, v >> 8 };

	aml_bytes(a, b, sizeof(b));
}

void aml_u32(struct aml *a, uint32_t v)
{
	aml_u16(a, v & 0xffff);
	aml_u16(a, v >> 16);
}

void aml_u64(struct aml *a, uint64_t v)
{
	aml_u32(a, (uint32_t)v);
	aml_u32(a, (uint32_t)(v >> 32));
}

unsigned int aml_pkglen_encode(size_t len, uint8_t out[4])
{
	unsigned int n;

	if (len < 0x40) {
		out[0] = (uint8_t)len;
		return 1;
	}
	if (len >= PKGLEN_MAX) {
		return 0;
	}
	/* byte 0: bits 7-6 the number of following bytes, 3-0 the low nibble */
	n = len < (1u << 12) ? 2 : len < (1u << 20) ? 3 : 4;
	out[0] = (uint8_t)(((n - 1) << 6) | (len & 0xf));
	for (unsigned int i = 1; i < n; i++) {
		out[i] = (uint8_t)(len >> (4 + 8 * (i - 1)));
	}
	return n;
}

/* Open a construct: reserve the PkgLength, remember where its body starts. */
static void pkg_open(struct aml *a, bool buffer)
{
	static const uint8_t zero[PKGLEN_RESERVE];

	if (!aml_ok(a)) {
		return;
	}
	if (a->depth == AML_DEPTH) {
		a->bad = true;
		return;
	}
	aml_bytes(a, zero, sizeof(zero));
	a->open[a->depth].start = a->len;
	a->open[a->depth].data = a->len;
	a->open[a->depth].buffer = buffer;
	a->depth++;
}

/* Close the innermost construct: write its PkgLength in the fewest bytes. */
static void pkg_close(struct aml *a)
{
	size_t start, body;
	uint8_t enc[4];
	unsigned int n;

	start = a->open[a->depth - 1].start;
	body = a->len - start;
	/* the PkgLength counts its own bytes: try 1, 2, 3, 4 */
	n = 0;
	for (unsigned int want = 1; want <= 4; want++) {
		n = aml_pkglen_encode(body + want, enc);
		if (n == want) {
			break;
		}
		n = 0;
	}
	if (n == 0) {
		a->bad = true;
		return;
	}
	if (a->buf) {
		memmove(a->buf + start - PKGLEN_RESERVE + n, a->buf + start, body);
		memcpy(a->buf + start - PKGLEN_RESERVE, enc, n);
	}
	a->len -= PKGLEN_RESERVE - n;
	a->depth--;
}

void aml_end(struct aml *a)
{
	if (!aml_ok(a)) {
		return;
	}
	if (a->depth == 0 || a->open[a->depth - 1].buffer) {
		a->bad = true;
		return;
	}
	pkg_close(a);
}

static bool seg_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

void aml_name(struct aml *a, const char *path)
{
	const char *p = path, *s;
	unsigned int nsegs = 0;

	if (*p == PREFIX_ROOT) {
		aml_byte(a, PREFIX_ROOT);
		p++;
	} else {
		while (*p == PREFIX_PARENT) {
			aml_byte(a, PREFIX_PARENT);
			p++;
		}
	}
	if (*p == '\0') {
		aml_byte(a, 0x00); /* NullName */
		return;
	}
	for (s = p; *s; s++) {
		if (*s == '.') {
			nsegs++;
		}
	}
	nsegs++;
	if (nsegs > 255) {
		a->bad = true;
		return;
	}
	if (nsegs == 2) {
		aml_byte(a, PREFIX_DUAL);
	} else if (nsegs > 2) {
		aml_byte(a, PREFIX_MULTI);
		aml_byte(a, (uint8_t)nsegs);
	}
	for (unsigned int i = 0; i < nsegs; i++) {
		char seg[4] = { '_', '_', '_', '_' };
		unsigned int n = 0;

		for (; *p && *p != '.'; p++, n++) {
			if (n == 4 || !seg_char(*p, n == 0)) {
				a->bad = true;
				return;
			}
			seg[n] = *p;
		}
		if (n == 0) {
			a->bad = true;
			return;
		}
		aml_bytes(a, seg, sizeof(seg));
		if (*p == '.') {
			p++;
		}
	}
}

void aml_int(struct aml *a, uint64_t v)
{
	if (v == 0) {
		aml_byte(a, AML_ZERO);
	} else if (v == 1) {
		aml_byte(a, AML_ONE);
	} else if (v == UINT64_MAX) {
		aml_byte(a, AML_ONES);
	} else if (v <= UINT8_MAX) {
		aml_byte(a, OP_BYTE);
		aml_byte(a, (uint8_t)v);
	} else if (v <= UINT16_MAX) {
		aml_byte(a, OP_WORD);
		aml_u16(a, (uint16_t)v);
	} else if (v <= UINT32_MAX) {
		aml_byte(a, OP_DWORD);
		aml_u32(a, (uint32_t)v);
	} else {
		aml_byte(a, OP_QWORD);
		aml_u64(a, v);
	}
}

void aml_string(struct aml *a, const char *s)
{
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p > 0x7f) {
			a->bad = true;
			return;
		}
	}
	aml_byte(a, OP_STRING);
	aml_bytes(a, s, strlen(s) + 1);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

uint32_t aml_eisaid_value(const char *id)
{
	uint32_t vendor = 0, product = 0;

	if (strlen(id) != 7) {
		return 0;
	}
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			return 0;
		}
		vendor = vendor << 5 | (uint32_t)(id[i] - 0x40);
	}
	for (int i = 3; i < 7; i++) {
		int h = hexval(id[i]);

		if (h < 0) {
			return 0;
		}
		product = product << 4 | (uint32_t)h;
	}
	/* both 16-bit halves are stored big-endian */
	return (vendor >> 8) | (vendor & 0xff) << 8 | (product >> 8) << 16 | (product & 0xff) << 24;
}

void aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v = aml_eisaid_value(id);

	if (v == 0) {
		a->bad = true;
		return;
	}
	aml_byte(a, OP_DWORD);
	aml_u32(a, v);
}

void aml_local(struct aml *a, unsigned int n)
{
	if (n > 7) {
		a->bad = true;
		return;
	}
	aml_byte(a, (uint8_t)(OP_LOCAL0 + n));
}

void aml_arg(struct aml *a, unsigned int n)
{
	if (n > 6) {
		a->bad = true;
		return;
	}
	aml_byte(a, (uint8_t)(OP_ARG0 + n));
}

void aml_op(struct aml *a, uint8_t opcode)
{
	aml_byte(a, opcode);
}

void aml_name_decl(struct aml *a, const char *name)
{
	aml_byte(a, OP_NAME);
	aml_name(a, name);
}

void aml_mutex(struct aml *a, const char *name, unsigned int sync_level)
{
	if (sync_level > 15) {
		a->bad = true;
		return;
	}
	aml_byte(a, EXT_OP);
	aml_byte(a, EXT_MUTEX);
	aml_name(a, name);
	aml_byte(a, (uint8_t)sync_level);
}

void aml_acquire(struct aml *a, const char *mutex, uint16_t timeout)
{
	aml_byte(a, EXT_OP);
	aml_byte(a, EXT_ACQUIRE);
	aml_name(a, mutex);
	aml_u16(a, timeout);
}

void aml_release(struct aml *a, const char *mutex)
{
	aml_byte(a, EXT_OP);
	aml_byte(a, EXT_RELEASE);
	aml_name(a, mutex);
}

void aml_opregion(struct aml *a, const char *name, uint8_t space, uint64_t offset,
		  uint64_t length)
{
	aml_byte(a, EXT_OP);
	aml_byte(a, EXT_OPREGION);
	aml_name(a, name);
	aml_byte(a, space);
	aml_int(a, offset);
	aml_int(a, length);
}

void aml_scope_begin(struct aml *a, const char *name)
{
	aml_byte(a, OP_SCOPE);
	pkg_open(a, false);
	aml_name(a, name);
}

void aml_device_begin(struct aml *a, const char *name)
{
	aml_byte(a, EXT_OP);
	aml_byte(a, EXT_DEVICE);
	pkg_open(a, false);
	aml_name(a, name);
}

void aml_method_begin(struct aml *a, const char *name, unsigned int nargs, bool serialized)
{
	if (nargs > 7) {
		a->bad = true;
		return;
	}
	aml_byte(a, OP_METHOD);
	pkg_open(a, false);
	aml_name(a, name);
	/* MethodFlags: bits 0-2 ArgCount, bit 3 SerializeFlag, bits 4-7 SyncLevel 0 */
	aml_byte(a, (uint8_t)(nargs | (serialized ? 0x08 : 0)));
}

void aml_if_begin(struct aml *a)
{
	aml_byte(a, OP_IF);
	pkg_open(a, false);
}

void aml_else_begin(struct aml *a)
{
	aml_byte(a, OP_ELSE);
	pkg_open(a, false);
}

void aml_while_begin(struct aml *a)
{
	aml_byte(a, OP_WHILE);
	pkg_open(a, false);
}

void aml_field_begin(struct aml *a, const char *region, uint8_t flags)
{
	aml_byte(a, EXT_OP);
	aml_byte(a, EXT_FIELD);
	pkg_open(a, false);
	aml_name(a, region);
	aml_byte(a, flags);
}

void aml_field_unit(struct aml *a, const char *name, unsigned int bits)
{
	uint8_t enc[4];
	unsigned int n = aml_pkglen_encode(bits, enc);

	if (n == 0 || bits == 0 || strchr(name, '.') || name[0] == '\\' || name[0] == '^') {
		a->bad = true;
		return;
	}
	if (*name == '\0') {
		aml_byte(a, 0x00); /* ReservedField */
	} else {
		aml_name(a, name);
	}
	aml_bytes(a, enc, n);
}

void aml_package_begin(struct aml *a, unsigned int nelem)
{
	if (nelem > 255) {
		a->bad = true;
		return;
	}
	aml_byte(a, OP_PACKAGE);
	pkg_open(a, false);
	aml_byte(a, (uint8_t)nelem);
}

/* The BufferSize operand is reserved as a DWordConst and shrunk on close. */
#define BUFSIZE_RESERVE 5

void aml_buffer_begin(struct aml *a)
{
	static const uint8_t zero[BUFSIZE_RESERVE];

	aml_byte(a, OP_BUFFER);
	pkg_open(a, true);
	aml_bytes(a, zero, sizeof(zero));
	if (aml_ok(a)) {
		a->open[a->depth - 1].data = a->len;
	}
}

void aml_buffer_end(struct aml *a)
{
	struct aml_open *o;
	struct aml enc;
	uint8_t tmp[9];
	size_t n;

	if (!aml_ok(a)) {
		return;
	}
	if (a->depth == 0 || !a->open[a->depth - 1].buffer) {
		a->bad = true;
		return;
	}
	o = &a->open[a->depth - 1];
	n = a->len - o->data;
	aml_init(&enc, tmp, sizeof(tmp));
	aml_int(&enc, n);
	if (a->buf) {
		memmove(a->buf + o->start + enc.len, a->buf + o->data, n);
		memcpy(a->buf + o->start, tmp, enc.len);
	}
	a->len -= BUFSIZE_RESERVE - enc.len;
	pkg_close(a);
}

void aml_restemplate_begin(struct aml *a)
{
	aml_buffer_begin(a);
}

void aml_restemplate_end(struct aml *a)
{
	/* End Tag (small item 0xf, length 1); checksum 0: "treated as correct" */
	aml_byte(a, 0x79);
	aml_byte(a, 0x00);
	aml_buffer_end(a);
}

void aml_res_memory32_fixed(struct aml *a, uint32_t base, uint32_t length, bool rw)
{
	/* large item 0x06, 9 data bytes: information (bit 0: read-write), base, length */
	aml_byte(a, 0x86);
	aml_u16(a, 9);
	aml_byte(a, rw ? 1 : 0);
	aml_u32(a, base);
	aml_u32(a, length);
}

void aml_res_qword_memory(struct aml *a, uint64_t base, uint64_t length, bool rw)
{
	if (length == 0 || base + length - 1 < base) {
		a->bad = true;
		return;
	}
	/* large item 0x0a, 43 data bytes */
	aml_byte(a, 0x8a);
	aml_u16(a, 43);
	aml_byte(a, 0x00);		/* resource type: memory range */
	aml_byte(a, 0x0d);		/* consumer, min and max fixed, positive decode */
	aml_byte(a, rw ? 0x01 : 0x00);	/* non-cacheable, read-write */
	aml_u64(a, 0);			/* granularity */
	aml_u64(a, base);		/* minimum */
	aml_u64(a, base + length - 1);	/* maximum */
	aml_u64(a, 0);			/* translation offset */
	aml_u64(a, length);
}

void aml_res_memory(struct aml *a, uint64_t base, uint64_t length, bool rw)
{
	if (length != 0 && base + length <= (1ull << 32) && base + length > base) {
		aml_res_memory32_fixed(a, (uint32_t)base, (uint32_t)length, rw);
	} else {
		aml_res_qword_memory(a, base, length, rw);
	}
}

void aml_res_interrupt(struct aml *a, uint8_t flags, uint32_t gsi)
{
	/* large item 0x09: flags, table length 1, one interrupt number */
	aml_byte(a, 0x89);
	aml_u16(a, 6);
	aml_byte(a, flags);
	aml_byte(a, 1);
	aml_u32(a, gsi);
}
