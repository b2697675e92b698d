// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket server. Every byte from a client is untrusted: lines
 * are bounded, JSON is parsed by json-c with a depth limit, and a request
 * is checked key by key before it does anything.
 */
#include "vmm/control.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/event_loop.h"
#include "lib/log.h"
#include "lib/scm_fds.h"
#include "vmm/machine.h"
#include "vmm/machine_snapshot.h"

struct control_client {
	struct control *ctl;
	int fd;
	size_t len;
	char buf[CONTROL_MAX_REQUEST];
	/* Descriptors received and not yet used by a request. */
	int fds[CONTROL_MAX_FDS];
	unsigned int nr_fds;
	bool fds_overflow; /* more than CONTROL_MAX_FDS, or truncated */
};

struct control {
	int listen_fd;
	struct machine *m;
	struct event_loop *el;
	struct control_client clients[CONTROL_MAX_CLIENTS];
};

/* ---- replies ------------------------------------------------------------ */

static void client_drop_fds(struct control_client *cl)
{
	for (unsigned int i = 0; i < cl->nr_fds; i++)
		close(cl->fds[i]);
	cl->nr_fds = 0;
	cl->fds_overflow = false;
}

static void client_close(struct control_client *cl)
{
	client_drop_fds(cl);
	if (cl->fd < 0)
		return;
	event_loop_remove(cl->ctl->el, cl->fd);
	close(cl->fd);
	cl->fd = -1;
	cl->len = 0;
}

/* One line; a client that cannot take it at once is dropped. */
static void send_reply(struct control_client *cl, struct json_object *reply)
{
	const char *text = json_object_to_json_string_ext(
		reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(text) + 1; /* with the newline */
	char *line = malloc(len + 1);
	ssize_t n = -1;

	if (line) {
		snprintf(line, len + 1, "%s\n", text);
		n = write(cl->fd, line, len);
		free(line);
	}
	if (n != (ssize_t)len)
		client_close(cl);
}

static struct json_object *reply_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static struct json_object *reply_error(const char *fmt, ...)
{
	struct json_object *r = json_object_new_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(r, "ok", json_object_new_boolean(0));
	json_object_object_add(r, "error", json_object_new_string(msg));
	return r;
}

static const char *status_word(const struct machine *m)
{
	return machine_paused(m) ? "paused" : "running";
}

static struct json_object *reply_ok(const struct machine *m)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "status",
			       json_object_new_string(status_word(m)));
	return r;
}

/* ---- commands ------------------------------------------------------------ */

/* Each virtio device by name, with its counters (net: frames, drops). */
static struct json_object *devices_status(struct machine *m)
{
	struct json_object *devs = json_object_new_object();
	struct virtio_kind_counter cnt[VIRTIO_KIND_MAX_COUNTERS];

	for (unsigned int i = 0; i < m->nr_slots; i++) {
		struct json_object *d = json_object_new_object();
		unsigned int n = virtio_slot_counters(m->slots[i], cnt,
						      VIRTIO_KIND_MAX_COUNTERS);

		for (unsigned int k = 0; k < n; k++)
			json_object_object_add(
				d, cnt[k].name,
				json_object_new_uint64(cnt[k].value));
		json_object_object_add(devs, m->slots[i]->name, d);
	}
	return devs;
}

static struct json_object *cmd_status(struct control *c)
{
	struct json_object *r = reply_ok(c->m);

	json_object_object_add(r, "vcpus",
			       json_object_new_int((int32_t)c->m->nr_cpus));
	json_object_object_add(r, "memory",
			       json_object_new_int64((int64_t)c->m->ram_size));
	json_object_object_add(r, "drives",
			       json_object_new_int((int32_t)c->m->nr_slots));
	json_object_object_add(r, "devices", devices_status(c->m));
	return r;
}

static struct json_object *cmd_pause(struct control *c)
{
	int r = machine_pause(c->m);

	if (r < 0)
		return reply_error("cannot pause: %s", strerror(-r));
	return reply_ok(c->m);
}

