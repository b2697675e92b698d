// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/console.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

void console_init(struct console *c, int in_fd, struct serial *serial)
{
	memset(c, 0, sizeof(*c));
	c->in_fd = in_fd;
	c->serial = serial;
	if (in_fd >= 0 && isatty(in_fd) && tcgetattr(in_fd, &c->saved) == 0) {
		struct termios raw = c->saved;

		cfmakeraw(&raw);
		/* Keep output post-processing: the guest prints \r\n itself,
		 * but log lines from vigil print plain \n. */
		raw.c_oflag |= OPOST | ONLCR;
		if (tcsetattr(in_fd, TCSANOW, &raw) == 0)
			c->raw = true;
	}
}

void console_restore(struct console *c)
{
	if (c->raw) {
		tcsetattr(c->in_fd, TCSANOW, &c->saved);
		c->raw = false;
	}
}

void console_flush_pending(struct console *c)
{
	size_t n;

	if (c->pending_off == c->nr_pending)
		return;
	n = serial_receive(c->serial, c->pending + c->pending_off,
			   c->nr_pending - c->pending_off);
	c->pending_off += n;
	if (c->pending_off == c->nr_pending)
		c->pending_off = c->nr_pending = 0;
}

bool console_wants_input(const struct console *c)
{
	return c->in_fd >= 0 && !c->eof && c->nr_pending == 0 &&
	       serial_rx_has_space(c->serial);
}

/* Apply the escape key to the raw bytes; returns false on Ctrl-a x. */
static bool console_filter(struct console *c, const uint8_t *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = in[i];

		if (c->raw && c->escape_pending) {
			c->escape_pending = false;
			if (ch == 'x' || ch == 'X')
				return false;
			if (ch != CONSOLE_ESCAPE)
				continue; /* unknown escape: drop it */
		} else if (c->raw && ch == CONSOLE_ESCAPE) {
			c->escape_pending = true;
			continue;
		}
		c->pending[c->nr_pending++] = ch;
	}
	return true;
}

bool console_read_input(struct console *c)
{
	uint8_t buf[sizeof(c->pending)];
	ssize_t n;

	if (c->nr_pending)
		return true;
	n = read(c->in_fd, buf, sizeof(buf));
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return true;
		log_error("console: read: %s", strerror(errno));
		c->eof = true;
		return true;
	}
	if (n == 0) {
		c->eof = true;
		return true;
	}
	if (!console_filter(c, buf, (size_t)n))
		return false;
	console_flush_pending(c);
	return true;
}
