// SPDX-License-Identifier: GPL-2.0-only
/*
 * AML reader. Grammar: ACPI 6.5, 20.2 "AML Grammar Definition"; resource
 * descriptors in _CRS buffers: 6.4 "Resource Data Types for ACPI". The
 * table comes from the VMM, so every length is checked against the end of
 * the enclosing object and nesting is bounded.
 */
#include <stdbool.h>

#include "aml.h"
#include "print.h"
#include "string.h"

/* 20.2.x opcodes */
#define ZERO_OP 0x00
#define ONE_OP 0x01
#define ALIAS_OP 0x06
#define NAME_OP 0x08
#define BYTE_PREFIX 0x0a
#define WORD_PREFIX 0x0b
#define DWORD_PREFIX 0x0c
#define STRING_PREFIX 0x0d
#define QWORD_PREFIX 0x0e
#define SCOPE_OP 0x10
#define BUFFER_OP 0x11
#define PACKAGE_OP 0x12
#define VAR_PACKAGE_OP 0x13
#define METHOD_OP 0x14
#define EXTERNAL_OP 0x15
#define DUAL_NAME_PREFIX 0x2e
#define MULTI_NAME_PREFIX 0x2f
#define EXT_OP_PREFIX 0x5b
#define ROOT_CHAR 0x5c
#define PARENT_PREFIX_CHAR 0x5e
#define IF_OP 0xa0
#define ELSE_OP 0xa1
#define WHILE_OP 0xa2
#define ONES_OP 0xff
/* after EXT_OP_PREFIX */
#define MUTEX_OP 0x01
#define EVENT_OP 0x02
#define OP_REGION_OP 0x80
#define FIELD_OP 0x81
#define DEVICE_OP 0x82
#define PROCESSOR_OP 0x83
#define POWER_RES_OP 0x84
#define THERMAL_ZONE_OP 0x85
#define INDEX_FIELD_OP 0x86
#define BANK_FIELD_OP 0x87

/* 6.4 resource descriptor tags */
#define RES_SMALL_IRQ 0x04	      /* 6.4.2.1 IRQ Descriptor */
#define RES_SMALL_END 0x0f	      /* 6.4.2.9 End Tag */
#define RES_LARGE_MEMORY32_FIXED 0x06 /* 6.4.3.4 */
#define RES_LARGE_EXT_IRQ 0x09	      /* 6.4.3.6 Extended Interrupt */
#define IRQ_INFO_EDGE 0x01	      /* IRQ descriptor byte 3, bit 0 */
#define IRQ_INFO_ACTIVE_LOW 0x08      /* bit 3 */
#define EXT_IRQ_EDGE 0x02	      /* flags bit 1: 1 = edge */
#define EXT_IRQ_ACTIVE_LOW 0x04	      /* flags bit 2 */

#define MAX_DEPTH 8

struct aml {
	const uint8_t *start; /* for offsets in messages */
	const uint8_t *p;
	const uint8_t *end; /* of the enclosing object */
	const char *error;
	char msg[96];
	/* aml_find_package(): the Name to look for and its elements */
	const char *pkg_name;
	uint64_t *pkg_vals;
	unsigned int pkg_max;
	unsigned int pkg_n;
	bool pkg_found;
};

/* What one Device's Name objects said. */
struct device_ctx {
	char name[5];
	bool hid_match;
	int64_t uid;
	const uint8_t *crs;
	size_t crs_len;
};

static bool fail(struct aml *a, const char *what)
{
	if (!a->error) {
		snprintf(a->msg, sizeof(a->msg), "%s at offset 0x%lx", what,
			 (unsigned long)(a->p - a->start));
		a->error = a->msg;
	}
	return false;
}

static bool take_byte(struct aml *a, uint8_t *b)
{
	if (a->p >= a->end)
		return fail(a, "truncated AML");
	*b = *a->p++;
	return true;
}

/* 20.2.4 PkgLength: sets *obj_end; the length counts its own bytes. */
static bool pkg_length(struct aml *a, const uint8_t **obj_end)
{
	const uint8_t *start = a->p;
	uint8_t lead, b;
	uint32_t len;
	unsigned int i, extra;

	if (!take_byte(a, &lead))
		return false;
	extra = lead >> 6;
	len = extra ? lead & 0x0f : lead & 0x3f;
	for (i = 0; i < extra; i++) {
		if (!take_byte(a, &b))
			return false;
		len |= (uint32_t)b << (4 + 8 * i);
	}
	if (len > (size_t)(a->end - start))
		return fail(a, "package length past the enclosing object");
	*obj_end = start + len;
	return true;
}

