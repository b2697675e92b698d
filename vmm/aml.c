// SPDX-License-Identifier: GPL-2.0-only
/*
 * AML byte emitter. Opcode values and encodings: ACPI 6.3, section 20.2
 * (AML grammar) and section 6.4 (resource data types).
 */
#include "vmm/aml.h"

#include <errno.h>
#include <string.h>

/* 20.2.3 Data objects */
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
/* 20.2.5 Term objects */
#define AML_NAME_OP 0x08
#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_PACKAGE_OP 0x12
#define AML_EXT_OP_PREFIX 0x5b
#define AML_EXT_DEVICE_OP 0x82
/* 20.2.2 Name objects */
#define AML_NAMESEG_LEN 4

/* 6.4.2 small and 6.4.3 large resource descriptor headers */
#define AML_RES_IRQ_NOFLAGS 0x22 /* IRQ, 2 bytes of data: no flags byte */
#define AML_RES_IO 0x47		 /* I/O port, 7 bytes of data */
#define AML_RES_END_TAG 0x79	 /* End tag, 1 byte of data */
#define AML_RES_MEMORY32_FIXED 0x86
#define AML_RES_EXT_INTERRUPT 0x89
#define AML_RES_IO_DECODE16 0x01

/* 20.2.4 PkgLength: the largest length each encoding size can hold. */
#define AML_PKGLEN_1BYTE_MAX 0x3fu
#define AML_PKGLEN_MAX 0x0fffffffu

void aml_init(struct aml_buf *b, void *data, size_t cap)
{
	b->data = data;
	b->cap = cap;
	b->len = 0;
	b->err = 0;
}

static void aml_fail(struct aml_buf *b, int err)
{
	if (!b->err)
		b->err = err;
}

void aml_bytes(struct aml_buf *b, const void *bytes, size_t n)
{
	if (b->err)
		return;
	if (n > b->cap - b->len) {
		aml_fail(b, -ENOSPC);
		return;
	}
	memcpy(b->data + b->len, bytes, n);
	b->len += n;
}

void aml_byte(struct aml_buf *b, uint8_t v)
{
	aml_bytes(b, &v, 1);
}

void aml_le(struct aml_buf *b, uint64_t v, unsigned int nbytes)
{
	uint8_t le[8];
	unsigned int i;

	if (nbytes > sizeof(le)) {
		aml_fail(b, -EINVAL);
		return;
	}
	for (i = 0; i < nbytes; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	aml_bytes(b, le, nbytes);
}

void aml_integer(struct aml_buf *b, uint64_t v)
{
	if (v == 0) {
		aml_byte(b, AML_ZERO_OP);
	} else if (v == 1) {
		aml_byte(b, AML_ONE_OP);
	} else if (v <= UINT8_MAX) {
		aml_byte(b, AML_BYTE_PREFIX);
		aml_le(b, v, 1);
	} else if (v <= UINT16_MAX) {
		aml_byte(b, AML_WORD_PREFIX);
		aml_le(b, v, 2);
	} else if (v <= UINT32_MAX) {
		aml_byte(b, AML_DWORD_PREFIX);
		aml_le(b, v, 4);
	} else {
		aml_byte(b, AML_QWORD_PREFIX);
		aml_le(b, v, 8);
	}
}

/* String := StringPrefix AsciiCharList NullChar, AsciiChar 0x01..0x7f */
void aml_string(struct aml_buf *b, const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] > 0x7f) {
			aml_fail(b, -EINVAL);
			return;
		}
	}
	aml_byte(b, AML_STRING_PREFIX);
	aml_bytes(b, s, n + 1);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * EISAID: three letters of 5 bits each ('A' is 1) and four hex digits, stored
 * big-endian: "PNP0501" is the bytes 41 d0 05 01.
 */
void aml_eisaid(struct aml_buf *b, const char *id)
{
	uint8_t bytes[4];
	uint16_t vendor = 0;
	unsigned int i;
	int hi, lo;

	if (strlen(id) != 7) {
		aml_fail(b, -EINVAL);
		return;
	}
	for (i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			aml_fail(b, -EINVAL);
			return;
		}
		vendor = (uint16_t)(vendor << 5 | (id[i] - 'A' + 1));
	}
	bytes[0] = (uint8_t)(vendor >> 8);
	bytes[1] = (uint8_t)vendor;
	for (i = 0; i < 2; i++) {
		hi = hex_digit(id[3 + 2 * i]);
		lo = hex_digit(id[4 + 2 * i]);
		if (hi < 0 || lo < 0) {
			aml_fail(b, -EINVAL);
			return;
		}
		bytes[2 + i] = (uint8_t)(hi << 4 | lo);
	}
	aml_byte(b, AML_DWORD_PREFIX);
	aml_bytes(b, bytes, sizeof(bytes));
}

/* NameSeg := LeadNameChar NameChar NameChar NameChar; A-Z, '_', digits */
static bool aml_nameseg_valid(const char *seg)
{
	unsigned int i;
	char c;

	if (strlen(seg) != AML_NAMESEG_LEN)
		return false;
	for (i = 0; i < AML_NAMESEG_LEN; i++) {
		c = seg[i];
		if ((c >= 'A' && c <= 'Z') || c == '_')
			continue;
		if (i > 0 && c >= '0' && c <= '9')
			continue;
		return false;
	}
	return true;
}

