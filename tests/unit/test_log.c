// SPDX-License-Identifier: GPL-2.0-only
/*
 * Log lines carry strings from guests and files (a snapshot's property
 * names, a device spec): none of their control characters reaches the
 * terminal or the log file, and a line too long is cut, marked, whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "tests/support/tap.h"

static char path[] = "/tmp/vigil-test-log-XXXXXX";

/* What the log file holds now; emptied for the next check. */
static char *take_file(void)
{
	static char buf[4 * LOG_LINE_MAX];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	if (truncate(path, 0) < 0)
		buf[0] = '\0';
	return buf;
}

static void test_controls_escaped(void)
{
	guest_error("node '%s'", "\x1b]0;title\x07\x1b[2J\nvigil: fake\x7f");
	CHECK(!strcmp(take_file(), "node '?]0;title??[2J?vigil: fake?'\n"),
	      "ESC, BEL, newline and DEL in a message become '?'");
}

static void test_utf8_kept(void)
{
	guest_error("file '%s'", "d\xc3\xa9j\xc3\xa0.img");
	CHECK(!strcmp(take_file(), "file 'd\xc3\xa9j\xc3\xa0.img'\n"),
	      "UTF-8 in a file name is kept");
}

static void test_long_line_cut(void)
{
	char *big = malloc(3 * LOG_LINE_MAX);
	const char *got;
	size_t len;

	memset(big, 'a', 3 * LOG_LINE_MAX - 1);
	big[3 * LOG_LINE_MAX - 1] = '\0';
	guest_error("%s", big);
	got = take_file();
	len = strlen(got);
	CHECK(len == LOG_LINE_MAX && !strcmp(got + len - 4, "...\n"),
	      "a long line is cut to %u bytes, ending in '...' (%zu)",
	      LOG_LINE_MAX, len);
	free(big);
}

int main(void)
{
	int fd = mkstemp(path);

	CHECK(fd >= 0 && log_set_file(path) == 0, "a log file");
	close(fd);
	log_set_mask(LOG_GUEST_ERROR);
	test_controls_escaped();
	test_utf8_kept();
	test_long_line_cut();
	log_close();
	unlink(path);
	return tap_done();
}
