// SPDX-License-Identifier: GPL-2.0-only
/*
 * --drive SPEC parsing and dispatch to the backends. The spec comes from the
 * command line or from a snapshot file, so it is untrusted: every value is
 * parsed strictly (no sign, no space, no trailing bytes, overflow-checked).
 */
#include "block/block.h"
#include "block/null.h"
#include "block/raw.h"
#include "lib/parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum spec_key_id {
	KEY_DRIVER,
	KEY_FILE,
	KEY_READONLY,
	KEY_DIRECT,
	KEY_SIZE,
	KEY_READ_ZEROES,
	KEY_LATENCY_NS,
	KEY_COUNT,
};

#define FOR_RAW (1u << BLOCK_DRIVER_RAW)
#define FOR_NULL_CO (1u << BLOCK_DRIVER_NULL_CO)

/* Where errors go: a caller's buffer, possibly of length 0. */
struct spec_err {
	char *buf;
	size_t len;
};

static __attribute__((format(printf, 2, 3))) int
spec_error(struct spec_err *e, const char *fmt, ...)
{
	va_list ap;

	if (e->len) {
		va_start(ap, fmt);
		vsnprintf(e->buf, e->len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *const driver_names[] = {
	[BLOCK_DRIVER_RAW] = "raw",
	[BLOCK_DRIVER_NULL_CO] = "null-co",
};

/* Decimal digits only. *end is left at the first byte after them. */
static int parse_on_off(const char *key, const char *val, bool *out,
			struct spec_err *e)
{
	if (!strcmp(val, "on"))
		*out = true;
	else if (!strcmp(val, "off"))
		*out = false;
	else
		return spec_error(e, "drive: %s=%s: expected on or off", key,
				  val);
	return 0;
}

static int parse_driver(const char *val, struct block_spec *s,
			struct spec_err *e)
{
	for (size_t i = 0; i < sizeof(driver_names) / sizeof(*driver_names);
	     i++) {
		if (!strcmp(val, driver_names[i])) {
			s->driver = (enum block_driver)i;
			return 0;
		}
	}
	return spec_error(e, "drive: driver=%s: unknown driver (raw, null-co)",
			  val);
}

static int parse_file(const char *val, struct block_spec *s, struct spec_err *e)
{
	(void)e;
	/* The tokenizer bounds values to PATH_MAX - 1 bytes. */
	snprintf(s->file, sizeof(s->file), "%s", val);
	return 0;
}

static int parse_readonly(const char *val, struct block_spec *s,
			  struct spec_err *e)
{
	return parse_on_off("readonly", val, &s->readonly, e);
}

static int parse_direct(const char *val, struct block_spec *s,
			struct spec_err *e)
{
	return parse_on_off("direct", val, &s->direct, e);
}

static int parse_read_zeroes(const char *val, struct block_spec *s,
			     struct spec_err *e)
{
	return parse_on_off("read-zeroes", val, &s->read_zeroes, e);
}

static int parse_size_key(const char *val, struct block_spec *s,
			  struct spec_err *e)
{
	uint64_t n;
	int r = parse_size(val, 0, &n);

	if (r == -ERANGE)
		return spec_error(e, "drive: size=%s: too large", val);
	if (r)
		return spec_error(e,
				  "drive: size=%s: not a size (a number with "
				  "optional suffix K, M, G or T)",
				  val);
	/* Offsets must stay representable as off_t everywhere. */
	if (n > (uint64_t)INT64_MAX)
		return spec_error(e, "drive: size=%s: too large (max 2^63 - 1)",
				  val);
	if (n == 0)
		return spec_error(e, "drive: size=%s: must be greater than 0",
				  val);
	if (n % 512)
		return spec_error(e, "drive: size=%s: not a multiple of 512",
				  val);
	s->size = n;
	return 0;
}

static int parse_latency(const char *val, struct block_spec *s,
			 struct spec_err *e)
{
	uint64_t n;

	if (parse_u64(val, &n))
		return spec_error(e,
				  "drive: latency-ns=%s: not a number of "
				  "nanoseconds",
				  val);
	if (n > BLOCK_LATENCY_NS_MAX)
		return spec_error(e, "drive: latency-ns=%s: more than 10 s",
				  val);
	s->latency_ns = n;
	return 0;
}

static const struct spec_key {
	const char *name;
	unsigned int drivers; /* the drivers that accept this key */
	int (*parse)(const char *val, struct block_spec *s, struct spec_err *e);
} spec_keys[KEY_COUNT] = {
	[KEY_DRIVER] = { "driver", FOR_RAW | FOR_NULL_CO, parse_driver },
	[KEY_FILE] = { "file", FOR_RAW, parse_file },
	[KEY_READONLY] = { "readonly", FOR_RAW | FOR_NULL_CO, parse_readonly },
	[KEY_DIRECT] = { "direct", FOR_RAW, parse_direct },
	[KEY_SIZE] = { "size", FOR_NULL_CO, parse_size_key },
	[KEY_READ_ZEROES] = { "read-zeroes", FOR_NULL_CO, parse_read_zeroes },
	[KEY_LATENCY_NS] = { "latency-ns", FOR_NULL_CO, parse_latency },
};

static int spec_key_lookup(const char *key, size_t len)
{
	for (int i = 0; i < KEY_COUNT; i++)
		if (strlen(spec_keys[i].name) == len &&
		    !memcmp(spec_keys[i].name, key, len))
			return i;
	return -1;
}

/*
 * Copy the value at *p into val (PATH_MAX bytes), turning ",," into ",", and
 * leave *p at the comma that ends it or at the end of the spec.
 */
static int spec_take_value(const char **p, const char *key, char *val,
			   struct spec_err *e)
{
	const char *q = *p;
	size_t n = 0;

	while (*q && !(q[0] == ',' && q[1] != ',')) {
		if (n == PATH_MAX - 1)
			return spec_error(e,
					  "drive: value of '%s' too long "
					  "(max %d bytes)",
					  key, PATH_MAX - 1);
		val[n++] = *q;
		q += q[0] == ',' ? 2 : 1;
	}
	val[n] = '\0';
	*p = q;
	return 0;
}

/* Parse one key=value at *p into s; seen tracks the keys given so far. */
static int spec_parse_option(const char **p, struct block_spec *s,
			     unsigned int *seen, char *val, struct spec_err *e)
{
	const char *key = *p;
	size_t klen = strcspn(key, "=,");
	int id;

	if (!*key)
		return spec_error(e, "drive: empty option after the last ','");
	if (*key == ',')
		return spec_error(e, "drive: empty option (',' at the start "
				     "or twice between options)");
	if (klen == 0)
		return spec_error(e, "drive: empty key in option '%.*s'",
				  (int)strcspn(key, ","), key);
	if (key[klen] != '=')
		return spec_error(e, "drive: '%.*s' is not key=value",
				  (int)klen, key);
	id = spec_key_lookup(key, klen);
	if (id < 0)
		return spec_error(e, "drive: unknown key '%.*s'", (int)klen,
				  key);
	if (*seen & (1u << id))
		return spec_error(e, "drive: duplicate key '%s'",
				  spec_keys[id].name);
	*seen |= 1u << id;
	*p = key + klen + 1;
	if (spec_take_value(p, spec_keys[id].name, val, e))
		return -EINVAL;
	if (!val[0])
		return spec_error(e, "drive: empty value for '%s'",
				  spec_keys[id].name);
	return spec_keys[id].parse(val, s, e);
}

/* Cross-key rules, once every key is known. */
static int spec_check_driver(const struct block_spec *s, unsigned int seen,
			     struct spec_err *e)
{
	unsigned int drv = 1u << s->driver;

	for (int i = 0; i < KEY_COUNT; i++)
		if ((seen & (1u << i)) && !(spec_keys[i].drivers & drv))
			return spec_error(
				e, "drive: %s= is not valid for driver=%s",
				spec_keys[i].name, driver_names[s->driver]);
	if (s->driver == BLOCK_DRIVER_RAW && !(seen & (1u << KEY_FILE)))
		return spec_error(e, "drive: driver=raw needs file=PATH "
				     "(or use driver=null-co,size=N)");
	if (s->driver == BLOCK_DRIVER_NULL_CO && !(seen & (1u << KEY_SIZE)))
		return spec_error(e, "drive: driver=null-co needs size=N");
	return 0;
}

int block_spec_parse(const char *spec, struct block_spec *out, char *err,
		     size_t errlen)
{
	struct spec_err e = { err, errlen };
	unsigned int seen = 0;
	const char *p = spec;
	char *val;
	int r = 0;

	if (errlen)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	out->driver = BLOCK_DRIVER_RAW;
	out->read_zeroes = true; /* secure by default: no stale data */
	if (!*spec)
		return spec_error(&e, "drive: empty spec");
	val = malloc(PATH_MAX);
	if (!val) {
		spec_error(&e, "drive: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (;;) {
		r = spec_parse_option(&p, out, &seen, val, &e);
		if (r || !*p)
			break;
		p++; /* the ',' between two options */
	}
	free(val);
	return r ? r : spec_check_driver(out, seen, &e);
}

/* Append val to buf at *pos with each ',' doubled. */
static int append_escaped(char *buf, size_t len, size_t *pos, const char *val)
{
	for (; *val; val++) {
		size_t need = *val == ',' ? 2 : 1;

		if (len - *pos <= need)
			return -ENAMETOOLONG;
		buf[(*pos)++] = *val;
		if (need == 2)
			buf[(*pos)++] = ',';
	}
	buf[*pos] = '\0';
	return 0;
}

static int append_fmt(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int append_fmt(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *pos)
		return -ENAMETOOLONG;
	*pos += (size_t)n;
	return 0;
}

static const char *on_off(bool b)
{
	return b ? "on" : "off";
}

int block_spec_format(const struct block_spec *s, char *buf, size_t len)
{
	size_t pos = 0;

	if (s->driver == BLOCK_DRIVER_NULL_CO)
		return append_fmt(buf, len, &pos,
				  "driver=null-co,size=%llu,read-zeroes=%s,"
				  "latency-ns=%llu,readonly=%s",
				  (unsigned long long)s->size,
				  on_off(s->read_zeroes),
				  (unsigned long long)s->latency_ns,
				  on_off(s->readonly));
	if (append_fmt(buf, len, &pos, "driver=raw,file=") ||
	    append_escaped(buf, len, &pos, s->file))
		return -ENAMETOOLONG;
	return append_fmt(buf, len, &pos, ",readonly=%s,direct=%s",
			  on_off(s->readonly), on_off(s->direct));
}

int block_check_request(const struct block_backend *bb, const struct iovec *iov,
			int iovcnt, uint64_t offset, size_t *len)
{
	size_t total = 0;
	uint64_t end;

	if (iovcnt < 0)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++)
		if (__builtin_add_overflow(total, iov[i].iov_len, &total))
			return -EINVAL;
	if (__builtin_add_overflow(offset, (uint64_t)total, &end) ||
	    end > bb->size)
		return -EINVAL;
	*len = total;
	return 0;
}

/*
 * The desc names the file by absolute path so that a snapshot restored from
 * another working directory reopens the same file.
 */
static void spec_make_file_absolute(struct block_spec *s)
{
	char *abs = realpath(s->file, NULL);
	size_t len = abs ? strlen(abs) : sizeof(s->file);

	if (len < sizeof(s->file))
		memcpy(s->file, abs, len + 1);
	free(abs);
}

int block_open(const char *spec, struct block_backend **out, char *err,
	       size_t errlen)
{
	struct block_spec *s = malloc(sizeof(*s));
	struct spec_err e = { err, errlen };
	int r;

	*out = NULL;
	if (!s) {
		spec_error(&e, "drive: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	r = block_spec_parse(spec, s, err, errlen);
	if (!r && s->driver == BLOCK_DRIVER_RAW)
		r = raw_open(s, out, err, errlen);
	else if (!r)
		r = null_co_open(s, out, err, errlen);
	if (!r && s->driver == BLOCK_DRIVER_RAW)
		spec_make_file_absolute(s);
	if (!r && block_spec_format(s, (*out)->desc, sizeof((*out)->desc))) {
		block_close(*out);
		*out = NULL;
		r = spec_error(&e, "drive: file=%s: path too long", s->file);
	}
	free(s);
	return r;
}

void block_close(struct block_backend *bb)
{
	if (bb)
		bb->ops->close(bb);
}
