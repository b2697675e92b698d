// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-user: the message checks (one group per class of malformed
 * message: header, payload size, fd count, field ranges, memory regions),
 * the region/file and user-address translation checks, and vigil-blkd's
 * device (blkd.c) driven by real messages over a memfd "guest memory" and
 * eventfds: a whole session that serves a read request, REPLY_ACK, state
 * errors that change nothing, malformed messages whose fds are closed,
 * a front-end that shrinks its memory file under the device (the SIGBUS
 * guard), and a disconnect that leaves no fd behind.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "block/block.h"
#include "tests/support/tap.h"
#include "vhost-user/blkd.h"
#include "vhost-user/vhost_user.h"
#include "vhost-user/vu_mem.h"

static const struct vu_limits limits = {
	.nr_queues = 1,
	.queue_size_max = 1024,
};

static struct vu_msg msg(uint32_t request, uint32_t size)
{
	struct vu_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.request = request;
	m.hdr.flags = VHOST_USER_VERSION;
	m.hdr.size = size;
	for (unsigned int i = 0; i < VHOST_USER_MAX_FDS; i++)
		m.fds[i] = -1;
	return m;
}

static enum vu_verdict check(const struct vu_msg *m)
{
	char why[256];

	return vu_msg_check(m, &limits, why, sizeof(why));
}

static struct vu_msg state_msg(uint32_t request, uint32_t index, uint32_t num)
{
	struct vu_msg m = msg(request, sizeof(struct vhost_vring_state));

	m.payload.state.index = index;
	m.payload.state.num = num;
	return m;
}

/* A table of n regions of 1 MiB, 1 MiB apart, with n (fake) fds. */
static struct vu_msg mem_msg(unsigned int n)
{
	struct vu_msg m =
		msg(VHOST_USER_SET_MEM_TABLE,
		    (uint32_t)(VHOST_USER_MEM_TABLE_HDR_SIZE +
			       n * sizeof(struct vhost_user_mem_region)));

	m.payload.mem.nregions = n;
	for (unsigned int i = 0; i < n; i++) {
		m.payload.mem.regions[i] = (struct vhost_user_mem_region){
			.guest_phys_addr = (uint64_t)i << 20,
			.memory_size = 1 << 20,
			.userspace_addr =
				0x7f0000000000ull + ((uint64_t)i << 20),
			.mmap_offset = 0,
		};
		m.fds[i] = 100 + (int)i; /* never opened: checks touch no fd */
	}
	m.nr_fds = n;
	return m;
}

static struct vu_msg config_msg(uint32_t request, uint32_t offset,
				uint32_t size)
{
	struct vu_msg m = msg(request, VHOST_USER_CONFIG_HDR_SIZE + size);

	m.payload.config.offset = offset;
	m.payload.config.size = size;
	return m;
}

static void test_valid(void)
{
	struct vu_msg m = msg(VHOST_USER_GET_FEATURES, 0);

	CHECK(check(&m) == VU_VALID, "GET_FEATURES is valid");
	m = msg(VHOST_USER_SET_FEATURES, 8);
	CHECK(check(&m) == VU_VALID, "SET_FEATURES with a u64 is valid");
	m.hdr.flags |= VHOST_USER_NEED_REPLY_MASK;
	CHECK(check(&m) == VU_VALID, "NEED_REPLY is a valid flag");
	m = mem_msg(2);
	CHECK(check(&m) == VU_VALID, "a table of 2 regions with 2 fds");
	/* Linux's UML sends room for two regions and uses one. */
	m = mem_msg(2);
	m.payload.mem.nregions = 1;
	m.nr_fds = 1;
	CHECK(check(&m) == VU_VALID, "a table with unused room (UML)");
	m = state_msg(VHOST_USER_SET_VRING_NUM, 0, 256);
	CHECK(check(&m) == VU_VALID, "SET_VRING_NUM 256");
	m = state_msg(VHOST_USER_SET_VRING_BASE, 0, 0xffff);
	CHECK(check(&m) == VU_VALID, "SET_VRING_BASE 0xffff");
	m = msg(VHOST_USER_SET_VRING_ADDR, sizeof(struct vhost_vring_addr));
	m.payload.addr.desc_user_addr = 0x1000;
	m.payload.addr.avail_user_addr = 0x2002;
	m.payload.addr.used_user_addr = 0x3004;
	CHECK(check(&m) == VU_VALID, "SET_VRING_ADDR, minimally aligned");
	m = msg(VHOST_USER_SET_VRING_KICK, 8);
	m.fds[0] = 5;
	m.nr_fds = 1;
	CHECK(check(&m) == VU_VALID, "SET_VRING_KICK with one fd");
	m = msg(VHOST_USER_SET_VRING_CALL, 8);
	m.payload.u64 = VHOST_USER_VRING_NOFD_MASK;
	CHECK(check(&m) == VU_VALID, "SET_VRING_CALL with NOFD and no fd");
	m = config_msg(VHOST_USER_GET_CONFIG, 0, 60);
	CHECK(check(&m) == VU_VALID, "GET_CONFIG of 60 bytes");
	m = config_msg(VHOST_USER_GET_CONFIG, 248, 8);
	CHECK(check(&m) == VU_VALID, "GET_CONFIG of the last 8 bytes");
	m = msg(VHOST_USER_SET_BACKEND_REQ_FD, 0);
	m.fds[0] = 5;
	m.nr_fds = 1;
	CHECK(check(&m) == VU_VALID, "SET_BACKEND_REQ_FD with one fd");
}

static void test_bad_header(void)
{
	struct vu_msg m = msg(VHOST_USER_GET_FEATURES, 0);

	m.hdr.flags = 0;
	CHECK(check(&m) == VU_BAD_HEADER, "version 0 is refused");
	m.hdr.flags = 2;
	CHECK(check(&m) == VU_BAD_HEADER, "version 2 is refused");
	m.hdr.flags = VHOST_USER_VERSION | VHOST_USER_REPLY_MASK;
	CHECK(check(&m) == VU_BAD_HEADER, "a reply from the front-end");
	m.hdr.flags = VHOST_USER_VERSION | 0x10;
	CHECK(check(&m) == VU_BAD_HEADER, "an unknown flag");
}

