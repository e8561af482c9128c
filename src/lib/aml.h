/* SPDX-License-Identifier: MIT */
/*
 * A small AML (ACPI Machine Language) encoder: enough to generate hotvm's
 * DSDT (ACPI 6.5 chapter 20, "ACPI Machine Language Specification").
 *
 * Output goes into a caller-provided buffer. Errors are sticky: a write past
 * the end sets ->overflow, a misuse (unbalanced or too deep nesting, a bad
 * name, a package longer than 2^28 bytes) sets ->bad, and every later call
 * is a no-op; check aml_error() once at the end.
 *
 * Constructs with a PkgLength (Scope, Device, Method, If, Else, While,
 * Field, Buffer, Package) are opened with aml_*_begin() and closed with
 * aml_end() (aml_buffer_end() for a buffer): the encoder reserves four bytes
 * for the length and shrinks it to the shortest encoding when the construct
 * is closed. Operators are written prefix-style: emit the opcode with its
 * helper, then its operands in order, e.g. Store (Local0, CSEL) is
 * aml_op(a, AML_STORE); aml_local(a, 0); aml_name(a, "CSEL").
 */
#ifndef HOTVM_AML_H
#define HOTVM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_DEPTH 16
/*
 * While constructs are open the output is longer than it will be once they
 * are closed (a 4-byte PkgLength reserved for each, 5 bytes for a buffer's
 * size): room an encoder needs beyond its final length.
 */
#define AML_SLACK (4 * AML_DEPTH + 5)

/* One-byte opcodes used as operators (aml_op) */
#define AML_ZERO	  0x00
#define AML_ONE		  0x01
#define AML_STORE	  0x70
#define AML_ADD		  0x72
#define AML_SUBTRACT	  0x74
#define AML_INCREMENT	  0x75
#define AML_DECREMENT	  0x76
#define AML_SHIFT_LEFT	  0x79
#define AML_SHIFT_RIGHT	  0x7a
#define AML_AND		  0x7b
#define AML_OR		  0x7d
#define AML_NOTIFY	  0x86
#define AML_LAND	  0x90
#define AML_LOR		  0x91
#define AML_LNOT	  0x92
#define AML_LEQUAL	  0x93
#define AML_LGREATER	  0x94
#define AML_LLESS	  0x95
#define AML_RETURN	  0xa4
#define AML_BREAK	  0xa5
#define AML_ONES	  0xff

/* OperationRegion spaces, Field access types and update rules */
#define AML_SYSTEM_MEMORY 0x00
#define AML_ACC_ANY	  0
#define AML_ACC_BYTE	  1
#define AML_ACC_WORD	  2
#define AML_ACC_DWORD	  3
#define AML_ACC_QWORD	  4
#define AML_LOCK	  0x10
#define AML_PRESERVE	  0x00
#define AML_WRITE_ONES	  0x20
#define AML_WRITE_ZEROS	  0x40

/* Extended Interrupt descriptor flags (ACPI 6.5 6.4.3.6) */
#define AML_IRQ_CONSUMER  0x01
#define AML_IRQ_EDGE	  0x02
#define AML_IRQ_LOW	  0x04
#define AML_IRQ_SHARED	  0x08

struct aml {
	uint8_t *buf;
	size_t size;
	size_t len;		/* bytes written (may exceed size: then overflow) */
	bool overflow;
	bool bad;
	unsigned int depth;
	struct aml_open {
		size_t start;	/* first byte after the reserved PkgLength */
		size_t data;	/* buffer: first data byte after the reserved size */
		bool buffer;
	} open[AML_DEPTH];
};

/* @buf NULL: measure only (->len is the final length; nothing is written) */
void aml_init(struct aml *a, uint8_t *buf, size_t size);
/* 0: complete and balanced; -ENOSPC: the buffer was too small; -EINVAL: misuse */
int aml_error(const struct aml *a);

void aml_byte(struct aml *a, uint8_t v);
void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_u16(struct aml *a, uint16_t v);
void aml_u32(struct aml *a, uint32_t v);
void aml_u64(struct aml *a, uint64_t v);

/*
 * PkgLength encoding of @len (which counts the PkgLength bytes themselves)
 * into @out: its size (1..4), or 0 if @len does not fit in 28 bits.
 */
unsigned int aml_pkglen_encode(size_t len, uint8_t out[4]);

/*
 * A NameString: optional root "\" or parent "^" prefixes, then NameSegs
 * separated by '.', each 1..4 characters of [A-Z0-9_] (the first not a
 * digit), padded with '_'. "" is the NullName.
 */
void aml_name(struct aml *a, const char *path);
/* The smallest integer encoding: Zero, One, Ones (~0), Byte/Word/DWord/QWordConst */
void aml_int(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
/* An EISA ID "ABC1234" as a DWordConst (ACPI 6.5 19.6.35, EISAID macro) */
void aml_eisaid(struct aml *a, const char *id);
uint32_t aml_eisaid_value(const char *id);
void aml_local(struct aml *a, unsigned int n);	/* Local0..Local7 */
void aml_arg(struct aml *a, unsigned int n);	/* Arg0..Arg6 */
void aml_op(struct aml *a, uint8_t opcode);

/* Name (NAME, ...): the caller emits the data object */
void aml_name_decl(struct aml *a, const char *name);
void aml_mutex(struct aml *a, const char *name, unsigned int sync_level);
void aml_acquire(struct aml *a, const char *mutex, uint16_t timeout);
void aml_release(struct aml *a, const char *mutex);
/* OperationRegion (NAME, space, offset, length) */
void aml_opregion(struct aml *a, const char *name, uint8_t space, uint64_t offset,
		  uint64_t length);

void aml_scope_begin(struct aml *a, const char *name);
void aml_device_begin(struct aml *a, const char *name);
void aml_method_begin(struct aml *a, const char *name, unsigned int nargs, bool serialized);
void aml_if_begin(struct aml *a);	/* then the predicate, then the body */
void aml_else_begin(struct aml *a);
void aml_while_begin(struct aml *a);	/* then the predicate, then the body */
/* Field (REGION, flags) { units }: then aml_field_unit()s, aml_end() */
void aml_field_begin(struct aml *a, const char *region, uint8_t flags);
void aml_field_unit(struct aml *a, const char *name, unsigned int bits); /* "": reserved */
void aml_package_begin(struct aml *a, unsigned int nelem);
void aml_end(struct aml *a);

/* Buffer (n) { bytes }: bytes follow, aml_buffer_end() writes the size */
void aml_buffer_begin(struct aml *a);
void aml_buffer_end(struct aml *a);

/* ResourceTemplate () { ... }: a Buffer whose last descriptor is an End Tag */
void aml_restemplate_begin(struct aml *a);
void aml_restemplate_end(struct aml *a);
void aml_res_memory32_fixed(struct aml *a, uint32_t base, uint32_t length, bool rw);
void aml_res_qword_memory(struct aml *a, uint64_t base, uint64_t length, bool rw);
/* Memory32Fixed if [base, base+length) is below 4 GiB, else QWordMemory */
void aml_res_memory(struct aml *a, uint64_t base, uint64_t length, bool rw);
void aml_res_interrupt(struct aml *a, uint8_t flags, uint32_t gsi);

#endif
