// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "devices/virtio_blk.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "lib/read_file.h"
#include "lib/thread.h"
#include "migration/memory_file.h"
#include "vmm/acpi.h"
#include "vmm/boot.h"
#include "vmm/state_kvm.h"

#define MACHINE_MAX_INITRD (1ull << 30)

bool parse_mem_size(const char *s, uint64_t *bytes)
{
	/* A bare number means MiB, as in QEMU. */
	return parse_size(s, 20, bytes) == 0;
}

void machine_request_exit(struct machine *m, int status)
{
	bool expected = false;
	uint64_t one = 1;

	if (__atomic_compare_exchange_n(&m->stopping, &expected, true, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&m->exit_status, status, __ATOMIC_RELEASE);
		if (write(m->stop_fd, &one, sizeof(one)) < 0)
			log_error("machine: cannot wake the main loop: %s",
				  strerror(errno));
	}
}

bool machine_stopping(const struct machine *m)
{
	return __atomic_load_n(&m->stopping, __ATOMIC_ACQUIRE);
}

static void machine_irq_set(void *opaque, unsigned int gsi, bool level)
{
	struct machine *m = opaque;

	if (kvm_irq_line(&m->kvm, gsi, level) < 0)
		log_error("machine: KVM_IRQ_LINE gsi %u: %s", gsi,
			  strerror(errno));
}

static void machine_pm_event(void *opaque, enum pm_event ev,
			     unsigned int status)
{
	struct machine *m = opaque;

	switch (ev) {
	case PM_POWEROFF:
		machine_request_exit(m, VIGIL_EXIT_POWEROFF);
		break;
	case PM_RESET:
		log_info("guest reset: stopping (exit status %d)",
			 VIGIL_EXIT_RESET);
		machine_request_exit(m, VIGIL_EXIT_RESET);
		break;
	case PM_DEBUG_EXIT:
		machine_request_exit(m, (int)status);
		break;
	}
}

static void machine_rx_space(void *opaque)
{
	struct machine *m = opaque;
	uint64_t one = 1;

	if (write(m->rx_space_fd, &one, sizeof(one)) < 0)
		log_error("serial: cannot wake the main loop: %s",
			  strerror(errno));
}

/*
 * Anonymous memory starting on a 2 MiB boundary, or MAP_FAILED. KVM maps a
 * guest page huge only where guest-physical and host-virtual addresses agree
 * modulo 2 MiB, and mmap() by itself promises only 4 KiB alignment.
 */
#define RAM_HUGE_PAGE (2ull << 20)
_Static_assert(MACHINE_MIN_MEM > RAM_HUGE_PAGE, "RAM reaches past 2 MiB");

