// SPDX-License-Identifier: GPL-2.0-only
/*
 * inflight_reset: reset the device (Status 0) while a read is in flight
 * (the drive takes latency_ms per request). After a reset the device must
 * not touch the old rings or buffers (virtio 1.2, 2.4.1: the driver may
 * reuse their memory at once). A device whose I/O completes after the
 * reset writes the data, the status byte and a used element into memory
 * the guest has moved on from - or, having freed its request state,
 * into freed host memory.
 *
 * vigil: the I/O thread serves a queue holding the device lock for the
 * whole pass, and write_status takes the same lock (devices/virtio_mmio.c,
 * virtio_mmio_process_queue); a request on one of the drive's workers
 * (block/pool.c) is waited for and forgotten by device_reset's drain
 * (drain_queue, virtio_blk_drain): no request of the old session can
 * complete after the reset.
 */
#include <linux/virtio_mmio.h>

#include "hostile.h"
#include "io.h"
#include "runner.h"
#include "scenarios.h"
#include "tsc.h"

void hostile_inflight_reset(void)
{
	struct hostile_req *r;
	struct virtio_blk b;
	uint64_t start;
	bool reset, quiet;

	if (!hostile_open(&b, 0) || !(r = hostile_in_flight(&b)))
		return;
	start = rdtsc();
	reset = virtio_mmio_reset(&b.mmio);
	note("the reset took %lu ms", tsc_to_ns(rdtsc() - start) / 1000000);
	check(reset, "Status does not read back 0 after the reset");
	quiet = hostile_quiet(&b, r);
	hostile_outcome("%s", quiet ? "quiet" : "wrote-after");
	check(quiet, "the device wrote after the reset");
	hostile_recover(&b);
}
