// SPDX-License-Identifier: GPL-2.0-only
/*
 * Field tables: one description per field drives saving and loading. See
 * fields.h for the encoding and the order of the checks. Everything read
 * here comes from a snapshot file: lengths are checked before any byte is
 * copied, and every value before it is stored.
 */
#include "migration/fields.h"

#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

/* Tables are vigil's own; this bounds the per-load bookkeeping. */
#define FIELDS_MAX_PER_TABLE 128u

static uint64_t type_max(enum field_type type)
{
	switch (type) {
	case FIELD_U8:
	case FIELD_BOOL:
		return UINT8_MAX;
	case FIELD_U16:
		return UINT16_MAX;
	case FIELD_U32:
	case FIELD_U32_ARRAY:
		return UINT32_MAX;
	default:
		return UINT64_MAX;
	}
}

/* Between a node's path and a property's name: none after the root "/". */
static const char *sep(const char *path)
{
	size_t n = strlen(path);

	return n && path[n - 1] == '/' ? "" : "/";
}

static bool is_scalar(enum field_type type)
{
	return type <= FIELD_BOOL;
}

/* Cells per element on disk: 1 for up to 32 bits, 2 for 64. */
static size_t elem_cells(enum field_type type)
{
	return (type == FIELD_U64 || type == FIELD_U64_ARRAY) ? 2 : 1;
}

size_t field_encoded_len(const struct field *f)
{
	switch (f->type) {
	case FIELD_BYTES:
	case FIELD_BLOB:
	case FIELD_STRING:
		return f->count;
	default:
		return (size_t)f->count * 4 * elem_cells(f->type);
	}
}

/* Size of one element in the C struct. */
static size_t elem_size(enum field_type type)
{
	switch (type) {
	case FIELD_U8:
	case FIELD_BOOL:
		return 1;
	case FIELD_U16:
		return 2;
	case FIELD_U32:
	case FIELD_U32_ARRAY:
		return 4;
	default:
		return 8;
	}
}

static uint64_t read_elem(const void *st, const struct field *f, uint32_t i)
{
	const uint8_t *p = (const uint8_t *)st + f->offset +
			   (size_t)i * elem_size(f->type);
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (elem_size(f->type)) {
	case 1:
		memcpy(&u8, p, 1);
		return u8;
	case 2:
		memcpy(&u16, p, 2);
		return u16;
	case 4:
		memcpy(&u32, p, 4);
		return u32;
	default:
		memcpy(&u64, p, 8);
		return u64;
	}
}

/* v has passed the type-width check. */
static void write_elem(void *st, const struct field *f, uint32_t i, uint64_t v)
{
	uint8_t *p = (uint8_t *)st + f->offset + (size_t)i * elem_size(f->type);
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;

	switch (elem_size(f->type)) {
	case 1:
		memcpy(p, &u8, 1);
		break;
	case 2:
		memcpy(p, &u16, 2);
		break;
	case 4:
		memcpy(p, &u32, 4);
		break;
	default:
		memcpy(p, &v, 8);
		break;
	}
}

static const char *check_enum(const struct field_check *c, uint64_t v,
			      char *buf, size_t len)
{
	size_t off;

	for (unsigned int i = 0; i < c->nr_values; i++)
		if (c->values[i] == v)
			return NULL;
	off = (size_t)snprintf(buf, len, "not one of");
	for (unsigned int i = 0; i < c->nr_values && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s 0x%" PRIx64,
					i ? "," : "", c->values[i]);
	return buf;
}

const char *field_check_value(const struct field *f, uint64_t v, char *buf,
			      size_t len)
{
	const struct field_check *c = &f->check;
	const char *why;

	if (v > type_max(f->type)) {
		snprintf(buf, len, "does not fit %zu bits",
			 elem_size(f->type) * 8);
		return buf;
	}
	switch (c->kind) {
	case CHECK_KIND_ANY:
		return NULL;
	case CHECK_KIND_RANGE:
		if (v >= c->lo && v <= c->hi)
			return NULL;
		snprintf(buf, len, "not in 0x%" PRIx64 "..0x%" PRIx64, c->lo,
			 c->hi);
		return buf;
	case CHECK_KIND_MASK:
		if (!(v & ~c->hi))
			return NULL;
		snprintf(buf, len, "bits 0x%" PRIx64 " outside 0x%" PRIx64,
			 v & ~c->hi, c->hi);
		return buf;
	case CHECK_KIND_ENUM:
		return check_enum(c, v, buf, len);
	case CHECK_KIND_FN:
		why = c->fn(&v, sizeof(v));
		if (why)
			snprintf(buf, len, "%s", why);
		return why ? buf : NULL;
	}
	snprintf(buf, len, "no validator");
	return buf;
}

