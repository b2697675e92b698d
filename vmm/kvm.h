/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Thin KVM plumbing for one VM: the /dev/kvm and VM file descriptors, the
 * capabilities vigil relies on, memory slots, interrupt lines, ioeventfd and
 * irqfd. Functions return 0 or a negative errno and callers decide what a
 * failure means; every other ioctl goes through the raw/checked pair
 * below, after the Linux KVM selftests' __vm_ioctl()/vm_ioctl().
 */
#ifndef VIGIL_KVM_H
#define VIGIL_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

struct kvm {
	int sys_fd;
	int vm_fd;
	int api_version;
	int run_mmap_size;
	int max_vcpus; /* KVM_CAP_MAX_VCPUS (or NR_VCPUS) */
	int nr_memslots;
	struct kvm_cpuid2 *supported_cpuid;
};

/* A capability vigil needs or reports, for --check-host and start-up. */
struct kvm_cap_desc {
	int cap;
	const char *name;
	bool required;
};
extern const struct kvm_cap_desc kvm_caps[];
extern const unsigned int kvm_nr_caps;

/* Open /dev/kvm and check the API version and required capabilities. */
int kvm_open(struct kvm *kvm, char *err, size_t errlen);
/* Create the VM with in-kernel irqchip and PIT, TSS and identity map. */
int kvm_create_vm(struct kvm *kvm, char *err, size_t errlen);
void kvm_close(struct kvm *kvm);

int kvm_check_cap(const struct kvm *kvm, int cap);
int kvm_set_memory(struct kvm *kvm, uint32_t slot, uint64_t gpa, uint64_t size,
		   void *hva);
int kvm_irq_line(struct kvm *kvm, uint32_t gsi, bool level);
/* Deliver a write of `len` bytes of value `datamatch` at MMIO gpa to fd. */
int kvm_ioeventfd_mmio(struct kvm *kvm, uint64_t gpa, uint32_t len,
		       uint64_t datamatch, int fd);
int kvm_irqfd(struct kvm *kvm, uint32_t gsi, int fd);

/* ioctl(2)'s result (0 or more), or a negative errno. */
int kvm_ioctl_raw(int fd, unsigned long req, const void *arg);
/*
 * The same, and on failure one line in err naming the request:
 * "KVM_SET_SREGS: Invalid argument". KVM_IOCTL(fd, REQ, arg) passes REQ's
 * name and the caller's err and errlen.
 */
int kvm_ioctl(int fd, unsigned long req, const void *arg, const char *name,
	      char *err, size_t errlen);
#define KVM_IOCTL(fd, req, arg) kvm_ioctl(fd, req, arg, #req, err, errlen)

/* Print what this host's KVM offers; returns 0 when vigil can run. */
int kvm_print_host_report(void);

#endif
