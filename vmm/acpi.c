// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACPI tables for a vigil machine, following ACPI 6.3 (the newest version
 * the ACPICA in Debian 12 knows): chapter 5.2 for the tables, chapter 20 for
 * the AML in the DSDT (see vmm/aml.c).
 *
 * The machine is "hardware-reduced" (5.2.9 FADT flag HW_REDUCED_ACPI): no
 * PM1 blocks, no SCI; power-off goes through the sleep control register,
 * reboot through the reset register, both ports of devices/ in vigil.
 * Devices that a guest cannot probe are described in the DSDT, as QEMU's
 * microvm machine does: the 8250 UART and each virtio-mmio window.
 *
 * buf layout (offsets 16-byte aligned): RSDP, XSDT, FADT, MADT, DSDT.
 */
#include "vmm/acpi.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "vmm/aml.h"

#define ACPI_OEM_ID "VIGIL "	     /* 6 characters */
#define ACPI_OEM_TABLE_ID "VIGILVM " /* 8 characters */
#define ACPI_OEM_REVISION 1
#define ACPI_CREATOR_ID "VIGL"
#define ACPI_CREATOR_REVISION 1
#define ACPI_HYPERVISOR_ID "VIGILVMM" /* FADT Hypervisor Vendor Identity */

#define ACPI_TABLE_ALIGN 16 /* required for the RSDP, tidy for the rest */
#define ACPI_MAX_CPUS 255   /* MADT local APIC ids are 8 bits, 0xff: all */
#define ACPI_IOAPIC_ID 0    /* KVM's in-kernel IOAPIC resets its id to 0 */
#define ACPI_IOAPIC_PINS 24 /* pins (GSIs 0..23) of KVM's in-kernel IOAPIC */
#define ACPI_SERIAL_PORTS 8 /* 8250 registers from SERIAL_PORT */

/* 5.2.3.2 Generic Address Structure */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

#define ACPI_GAS_SYSTEM_IO 1
#define ACPI_GAS_ACCESS_BYTE 1

/* 5.2.5.3 Root System Description Pointer, revision 2 */
struct acpi_rsdp {
	char signature[8];
	uint8_t checksum; /* of the first 20 bytes (the ACPI 1.0 RSDP) */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* of the whole structure */
	uint8_t reserved[3];
} __attribute__((packed));

#define ACPI_RSDP_V1_LEN 20

/* 5.2.6 System Description Table Header */
struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

/* 5.2.8 XSDT: the FADT and the MADT (the FADT points at the DSDT). */
#define ACPI_XSDT_ENTRIES 2
#define ACPI_XSDT_LEN \
	(sizeof(struct acpi_header) + ACPI_XSDT_ENTRIES * sizeof(uint64_t))

/* 5.2.9 Fixed ACPI Description Table, revision 6 */
struct acpi_fadt {
	struct acpi_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control;
	struct acpi_gas sleep_status;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP revision 2 is 36 bytes");
_Static_assert(sizeof(struct acpi_header) == 36, "table header is 36 bytes");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS is 12 bytes");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6 is 276");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT Flags");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, sleep_control) == 244,
	       "FADT SLEEP_CONTROL_REG");

#define ACPI_FADT_REVISION 6
#define ACPI_FADT_MINOR_VERSION 3
/* FADT Flags (Table 5-34) */
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED_ACPI (1u << 20)
/*
 * IA-PC Boot Architecture Flags (Table 5-35): vigil has no VGA and no CMOS
 * RTC, so the guest must not probe them. No 8042 either: the flag's absence
 * keeps Linux's i8042 driver away; reboot goes through the reset register.
 */
#define ACPI_IAPC_VGA_NOT_PRESENT (1u << 2)
#define ACPI_IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)

/* 5.2.12 Multiple APIC Description Table, revision 5 (ACPI 6.3) */
struct acpi_madt {
	struct acpi_header header;
	uint32_t lapic_address;
	uint32_t flags;
} __attribute__((packed));

#define ACPI_MADT_REVISION 5
#define ACPI_MADT_PCAT_COMPAT (1u << 0) /* KVM's in-kernel 8259 pair exists */

enum acpi_madt_type {
	ACPI_MADT_LAPIC = 0,
	ACPI_MADT_IOAPIC = 1,
	ACPI_MADT_INT_OVERRIDE = 2,
	ACPI_MADT_LAPIC_NMI = 4,
};

