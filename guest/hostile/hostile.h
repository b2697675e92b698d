/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the hostile scenarios share. Each scenario attacks a device of the
 * VMM from inside the guest and then shows that the VMM survived: the
 * device either kept working or reported DEVICE_NEEDS_RESET (virtio 1.2,
 * 2.1.2) and works again after a reset. Set-up and the "still works"
 * check reuse the test guest's own drivers (virtio_mmio.c, virtq.c,
 * virtio_blk.c, virtio_rng.c); the attack itself goes through the raw
 * helpers below.
 *
 *	struct virtio_blk b;
 *	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, 0);
 *
 *	if (!r || !hostile_open(&b, 0))
 *		return;
 *	hostile_desc(&b, 0, (uint64_t)&r->hdr, 16, VRING_DESC_F_NEXT, 0);
 *	hostile_post(&b, 0);                  // a chain that loops
 *	hostile_refused(hostile_wait(&b, r, NULL), "loop 0 -> 0");
 *	hostile_recover(&b);                  // reset; a normal request works
 *
 * Every round of an attack prints one "# outcome: WORD" comment saying
 * what the device did (ok, ioerr, unsupp, needs-reset, silent, ignored,
 * refused, ...). tests/functional/test_hostile.py compares the words with
 * what vigil must do and records what QEMU does.
 */
#ifndef GUEST_HOSTILE_H
#define GUEST_HOSTILE_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>

#include "cpu.h"
#include "virtio_blk.h"
#include "virtio_net.h"
#include "virtio_rng.h"

/* Small rings: easy to fill, easy to overrun. */
#define HOSTILE_QUEUE_SIZE 8
/* How long a device may take to answer an attack before it counts as
 * "silent" (a dropped request: the driver would hang). */
#define HOSTILE_WAIT_MS 1000
#define HOSTILE_DATA_SIZE 4096

/* hostile_wait() results besides the VIRTIO_BLK_S_* status bytes. */
#define HOSTILE_NEEDS_RESET 0x100 /* Status has DEVICE_NEEDS_RESET */
#define HOSTILE_SILENT 0x101	  /* neither completed nor reported */
#define HOSTILE_USED 0x102	  /* hostile_rng_wait(): completed */

/* One request's memory: header, status byte, a data buffer. */
struct hostile_req {
	struct virtio_blk_outhdr hdr;
	uint8_t status;
	uint8_t pad[511];
	uint8_t data[HOSTILE_DATA_SIZE]; /* 512-byte aligned */
};

/* A buffer for hostile_chain(): any address, any length, any flags. */
struct hostile_seg {
	uint64_t addr;
	uint32_t len;
	uint16_t flags; /* VRING_DESC_F_WRITE, VRING_DESC_F_INDIRECT */
};

/* The device (blk=N) after reset, ACKNOWLEDGE and DRIVER, with VERSION_1
 * and those of @features the device offers accepted and FEATURES_OK set;
 * no queue yet. False (a check failed) when it is missing or refuses. */
bool hostile_negotiate(struct virtio_blk *b, uint64_t features);
/* And queue 0 given fresh rings of HOSTILE_QUEUE_SIZE, DRIVER_OK: a live
 * device, ready to be attacked. @features that the device
 * does not offer make the scenario skip. */
bool hostile_open(struct virtio_blk *b, uint64_t features);
/* Reset, then the same rings again from index 0 (zeroed), DRIVER_OK. */
bool hostile_restart(struct virtio_blk *b);

/* A zeroed request of @type at @sector, status 0xff (unwritten). */
struct hostile_req *hostile_req(uint32_t type, uint64_t sector);

/* Registers of the device's window, 32-bit, as the spec requires. */
uint32_t hostile_reg_read(const struct virtio_blk *b, uint32_t offset);
void hostile_reg_write(const struct virtio_blk *b, uint32_t offset,
		       uint32_t value);
/* The three ring addresses of the selected queue (QueueDesc, QueueDriver,
 * QueueDevice; low and high halves). */
void hostile_ring_regs(const struct virtio_blk *b, uint64_t desc,
		       uint64_t avail, uint64_t used);
/* One access of @width bytes (1, 2, 4 or 8) at any address: one
 * instruction, so the VMM sees exactly this width and alignment. */
uint64_t hostile_mmio_read(uint64_t addr, unsigned int width);
void hostile_mmio_write(uint64_t addr, unsigned int width, uint64_t value);
uint32_t hostile_pio_read(uint16_t port, unsigned int width);
void hostile_pio_write(uint16_t port, unsigned int width, uint32_t value);

/* Descriptor @i of queue 0, written as given. */
void hostile_desc(struct virtio_blk *b, uint16_t i, uint64_t addr, uint32_t len,
		  uint16_t flags, uint16_t next);
