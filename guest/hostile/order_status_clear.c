// SPDX-License-Identifier: GPL-2.0-only
/*
 * order_status_clear: the driver sets Status bits one by one and clears
 * them only by writing 0, a reset (virtio 1.2, 2.1: "The driver MUST NOT
 * clear a device status bit"); DEVICE_NEEDS_RESET is the device's bit and
 * bit 4 and 5 are not defined. On a live device write ACKNOWLEDGE alone
 * (clearing DRIVER, FEATURES_OK, DRIVER_OK), then the live value with
 * bit 5 added. A device that stores what it is given believes it is half
 * initialised while its queues run, or reports bits that mean nothing.
 *
 * vigil: write_status (devices/virtio_mmio.c) refuses a write that clears
 * bits without resetting and one with undefined bits; each is logged and
 * Status keeps its value. The queue serves on.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

#define STATUS_UNDEFINED_BIT 0x20

static void attack(const struct virtio_blk *b, uint32_t value)
{
	uint32_t status;

	hostile_reg_write(b, VIRTIO_MMIO_STATUS, value);
	status = hostile_reg_read(b, VIRTIO_MMIO_STATUS);
	note("Status write 0x%x: reads 0x%x", value, status);
	hostile_outcome("%s", status == 0xf ? "refused" : "stored");
}

void hostile_order_status_clear(void)
{
	struct virtio_blk b;

	if (!hostile_open(&b, 0))
		return;
	attack(&b, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	attack(&b, 0xf | STATUS_UNDEFINED_BIT);
	hostile_still_works(&b);
	hostile_recover(&b);
}