static bool name_seg(struct aml *a, char seg[5])
{
	if (a->end - a->p < 4)
		return fail(a, "truncated NameSeg");
	memcpy(seg, a->p, 4);
	seg[4] = '\0';
	a->p += 4;
	return true;
}

/* 20.2.2 NameString; leaves its last NameSeg in @seg ("" for NullName). */
static bool name_string(struct aml *a, char seg[5])
{
	uint8_t b, count;

	seg[0] = '\0';
	while (a->p < a->end &&
	       (*a->p == ROOT_CHAR || *a->p == PARENT_PREFIX_CHAR))
		a->p++;
	if (!take_byte(a, &b))
		return false;
	if (b == ZERO_OP)
		return true;
	if (b == DUAL_NAME_PREFIX)
		return name_seg(a, seg) && name_seg(a, seg);
	if (b == MULTI_NAME_PREFIX) {
		if (!take_byte(a, &count))
			return false;
		while (count--) {
			if (!name_seg(a, seg))
				return false;
		}
		return true;
	}
	a->p--;
	return name_seg(a, seg);
}

/* 20.2.3 ComputationalData integers and ConstObj. */
static bool integer(struct aml *a, uint64_t *v)
{
	static const unsigned int width[] = { [BYTE_PREFIX] = 1,
					      [WORD_PREFIX] = 2,
					      [DWORD_PREFIX] = 4,
					      [QWORD_PREFIX] = 8 };
	uint8_t op;

	if (!take_byte(a, &op))
		return false;
	*v = 0;
	if (op == ZERO_OP || op == ONE_OP || op == ONES_OP) {
		*v = op == ZERO_OP ? 0 : op == ONE_OP ? 1 : UINT64_MAX;
		return true;
	}
	if (op < BYTE_PREFIX || op > QWORD_PREFIX || op == STRING_PREFIX)
		return fail(a, "expected an integer constant");
	if ((size_t)(a->end - a->p) < width[op])
		return fail(a, "truncated integer");
	memcpy(v, a->p, width[op]);
	a->p += width[op];
	return true;
}

static bool skip_string(struct aml *a, const char **s)
{
	const uint8_t *nul = a->p;

	while (nul < a->end && *nul)
		nul++;
	if (nul == a->end)
		return fail(a, "unterminated string");
	*s = (const char *)a->p;
	a->p = nul + 1;
	return true;
}

/* DefBuffer: BufferOp PkgLength BufferSize ByteList (after BufferOp). */
static bool buffer(struct aml *a, const uint8_t **data, size_t *len)
{
	const uint8_t *end, *outer = a->end;
	uint64_t size;
	bool ok;

	if (!pkg_length(a, &end))
		return false;
	a->end = end;
	ok = integer(a, &size);
	a->end = outer;
	if (!ok)
		return false;
	*data = a->p;
	*len = (size_t)(end - a->p) < size ? (size_t)(end - a->p) : size;
	a->p = end;
	return true;
}

/* Skips an object whose body is sized by a PkgLength right here. */
static bool skip_pkg(struct aml *a)
{
	const uint8_t *end;

	if (!pkg_length(a, &end))
		return false;
	a->p = end;
	return true;
}

/* DefPackage after PackageOp: PkgLength NumElements PackageElementList.
 * Keeps the integer elements (up to pkg_max) of the package sought. */
static bool package(struct aml *a, bool wanted)
{
	const uint8_t *end, *outer = a->end;
	uint8_t count;
	uint64_t v;
	bool ok;

	if (!pkg_length(a, &end))
		return false;
	if (!wanted) {
		a->p = end;
		return true;
	}
	a->end = end;
	ok = take_byte(a, &count);
	while (ok && count-- && a->p < a->end) {
		ok = integer(a, &v);
		if (ok && a->pkg_n < a->pkg_max)
			a->pkg_vals[a->pkg_n++] = v;
	}
	a->end = outer;
	a->p = end;
	a->pkg_found = ok;
	return ok;
}

