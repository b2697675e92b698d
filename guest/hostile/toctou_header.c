// SPDX-License-Identifier: GPL-2.0-only
/*
 * toctou_header: the second CPU rewrites the request header in a tight
 * loop - type (IN / OUT / GET_ID / undefined) and sector (0 / 2^55 + 8 /
 * the capacity / 2^64 - 1) - while the first CPU makes a 4 KiB read
 * available and notifies, again and again. A device that reads the
 * sector once for the range check and again for the I/O reads or writes
 * where it never checked (a double fetch, as CVE-2015-8550): sector 0
 * passes the check, 2^55 + 8 is then used, and 2^55 * 512 wraps, so the
 * read returns sector 8.
 *
 * Of the four sectors only 0 is valid, so an OK read must hold sector
 * 0's data: with toctou_seed=S the drive's first sectors hold blk_fill()
 * patterns of seed S (test_hostile.py writes them) and every OK answer
 * is checked to be sector 0's data or a GET_ID (at most 20 bytes).
 *
 * vigil: parse_request (devices/virtio_blk.c) copies the header once;
 * type and sector are never read from guest memory again. Every request
 * completes with OK, IOERR or UNSUPP, consistent with one snapshot of the
 * header; none breaks the ring. Needs two vCPUs.
 */
#include "alloc.h"
#include "cmdline.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "smp.h"
#include "string.h"
#include "tests/blk_common.h"

#define ATTACK_MS 1000
/* Bytes just past a GET_ID's 20: a read overwrites them, a GET_ID not. */
#define SENTINEL_OFF VIRTIO_BLK_ID_BYTES
#define SENTINEL_LEN 8
#define SENTINEL 0xa5
#define WRAPPING_SECTOR ((1ull << 55) + 8)

static const uint32_t types[] = { VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
				  VIRTIO_BLK_T_GET_ID, 0xdeadbeefu };

struct flipper {
	struct virtio_blk_outhdr *hdr;
	uint64_t sectors[4];
	bool stop;
	uint64_t flips;
};

static void flip(void *arg)
{
	struct flipper *f = arg;
	volatile struct virtio_blk_outhdr *h = f->hdr;
	uint64_t n;

	for (n = 0; !__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE); n++) {
		/* Every other write is 0 -> 2^55 + 8: the double fetch's
		 * window; the others cycle through every type and sector. */
		h->type = types[(n >> 1) & 3];
		h->sector = f->sectors[n & 1	    ? 1 :
				       (n >> 3) & 1 ? (n >> 4) & 3 :
						      0];
	}
	f->flips = n;
}

/*
 * An OK answer is sector 0's data or a GET_ID, which leaves the sentinel
 * after its 20 bytes alone. (Only the sentinel is reset between rounds:
 * on kvm_pvm, rewriting the whole buffer while the other CPU hammers the
 * header costs a fault per byte.)
 */
static bool consistent(const uint8_t *data, const uint8_t *sector0)
{
	unsigned int i;

	if (!memcmp(data, sector0, HOSTILE_DATA_SIZE))
		return true;
	for (i = 0; i < SENTINEL_LEN; i++)
		if (data[SENTINEL_OFF + i] != SENTINEL)
			return false;
	return true;
}

void hostile_toctou_header(void)
{
	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, 0);
	uint8_t *sector0 = alloc(HOSTILE_DATA_SIZE, 8);
	const char *seed = param_str("toctou_seed");
	unsigned int count[3] = { 0 }, rounds = 0, bad = 0;
	struct flipper f = { 0 };
	struct virtio_blk b;
	struct cpu *ap;
	uint64_t end;
	int result = VIRTIO_BLK_S_OK;

	if (!r || !sector0 || !(ap = hostile_ap_start()) ||
	    !hostile_open(&b, 0))
		return;
	if (seed)
		blk_fill(sector0, 0, HOSTILE_DATA_SIZE,
			 (uint32_t)param_u64("toctou_seed", 0));
	else
		note("no toctou_seed=: OK answers are not checked");
	f.hdr = &r->hdr;
	f.sectors[0] = 0;
	f.sectors[1] = WRAPPING_SECTOR;
	f.sectors[2] = b.capacity;
	f.sectors[3] = ~0ull;
	hostile_ap_post(ap, flip, &f);
	for (end = hostile_deadline_ms(ATTACK_MS);
	     !hostile_expired(end) && result <= VIRTIO_BLK_S_UNSUPP; rounds++) {
		r->status = 0xff;
		memset(r->data + SENTINEL_OFF, SENTINEL, SENTINEL_LEN);
		hostile_post_read(&b, r, (uint64_t)r->data, HOSTILE_DATA_SIZE);
		result = hostile_wait(&b, r, NULL);
		if (result <= VIRTIO_BLK_S_UNSUPP)
			count[result]++;
		if (result == VIRTIO_BLK_S_OK && seed &&
		    !consistent(r->data, sector0))
			bad++;
	}
	__atomic_store_n(&f.stop, true, __ATOMIC_RELEASE);
	check(hostile_ap_wait(ap, 1000), "the second CPU did not stop");
	smp_stop(ap);
	note("%u requests against %lu rewrites: %u ok, %u ioerr, %u unsupp",
	     rounds, f.flips, count[0], count[1], count[2]);
	check(result <= VIRTIO_BLK_S_UNSUPP, "round %u: the device answered %s",
	      rounds, hostile_result_name(result));
	hostile_outcome("%s",
			result <= VIRTIO_BLK_S_UNSUPP ? "survived" : "failed");
	hostile_recover(&b);
}