/* Makes @head available (next avail slot, avail->idx + 1) and notifies. */
void hostile_post(struct virtio_blk *b, uint16_t head);
/* Descriptors 0..n-1 = @segs, linked in order; then hostile_post(0). */
void hostile_chain(struct virtio_blk *b, const struct hostile_seg *segs,
		   unsigned int n);
/* A read of @len bytes into @addr: header (readable), data (writable),
 * status (writable), as descriptors 0-2, posted. */
void hostile_post_read(struct virtio_blk *b, struct hostile_req *r,
		       uint64_t addr, uint32_t len);
/* A request of @type at @sector with @len bytes of data (none if 0) in
 * the direction the type implies (OUT: readable; otherwise writable), as
 * descriptors 0-2, posted; then hostile_wait(). */
int hostile_request(struct virtio_blk *b, struct hostile_req *r, uint32_t type,
		    uint64_t sector, uint32_t len, uint32_t *used_len);
/* Waits for the device's answer to what was posted: the status byte it
 * wrote (VIRTIO_BLK_S_*, or another value it had no business writing),
 * HOSTILE_NEEDS_RESET or HOSTILE_SILENT. *used_len (may be NULL) gets the
 * used length of a completion. */
int hostile_wait(struct virtio_blk *b, const struct hostile_req *r,
		 uint32_t *used_len);
const char *hostile_result_name(int result);

/* Prints "# outcome: WORD" for this round. */
__attribute__((format(printf, 1, 2))) void hostile_outcome(const char *fmt,
							   ...);
/* An attack the device must not carry out: the result is IOERR, UNSUPP or
 * NEEDS_RESET, never OK, never silence. Prints the outcome. */
bool hostile_refused(int result, const char *attack);
/* After the attack: a reset completes (Status reads back 0) and the
 * device, set up again by the guest's driver, serves a 4 KiB write and a
 * 4 KiB read. The proof that it survived. */
bool hostile_recover(struct virtio_blk *b);
/*
 * One round of an attack on the rings: a fresh device with @features,
 * post(b, r, arg) writes and posts the bad chain for request r (a read of
 * sector 0), the device must refuse it (hostile_refused), and then work
 * again (hostile_recover). @what names the round in failure messages.
 */
typedef void hostile_post_fn(struct virtio_blk *b, struct hostile_req *r,
			     uint64_t arg);
void hostile_round(uint64_t features, hostile_post_fn *post, uint64_t arg,
		   const char *what);
/* The live queue, as the attack left it, still serves a 4 KiB read
 * (descriptors 0-2, the next avail slot; within HOSTILE_WAIT_MS). */
bool hostile_still_works(struct virtio_blk *b);

/*
 * In-flight requests, for a drive whose every request takes latency_ms=
 * (command line, default 200: null-co's latency-ns). hostile_in_flight
 * posts a 4 KiB read over a buffer filled with 0xa5 and returns once the
 * device has had a quarter of the latency to start it. hostile_quiet
 * then watches for twice the latency: true when the device wrote nothing
 * more to the used ring, the status byte or the buffer. It consumes what
 * completed before, so that hostile_wait() sees only later completions.
 *
 * hostile_in_flight returns NULL, having printed the outcome "late" and
 * recovered the device, when this vCPU was held up so long that the read
 * may complete before the attack that follows (a loaded host): the
 * scenario then returns and tests/functional/test_hostile.py runs it again.
 */
struct hostile_req *hostile_in_flight(struct virtio_blk *b);
bool hostile_quiet(struct virtio_blk *b, const struct hostile_req *r);

/* The floods: prints "NAME: flooding for MS ms" (test_hostile.py starts
 * watching), calls turn(arg) until @ms have passed, returns the ms it
 * took. */
uint64_t hostile_flood(const char *name, uint64_t ms, void (*turn)(void *),
		       void *arg);

/* Busy-wait deadlines (the TSC). */
uint64_t hostile_deadline_ms(uint64_t ms);
bool hostile_expired(uint64_t deadline);

/* The second CPU, started; NULL (and the scenario skips) with one. */
struct cpu *hostile_ap_start(void);
/* Runs fn(arg) on @cpu without waiting for it. */
void hostile_ap_post(struct cpu *cpu, void (*fn)(void *arg), void *arg);
bool hostile_ap_wait(struct cpu *cpu, uint64_t ms);

/* The guest's RAM size: ram_size= on the command line (default 256M, the
 * size test_hostile.py gives both VMMs). The first address past RAM. */
uint64_t hostile_ram_end(void);

/*
 * The entropy device (rng=N, found by device ID 4) for the rng_
 * scenarios, set up as hostile_open() sets up virtio-blk: VERSION_1
 * alone, queue 0 on fresh rings of HOSTILE_QUEUE_SIZE, DRIVER_OK, polled.
 * Its requests are chains of device-writable buffers (virtio 1.2, 5.4.6),
 * so there is no status byte: hostile_rng_wait() returns HOSTILE_USED
 * (with the used length), HOSTILE_NEEDS_RESET or HOSTILE_SILENT.
 */
