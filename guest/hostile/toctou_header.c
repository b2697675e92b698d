// SPDX-License-Identifier: GPL-2.0-only
/*
 * toctou_header: the second CPU rewrites the request header in a tight
 * loop - type (IN / OUT / GET_ID / undefined) and sector (0 / the last /
 * the capacity / 2^64 - 1) - while the first CPU makes a 4 KiB read
 * available and notifies, again and again. A device that reads the
 * sector once for the range check and again for the I/O reads or writes
 * past the end of the disk (a double fetch, as CVE-2015-8550).
 *
 * vigil: parse_request (devices/virtio_blk.c) copies the header once;
 * type and sector are never read from guest memory again. Every request
 * completes with OK, IOERR or UNSUPP, consistent with one snapshot of the
 * header; none breaks the ring. Needs two vCPUs.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "smp.h"

#define ATTACK_MS 1000

static const uint32_t types[] = {VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
				 VIRTIO_BLK_T_GET_ID, 0xdeadbeefu};

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
		h->type = types[n & 3];
		h->sector = f->sectors[(n >> 2) & 3];
	}
	f->flips = n;
}

void hostile_toctou_header(void)
{
	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, 0);
	unsigned int count[3] = {0}, rounds = 0;
	struct flipper f = {0};
	struct virtio_blk b;
	struct cpu *ap;
	uint64_t end;
	int result = VIRTIO_BLK_S_OK;

	if (!r || !(ap = hostile_ap_start()) || !hostile_open(&b, 0))
		return;
	f.hdr = &r->hdr;
	f.sectors[0] = 0;
	f.sectors[1] = b.capacity - 1;
	f.sectors[2] = b.capacity;
	f.sectors[3] = ~0ull;
	hostile_ap_post(ap, flip, &f);
	for (end = hostile_deadline_ms(ATTACK_MS);
	     !hostile_expired(end) && result <= VIRTIO_BLK_S_UNSUPP; rounds++) {
		r->status = 0xff;
		hostile_post_read(&b, r, (uint64_t)r->data, HOSTILE_DATA_SIZE);
		result = hostile_wait(&b, r, NULL);
		if (result <= VIRTIO_BLK_S_UNSUPP)
			count[result]++;
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
