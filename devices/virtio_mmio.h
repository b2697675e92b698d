/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-mmio transport (virtio 1.2 section 4.2), modern interface
 * (Version 2) only, generic over a device-ops table so any virtio device
 * model can sit behind it. One VIRTIO_MMIO_SIZE window per device.
 *
 * Every register access is checked: offset, width (32-bit aligned for the
 * registers; 8/16/32-bit naturally aligned inside the config space), the
 * selectors (QueueSel is validated at every use), values (QueueNum a power
 * of two <= QueueNumMax), and the order of the driver's steps:
 *
 *   status (driver-set bits)     what the driver may do next
 *   0 (reset)                    ACKNOWLEDGE
 *   ACKNOWLEDGE                  DRIVER
 *   + DRIVER                     read DeviceFeatures, write DriverFeatures,
 *                                FEATURES_OK (refused - the bit stays clear -
 *                                unless every accepted bit was offered and
 *                                VIRTIO_F_VERSION_1 is among them)
 *   + FEATURES_OK                configure queues: QueueNum, addresses,
 *                                QueueReady (layout checked on 0 -> 1)
 *   + DRIVER_OK                  the device serves ready queues; queue
 *                                configuration is frozen until reset
 *   FAILED (any time)            the driver gave up: the device stops
 *   write 0 (any time)           reset
 *
 * Bits are only added, never cleared, except by writing 0. A rejected access
 * is logged under -d guest_errors (rate-limited per call site), ignored, and
 * a read of it returns 0. When a queue turns out broken the device sets
 * DEVICE_NEEDS_RESET, raises a configuration-change interrupt and serves
 * nothing until the driver resets it.
 *
 * Locking: one mutex per device. vCPU threads (register accesses through
 * virtio_mmio_ops) and the I/O thread (virtio_mmio_process_queue) both hold
 * it for the whole access or the whole queue pass. So a reset written by a
 * vCPU while the I/O thread serves a request waits until that pass has
 * finished, and for requests the device still has in flight (ops->drain);
 * once the reset is done no request of the old session can complete: the
 * queues are no longer ready.
 */
#ifndef VIGIL_VIRTIO_MMIO_H
#define VIGIL_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/virtq.h"
#include "lib/guest_mem.h"

#define VIRTIO_MMIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_MMIO_VERSION_MODERN 2u
#define VIRTIO_MMIO_VENDOR 0x4c494756u /* "VGIL" */
#define VIRTIO_MMIO_MAX_QUEUES 8u

/* What a device model provides to a virtio transport. */
struct virtio_dev_ops {
	uint32_t device_id;	 /* VIRTIO_ID_* from <linux/virtio_ids.h> */
	unsigned int num_queues; /* 1..VIRTIO_MMIO_MAX_QUEUES */
	uint16_t queue_num_max;	 /* power of two, <= VIRTQ_MAX_SIZE */
	uint32_t config_size;	 /* bytes of config space, <= window - 0x100 */
	/* Offered feature bits; must include VIRTIO_F_VERSION_1. */
	uint64_t (*features)(void *dev);
	/* Bounds and alignment already checked by the transport. */
	void (*config_read)(void *dev, uint32_t offset, void *buf,
			    uint32_t size);
	/* NULL when the config space is read-only. False rejects the write. */
	bool (*config_write)(void *dev, uint32_t offset, const void *buf,
			     uint32_t size);
	/*
	 * The driver's features were accepted (FEATURES_OK set, or a
	 * snapshot with it loaded): a subset of the offer with VERSION_1.
	 * NULL when the device does not care which were taken.
	 */
	void (*set_features)(void *dev, uint64_t features);
	/*
	 * Wait for the requests of queue q the device has taken and not
	 * completed, then complete them (push used, set *interrupt as
	 * process_queue does) when push is true, or forget them. Called
	 * under the device lock: at reset (push false), when the driver
	 * stops the queue, and before a snapshot reads the rings. A negative
	 * errno means the queue is broken. NULL: every request completes
	 * within process_queue.
	 */
	int (*drain)(void *dev, unsigned int q, struct virtq *vq,
		     const struct guest_mem *gm, bool push, bool *interrupt);
	/* Device-specific part of a reset; NULL when there is none. */
	void (*reset)(void *dev);
	/*
	 * Serve ready queue q (pop, execute, push used; a device with drain
	 * may leave requests in flight and push them in a later pass). Set
	 * *interrupt when the driver wants a used-buffer notification.
	 * Returns 0, VIRTQ_MORE when the pass stopped at the device's budget
	 * (the transport's caller serves the queue again after its other
	 * work, and only while the device is live and the queue ready: the
	 * device keeps no "more" state), or a negative errno when the queue
	 * is broken: the transport sets DEVICE_NEEDS_RESET.
	 */
	int (*process_queue)(void *dev, unsigned int q, struct virtq *vq,
			     const struct guest_mem *gm, bool *interrupt);
};

