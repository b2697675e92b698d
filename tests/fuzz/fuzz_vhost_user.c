// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz vigil-blkd's vhost-user side: the message checks (vhost_user.c) and
 * the device that acts on them (blkd.c: memory tables, ring set-up, the
 * virtqueue and virtio-blk model behind them), with real descriptors. The
 * input is a sequence of records:
 *
 *   op & 0xc0 == 0xc0    serve queue 0 (a kick)
 *   op & 0xc0 == 0x80    [off lo][off hi][n] then n bytes: the driver
 *                        writes guest RAM at off (rings, requests)
 *   otherwise            a message with op & 0x0f descriptors (at most 8)
 *                        of kind (op >> 4) & 3: 0 the guest RAM memfd,
 *                        1 an eventfd, 2 a 4 KiB memfd, 3 a socket; then
 *                        a 12-byte header (request, flags, size) and up to
 *                        size bytes of payload (what the input has left)
 *
 * Guest RAM is a 64 KiB memfd, so tables the fuzzer writes can name it.
 * When the device asks to end the connection it is reset, as the server
 * does. Besides not crashing (ASan/UBSan), the invariant: after the last
 * record and a disconnect, no descriptor the device was given is open.
 */
#include <dirent.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "block/block.h"
#include "tests/support/fuzz.h"
#include "vhost-user/blkd.h"
#include "vhost-user/vhost_user.h"

#define RAM_SIZE 0x10000u
#define SMALL_SIZE 0x1000u

static struct block_backend *backend;
static struct blkd *dev;
static int baseline_fds = -1;

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

struct input {
	const uint8_t *p;
	size_t left;
};

static bool take(struct input *in, void *out, size_t n)
{
	if (in->left < n)
		return false;
	memcpy(out, in->p, n);
	in->p += n;
	in->left -= n;
	return true;
}

/* A fresh descriptor of the given kind, which the message then owns. */
static int make_fd(unsigned int kind, int ram_fd)
{
	int sv[2], fd;

	switch (kind) {
	case 0:
		return dup(ram_fd);
	case 1:
		return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	case 2:
		fd = memfd_create("small", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, SMALL_SIZE) < 0) {
			close(fd);
			fd = -1;
		}
		return fd;
	default:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return -1;
		close(sv[1]);
		return sv[0];
	}
}

static void do_message(struct input *in, uint8_t op, int ram_fd)
{
	struct vu_msg m, reply;
	size_t n;

	memset(&m, 0, sizeof(m));
	for (unsigned int i = 0; i < VHOST_USER_MAX_FDS; i++)
		m.fds[i] = -1;
	if (!take(in, &m.hdr, sizeof(m.hdr)))
		return;
	/* As the socket layer delivers them: payload within the buffer. */
	n = m.hdr.size < in->left ? m.hdr.size : in->left;
	if (n > sizeof(m.payload))
		n = sizeof(m.payload);
	take(in, m.payload.raw, n);
	m.nr_fds = op & 0x0f;
	if (m.nr_fds > VHOST_USER_MAX_FDS)
		m.nr_fds = VHOST_USER_MAX_FDS;
	for (unsigned int i = 0; i < m.nr_fds; i++)
		m.fds[i] = make_fd((op >> 4) & 3, ram_fd);
	if (blkd_handle_msg(dev, &m, &reply) < 0)
		blkd_disconnect(dev);
	/* Whatever the outcome, the device took or closed every fd. */
	for (unsigned int i = 0; i < VHOST_USER_MAX_FDS; i++)
		CHECK_INVARIANT(m.fds[i] < 0);
}

static void do_ram_write(struct input *in, uint8_t *ram)
{
	uint8_t hdr[3];
	unsigned int off;

	if (!take(in, hdr, sizeof(hdr)))
		return;
	off = hdr[0] | (unsigned int)hdr[1] << 8;
	for (unsigned int i = 0; i < hdr[2] && in->left; i++) {
		ram[(off + i) % RAM_SIZE] = *in->p++;
		in->left--;
	}
}

static int setup(void)
{
	char err[256];

	/* As vigil-blkd's main: a call fd whose reader is gone is EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (block_open("driver=null-co,size=64K", &backend, err, sizeof(err)) <
	    0)
		return -1;
	dev = blkd_create(backend, "fuzz-blkd", "fuzz", NULL);
	return dev ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { .p = data, .left = size };
	uint8_t *ram;
	int ram_fd;
	uint8_t op;

	if (!dev && setup() < 0)
		__builtin_trap();
	if (baseline_fds < 0)
		baseline_fds = count_fds();
	ram_fd = memfd_create("guest-ram", MFD_CLOEXEC);
	CHECK_INVARIANT(ram_fd >= 0 && ftruncate(ram_fd, RAM_SIZE) == 0);
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ram_fd,
		   0);
	CHECK_INVARIANT(ram != MAP_FAILED);
	while (take(&in, &op, 1)) {
		if ((op & 0xc0) == 0xc0) {
			if (blkd_serve(dev, 0) < 0)
				blkd_disconnect(dev);
		} else if ((op & 0xc0) == 0x80) {
			do_ram_write(&in, ram);
		} else {
			do_message(&in, op, ram_fd);
		}
	}
	blkd_disconnect(dev);
	munmap(ram, RAM_SIZE);
	close(ram_fd);
	/* Every descriptor handed to the device is closed again. */
	CHECK_INVARIANT(count_fds() == baseline_fds);
	return 0;
}