void aml_name(struct aml_buf *b, const char *name)
{
	if (!aml_nameseg_valid(name)) {
		aml_fail(b, -EINVAL);
		return;
	}
	aml_bytes(b, name, AML_NAMESEG_LEN);
}

void aml_name_decl(struct aml_buf *b, const char *name)
{
	aml_byte(b, AML_NAME_OP);
	aml_name(b, name);
}

/*
 * The contents of a package object follow its PkgLength, whose own size (1
 * to 4 bytes) depends on the contents' length: the mark records where the
 * PkgLength goes and aml_end() inserts it there.
 */
static size_t aml_pkg_begin(struct aml_buf *b)
{
	return b->len;
}

size_t aml_scope_begin(struct aml_buf *b, const char *name)
{
	size_t mark;

	aml_byte(b, AML_SCOPE_OP);
	mark = aml_pkg_begin(b);
	aml_name(b, name);
	return mark;
}

size_t aml_device_begin(struct aml_buf *b, const char *name)
{
	size_t mark;

	aml_byte(b, AML_EXT_OP_PREFIX);
	aml_byte(b, AML_EXT_DEVICE_OP);
	mark = aml_pkg_begin(b);
	aml_name(b, name);
	return mark;
}

size_t aml_package_begin(struct aml_buf *b, uint8_t nr_elements)
{
	size_t mark;

	aml_byte(b, AML_PACKAGE_OP);
	mark = aml_pkg_begin(b);
	aml_byte(b, nr_elements);
	return mark;
}

/*
 * PkgLength counts itself and the contents. One byte holds up to 63 in bits
 * 0-5. Longer: bits 6-7 of the lead byte give the number of bytes that
 * follow (1-3), bits 0-3 the low nibble, the following bytes the next 8 bits
 * each; bits 4-5 are zero.
 */
static unsigned int aml_pkglen_size(size_t contents)
{
	if (contents + 1 <= AML_PKGLEN_1BYTE_MAX)
		return 1;
	if (contents + 2 <= 0xfffu)
		return 2;
	if (contents + 3 <= 0xfffffu)
		return 3;
	return 4;
}

void aml_end(struct aml_buf *b, size_t mark)
{
	uint8_t enc[4];
	size_t contents, total;
	unsigned int n, i;

	if (b->err)
		return;
	if (mark > b->len) {
		aml_fail(b, -EINVAL);
		return;
	}
	contents = b->len - mark;
	n = aml_pkglen_size(contents);
	total = contents + n;
	if (total > AML_PKGLEN_MAX) {
		aml_fail(b, -EINVAL);
		return;
	}
	if (n > b->cap - b->len) {
		aml_fail(b, -ENOSPC);
		return;
	}
	if (n == 1) {
		enc[0] = (uint8_t)total;
	} else {
		enc[0] = (uint8_t)((n - 1) << 6 | (total & 0xf));
		for (i = 1; i < n; i++)
			enc[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	memmove(b->data + mark + n, b->data + mark, contents);
	memcpy(b->data + mark, enc, n);
	b->len += n;
}

/* DefBuffer := BufferOp PkgLength BufferSize ByteList */
void aml_buffer(struct aml_buf *b, const struct aml_buf *contents)
{
	size_t mark;

	if (contents->err) {
		aml_fail(b, contents->err);
		return;
	}
	aml_byte(b, AML_BUFFER_OP);
	mark = aml_pkg_begin(b);
	aml_integer(b, contents->len);
	aml_bytes(b, contents->data, contents->len);
	aml_end(b, mark);
}

/* 6.4.2.5 I/O Port Descriptor, 16-bit decode */
void aml_res_io16(struct aml_buf *b, uint16_t min, uint16_t max, uint8_t align,
		  uint8_t len)
{
	aml_byte(b, AML_RES_IO);
	aml_byte(b, AML_RES_IO_DECODE16);
	aml_le(b, min, 2);
	aml_le(b, max, 2);
	aml_byte(b, align);
	aml_byte(b, len);
}

/* 6.4.2.1 IRQ Descriptor without the flags byte: edge, active-high */
void aml_res_irq_noflags(struct aml_buf *b, unsigned int irq)
{
	if (irq > 15) {
		aml_fail(b, -EINVAL);
		return;
	}
	aml_byte(b, AML_RES_IRQ_NOFLAGS);
	aml_le(b, 1u << irq, 2);
}

/* 6.4.3.4 32-Bit Fixed Memory Range Descriptor */
void aml_res_memory32_fixed(struct aml_buf *b, uint32_t base, uint32_t size,
			    bool writable)
{
	aml_byte(b, AML_RES_MEMORY32_FIXED);
	aml_le(b, 9, 2); /* length of the data that follows */
	aml_byte(b, writable ? 1 : 0);
	aml_le(b, base, 4);
	aml_le(b, size, 4);
}

/* 6.4.3.6 Extended Interrupt Descriptor with one interrupt, no source */
void aml_res_interrupt(struct aml_buf *b, uint32_t gsi, unsigned int flags)
{
	aml_byte(b, AML_RES_EXT_INTERRUPT);
	aml_le(b, 6, 2); /* flags, table length, one 32-bit interrupt */
	aml_byte(b, (uint8_t)flags);
	aml_byte(b, 1);
	aml_le(b, gsi, 4);
}

/*
 * 6.4.2.9 End Tag. A zero checksum means "treat as correct", which is what
 * iasl itself emits.
 */
void aml_res_end(struct aml_buf *b)
{
	aml_byte(b, AML_RES_END_TAG);
	aml_byte(b, 0);
}