static void test_bad_size(void)
{
	struct vu_msg m = msg(VHOST_USER_GET_FEATURES, 8);

	CHECK(check(&m) == VU_BAD_SIZE, "GET_FEATURES with a payload");
	m = msg(VHOST_USER_SET_FEATURES, 4);
	CHECK(check(&m) == VU_BAD_SIZE, "SET_FEATURES with 4 bytes");
	m = msg(VHOST_USER_SET_VRING_ADDR, 32);
	CHECK(check(&m) == VU_BAD_SIZE, "SET_VRING_ADDR cut short");
	m = state_msg(VHOST_USER_SET_VRING_NUM, 0, 8);
	m.hdr.size = 12;
	CHECK(check(&m) == VU_BAD_SIZE, "SET_VRING_NUM with 12 bytes");
	m = mem_msg(1);
	m.hdr.size -= 1;
	CHECK(check(&m) == VU_BAD_SIZE, "a table with part of a region");
	m = mem_msg(1);
	m.hdr.size = 4;
	CHECK(check(&m) == VU_BAD_SIZE, "a table without its header");
	m = config_msg(VHOST_USER_GET_CONFIG, 0, 8);
	m.payload.config.size = 16;
	CHECK(check(&m) == VU_BAD_SIZE, "config size beyond the payload");
	m = config_msg(VHOST_USER_GET_CONFIG, 0, 8);
	m.hdr.size = 8;
	CHECK(check(&m) == VU_BAD_SIZE, "config payload without header");
	m = msg(VHOST_USER_GET_FEATURES, VHOST_USER_MAX_PAYLOAD + 1);
	CHECK(check(&m) == VU_BAD_SIZE, "payload larger than any request");
	m = msg(VHOST_USER_SET_BACKEND_REQ_FD, 8);
	m.fds[0] = 5;
	m.nr_fds = 1;
	CHECK(check(&m) == VU_BAD_SIZE, "SET_BACKEND_REQ_FD with a payload");
}

static void test_bad_fds(void)
{
	struct vu_msg m = msg(VHOST_USER_GET_FEATURES, 0);

	m.fds[0] = 5;
	m.nr_fds = 1;
	CHECK(check(&m) == VU_BAD_FDS, "GET_FEATURES with an fd");
	m = msg(VHOST_USER_SET_VRING_KICK, 8);
	CHECK(check(&m) == VU_BAD_FDS, "SET_VRING_KICK without fd or NOFD");
	m = msg(VHOST_USER_SET_VRING_CALL, 8);
	m.payload.u64 = VHOST_USER_VRING_NOFD_MASK;
	m.fds[0] = 5;
	m.nr_fds = 1;
	CHECK(check(&m) == VU_BAD_FDS, "SET_VRING_CALL with NOFD and an fd");
	m = msg(VHOST_USER_SET_VRING_ERR, 8);
	m.fds[0] = 5;
	m.fds[1] = 6;
	m.nr_fds = 2;
	CHECK(check(&m) == VU_BAD_FDS, "SET_VRING_ERR with two fds");
	m = mem_msg(2);
	m.nr_fds = 1;
	CHECK(check(&m) == VU_BAD_FDS, "two regions, one fd");
	m = mem_msg(1);
	m.nr_fds = 2;
	CHECK(check(&m) == VU_BAD_FDS, "one region, two fds");
	m = msg(VHOST_USER_SET_BACKEND_REQ_FD, 0);
	CHECK(check(&m) == VU_BAD_FDS, "SET_BACKEND_REQ_FD without an fd");
	m = msg(VHOST_USER_GET_FEATURES, 0);
	m.nr_fds = VHOST_USER_MAX_FDS + 1;
	CHECK(check(&m) == VU_BAD_FDS, "more fds than any request carries");
}

static void test_bad_field(void)
{
	struct vu_msg m = state_msg(VHOST_USER_SET_VRING_NUM, 1, 8);

	CHECK(check(&m) == VU_BAD_FIELD, "vring index 1 of 1 queue");
	m = state_msg(VHOST_USER_GET_VRING_BASE, 0xffffffffu, 0);
	CHECK(check(&m) == VU_BAD_FIELD, "vring index 0xffffffff");
	m = state_msg(VHOST_USER_SET_VRING_NUM, 0, 0);
	CHECK(check(&m) == VU_BAD_FIELD, "queue size 0");
	m = state_msg(VHOST_USER_SET_VRING_NUM, 0, 3);
	CHECK(check(&m) == VU_BAD_FIELD, "queue size 3");
	m = state_msg(VHOST_USER_SET_VRING_NUM, 0, 2048);
	CHECK(check(&m) == VU_BAD_FIELD, "queue size 2048 over the limit");
	m = state_msg(VHOST_USER_SET_VRING_BASE, 0, 0x10000);
	CHECK(check(&m) == VU_BAD_FIELD, "ring base beyond 16 bits");
	m = state_msg(VHOST_USER_SET_VRING_ENABLE, 0, 2);
	CHECK(check(&m) == VU_BAD_FIELD, "enable value 2");
	m = msg(VHOST_USER_SET_VRING_ADDR, sizeof(struct vhost_vring_addr));
	m.payload.addr.flags = 2;
	CHECK(check(&m) == VU_BAD_FIELD, "unknown vring address flags");
	m.payload.addr.flags = 0;
	m.payload.addr.desc_user_addr = 0x1008;
	CHECK(check(&m) == VU_BAD_FIELD, "descriptor table not 16-aligned");
	m.payload.addr.desc_user_addr = 0x1000;
	m.payload.addr.used_user_addr = 0x2002;
	CHECK(check(&m) == VU_BAD_FIELD, "used ring not 4-aligned");
	m = msg(VHOST_USER_SET_VRING_KICK, 8);
	m.payload.u64 = 1u << 9;
	m.fds[0] = 5;
	m.nr_fds = 1;
	CHECK(check(&m) == VU_BAD_FIELD, "reserved bit in a vring fd payload");
	m.payload.u64 = 3;
	CHECK(check(&m) == VU_BAD_FIELD, "vring fd for queue 3");
	m = mem_msg(1);
	m.payload.mem.nregions = 0;
	m.nr_fds = 0;
	CHECK(check(&m) == VU_BAD_FIELD, "a table of 0 regions");
	m = mem_msg(1);
	m.payload.mem.nregions = 2;
	CHECK(check(&m) == VU_BAD_FIELD, "more regions than the payload holds");
	m = config_msg(VHOST_USER_GET_CONFIG, 252, 8);
	CHECK(check(&m) == VU_BAD_FIELD, "config access past 256 bytes");
	m = config_msg(VHOST_USER_GET_CONFIG, 0xfffffffcu, 8);
	CHECK(check(&m) == VU_BAD_FIELD, "config offset + size wraps");
	m = config_msg(VHOST_USER_GET_CONFIG, 0, 0);
	CHECK(check(&m) == VU_BAD_FIELD, "config access of 0 bytes");
	m = config_msg(VHOST_USER_SET_CONFIG, 0, 4);
	m.payload.config.flags = 2;
	CHECK(check(&m) == VU_BAD_FIELD, "config flags 2");
}

