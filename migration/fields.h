/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Field tables: how a piece of state is saved to and loaded from one node
 * of the snapshot's flattened device tree.
 *
 * Each table lists the fields of one plain C struct: the property name,
 * its type, where the field lives in the struct, and a validator. The same
 * table drives both directions, so a field cannot be saved without a
 * validator (the FIELD_* macros take one as a required argument) and the
 * loader cannot forget a field the saver wrote.
 *
 * Encoding (big-endian, as everything in a flattened device tree):
 *   U8, U16, U32, BOOL   one 32-bit cell (the value must fit the type)
 *   U64                  two cells, high word first
 *   U32_ARRAY, U64_ARRAY count elements, one or two cells each
 *   BYTES                exactly count bytes
 *   BLOB                 1..count bytes, the length kept in a uint32_t
 *   STRING               a NUL-terminated string of at most count bytes
 *
 * Loading a node checks, in order: every property of the table is present
 * with exactly its length; the node has no property the table lacks; every
 * value fits its type and passes its validator; then the table's
 * cross-field check. The first failure becomes one error naming the node,
 * the property and the value. Saving runs the same validators, so what
 * vigil saves it can load again.
 */
#ifndef VIGIL_MIGRATION_FIELDS_H
#define VIGIL_MIGRATION_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum field_type {
	FIELD_U8,
	FIELD_U16,
	FIELD_U32,
	FIELD_U64,
	FIELD_BOOL,
	FIELD_U32_ARRAY,
	FIELD_U64_ARRAY,
	FIELD_BYTES,
	FIELD_BLOB,
	FIELD_STRING,
};

enum check_kind {
	CHECK_KIND_ANY,	  /* every value is valid; why_any says why */
	CHECK_KIND_RANGE, /* lo <= value <= hi */
	CHECK_KIND_MASK,  /* no bit outside mask */
	CHECK_KIND_ENUM,  /* one of values[] */
	CHECK_KIND_FN,	  /* fn() on the raw field (BYTES, BLOB, STRING) */
};

/* A validator. Scalars and array elements are checked one value at a time. */
struct field_check {
	enum check_kind kind;
	uint64_t lo, hi; /* RANGE bounds; MASK: hi is the allowed bits */
	const uint64_t *values;
	unsigned int nr_values;
	/* NULL when valid, else a short reason (static storage). */
	const char *(*fn)(const void *field, size_t len);
	const char *why_any;
};

#define CHECK_ANY(reason)                                   \
	{                                                   \
		.kind = CHECK_KIND_ANY, .why_any = (reason) \
	}
#define CHECK_RANGE(min, max)                                      \
	{                                                          \
		.kind = CHECK_KIND_RANGE, .lo = (min), .hi = (max) \
	}
#define CHECK_MASK(allowed)                              \
	{                                                \
		.kind = CHECK_KIND_MASK, .hi = (allowed) \
	}
#define CHECK_ONE_OF(array)                                     \
	{                                                       \
		.kind = CHECK_KIND_ENUM, .values = (array),     \
		.nr_values = sizeof(array) / sizeof((array)[0]) \
	}
#define CHECK_FN(func)                              \
	{                                           \
		.kind = CHECK_KIND_FN, .fn = (func) \
	}

struct field {
	const char *name; /* the property name */
	enum field_type type;
	size_t offset;	   /* of the field in the state struct */
	uint32_t count;	   /* array elements; BYTES/BLOB/STRING: bytes */
	size_t len_offset; /* BLOB: offset of its uint32_t length */
	uint32_t min_len;  /* BLOB: shortest accepted length */
	struct field_check check;
};

/*
 * Compile-time size checks: a field whose member has another size than
 * its type says does not build (a negative array size).
 */
#define FIELD_MEMBER_SIZE(T, m) sizeof(((T *)0)->m)
#define FIELD_SIZE_IS(T, m, n) \
	(0 * sizeof(char[FIELD_MEMBER_SIZE(T, m) == (n) ? 1 : -1]))

/*
 * The validator is the last argument of every FIELD_* macro (variadic, as
 * its initialiser contains commas): a field cannot be declared without.
 */
#define FIELD_SCALAR(nm, ty, T, m, n, ...)                                     \
	{                                                                      \
		.name = (nm), .type = (ty),                                    \
		.offset = offsetof(T, m) + FIELD_SIZE_IS(T, m, n), .count = 1, \
		.check = __VA_ARGS__                                           \
	}
#define FIELD_U8(nm, T, m, ...) FIELD_SCALAR(nm, FIELD_U8, T, m, 1, __VA_ARGS__)
#define FIELD_U16(nm, T, m, ...) \
	FIELD_SCALAR(nm, FIELD_U16, T, m, 2, __VA_ARGS__)
#define FIELD_U32(nm, T, m, ...) \
	FIELD_SCALAR(nm, FIELD_U32, T, m, 4, __VA_ARGS__)
#define FIELD_U64(nm, T, m, ...) \
	FIELD_SCALAR(nm, FIELD_U64, T, m, 8, __VA_ARGS__)
/* A one-byte flag (bool or __u8): its validator is "0 or 1". */
#define FIELD_BOOL(nm, T, m) \
	FIELD_SCALAR(nm, FIELD_BOOL, T, m, 1, CHECK_RANGE(0, 1))
