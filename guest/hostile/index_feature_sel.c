// SPDX-License-Identifier: GPL-2.0-only
/*
 * index_feature_sel: DeviceFeaturesSel and DriverFeaturesSel pick a
 * 32-bit word of the feature bits (virtio 1.2, 4.2.2). Select word 2,
 * 0x80000000 and 0xffffffff: read DeviceFeatures there, and write all
 * ones to DriverFeatures there. A device that keeps its feature words in
 * an array indexed by the selector reads or writes past it.
 *
 * vigil: no array is indexed with a selector (devices/virtio_mmio.c,
 * read_device_features and write_driver_features switch on it). Words
 * past the second read 0; a non-zero write there is remembered as an
 * unoffered feature, logged, and FEATURES_OK is then refused.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static const uint32_t bad_sel[] = { 2, 0x80000000u, 0xffffffffu };

/* Reset, ACKNOWLEDGE, DRIVER: where features are negotiated. */
static void to_driver(const struct virtio_blk *b)
{
	hostile_reg_write(b, VIRTIO_MMIO_STATUS, 0);
	hostile_reg_write(b, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	hostile_reg_write(b, VIRTIO_MMIO_STATUS,
			  VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
}

static void attack(const struct virtio_blk *b, uint32_t sel)
{
	uint32_t device, status;

	to_driver(b);
	hostile_reg_write(b, VIRTIO_MMIO_DEVICE_FEATURES_SEL, sel);
	device = hostile_reg_read(b, VIRTIO_MMIO_DEVICE_FEATURES);
	check(device == 0, "DeviceFeatures word 0x%x reads 0x%x", sel, device);
	hostile_reg_write(b, VIRTIO_MMIO_DRIVER_FEATURES_SEL, sel);
	hostile_reg_write(b, VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffffu);
	/* Otherwise what the device offers in the first two words. */
	hostile_reg_write(b, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	hostile_reg_write(b, VIRTIO_MMIO_DRIVER_FEATURES,
			  1u << (VIRTIO_F_VERSION_1 - 32));
	hostile_reg_write(b, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	hostile_reg_write(b, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	hostile_reg_write(b, VIRTIO_MMIO_STATUS,
			  VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				  VIRTIO_CONFIG_S_FEATURES_OK);
	status = hostile_reg_read(b, VIRTIO_MMIO_STATUS);
	hostile_outcome("%s", status & VIRTIO_CONFIG_S_FEATURES_OK ?
				      "accepted" :
				      "refused");
}

void hostile_index_feature_sel(void)
{
	struct virtio_blk b;
	unsigned int i;

	if (!hostile_negotiate(&b, 0))
		return;
	for (i = 0; i < sizeof(bad_sel) / sizeof(bad_sel[0]); i++)
		attack(&b, bad_sel[i]);
	hostile_recover(&b);
}
