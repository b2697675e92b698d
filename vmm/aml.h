/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny AML (ACPI Machine Language) byte emitter: just what vigil's DSDT
 * needs. Encodings follow ACPI 6.3 chapter 20 (AML grammar) and section 6.4
 * (resource descriptors).
 *
 * Every emitter writes into a caller-supplied buffer with bounds checks. The
 * first error (-ENOSPC when the buffer is full, -EINVAL for a malformed name
 * or value) sticks in b->err and turns later calls into no-ops, so a builder
 * emits a whole table and checks b->err once at the end.
 *
 * Objects with a PkgLength (Scope, Device, Package, Buffer) are opened with
 * an aml_*_begin() call that returns a mark and closed with aml_end(b, mark),
 * which encodes the length once the contents are known:
 *
 *	size_t dev = aml_device_begin(b, "COM1");
 *	aml_name_decl(b, "_UID");
 *	aml_integer(b, 0);
 *	aml_end(b, dev);
 */
#ifndef VIGIL_AML_H
#define VIGIL_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml_buf {
	uint8_t *data;
	size_t cap;
	size_t len;
	int err; /* 0, or the first error: -ENOSPC, -EINVAL */
};

/* Flags of an Extended Interrupt descriptor (ACPI 6.3, 6.4.3.6). */
enum aml_irq_flags {
	AML_IRQ_CONSUMER = 1u << 0,
	AML_IRQ_EDGE = 1u << 1,	      /* clear: level-triggered */
	AML_IRQ_ACTIVE_LOW = 1u << 2, /* clear: active-high */
	AML_IRQ_SHARED = 1u << 3,     /* clear: exclusive */
};

void aml_init(struct aml_buf *b, void *data, size_t cap);
void aml_bytes(struct aml_buf *b, const void *bytes, size_t n);
void aml_byte(struct aml_buf *b, uint8_t v);
/* A little-endian field of nbytes (1..8) bytes, no prefix. */
void aml_le(struct aml_buf *b, uint64_t v, unsigned int nbytes);

/* Data objects: the shortest of ZeroOp/OneOp/Byte/Word/DWord/QWordConst. */
void aml_integer(struct aml_buf *b, uint64_t v);
void aml_string(struct aml_buf *b, const char *s);
/* EISAID("PNP0501"): the compressed 32-bit EISA id as a DWordConst. */
void aml_eisaid(struct aml_buf *b, const char *id);

/* A NameString of one 4-character NameSeg, relative to the current scope. */
void aml_name(struct aml_buf *b, const char *name);
/* DefName header; the caller emits the value next. */
void aml_name_decl(struct aml_buf *b, const char *name);

size_t aml_scope_begin(struct aml_buf *b, const char *name);
size_t aml_device_begin(struct aml_buf *b, const char *name);
size_t aml_package_begin(struct aml_buf *b, uint8_t nr_elements);
/* Close the object opened at mark by writing its PkgLength. */
void aml_end(struct aml_buf *b, size_t mark);
/* DefBuffer holding the bytes of another aml_buf (e.g. a resource list). */
void aml_buffer(struct aml_buf *b, const struct aml_buf *contents);

/* Resource descriptors, for a ResourceTemplate built in its own aml_buf. */
void aml_res_io16(struct aml_buf *b, uint16_t min, uint16_t max, uint8_t align,
		  uint8_t len);
void aml_res_irq_noflags(struct aml_buf *b, unsigned int irq);
void aml_res_memory32_fixed(struct aml_buf *b, uint32_t base, uint32_t size,
			    bool writable);
void aml_res_interrupt(struct aml_buf *b, uint32_t gsi, unsigned int flags);
void aml_res_end(struct aml_buf *b);

#endif