static void *map_guest_ram(uint64_t size)
{
	const uint64_t huge = RAM_HUGE_PAGE;
	uint8_t *base, *ram;
	uint64_t head;

	/*
	 * size was checked against MACHINE_MIN_MEM and MACHINE_MAX_MEM: more
	 * than the low block below, and no overflow with the slack added.
	 */
	base = mmap(NULL, size + huge, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return MAP_FAILED;
	head = (huge - ((uintptr_t)base & (huge - 1))) & (huge - 1);
	ram = base + head;
	if (head)
		munmap(base, head);
	munmap(ram + size, huge - head);
	/*
	 * Huge pages where the host allows them (as QEMU asks): fewer faults
	 * and TLB misses for the guest, and a snapshot's scan of untouched
	 * RAM maps the huge zero page once per 2 MiB, not once per 4 KiB.
	 * Never the first 2 MiB (also where the host makes every mapping
	 * huge): boot data, ACPI tables and a small guest live there, and one
	 * huge page would make their few pages cost 2 MiB.
	 */
	madvise(ram, huge, MADV_NOHUGEPAGE);
	madvise(ram + huge, size - huge, MADV_HUGEPAGE);
	return ram;
}

/* One KVM slot per region of the memory map. */
static int machine_setup_ram(struct machine *m, char *err, size_t errlen)
{
	uint64_t size = m->cfg.mem_size;
	int r;

	/*
	 * Anonymous memory, also for a restore (which copies the snapshot's
	 * memory file in): no file behind guest RAM can shrink and fault vigil.
	 */
	m->ram = map_guest_ram(size);
	if (m->ram == MAP_FAILED) {
		m->ram = NULL;
		snprintf(err, errlen, "memory: cannot map %llu MiB: %s",
			 (unsigned long long)(size >> 20), strerror(errno));
		return -ENOMEM;
	}
	m->ram_size = size;
	madvise(m->ram, size, MADV_DONTDUMP);
	/* Opened now: the sandbox will not let a snapshot open a path. */
	m->pagemap_fd = memory_file_pagemap_open();
	gm_init(&m->gm);
	r = layout_add_ram(&m->gm, m->ram, size);
	for (unsigned int i = 0; r == 0 && i < m->gm.nr_regions; i++) {
		const struct gm_region *g = &m->gm.regions[i];

		r = kvm_set_memory(&m->kvm, i, g->gpa, g->size, g->hva);
	}
	if (r < 0)
		snprintf(err, errlen, "memory: cannot register %llu MiB: %s",
			 (unsigned long long)(size >> 20), strerror(-r));
	return r;
}

static int machine_setup_devices(struct machine *m, char *err, size_t errlen)
{
	struct pm_handler pmh = { .event = machine_pm_event, .opaque = m };
	struct irq_line serial_irq = {
		.set = machine_irq_set,
		.opaque = m,
		.gsi = SERIAL_IRQ,
	};
	int r;

	bus_init(&m->pio, "pio");
	bus_init(&m->mmio, "mmio");
	r = pm_init(&m->pm, &pmh);
	if (r == 0)
		r = pm_register(&m->pm, &m->pio);
	if (r == 0)
		r = serial_init(&m->serial, &serial_irq, m->serial_out_fd);
	if (r == 0) {
		m->serial_ready = true;
		serial_set_rx_space(&m->serial, machine_rx_space, m);
		r = bus_register(&m->pio, SERIAL_PORT, SERIAL_NR_PORTS,
				 &serial_ops, &m->serial, "serial");
	}
	if (r < 0)
		snprintf(err, errlen, "devices: set-up failed: %s",
			 strerror(-r));
	return r;
}

void machine_acpi_config(const struct machine_config *cfg,
			 struct acpi_config *acpi)
{
	memset(acpi, 0, sizeof(*acpi));
	acpi->nr_cpus = cfg->nr_cpus;
	acpi->nr_virtio = cfg->nr_devices;
	for (unsigned int i = 0; i < cfg->nr_devices; i++)
		acpi->virtio[i] = (struct acpi_virtio_dev){
			.base = virtio_slot_window(i),
			.size = VIRTIO_MMIO_SIZE,
			.gsi = virtio_slot_gsi(i),
		};
}

static int machine_setup_virtio(struct machine *m, char *err, size_t errlen)
{
	int r = io_thread_init(&m->io);

	if (r == 0) {
		m->io_ready = true;
		r = io_thread_add(&m->io, m->io_pause_fd, machine_on_io_pause,
				  m);
	}
	if (r < 0) {
		snprintf(err, errlen, "io thread: %s", strerror(-r));
		return r;
	}
	for (unsigned int i = 0; i < m->cfg.nr_devices; i++) {
		const struct machine_device *d = &m->cfg.devices[i];
		unsigned int kind_index = 0;

		/* The kind numbers its own devices: virtio-blk0, 1, ... */
		for (unsigned int j = 0; j < i; j++)
			kind_index += m->cfg.devices[j].kind == d->kind;
		m->slots[i] = virtio_slot_create(d->kind, d->spec, kind_index,
						 i, &m->kvm, &m->mmio, &m->gm,
						 &m->io, err, errlen);
		if (!m->slots[i])
			return -EINVAL;
		m->nr_slots = i + 1;
	}
	return 0;
}

/*
 * Kernels built with VIRTIO_MMIO_CMDLINE_DEVICES find the devices on the
 * command line (as Firecracker and kvmtool pass them); others use the DSDT.
 * The entries come first: Linux hands whatever follows a "--" (or an
 * unclosed quote) in the user's part to init instead of parsing it.
 */
static int machine_build_cmdline(struct machine *m, char *err, size_t errlen)
{
	const char *user = m->cfg.cmdline ? m->cfg.cmdline : "";
	size_t len = strlen(user) + 1 + (size_t)m->cfg.nr_devices * 48;
	size_t off;

	m->cmdline = malloc(len);
	if (!m->cmdline) {
		snprintf(err, errlen, "cmdline: out of memory");
		return -ENOMEM;
	}
	off = 0;
	for (unsigned int i = 0; i < m->cfg.nr_devices; i++)
		off += (size_t)snprintf(m->cmdline + off, len - off,
					"virtio_mmio.device=4K@0x%llx:%u ",
					virtio_slot_window(i),
					virtio_slot_gsi(i));
	snprintf(m->cmdline + off, len - off, "%s", user);
	/* No user part: no blank at the end. */
	if (!*user && off)
		m->cmdline[off - 1] = '\0';
	return 0;
}

static int machine_setup_acpi(struct machine *m, char *err, size_t errlen)
{
	struct acpi_config acpi;
	void *tables = gm_slice(&m->gm, ACPI_TABLES_ADDR, ACPI_TABLES_MAX);
	ssize_t n;

	machine_acpi_config(&m->cfg, &acpi);
	n = tables ? acpi_build(&acpi, ACPI_TABLES_ADDR, tables,
				ACPI_TABLES_MAX) :
		     -EFAULT;
	if (n < 0) {
		snprintf(err, errlen, "ACPI: cannot build tables: %s",
			 strerror((int)-n));
		return (int)n;
	}
	return 0;
}

/*
 * A fresh seed for the guest's RNG, from the host's: each boot gets its own
 * (getrandom waits only until the host's RNG is initialised).
 */
static int machine_rng_seed(uint8_t *seed, size_t len, char *err, size_t errlen)
{
	ssize_t n = getrandom(seed, len, 0);
	int e = n < 0 ? errno : EIO;

	if (n == (ssize_t)len)
		return 0;
	snprintf(err, errlen, "kernel: no RNG seed from getrandom: %s",
		 n < 0 ? strerror(e) : "short read");
	return -e;
}

static int machine_load_kernel(struct machine *m, struct boot_entry *entry,
			       char *err, size_t errlen)
{
	uint8_t seed[BOOT_RNG_SEED_SIZE];
	struct boot_config bc = {
		.cmdline = m->cmdline,
		.rsdp_gpa = ACPI_TABLES_ADDR,
		.ram_size = m->ram_size,
		.rng_seed = seed,
		.rng_seed_len = sizeof(seed),
	};
	void *kernel = NULL, *initrd = NULL;
	size_t kernel_size, initrd_size = 0;
	int r;

	r = machine_rng_seed(seed, sizeof(seed), err, errlen);
	if (r == 0)
		r = read_file_whole("kernel", m->cfg.kernel, MACHINE_MAX_KERNEL,
				    &kernel, &kernel_size, err, errlen);
	if (r == 0 && m->cfg.initrd)
		r = read_file_whole("initrd", m->cfg.initrd, MACHINE_MAX_INITRD,
				    &initrd, &initrd_size, err, errlen);
	if (r == 0) {
		bc.initrd = initrd;
		bc.initrd_size = initrd_size;
		r = boot_load(&m->gm, kernel, kernel_size, &bc, entry, err,
			      errlen);
	}
	explicit_bzero(seed, sizeof(seed));
	free(kernel);
	free(initrd);
	return r;
}

/* The machine as its vCPUs see it (struct vcpu_host). */
static void vcpu_request_exit(void *opaque, int status)
{
	machine_request_exit(opaque, status);
}

static bool vcpu_stopping(void *opaque)
{
	return machine_stopping(opaque);
}

static bool vcpu_pause_pending(void *opaque)
{
	return machine_pause_pending(opaque);
}

static void vcpu_park_here(void *opaque, struct vcpu *vcpu)
{
	machine_vcpu_park(opaque, vcpu);
}

static void vcpu_exited(void *opaque)
{
	machine_vcpu_exited(opaque);
}

static int machine_create_vcpus(struct machine *m, char *err, size_t errlen)
{
	m->vcpu_host = (struct vcpu_host){
		.pio = &m->pio,
		.mmio = &m->mmio,
		.gm = &m->gm,
		.vm_fd = m->kvm.vm_fd,
		.opaque = m,
		.request_exit = vcpu_request_exit,
		.stopping = vcpu_stopping,
		.pause_pending = vcpu_pause_pending,
		.park = vcpu_park_here,
		.exited = vcpu_exited,
	};
	for (unsigned int i = 0; i < m->nr_cpus; i++) {
		int r = vcpu_create(&m->vcpus[i], &m->kvm, i, m->nr_cpus);

		m->vcpus[i].host = &m->vcpu_host;
		if (r < 0) {
			snprintf(err, errlen, "vcpu%u: cannot create: %s", i,
				 strerror(-r));
			return r;
		}
	}
	return 0;
}

static int machine_check_config(struct machine *m,
				const struct machine_config *cfg, char *err,
				size_t errlen)
{
	unsigned int max = (unsigned int)m->kvm.max_vcpus;

	if (max > MACHINE_MAX_CPUS)
		max = MACHINE_MAX_CPUS;
	if (cfg->nr_cpus < 1 || cfg->nr_cpus > max) {
		snprintf(err, errlen,
			 "--cpus %u: this host's KVM allows 1 to %u",
			 cfg->nr_cpus, max);
		return -EINVAL;
	}
	if (cfg->mem_size < MACHINE_MIN_MEM ||
	    cfg->mem_size > MACHINE_MAX_MEM || cfg->mem_size % 4096) {
		/* In bytes: in MiB, 40001K would read as a good size. */
		snprintf(err, errlen,
			 "--memory %llu bytes: must be a multiple of "
			 "4 KiB from %llu MiB to %llu GiB",
			 (unsigned long long)cfg->mem_size,
			 MACHINE_MIN_MEM >> 20, MACHINE_MAX_MEM >> 30);
		return -EINVAL;
	}
	return 0;
}

static int machine_open_serial(struct machine *m, char *err, size_t errlen)
{
	switch (m->cfg.serial) {
	case SERIAL_STDIO:
		m->serial_out_fd = STDOUT_FILENO;
		return 0;
	case SERIAL_NONE:
		m->serial_out_fd = -1;
		return 0;
	case SERIAL_FILE:
		m->serial_out_fd =
			open(m->cfg.serial_path,
			     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (m->serial_out_fd < 0) {
			snprintf(err, errlen, "--serial file:%s: %s",
				 m->cfg.serial_path, strerror(errno));
			return -errno;
		}
		return 0;
	}
	return -EINVAL;
}

void machine_init(struct machine *m)
{
	memset(m, 0, sizeof(*m));
	m->serial_out_fd = m->pagemap_fd = -1;
	m->stop_fd = m->rx_space_fd = m->io_pause_fd = -1;
	m->kvm.sys_fd = m->kvm.vm_fd = -1;
}

static int machine_init_sync(struct machine *m, char *err, size_t errlen)
{
	const struct sandbox_fds io_fds = {
		.vm_fd = -1, .vcpu_fd = -1, .tty_fd = -1, .api_fd = -1
	};
	pthread_condattr_t attr;

	m->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	m->rx_space_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	m->io_pause_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->stop_fd < 0 || m->rx_space_fd < 0 || m->io_pause_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -errno;
	}
	/* Pause waits are bounded in monotonic time. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&m->pause_lock, NULL);
	pthread_cond_init(&m->pause_cond, &attr);
	pthread_condattr_destroy(&attr);
	sandbox_shared_init(&m->io_sandbox, SANDBOX_IO, &io_fds);
	m->pause_ready = true;
	return 0;
}

static void *machine_build_io_sandbox(void *opaque)
{
	struct machine *m = opaque;

	/* A failure is kept: the I/O thread reports it as it starts. */
	sandbox_shared_build(&m->io_sandbox);
	return NULL;
}

/*
 * The I/O list takes no descriptor, so a thread can build it while the
 * main thread sets up (KVM_CREATE_VM alone takes about 20 milliseconds
 * on a nested host). It is the process's first libseccomp build, the slow
 * one there (libseccomp's code and data faulted in, its probes of the
 * kernel): the vCPUs' builds after it, which their first KVM_RUN waits
 * for, are quicker. Signals stay blocked in the builder: they belong to
 * the main thread. If it cannot start, the I/O thread builds the list.
 */
static void machine_start_sandbox_builder(struct machine *m)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	m->sandbox_building = thread_start(&m->sandbox_builder,
					   machine_build_io_sandbox, m) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void machine_join_sandbox_builder(struct machine *m)
{
	if (m->sandbox_building)
		pthread_join(m->sandbox_builder, NULL);
	m->sandbox_building = false;
}

int machine_create_bare(struct machine *m, const struct machine_config *cfg,
			char *err, size_t errlen)
{
	int r;

	machine_init(m);
	m->cfg = *cfg;
	m->nr_cpus = cfg->nr_cpus;
	r = machine_init_sync(m, err, errlen);
	if (r == 0 && sandbox_enabled())
		machine_start_sandbox_builder(m);
	if (r == 0)
		r = kvm_open(&m->kvm, err, errlen);
	if (r == 0)
		r = machine_check_config(m, cfg, err, errlen);
	if (r == 0)
		r = kvm_create_vm(&m->kvm, err, errlen);
	/* Snapshots need it; a host without it still runs guests. */
	if (r == 0)
		cpu_host_probe(&m->kvm, &m->cpu_host);
	if (r == 0)
		r = machine_setup_ram(m, err, errlen);
	if (r == 0)
		r = machine_open_serial(m, err, errlen);
	if (r == 0)
		r = machine_setup_devices(m, err, errlen);
	if (r == 0)
		r = machine_setup_virtio(m, err, errlen);
	if (r == 0)
		r = machine_create_vcpus(m, err, errlen);
	return r;
}

int machine_create(struct machine *m, const struct machine_config *cfg,
		   char *err, size_t errlen)
{
	struct boot_entry entry;
	int r = machine_create_bare(m, cfg, err, errlen);

	if (r == 0)
		r = machine_setup_acpi(m, err, errlen);
	if (r == 0 && boot_write_reset_vector(&m->gm) < 0) {
		snprintf(err, errlen, "cannot write the reset-vector stub");
		r = -EFAULT;
	}
	if (r == 0)
		r = machine_build_cmdline(m, err, errlen);
	if (r == 0)
		r = machine_load_kernel(m, &entry, err, errlen);
	/* The others wait in the in-kernel LAPIC for INIT-SIPI-SIPI. */
	if (r == 0 && vcpu_setup_boot_state(&m->vcpus[0], &m->gm, &entry) < 0) {
		snprintf(err, errlen, "vcpu0: cannot set boot state: %s",
			 strerror(errno));
		r = -EINVAL;
	}
	return r;
}

void machine_destroy(struct machine *m)
{
	machine_join_sandbox_builder(m);
	for (unsigned int i = 0; i < m->nr_cpus; i++)
		if (m->vcpus[i].run)
			vcpu_destroy(&m->vcpus[i]);
	if (m->io_ready)
		io_thread_destroy(&m->io);
	for (unsigned int i = 0; i < m->nr_slots; i++)
		virtio_slot_destroy(m->slots[i]);
	free(m->cmdline);
	if (m->serial_ready)
		serial_destroy(&m->serial);
	if (m->serial_out_fd > STDERR_FILENO)
		close(m->serial_out_fd);
	if (m->ram)
		munmap(m->ram, m->ram_size);
	if (m->pagemap_fd >= 0)
		close(m->pagemap_fd);
	kvm_close(&m->kvm);
	if (m->stop_fd >= 0)
		close(m->stop_fd);
	if (m->rx_space_fd >= 0)
		close(m->rx_space_fd);
	if (m->io_pause_fd >= 0)
		close(m->io_pause_fd);
	if (m->pause_ready) {
		pthread_cond_destroy(&m->pause_cond);
		pthread_mutex_destroy(&m->pause_lock);
		sandbox_shared_destroy(&m->io_sandbox);
	}
}