static struct json_object *cmd_resume(struct control *c)
{
	machine_resume(c->m);
	return reply_ok(c->m);
}

static struct json_object *snapshot_reply(struct control *c,
					  const struct snapshot_stats *st,
					  uint64_t t0_ns)
{
	struct json_object *r = reply_ok(c->m);

	json_object_object_add(r, "state_bytes",
			       json_object_new_int64((int64_t)st->state_bytes));
	json_object_object_add(
		r, "memory_bytes",
		json_object_new_int64((int64_t)st->memory_bytes));
	json_object_object_add(
		r, "memory_data_bytes",
		json_object_new_int64((int64_t)st->memory_data_bytes));
	json_object_object_add(
		r, "save_ms",
		json_object_new_double((double)st->elapsed_ns / 1e6));
	json_object_object_add(
		r, "total_ms",
		json_object_new_double((double)(clock_monotonic_ns() - t0_ns) /
				       1e6));
	return r;
}

/*
 * A descriptor a client sent for a snapshot file: an empty regular file
 * open for writing, not appending (pwrite() would then ignore offsets).
 * Anything else - a directory, a FIFO, a read-only fd - is refused.
 */
static const char *snapshot_fd_problem(int fd)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	/*
	 * The fstat system call itself: glibc's fstat() is newfstatat() with
	 * a path, a call the sandbox keeps off every list.
	 */
	if (fl < 0 || syscall(SYS_fstat, fd, &st) < 0)
		return "not a usable descriptor";
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	if ((fl & O_ACCMODE) == O_RDONLY || (fl & O_APPEND))
		return "not open for writing (or open for appending)";
	return st.st_size ? "not empty" : NULL;
}

/* Exactly the memory and the state file, each fit for writing. */
static const char *snapshot_fds_problem(const struct control_client *cl)
{
	static const char *const names[] = { "memory", "state" };
	static char why[96];
	const char *bad;

	if (cl->fds_overflow)
		return "more than 2 file descriptors (or truncated ones)";
	if (cl->nr_fds != 2)
		return "needs 2 file descriptors (memory and state file), "
		       "sent with the request";
	for (unsigned int i = 0; i < 2; i++) {
		bad = snapshot_fd_problem(cl->fds[i]);
		if (bad) {
			snprintf(why, sizeof(why), "the %s file: %s", names[i],
				 bad);
			return why;
		}
	}
	return NULL;
}

static struct json_object *cmd_snapshot(struct control *c,
					const struct control_request *req,
					const struct control_client *cl)
{
	bool was_paused = machine_paused(c->m);
	const char *bad = snapshot_fds_problem(cl);
	struct snapshot_stats stats;
	uint64_t t0_ns;
	char err[512];
	int r;

	if (bad)
		return reply_error("snapshot: %s", bad);
	t0_ns = clock_monotonic_ns();
	r = machine_pause(c->m);
	if (r < 0)
		return reply_error("cannot pause: %s", strerror(-r));
	r = snapshot_save(c->m, cl->fds[0], cl->fds[1], &stats, err,
			  sizeof(err));
	if (!was_paused && !req->paused)
		machine_resume(c->m);
	if (r < 0) {
		log_error("snapshot: %s", err);
		return reply_error("snapshot: %s", err);
	}
	return snapshot_reply(c, &stats, t0_ns);
}

static struct json_object *cmd_quit(struct control *c)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "status", json_object_new_string("quitting"));
	log_info("quit requested on the control socket");
	machine_request_exit(c->m, VIGIL_EXIT_POWEROFF);
	return r;
}

/* ---- parsing --------------------------------------------------------------
 */

static const char *const command_names[] = {
	[CONTROL_STATUS] = "status", [CONTROL_PAUSE] = "pause",
	[CONTROL_RESUME] = "resume", [CONTROL_SNAPSHOT] = "snapshot",
	[CONTROL_QUIT] = "quit",
};

