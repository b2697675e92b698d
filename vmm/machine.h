/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The whole machine in one place: guest RAM, the two buses, every device,
 * the vCPUs, and how the machine stops. machine_create() builds it from a
 * configuration; machine_run() runs it until the guest powers off, resets,
 * reports a result through the debug-exit port, or the user stops it.
 */
#ifndef VIGIL_MACHINE_H
#define VIGIL_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/pm.h"
#include "devices/serial.h"
#include "devices/virtio_blk.h"
#include "lib/guest_mem.h"
#include "lib/layout.h"
#include "migration/cpu_state.h"
#include "vmm/io_thread.h"
#include "vmm/kvm.h"
#include "vmm/exit_status.h"
#include "vmm/sandbox.h"
#include "vmm/vcpu.h"
#include "vmm/virtio_slot.h"

struct control;

#define MACHINE_MAX_KERNEL (512ull << 20)

enum serial_mode { SERIAL_STDIO, SERIAL_FILE, SERIAL_NONE };

/* A virtio device the user asked for: its kind and its option's argument. */
struct machine_device {
	const struct virtio_kind *kind;
	const char *spec;
};

struct machine_config {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	uint64_t mem_size;
	unsigned int nr_cpus;
	enum serial_mode serial;
	const char *serial_path; /* SERIAL_FILE */
	/* The virtio devices asked for, in order: slot i holds devices[i]. */
	struct machine_device devices[VIRTIO_MMIO_MAX];
	unsigned int nr_devices;
};

struct machine {
	struct machine_config cfg;
	struct kvm kvm;
	struct guest_mem gm;
	void *ram;
	uint64_t ram_size;
	int pagemap_fd; /* snapshots: which RAM pages were ever written */
	struct bus pio;
	struct bus mmio;
	struct serial serial;
	bool serial_ready;
	int serial_out_fd;
	struct pm pm;
	struct io_thread io;
	bool io_ready;
	struct virtio_slot *slots[VIRTIO_MMIO_MAX]; /* slot i: window i */
	unsigned int nr_slots;
	char *cmdline; /* the user's, plus virtio_mmio.device= entries */
	unsigned int nr_cpus;
	struct vcpu vcpus[MACHINE_MAX_CPUS];
	struct vcpu_host vcpu_host; /* what the vCPUs see of the machine */
	int stop_fd; /* eventfd: wakes the main loop when the machine stops */
	int rx_space_fd; /* eventfd: the guest made room in the UART FIFO */
	bool stopping;
	int exit_status;
	struct cpu_host cpu_host; /* what snapshots of vCPUs need from KVM */
	struct control *control;  /* the --api-socket server, or NULL */
	/* The I/O list, built once for the I/O thread and the workers. */
	struct sandbox_shared io_sandbox;
	pthread_t sandbox_builder; /* builds it during set-up */
	bool sandbox_building;	   /* sandbox_builder to join */

	/*
	 * Pausing (machine_pause): vCPU threads park at the top of their run
	 * loop, the I/O thread inside a handler on its own event loop. All
	 * under pause_lock; pause_cond is broadcast on every change.
	 */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	bool pause_ready;	 /* lock, condvar and io_sandbox initialised */
	bool pause_requested;	 /* vCPUs: park at the next exit */
	bool io_pause_requested; /* the I/O thread: park */
	bool io_parked;
	bool paused;		/* machine_pause() succeeded */
	unsigned int nr_parked; /* vCPU threads parked */
	unsigned int nr_exited; /* vCPU threads that returned */
	int io_pause_fd;	/* eventfd on the I/O thread's loop */
	/* machine_vcpus_call(): parked vCPUs run call_fn once per call_seq. */
	void (*call_fn)(void *opaque, struct vcpu *vcpu);
	void *call_opaque;
	uint64_t call_seq;
	unsigned int nr_called;
};

/* Wait for the thread that builds the I/O list during set-up, if any. */
void machine_join_sandbox_builder(struct machine *m);

/*
 * The backend of the drive in slot i. Snapshots hold drives only: saving
 * refuses a machine with other kinds, restoring builds none.
 */
static inline struct block_backend *machine_drive(const struct machine *m,
						  unsigned int i)
{
	return ((struct virtio_blk *)m->slots[i]->dev)->bb;
}

/* Build the machine; on failure err holds a one-line reason. */
int machine_create(struct machine *m, const struct machine_config *cfg,
		   char *err, size_t errlen);
/*
 * Put m in a state machine_destroy() accepts (nothing allocated); the
 * create functions start with it.
 */
void machine_init(struct machine *m);
/*
 * Build the machine without booting anything (for snapshot restore): RAM
 * zeroed, devices and drives as cfg says, vCPUs in their reset state.
 */
int machine_create_bare(struct machine *m, const struct machine_config *cfg,
			char *err, size_t errlen);
/* Run until the machine stops; returns the exit status. */
int machine_run(struct machine *m);
void machine_destroy(struct machine *m);

/* Ask the machine to stop with this status; the first request wins. */
void machine_request_exit(struct machine *m, int status);
bool machine_stopping(const struct machine *m);

/*
 * Pause (main thread, while machine_run runs): every vCPU completes the
 * instruction of its last exit and parks, then the I/O thread finishes its
 * request in flight and parks. Returns 0, -ESHUTDOWN when the machine is
 * stopping (also when it was paused before the quit), -ETIMEDOUT when a
 * thread did not park in time (the machine then runs on).
 */
int machine_pause(struct machine *m);
void machine_resume(struct machine *m);
bool machine_paused(const struct machine *m);
/*
 * While paused: run fn(opaque, vcpu) on every vCPU's own thread and wait
 * for all of them. Returns 0; -EINVAL when not paused; -ESHUTDOWN when
 * the machine is stopping (its parked vCPUs leave without running fn).
 */
int machine_vcpus_call(struct machine *m,
		       void (*fn)(void *opaque, struct vcpu *vcpu),
		       void *opaque);

/* For vCPU threads: park if a pause is pending (see vcpu_thread). */
bool machine_pause_pending(const struct machine *m);
void machine_vcpu_park(struct machine *m, struct vcpu *vcpu);
void machine_vcpu_exited(struct machine *m);
/* For the I/O thread: the handler of m->io_pause_fd (opaque is m). */
void machine_on_io_pause(void *opaque, uint32_t events);
/* For the main loop: release any pause, kick and join every vCPU. */
void machine_stop_vcpus(struct machine *m);

struct acpi_config;
/* The ACPI view of a configuration: what the tables describe. */
void machine_acpi_config(const struct machine_config *cfg,
			 struct acpi_config *acpi);

/* Parse "256M", "1G", "512" (MiB), "4096K"; false on syntax or overflow. */
bool parse_mem_size(const char *s, uint64_t *bytes);

#endif