static void test_bad_regions(void)
{
	struct vu_msg m = mem_msg(1);

	m.payload.mem.regions[0].memory_size = 0;
	CHECK(check(&m) == VU_BAD_REGIONS, "an empty region");
	m = mem_msg(1);
	m.payload.mem.regions[0].guest_phys_addr = ~0ull - 0xfff;
	CHECK(check(&m) == VU_BAD_REGIONS, "guest address + size wraps");
	m = mem_msg(1);
	m.payload.mem.regions[0].userspace_addr = ~0ull;
	CHECK(check(&m) == VU_BAD_REGIONS, "user address + size wraps");
	m = mem_msg(1);
	m.payload.mem.regions[0].mmap_offset = ~0ull - 10;
	CHECK(check(&m) == VU_BAD_REGIONS, "mmap offset + size wraps");
	m = mem_msg(2);
	m.payload.mem.regions[1].guest_phys_addr = 0xff000;
	CHECK(check(&m) == VU_BAD_REGIONS, "guest-physical overlap");
	m = mem_msg(2);
	m.payload.mem.regions[1].userspace_addr = 0x7f0000000000ull;
	CHECK(check(&m) == VU_BAD_REGIONS, "user-address overlap");
	m = mem_msg(3);
	m.payload.mem.regions[2].guest_phys_addr = 0x80000;
	CHECK(check(&m) == VU_BAD_REGIONS, "overlap with an earlier region");
}

static void test_unsupported(void)
{
	struct vu_msg m = msg(99, 0);

	CHECK(check(&m) == VU_UNSUPPORTED, "an unknown request");
	m = msg(VHOST_USER_SET_LOG_BASE, 16);
	CHECK(check(&m) == VU_UNSUPPORTED, "SET_LOG_BASE (no dirty log)");
	m = msg(99, 0);
	m.hdr.flags = 0;
	CHECK(check(&m) == VU_BAD_HEADER,
	      "an unknown request with a bad header is malformed");
}

static void test_regions_and_translation(void)
{
	struct vhost_user_mem_region r[2] = {
		{ .guest_phys_addr = 0x100000,
		  .memory_size = 0x10000,
		  .userspace_addr = 0x7000000,
		  .mmap_offset = 0x1000 },
		{ .guest_phys_addr = 0x0,
		  .memory_size = 0x10000,
		  .userspace_addr = 0x7010000,
		  .mmap_offset = 0 },
	};
	uint64_t gpa = 0;

	CHECK(vu_region_fits_file(&r[0], 0x11000), "a region that fits");
	CHECK(!vu_region_fits_file(&r[0], 0x10fff), "one byte past the file");
	CHECK(!vu_region_fits_file(&r[0], 0x800), "offset past the file");
	CHECK(vu_uaddr_to_gpa(r, 2, 0x7000010, 0x100, &gpa) && gpa == 0x100010,
	      "translate inside the first region");
	CHECK(vu_uaddr_to_gpa(r, 2, 0x7010000, 0x10000, &gpa) && gpa == 0,
	      "translate a whole region");
	CHECK(!vu_uaddr_to_gpa(r, 2, 0x700ff00, 0x200, &gpa),
	      "a range straddling two adjacent regions");
	CHECK(!vu_uaddr_to_gpa(r, 2, 0x6ffffff, 2, &gpa),
	      "a range starting before a region");
	CHECK(!vu_uaddr_to_gpa(r, 2, ~0ull, 2, &gpa), "a range that wraps");
	CHECK(!vu_uaddr_to_gpa(r, 2, 0x7000000, 0, &gpa), "an empty range");
}

static bool fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void test_close_fds(void)
{
	struct vu_msg m = msg(VHOST_USER_GET_FEATURES, 0);
	int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);

	m.fds[0] = a;
	m.fds[1] = b;
	m.nr_fds = 2;
	vu_msg_close_fds(&m);
	CHECK(!fd_is_open(a) && !fd_is_open(b) && m.nr_fds == 0,
	      "vu_msg_close_fds closes every fd");
}

/* ------------------------------------------------ the device (blkd) -- */