struct acpi_madt_lapic {
	uint8_t type;
	uint8_t length;
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));

#define ACPI_MADT_LAPIC_ENABLED (1u << 0)

struct acpi_madt_ioapic {
	uint8_t type;
	uint8_t length;
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));

struct acpi_madt_int_override {
	uint8_t type;
	uint8_t length;
	uint8_t bus; /* 0: ISA */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags; /* 0: conforms to the bus (ISA: edge, active-high) */
} __attribute__((packed));

struct acpi_madt_lapic_nmi {
	uint8_t type;
	uint8_t length;
	uint8_t processor_uid; /* 0xff: all processors */
	uint16_t flags;
	uint8_t lint; /* LINTn input the NMI is wired to */
} __attribute__((packed));

#define ACPI_ALL_PROCESSORS 0xff

#define ACPI_DSDT_REVISION 2 /* 2 and above: 64-bit AML integers */

/* Where each table went in buf, and the total length used. */
struct acpi_layout {
	size_t xsdt;
	size_t fadt;
	size_t madt;
	size_t madt_len;
	size_t dsdt;
	size_t dsdt_len;
	size_t total;
};

static size_t align_up(size_t v, size_t align)
{
	return (v + align - 1) & ~(align - 1);
}

static uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)(0 - sum);
}