bool field_invalid_value(const struct field *f, uint64_t *v)
{
	const struct field_check *c = &f->check;
	uint64_t max = type_max(f->type);

	switch (c->kind) {
	case CHECK_KIND_RANGE:
		if (c->hi < max) {
			*v = c->hi + 1;
			return true;
		}
		if (c->lo > 0) {
			*v = c->lo - 1;
			return true;
		}
		return false;
	case CHECK_KIND_MASK:
		for (unsigned int bit = 0; bit < 64; bit++) {
			uint64_t b = 1ull << bit;

			if (b > max)
				break;
			if (!(c->hi & b)) {
				*v = b;
				return true;
			}
		}
		return false;
	case CHECK_KIND_ENUM:
		for (uint64_t x = 0; x <= max && x < 1024; x++) {
			char buf[8];

			if (check_enum(c, x, buf, sizeof(buf))) {
				*v = x;
				return true;
			}
		}
		return false;
	default:
		return false;
	}
}

/* Raw fields (BYTES, BLOB, STRING) have an FN validator or none. */
static const char *check_raw(const struct field *f, const void *p, size_t n)
{
	if (f->check.kind == CHECK_KIND_FN)
		return f->check.fn(p, n);
	if (f->check.kind == CHECK_KIND_ANY)
		return NULL;
	return "a byte field needs a function validator";
}

static uint32_t blob_len(const void *st, const struct field *f)
{
	uint32_t n;

	memcpy(&n, (const uint8_t *)st + f->len_offset, sizeof(n));
	return n;
}

/* ---- saving ---------------------------------------------------------- */

/* "path/name = 0x..: why", or "path/name[i] = ..." for an array element. */
static void report_value(const struct field *f, uint32_t i, uint64_t v,
			 const char *why, const char *path, char *err,
			 size_t errlen)
{
	if (is_scalar(f->type))
		snprintf(err, errlen, "%s%s%s = 0x%" PRIx64 ": %s", path,
			 sep(path), f->name, v, why);
	else
		snprintf(err, errlen, "%s%s%s[%u] = 0x%" PRIx64 ": %s", path,
			 sep(path), f->name, i, v, why);
}

static int save_raw(void *fdt, const char *path, const struct field *f,
		    const void *st, char *err, size_t errlen)
{
	const uint8_t *p = (const uint8_t *)st + f->offset;
	size_t n = f->count;
	const char *why;

	if (f->type == FIELD_BLOB) {
		n = blob_len(st, f);
		if (n < f->min_len || n > f->count) {
			snprintf(err, errlen, "%s%s%s: %zu bytes, not %u..%u",
				 path, sep(path), f->name, n, f->min_len,
				 f->count);
			return -EINVAL;
		}
	} else if (f->type == FIELD_STRING) {
		n = strnlen((const char *)p, f->count);
		if (n == f->count) {
			snprintf(err, errlen, "%s%s%s: string not terminated",
				 path, sep(path), f->name);
			return -EINVAL;
		}
		n++;
	}
	why = check_raw(f, p, n);
	if (why) {
		snprintf(err, errlen, "%s%s%s: %s", path, sep(path), f->name,
			 why);
		return -EINVAL;
	}
	return fdt_property(fdt, f->name, p, (int)n) ? -ENOSPC : 0;
}

static int save_cells(void *fdt, const char *path, const struct field *f,
		      const void *st, char *err, size_t errlen)
{
	size_t cells = elem_cells(f->type);
	void *prop;
	char why[96];

	if (fdt_property_placeholder(fdt, f->name, (int)field_encoded_len(f),
				     &prop))
		return -ENOSPC;
	for (uint32_t i = 0; i < f->count; i++) {
		uint64_t v = read_elem(st, f, i);
		uint8_t *out = (uint8_t *)prop + (size_t)i * 4 * cells;

		if (field_check_value(f, v, why, sizeof(why))) {
			report_value(f, i, v, why, path, err, errlen);
			return -EINVAL;
		}
		if (cells == 2) {
			fdt64_t be = cpu_to_fdt64(v);

			memcpy(out, &be, sizeof(be));
		} else {
			fdt32_t be = cpu_to_fdt32((uint32_t)v);

			memcpy(out, &be, sizeof(be));
		}
	}
	return 0;
}