/* NameOp NameString DataRefObject (after NameOp). */
static bool name_object(struct aml *a, struct device_ctx *dev, const char *hid)
{
	const uint8_t *end;
	const char *s;
	char seg[5];
	uint64_t v;
	size_t len;

	if (!name_string(a, seg) || a->p >= a->end)
		return false;
	switch (*a->p) {
	case STRING_PREFIX:
		a->p++;
		if (!skip_string(a, &s))
			return false;
		if (dev && hid && !strcmp(seg, "_HID") && !strcmp(s, hid))
			dev->hid_match = true;
		return true;
	case BUFFER_OP:
		a->p++;
		if (dev && !strcmp(seg, "_CRS"))
			return buffer(a, &dev->crs, &dev->crs_len);
		return buffer(a, &end, &len);
	case PACKAGE_OP:
		a->p++;
		return package(a, a->pkg_name && !a->pkg_found &&
					  !strcmp(seg, a->pkg_name));
	case VAR_PACKAGE_OP:
		a->p++;
		return skip_pkg(a);
	default:
		if (!integer(a, &v))
			return false;
		if (dev && !strcmp(seg, "_UID"))
			dev->uid = (int64_t)v;
		return true;
	}
}

/* 6.4.2.1: an IRQ mask, then optionally flags (default edge, high). */
static void irq_descriptor(const uint8_t *body, size_t len,
			   struct mmio_device *d)
{
	uint16_t mask;

	memcpy(&mask, body, 2);
	if (!mask)
		return;
	d->gsi = (uint32_t)__builtin_ctz(mask);
	if (len >= 3) {
		d->level = !(body[2] & IRQ_INFO_EDGE);
		d->active_low = body[2] & IRQ_INFO_ACTIVE_LOW;
	}
}

/*
 * Reads a _CRS resource template: the first 32-bit fixed memory range is
 * the window, the first interrupt (extended, or legacy IRQ) the line.
 */
static bool resources(const uint8_t *p, size_t len, struct mmio_device *d)
{
	const uint8_t *end = p + len;
	bool window = false;
	size_t body;
	uint32_t v;

	while (p < end) {
		if (!(*p & 0x80)) { /* small item: tag bits 6-3, length 2-0 */
			body = *p & 7;
			if (body + 1 > (size_t)(end - p))
				return false;
			if (((*p >> 3) & 0xf) == RES_SMALL_END)
				break;
			if (((*p >> 3) & 0xf) == RES_SMALL_IRQ && body >= 2 &&
			    d->gsi == UINT32_MAX)
				irq_descriptor(p + 1, body, d);
			p += 1 + body;
			continue;
		}
		if (end - p < 3)
			return false;
		body = (size_t)p[1] | (size_t)p[2] << 8;
		if (body > (size_t)(end - p) - 3)
			return false;
		if ((*p & 0x7f) == RES_LARGE_MEMORY32_FIXED && body >= 9 &&
		    !window) {
			memcpy(&v, p + 4, 4);
			d->base = v;
			memcpy(&v, p + 8, 4);
			d->size = v;
			window = true;
		} else if ((*p & 0x7f) == RES_LARGE_EXT_IRQ && body >= 6 &&
			   p[4] >= 1 && d->gsi == UINT32_MAX) {
			memcpy(&d->gsi, p + 5, 4);
			d->level = !(p[3] & EXT_IRQ_EDGE);
			d->active_low = p[3] & EXT_IRQ_ACTIVE_LOW;
		}
		p += 3 + body;
	}
	return window;
}

static bool term_list(struct aml *a, struct device_ctx *dev, const char *hid,
		      struct device_list *out, int depth);

/* Records the device that just ended if its _HID matched. */
static bool add_device(struct aml *a, const struct device_ctx *dev,
		       const char *seg, struct device_list *out)
{
	struct mmio_device *d;

	if (!dev->crs)
		return fail(a, "matching device without _CRS");
	if (out->n == MAX_MMIO_DEVICES)
		return fail(a, "too many matching devices");
	d = &out->dev[out->n];
	*d = (struct mmio_device){ .gsi = UINT32_MAX, .uid = dev->uid };
	memcpy(d->name, seg, sizeof(d->name));
	if (!resources(dev->crs, dev->crs_len, d))
		return fail(a, "matching device without a window in _CRS");
	out->n++;
	return true;
}

