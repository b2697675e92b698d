// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio_mmio: every virtio-mmio device found (dsdt test) speaks the
 * modern transport (virtio 1.2, 4.2.2): magic "virt", Version 2, a device
 * ID; a write of 0 to Status resets it (reads back 0); ACKNOWLEDGE and
 * DRIVER read back; it offers VIRTIO_F_VERSION_1; queue 0 exists and a
 * queue index far past the last reads QueueNumMax 0 (4.2.3.2). Each device
 * is reset again afterwards. Skipped when there is no device.
 */
#include <linux/virtio_config.h>

#include "devices.h"
#include "runner.h"
#include "tests.h"
#include "virtio_mmio.h"

#define NO_SUCH_QUEUE 1000

static void check_device(const struct mmio_device *d)
{
	struct virtio_mmio vm;
	const char *why = "";
	uint64_t f;
	bool ok;

	/* why is set by the call: call first, then report. */
	ok = virtio_mmio_probe(&vm, d, &why);
	if (!check(ok, "0x%lx: %s", d->base, why))
		return;
	note("0x%lx: device ID %u, vendor 0x%x", d->base, vm.device_id,
	     vm.vendor_id);
	check(virtio_mmio_reset(&vm), "0x%lx: reset does not read back 0",
	      d->base);
	ok = virtio_mmio_negotiate(&vm, 1ull << VIRTIO_F_VERSION_1,
				   1ull << VIRTIO_F_VERSION_1, &why);
	if (!check(ok, "0x%lx: %s", d->base, why))
		return;
	f = vm.device_features;
	note("0x%lx: features 0x%lx", d->base, f);
	check((virtio_mmio_status(&vm) &
	       (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER)) ==
		      (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER),
	      "0x%lx: status 0x%x after ACKNOWLEDGE|DRIVER", d->base,
	      virtio_mmio_status(&vm));
	check(virtio_mmio_queue_num_max(&vm, 0) > 0, "0x%lx: no queue 0",
	      d->base);
	check(virtio_mmio_queue_num_max(&vm, NO_SUCH_QUEUE) == 0,
	      "0x%lx: queue %u claims to exist", d->base, NO_SUCH_QUEUE);
	check(virtio_mmio_reset(&vm), "0x%lx: final reset", d->base);
}

void test_virtio_mmio(void)
{
	const struct device_list *l = devices_all();
	unsigned int i;

	if (l->n == 0) {
		skip("no virtio-mmio devices");
		return;
	}
	for (i = 0; i < l->n; i++)
		check_device(&l->dev[i]);
}