int fields_save(void *fdt, const char *path, const struct field_table *t,
		const void *st, const void *ctx, char *err, size_t errlen)
{
	char why[160];

	for (unsigned int i = 0; i < t->nr_fields; i++) {
		const struct field *f = &t->fields[i];
		int r = f->type >= FIELD_BYTES ?
				save_raw(fdt, path, f, st, err, errlen) :
				save_cells(fdt, path, f, st, err, errlen);

		if (r == -ENOSPC)
			snprintf(err, errlen, "%s%s%s: state buffer full", path,
				 sep(path), f->name);
		if (r < 0)
			return r;
	}
	if (t->check && !t->check(st, ctx, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -EINVAL;
	}
	return 0;
}

/* ---- loading --------------------------------------------------------- */

static int load_raw(const struct field *f, const uint8_t *prop, int len,
		    void *st, const char *path, char *err, size_t errlen)
{
	uint8_t *p = (uint8_t *)st + f->offset;
	size_t n = (size_t)len;
	const char *why;

	switch (f->type) {
	case FIELD_BYTES:
		if (n != f->count)
			goto bad_len;
		break;
	case FIELD_BLOB:
		if (n < f->min_len || n > f->count)
			goto bad_len;
		break;
	default: /* STRING: exactly one NUL, at the end */
		if (n < 1 || n > f->count ||
		    strnlen((const char *)prop, n) != n - 1) {
			snprintf(err, errlen,
				 "%s%s%s: not a string of at "
				 "most %u bytes",
				 path, sep(path), f->name, f->count - 1);
			return -EINVAL;
		}
		break;
	}
	why = check_raw(f, prop, n);
	if (why) {
		snprintf(err, errlen, "%s%s%s: %s", path, sep(path), f->name,
			 why);
		return -EINVAL;
	}
	memcpy(p, prop, n);
	if (f->type == FIELD_BLOB) {
		uint32_t n32 = (uint32_t)n;

		memcpy((uint8_t *)st + f->len_offset, &n32, sizeof(n32));
	}
	return 0;
bad_len:
	snprintf(err, errlen, "%s%s%s: %zu bytes, expected %s%u", path,
		 sep(path), f->name, n, f->type == FIELD_BLOB ? "at most " : "",
		 f->count);
	return -EINVAL;
}

static int load_cells(const struct field *f, const uint8_t *prop, int len,
		      void *st, const char *path, char *err, size_t errlen)
{
	size_t cells = elem_cells(f->type);
	char why[96];

	if ((size_t)len != field_encoded_len(f)) {
		snprintf(err, errlen, "%s%s%s: %d bytes, expected %zu", path,
			 sep(path), f->name, len, field_encoded_len(f));
		return -EINVAL;
	}
	for (uint32_t i = 0; i < f->count; i++) {
		const uint8_t *in = prop + (size_t)i * 4 * cells;
		uint64_t v;

		if (cells == 2) {
			fdt64_t be;

			memcpy(&be, in, sizeof(be));
			v = fdt64_to_cpu(be);
		} else {
			fdt32_t be;

			memcpy(&be, in, sizeof(be));
			v = fdt32_to_cpu(be);
		}
		if (field_check_value(f, v, why, sizeof(why))) {
			report_value(f, i, v, why, path, err, errlen);
			return -EINVAL;
		}
		write_elem(st, f, i, v);
	}
	return 0;
}

static int find_field(const struct field_table *t, const char *name)
{
	for (unsigned int i = 0; i < t->nr_fields; i++)
		if (!strcmp(t->fields[i].name, name))
			return (int)i;
	return -1;
}

/* Every property belongs to the table, and none appears twice. */
static int check_properties(const void *fdt, int node, const char *path,
			    const struct field_table *t, char *err,
			    size_t errlen)
{
	uint8_t seen[FIELDS_MAX_PER_TABLE] = { 0 };
	int off;

	fdt_for_each_property_offset(off, fdt, node) {
		const char *name;
		int len, i;

		if (!fdt_getprop_by_offset(fdt, off, &name, &len) || !name) {
			snprintf(err, errlen, "%s: unreadable property", path);
			return -EINVAL;
		}
		i = find_field(t, name);
		if (i < 0) {
			snprintf(err, errlen, "%s: unknown property '%.64s'",
				 path, name);
			return -EINVAL;
		}
		if (seen[i]++) {
			snprintf(err, errlen, "%s: property '%s' appears twice",
				 path, name);
			return -EINVAL;
		}
	}
	if (off != -FDT_ERR_NOTFOUND) {
		snprintf(err, errlen, "%s: %s", path, fdt_strerror(off));
		return -EINVAL;
	}
	return 0;
}

int fields_load(const void *fdt, int node, const char *path,
		const struct field_table *t, void *st, const void *ctx,
		char *err, size_t errlen)
{
	char why[160];
	int r;

	if (t->nr_fields > FIELDS_MAX_PER_TABLE) {
		snprintf(err, errlen, "%s: table %s too large", path, t->name);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < t->nr_fields; i++) {
		const struct field *f = &t->fields[i];
		int len;
		const uint8_t *prop = fdt_getprop(fdt, node, f->name, &len);

		if (!prop) {
			snprintf(err, errlen, "%s: property '%s' missing", path,
				 f->name);
			return -EINVAL;
		}
		r = f->type >= FIELD_BYTES ?
			    load_raw(f, prop, len, st, path, err, errlen) :
			    load_cells(f, prop, len, st, path, err, errlen);
		if (r < 0)
			return r;
	}
	r = check_properties(fdt, node, path, t, err, errlen);
	if (r < 0)
		return r;
	if (t->check && !t->check(st, ctx, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -EINVAL;
	}
	return 0;
}

/* ---- node structure -------------------------------------------------- */

static bool name_allowed(const char *name, const char *const *allowed,
			 unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		size_t len = strlen(allowed[i]);

		if (len && allowed[i][len - 1] == '@' ?
			    !strncmp(name, allowed[i], len) :
			    !strcmp(name, allowed[i]))
			return true;
	}
	return false;
}

unsigned int fdt_count_subnodes(const void *fdt, int node)
{
	unsigned int count = 0;
	int child;

	fdt_for_each_subnode(child, fdt, node)
		count++;
	return count;
}

int fdt_check_subnodes(const void *fdt, int node, const char *path,
		       const char *const *allowed, unsigned int nr_allowed,
		       char *err, size_t errlen)
{
	int child;

	fdt_for_each_subnode(child, fdt, node) {
		const char *name = fdt_get_name(fdt, child, NULL);

		if (!name) {
			snprintf(err, errlen, "%s: unreadable node name", path);
			return -EINVAL;
		}
		if (!name_allowed(name, allowed, nr_allowed)) {
			snprintf(err, errlen, "%s: unknown node '%.64s'", path,
				 name);
			return -EINVAL;
		}
		/* fdt_subnode_offset() finds the first: a second is refused. */
		if (fdt_subnode_offset(fdt, node, name) != child) {
			snprintf(err, errlen, "%s: node '%.64s' appears twice",
				 path, name);
			return -EINVAL;
		}
	}
	if (child != -FDT_ERR_NOTFOUND) {
		snprintf(err, errlen, "%s: %s", path, fdt_strerror(child));
		return -EINVAL;
	}
	return 0;
}

int fields_save_node(void *fdt, const char *path, const struct field_table *t,
		     const void *st, const void *ctx, char *err, size_t errlen)
{
	int r;

	if (fdt_begin_node(fdt, strrchr(path, '/') + 1)) {
		snprintf(err, errlen, "%s: state buffer full", path);
		return -ENOSPC;
	}
	r = fields_save(fdt, path, t, st, ctx, err, errlen);
	if (r == 0)
		r = fields_end_node(fdt, path, err, errlen);
	return r;
}

int fields_begin_node(void *fdt, const char *path, char *err, size_t errlen)
{
	if (fdt_begin_node(fdt, strrchr(path, '/') + 1) == 0)
		return 0;
	snprintf(err, errlen, "%s: state buffer full", path);
	return -ENOSPC;
}

int fields_end_node(void *fdt, const char *path, char *err, size_t errlen)
{
	if (fdt_end_node(fdt) == 0)
		return 0;
	snprintf(err, errlen, "%s: state buffer full", path);
	return -ENOSPC;
}

int fdt_check_leaf(const void *fdt, int node, const char *path, char *err,
		   size_t errlen)
{
	int child = fdt_first_subnode(fdt, node);
	const char *name;

	if (child < 0)
		return 0;
	name = fdt_get_name(fdt, child, NULL);
	snprintf(err, errlen, "%s: unknown node '%.64s'", path,
		 name ? name : "?");
	return -EINVAL;
}

int fdt_require_subnode(const void *fdt, int parent, const char *path,
			const char *name, char *err, size_t errlen)
{
	int node = fdt_subnode_offset(fdt, parent, name);

	if (node < 0) {
		snprintf(err, errlen, "%s%s%s: node missing", path, sep(path),
			 name);
		return -EINVAL;
	}
	return node;
}

int fields_load_node(const void *fdt, int parent, const char *ppath,
		     const char *name, const struct field_table *t, void *st,
		     const void *ctx, char *err, size_t errlen)
{
	char path[128];
	int node = fdt_require_subnode(fdt, parent, ppath, name, err, errlen);

	if (node < 0)
		return node;
	snprintf(path, sizeof(path), "%s%s%s", ppath, sep(ppath), name);
	if (fdt_check_leaf(fdt, node, path, err, errlen) < 0)
		return -EINVAL;
	return fields_load(fdt, node, path, t, st, ctx, err, errlen);
}
