// SPDX-License-Identifier: GPL-2.0-only
#include "net/net_spec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "devices/virtio_net.h"
#include "lib/parse.h"

static int spec_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int spec_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A value into a fixed buffer: too long is an error, never a cut. */
static int copy_value(char *dst, size_t size, const char *key, const char *v,
		      char *err, size_t errlen)
{
	if (strlen(v) >= size)
		return spec_error(err, errlen,
				  "net: %s=%s: longer than %zu bytes", key, v,
				  size - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int parse_port(const char *s, size_t len, uint16_t *port)
{
	char buf[8];
	uint64_t n;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_u64(buf, &n) < 0 || n == 0 || n > 65535)
		return -EINVAL;
	*port = (uint16_t)n;
	return 0;
}

/* forward=tcp:HOST:GUEST or udp:HOST:GUEST, ports 1..65535. */
static int parse_forward(struct net_spec *s, const char *v, char *err,
			 size_t errlen)
{
	struct net_forward f = { 0 };
	const char *host, *guest;

	if (s->nr_forwards == NET_SPEC_MAX_FORWARDS)
		return spec_error(err, errlen, "net: more than %u forward=",
				  NET_SPEC_MAX_FORWARDS);
	if (!strncmp(v, "tcp:", 4))
		f.udp = false;
	else if (!strncmp(v, "udp:", 4))
		f.udp = true;
	else
		return spec_error(err, errlen,
				  "net: forward=%s: expected tcp:HOST:GUEST or "
				  "udp:HOST:GUEST",
				  v);
	host = v + 4;
	guest = strchr(host, ':');
	if (!guest || parse_port(host, (size_t)(guest - host), &f.host_port) ||
	    parse_port(guest + 1, strlen(guest + 1), &f.guest_port))
		return spec_error(err, errlen,
				  "net: forward=%s: ports are 1..65535", v);
	s->forward[s->nr_forwards++] = f;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Six two-digit hex bytes between colons, nothing else. */
static bool mac_from_string(const char *v, uint8_t mac[6])
{
	if (strlen(v) != 17)
		return false;
	for (size_t i = 0; i < 6; i++) {
		const char *p = v + 3 * i;
		int hi = hex_digit(p[0]), lo = hex_digit(p[1]);

		if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static int parse_mac(struct net_spec *s, const char *v, char *err,
		     size_t errlen)
{
	if (!mac_from_string(v, s->mac))
		return spec_error(err, errlen,
				  "net: mac=%s: expected XX:XX:XX:XX:XX:XX", v);
	/* A multicast source address is no station's. */
	if (s->mac[0] & 1)
		return spec_error(err, errlen,
				  "net: mac=%s: a multicast address", v);
	s->has_mac = true;
	return 0;
}

static int parse_number(const char *key, const char *v, uint64_t min,
			uint64_t max, uint64_t *n, char *err, size_t errlen)
{
	if (parse_u64(v, n) < 0 || *n < min || *n > max)
		return spec_error(err, errlen,
				  "net: %s=%s: expected %llu..%llu", key, v,
				  (unsigned long long)min,
				  (unsigned long long)max);
	return 0;
}

/* One key=value, checked against the backend that takes it. */
static int parse_option(struct net_spec *s, const char *key, const char *v,
			char *err, size_t errlen)
{
	bool passt = s->type == NET_BACKEND_PASST;
	uint64_t n;
	int r;

	if (!strcmp(key, "mac"))
		return parse_mac(s, v, err, errlen);
	if (!strcmp(key, "mtu")) {
		r = parse_number(key, v, VIRTIO_NET_MIN_MTU, VIRTIO_NET_MAX_MTU,
				 &n, err, errlen);
		s->mtu = (unsigned int)n;
		return r;
	}
	if (passt && !strcmp(key, "socket"))
		return copy_value(s->socket, sizeof(s->socket), key, v, err,
				  errlen);
	if (passt && !strcmp(key, "binary"))
		return copy_value(s->binary, sizeof(s->binary), key, v, err,
				  errlen);
	if (passt && !strcmp(key, "forward"))
		return parse_forward(s, v, err, errlen);
	if (!passt && !strcmp(key, "ifname"))
		return copy_value(s->ifname, sizeof(s->ifname), key, v, err,
				  errlen);
	if (!passt && !strcmp(key, "fd")) {
		/* 0..2 are vigil's own standard streams. */
		r = parse_number(key, v, 3, INT_MAX, &n, err, errlen);
		s->fd = (int)n;
		return r;
	}
	return spec_error(err, errlen, "net: unknown option '%s' for %s", key,
			  passt ? "passt" : "tap");
}

/*
 * The keys a spec may give once: a second mac= or mtu= would silently win
 * over the first, so it is refused. forward= may repeat. Bit i of the
 * seen mask is once_keys[i].
 */
enum { KEY_MAC, KEY_MTU, KEY_SOCKET, KEY_BINARY, KEY_IFNAME, KEY_FD };
static const char *const once_keys[] = {
	[KEY_MAC] = "mac",	 [KEY_MTU] = "mtu",
	[KEY_SOCKET] = "socket", [KEY_BINARY] = "binary",
	[KEY_IFNAME] = "ifname", [KEY_FD] = "fd",
};

/* True when both keys a and b are in the seen mask. */
static bool seen_both(unsigned int seen, unsigned int a, unsigned int b)
{
	return (seen & (1u << a)) && (seen & (1u << b));
}

/* Record key in *seen; false when it is a once-only key given before. */
static bool note_key(const char *key, unsigned int *seen)
{
	for (size_t i = 0; i < sizeof(once_keys) / sizeof(*once_keys); i++) {
		if (strcmp(key, once_keys[i]) != 0)
			continue;
		if (*seen & (1u << i))
			return false;
		*seen |= 1u << i;
	}
	return true;
}

/* The options after the backend's name, each key=value. */
static int parse_options(struct net_spec *s, char *opts, char *err,
			 size_t errlen)
{
	char *save = NULL;
	unsigned int seen = 0;

	for (char *tok = strtok_r(opts, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int r;

		if (!eq || eq == tok || !eq[1])
			return spec_error(err, errlen,
					  "net: '%s' is not key=value", tok);
		*eq = '\0';
		if (!note_key(tok, &seen))
			return spec_error(err, errlen,
					  "net: duplicate key '%s'", tok);
		r = parse_option(s, tok, eq + 1, err, errlen);
		if (r < 0)
			return r;
	}
	if (seen_both(seen, KEY_SOCKET, KEY_BINARY) ||
	    seen_both(seen, KEY_IFNAME, KEY_FD))
		return spec_error(err, errlen, "net: %s: give one of %s",
				  s->type == NET_BACKEND_PASST ? "passt" :
								 "tap",
				  s->type == NET_BACKEND_PASST ?
					  "socket= and binary=, once" :
					  "ifname= and fd=, once");
	/* Forwards are passt's own options: only a passt vigil starts. */
	if (s->socket[0] && s->nr_forwards)
		return spec_error(err, errlen,
				  "net: forward= needs a passt vigil starts, "
				  "not socket=");
	return 0;
}

int net_spec_parse(const char *spec, struct net_spec *out, char *err,
		   size_t errlen)
{
	char buf[PATH_MAX + 512];
	size_t name_len = strcspn(spec, ",");
	int r;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (strlen(spec) >= sizeof(buf))
		return spec_error(err, errlen,
				  "net: spec longer than %zu bytes",
				  sizeof(buf) - 1);
	if (name_len == 5 && !strncmp(spec, "passt", 5))
		out->type = NET_BACKEND_PASST;
	else if (name_len == 3 && !strncmp(spec, "tap", 3))
		out->type = NET_BACKEND_TAP;
	else
		return spec_error(err, errlen,
				  "net: '%.*s': expected passt or tap",
				  (int)name_len, spec);
	/* ",," and a trailing ',' would be skipped by strtok_r: refuse. */
	if (strstr(spec, ",,") || (spec[name_len] && !spec[name_len + 1]) ||
	    spec[strlen(spec) - 1] == ',')
		return spec_error(err, errlen, "net: '%s': an empty option",
				  spec);
	memcpy(buf, spec, strlen(spec) + 1);
	r = spec[name_len] ?
		    parse_options(out, buf + name_len + 1, err, errlen) :
		    0;
	if (r == 0 && out->type == NET_BACKEND_TAP && out->fd < 0 &&
	    !out->ifname[0])
		r = spec_error(err, errlen,
			       "net: tap needs ifname=NAME or fd=N");
	if (r == 0 && out->type == NET_BACKEND_PASST && !out->socket[0] &&
	    !out->binary[0])
		memcpy(out->binary, "passt", sizeof("passt"));
	return r;
}
