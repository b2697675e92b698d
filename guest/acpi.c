// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACPI table discovery (ACPI 6.5): 5.2.5 RSDP, 5.2.7 RSDT, 5.2.8 XSDT,
 * 5.2.9 FADT (DSDT/X_DSDT fields), 5.2.6 checksums: every byte of a
 * structure, the checksum byte included, must add up to zero (mod 256).
 * Tables come from the VMM: lengths and addresses are checked before use.
 */
#include "acpi.h"
#include "string.h"

/* 5.2.5.3 Root System Description Pointer (RSDP) Structure */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length; /* revision >= 2 from here */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* over length bytes */
	uint8_t reserved[3];
} __attribute__((packed));

#define RSDP_V1_SIZE 20
#define FADT_DSDT_OFFSET 40
#define FADT_X_DSDT_OFFSET 140
/* Only the low 4 GiB are mapped; bigger tables are not plausible. */
#define MAPPED_LIMIT 0x100000000ull
#define TABLE_MAX_LENGTH (1u << 20)

static struct acpi_info info;

bool acpi_checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum == 0;
}

static bool mapped(uint64_t addr, uint64_t len)
{
	return addr && addr < MAPPED_LIMIT && len <= MAPPED_LIMIT - addr;
}

static bool rsdp_valid(const struct acpi_rsdp *r)
{
	return !memcmp(r->signature, "RSD PTR ", 8) &&
	       acpi_checksum_ok(r, RSDP_V1_SIZE);
}

/* 5.2.5.1: on 16-byte boundaries in the first KiB of the EBDA, then in
 * the BIOS read-only area 0xe0000-0xfffff. */
static uint64_t rsdp_scan(uint64_t start, uint64_t end)
{
	uint64_t a;

	for (a = start; a + sizeof(struct acpi_rsdp) <= end; a += 16) {
		if (rsdp_valid((const void *)a))
			return a;
	}
	return 0;
}

static uint64_t rsdp_find(uint64_t hint, const char *hint_source)
{
	uint64_t ebda = (uint64_t) * (const volatile uint16_t *)0x40e << 4;
	uint64_t a;

	if (hint && mapped(hint, sizeof(struct acpi_rsdp)) &&
	    rsdp_valid((const void *)hint)) {
		info.rsdp_source = hint_source;
		return hint;
	}
	if (ebda >= 0x80000 && ebda < 0xa0000) {
		a = rsdp_scan(ebda, ebda + 1024);
		if (a) {
			info.rsdp_source = "EBDA scan";
			return a;
		}
	}
	info.rsdp_source = "0xe0000-0xfffff scan";
	return rsdp_scan(0xe0000, 0x100000);
}

/* Records the table at @addr; false if it cannot be read at all. */
static bool add_table(struct acpi_table *t, uint64_t addr)
{
	const struct acpi_header *h = (const void *)addr;

	*t = (struct acpi_table){ .addr = addr };
	if (!mapped(addr, sizeof(*h)))
		return false;
	memcpy(t->signature, h->signature, 4);
	t->length = h->length;
	if (t->length < sizeof(*h) || t->length > TABLE_MAX_LENGTH ||
	    !mapped(addr, t->length))
		return false;
	t->checksum_ok = acpi_checksum_ok(h, t->length);
	return true;
}

static void note_problem(const char *what)
{
	if (!info.problem)
		info.problem = what;
}

static void read_root_entries(void)
{
	const uint8_t *entries =
		(const uint8_t *)info.root.addr + sizeof(struct acpi_header);
	size_t width = info.root.signature[0] == 'X' ? 8 : 4;
	size_t n = (info.root.length - sizeof(struct acpi_header)) / width;
	uint64_t addr;
	size_t i;

	for (i = 0; i < n; i++) {
		addr = 0;
		memcpy(&addr, entries + i * width, width);
		if (info.ntables == ACPI_MAX_TABLES - 1) {
			note_problem("too many tables");
			return;
		}
		if (!add_table(&info.tables[info.ntables++], addr))
			note_problem("a root entry points at no table");
	}
}

/* The DSDT is not in the root table: the FADT points at it. */
static void add_dsdt(void)
{
	const struct acpi_header *fadt = acpi_find("FACP");
	uint64_t dsdt = 0;

	if (!fadt) {
		note_problem("no FADT");
		return;
	}
	if (fadt->length >= FADT_X_DSDT_OFFSET + 8)
		memcpy(&dsdt, (const uint8_t *)fadt + FADT_X_DSDT_OFFSET, 8);
	if (!dsdt && fadt->length >= FADT_DSDT_OFFSET + 4)
		memcpy(&dsdt, (const uint8_t *)fadt + FADT_DSDT_OFFSET, 4);
	if (!dsdt) {
		note_problem("the FADT has no DSDT");
		return;
	}
	if (!add_table(&info.tables[info.ntables++], dsdt))
		note_problem("the FADT's DSDT address points at no table");
}

bool acpi_init(uint64_t hint, const char *hint_source)
{
	const struct acpi_rsdp *r;
	uint64_t root;

	memset(&info, 0, sizeof(info));
	info.rsdp = rsdp_find(hint, hint_source);
	if (!info.rsdp)
		return false;
	r = (const void *)info.rsdp;
	info.revision = r->revision;
	info.rsdp_checksum_ok = true; /* rsdp_valid() checked it */
	root = r->rsdt_address;
	if (r->revision >= 2) {
		info.rsdp_ext_checksum_ok = r->length >= sizeof(*r) &&
					    r->length <= 4096 &&
					    acpi_checksum_ok(r, r->length);
		if (r->xsdt_address)
			root = r->xsdt_address;
	}
	if (!add_table(&info.root, root)) {
		note_problem("the RSDP points at no root table");
		return true;
	}
	if (memcmp(info.root.signature,
		   root == r->rsdt_address ? "RSDT" : "XSDT", 4)) {
		note_problem("the root table has the wrong signature");
		return true;
	}
	read_root_entries();
	add_dsdt();
	return true;
}

const struct acpi_info *acpi_get_info(void)
{
	return &info;
}

const struct acpi_header *acpi_find(const char *signature)
{
	unsigned int i;

	for (i = 0; i < info.ntables; i++) {
		if (!memcmp(info.tables[i].signature, signature, 4) &&
		    info.tables[i].checksum_ok)
			return (const void *)info.tables[i].addr;
	}
	return NULL;
}