#define RAM_SIZE (1u << 20)
#define RAM_GPA 0x100000ull
#define RAM_UADDR 0x7f1200000000ull
#define QSIZE 8u
#define DESC_OFF 0x0u
#define AVAIL_OFF 0x1000u
#define USED_OFF 0x2000u
#define HDR_OFF 0x3000u
#define DATA_OFF 0x4000u
#define STATUS_OFF 0x5000u

static struct blkd *dev;
static uint8_t *ram; /* the front-end's view of its memory */
static int ram_fd, kick_fd, call_fd, err_fd;
static struct vu_msg reply;

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

static int send_msg(struct vu_msg *m)
{
	return blkd_handle_msg(dev, m, &reply);
}

static int send_state(uint32_t request, uint32_t num)
{
	struct vu_msg m = state_msg(request, 0, num);

	return send_msg(&m);
}

static int send_fd(uint32_t request, int fd)
{
	struct vu_msg m = msg(request, 8);

	m.fds[0] = dup(fd);
	m.nr_fds = 1;
	return send_msg(&m);
}

static int send_u64(uint32_t request, uint64_t val)
{
	struct vu_msg m = msg(request, 8);

	m.payload.u64 = val;
	return send_msg(&m);
}

static int send_mem_table(int fd, uint64_t size)
{
	struct vu_msg m = mem_msg(1);

	m.payload.mem.regions[0] = (struct vhost_user_mem_region){
		.guest_phys_addr = RAM_GPA,
		.memory_size = size,
		.userspace_addr = RAM_UADDR,
	};
	m.fds[0] = dup(fd);
	return send_msg(&m);
}

static int send_addr(uint64_t desc, uint64_t avail, uint64_t used)
{
	struct vu_msg m =
		msg(VHOST_USER_SET_VRING_ADDR, sizeof(struct vhost_vring_addr));

	m.payload.addr.desc_user_addr = desc;
	m.payload.addr.avail_user_addr = avail;
	m.payload.addr.used_user_addr = used;
	return send_msg(&m);
}

