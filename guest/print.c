// SPDX-License-Identifier: GPL-2.0-only
/* A small vsnprintf and a printf that writes whole lines to the UART. */
#include <stdbool.h>
#include <stdint.h>

#include "print.h"
#include "serial.h"
#include "spinlock.h"
#include "string.h"

struct out {
	char *buf;
	size_t size;
	size_t len; /* characters produced, even past size */
};

struct spec {
	bool left;
	char pad;
	unsigned int width;
};

static void emit(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void emit_padded(struct out *o, const char *s, size_t n,
			const struct spec *sp)
{
	size_t fill = sp->width > n ? sp->width - n : 0;

	if (!sp->left) {
		/* A zero-padded negative number keeps its sign first. */
		if (sp->pad == '0' && n && *s == '-') {
			emit(o, *s++);
			n--;
		}
		while (fill--)
			emit(o, sp->pad);
	}
	while (n--)
		emit(o, *s++);
	if (sp->left) {
		while (fill--)
			emit(o, ' ');
	}
}

static void emit_number(struct out *o, uint64_t v, bool negative,
			unsigned int base, bool upper, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (negative)
		tmp[--i] = '-';
	emit_padded(o, tmp + i, sizeof(tmp) - i, sp);
}

static const char *parse_spec(const char *f, struct spec *sp)
{
	*sp = (struct spec){ .pad = ' ' };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->pad = '0';
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (unsigned int)(*f++ - '0');
	return f;
}

/* Reads one integer argument of the size the length modifier names. */
static uint64_t take_unsigned(va_list *ap, int longs)
{
	if (longs)
		return va_arg(*ap, unsigned long long);
	return va_arg(*ap, unsigned int);
}

static int64_t take_signed(va_list *ap, int longs)
{
	if (longs)
		return va_arg(*ap, long long);
	return va_arg(*ap, int);
}

static void format_one(struct out *o, char conv, int longs,
		       const struct spec *sp, va_list *ap)
{
	const char *s;
	int64_t sv;
	char c;

	switch (conv) {
	case 'c':
		c = (char)va_arg(*ap, int);
		emit_padded(o, &c, 1, sp);
		break;
	case 's':
		s = va_arg(*ap, const char *);
		if (!s)
			s = "(null)";
		emit_padded(o, s, strlen(s), sp);
		break;
	case 'd':
	case 'i':
		sv = take_signed(ap, longs);
		emit_number(o, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, sv < 0,
			    10, false, sp);
		break;
	case 'u':
		emit_number(o, take_unsigned(ap, longs), false, 10, false, sp);
		break;
	case 'x':
	case 'X':
		emit_number(o, take_unsigned(ap, longs), false, 16, conv == 'X',
			    sp);
		break;
	case 'p':
		emit(o, '0');
		emit(o, 'x');
		emit_number(o, (uintptr_t)va_arg(*ap, void *), false, 16, false,
			    sp);
		break;
	default:
		emit(o, '%');
		if (conv)
			emit(o, conv);
		break;
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size };
	struct spec sp;
	va_list args;
	int longs;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			emit(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		for (longs = 0; *fmt == 'l' || *fmt == 'z'; fmt++)
			longs++;
		if (*fmt == '%') {
			emit(&o, '%');
			fmt++;
			continue;
		}
		format_one(&o, *fmt, longs, &sp, &args);
		if (*fmt)
			fmt++;
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static struct spinlock print_lock;

/* Interrupts are off while the lock is held, so a handler that prints
 * (the watchdog, an unexpected vector) cannot deadlock on it. */
void vprintf(const char *fmt, va_list ap)
{
	char line[512];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	uint64_t flags;

	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	flags = irq_save();
	spin_lock(&print_lock);
	serial_write(line, (size_t)n);
	spin_unlock(&print_lock);
	irq_restore(flags);
}

void printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
