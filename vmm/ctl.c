// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigil ctl: builds the JSON request, sends it over the control socket and
 * prints the reply. The reply comes from a vigil process, but it is parsed
 * like any input: bounded, and checked for the fields printed. For a
 * snapshot it also does the file-system work vigil's sandbox does not
 * allow (vmm/snapshot_dir.h): vigil writes into the two files it is sent.
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

#include "vmm/snapshot_dir.h"

#define CTL_EXIT_REFUSED 1
#define CTL_EXIT_USAGE 2
#define CTL_MAX_REPLY 65536u
/* A snapshot of a large guest takes a while; a hung vigil does not. */
#define CTL_TIMEOUT_S 600

static const char ctl_usage[] =
	"Usage: vigil ctl [--json] SOCKET COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  status               running or paused, vCPUs, memory, virtio\n"
	"                       devices, and the counters of those that keep\n"
	"                       them (virtio-net: frames, drops by reason)\n"
	"  pause                stop every vCPU at a clean point\n"
	"  resume               let them run again\n"
	"  snapshot DIR [--paused]\n"
	"                       save the VM to DIR (state and memory files);\n"
	"                       it runs on afterwards unless --paused. DIR is\n"
	"                       created (mode 0700), or must be yours, not\n"
	"                       writable by others, and hold nothing but a\n"
	"                       previous snapshot, which is replaced. vigil\n"
	"                       ctl creates the files (0600, yours) and\n"
	"                       passes them over SOCKET; vigil opens none\n"
	"  quit                 stop vigil (exit status 0)\n"
	"\n"
	"  --json               print vigil's reply as it is (JSON)\n"
	"\n"
	"Exit status: 0 done; 1 vigil refused, or DIR is unsafe (the\n"
	"reason on stderr); 2 bad usage, or no reply on SOCKET.\n";

static int usage(const char *why)
{
	fprintf(stderr, "vigil ctl: %s\n", why);
	fputs(ctl_usage, stderr);
	return CTL_EXIT_USAGE;
}

static struct json_object *build_request(int argc, char **argv, char *err,
					 size_t errlen)
{
	const char *cmd = argv[0];
	struct json_object *req = json_object_new_object();
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
	if (snapshot)
		json_object_object_add(req, "paused",
				       json_object_new_boolean(want == 3));
	return req;
}

static int connect_to(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CTL_TIMEOUT_S };
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

/* The request line, with the snapshot's two files when fds is not NULL. */
static bool send_request(int sock, char *line, const int *fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = line, .iov_len = strlen(line) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(2 * sizeof(int));
		memcpy(CMSG_DATA(c), fds, 2 * sizeof(int));
	}
	/* Requests are short: one sendmsg takes them whole, fds and all. */
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)iov.iov_len;
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

/* A line a device with counters: "  virtio-net0: tx_frames 3, ...". */
static void print_devices(struct json_object *r)
{
	struct json_object *devs;

	if (!json_object_object_get_ex(r, "devices", &devs) ||
	    !json_object_is_type(devs, json_type_object))
		return;
	json_object_object_foreach(devs, name, counters) {
		const char *sep = ":";

		if (!json_object_is_type(counters, json_type_object) ||
		    json_object_object_length(counters) == 0)
			continue;
		printf("  %s", name);
		json_object_object_foreach(counters, key, val) {
			printf("%s %s %llu", sep, key,
			       (unsigned long long)json_object_get_uint64(val));
			sep = ",";
		}
		printf("\n");
	}
}

static void print_ok(const char *cmd, const char *arg, struct json_object *r)
{
	const char *status = get_string(r, "status");

	if (!strcmp(cmd, "snapshot"))
		printf("snapshot saved to %s in %.1f ms: state %lld bytes, "
		       "memory %lld bytes (%lld of data); vigil is %s\n",
		       arg, get_double(r, "total_ms"),
		       (long long)get_int(r, "state_bytes"),
		       (long long)get_int(r, "memory_bytes"),
		       (long long)get_int(r, "memory_data_bytes"),
		       status ? status : "?");
	else if (!strcmp(cmd, "status")) {
		printf("%s: %lld vCPUs, %lld MiB, %lld virtio devices\n",
		       status ? status : "?", (long long)get_int(r, "vcpus"),
		       (long long)(get_int(r, "memory") >> 20),
		       (long long)get_int(r, "drives"));
		print_devices(r);
	} else
		printf("%s\n", status ? status : "ok");
}