static uint64_t eventfd_count(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* Put an IN request for 4 KiB at sector 8 into avail slot idx. */
static void queue_read(uint16_t idx)
{
	struct vring_desc *desc = (void *)(ram + DESC_OFF);
	struct virtio_blk_outhdr *hdr = (void *)(ram + HDR_OFF);
	uint16_t *avail = (void *)(ram + AVAIL_OFF);

	hdr->type = VIRTIO_BLK_T_IN;
	hdr->sector = 8;
	desc[0] = (struct vring_desc){ RAM_GPA + HDR_OFF, 16, VRING_DESC_F_NEXT,
				       1 };
	desc[1] = (struct vring_desc){ RAM_GPA + DATA_OFF, 4096,
				       VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
				       2 };
	desc[2] = (struct vring_desc){ RAM_GPA + STATUS_OFF, 1,
				       VRING_DESC_F_WRITE, 0 };
	ram[STATUS_OFF] = 0xff;
	memset(ram + DATA_OFF, 0xaa, 4096);
	avail[2 + idx % QSIZE] = 0;
	__atomic_store_n(&avail[1], (uint16_t)(idx + 1), __ATOMIC_RELEASE);
}

static uint16_t used_idx(void)
{
	return __atomic_load_n((uint16_t *)(void *)(ram + USED_OFF + 2),
			       __ATOMIC_ACQUIRE);
}

static void setup_device(struct block_backend **bb)
{
	char err[256];

	CHECK(block_open("driver=null-co,size=1M", bb, err, sizeof(err)) == 0,
	      "open a null-co backend");
	dev = blkd_create(*bb, "test-blkd", "serial", NULL);
	ram_fd = memfd_create("ram", MFD_CLOEXEC);
	CHECK(dev && ram_fd >= 0 && ftruncate(ram_fd, RAM_SIZE) == 0,
	      "device and a memfd for guest RAM");
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ram_fd,
		   0);
	kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	err_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

/* The handshake of Linux's UML, with REPLY_ACK asked for where it does. */
static void test_session(void)
{
	struct vu_msg m;
	uint64_t features, capacity;
	uint32_t seg_max;

	m = msg(VHOST_USER_GET_FEATURES, 0);
	CHECK(send_msg(&m) == 1 && reply.hdr.size == 8 &&
		      reply.hdr.flags ==
			      (VHOST_USER_VERSION | VHOST_USER_REPLY_MASK),
	      "GET_FEATURES answers with a u64 reply");
	features = reply.payload.u64;
	CHECK(features & 1ull << VIRTIO_F_VERSION_1 &&
		      features & 1ull << VHOST_USER_F_PROTOCOL_FEATURES &&
		      features & 1ull << VIRTIO_BLK_F_FLUSH,
	      "features: VERSION_1, PROTOCOL_FEATURES, FLUSH");
	m = msg(VHOST_USER_GET_PROTOCOL_FEATURES, 0);
	CHECK(send_msg(&m) == 1 && reply.payload.u64 == BLKD_PROTOCOL_FEATURES,
	      "GET_PROTOCOL_FEATURES");
	CHECK(send_u64(VHOST_USER_SET_PROTOCOL_FEATURES,
		       BLKD_PROTOCOL_FEATURES) == 0,
	      "SET_PROTOCOL_FEATURES (no ack asked)");
	m = config_msg(VHOST_USER_GET_CONFIG, 0, 60);
	CHECK(send_msg(&m) == 1, "GET_CONFIG answers");
	memcpy(&capacity, reply.payload.config.region, sizeof(capacity));
	memcpy(&seg_max,
	       reply.payload.config.region +
		       offsetof(struct virtio_blk_config, seg_max),
	       sizeof(seg_max));
	CHECK(reply.hdr.size == m.hdr.size && reply.payload.config.size == 60 &&
		      le64toh(capacity) == (1u << 20) / 512 &&
		      le32toh(seg_max) == BLKD_MIN_QUEUE_SIZE - 2 &&
		      reply.payload.config.region[59] == 0,
	      "GET_CONFIG: capacity, seg_max for a 128-entry queue, zeros "
	      "past the fields vigil has");
	m = msg(VHOST_USER_SET_FEATURES, 8);
	m.payload.u64 = features & ~(1ull << VHOST_USER_F_PROTOCOL_FEATURES);
	m.hdr.flags |= VHOST_USER_NEED_REPLY_MASK;
	CHECK(send_msg(&m) == 1 && reply.payload.u64 == 0,
	      "SET_FEATURES acked with 0");
	CHECK(send_mem_table(ram_fd, RAM_SIZE) == 0, "SET_MEM_TABLE");
	CHECK(send_state(VHOST_USER_SET_VRING_NUM, QSIZE) == 0 &&
		      send_state(VHOST_USER_SET_VRING_BASE, 0) == 0 &&
		      send_addr(RAM_UADDR + DESC_OFF, RAM_UADDR + AVAIL_OFF,
				RAM_UADDR + USED_OFF) == 0,
	      "SET_VRING_NUM, BASE, ADDR");
	CHECK(send_fd(VHOST_USER_SET_VRING_CALL, call_fd) == 0 &&
		      send_fd(VHOST_USER_SET_VRING_ERR, err_fd) == 0,
	      "SET_VRING_CALL and ERR");
	/* A request queued before the ring starts is served at the start. */
	queue_read(0);
	CHECK(send_fd(VHOST_USER_SET_VRING_KICK, kick_fd) == 0,
	      "SET_VRING_KICK starts the ring");
	CHECK(used_idx() == 1 && ram[STATUS_OFF] == VIRTIO_BLK_S_OK &&
		      ram[DATA_OFF] == 0 && ram[DATA_OFF + 4095] == 0,
	      "the queued read completed: status OK, zeros (read-zeroes)");
	CHECK(eventfd_count(call_fd) == 1, "the call fd was signalled");
	queue_read(1);
	CHECK(blkd_on_kick(dev, 0) == 0 && used_idx() == 2,
	      "a kick serves the next request");
}

static void test_state_errors(void)
{
	struct vu_msg m = state_msg(VHOST_USER_SET_VRING_NUM, 0, 16);

	m.hdr.flags |= VHOST_USER_NEED_REPLY_MASK;
	CHECK(send_msg(&m) == 1 && reply.payload.u64 != 0,
	      "SET_VRING_NUM on a started ring: REPLY_ACK says failure");
	m = msg(VHOST_USER_SET_FEATURES, 8);
	m.payload.u64 = 1ull << 63;
	m.hdr.flags |= VHOST_USER_NEED_REPLY_MASK;
	CHECK(send_msg(&m) == 1 && reply.payload.u64 != 0,
	      "SET_FEATURES with a bit never offered fails");
	m = config_msg(VHOST_USER_SET_CONFIG, 0, 8);
	m.hdr.flags |= VHOST_USER_NEED_REPLY_MASK;
	CHECK(send_msg(&m) == 1 && reply.payload.u64 != 0,
	      "SET_CONFIG of the read-only config space fails");
	m = msg(99, 0);
	m.hdr.flags |= VHOST_USER_NEED_REPLY_MASK;
	CHECK(send_msg(&m) == 1 && reply.payload.u64 != 0,
	      "an unknown request: REPLY_ACK says failure");
	/* The ring still works. */
	queue_read(2);
	CHECK(blkd_on_kick(dev, 0) == 0 && used_idx() == 3,
	      "after refused requests the ring still serves");
}

static void test_malformed_closes_fds(void)
{
	struct vu_msg m = msg(VHOST_USER_SET_VRING_KICK, 8);
	int fd = eventfd(0, EFD_CLOEXEC);

	m.payload.u64 = 7; /* no queue 7 */
	m.fds[0] = fd;
	m.nr_fds = 1;
	CHECK(send_msg(&m) == -EPROTO && !fd_is_open(fd),
	      "malformed SET_VRING_KICK: connection ends, its fd is closed");
	m = msg(VHOST_USER_SET_LOG_FD, 0);
	fd = eventfd(0, EFD_CLOEXEC);
	m.fds[0] = fd;
	m.nr_fds = 1;
	CHECK(send_msg(&m) == 0 && !fd_is_open(fd),
	      "an unsupported request with an fd: the fd is closed");
}

static void test_bad_tables(void)
{
	int sock[2], small = memfd_create("small", MFD_CLOEXEC);

	CHECK(small >= 0 && ftruncate(small, 4096) == 0, "a 4 KiB memfd");
	CHECK(send_mem_table(small, RAM_SIZE) == 0,
	      "a region larger than its file is refused (no ack asked)");
	queue_read(3);
	CHECK(blkd_on_kick(dev, 0) == 0 && used_idx() == 4,
	      "...and the old table stays in use");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sock) == 0 &&
		      send_mem_table(sock[0], 4096) == 0,
	      "a socket as memory is refused");
	queue_read(4);
	CHECK(blkd_on_kick(dev, 0) == 0 && used_idx() == 5,
	      "...and the old table stays in use");
	close(sock[0]);
	close(sock[1]);
	close(small);
}