/* DefScope / DefDevice after the opcode: PkgLength NameString TermList. */
static bool block(struct aml *a, bool is_device, struct device_ctx *outer_dev,
		  const char *hid, struct device_list *out, int depth)
{
	struct device_ctx dev = { .uid = -1 };
	const uint8_t *end, *outer_end = a->end;
	char seg[5];
	bool ok;

	if (depth >= MAX_DEPTH)
		return fail(a, "objects nested too deeply");
	if (!pkg_length(a, &end))
		return false;
	a->end = end;
	ok = name_string(a, seg) &&
	     term_list(a, is_device ? &dev : outer_dev, hid, out, depth + 1);
	a->end = outer_end;
	if (!ok)
		return false;
	a->p = end;
	if (is_device && dev.hid_match)
		return add_device(a, &dev, seg, out);
	return true;
}

/* DefOpRegion after the opcode: NameString RegionSpace Offset Length. */
static bool op_region(struct aml *a)
{
	char seg[5];
	uint8_t space;
	uint64_t v;

	return name_string(a, seg) && take_byte(a, &space) && integer(a, &v) &&
	       integer(a, &v);
}

static bool ext_op(struct aml *a, struct device_ctx *dev, const char *hid,
		   struct device_list *out, int depth)
{
	char seg[5];
	uint8_t op, flags;

	if (!take_byte(a, &op))
		return false;
	switch (op) {
	case DEVICE_OP:
		return block(a, true, dev, hid, out, depth);
	case OP_REGION_OP:
		return op_region(a);
	case MUTEX_OP:
		return name_string(a, seg) && take_byte(a, &flags);
	case EVENT_OP:
		return name_string(a, seg);
	case FIELD_OP:
	case INDEX_FIELD_OP:
	case BANK_FIELD_OP:
	case PROCESSOR_OP:
	case POWER_RES_OP:
	case THERMAL_ZONE_OP:
		return skip_pkg(a);
	default:
		a->p -= 2;
		return fail(a, "unsupported extended opcode");
	}
}

/* One term of a TermList (20.2.5); the object kinds a DSDT declares. */
static bool term(struct aml *a, struct device_ctx *dev, const char *hid,
		 struct device_list *out, int depth)
{
	char seg[5];
	uint8_t op, b;

	if (!take_byte(a, &op))
		return false;
	switch (op) {
	case SCOPE_OP:
		return block(a, false, dev, hid, out, depth);
	case NAME_OP:
		return name_object(a, dev, hid);
	case EXT_OP_PREFIX:
		return ext_op(a, dev, hid, out, depth);
	case METHOD_OP:
	case IF_OP:
	case ELSE_OP:
	case WHILE_OP:
		return skip_pkg(a); /* code: never run, just stepped over */
	case ALIAS_OP:
		return name_string(a, seg) && name_string(a, seg);
	case EXTERNAL_OP:
		return name_string(a, seg) && take_byte(a, &b) &&
		       take_byte(a, &b);
	default:
		a->p--;
		return fail(a, "unsupported opcode");
	}
}

static bool term_list(struct aml *a, struct device_ctx *dev, const char *hid,
		      struct device_list *out, int depth)
{
	while (a->p < a->end) {
		if (!term(a, dev, hid, out, depth))
			return false;
	}
	return true;
}

const char *aml_find_devices(const uint8_t *aml, size_t len, const char *hid,
			     struct device_list *out)
{
	static struct aml a; /* its msg outlives the call */

	a = (struct aml){ .start = aml, .p = aml, .end = aml + len };
	term_list(&a, NULL, hid, out, 0);
	return a.error;
}

const char *aml_find_package(const uint8_t *aml, size_t len, const char *name,
			     uint64_t *vals, unsigned int max, unsigned int *n)
{
	static struct aml a; /* its msg outlives the call */
	struct device_list unused = { 0 };

	a = (struct aml){ .start = aml,
			  .p = aml,
			  .end = aml + len,
			  .pkg_name = name,
			  .pkg_vals = vals,
			  .pkg_max = max };
	term_list(&a, NULL, NULL, &unused, 0);
	*n = a.pkg_n;
	if (a.pkg_found)
		return NULL;
	return a.error ? a.error : "no such package";
}