static int parse_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int parse_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The keys each command takes besides "command". */
static bool key_allowed(enum control_command cmd, const char *key)
{
	if (!strcmp(key, "command"))
		return true;
	return cmd == CONTROL_SNAPSHOT && !strcmp(key, "paused");
}

static int parse_command(struct json_object *obj, struct control_request *req,
			 char *err, size_t errlen)
{
	struct json_object *v;
	const char *name;

	if (!json_object_object_get_ex(obj, "command", &v) ||
	    !json_object_is_type(v, json_type_string))
		return parse_error(err, errlen,
				   "request: \"command\" (a string) missing");
	name = json_object_get_string(v);
	/* "status\u0000x" must not pass for status by its C string. */
	if (strlen(name) != (size_t)json_object_get_string_len(v))
		return parse_error(err, errlen,
				   "request: \"command\" contains a NUL byte");
	for (unsigned int i = 0; i < CONTROL_NR_COMMANDS; i++) {
		if (!strcmp(name, command_names[i])) {
			req->command = (enum control_command)i;
			return 0;
		}
	}
	return parse_error(err, errlen,
			   "unknown command '%.64s' (status, "
			   "pause, resume, snapshot, quit)",
			   name);
}

static int parse_fields(struct json_object *obj, struct control_request *req,
			char *err, size_t errlen)
{
	struct json_object *v;
	int r = parse_command(obj, req, err, errlen);

	if (r < 0)
		return r;
	json_object_object_foreach(obj, key, val) {
		(void)val;
		if (!key_allowed(req->command, key))
			return parse_error(err, errlen,
					   "request: unknown key "
					   "'%.64s' for command '%s'",
					   key, command_names[req->command]);
	}
	if (json_object_object_get_ex(obj, "paused", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return parse_error(err, errlen,
					   "paused: must be true or false");
		req->paused = json_object_get_boolean(v);
	}
	return 0;
}

static bool only_space(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* One JSON object and nothing after it but blanks. */
static struct json_object *parse_json(const char *line, size_t len, char *err,
				      size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(CONTROL_JSON_DEPTH);
	struct json_object *obj;
	enum json_tokener_error e;
	size_t end;

	if (!tok) {
		parse_error(err, errlen, "out of memory");
		return NULL;
	}
	/* RFC 8259 only: no comments, single quotes or trailing commas.
	 * Text after the object is refused below, with its own message. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_ALLOW_TRAILING_CHARS);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!obj || e != json_tokener_success)
		parse_error(err, errlen, "request: not JSON: %s",
			    e == json_tokener_success ?
				    "incomplete" :
				    json_tokener_error_desc(e));
	else if (end > len || !only_space(line + end, len - end))
		parse_error(err, errlen, "request: text after the JSON object");
	else if (!json_object_is_type(obj, json_type_object))
		parse_error(err, errlen, "request: not a JSON object");
	else
		return obj;
	json_object_put(obj);
	return NULL;
}

/*
 * Whether key stands as a key ("key" then ':') more than once in line.
 * json-c keeps the last of two equal keys, so {"command":"status",
 * "command":"quit"} would be a quit that a reader of the first key takes
 * for a status. Sound for a line without escapes (checked before) whose
 * values are all known words: no value then holds a quoted key and ':'.
 */
static bool key_repeated(const char *line, size_t len, const char *key)
{
	size_t klen = strlen(key), seen = 0;

	for (size_t i = 0; i + klen + 2 <= len; i++) {
		size_t j = i + klen + 2;

		if (line[i] != '"' || memcmp(line + i + 1, key, klen) != 0 ||
		    line[i + klen + 1] != '"')
			continue;
		while (j < len && (line[j] == ' ' || line[j] == '\t' ||
				   line[j] == '\r' || line[j] == '\n'))
			j++;
		if (j < len && line[j] == ':' && ++seen > 1)
			return true;
	}
	return false;
}

static int check_keys_once(struct json_object *obj, const char *line,
			   size_t len, char *err, size_t errlen)
{
	json_object_object_foreach(obj, key, val) {
		(void)val;
		if (key_repeated(line, len, key))
			return parse_error(err, errlen,
					   "request: key '%.64s' appears twice",
					   key);
	}
	return 0;
}

int control_parse_request(const char *line, size_t len,
			  struct control_request *req, char *err, size_t errlen)
{
	struct json_object *obj;
	int r;

	memset(req, 0, sizeof(*req));
	/* The bound also keeps len within json-c's int. */
	if (len > CONTROL_MAX_REQUEST)
		return parse_error(err, errlen, "request longer than %u bytes",
				   CONTROL_MAX_REQUEST);
	if (memchr(line, '\0', len))
		return parse_error(err, errlen, "request: contains a NUL byte");
	/* No request needs one; a key spelled with one (\u0063ommand)
	 * would hide from the check for repeated keys. */
	if (memchr(line, '\\', len))
		return parse_error(err, errlen,
				   "request: contains an escape ('\\'), which "
				   "no request uses");
	obj = parse_json(line, len, err, errlen);
	if (!obj)
		return -EINVAL;
	r = parse_fields(obj, req, err, errlen);
	if (r == 0)
		r = check_keys_once(obj, line, len, err, errlen);
	json_object_put(obj);
	return r;
}

static struct json_object *handle_line(struct control_client *cl,
				       const char *line, size_t len)
{
	struct control *c = cl->ctl;
	struct control_request req;
	char err[320];

	if (control_parse_request(line, len, &req, err, sizeof(err)) < 0)
		return reply_error("%s", err);
	/* Descriptors are for a snapshot only: never kept for later. */
	if (req.command != CONTROL_SNAPSHOT && (cl->nr_fds || cl->fds_overflow))
		return reply_error("%s: takes no file descriptors",
				   command_names[req.command]);
	switch (req.command) {
	case CONTROL_STATUS:
		return cmd_status(c);
	case CONTROL_PAUSE:
		return cmd_pause(c);
	case CONTROL_RESUME:
		return cmd_resume(c);
	case CONTROL_SNAPSHOT:
		return cmd_snapshot(c, &req, cl);
	case CONTROL_QUIT:
		return cmd_quit(c);
	default:
		return reply_error("no such command");
	}
}

/* ---- connections ----------------------------------------------------------
 */

/* Serve every complete line in the buffer; keep the incomplete rest. */
static void serve_lines(struct control_client *cl)
{
	char *nl;

	while (cl->fd >= 0 && (nl = memchr(cl->buf, '\n', cl->len))) {
		size_t line_len = (size_t)(nl - cl->buf);
		struct json_object *reply = handle_line(cl, cl->buf, line_len);

		client_drop_fds(cl);
		send_reply(cl, reply);
		json_object_put(reply);
		if (cl->fd < 0)
			return;
		cl->len -= line_len + 1;
		memmove(cl->buf, nl + 1, cl->len);
	}
	if (cl->fd >= 0 && cl->len == sizeof(cl->buf)) {
		struct json_object *reply = reply_error(
			"request longer than %u bytes", CONTROL_MAX_REQUEST);

		send_reply(cl, reply);
		json_object_put(reply);
		client_close(cl);
	}
}

/* Bytes into the line buffer, descriptors aside; like read(). */
static ssize_t client_recv(struct control_client *cl)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * CONTROL_MAX_FDS)];
	} ctl;
	struct iovec iov = {
		.iov_base = cl->buf + cl->len,
		.iov_len = sizeof(cl->buf) - cl->len,
	};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n = recvmsg(cl->fd, &mh, MSG_CMSG_CLOEXEC);

	/* Too many, or truncated: closed now, and the request refused. */
	if (n >= 0 && !scm_take_fds(&mh, cl->fds, &cl->nr_fds, CONTROL_MAX_FDS))
		cl->fds_overflow = true;
	return n;
}