static void acpi_header_init(struct acpi_header *h, const char *sig, size_t len,
			     uint8_t revision)
{
	memcpy(h->signature, sig, sizeof(h->signature));
	h->length = htole32((uint32_t)len);
	h->revision = revision;
	h->checksum = 0;
	memcpy(h->oem_id, ACPI_OEM_ID, sizeof(h->oem_id));
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = htole32(ACPI_OEM_REVISION);
	memcpy(h->creator_id, ACPI_CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = htole32(ACPI_CREATOR_REVISION);
}

/* Set the checksum of the table of len bytes at t, header already in place. */
static void acpi_table_seal(uint8_t *t, size_t len)
{
	t[offsetof(struct acpi_header, checksum)] = 0;
	t[offsetof(struct acpi_header, checksum)] = acpi_checksum(t, len);
}

static bool acpi_config_valid(const struct acpi_config *cfg)
{
	const struct acpi_virtio_dev *v;
	unsigned int i;

	if (cfg->nr_cpus < 1 || cfg->nr_cpus > ACPI_MAX_CPUS) {
		log_error("acpi: nr_cpus %u out of range 1..%u", cfg->nr_cpus,
			  ACPI_MAX_CPUS);
		return false;
	}
	if (cfg->nr_virtio > VIRTIO_MMIO_MAX) {
		log_error("acpi: nr_virtio %u above %u", cfg->nr_virtio,
			  VIRTIO_MMIO_MAX);
		return false;
	}
	for (i = 0; i < cfg->nr_virtio; i++) {
		v = &cfg->virtio[i];
		/* Memory32Fixed: the window must end at or below 4 GiB */
		if (v->size == 0 || v->base > UINT32_MAX ||
		    v->size > (uint64_t)UINT32_MAX + 1 - v->base) {
			log_error("acpi: virtio %u: window 0x%llx size 0x%x "
				  "not inside 4 GiB",
				  i, (unsigned long long)v->base, v->size);
			return false;
		}
		if (v->gsi >= ACPI_IOAPIC_PINS) {
			log_error("acpi: virtio %u: gsi %u above IOAPIC pin %u",
				  i, v->gsi, ACPI_IOAPIC_PINS - 1);
			return false;
		}
	}
	return true;
}

/* ResourceTemplate () { IO (Decode16, port, port, 0, 8) IRQNoFlags () {4} } */
static void dsdt_add_serial(struct aml_buf *b)
{
	uint8_t crs_data[32];
	struct aml_buf crs;
	size_t dev;

	aml_init(&crs, crs_data, sizeof(crs_data));
	aml_res_io16(&crs, SERIAL_PORT, SERIAL_PORT, 0, ACPI_SERIAL_PORTS);
	aml_res_irq_noflags(&crs, SERIAL_IRQ);
	aml_res_end(&crs);

	dev = aml_device_begin(b, "COM1");
	aml_name_decl(b, "_HID");
	aml_eisaid(b, "PNP0501"); /* 16550A-compatible COM port */
	aml_name_decl(b, "_UID");
	aml_integer(b, 0);
	aml_name_decl(b, "_CRS");
	aml_buffer(b, &crs);
	aml_end(b, dev);
}

_Static_assert(VIRTIO_MMIO_MAX <= 100, "virtio device names are VR00..VR99");

/*
 * Linux's virtio_mmio driver matches _HID "LNRO0005" and takes the window
 * and interrupt from _CRS. The interrupt is edge-triggered: vigil raises it
 * with a KVM irqfd, which pulses the IOAPIC pin.
 */
static void dsdt_add_virtio(struct aml_buf *b, unsigned int index,
			    const struct acpi_virtio_dev *v)
{
	uint8_t crs_data[32];
	struct aml_buf crs;
	char name[] = "VR00";
	size_t dev;

	aml_init(&crs, crs_data, sizeof(crs_data));
	aml_res_memory32_fixed(&crs, (uint32_t)v->base, v->size, true);
	aml_res_interrupt(&crs, v->gsi, AML_IRQ_CONSUMER | AML_IRQ_EDGE);
	aml_res_end(&crs);

	name[2] = (char)('0' + index / 10);
	name[3] = (char)('0' + index % 10);
	dev = aml_device_begin(b, name);
	aml_name_decl(b, "_HID");
	aml_string(b, "LNRO0005");
	aml_name_decl(b, "_UID");
	aml_integer(b, index);
	aml_name_decl(b, "_CCA"); /* DMA is cache-coherent */
	aml_integer(b, 1);
	aml_name_decl(b, "_CRS");
	aml_buffer(b, &crs);
	aml_end(b, dev);
}

/* \_S5: the SLP_TYP the OS writes to the sleep control register to power off */
static void dsdt_add_s5(struct aml_buf *b)
{
	size_t pkg;

	aml_name_decl(b, "_S5_");
	pkg = aml_package_begin(b, 4);
	aml_integer(b, ACPI_S5_SLP_TYP);
	aml_integer(b, 0); /* SLP_TYPb: unused */
	aml_integer(b, 0); /* reserved */
	aml_integer(b, 0); /* reserved */
	aml_end(b, pkg);
}

/* The DSDT's AML, after its header. Returns its length or negative errno. */
static ssize_t dsdt_build_aml(const struct acpi_config *cfg, uint8_t *out,
			      size_t cap)
{
	struct aml_buf b;
	unsigned int i;
	size_t sb;

	aml_init(&b, out, cap);
	sb = aml_scope_begin(&b, "_SB_"); /* relative to the root */
	dsdt_add_serial(&b);
	for (i = 0; i < cfg->nr_virtio; i++)
		dsdt_add_virtio(&b, i, &cfg->virtio[i]);
	aml_end(&b, sb);
	dsdt_add_s5(&b);
	return b.err ? b.err : (ssize_t)b.len;
}

static void rsdp_write(uint8_t *out, uint64_t xsdt_gpa)
{
	struct acpi_rsdp rsdp = {
		.revision = 2,
		.length = htole32(sizeof(rsdp)),
		.xsdt_address = htole64(xsdt_gpa),
	};

	memcpy(rsdp.signature, "RSD PTR ", sizeof(rsdp.signature));
	memcpy(rsdp.oem_id, ACPI_OEM_ID, sizeof(rsdp.oem_id));
	rsdp.checksum = acpi_checksum((uint8_t *)&rsdp, ACPI_RSDP_V1_LEN);
	rsdp.extended_checksum = acpi_checksum((uint8_t *)&rsdp, sizeof(rsdp));
	memcpy(out, &rsdp, sizeof(rsdp));
}

static void xsdt_write(uint8_t *out, uint64_t fadt_gpa, uint64_t madt_gpa)
{
	struct acpi_header h;
	uint64_t entries[ACPI_XSDT_ENTRIES] = { htole64(fadt_gpa),
						htole64(madt_gpa) };

	acpi_header_init(&h, "XSDT", ACPI_XSDT_LEN, 1);
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), entries, sizeof(entries));
	acpi_table_seal(out, ACPI_XSDT_LEN);
}

static struct acpi_gas acpi_io_port8(uint16_t port)
{
	return (struct acpi_gas){
		.space_id = ACPI_GAS_SYSTEM_IO,
		.bit_width = 8,
		.access_size = ACPI_GAS_ACCESS_BYTE,
		.address = htole64(port),
	};
}