static void test_ring_outside_table(void)
{
	struct vu_msg m = state_msg(VHOST_USER_GET_VRING_BASE, 0, 0);

	CHECK(send_msg(&m) == 1 && reply.payload.state.num == 5,
	      "GET_VRING_BASE stops the ring at avail index 5");
	CHECK(send_addr(RAM_UADDR + RAM_SIZE - 16, RAM_UADDR + AVAIL_OFF,
			RAM_UADDR + USED_OFF) == 0,
	      "SET_VRING_ADDR on a stopped ring");
	CHECK(send_fd(VHOST_USER_SET_VRING_CALL, call_fd) == 0 &&
		      send_fd(VHOST_USER_SET_VRING_KICK, kick_fd) == 0,
	      "restart with a descriptor table past the end of memory");
	CHECK(eventfd_count(err_fd) == 1,
	      "the ring is refused and the error fd signalled");
	queue_read(5);
	CHECK(blkd_on_kick(dev, 0) == 0 && used_idx() == 5,
	      "a refused ring serves nothing");
	m = state_msg(VHOST_USER_GET_VRING_BASE, 0, 0);
	CHECK(send_msg(&m) == 1 && reply.payload.state.num == 5,
	      "stopping it again reports the same base");
	CHECK(send_addr(RAM_UADDR + DESC_OFF, RAM_UADDR + AVAIL_OFF,
			RAM_UADDR + USED_OFF) == 0 &&
		      send_fd(VHOST_USER_SET_VRING_CALL, call_fd) == 0 &&
		      send_fd(VHOST_USER_SET_VRING_KICK, kick_fd) == 0 &&
		      used_idx() == 6,
	      "fixed and restarted at base 5, it serves the waiting request");
}

/* Stop the ring and start it again with kick as its kick fd. */
static void restart_with_kick(int kick)
{
	struct vu_msg m = state_msg(VHOST_USER_GET_VRING_BASE, 0, 0);

	CHECK(send_msg(&m) == 1 &&
		      send_fd(VHOST_USER_SET_VRING_CALL, call_fd) == 0 &&
		      send_fd(VHOST_USER_SET_VRING_KICK, kick) == 0,
	      "ring stopped and restarted with a new kick fd");
}

/* Write up to n kicks into a non-blocking pipe; how many fitted. */
static size_t pipe_kicks(int fd, size_t n)
{
	uint64_t one = 1;
	size_t i;

	for (i = 0; i < n; i++)
		if (write(fd, &one, sizeof(one)) != sizeof(one))
			break;
	return i;
}

/*
 * Kick fds that never run dry would keep the device draining them for
 * ever: each wake-up reads a bounded amount, and such an fd is dropped.
 * A pipe of many pending kicks is still a kick fd.
 */
static void test_kick_never_dry(void)
{
	int sem = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK);
	int p[2];
	uint64_t lots = UINT64_MAX - 1;

	CHECK(sem >= 0 && write(sem, &lots, sizeof(lots)) == sizeof(lots),
	      "a semaphore eventfd holding 2^64 - 2 kicks");
	restart_with_kick(sem);
	queue_read(6);
	CHECK(blkd_on_kick(dev, 0) == 0 && dev->rings[0].kick_fd < 0 &&
		      used_idx() == 7,
	      "a kick fd that never runs dry is dropped; the kick is served");
	close(sem);
	CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0 &&
		      pipe_kicks(p[1], 960) == 960,
	      "a pipe holding 960 kicks");
	restart_with_kick(p[0]);
	queue_read(7);
	CHECK(blkd_on_kick(dev, 0) == 0 && dev->rings[0].kick_fd >= 0 &&
		      used_idx() == 8 && pipe_kicks(p[1], 1u << 20) > 960,
	      "960 pending kicks are drained in one wake-up, the fd kept");
	CHECK(blkd_on_kick(dev, 0) == 0 && dev->rings[0].kick_fd < 0,
	      "a pipe kept full (64 KiB, 8192 kicks) is dropped");
	close(p[0]);
	close(p[1]);
	restart_with_kick(kick_fd);
}

static int timer_fd = -1;

static int capture_timer(void *opaque, int fd, unsigned int queue)
{
	(void)opaque;
	(void)queue;
	timer_fd = fd;
	return 0;
}

/* Queue a read at avail index *idx, kick: how many notifications came. */
static uint64_t read_and_kick(uint16_t *idx)
{
	queue_read((*idx)++);
	if (blkd_on_kick(dev, 0) < 0 || used_idx() != *idx)
		return UINT64_MAX;
	return eventfd_count(call_fd);
}

/* The notification timer fired, long after the batch's last request. */
static uint64_t timer_fires(void)
{
	usleep(1000); /* past BLKD_NOTIFY_FIRST_NS */
	blkd_on_timer(dev, 0);
	return eventfd_count(call_fd);
}

/* The driver's used_event (VIRTIO_RING_F_EVENT_IDX): after the avail ring. */
static void set_used_event(uint16_t val)
{
	uint16_t *avail = (void *)(ram + AVAIL_OFF);

	__atomic_store_n(&avail[2 + QSIZE], val, __ATOMIC_RELEASE);
}

/*
 * A front-end starts ring 0 with features besides VERSION_1 and serves
 * the ring's first BLKD_NOTIFY_AT_ONCE requests, notified at once, from
 * avail index 0; *idx the next avail index.
 */
static void start_batch_ring(uint64_t features, uint16_t *idx)
{
	unsigned int at_once = 0;

	eventfd_count(call_fd); /* what the tests before left */
	CHECK(send_u64(VHOST_USER_SET_FEATURES,
		       1ull << VIRTIO_F_VERSION_1 | features) == 0 &&
		      send_mem_table(ram_fd, RAM_SIZE) == 0 &&
		      send_state(VHOST_USER_SET_VRING_NUM, QSIZE) == 0 &&
		      send_addr(RAM_UADDR + DESC_OFF, RAM_UADDR + AVAIL_OFF,
				RAM_UADDR + USED_OFF) == 0 &&
		      send_fd(VHOST_USER_SET_VRING_CALL, call_fd) == 0 &&
		      send_fd(VHOST_USER_SET_VRING_KICK, kick_fd) == 0,
	      "a front-end starts the ring of a device with a timer");
	*idx = 0;
	for (unsigned int i = 0; i < BLKD_NOTIFY_AT_ONCE; i++) {
		/* With EVENT_IDX: a driver that wants every completion. */
		set_used_event(*idx);
		at_once += read_and_kick(idx) == 1;
	}
	CHECK(at_once == BLKD_NOTIFY_AT_ONCE,
	      "the first %u requests are notified at once (%u were)",
	      BLKD_NOTIFY_AT_ONCE, at_once);
}

