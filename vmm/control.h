/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket (--api-socket PATH): a UNIX stream socket, created
 * with mode 0600, that takes one JSON object per line and answers each
 * with one JSON object per line. Requests are served on the main thread's
 * event loop, so exactly one executes at a time.
 *
 *   {"command": "status"}                -> {"ok": true, "status": "running",
 *                                            "vcpus": 2, "memory": 268435456,
 *                                            "drives": 1}
 *   {"command": "pause"}                 -> {"ok": true, "status": "paused"}
 *   {"command": "resume"}                -> {"ok": true, "status": "running"}
 *   {"command": "snapshot", "paused": false}  + 2 fds (SCM_RIGHTS)
 *                                        -> {"ok": true, "status": ...,
 *                                            "state_bytes": N,
 *                                            "memory_bytes": N,
 *                                            "memory_data_bytes": N,
 *                                            "save_ms": T, "total_ms": T}
 *   {"command": "quit"}                  -> {"ok": true, "status": "quitting"}
 *
 * Anything else - not strict JSON (RFC 8259: no comments, single quotes
 * or trailing commas), not an object, an unknown command or key, a key
 * given twice, an escape ('\'), a wrong type, a line longer than
 * CONTROL_MAX_REQUEST - gets
 * {"ok": false, "error": "..."} and changes nothing. A client that
 * disconnects mid-request is forgotten.
 *
 * vigil opens no file for a snapshot: the client (vigil ctl) prepares the
 * directory, creates the empty memory and state files and passes them,
 * in that order, as two descriptors sent with the request line; they go
 * with the first request served after they arrive. Descriptors with any
 * other request, more than two, or truncated ones refuse the request;
 * every received descriptor is closed once its request is served.
 */
#ifndef VIGIL_CONTROL_H
#define VIGIL_CONTROL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define CONTROL_MAX_REQUEST 4096u
#define CONTROL_MAX_CLIENTS 4u
/* JSON nesting a request may have: one object of scalars needs 1. */
#define CONTROL_JSON_DEPTH 4

enum control_command {
	CONTROL_STATUS,
	CONTROL_PAUSE,
	CONTROL_RESUME,
	CONTROL_SNAPSHOT,
	CONTROL_QUIT,
	CONTROL_NR_COMMANDS,
};

/* Descriptors a request may carry: a snapshot's memory and state files. */
#define CONTROL_MAX_FDS 2u

/* A request that passed control_parse_request(). */
struct control_request {
	enum control_command command;
	bool paused; /* snapshot: stay paused afterwards */
};

struct control;
struct event_loop;
struct machine;

/*
 * Parse one request line (its newline removed): one JSON object, a known
 * command, only that command's keys, each of the right type. Returns 0
 * with *req filled, or -EINVAL with the reason in err (the error reply).
 * Parses only: nothing is executed.
 */
int control_parse_request(const char *line, size_t len,
			  struct control_request *req, char *err,
			  size_t errlen);

/*
 * Listen on path. An existing socket nobody listens on is replaced; a
 * socket in use, or anything that is not a socket, is refused. Returns
 * NULL with a reason in err.
 */
struct control *control_open(const char *path, struct machine *m, char *err,
			     size_t errlen);
/* Serve the socket from el (the main loop). */
int control_attach(struct control *c, struct event_loop *el);
/* The listening socket, for the sandbox's accept rule. */
int control_listen_fd(const struct control *c);
/*
 * Close every connection. The socket file stays (the sandbox allows no
 * call that takes a path); the next control_open() replaces it, as any
 * socket nobody listens on. NULL is a no-op.
 */
void control_close(struct control *c);

#endif
