// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigil ctl: builds the JSON request, sends it over the control socket and
 * prints the reply. The reply comes from a vigil process, but it is parsed
 * like any input: bounded, and checked for the fields printed.
 */
#include "vmm/ctl.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_EXIT_REFUSED 1
#define CTL_EXIT_USAGE 2
#define CTL_MAX_REPLY 65536u
/* A snapshot of a large guest takes a while; a hung vigil does not. */
#define CTL_TIMEOUT_S 600

static const char ctl_usage[] =
    "Usage: vigil ctl [--json] SOCKET COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  status               running or paused, vCPUs, memory, drives\n"
    "  pause                stop every vCPU at a clean point\n"
    "  resume               let them run again\n"
    "  snapshot DIR [--paused]\n"
    "                       save the VM to DIR (state and memory files);\n"
    "                       it runs on afterwards unless --paused\n"
    "  quit                 stop vigil (exit status 0)\n"
    "\n"
    "  --json               print vigil's reply as it is (JSON)\n";

static int usage(const char *why)
{
	fprintf(stderr, "vigil ctl: %s\n", why);
	fputs(ctl_usage, stderr);
	return CTL_EXIT_USAGE;
}

/* DIR relative to the caller's directory, not to vigil's. */
static int absolute_path(const char *dir, char *out, size_t len)
{
	char *cwd;
	int r;

	if (dir[0] == '/')
		return (size_t)snprintf(out, len, "%s", dir) < len ? 0 : -1;
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return -1;
	r = (size_t)snprintf(out, len, "%s/%s", cwd, dir) < len ? 0 : -1;
	free(cwd);
	return r;
}

static struct json_object *build_request(int argc, char **argv, char *err,
					 size_t errlen)
{
	const char *cmd = argv[0];
	struct json_object *req = json_object_new_object();
	char path[PATH_MAX];
	bool snapshot = !strcmp(cmd, "snapshot");
	int want = snapshot ? 2 : 1;

	if (snapshot && argc == 3 && !strcmp(argv[2], "--paused"))
		want = 3;
	if (argc != want ||
	    (!snapshot && strcmp(cmd, "status") != 0 &&
	     strcmp(cmd, "pause") != 0 && strcmp(cmd, "resume") != 0 &&
	     strcmp(cmd, "quit") != 0)) {
		snprintf(err, errlen, "bad command or arguments");
		json_object_put(req);
		return NULL;
	}
	json_object_object_add(req, "command", json_object_new_string(cmd));
	if (snapshot) {
		if (absolute_path(argv[1], path, sizeof(path)) < 0) {
			snprintf(err, errlen, "%s: path too long", argv[1]);
			json_object_put(req);
			return NULL;
		}
		json_object_object_add(req, "path",
				       json_object_new_string(path));
		json_object_object_add(req, "paused",
				       json_object_new_boolean(want == 3));
	}
	return req;
}

static int connect_to(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = CTL_TIMEOUT_S};
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static bool write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		s += n;
		len -= (size_t)n;
	}
	return true;
}

/* One line of reply, NUL-terminated without its newline; NULL on error. */
static char *read_reply(int fd)
{
	char *buf = malloc(CTL_MAX_REPLY);
	size_t len = 0;

	while (buf && len < CTL_MAX_REPLY - 1) {
		ssize_t n = read(fd, buf + len, CTL_MAX_REPLY - 1 - len);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		nl = memchr(buf, '\n', len);
		if (nl) {
			*nl = '\0';
			return buf;
		}
	}
	free(buf);
	return NULL;
}

static const char *get_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t get_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	return json_object_get_int64(v);
}

static double get_double(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	return json_object_get_double(v);
}

static void print_ok(const char *cmd, struct json_object *r)
{
	const char *status = get_string(r, "status");

	if (!strcmp(cmd, "snapshot"))
		printf("snapshot saved to %s in %.1f ms: state %lld bytes, "
		       "memory %lld bytes (%lld of data); vigil is %s\n",
		       get_string(r, "path") ? get_string(r, "path") : "?",
		       get_double(r, "total_ms"),
		       (long long)get_int(r, "state_bytes"),
		       (long long)get_int(r, "memory_bytes"),
		       (long long)get_int(r, "memory_data_bytes"),
		       status ? status : "?");
	else if (!strcmp(cmd, "status"))
		printf("%s: %lld vCPUs, %lld MiB, %lld drives\n",
		       status ? status : "?", (long long)get_int(r, "vcpus"),
		       (long long)(get_int(r, "memory") >> 20),
		       (long long)get_int(r, "drives"));
	else
		printf("%s\n", status ? status : "ok");
}

/* Print the reply; the exit status says whether vigil did it. */
static int report(const char *cmd, const char *line, bool json)
{
	struct json_object *r = json_tokener_parse(line);
	struct json_object *ok;
	int status;

	if (!r || !json_object_is_type(r, json_type_object) ||
	    !json_object_object_get_ex(r, "ok", &ok)) {
		fprintf(stderr, "vigil ctl: unexpected reply: %.200s\n", line);
		json_object_put(r);
		return CTL_EXIT_USAGE;
	}
	status = json_object_get_boolean(ok) ? 0 : CTL_EXIT_REFUSED;
	if (json)
		printf("%s\n", line);
	else if (status == 0)
		print_ok(cmd, r);
	else
		fprintf(stderr, "vigil ctl: %s\n",
			get_string(r, "error") ? get_string(r, "error") : "?");
	json_object_put(r);
	return status;
}

int ctl_main(int argc, char **argv)
{
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	struct json_object *req;
	const char *text, *sock;
	char err[256];
	char *reply;
	int fd, status;

	argv += json ? 2 : 1;
	argc -= json ? 2 : 1;
	if (argc == 1 &&
	    (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
		fputs(ctl_usage, stdout);
		return 0;
	}
	if (argc < 2)
		return usage("a socket and a command are needed");
	sock = argv[0];
	req = build_request(argc - 1, argv + 1, err, sizeof(err));
	if (!req)
		return usage(err);
	fd = connect_to(sock);
	if (fd < 0) {
		fprintf(stderr, "vigil ctl: %s: %s\n", sock, strerror(errno));
		json_object_put(req);
		return CTL_EXIT_USAGE;
	}
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	reply = write_all(fd, text, strlen(text)) && write_all(fd, "\n", 1)
		    ? read_reply(fd)
		    : NULL;
	close(fd);
	if (!reply) {
		fprintf(stderr, "vigil ctl: %s: no reply\n", sock);
		json_object_put(req);
		return CTL_EXIT_USAGE;
	}
	status = report(argv[1], reply, json);
	free(reply);
	json_object_put(req);
	return status;
}
