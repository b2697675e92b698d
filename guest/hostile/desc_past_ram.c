// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_past_ram: a read whose data buffer starts at the end of RAM,
 * straddles it (256 bytes in, 256 out), or lies at 1 TiB. A device that
 * turns a guest address into a host pointer by adding it to the RAM
 * mapping's base reads and writes host memory past the mapping.
 *
 * vigil: device code reaches guest RAM only through lib/guest_mem.c;
 * add_buf (devices/virtq.c) checks each buffer with gm_range_valid when
 * the chain is copied in: logged, DEVICE_NEEDS_RESET.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t addr)
{
	hostile_post_read(b, r, addr, 512);
}

void hostile_desc_past_ram(void)
{
	uint64_t end = hostile_ram_end();

	hostile_round(0, post, end, "buffer at the end of RAM");
	hostile_round(0, post, end - 256, "buffer across the end of RAM");
	hostile_round(0, post, 1ull << 40, "buffer at 1 TiB");
}
