// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/layout.h"

#define KVM_MAX_CPUID_ENTRIES 256

const struct kvm_cap_desc kvm_caps[] = {
	{ KVM_CAP_IRQCHIP, "IRQCHIP", true },
	{ KVM_CAP_PIT2, "PIT2", true },
	{ KVM_CAP_USER_MEMORY, "USER_MEMORY", true },
	{ KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR", true },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR, "SET_IDENTITY_MAP_ADDR", true },
	{ KVM_CAP_EXT_CPUID, "EXT_CPUID", true },
	{ KVM_CAP_IOEVENTFD, "IOEVENTFD", true },
	{ KVM_CAP_IRQFD, "IRQFD", true },
	{ KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT", true },
	{ KVM_CAP_MP_STATE, "MP_STATE", false },
	{ KVM_CAP_VCPU_EVENTS, "VCPU_EVENTS", false },
	{ KVM_CAP_DEBUGREGS, "DEBUGREGS", false },
	{ KVM_CAP_XSAVE, "XSAVE", false },
	{ KVM_CAP_XCRS, "XCRS", false },
	{ KVM_CAP_ADJUST_CLOCK, "ADJUST_CLOCK", false },
	{ KVM_CAP_TSC_CONTROL, "TSC_CONTROL", false },
	{ KVM_CAP_KVMCLOCK_CTRL, "KVMCLOCK_CTRL", false },
};
const unsigned int kvm_nr_caps = sizeof(kvm_caps) / sizeof(kvm_caps[0]);

int kvm_ioctl_raw(int fd, unsigned long req, const void *arg)
{
	int r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

int kvm_ioctl(int fd, unsigned long req, const void *arg, const char *name,
	      char *err, size_t errlen)
{
	int r = kvm_ioctl_raw(fd, req, arg);

	if (r < 0)
		snprintf(err, errlen, "%s: %s", name, strerror(-r));
	return r;
}

int kvm_check_cap(const struct kvm *kvm, int cap)
{
	int fd = kvm->vm_fd >= 0 ? kvm->vm_fd : kvm->sys_fd;
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

/*
 * Which module serves /dev/kvm; kvm_pvm emulates instead of virtualising.
 * Only --check-host asks: three sysfs look-ups are not worth a boot's time.
 */
static const char *kvm_module(bool *software)
{
	static const char *const mods[] = { "kvm_pvm", "kvm_intel", "kvm_amd" };

	*software = false;
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		char path[64];

		snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
		if (access(path, F_OK) == 0) {
			*software = (i == 0);
			return mods[i];
		}
	}
	return "unknown";
}

static int kvm_get_supported_cpuid(struct kvm *kvm)
{
	struct kvm_cpuid2 *cpuid;

	cpuid = calloc(1, sizeof(*cpuid) + KVM_MAX_CPUID_ENTRIES *
						   sizeof(cpuid->entries[0]));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = KVM_MAX_CPUID_ENTRIES;
	if (ioctl(kvm->sys_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
		int r = -errno;

		free(cpuid);
		return r;
	}
	kvm->supported_cpuid = cpuid;
	return 0;
}

int kvm_open(struct kvm *kvm, char *err, size_t errlen)
{
	memset(kvm, 0, sizeof(*kvm));
	kvm->vm_fd = -1;
	kvm->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm->sys_fd < 0) {
		int r = -errno;

		snprintf(err, errlen, "/dev/kvm: %s", strerror(errno));
		return r;
	}
	kvm->api_version = ioctl(kvm->sys_fd, KVM_GET_API_VERSION, 0);
	if (kvm->api_version != KVM_API_VERSION) {
		snprintf(err, errlen, "/dev/kvm: API version %d, expected %d",
			 kvm->api_version, KVM_API_VERSION);
		return -ENOTSUP;
	}
	for (unsigned int i = 0; i < kvm_nr_caps; i++) {
		if (kvm_caps[i].required &&
		    !kvm_check_cap(kvm, kvm_caps[i].cap)) {
			snprintf(err, errlen, "/dev/kvm: lacks KVM_CAP_%s",
				 kvm_caps[i].name);
			return -ENOTSUP;
		}
	}
	kvm->max_vcpus = kvm_check_cap(kvm, KVM_CAP_MAX_VCPUS);
	if (kvm->max_vcpus <= 0)
		kvm->max_vcpus = kvm_check_cap(kvm, KVM_CAP_NR_VCPUS);
	if (kvm->max_vcpus <= 0)
		kvm->max_vcpus = 4; /* the documented default */
	kvm->nr_memslots = kvm_check_cap(kvm, KVM_CAP_NR_MEMSLOTS);
	kvm->run_mmap_size = ioctl(kvm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm->run_mmap_size < (int)sizeof(struct kvm_run)) {
		snprintf(err, errlen, "/dev/kvm: vCPU mmap size %d too small",
			 kvm->run_mmap_size);
		return -ENOTSUP;
	}
	if (kvm_get_supported_cpuid(kvm) < 0) {
		snprintf(err, errlen,
			 "/dev/kvm: KVM_GET_SUPPORTED_CPUID failed");
		return -ENOTSUP;
	}
	return 0;
}

int kvm_create_vm(struct kvm *kvm, char *err, size_t errlen)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t identity = KVM_IDENTITY_MAP_ADDR;

	kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM, 0);
	if (kvm->vm_fd < 0) {
		snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
		return -errno;
	}
	/* Intel VMX needs these private pages; harmless elsewhere. */
	if (ioctl(kvm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0 ||
	    ioctl(kvm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0) {
		snprintf(err, errlen, "KVM_SET_TSS_ADDR: %s", strerror(errno));
		return -errno;
	}
	if (ioctl(kvm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		snprintf(err, errlen, "KVM_CREATE_IRQCHIP: %s",
			 strerror(errno));
		return -errno;
	}
	if (ioctl(kvm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		snprintf(err, errlen, "KVM_CREATE_PIT2: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void kvm_close(struct kvm *kvm)
{
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	if (kvm->sys_fd >= 0)
		close(kvm->sys_fd);
	free(kvm->supported_cpuid);
	kvm->vm_fd = kvm->sys_fd = -1;
	kvm->supported_cpuid = NULL;
}

int kvm_set_memory(struct kvm *kvm, uint32_t slot, uint64_t gpa, uint64_t size,
		   void *hva)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0 ?
		       -errno :
		       0;
}

int kvm_irq_line(struct kvm *kvm, uint32_t gsi, bool level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	return ioctl(kvm->vm_fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

int kvm_ioeventfd_mmio(struct kvm *kvm, uint64_t gpa, uint32_t len,
		       uint64_t datamatch, int fd)
{
	struct kvm_ioeventfd io = {
		.datamatch = datamatch,
		.addr = gpa,
		.len = len,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};

	return ioctl(kvm->vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

int kvm_irqfd(struct kvm *kvm, uint32_t gsi, int fd)
{
	struct kvm_irqfd irqfd = { .fd = (uint32_t)fd, .gsi = gsi };

	return ioctl(kvm->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}

int kvm_print_host_report(void)
{
	struct kvm kvm;
	char err[256];
	int r = kvm_open(&kvm, err, sizeof(err));
	bool software;
	const char *module;

	if (kvm.sys_fd < 0) {
		printf("kvm: unavailable (%s)\n", err);
		return 1;
	}
	module = kvm_module(&software);
	printf("kvm: /dev/kvm served by %s\n", module);
	printf("kvm: API version %d\n", kvm.api_version);
	printf("kvm: max vCPUs %d, memory slots %d\n", kvm.max_vcpus,
	       kvm.nr_memslots);
	for (unsigned int i = 0; i < kvm_nr_caps; i++)
		printf("kvm: KVM_CAP_%-22s %s%s\n", kvm_caps[i].name,
		       kvm_check_cap(&kvm, kvm_caps[i].cap) ? "yes" : "no",
		       kvm_caps[i].required ? " (required)" : "");
	if (software)
		printf("kvm: software hypervisor (%s): small guests run, stock "
		       "Linux kernels die in early boot\n",
		       module);
	else
		printf("kvm: hardware virtualisation: stock Linux kernels "
		       "run\n");
	if (r < 0)
		printf("kvm: vigil cannot run here: %s\n", err);
	else
		printf("kvm: vigil can run here\n");
	kvm_close(&kvm);
	return r < 0 ? 1 : 0;
}