/* A device with a notification timer on fresh guest RAM: as above. */
static void start_batch_device(struct block_backend *bb, uint64_t features,
			       uint16_t *idx)
{
	const struct blkd_watch watch = { .add_timer = capture_timer };

	dev = blkd_create(bb, "test-batch", "serial", &watch);
	/* The memfd the shrunk-memory test truncated, whole again. */
	CHECK(ftruncate(ram_fd, 0) == 0 && ftruncate(ram_fd, RAM_SIZE) == 0,
	      "guest RAM of zeros");
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ram_fd,
		   0);
	CHECK(dev && timer_fd >= 0, "a device with a notification timer");
	start_batch_ring(features, idx);
}

/* Done with start_batch_device()'s device: first is the test's own. */
static void end_batch_device(struct blkd *first)
{
	blkd_destroy(dev);
	munmap(ram, RAM_SIZE);
	dev = first;
}

/*
 * With a notification timer (the server's watch gives one), a ring
 * notifies each request at once, then tries batches: a notification waits
 * while more requests come and covers them all; a ring that stops sends
 * what it holds; batches of one in a row send it back to notifying at once.
 */
static void test_notification_batches(struct block_backend *bb)
{
	struct blkd *first = dev;
	struct vu_msg m = state_msg(VHOST_USER_GET_VRING_BASE, 0, 0);
	uint16_t idx = 0;

	start_batch_device(bb, 0, &idx);
	CHECK(read_and_kick(&idx) == 0 && read_and_kick(&idx) == 0,
	      "then two requests are served, their notification held");
	CHECK(send_msg(&m) == 1 && eventfd_count(call_fd) == 1,
	      "stopping the ring sends the notification it held");
	CHECK(send_fd(VHOST_USER_SET_VRING_CALL, call_fd) == 0 &&
		      send_fd(VHOST_USER_SET_VRING_KICK, kick_fd) == 0 &&
		      read_and_kick(&idx) == 0 && read_and_kick(&idx) == 0 &&
		      read_and_kick(&idx) == 0,
	      "restarted, three more requests are held");
	CHECK(timer_fires() == 1 && timer_fires() == 0,
	      "the timer sends one notification for the three");
	for (unsigned int i = 0; i < BLKD_SINGLES; i++)
		CHECK(read_and_kick(&idx) == 0 && timer_fires() == 1,
		      "a batch of one (%u), notified when the timer fires",
		      i + 1);
	CHECK(read_and_kick(&idx) == 1,
	      "after %u of them the next request is notified at once",
	      BLKD_SINGLES);
	end_batch_device(first);
}

/*
 * With EVENT_IDX a held notification is still sent when a later request
 * of its batch needs none (the driver, not yet interrupted, has not moved
 * used_event on), and a request the driver wants no notification for
 * starts no batch.
 */
static void test_notification_batches_event_idx(struct block_backend *bb)
{
	struct blkd *first = dev;
	struct itimerspec t;
	uint16_t idx = 0;

	start_batch_device(bb, 1ull << VIRTIO_RING_F_EVENT_IDX, &idx);
	set_used_event(idx);
	CHECK(read_and_kick(&idx) == 0 && read_and_kick(&idx) == 0,
	      "a request the driver wants to hear of is held, and the next");
	CHECK(timer_fires() == 1, "the timer sends the notification for both");
	set_used_event((uint16_t)(idx + 100));
	CHECK(read_and_kick(&idx) == 0 && timerfd_gettime(timer_fd, &t) == 0 &&
		      t.it_value.tv_nsec == 0 && t.it_value.tv_sec == 0,
	      "a request the driver wants no notification for: none held, "
	      "no timer armed");
	end_batch_device(first);
}

/*
 * A new front-end starts afresh: the batches of one counted for the last
 * do not send its ring back to notifying at once early.
 */
static void test_notification_batches_reconnect(struct block_backend *bb)
{
	struct blkd *first = dev;
	uint16_t idx;

	start_batch_device(bb, 0, &idx);
	CHECK(read_and_kick(&idx) == 0 && timer_fires() == 1,
	      "a batch of one, notified when the timer fires");
	blkd_disconnect(dev);
	memset(ram, 0, RAM_SIZE); /* the new front-end's rings, empty */
	start_batch_ring(0, &idx);
	for (unsigned int i = 0; i < BLKD_SINGLES; i++)
		CHECK(read_and_kick(&idx) == 0 && timer_fires() == 1,
		      "reconnected: a batch of one (%u), held", i + 1);
	end_batch_device(first);
}

/* The front-end shrinks its memory file: the guard turns SIGBUS away. */
/* The guest: each read of avail->idx finds the read request again. */
static unsigned int refills, refill_limit;

static void refill_avail(void *opaque, uint64_t gpa, size_t len)
{
	uint16_t *avail = (void *)(ram + AVAIL_OFF);

	(void)opaque;
	if (gpa == RAM_GPA + AVAIL_OFF + 2 && len == 2 &&
	    refills < refill_limit) {
		avail[2 + avail[1] % QSIZE] = 0;
		avail[1]++;
		refills++;
	}
}

/*
 * A driver that refills its ring as fast as the daemon serves it: a kick
 * returns after a budget of requests (the event loop then reads the
 * front-end's messages), and blkd_serve_more() serves the rest.
 */
static void test_pass_budget(struct block_backend *bb)
{
	struct blkd *first = dev;
	unsigned int passes = 0;
	uint16_t idx, before;
	int r;

	start_batch_device(bb, 0, &idx);
	before = used_idx();
	refills = 0;
	refill_limit = 100 * VIRTIO_BLK_PASS_BUDGET;
	dev->mem.gm.before_read = refill_avail;
	r = blkd_on_kick(dev, 0);
	CHECK(r == 0 && refills <= 2 * VIRTIO_BLK_PASS_BUDGET &&
		      blkd_has_more(dev),
	      "a kick returns after a budget of requests (%u served)", refills);
	refill_limit = refills + 3; /* the driver stops soon */
	while (blkd_has_more(dev) && passes++ < 10)
		CHECK(blkd_serve_more(dev) == 0, "another pass");
	CHECK(!blkd_has_more(dev) && (uint16_t)(used_idx() - before) == refills,
	      "the passes after it serve the rest (%u)", refills);
	end_batch_device(first);
}

