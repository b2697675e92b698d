/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What vigil's and vigil-blkd's command lines share: one line on a usage
 * error and the way out (status 2), the getopt loop's error cases, the
 * -d log list, and the --drive spec's help lines. Only a program's main()
 * and its command line exit; these helpers are part of the latter.
 */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

/* A bad option or value: the exit status of both programs. */
#define CLI_EXIT_USAGE 2

/* The --drive SPEC lines of --help (vigil's --drive, vigil-blkd's). */
#define CLI_DRIVE_SPEC_USAGE                                                         \
	"                           file=PATH[,readonly=on][,direct=on]\n"           \
	"                           driver=null-co,size=SIZE[,read-zeroes=on|off]\n" \
	"                                         [,latency-ns=N][,readonly=on]\n"   \
	"                         null-co reads return zeros unless\n"               \
	"                         read-zeroes=off (benchmarks only)\n"

/* The name messages start with ("vigil"); main() sets it first. */
void cli_set_program(const char *name);

/*
 * "PROGRAM: MESSAGE", then "Try 'PROGRAM --help'.", on stderr, and exit
 * with CLI_EXIT_USAGE.
 */
__attribute__((noreturn, format(printf, 1, 2))) void
cli_usage_error(const char *fmt, ...);

/*
 * getopt_long() with opterr = 0 and an optstring starting with ':'
 * returned '?' or ':' for argv[optind - 1]: say which, and exit.
 */
__attribute__((noreturn)) void cli_getopt_error(int opt, char **argv);

/* -d LIST into *mask, or a usage error naming the known items. */
void cli_parse_log_mask(const char *arg, unsigned int *mask);

#endif
