// SPDX-License-Identifier: GPL-2.0-only
/*
 * order_unoffered: the driver may accept only features the device offers,
 * and a modern device needs VIRTIO_F_VERSION_1 accepted (virtio 1.2, 2.2,
 * 6.1); the device refuses otherwise by leaving FEATURES_OK clear (3.1.1
 * step 6). Accept the lowest bit of word 0 that is not offered, bit 63,
 * and everything offered but VERSION_1, each followed by FEATURES_OK. A
 * device that accepts runs code paths for features it never implemented
 * (or the legacy ring layout).
 *
 * vigil: features_acceptable (devices/virtio_mmio.c) checks the accepted
 * bits against the offer when FEATURES_OK is written; refused, it is
 * logged and the bit stays clear.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

#define BIT(n) (1ull << (n))

static uint64_t offered_features(const struct virtio_blk *b)
{
	uint64_t f;

	hostile_reg_write(b, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)hostile_reg_read(b, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	hostile_reg_write(b, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | hostile_reg_read(b, VIRTIO_MMIO_DEVICE_FEATURES);
}

/* Reset, ACKNOWLEDGE, DRIVER, @features, FEATURES_OK: did it stick? */
static void attack(const struct virtio_blk *b, uint64_t features)
{
	uint32_t status;

	hostile_reg_write(b, VIRTIO_MMIO_STATUS, 0);
	hostile_reg_write(b, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	hostile_reg_write(b, VIRTIO_MMIO_STATUS,
			  VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	hostile_reg_write(b, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	hostile_reg_write(b, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	hostile_reg_write(b, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	hostile_reg_write(b, VIRTIO_MMIO_DRIVER_FEATURES,
			  (uint32_t)(features >> 32));
	hostile_reg_write(b, VIRTIO_MMIO_STATUS,
			  VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				  VIRTIO_CONFIG_S_FEATURES_OK);
	status = hostile_reg_read(b, VIRTIO_MMIO_STATUS);
	note("features 0x%lx: Status 0x%x", features, status);
	hostile_outcome("%s", status & VIRTIO_CONFIG_S_FEATURES_OK ?
				      "accepted" :
				      "refused");
	/* 2.2.2: otherwise it MUST fail to set FEATURES_OK. */
	check(!(status & VIRTIO_CONFIG_S_FEATURES_OK),
	      "FEATURES_OK set for features 0x%lx", features);
}

void hostile_order_unoffered(void)
{
	struct virtio_blk b;
	uint64_t offered;
	unsigned int bit;

	if (!hostile_negotiate(&b, 0))
		return;
	offered = offered_features(&b);
	for (bit = 0; bit < 32 && (offered & BIT(bit)); bit++)
		;
	attack(&b, offered | BIT(bit));
	attack(&b, offered | BIT(63));
	attack(&b, offered & ~BIT(VIRTIO_F_VERSION_1));
	hostile_recover(&b);
}