static void test_shrunk_memory(void)
{
	CHECK(vu_mem_guard_init() == 0, "install the SIGBUS guard");
	queue_read(8);
	munmap(ram, RAM_SIZE);
	CHECK(ftruncate(ram_fd, 0) == 0, "the front-end truncates its memory");
	CHECK(blkd_on_kick(dev, 0) == -EFAULT,
	      "the device survives and asks to end the connection");
}

#define HUGE_PAGE (2u << 20)

/*
 * The same on hugetlbfs (QEMU's memory for vhost-user is often there):
 * the kernel splits such a mapping only at huge page boundaries, so the
 * guard must put a huge page's worth of zeros over it, not a 4 KiB page.
 * In a child: without the fix, the SIGBUS kills it. Skipped where the
 * host has no free 2 MiB huge page.
 */
/* Whether fd (a hugetlbfs memfd, or -1) gets a 2 MiB page to map. */
static bool huge_page_free(int fd)
{
	void *p;

	if (fd < 0 || ftruncate(fd, HUGE_PAGE) < 0)
		return false;
	p = mmap(NULL, HUGE_PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return false;
	munmap(p, HUGE_PAGE);
	return true;
}

static void test_shrunk_hugetlb_memory(void)
{
	int fd = memfd_create("huge", MFD_CLOEXEC | MFD_HUGETLB);
	struct vhost_user_mem_table t = {
		.nregions = 1,
		.regions[0] = { RAM_GPA, HUGE_PAGE, RAM_UADDR, 0 },
	};
	struct vu_mem mem;
	char why[128] = "";
	int fds[1], status = -1;
	pid_t pid;

	if (!huge_page_free(fd)) {
		tap_skip("hugetlbfs memory shrunk under the device",
			 "no 2 MiB huge page free on this host");
		if (fd >= 0)
			close(fd);
		return;
	}
	fds[0] = dup(fd);
	vu_mem_init(&mem);
	CHECK(vu_mem_map(&mem, &t, fds, why, sizeof(why)) == 0 &&
		      mem.maps[0].page == HUGE_PAGE,
	      "a hugetlbfs region maps, its page 2 MiB (%s)", why);
	pid = fork();
	if (pid == 0) {
		uint8_t b = 1;

		if (ftruncate(fd, 0) < 0)
			_exit(2);
		gm_read(&mem.gm, RAM_GPA + 8192, &b, 1);
		_exit(vu_mem_fault_taken() && b == 0 ? 0 : 1);
	}
	if (pid > 0 && waitpid(pid, &status, 0) != pid)
		status = -1;
	CHECK(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "a read of the shrunk file finds zeros, the fault recorded "
	      "(status 0x%x)",
	      status);
	vu_mem_unmap(&mem);
	close(fd);
}

/* A front-end may start the ring before it sends the memory table. */
static void test_kick_before_table(void)
{
	int fd = memfd_create("ram2", MFD_CLOEXEC);

	eventfd_count(err_fd); /* the shrunk memory broke the last ring */
	CHECK(fd >= 0 && ftruncate(fd, RAM_SIZE) == 0, "a second guest RAM");
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(send_u64(VHOST_USER_SET_FEATURES, 1ull << VIRTIO_F_VERSION_1) ==
			      0 &&
		      send_state(VHOST_USER_SET_VRING_NUM, QSIZE) == 0 &&
		      send_addr(RAM_UADDR + DESC_OFF, RAM_UADDR + AVAIL_OFF,
				RAM_UADDR + USED_OFF) == 0 &&
		      send_fd(VHOST_USER_SET_VRING_ERR, err_fd) == 0 &&
		      send_fd(VHOST_USER_SET_VRING_KICK, kick_fd) == 0,
	      "a new front-end starts the ring before any memory table");
	queue_read(0);
	CHECK(blkd_on_kick(dev, 0) == 0 && eventfd_count(err_fd) == 0,
	      "the ring waits, not broken");
	CHECK(send_mem_table(fd, RAM_SIZE) == 0 && used_idx() == 1 &&
		      ram[STATUS_OFF] == VIRTIO_BLK_S_OK,
	      "the memory table arrives: the waiting request is served");
	munmap(ram, RAM_SIZE);
	close(fd);
}

int main(void)
{
	struct block_backend *bb = NULL;
	int fds_before;

	test_valid();
	test_bad_header();
	test_bad_size();
	test_bad_fds();
	test_bad_field();
	test_bad_regions();
	test_unsupported();
	test_regions_and_translation();
	test_close_fds();

	fds_before = count_fds();
	setup_device(&bb);
	test_session();
	test_state_errors();
	test_malformed_closes_fds();
	test_bad_tables();
	test_ring_outside_table();
	test_kick_never_dry();
	test_shrunk_memory();
	test_shrunk_hugetlb_memory();
	blkd_disconnect(dev);
	test_kick_before_table();
	blkd_disconnect(dev);
	/* vu_mem's SIGBUS guard covers one device's memory: dev has none. */
	test_notification_batches(bb);
	test_notification_batches_event_idx(bb);
	test_notification_batches_reconnect(bb);
	test_pass_budget(bb);
	close(ram_fd);
	close(kick_fd);
	close(call_fd);
	close(err_fd);
	CHECK(count_fds() == fds_before,
	      "after the disconnect no fd is left open (%d before)",
	      fds_before);
	blkd_destroy(dev);
	block_close(bb);
	return tap_done();
}
