// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket's request parser: one strict JSON object per line.
 * Each request a lenient parser would take another way is refused:
 * a key given twice (json-c keeps the last: a "status" that quits),
 * escapes, comments, single quotes, trailing commas.
 */
#include <string.h>

#include "tests/support/tap.h"
#include "vmm/control.h"

static int parse(const char *line, struct control_request *req, char *err,
		 size_t errlen)
{
	err[0] = '\0';
	return control_parse_request(line, strlen(line), req, err, errlen);
}

static void test_accepted(void)
{
	struct control_request req;
	char err[256];

	CHECK(parse("{\"command\":\"status\"}", &req, err, sizeof(err)) == 0 &&
		      req.command == CONTROL_STATUS,
	      "status (%s)", err);
	CHECK(parse(" { \"command\" : \"snapshot\" , \"paused\" : true } ",
		    &req, err, sizeof(err)) == 0 &&
		      req.command == CONTROL_SNAPSHOT && req.paused,
	      "snapshot, paused, with blanks around (%s)", err);
}

static void test_refused(void)
{
	static const struct {
		const char *line, *needle, *what;
	} cases[] = {
		{ "{\"command\":\"status\",\"command\":\"quit\"}", "twice",
		  "the command given twice" },
		{ "{\"command\":\"snapshot\",\"paused\":true,\"paused\":false}",
		  "twice", "paused given twice" },
		{ "{\"command\":\"status\", \"command\" :\"status\"}", "twice",
		  "the same key twice, blanks before the colon" },
		{ "{\"command\":\"status\",\"comm\\u0061nd\":\"quit\"}",
		  "escape", "a key spelled with an escape" },
		{ "{\"command\":\"snapshot\",\"paused\\u0000x\":true}",
		  "escape", "an escaped NUL in a key" },
		{ "{'command':'status'}", "not JSON", "single quotes" },
		{ "{\"command\":\"status\",}", "not JSON", "a trailing comma" },
		{ "{\"command\":\"status\"}/*x*/", "after the JSON object",
		  "a comment after the object" },
		{ "{\"command\":/*x*/\"status\"}", "not JSON",
		  "a comment inside" },
		{ "{\"command\":\"status\"} x", "after the JSON object",
		  "text after the object" },
	};
	struct control_request req;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(parse(cases[i].line, &req, err, sizeof(err)) < 0 &&
			      strstr(err, cases[i].needle),
		      "%s: refused (%s)", cases[i].what, err);
}

int main(void)
{
	test_accepted();
	test_refused();
	return tap_done();
}
