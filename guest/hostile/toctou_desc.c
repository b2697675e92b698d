// SPDX-License-Identifier: GPL-2.0-only
/*
 * toctou_desc: the second CPU rewrites the request's descriptors in a
 * tight loop - the data buffer's address (RAM / 2^64 - 4 KiB), length
 * (4 KiB / 4 GiB), flags (plain / indirect) and next (valid / past the
 * table), and descriptor 0's next (valid / itself) - while the first CPU
 * makes the request available and notifies, again and again. A device
 * that reads a descriptor field twice - once to check it, once to use it
 * - uses a value it never checked (a double fetch: CVE-2015-8550, Xen's
 * PV back-ends, XSA-155).
 *
 * vigil: read_desc (devices/virtq.c) copies each descriptor once with
 * gm_read; the checks and the I/O use only the copy. Each request
 * either completes (OK or IOERR) or the device reports DEVICE_NEEDS_RESET
 * for a descriptor it saw broken; it never uses an unchecked one, and
 * the ASan and TSan builds find nothing. Needs two vCPUs.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "smp.h"

#define ATTACK_MS 1000

struct flipper {
	struct vring_desc *desc;
	uint64_t good;
	bool stop;
	uint64_t flips;
};

/* Runs on the second CPU until told to stop. */
static void flip(void *arg)
{
	struct flipper *f = arg;
	volatile struct vring_desc *d = f->desc;
	uint64_t n;

	for (n = 0; !__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE); n++) {
		d[1].addr = n & 1 ? f->good : 0xfffffffffffff000ull;
		d[1].len = n & 2 ? HOSTILE_DATA_SIZE : 0xffffffffu;
		d[1].flags = (uint16_t)(VRING_DESC_F_WRITE | VRING_DESC_F_NEXT |
					(n & 4 ? 0 : VRING_DESC_F_INDIRECT));
		d[1].next = n & 8 ? 2 : 0x7fff;
		d[0].next = n & 16 ? 1 : 0;
	}
	f->flips = n;
}

void hostile_toctou_desc(void)
{
	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, 0);
	unsigned int count[4] = { 0 }, rounds = 0;
	struct flipper f = { 0 };
	struct virtio_blk b;
	struct cpu *ap;
	uint64_t end;
	int result;

	if (!r || !(ap = hostile_ap_start()) || !hostile_open(&b, 0))
		return;
	f.desc = b.vq.desc;
	f.good = (uint64_t)r->data;
	hostile_ap_post(ap, flip, &f);
	for (end = hostile_deadline_ms(ATTACK_MS); !hostile_expired(end);
	     rounds++) {
		r->status = 0xff;
		hostile_post_read(&b, r, (uint64_t)r->data, HOSTILE_DATA_SIZE);
		result = hostile_wait(&b, r, NULL);
		if (result == VIRTIO_BLK_S_OK || result == VIRTIO_BLK_S_IOERR) {
			count[result]++;
		} else if (result == HOSTILE_NEEDS_RESET) {
			count[2]++;
			if (!hostile_restart(&b))
				break;
		} else {
			count[3]++;
			check(false, "round %u: the device answered %s", rounds,
			      hostile_result_name(result));
			break;
		}
	}
	__atomic_store_n(&f.stop, true, __ATOMIC_RELEASE);
	check(hostile_ap_wait(ap, 1000), "the second CPU did not stop");
	smp_stop(ap);
	note("%u requests against %lu rewrites: %u ok, %u ioerr, %u "
	     "needs-reset",
	     rounds, f.flips, count[0], count[1], count[2]);
	hostile_outcome("%s", count[3] ? "failed" : "survived");
	hostile_recover(&b);
}