/* How the transport reaches the rest of vigil. */
struct virtio_mmio_host {
	/*
	 * Queue q has (or may have) new buffers: arrange for
	 * virtio_mmio_process_queue(dev, q) to run, e.g. by writing the
	 * queue's eventfd. Called for a valid QueueNotify (the path taken when
	 * no ioeventfd caught it) and for each ready queue when the driver
	 * sets DRIVER_OK (buffers may be queued before it). Called WITHOUT the
	 * device lock, so it may also call virtio_mmio_process_queue itself.
	 */
	void (*notify)(void *opaque, unsigned int queue);
	/*
	 * InterruptStatus gained a bit: send the (edge-triggered) interrupt,
	 * e.g. write the irqfd. Called WITH the device lock held, so it must
	 * not call back into the device. May be NULL.
	 */
	void (*interrupt)(void *opaque);
	void *opaque;
};

struct virtio_mmio {
	pthread_mutex_t lock;
	char name[32]; /* e.g. "virtio-blk@0xd0000000", for log lines */
	const struct virtio_dev_ops *ops;
	void *dev; /* the device model, passed to ops */
	const struct guest_mem *gm;
	struct virtio_mmio_host host;
	uint64_t device_features; /* ops->features(), fixed at init */

	/* Guest-visible state, under lock. */
	uint32_t status;
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint64_t driver_features;
	/* The driver set bits beyond the first 64: FEATURES_OK is refused. */
	bool driver_features_beyond_64;
	uint32_t queue_sel; /* as written; checked at every use */
	uint32_t interrupt_status;
	struct virtq vq[VIRTIO_MMIO_MAX_QUEUES];
	char vq_name[VIRTIO_MMIO_MAX_QUEUES][48];
};

/*
 * Set up dev in its reset state. name is copied (truncated to 31 bytes).
 * Returns 0, or -EINVAL (with log_error) when ops is inconsistent.
 */
int virtio_mmio_init(struct virtio_mmio *dev, const char *name,
		     const struct virtio_dev_ops *ops, void *dev_opaque,
		     const struct guest_mem *gm,
		     const struct virtio_mmio_host *host);
void virtio_mmio_destroy(struct virtio_mmio *dev);

/* For bus_register(mmio, base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, dev). */
extern const struct bus_ops virtio_mmio_ops;

/* What virtio_mmio_process_queue() did. */
enum virtio_pass {
	VIRTIO_PASS_NONE, /* the queue is not served: nothing was done */
	VIRTIO_PASS_DONE, /* served (or found broken) */
	VIRTIO_PASS_MORE, /* served up to the device's budget: serve again */
};

/*
 * Serve queue q: the I/O thread calls this when the queue's notification
 * (ioeventfd or host.notify) fires. Does nothing unless q is a ready queue
 * of a device in DRIVER_OK without DEVICE_NEEDS_RESET or FAILED. Only
 * after a pass is what the device reports about itself (a wait for its
 * rate limit) current. On VIRTIO_PASS_MORE the caller arranges another
 * pass after its other ready events; a queue the driver has stopped
 * meanwhile answers VIRTIO_PASS_NONE, so stops asking. Takes the device
 * lock for the whole pass.
 */
enum virtio_pass virtio_mmio_process_queue(struct virtio_mmio *dev,
					   unsigned int q);

/* Transport state for snapshots: plain data, validated on the way in. */
struct virtio_mmio_queue_state {
	uint16_t num;
	bool ready;
	uint64_t desc;
	uint64_t avail;
	uint64_t used;
	uint16_t last_avail_idx;
	uint16_t used_idx;
};

struct virtio_mmio_state {
	uint32_t status;
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint64_t driver_features;
	bool driver_features_beyond_64;
	uint32_t queue_sel;
	uint32_t interrupt_status;
	/* Entries from ops->num_queues on are unused and must be zero. */
	struct virtio_mmio_queue_state queue[VIRTIO_MMIO_MAX_QUEUES];
};

/* What a state is checked against: the device's shape, offer and RAM. */
struct virtio_mmio_limits {
	unsigned int nr_queues;
	uint16_t queue_num_max;
	uint64_t device_features; /* the offer; all ones when not known yet */
	const struct guest_mem *ram; /* ready queues must lie inside it */
};

/*
 * The transport's rules for a state, one set for run time and restore
 * (the registers never let a driver past them; a snapshot must not
 * either): status bits defined and in the spec's order; with FEATURES_OK,
 * acceptable driver features (VERSION_1, nothing beyond 64 bits or the
 * offer); defined interrupt bits; queues past nr_queues unused; each
 * queue's size a power of two within the maximum; ready queues only with
 * FEATURES_OK and wholly inside RAM. Every state a driver can bring the
 * registers to passes, so no guest can make its own snapshot unloadable. false with the first broken rule, naming the field
 * and value, in why.
 */
bool virtio_mmio_state_check(const struct virtio_mmio_state *st,
			     const struct virtio_mmio_limits *lim, char *why,
			     size_t len);
/* The same against dev: its queues, its offer, its guest memory. */
bool virtio_mmio_state_fits(const struct virtio_mmio *dev,
			    const struct virtio_mmio_state *st, char *why,
			    size_t len);

/*
 * Take a copy of the state, with the VM paused. The requests the device
 * has in flight complete first (ops->drain), so the rings say all there is.
 */
void virtio_mmio_get_state(struct virtio_mmio *dev,
			   struct virtio_mmio_state *st);
/*
 * Check st (virtio_mmio_state_fits()) and load it. On a bad field returns
 * -EINVAL with a log_error naming the field and value, and leaves dev
 * unchanged.
 */
int virtio_mmio_set_state(struct virtio_mmio *dev,
			  const struct virtio_mmio_state *st);

#endif
