/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A kind of virtio device, as the machine sees it: the option that adds
 * one, how to build one from that option's argument, its device-ops table
 * for the transport, and what it must do before a snapshot. Each kind's
 * table lives in its device's own file (virtio_blk_kind in virtio_blk.c)
 * and is listed in virtio_kinds[] (virtio_kind.c); the machine puts each device it builds in a slot (vmm/virtio_slot.h),
 * which does the wiring every kind shares.
 */
#ifndef VIGIL_VIRTIO_KIND_H
#define VIGIL_VIRTIO_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct field_table;
struct virtio_dev_ops;
struct virtio_mmio_state;

/*
 * A kind's part in a snapshot. The transport's state (struct
 * virtio_mmio_state) is saved for every kind; a kind with state of its own
 * describes it with a field table (migration/fields.h), saved as the
 * subnode `node` of the device's node.
 */
struct virtio_kind_snap {
	const char *node; /* "drive"; NULL: no state of its own */
	const struct field_table *table; /* the state's properties */
	size_t size;			 /* of the state struct */
	/*
	 * With the machine paused: fill state (size bytes, zeroed), and
	 * correct the transport's state mmio where the device holds
	 * something the rings alone do not record (virtio-rng gives back
	 * the chain it holds, so the restored device pops it again).
	 */
	void (*capture)(void *dev, struct virtio_mmio_state *mmio, void *state);
	/*
	 * At restore, dev was built from the option given on the restore's
	 * command line: refuse it (negative errno, reason naming path) when
	 * it cannot stand in for the device that recorded state.
	 */
	int (*check)(void *dev, const void *state, const char *path, char *err,
		     size_t errlen);
	/* The option's argument that state records, for hints; or NULL. */
	const char *(*spec)(const void *state);
	/*
	 * The restored state is in place, the vCPUs not yet running; called
	 * under the device lock. The device tells its backend it is back
	 * (virtio-net announces the guest's MAC). May be NULL.
	 */
	void (*restored)(void *dev);
};

/* One of a device's counters, as `vigil ctl status` shows it. */
struct virtio_kind_counter {
	const char *name; /* "rx_short_chain" */
	uint64_t value;
};

#define VIRTIO_KIND_MAX_COUNTERS 16u

struct virtio_kind {
	const char *name;   /* "blk": device names, messages */
	const char *option; /* "drive": --drive SPEC adds one */
	const char *usage;  /* the option's lines in --help */
	bool arg_optional;  /* --rng alone, or --rng=SPEC */
	const struct virtio_dev_ops *ops;
	/*
	 * Check the option's argument without acting on it (--dump-acpi
	 * builds no device but refuses what vigil would): 0, or a negative
	 * errno with a reason in err.
	 */
	int (*check_spec)(const char *spec, char *err, size_t errlen);
	/*
	 * Build a device from the option's argument (untrusted: the user's).
	 * index numbers the devices of this kind from 0; name ("virtio-blk0")
	 * outlives the device. NULL with a one-line reason in err.
	 */
	void *(*create)(const char *spec, unsigned int index, const char *name,
			char *err, size_t errlen);
	void (*destroy)(void *dev);
	/*
	 * Start the device's own threads, once, before the guest runs: each
	 * calls on_start(opaque) first, which gives it the I/O thread's
	 * allow-list. 0 or a negative errno. NULL: the device has none.
	 */
	int (*start)(void *dev, int (*on_start)(void *opaque), void *opaque);
	/*
	 * Before a snapshot: make what the device completed durable. 0 or a
	 * negative errno. NULL when there is nothing to do.
	 */
	int (*quiesce)(void *dev);
	/*
	 * Nanoseconds until the device wants its queues served again with
	 * no notification (a rate limit that will have refilled), or 0.
	 * NULL: never. Called on the I/O thread, after a pass, outside the
	 * device lock. (A pass cut short by its budget needs no wait: it
	 * returns VIRTQ_MORE, and the slot signals the queue again.)
	 */
	uint64_t (*wait_ns)(void *dev);
	/*
	 * The device's host-side descriptor (a socket, a tap, a worker
	 * pool's eventfd), or -1. The I/O thread watches it edge-triggered
	 * for host_fd_events and serves every queue when it fires, so a pass
	 * must leave nothing the descriptor told of unserved but what another
	 * event brings back: virtio-net reads frames until the socket would
	 * block, its budget runs out (the pass returns VIRTQ_MORE) or the
	 * ring has no buffer (the driver's notification of new buffers);
	 * virtio-blk takes every finished request. NULL: none.
	 */
	int (*host_fd)(void *dev);
	/*
	 * Required with host_fd (the slot refuses 0): EPOLLIN, or EPOLLIN |
	 * EPOLLOUT for a backend that can refuse a frame until it has room.
	 * Not EPOLLOUT for an eventfd: a read that empties it is a writable
	 * edge, one more wake-up and pass for nothing.
	 */
	uint32_t host_fd_events;
	/*
	 * The device's counters (frames, drops by reason) into out, at most
	 * max; how many. Called under the device lock. NULL: none.
	 */
	unsigned int (*counters)(void *dev, struct virtio_kind_counter *out,
				 unsigned int max);
	/* System calls the I/O thread makes for this kind (vmm/sandbox.c). */
	const int *io_syscalls;
	unsigned int nr_io_syscalls;
	/* Its part in snapshots; NULL: a snapshot refuses the device. */
	const struct virtio_kind_snap *snap;
};

/* Every kind vigil can build (devices/virtio_kind.c), NULL-terminated. */
extern const struct virtio_kind *const virtio_kinds[];

/* The kind called name ("blk"), or NULL. */
const struct virtio_kind *virtio_kind_by_name(const char *name);

#endif
