// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-mmio transport, version 2. See virtio_mmio.h for the state machine
 * and the locking rules; every guest-visible decision is in this file.
 */
#include "devices/virtio_mmio.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <string.h>

#include "lib/layout.h"
#include "lib/log.h"

/* Status bits a driver may set (NEEDS_RESET is the device's). */
#define DRIVER_STATUS_BITS                                         \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |    \
	 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK | \
	 VIRTIO_CONFIG_S_FAILED)
#define INTERRUPT_BITS (VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG)

/* What a register write asks the caller to do once the lock is dropped. */
struct pending_notify {
	uint32_t queues; /* bit q: call host.notify(q) */
};

static const char *reg_name(uint64_t offset)
{
	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return "MagicValue";
	case VIRTIO_MMIO_VERSION:
		return "Version";
	case VIRTIO_MMIO_DEVICE_ID:
		return "DeviceID";
	case VIRTIO_MMIO_VENDOR_ID:
		return "VendorID";
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return "DeviceFeatures";
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		return "DeviceFeaturesSel";
	case VIRTIO_MMIO_DRIVER_FEATURES:
		return "DriverFeatures";
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		return "DriverFeaturesSel";
	case VIRTIO_MMIO_QUEUE_SEL:
		return "QueueSel";
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return "QueueNumMax";
	case VIRTIO_MMIO_QUEUE_NUM:
		return "QueueNum";
	case VIRTIO_MMIO_QUEUE_READY:
		return "QueueReady";
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		return "QueueNotify";
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return "InterruptStatus";
	case VIRTIO_MMIO_INTERRUPT_ACK:
		return "InterruptACK";
	case VIRTIO_MMIO_STATUS:
		return "Status";
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return "QueueDescLow";
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		return "QueueDescHigh";
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		return "QueueDriverLow";
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		return "QueueDriverHigh";
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		return "QueueDeviceLow";
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		return "QueueDeviceHigh";
	case VIRTIO_MMIO_SHM_SEL:
		return "SHMSel";
	case VIRTIO_MMIO_SHM_LEN_LOW:
		return "SHMLenLow";
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return "SHMLenHigh";
	case VIRTIO_MMIO_SHM_BASE_LOW:
		return "SHMBaseLow";
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return "SHMBaseHigh";
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return "ConfigGeneration";
	case VIRTIO_MMIO_GUEST_PAGE_SIZE:
		return "GuestPageSize (legacy)";
	case VIRTIO_MMIO_QUEUE_ALIGN:
		return "QueueAlign (legacy)";
	case VIRTIO_MMIO_QUEUE_PFN:
		return "QueuePFN (legacy)";
	default:
		return "unknown register";
	}
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* The device serves its queues only in DRIVER_OK, and not once broken. */
static bool device_live(const struct virtio_mmio *dev)
{
	return (dev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(dev->status &
		 (VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED));
}

/* The spec's order: each bit needs the one before it (spec 3.1.1). */
static bool status_order_ok(uint32_t s)
{
	if ((s & VIRTIO_CONFIG_S_DRIVER) && !(s & VIRTIO_CONFIG_S_ACKNOWLEDGE))
		return false;
	if ((s & VIRTIO_CONFIG_S_FEATURES_OK) && !(s & VIRTIO_CONFIG_S_DRIVER))
		return false;
	if ((s & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(s & VIRTIO_CONFIG_S_FEATURES_OK))
		return false;
	return true;
}

/* Only offered bits, and VIRTIO_F_VERSION_1: we have no legacy interface. */
static bool features_acceptable(uint64_t offered, uint64_t accepted,
				bool beyond_64)
{
	return !beyond_64 && !(accepted & ~offered) &&
	       (accepted & (1ull << VIRTIO_F_VERSION_1));
}

static void raise_interrupt(struct virtio_mmio *dev, uint32_t bit)
{
	dev->interrupt_status |= bit;
	if (dev->host.interrupt)
		dev->host.interrupt(dev->host.opaque);
}

/*
 * The driver can no longer trust the device's queues (spec 2.1.2): flag
 * DEVICE_NEEDS_RESET, tell the driver through a configuration-change
 * interrupt, and serve nothing until reset.
 */
static void set_needs_reset(struct virtio_mmio *dev, unsigned int q, int err)
{
	guest_error("%s: queue %u broken (%s): device needs reset", dev->name,
		    q, strerror(-err));
	dev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	raise_interrupt(dev, VIRTIO_MMIO_INT_CONFIG);
}

/*
 * Let the device finish queue q's requests in flight: completed into the
 * ring when push is set, forgotten otherwise.
 */
static void drain_queue(struct virtio_mmio *dev, unsigned int q, bool push)
{
	bool interrupt = false;
	int ret;

	if (!dev->ops->drain)
		return;
	ret = dev->ops->drain(dev->dev, q, &dev->vq[q], dev->gm, push,
			      &interrupt);
	if (interrupt)
		raise_interrupt(dev, VIRTIO_MMIO_INT_VRING);
	if (ret < 0 && push)
		set_needs_reset(dev, q, ret);
}

/*
 * Before a snapshot reads the rings, and before the driver's FAILED
 * stops the device: what a live queue has in flight completes into it;
 * any other queue's requests are forgotten (the driver must reset the
 * device to use it again).
 */
static void drain_ready_queues(struct virtio_mmio *dev)
{
	for (unsigned int q = 0; q < dev->ops->num_queues; q++)
		drain_queue(dev, q, device_live(dev) && dev->vq[q].ready);
}

static void device_reset(struct virtio_mmio *dev)
{
	/* No request of the old session may complete after the reset. */
	for (unsigned int q = 0; q < dev->ops->num_queues; q++)
		drain_queue(dev, q, false);
	dev->status = 0;
	dev->device_features_sel = 0;
	dev->driver_features_sel = 0;
	dev->driver_features = 0;
	dev->driver_features_beyond_64 = false;
	dev->queue_sel = 0;
	dev->interrupt_status = 0;
	for (unsigned int q = 0; q < dev->ops->num_queues; q++)
		virtq_reset(&dev->vq[q], dev->ops->queue_num_max);
	if (dev->ops->reset)
		dev->ops->reset(dev->dev);
}

/* ---- register reads ---------------------------------------------------- */

/* The selected queue, or NULL when QueueSel names none (guest-controlled). */
static struct virtq *selected_queue(struct virtio_mmio *dev)
{
	if (dev->queue_sel >= dev->ops->num_queues)
		return NULL;
	return &dev->vq[dev->queue_sel];
}

static uint32_t read_device_features(const struct virtio_mmio *dev)
{
	/* Words past the second hold no offered feature: read as zero. */
	switch (dev->device_features_sel) {
	case 0:
		return (uint32_t)dev->device_features;
	case 1:
		return (uint32_t)(dev->device_features >> 32);
	default:
		return 0;
	}
}

static uint32_t read_reg(struct virtio_mmio *dev, uint64_t offset)
{
	struct virtq *vq = selected_queue(dev);

	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_MMIO_VERSION_MODERN;
	case VIRTIO_MMIO_DEVICE_ID:
		return dev->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return read_device_features(dev);
	/* Spec: 0 when the selected queue does not exist (how drivers probe).
	 */
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? dev->ops->queue_num_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return dev->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return dev->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0; /* the config space never changes */
	/* No shared memory regions: spec 4.2.2 says all-ones. */
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return UINT32_MAX;
	default:
		guest_error("%s: read of %s (offset 0x%llx): not readable",
			    dev->name, reg_name(offset),
			    (unsigned long long)offset);
		return 0;
	}
}

/*
 * Config space (spec 4.2.2.2): 8, 16 or 32-bit accesses, naturally aligned,
 * inside the device's config size. rel is the offset from 0x100.
 */
static bool config_access_ok(const struct virtio_mmio *dev, uint64_t rel,
			     unsigned int size, const char *dir)
{
	if ((size != 1 && size != 2 && size != 4) || rel % size) {
		guest_error("%s: config %s at 0x%llx: width %u not allowed",
			    dev->name, dir, (unsigned long long)rel, size);
		return false;
	}
	if (rel >= dev->ops->config_size ||
	    size > dev->ops->config_size - rel) {
		guest_error(
			"%s: config %s at 0x%llx width %u: past config size %u",
			dev->name, dir, (unsigned long long)rel, size,
			dev->ops->config_size);
		return false;
	}
	return true;
}

/* Registers: 32-bit wide, 32-bit aligned (spec 4.2.2.2). */
static bool reg_access_ok(const struct virtio_mmio *dev, uint64_t offset,
			  unsigned int size, const char *dir)
{
	if (size != 4 || offset % 4) {
		guest_error("%s: %s of %s (offset 0x%llx) with width %u: "
			    "registers are 32-bit",
			    dev->name, dir, reg_name(offset & ~3ull),
			    (unsigned long long)offset, size);
		return false;
	}
	return true;
}

static uint64_t virtio_mmio_read(void *opaque, uint64_t offset,
				 unsigned int size)
{
	struct virtio_mmio *dev = opaque;
	uint32_t val = 0;

	pthread_mutex_lock(&dev->lock);
	/* Past the config space (and so past the window) is refused there. */
	if (offset >= VIRTIO_MMIO_CONFIG) {
		if (config_access_ok(dev, offset - VIRTIO_MMIO_CONFIG, size,
				     "read"))
			dev->ops->config_read(dev->dev,
					      offset - VIRTIO_MMIO_CONFIG, &val,
					      size);
	} else if (reg_access_ok(dev, offset, size, "read")) {
		val = read_reg(dev, offset);
	}
	pthread_mutex_unlock(&dev->lock);
	return val;
}

/* ---- register writes --------------------------------------------------- */

static void write_driver_features(struct virtio_mmio *dev, uint32_t val)
{
	/* Features are negotiated between DRIVER and FEATURES_OK only. */
	if (!(dev->status & VIRTIO_CONFIG_S_DRIVER) ||
	    (dev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		guest_error("%s: DriverFeatures write 0x%x in status 0x%x",
			    dev->name, val, dev->status);
		return;
	}
	switch (dev->driver_features_sel) {
	case 0:
		dev->driver_features = (dev->driver_features & ~0xffffffffull) |
				       val;
		break;
	case 1:
		dev->driver_features = (dev->driver_features & 0xffffffffull) |
				       (uint64_t)val << 32;
		break;
	default:
		/* No device offers bits there: remember, refuse FEATURES_OK. */
		if (val) {
			guest_error(
				"%s: DriverFeatures word %u: 0x%x not offered",
				dev->name, dev->driver_features_sel, val);
			dev->driver_features_beyond_64 = true;
		}
		break;
	}
}

/*
 * Status (spec 2.1, 3.1.1): 0 resets; otherwise bits are only added, in the
 * spec's order, and FEATURES_OK is refused for unoffered features.
 */
static void write_status(struct virtio_mmio *dev, uint32_t val,
			 struct pending_notify *pending)
{
	uint32_t cur = dev->status & DRIVER_STATUS_BITS;
	uint32_t want;

	if (val == 0) {
		device_reset(dev);
		return;
	}
	/* Drivers write back what they read, NEEDS_RESET included: keep ours.
	 */
	want = val & ~VIRTIO_CONFIG_S_NEEDS_RESET;
	if (want & ~DRIVER_STATUS_BITS) {
		guest_error("%s: Status write 0x%x: undefined bits", dev->name,
			    val);
		return;
	}
	if ((want & cur) != cur) {
		guest_error(
			"%s: Status write 0x%x clears bits of 0x%x without reset",
			dev->name, val, dev->status);
		return;
	}
	if ((want & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(cur & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !features_acceptable(dev->device_features, dev->driver_features,
				 dev->driver_features_beyond_64)) {
		guest_error("%s: FEATURES_OK refused: driver features 0x%llx, "
			    "offered 0x%llx",
			    dev->name, (unsigned long long)dev->driver_features,
			    (unsigned long long)dev->device_features);
		want &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	}
	if (!status_order_ok(want)) {
		guest_error("%s: Status write 0x%x out of order (status 0x%x)",
			    dev->name, val, dev->status);
		return;
	}
	/* Buffers may have been queued before DRIVER_OK: look at them now. */
	if ((want & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(cur & VIRTIO_CONFIG_S_DRIVER_OK)) {
		for (unsigned int q = 0; q < dev->ops->num_queues; q++)
			if (dev->vq[q].ready)
				pending->queues |= 1u << q;
	}
	if ((want & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(cur & VIRTIO_CONFIG_S_FEATURES_OK) && dev->ops->set_features)
		dev->ops->set_features(dev->dev, dev->driver_features);
	/* The driver gives up: requests in flight end before it is told. */
	if (want & VIRTIO_CONFIG_S_FAILED)
		drain_ready_queues(dev);
	dev->status = want | (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/*
 * The selected queue, if its configuration may change now: it exists, it is
 * not ready (spec 4.2.2.3: the driver must not touch a ready queue's
 * configuration) and the device is not yet in DRIVER_OK.
 */
static struct virtq *configurable_queue(struct virtio_mmio *dev,
					uint64_t offset, uint32_t val)
{
	struct virtq *vq = selected_queue(dev);
	const char *why = NULL;

	if (!vq)
		why = "no such queue";
	else if (vq->ready)
		why = "queue is ready";
	else if (dev->status & VIRTIO_CONFIG_S_DRIVER_OK)
		why = "device is in DRIVER_OK";
	if (why) {
		guest_error("%s: %s write 0x%x for queue %u: %s", dev->name,
			    reg_name(offset), val, dev->queue_sel, why);
		return NULL;
	}
	return vq;
}

static void write_queue_num(struct virtio_mmio *dev, struct virtq *vq,
			    uint32_t val)
{
	/* The ring index arithmetic needs a power of two; the bound, memory. */
	if (!is_pow2(val) || val > dev->ops->queue_num_max) {
		guest_error(
			"%s: QueueNum %u for queue %u: not a power of two in 1..%u",
			dev->name, val, dev->queue_sel,
			dev->ops->queue_num_max);
		return;
	}
	vq->num = (uint16_t)val;
}

static void set_low(uint64_t *addr, uint32_t val)
{
	*addr = (*addr & ~0xffffffffull) | val;
}

static void set_high(uint64_t *addr, uint32_t val)
{
	*addr = (*addr & 0xffffffffull) | (uint64_t)val << 32;
}

static void enable_queue(struct virtio_mmio *dev, struct virtq *vq)
{
	const char *why;

	/* The ring format depends on the negotiated features. */
	if (!(dev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		guest_error("%s: QueueReady for queue %u before FEATURES_OK",
			    dev->name, dev->queue_sel);
		return;
	}
	why = virtq_check_layout(vq, dev->gm);
	if (why) {
		/* The queue stays not ready: the driver reads back 0. */
		guest_error("%s: QueueReady for queue %u refused: %s (num %u "
			    "desc 0x%llx driver 0x%llx device 0x%llx)",
			    dev->name, dev->queue_sel, why, vq->num,
			    (unsigned long long)vq->desc,
			    (unsigned long long)vq->avail,
			    (unsigned long long)vq->used);
		return;
	}
	virtq_enable(
		vq, dev->driver_features & (1ull << VIRTIO_RING_F_EVENT_IDX),
		dev->driver_features & (1ull << VIRTIO_RING_F_INDIRECT_DESC));
}

static void write_queue_ready(struct virtio_mmio *dev, uint32_t val)
{
	struct virtq *vq = selected_queue(dev);

	if (!vq || val > 1) {
		guest_error("%s: QueueReady write 0x%x for queue %u: %s",
			    dev->name, val, dev->queue_sel,
			    vq ? "not 0 or 1" : "no such queue");
		return;
	}
	if (val == 0) {
		/* Stopping a queue is always allowed; its requests finish. */
		if (vq->ready)
			drain_queue(dev, dev->queue_sel, device_live(dev));
		vq->ready = false;
		return;
	}
	/*
	 * Only before DRIVER_OK: nothing has been served yet, so enabling a
	 * queue again (a repeated write) re-checks the same layout and keeps
	 * the same zero indices.
	 */
	if (dev->status & VIRTIO_CONFIG_S_DRIVER_OK) {
		guest_error("%s: QueueReady for queue %u after DRIVER_OK",
			    dev->name, dev->queue_sel);
		return;
	}
	enable_queue(dev, vq);
}

static void write_queue_notify(struct virtio_mmio *dev, uint32_t val,
			       struct pending_notify *pending)
{
	const char *why = NULL;

	/* The value is a queue index (no VIRTIO_F_NOTIFICATION_DATA). */
	if (val >= dev->ops->num_queues)
		why = "no such queue";
	else if (!device_live(dev))
		why = "device not live";
	else if (!dev->vq[val].ready)
		why = "queue not ready";
	if (why) {
		guest_error("%s: QueueNotify %u in status 0x%x: %s", dev->name,
			    val, dev->status, why);
		return;
	}
	pending->queues |= 1u << val;
}

static void write_interrupt_ack(struct virtio_mmio *dev, uint32_t val)
{
	if (val & ~INTERRUPT_BITS)
		guest_error("%s: InterruptACK 0x%x: undefined bits", dev->name,
			    val);
	/* Clears only bits that are set (only defined bits ever are). */
	dev->interrupt_status &= ~val;
}

static void write_queue_reg(struct virtio_mmio *dev, uint64_t offset,
			    uint32_t val)
{
	struct virtq *vq = configurable_queue(dev, offset, val);

	if (!vq)
		return;
	switch (offset) {
	case VIRTIO_MMIO_QUEUE_NUM:
		write_queue_num(dev, vq, val);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		set_low(&vq->desc, val);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_high(&vq->desc, val);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		set_low(&vq->avail, val);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_high(&vq->avail, val);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		set_low(&vq->used, val);
		break;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_high(&vq->used, val);
		break;
	}
}

static void write_reg(struct virtio_mmio *dev, uint64_t offset, uint32_t val,
		      struct pending_notify *pending)
{
	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		dev->device_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		dev->driver_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		write_driver_features(dev, val);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		dev->queue_sel = val; /* any value; checked at each use */
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		write_queue_reg(dev, offset, val);
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		write_queue_ready(dev, val);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		write_queue_notify(dev, val, pending);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		write_interrupt_ack(dev, val);
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(dev, val, pending);
		break;
	case VIRTIO_MMIO_SHM_SEL:
		break; /* selects among no regions: reads stay all-ones */
	default:
		guest_error(
			"%s: write 0x%x to %s (offset 0x%llx): not writable",
			dev->name, val, reg_name(offset),
			(unsigned long long)offset);
		break;
	}
}

static void write_config(struct virtio_mmio *dev, uint64_t rel,
			 unsigned int size, uint64_t value)
{
	uint32_t val = (uint32_t)value;

	if (!config_access_ok(dev, rel, size, "write"))
		return;
	if (!dev->ops->config_write ||
	    !dev->ops->config_write(dev->dev, (uint32_t)rel, &val, size))
		guest_error("%s: config write 0x%x at 0x%llx width %u refused",
			    dev->name, val, (unsigned long long)rel, size);
}

static void virtio_mmio_write(void *opaque, uint64_t offset, unsigned int size,
			      uint64_t value)
{
	struct virtio_mmio *dev = opaque;
	struct pending_notify pending = { 0 };

	pthread_mutex_lock(&dev->lock);
	if (offset >= VIRTIO_MMIO_CONFIG)
		write_config(dev, offset - VIRTIO_MMIO_CONFIG, size, value);
	else if (reg_access_ok(dev, offset, size, "write"))
		write_reg(dev, offset, (uint32_t)value, &pending);
	pthread_mutex_unlock(&dev->lock);

	/* Without the lock: the host may serve the queue right here. */
	for (unsigned int q = 0; q < dev->ops->num_queues; q++)
		if ((pending.queues & (1u << q)) && dev->host.notify)
			dev->host.notify(dev->host.opaque, q);
}

const struct bus_ops virtio_mmio_ops = {
	.read = virtio_mmio_read,
	.write = virtio_mmio_write,
};

/* ---- queue processing -------------------------------------------------- */

enum virtio_pass virtio_mmio_process_queue(struct virtio_mmio *dev,
					   unsigned int q)
{
	enum virtio_pass pass = VIRTIO_PASS_NONE;
	bool interrupt = false;
	int ret;

	pthread_mutex_lock(&dev->lock);
	/* Notifications race with reset and QueueReady = 0: re-check here. */
	if (q < dev->ops->num_queues && device_live(dev) && dev->vq[q].ready) {
		ret = dev->ops->process_queue(dev->dev, q, &dev->vq[q], dev->gm,
					      &interrupt);
		if (interrupt)
			raise_interrupt(dev, VIRTIO_MMIO_INT_VRING);
		if (ret < 0)
			set_needs_reset(dev, q, ret);
		pass = ret == VIRTQ_MORE ? VIRTIO_PASS_MORE : VIRTIO_PASS_DONE;
	}
	pthread_mutex_unlock(&dev->lock);
	return pass;
}

/* ---- set-up ------------------------------------------------------------ */

int virtio_mmio_init(struct virtio_mmio *dev, const char *name,
		     const struct virtio_dev_ops *ops, void *dev_opaque,
		     const struct guest_mem *gm,
		     const struct virtio_mmio_host *host)
{
	memset(dev, 0, sizeof(*dev));
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	if (ops->num_queues == 0 || ops->num_queues > VIRTIO_MMIO_MAX_QUEUES ||
	    !is_pow2(ops->queue_num_max) ||
	    ops->queue_num_max > VIRTQ_MAX_SIZE ||
	    ops->config_size > VIRTIO_MMIO_SIZE - VIRTIO_MMIO_CONFIG) {
		log_error("%s: bad device ops (queues %u, size %u, config %u)",
			  dev->name, ops->num_queues, ops->queue_num_max,
			  ops->config_size);
		return -EINVAL;
	}
	dev->ops = ops;
	dev->dev = dev_opaque;
	dev->gm = gm;
	dev->host = *host;
	dev->device_features = ops->features(dev_opaque);
	for (unsigned int q = 0; q < ops->num_queues; q++) {
		snprintf(dev->vq_name[q], sizeof(dev->vq_name[q]), "%s q%u",
			 dev->name, q);
		dev->vq[q].name = dev->vq_name[q];
	}
	pthread_mutex_init(&dev->lock, NULL);
	device_reset(dev);
	return 0;
}

void virtio_mmio_destroy(struct virtio_mmio *dev)
{
	pthread_mutex_destroy(&dev->lock);
}

/* ---- snapshot state ---------------------------------------------------- */

void virtio_mmio_get_state(struct virtio_mmio *dev,
			   struct virtio_mmio_state *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&dev->lock);
	drain_ready_queues(dev);
	st->status = dev->status;
	st->device_features_sel = dev->device_features_sel;
	st->driver_features_sel = dev->driver_features_sel;
	st->driver_features = dev->driver_features;
	st->driver_features_beyond_64 = dev->driver_features_beyond_64;
	st->queue_sel = dev->queue_sel;
	st->interrupt_status = dev->interrupt_status;
	for (unsigned int q = 0; q < dev->ops->num_queues; q++) {
		const struct virtq *vq = &dev->vq[q];

		st->queue[q] = (struct virtio_mmio_queue_state){
			.num = vq->num,
			.ready = vq->ready,
			.desc = vq->desc,
			.avail = vq->avail,
			.used = vq->used,
			.last_avail_idx = vq->last_avail_idx,
			.used_idx = vq->used_idx,
		};
	}
	pthread_mutex_unlock(&dev->lock);
}

/* Field by field: padding bytes may hold anything. */
static bool queue_state_unused(const struct virtio_mmio_queue_state *qs)
{
	return !qs->num && !qs->ready && !qs->desc && !qs->avail && !qs->used &&
	       !qs->last_avail_idx && !qs->used_idx;
}

static bool queue_state_ok(const struct virtio_mmio_queue_state *qs,
			   unsigned int q, uint32_t status,
			   const struct virtio_mmio_limits *lim, char *why,
			   size_t len)
{
	struct virtq vq = { .num = qs->num,
			    .desc = qs->desc,
			    .avail = qs->avail,
			    .used = qs->used };
	const char *bad;

	if (!is_pow2(qs->num) || qs->num > lim->queue_num_max) {
		snprintf(why, len,
			 "queue@%u: num = %u: not a power of two in 1..%u", q,
			 qs->num, lim->queue_num_max);
		return false;
	}
	/*
	 * The indices are free-running and bound nothing here: a driver may
	 * stop a queue and give it another size with chains still taken, so
	 * last-avail-idx - used-idx may exceed num, and a rule against it
	 * would make that guest's next snapshot unloadable.
	 */
	if (!qs->ready)
		return true;
	if (!(status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		snprintf(why, len,
			 "queue@%u ready in device-status 0x%x, before "
			 "FEATURES_OK",
			 q, status);
		return false;
	}
	bad = virtq_check_layout(&vq, lim->ram);
	if (bad)
		snprintf(why, len,
			 "queue@%u: %s (num %u, desc 0x%llx, avail 0x%llx, "
			 "used 0x%llx)",
			 q, bad, qs->num, (unsigned long long)qs->desc,
			 (unsigned long long)qs->avail,
			 (unsigned long long)qs->used);
	return !bad;
}

bool virtio_mmio_state_check(const struct virtio_mmio_state *st,
			     const struct virtio_mmio_limits *lim, char *why,
			     size_t len)
{
	uint32_t driver_bits = st->status & ~VIRTIO_CONFIG_S_NEEDS_RESET;

	if ((driver_bits & ~DRIVER_STATUS_BITS) ||
	    !status_order_ok(driver_bits)) {
		snprintf(why, len,
			 "device-status = 0x%x: undefined bits or out of the "
			 "spec's order",
			 st->status);
		return false;
	}
	if ((st->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !features_acceptable(lim->device_features, st->driver_features,
				 st->driver_features_beyond_64)) {
		snprintf(why, len,
			 "driver-features = 0x%llx with FEATURES_OK: VERSION_1 "
			 "missing, bits beyond 64 or not offered (offered "
			 "0x%llx)",
			 (unsigned long long)st->driver_features,
			 (unsigned long long)lim->device_features);
		return false;
	}
	if (st->interrupt_status & ~INTERRUPT_BITS) {
		snprintf(why, len, "interrupt-status = 0x%x: undefined bits",
			 st->interrupt_status);
		return false;
	}
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++) {
		if (q < lim->nr_queues) {
			if (!queue_state_ok(&st->queue[q], q, st->status, lim,
					    why, len))
				return false;
		} else if (!queue_state_unused(&st->queue[q])) {
			snprintf(why, len, "queue@%u: the device has %u queues",
				 q, lim->nr_queues);
			return false;
		}
	}
	return true;
}

bool virtio_mmio_state_fits(const struct virtio_mmio *dev,
			    const struct virtio_mmio_state *st, char *why,
			    size_t len)
{
	struct virtio_mmio_limits lim = {
		.nr_queues = dev->ops->num_queues,
		.queue_num_max = dev->ops->queue_num_max,
		.device_features = dev->device_features,
		.ram = dev->gm,
	};

	return virtio_mmio_state_check(st, &lim, why, len);
}

int virtio_mmio_set_state(struct virtio_mmio *dev,
			  const struct virtio_mmio_state *st)
{
	bool event_idx = st->driver_features &
			 (1ull << VIRTIO_RING_F_EVENT_IDX);
	bool indirect = st->driver_features &
			(1ull << VIRTIO_RING_F_INDIRECT_DESC);
	char why[200];

	if (!virtio_mmio_state_fits(dev, st, why, sizeof(why))) {
		log_error("%s: snapshot: %s", dev->name, why);
		return -EINVAL;
	}
	pthread_mutex_lock(&dev->lock);
	dev->status = st->status;
	dev->device_features_sel = st->device_features_sel;
	dev->driver_features_sel = st->driver_features_sel;
	dev->driver_features = st->driver_features;
	dev->driver_features_beyond_64 = st->driver_features_beyond_64;
	dev->queue_sel = st->queue_sel;
	dev->interrupt_status = st->interrupt_status;
	for (unsigned int q = 0; q < dev->ops->num_queues; q++) {
		const struct virtio_mmio_queue_state *qs = &st->queue[q];
		struct virtq *vq = &dev->vq[q];

		virtq_reset(vq, qs->num);
		vq->desc = qs->desc;
		vq->avail = qs->avail;
		vq->used = qs->used;
		if (qs->ready)
			virtq_enable(vq, event_idx, indirect);
		vq->last_avail_idx = qs->last_avail_idx;
		vq->shadow_avail_idx = qs->last_avail_idx;
		vq->used_idx = qs->used_idx;
	}
	if ((st->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    dev->ops->set_features)
		dev->ops->set_features(dev->dev, st->driver_features);
	/*
	 * An interrupt the driver had not acknowledged may be missing from
	 * the saved irqchip: KVM injects an irqfd's interrupt from a kernel
	 * worker, after the write, and the machine can pause in between.
	 * Lost, it would leave the driver waiting for ever; sent twice, it
	 * costs the driver one read of InterruptStatus.
	 */
	if (dev->interrupt_status && dev->host.interrupt)
		dev->host.interrupt(dev->host.opaque);
	pthread_mutex_unlock(&dev->lock);
	return 0;
}
