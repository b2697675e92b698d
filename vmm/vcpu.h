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

struct machine;

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
	struct machine *machine;
};

int vcpu_create(struct vcpu *vcpu, struct kvm *kvm, unsigned int id,
		unsigned int nr_cpus);
void vcpu_destroy(struct vcpu *vcpu);
/*
 * Write the boot GDT and page tables into guest memory and put the vCPU in
 * the state the entry protocol asks for (64-bit Linux or 32-bit PVH).
 */
int vcpu_setup_boot_state(struct vcpu *vcpu, struct guest_mem *gm,
			  const struct boot_entry *entry);
/* The vCPU thread body; returns when the machine stops. */
void *vcpu_thread(void *arg);
/* Interrupt KVM_RUN so the thread notices the machine is stopping. */
void vcpu_kick(struct vcpu *vcpu);
/* Install the kick signal handler (once, before any vCPU thread). */
int vcpu_signals_init(void);

#endif