static void fadt_write(uint8_t *out, uint64_t dsdt_gpa)
{
	struct acpi_fadt f = {
		/* The 32-bit field too where it fits, for older readers. */
		.dsdt = htole32(dsdt_gpa <= UINT32_MAX ? (uint32_t)dsdt_gpa :
							 0),
		.iapc_boot_arch = htole16(ACPI_IAPC_VGA_NOT_PRESENT |
					  ACPI_IAPC_CMOS_RTC_NOT_PRESENT),
		.flags = htole32(ACPI_FADT_HW_REDUCED_ACPI |
				 ACPI_FADT_RESET_REG_SUP),
		.reset_reg = acpi_io_port8(ACPI_RESET_PORT),
		.reset_value = ACPI_RESET_VALUE,
		.minor_version = ACPI_FADT_MINOR_VERSION,
		.x_dsdt = htole64(dsdt_gpa),
		.sleep_control = acpi_io_port8(ACPI_SLEEP_CONTROL_PORT),
		.sleep_status = acpi_io_port8(ACPI_SLEEP_STATUS_PORT),
	};

	acpi_header_init(&f.header, "FACP", sizeof(f), ACPI_FADT_REVISION);
	memcpy(&f.hypervisor_vendor_id, ACPI_HYPERVISOR_ID,
	       sizeof(f.hypervisor_vendor_id));
	memcpy(out, &f, sizeof(f));
	acpi_table_seal(out, sizeof(f));
}

static size_t madt_len(unsigned int nr_cpus)
{
	return sizeof(struct acpi_madt) +
	       nr_cpus * sizeof(struct acpi_madt_lapic) +
	       sizeof(struct acpi_madt_ioapic) +
	       sizeof(struct acpi_madt_int_override) +
	       sizeof(struct acpi_madt_lapic_nmi);
}

static size_t madt_put(uint8_t *out, size_t off, const void *entry, size_t n)
{
	memcpy(out + off, entry, n);
	return off + n;
}

static void madt_write(uint8_t *out, unsigned int nr_cpus)
{
	struct acpi_madt madt = {
		.lapic_address = htole32(LAPIC_ADDR),
		.flags = htole32(ACPI_MADT_PCAT_COMPAT),
	};
	struct acpi_madt_ioapic ioapic = {
		.type = ACPI_MADT_IOAPIC,
		.length = sizeof(ioapic),
		.ioapic_id = ACPI_IOAPIC_ID,
		.address = htole32(IOAPIC_ADDR),
		.gsi_base = 0,
	};
	/* The PIT's IRQ 0 is wired to IOAPIC pin 2, as on a PC (and KVM). */
	struct acpi_madt_int_override irq0 = {
		.type = ACPI_MADT_INT_OVERRIDE,
		.length = sizeof(irq0),
		.source = 0,
		.gsi = htole32(2),
	};
	/* NMI arrives on LINT1 of every local APIC. */
	struct acpi_madt_lapic_nmi nmi = {
		.type = ACPI_MADT_LAPIC_NMI,
		.length = sizeof(nmi),
		.processor_uid = ACPI_ALL_PROCESSORS,
		.lint = 1,
	};
	size_t len = madt_len(nr_cpus), off;
	unsigned int i;

	acpi_header_init(&madt.header, "APIC", len, ACPI_MADT_REVISION);
	off = madt_put(out, 0, &madt, sizeof(madt));
	for (i = 0; i < nr_cpus; i++) {
		struct acpi_madt_lapic lapic = {
			.type = ACPI_MADT_LAPIC,
			.length = sizeof(lapic),
			.processor_uid = (uint8_t)i,
			.apic_id = (uint8_t)i, /* KVM: APIC id = vCPU id */
			.flags = htole32(ACPI_MADT_LAPIC_ENABLED),
		};

		off = madt_put(out, off, &lapic, sizeof(lapic));
	}
	off = madt_put(out, off, &ioapic, sizeof(ioapic));
	off = madt_put(out, off, &irq0, sizeof(irq0));
	madt_put(out, off, &nmi, sizeof(nmi));
	acpi_table_seal(out, len);
}

static void dsdt_write_header(uint8_t *out, size_t len)
{
	struct acpi_header h;

	acpi_header_init(&h, "DSDT", len, ACPI_DSDT_REVISION);
	memcpy(out, &h, sizeof(h));
	acpi_table_seal(out, len);
}