/* Whether a reply line (perhaps NULL) is {"ok": true, ...}. */
static bool reply_says_ok(const char *line)
{
	struct json_object *r = line ? json_tokener_parse(line) : NULL;
	struct json_object *ok;
	bool yes = r && json_object_is_type(r, json_type_object) &&
		   json_object_object_get_ex(r, "ok", &ok) &&
		   json_object_is_type(ok, json_type_boolean) &&
		   json_object_get_boolean(ok);

	json_object_put(r);
	return yes;
}

/* Print the reply; the exit status says whether vigil did it. */
static int report(const char *cmd, const char *arg, const char *line, bool json)
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
	status = reply_says_ok(line) ? 0 : CTL_EXIT_REFUSED;
	if (json)
		printf("%s\n", line);
	else if (status == 0)
		print_ok(cmd, arg, r);
	else
		fprintf(stderr, "vigil ctl: %s\n",
			get_string(r, "error") ? get_string(r, "error") : "?");
	json_object_put(r);
	return status;
}

/* One request and its reply line (NULL when none came). */
static char *exchange(const char *sock, struct json_object *req, const int *fds)
{
	const char *text =
		json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	char *line = malloc(strlen(text) + 2);
	char *reply = NULL;
	int fd = connect_to(sock);

	if (fd < 0) {
		fprintf(stderr, "vigil ctl: %s: %s\n", sock, strerror(errno));
		free(line);
		return NULL;
	}
	if (line) {
		snprintf(line, strlen(text) + 2, "%s\n", text);
		if (send_request(fd, line, fds))
			reply = read_reply(fd);
	}
	if (!reply)
		fprintf(stderr, "vigil ctl: %s: no reply\n", sock);
	free(line);
	close(fd);
	return reply;
}

/* The snapshot's directory and files around the request. */
static int ctl_snapshot(const char *sock, struct json_object *req,
			const char *dir, bool json)
{
	struct snapshot_dir sd;
	char err[512];
	char *reply;
	int status;

	if (snapshot_dir_prepare(&sd, dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil ctl: %s\n", err);
		return CTL_EXIT_REFUSED;
	}
	reply = exchange(sock, req, (const int[]){ sd.memory_fd, sd.state_fd });
	/* Renamed into place before "saved" is printed. */
	if (reply_says_ok(reply) &&
	    snapshot_dir_commit(&sd, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil ctl: %s: %s\n", dir, err);
		status = CTL_EXIT_REFUSED;
	} else {
		status = reply ? report("snapshot", dir, reply, json) :
				 CTL_EXIT_USAGE;
	}
	if (status != 0)
		snapshot_dir_abort(&sd);
	snapshot_dir_close(&sd);
	free(reply);
	return status;
}

int ctl_main(int argc, char **argv)
{
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	struct json_object *req;
	char err[256];
	char *reply;
	int status;

	argv += json ? 2 : 1;
	argc -= json ? 2 : 1;
	if (argc == 1 &&
	    (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
		fputs(ctl_usage, stdout);
		return 0;
	}
	if (argc < 2)
		return usage("a socket and a command are needed");
	req = build_request(argc - 1, argv + 1, err, sizeof(err));
	if (!req)
		return usage(err);
	if (!strcmp(argv[1], "snapshot")) {
		status = ctl_snapshot(argv[0], req, argv[2], json);
	} else {
		reply = exchange(argv[0], req, NULL);
		status = reply ? report(argv[1], NULL, reply, json) :
				 CTL_EXIT_USAGE;
		free(reply);
	}
	json_object_put(req);
	return status;
}
