// SPDX-License-Identifier: GPL-2.0-only
#include "lib/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/log.h"

static const char *program = "vigil";

void cli_set_program(const char *name)
{
	program = name;
}

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", program);
	exit(CLI_EXIT_USAGE);
}

void cli_getopt_error(int opt, char **argv)
{
	if (opt == ':')
		cli_usage_error("option '%s' needs a value", argv[optind - 1]);
	cli_usage_error("unknown option '%s'", argv[optind - 1]);
}

void cli_parse_log_mask(const char *arg, unsigned int *mask)
{
	if (log_parse_mask(arg, mask) < 0)
		cli_usage_error("-d %s: known items are guest_errors, unimp, "
				"trace",
				arg);
}