static void on_client(void *opaque, uint32_t events)
{
	struct control_client *cl = opaque;
	ssize_t n;

	if (events & EPOLLIN) {
		n = client_recv(cl);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* Gone (perhaps mid-request): forget it and what it sent. */
		if (n <= 0) {
			client_close(cl);
			return;
		}
		cl->len += (size_t)n;
		serve_lines(cl);
		return;
	}
	if (events & (EPOLLHUP | EPOLLERR))
		client_close(cl);
}

static void on_accept(void *opaque, uint32_t events)
{
	static const char busy[] =
		"{\"ok\":false,\"error\":\"too many clients\"}\n";
	struct control *c = opaque;
	struct control_client *cl = NULL;
	int fd;

	(void)events;
	fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (unsigned int i = 0; i < CONTROL_MAX_CLIENTS && !cl; i++)
		if (c->clients[i].fd < 0)
			cl = &c->clients[i];
	if (cl && event_loop_add(c->el, fd, EPOLLIN, on_client, cl) == 0) {
		cl->fd = fd;
		cl->len = 0;
		cl->nr_fds = 0;
		cl->fds_overflow = false;
		return;
	}
	/* A reply the client may read, best effort, then the door. */
	if (write(fd, busy, strlen(busy)) < 0)
		log_info("control: refused a client");
	close(fd);
}

