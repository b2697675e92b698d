// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the passt stream reader (net/stream.c) as a hostile peer drives it:
 * the input is what the peer writes, cut into chunks the fuzzer sizes, fed
 * through a real socketpair, with the device's peek()/consume() draining
 * it after each chunk; at the end the peer closes, maybe mid-frame.
 *
 *   a chunk: [n] then n bytes written by the peer (n = 0: the peer closes
 *            here and the rest of the input is not sent)
 *
 * Besides not crashing (ASan/UBSan): the frames delivered are exactly the
 * ones a plain reference parse of the bytes sent finds, in order, with
 * their contents (lengths of 0 included; lengths past
 * NET_STREAM_FRAME_MAX skipped; a frame cut by the close never
 * delivered); after the close the backend says the link is gone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/stream.h"
#include "tests/support/fuzz.h"

#define MAX_SENT 65536u

static struct net_stream stream;
static uint8_t sent[MAX_SENT];
static size_t nr_sent, ref_pos;
static uint64_t ref_skip;

/* The reference: the next whole frame in sent[], skipping giants. */
static bool ref_next(const uint8_t **frame, size_t *len)
{
	uint32_t n;

	for (;;) {
		if (ref_skip) {
			size_t k = nr_sent - ref_pos < ref_skip ?
					   nr_sent - ref_pos :
					   (size_t)ref_skip;

			ref_pos += k;
			ref_skip -= k;
			if (ref_skip)
				return false;
		}
		if (nr_sent - ref_pos < 4)
			return false;
		memcpy(&n, sent + ref_pos, 4);
		n = ntohl(n);
		if (n > NET_STREAM_FRAME_MAX) {
			ref_pos += 4;
			ref_skip = n;
			continue;
		}
		if (nr_sent - ref_pos - 4 < n)
			return false;
		*frame = sent + ref_pos + 4;
		*len = n;
		ref_pos += 4 + n;
		return true;
	}
}

/*
 * The peer's write, whole: libFuzzer's -timeout alarm has no SA_RESTART, so
 * a write it interrupts returns early; that is the harness's to finish,
 * not a finding.
 */
static bool peer_write(int fd, const uint8_t *p, size_t n)
{
	ssize_t done;

	while (n > 0) {
		done = write(fd, p, n);
		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return false;
		p += done;
		n -= (size_t)done;
	}
	return true;
}

/* Take every frame the backend has; each must be the reference's next. */
static int drain(void)
{
	const uint8_t *frame, *want;
	size_t len, want_len;
	int r;

	while ((r = net_stream_ops.peek(&stream, &frame, &len)) == 1) {
		CHECK_INVARIANT(ref_next(&want, &want_len));
		CHECK_INVARIANT(len == want_len && !memcmp(frame, want, len));
		net_stream_ops.consume(&stream);
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *frame;
	size_t len;
	int sv[2], r = 0;
	bool closed = false;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	if (net_stream_init(&stream, "fuzz-net", sv[1]) < 0) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	nr_sent = ref_pos = 0;
	ref_skip = 0;
	while (size > 0 && !closed) {
		size_t n = data[0];

		data++, size--;
		if (n == 0 || n > size || nr_sent + n > MAX_SENT) {
			closed = true;
			break;
		}
		CHECK_INVARIANT(peer_write(sv[0], data, n));
		memcpy(sent + nr_sent, data, n);
		nr_sent += n;
		data += n, size -= n;
		r = drain();
		CHECK_INVARIANT(r == 0);
	}
	close(sv[0]);
	r = drain();
	/* Whole frames were all taken before the close was seen. */
	CHECK_INVARIANT(r == -EPIPE && !ref_next(&frame, &len));
	net_stream_close(&stream);
	return 0;
}