#define HOSTILE_RNG_READ 64 /* hostile_rng_recover()'s read */
bool hostile_rng_open(struct virtio_rng *r);
void hostile_rng_desc(struct virtio_rng *r, uint16_t i, uint64_t addr,
		      uint32_t len, uint16_t flags, uint16_t next);
/* Makes @head available (next avail slot) and notifies queue 0. */
void hostile_rng_post(struct virtio_rng *r, uint16_t head);
int hostile_rng_wait(struct virtio_rng *r, uint32_t *used_len);
/* "filled" (used length > 0), "empty" (0), or hostile_result_name();
 * the words of the net_ scenarios' receive rounds too. */
const char *hostile_rng_result_name(int result, uint32_t used_len);
/* After the attack: a reset completes and the device, set up again by the
 * guest's driver, answers a read of HOSTILE_RNG_READ bytes. */
bool hostile_rng_recover(struct virtio_rng *r);

/*
 * The network device (net=N, found by device ID 1) for the net_
 * scenarios: VERSION_1 and @features accepted, receiveq1 (queue 0) and
 * transmitq1 (queue 1) on fresh rings of HOSTILE_QUEUE_SIZE, polled, no
 * receive buffer posted. Only the mmio, rx and tx members of struct
 * virtio_net are used. At the other end of vigil's --net
 * passt,socket=PATH, test_hostile.py's peer records every frame and sends
 * back those tagged "echo"; the tag (4 bytes after the Ethernet header)
 * also tells it which frames must never reach it.
 */
#define HOSTILE_NET_RX 0
#define HOSTILE_NET_TX 1
#define HOSTILE_NET_FRAME 60	     /* the echo frames' length */
#define HOSTILE_NET_BUF 1526	     /* header, Ethernet header, 1500 */
#define HOSTILE_NET_ETHERTYPE 0x88b5 /* IEEE 802 local experimental */
/* Up to FEATURES_OK and both queues: not live yet. @features that the
 * device does not offer make the scenario skip. */
bool hostile_net_setup(struct virtio_net *n, uint64_t features);
/* And DRIVER_OK. */
bool hostile_net_open(struct virtio_net *n, uint64_t features);
/* Descriptor @i of queue @q, written as given. */
void hostile_net_desc(struct virtio_net *n, unsigned int q, uint16_t i,
		      uint64_t addr, uint32_t len, uint16_t flags,
		      uint16_t next);
/* Makes @head of queue @q available and notifies the queue. */
void hostile_net_post(struct virtio_net *n, unsigned int q, uint16_t head);
/* hostile_rng_wait() for queue @q: HOSTILE_USED, HOSTILE_NEEDS_RESET or
 * HOSTILE_SILENT. */
int hostile_net_wait(struct virtio_net *n, unsigned int q, uint32_t *used_len);
/* At @buf: a zeroed 12-byte header, then a frame of @len bytes to the
 * broadcast address with HOSTILE_NET_ETHERTYPE, the 4 bytes of @tag and
 * bytes (i * 7 + @seed) & 0xff from the frame's 18th on (i counted from
 * 0 there), the pattern test_hostile.py checks. */
void hostile_net_frame(uint8_t *buf, uint32_t len, const char *tag,
		       uint8_t seed);
/* hostile_net_open(@n, 0) and a header and @len-byte frame of
 * hostile_net_frame(): the buffer, or NULL (the scenario returns). */
uint8_t *hostile_net_open_tx(struct virtio_net *n, uint32_t len,
			     const char *tag, uint8_t seed);
/* Prints the round's outcome (hostile_rng_result_name()) and checks that
 * the device answered at all: silence leaves the driver waiting for good.
 * Returns @result. */
int hostile_net_outcome(int result, uint32_t used_len, const char *what);
/* @len bytes at @buf (header and frame) as descriptor @i of the
 * transmit queue alone, posted; then hostile_net_wait() on it. */
int hostile_net_send(struct virtio_net *n, uint16_t i, const uint8_t *buf,
		     uint32_t len, uint32_t *used_len);
/* A receive round: posts the chain the caller wrote at descriptor 0 of
 * the receive queue, sends a HOSTILE_NET_FRAME-byte "echo" frame for the
 * peer to send back and waits for the receive queue's answer. */
int hostile_net_rx_round(struct virtio_net *n, uint32_t *used_len);
/* After the attack: a reset completes and the device, set up again by
 * the guest's driver, sends an "echo" frame and receives one back. */
bool hostile_net_recover(struct virtio_net *n);

#endif