/* Lay the tables out in buf and fill them; *l says where each went. */
static int acpi_build_tables(const struct acpi_config *cfg, uint64_t gpa_base,
			     uint8_t *buf, size_t buf_size,
			     struct acpi_layout *l)
{
	uint64_t end;
	ssize_t aml;

	if (!acpi_config_valid(cfg))
		return -EINVAL;
	if (gpa_base % ACPI_TABLE_ALIGN) {
		log_error("acpi: table address 0x%llx not %u-byte aligned",
			  (unsigned long long)gpa_base, ACPI_TABLE_ALIGN);
		return -EINVAL;
	}
	l->xsdt = align_up(sizeof(struct acpi_rsdp), ACPI_TABLE_ALIGN);
	l->fadt = align_up(l->xsdt + ACPI_XSDT_LEN, ACPI_TABLE_ALIGN);
	l->madt =
		align_up(l->fadt + sizeof(struct acpi_fadt), ACPI_TABLE_ALIGN);
	l->madt_len = madt_len(cfg->nr_cpus);
	l->dsdt = align_up(l->madt + l->madt_len, ACPI_TABLE_ALIGN);
	if (buf_size < l->dsdt + sizeof(struct acpi_header))
		return -ENOSPC;

	memset(buf, 0, l->dsdt);
	aml = dsdt_build_aml(cfg, buf + l->dsdt + sizeof(struct acpi_header),
			     buf_size - l->dsdt - sizeof(struct acpi_header));
	if (aml < 0)
		return (int)aml;
	l->dsdt_len = sizeof(struct acpi_header) + (size_t)aml;
	l->total = l->dsdt + l->dsdt_len;
	/* The guest addresses of all tables must not wrap. */
	if (__builtin_add_overflow(gpa_base, l->total, &end)) {
		log_error("acpi: tables at 0x%llx wrap past 2^64",
			  (unsigned long long)gpa_base);
		return -EINVAL;
	}

	rsdp_write(buf, gpa_base + l->xsdt);
	xsdt_write(buf + l->xsdt, gpa_base + l->fadt, gpa_base + l->madt);
	fadt_write(buf + l->fadt, gpa_base + l->dsdt);
	madt_write(buf + l->madt, cfg->nr_cpus);
	dsdt_write_header(buf + l->dsdt, l->dsdt_len);
	return 0;
}

ssize_t acpi_build(const struct acpi_config *cfg, uint64_t gpa_base, void *buf,
		   size_t buf_size)
{
	struct acpi_layout l;
	int ret;

	ret = acpi_build_tables(cfg, gpa_base, buf, buf_size, &l);
	return ret < 0 ? ret : (ssize_t)l.total;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

static int dump_table(const char *dir, const char *name, const uint8_t *data,
		      size_t len)
{
	char path[PATH_MAX];
	int n, ret;

	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		log_error("acpi: dump directory name too long: %s", dir);
		return -ENAMETOOLONG;
	}
	ret = write_file(path, data, len);
	if (ret < 0)
		log_error("acpi: cannot write %s: %s", path, strerror(-ret));
	return ret;
}

int acpi_dump(const struct acpi_config *cfg, const char *dir)
{
	struct acpi_layout l;
	uint8_t *buf;
	int ret;

	buf = calloc(1, ACPI_TABLES_MAX);
	if (!buf)
		return -ENOMEM;
	ret = acpi_build_tables(cfg, ACPI_TABLES_ADDR, buf, ACPI_TABLES_MAX,
				&l);
	if (ret < 0) {
		log_error("acpi: cannot build tables: %s", strerror(-ret));
		goto out;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		log_error("acpi: cannot create %s: %s", dir, strerror(-ret));
		goto out;
	}
	ret = dump_table(dir, "rsdp.dat", buf, sizeof(struct acpi_rsdp));
	if (!ret)
		ret = dump_table(dir, "xsdt.dat", buf + l.xsdt, ACPI_XSDT_LEN);
	if (!ret)
		ret = dump_table(dir, "facp.dat", buf + l.fadt,
				 sizeof(struct acpi_fadt));
	if (!ret)
		ret = dump_table(dir, "apic.dat", buf + l.madt, l.madt_len);
	if (!ret)
		ret = dump_table(dir, "dsdt.dat", buf + l.dsdt, l.dsdt_len);
out:
	free(buf);
	return ret;
}