#define FIELD_U32_ARRAY(nm, T, m, n, ...)                                      \
	{                                                                      \
		.name = (nm), .type = FIELD_U32_ARRAY,                         \
		.offset =                                                      \
			offsetof(T, m) + FIELD_SIZE_IS(T, m, (size_t)4 * (n)), \
		.count = (n), .check = __VA_ARGS__                             \
	}
#define FIELD_U64_ARRAY(nm, T, m, n, ...)                                      \
	{                                                                      \
		.name = (nm), .type = FIELD_U64_ARRAY,                         \
		.offset =                                                      \
			offsetof(T, m) + FIELD_SIZE_IS(T, m, (size_t)8 * (n)), \
		.count = (n), .check = __VA_ARGS__                             \
	}
#define FIELD_BYTES(nm, T, m, ...)                                           \
	{                                                                    \
		.name = (nm), .type = FIELD_BYTES, .offset = offsetof(T, m), \
		.count = FIELD_MEMBER_SIZE(T, m), .check = __VA_ARGS__       \
	}
#define FIELD_BLOB(nm, T, m, lenm, minimum, ...)                             \
	{                                                                    \
		.name = (nm), .type = FIELD_BLOB, .offset = offsetof(T, m),  \
		.count = FIELD_MEMBER_SIZE(T, m),                            \
		.len_offset = offsetof(T, lenm) + FIELD_SIZE_IS(T, lenm, 4), \
		.min_len = (minimum), .check = __VA_ARGS__                   \
	}
#define FIELD_STRING(nm, T, m, ...)                                           \
	{                                                                     \
		.name = (nm), .type = FIELD_STRING, .offset = offsetof(T, m), \
		.count = FIELD_MEMBER_SIZE(T, m), .check = __VA_ARGS__        \
	}

struct field_table {
	const char *name; /* what the node holds, for messages */
	const struct field *fields;
	unsigned int nr_fields;
	/*
	 * Cross-field rules, run after every field passed its own check.
	 * ctx is the caller's (e.g. the machine's RAM size). Returns false
	 * with a reason naming the properties and values in why. NULL when
	 * the fields are independent.
	 */
	bool (*check)(const void *st, const void *ctx, char *why, size_t len);
};

#define FIELD_TABLE(nm, array, cross)                            \
	{                                                        \
		.name = (nm), .fields = (array),                 \
		.nr_fields = sizeof(array) / sizeof((array)[0]), \
		.check = (cross)                                 \
	}

/*
 * Saving uses libfdt's sequential-write API (fdt_create() ... fdt_finish()):
 * nodes come out in the order they are written. fields_save() writes st's
 * fields as properties of the node being written (before its subnodes);
 * path names it in errors. Returns 0; -EINVAL with err when a value fails
 * its own validator (such a snapshot could not be loaded); -ENOSPC when
 * the buffer is full.
 */
int fields_save(void *fdt, const char *path, const struct field_table *t,
		const void *st, const void *ctx, char *err, size_t errlen);
/* Begin or end the node whose full path is path (its last component). */
int fields_begin_node(void *fdt, const char *path, char *err, size_t errlen);
int fields_end_node(void *fdt, const char *path, char *err, size_t errlen);
/* A leaf node: begin, fields_save(), end. */
int fields_save_node(void *fdt, const char *path, const struct field_table *t,
		     const void *st, const void *ctx, char *err, size_t errlen);

/*
 * Fill st from node, checking everything (see above). Returns 0, or
 * -EINVAL with one line in err; st is then partly written: discard it.
 */
int fields_load(const void *fdt, int node, const char *path,
		const struct field_table *t, void *st, const void *ctx,
		char *err, size_t errlen);

/*
 * fields_load() of the leaf node name below parent, whose path is ppath
 * ("" for the root): the node must be there and have no subnode.
 */
int fields_load_node(const void *fdt, int parent, const char *ppath,
		     const char *name, const struct field_table *t, void *st,
		     const void *ctx, char *err, size_t errlen);

/* The encoded length of a field's property in bytes (BLOB: its maximum). */
size_t field_encoded_len(const struct field *f);

/*
 * Check one scalar value (or array element) against f's type width and
 * validator: NULL when valid, else a reason written into buf.
 */
const char *field_check_value(const struct field *f, uint64_t v, char *buf,
			      size_t len);

/*
 * A value f's validator refuses, for tests that prove each validator
 * works; false when there is none (CHECK_ANY, CHECK_FN, a range covering
 * the type).
 */
bool field_invalid_value(const struct field *f, uint64_t *v);

/*
 * Check that node has no subnode other than those named in allowed[]
 * (a name ending in '@' matches any unit address), none twice. -EINVAL
 * with err. Each subnode's duplicate check walks the ones before it:
 * where allowed[] has a '@' name (any number could match), bound the
 * count first with fdt_count_subnodes(), so that a crafted file's
 * thousands of subnodes are refused at once, not after hours.
 */
int fdt_check_subnodes(const void *fdt, int node, const char *path,
		       const char *const *allowed, unsigned int nr_allowed,
		       char *err, size_t errlen);

/* How many subnodes node has (a tree that passed fdt_check_full()). */
unsigned int fdt_count_subnodes(const void *fdt, int node);

/* A node that must have no subnode: -EINVAL naming the first there is. */
int fdt_check_leaf(const void *fdt, int node, const char *path, char *err,
		   size_t errlen);

/* The offset of path's subnode name, or -EINVAL with "missing" in err. */
int fdt_require_subnode(const void *fdt, int parent, const char *path,
			const char *name, char *err, size_t errlen);

#endif
