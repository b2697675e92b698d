/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86-64 vCPUs: creation, CPUID, LAPIC, the boot register state for each
 * entry protocol, and the run loop that turns exits into bus accesses.
 * One thread per vCPU.
 */
#ifndef VIGIL_VCPU_H
#define VIGIL_VCPU_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "lib/guest_mem.h"
#include "vmm/boot.h"
#include "vmm/kvm.h"
#include "vmm/sandbox.h"

struct bus;
struct vcpu;

/*
 * What a vCPU needs of the machine it belongs to, and no more (as struct
 * virtio_mmio_host is for a transport): the buses its exits reach, the
 * RAM a fatal exit's dump reads, the VM fd its interrupt ioctls are
 * pinned to, and the stop and pause protocol (vmm/machine_pause.c).
 */
struct vcpu_host {
	struct bus *pio;
	struct bus *mmio;
	const struct guest_mem *gm;
	int vm_fd;
	void *opaque; /* passed to each function below */
	void (*request_exit)(void *opaque, int status);
	bool (*stopping)(void *opaque);
	bool (*pause_pending)(void *opaque);
	/* Park until resumed, running the calls made meanwhile. */
	void (*park)(void *opaque, struct vcpu *vcpu);
	/* The vCPU's thread is about to return. */
	void (*exited)(void *opaque);
};

/* Interrupts KVM_RUN (vcpu_kick); the main thread's seccomp filter allows
 * sending only this signal. */
#define VCPU_KICK_SIGNAL SIGUSR1

struct vcpu {
	unsigned int id;
	int fd;
	struct kvm_run *run;
	int run_size;
	pthread_t thread;
	bool thread_started;
	const struct vcpu_host *host;
	struct sandbox_shared sandbox; /* this vCPU's list, built before */
	bool sandbox_ready;	       /* sandbox initialised */
};

int vcpu_create(struct vcpu *vcpu, struct kvm *kvm, unsigned int id,
		unsigned int nr_cpus);
void vcpu_destroy(struct vcpu *vcpu);
/*
 * What vCPU id of nr_cpus is told of entry e of KVM's supported CPUID:
 * its APIC ids and the CPU count, a hypervisor, and neither VMX nor SVM
 * (a snapshot does not save a nested guest's state), nor thermal or PMU
 * leaves vigil does not emulate.
 */
void vcpu_cpuid_fixup_entry(struct kvm_cpuid_entry2 *e, unsigned int id,
			    unsigned int nr_cpus);
/*
 * Write the boot GDT and page tables into guest memory and put the vCPU in
 * the state the entry protocol asks for (64-bit Linux or 32-bit PVH).
 */
int vcpu_setup_boot_state(struct vcpu *vcpu, struct guest_mem *gm,
			  const struct boot_entry *entry);
/*
 * Build the vCPU's allow-list on the calling thread, before its thread
 * starts: the thread then only loads it (vcpu_thread()), so its first
 * KVM_RUN waits for no libseccomp build. 0 or -errno.
 */
int vcpu_prepare_sandbox(struct vcpu *vcpu);
/* The vCPU thread body; returns when the machine stops. */
void *vcpu_thread(void *arg);
/* Interrupt KVM_RUN so the thread notices the machine is stopping. */
void vcpu_kick(struct vcpu *vcpu);
/* Install the kick signal handler (once, before any vCPU thread). */
int vcpu_signals_init(void);

#endif