/* ---- the socket ------------------------------------------------------------
 */

/* A socket file someone still listens on is not stale. */
static bool socket_in_use(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool used;

	if (fd < 0)
		return true;
	used = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0 ||
	       errno != ECONNREFUSED;
	close(fd);
	return used;
}

static int remove_stale(const char *path, const struct sockaddr_un *addr,
			char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "--api-socket %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen,
			 "--api-socket %s: exists and is not a "
			 "socket; refusing to replace it",
			 path);
		return -EEXIST;
	}
	if (socket_in_use(addr)) {
		snprintf(err, errlen,
			 "--api-socket %s: another process is "
			 "listening on it",
			 path);
		return -EADDRINUSE;
	}
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

static int control_listen(struct control *c, const char *path, char *err,
			  size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	mode_t old;
	int r;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "--api-socket %s: longer than %zu bytes",
			 path, sizeof(addr.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	r = remove_stale(path, &addr, err, errlen);
	if (r < 0)
		return r;
	c->listen_fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->listen_fd < 0)
		r = -errno;
	/* Owner-only from the start: no window with a wider mode. */
	old = umask(0177);
	if (r == 0 &&
	    bind(c->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		r = -errno;
	umask(old);
	if (r == 0 && listen(c->listen_fd, CONTROL_MAX_CLIENTS) < 0)
		r = -errno;
	if (r < 0)
		snprintf(err, errlen, "--api-socket %s: %s", path,
			 strerror(-r));
	return r;
}

/*
 * json-c seeds its string hash with getrandom() the first time it hashes a
 * key; do that now, before the main thread's seccomp filter is installed.
 */
static void json_warm_up(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "seed", json_object_new_boolean(1));
	json_object_put(o);
}

struct control *control_open(const char *path, struct machine *m, char *err,
			     size_t errlen)
{
	struct control *c = calloc(1, sizeof(*c));

	json_warm_up();
	if (!c) {
		snprintf(err, errlen, "--api-socket: out of memory");
		return NULL;
	}
	c->m = m;
	c->listen_fd = -1;
	for (unsigned int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->clients[i] = (struct control_client){ .ctl = c, .fd = -1 };
	if (control_listen(c, path, err, errlen) < 0) {
		control_close(c);
		return NULL;
	}
	return c;
}

int control_attach(struct control *c, struct event_loop *el)
{
	c->el = el;
	return event_loop_add(el, c->listen_fd, EPOLLIN, on_accept, c);
}

int control_listen_fd(const struct control *c)
{
	return c->listen_fd;
}

void control_close(struct control *c)
{
	if (!c)
		return;
	for (unsigned int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		client_drop_fds(&c->clients[i]);
		if (c->clients[i].fd >= 0)
			close(c->clients[i].fd);
	}
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	free(c);
}
