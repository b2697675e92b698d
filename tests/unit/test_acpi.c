// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of vmm/acpi.c and vmm/aml.c. The tables are checked by walking
 * them the way an OS does (RSDP -> XSDT -> FADT/MADT, FADT -> DSDT), with
 * field offsets taken from the ACPI 6.3 specification, independently of the
 * structs in acpi.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/layout.h"
#include "tests/support/tap.h"
#include "vmm/acpi.h"
#include "vmm/aml.h"

static uint8_t buf[ACPI_TABLES_MAX];

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint8_t sum8(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

static struct acpi_config make_config(unsigned int cpus, unsigned int virtio)
{
	struct acpi_config cfg = { .nr_cpus = cpus, .nr_virtio = virtio };
	unsigned int i;

	for (i = 0; i < virtio; i++) {
		cfg.virtio[i].base = VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_SIZE;
		cfg.virtio[i].size = VIRTIO_MMIO_SIZE;
		cfg.virtio[i].gsi = VIRTIO_IRQ_BASE + i;
	}
	return cfg;
}

/*
 * The table the guest finds at gpa, or NULL if it is not wholly inside the
 * built blob. *len gets the length from its header.
 */
static const uint8_t *table_at(uint64_t gpa, uint64_t base, size_t total,
			       const char *sig, uint32_t *len)
{
	const uint8_t *t;
	uint64_t off;

	if (gpa < base || gpa - base + 36 > total)
		return NULL;
	off = gpa - base;
	t = buf + off;
	*len = le32(t + 4);
	if (memcmp(t, sig, 4) || *len < 36 || *len > total - off)
		return NULL;
	return t;
}

static size_t count_bytes(const uint8_t *hay, size_t n, const void *needle,
			  size_t m)
{
	size_t i, count = 0;

	for (i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			count++;
	return count;
}

static void check_madt(const uint8_t *madt, uint32_t len, unsigned int cpus)
{
	unsigned int lapics = 0, ioapics = 0, overrides = 0, nmis = 0;
	bool ids_ok = true, ioapic_ok = false, override_ok = false;
	uint32_t off = 44;

	CHECK(madt[8] >= 5, "MADT revision %u (ACPI 6.3 is 5)", madt[8]);
	CHECK(le32(madt + 36) == LAPIC_ADDR, "MADT local APIC address");
	CHECK(le32(madt + 40) == 1, "MADT flags: PCAT_COMPAT");
	while (off + 2 <= len && madt[off + 1] >= 2 &&
	       madt[off + 1] <= len - off) {
		const uint8_t *e = madt + off;

		switch (e[0]) {
		case 0: /* Processor Local APIC */
			if (e[2] != lapics || e[3] != lapics ||
			    le32(e + 4) != 1 || e[1] != 8)
				ids_ok = false;
			lapics++;
			break;
		case 1: /* I/O APIC */
			ioapic_ok = e[1] == 12 && le32(e + 4) == IOAPIC_ADDR &&
				    le32(e + 8) == 0;
			ioapics++;
			break;
		case 2: /* Interrupt Source Override */
			override_ok = e[1] == 10 && e[2] == 0 && e[3] == 0 &&
				      le32(e + 4) == 2;
			overrides++;
			break;
		case 4: /* Local APIC NMI */
			nmis += e[1] == 6 && e[2] == 0xff && e[5] == 1;
			break;
		}
		off += e[1];
	}
	CHECK(off == len, "MADT entries fill the table exactly (%u of %u)", off,
	      len);
	CHECK(lapics == cpus, "MADT has %u local APICs for %u vCPUs", lapics,
	      cpus);
	CHECK(ids_ok, "local APICs: uid = APIC id = index, enabled");
	CHECK(ioapics == 1 && ioapic_ok,
	      "one IOAPIC at IOAPIC_ADDR, GSI base 0");
	CHECK(overrides == 1 && override_ok, "IRQ0 -> GSI2 override");
	CHECK(nmis == 1, "local APIC NMI on LINT1 of all processors");
}

static bool gas_is_io8(const uint8_t *gas, uint64_t port)
{
	return gas[0] == 1 && gas[1] == 8 && gas[2] == 0 &&
	       le64(gas + 4) == port;
}

static void check_fadt(const uint8_t *fadt, uint32_t len, uint64_t dsdt_gpa)
{
	uint32_t flags = le32(fadt + 112);

	CHECK(len == 276 && fadt[8] == 6, "FADT revision 6, 276 bytes");
	CHECK(flags & (1u << 20), "FADT flags: HW_REDUCED_ACPI");
	CHECK(flags & (1u << 10), "FADT flags: RESET_REG_SUP");
	CHECK(gas_is_io8(fadt + 116, ACPI_RESET_PORT), "reset register GAS");
	CHECK(fadt[128] == ACPI_RESET_VALUE, "reset value");
	CHECK(le64(fadt + 140) == dsdt_gpa, "X_DSDT");
	CHECK(le32(fadt + 40) == (dsdt_gpa <= UINT32_MAX ? dsdt_gpa : 0),
	      "32-bit DSDT: X_DSDT's value below 4 GiB, else 0");
	CHECK(gas_is_io8(fadt + 244, ACPI_SLEEP_CONTROL_PORT),
	      "sleep control register GAS");
	CHECK(gas_is_io8(fadt + 256, ACPI_SLEEP_STATUS_PORT),
	      "sleep status register GAS");
}

static void check_dsdt(const uint8_t *dsdt, uint32_t len,
		       const struct acpi_config *cfg)
{
	/* clang-format off */
	const uint8_t s5[] = {
		0x08, '_', 'S', '5', '_',	/* Name (_S5_, */
		0x12, 0x07, 0x04,		/* Package, PkgLength 7, 4 items */
		0x0a, ACPI_S5_SLP_TYP,		/* BytePrefix SLP_TYP */
		0x00, 0x00, 0x00,		/* Zero, Zero, Zero */
	};
	const uint8_t com1_crs[] = {
		0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00, 0x08,	/* IO */
		0x22, 0x10, 0x00,				/* IRQ {4} */
		0x79, 0x00,					/* End */
	};
	/* clang-format on */
	unsigned int i, k, windows = 0;

	CHECK(dsdt[8] == 2, "DSDT revision 2 (64-bit integers)");
	CHECK(count_bytes(dsdt, len, "LNRO0005", 9) == cfg->nr_virtio,
	      "DSDT has one LNRO0005 per virtio device (%u)", cfg->nr_virtio);
	for (i = 0; i < cfg->nr_virtio; i++) {
		/* clang-format off */
		uint8_t res[21] = {
			0x86, 0x09, 0x00, 0x01,	/* Memory32Fixed, ReadWrite */
			[12] = 0x89, 0x06, 0x00,	/* Extended Interrupt: */
			0x03, 0x01,	/* consumer, edge, active-high; 1 irq */
		};
		/* clang-format on */

		for (k = 0; k < 4; k++) {
			res[4 + k] = (uint8_t)(cfg->virtio[i].base >> (8 * k));
			res[8 + k] = (uint8_t)(cfg->virtio[i].size >> (8 * k));
			res[17 + k] = (uint8_t)(cfg->virtio[i].gsi >> (8 * k));
		}
		windows += count_bytes(dsdt, len, res, sizeof(res)) == 1;
	}
	CHECK(windows == cfg->nr_virtio,
	      "each virtio _CRS: Memory32Fixed window + edge Interrupt");
	CHECK(count_bytes(dsdt, len, com1_crs, sizeof(com1_crs)) == 1,
	      "COM1 _CRS: IO 0x3f8/8, IRQNoFlags {4}");
	CHECK(count_bytes(dsdt, len, s5, sizeof(s5)) == 1,
	      "\\_S5_ package { %u, 0, 0, 0 }", ACPI_S5_SLP_TYP);
}

static void check_tables(unsigned int cpus, unsigned int virtio, uint64_t base)
{
	struct acpi_config cfg = make_config(cpus, virtio);
	const uint8_t *xsdt, *fadt = NULL, *madt = NULL, *dsdt;
	uint32_t xlen, flen = 0, mlen = 0, dlen;
	size_t total, end = 36;
	ssize_t n;
	unsigned int i;

	printf("# %u vCPUs, %u virtio devices, tables at 0x%llx\n", cpus,
	       virtio, (unsigned long long)base);
	memset(buf, 0xa5, sizeof(buf));
	n = acpi_build(&cfg, base, buf, sizeof(buf));
	if (!CHECK(n > 36, "acpi_build returns a length (%zd)", n))
		return;
	total = (size_t)n;

	CHECK(!memcmp(buf, "RSD PTR ", 8), "RSDP signature at buf[0]");
	CHECK(sum8(buf, 20) == 0, "RSDP 20-byte checksum");
	CHECK(sum8(buf, 36) == 0, "RSDP extended checksum");
	CHECK(buf[15] == 2 && le32(buf + 20) == 36, "RSDP revision 2, len 36");
	CHECK(!memcmp(buf + 9, "VIGIL ", 6), "RSDP OEM id");

	xsdt = table_at(le64(buf + 24), base, total, "XSDT", &xlen);
	if (!CHECK(xsdt, "RSDP points at the XSDT (gpa_base + offset)"))
		return;
	CHECK(sum8(xsdt, xlen) == 0, "XSDT checksum");
	CHECK(!memcmp(xsdt + 10, "VIGIL VIGILVM ", 14), "XSDT OEM ids");
	CHECK((xlen - 36) % 8 == 0 && xlen > 36, "XSDT length %u", xlen);
	for (i = 0; i < (xlen - 36) / 8; i++) {
		uint64_t gpa = le64(xsdt + 36 + 8 * i);
		uint32_t l;

		if (table_at(gpa, base, total, "FACP", &l)) {
			fadt = buf + (gpa - base);
			flen = l;
		} else if (table_at(gpa, base, total, "APIC", &l)) {
			madt = buf + (gpa - base);
			mlen = l;
		} else {
			CHECK(0, "XSDT entry %u (0x%llx) is a known table", i,
			      (unsigned long long)gpa);
		}
	}
	if (!CHECK(fadt && madt, "XSDT points at the FADT and the MADT"))
		return;
	CHECK(sum8(fadt, flen) == 0, "FADT checksum");
	CHECK(sum8(madt, mlen) == 0, "MADT checksum");

	dsdt = table_at(le64(fadt + 140), base, total, "DSDT", &dlen);
	if (!CHECK(dsdt, "FADT X_DSDT points at the DSDT"))
		return;
	CHECK(sum8(dsdt, dlen) == 0, "DSDT checksum");

	check_fadt(fadt, flen, le64(fadt + 140));
	check_madt(madt, mlen, cpus);
	check_dsdt(dsdt, dlen, &cfg);

	end = (size_t)(dsdt - buf) + dlen;
	if ((size_t)(fadt - buf) + flen > end)
		end = (size_t)(fadt - buf) + flen;
	if ((size_t)(madt - buf) + mlen > end)
		end = (size_t)(madt - buf) + mlen;
	CHECK(end == total, "returned length is the end of the last table");
	CHECK(buf[total] == 0xa5, "nothing written past the returned length");
}

static void check_enospc(void)
{
	struct acpi_config cfg = make_config(2, VIRTIO_MMIO_MAX);
	ssize_t need = acpi_build(&cfg, ACPI_TABLES_ADDR, buf, sizeof(buf));
	bool all = true;
	size_t size;

	for (size = 0; need > 0 && size < (size_t)need; size++) {
		memset(buf, 0xa5, sizeof(buf));
		if (acpi_build(&cfg, ACPI_TABLES_ADDR, buf, size) != -ENOSPC ||
		    buf[size] != 0xa5)
			all = false;
	}
	CHECK(need > 0 && all,
	      "-ENOSPC, and no write past the end, for every size below %zd",
	      need);
	CHECK(acpi_build(&cfg, ACPI_TABLES_ADDR, buf, (size_t)need) == need,
	      "exactly the needed size is enough");
}

static void check_einval(void)
{
	struct acpi_config cfg;

	cfg = make_config(0, 0);
	CHECK(acpi_build(&cfg, ACPI_TABLES_ADDR, buf, sizeof(buf)) == -EINVAL,
	      "nr_cpus 0: -EINVAL");
	cfg = make_config(256, 0);
	CHECK(acpi_build(&cfg, ACPI_TABLES_ADDR, buf, sizeof(buf)) == -EINVAL,
	      "nr_cpus 256: -EINVAL");
	cfg = make_config(1, 0);
	cfg.nr_virtio = VIRTIO_MMIO_MAX + 1;
	CHECK(acpi_build(&cfg, ACPI_TABLES_ADDR, buf, sizeof(buf)) == -EINVAL,
	      "nr_virtio above VIRTIO_MMIO_MAX: -EINVAL");
	cfg = make_config(1, 1);
	cfg.virtio[0].size = 0;
	CHECK(acpi_build(&cfg, ACPI_TABLES_ADDR, buf, sizeof(buf)) == -EINVAL,
	      "virtio window of size 0: -EINVAL");
	cfg = make_config(1, 1);
	cfg.virtio[0].base = 0xfffff000ull;
	cfg.virtio[0].size = 0x2000;
	CHECK(acpi_build(&cfg, ACPI_TABLES_ADDR, buf, sizeof(buf)) == -EINVAL,
	      "virtio window crossing 4 GiB: -EINVAL");
	cfg.virtio[0].size = 0x1000;
	CHECK(acpi_build(&cfg, ACPI_TABLES_ADDR, buf, sizeof(buf)) > 0,
	      "virtio window ending exactly at 4 GiB is fine");
	cfg = make_config(1, 1);
	cfg.virtio[0].gsi = 24;
	CHECK(acpi_build(&cfg, ACPI_TABLES_ADDR, buf, sizeof(buf)) == -EINVAL,
	      "virtio gsi 24 (past the IOAPIC): -EINVAL");
	cfg = make_config(1, 0);
	CHECK(acpi_build(&cfg, ACPI_TABLES_ADDR + 8, buf, sizeof(buf)) ==
		      -EINVAL,
	      "unaligned gpa_base: -EINVAL");
	CHECK(acpi_build(&cfg, UINT64_MAX - 0xff, buf, sizeof(buf)) == -EINVAL,
	      "tables wrapping past 2^64: -EINVAL");
}

/* Open a package, fill it to `contents` bytes, close; return the buffer. */
static struct aml_buf pkg_with_contents(uint8_t *out, size_t cap,
					size_t contents)
{
	struct aml_buf b;
	size_t mark, i;

	aml_init(&b, out, cap);
	mark = aml_package_begin(&b, 0); /* the count byte is contents */
	for (i = 1; i < contents; i++)
		aml_byte(&b, 0xee);
	aml_end(&b, mark);
	return b;
}

static void check_pkglength(void)
{
	static uint8_t out[0x20000];
	struct aml_buf b;

	b = pkg_with_contents(out, sizeof(out), 62);
	CHECK(!b.err && out[1] == 63 && b.len == 64,
	      "PkgLength 63: one byte 0x3f");
	b = pkg_with_contents(out, sizeof(out), 63);
	CHECK(!b.err && out[1] == 0x41 && out[2] == 0x04 && b.len == 66,
	      "PkgLength 65: two bytes 41 04");
	b = pkg_with_contents(out, sizeof(out), 4093);
	CHECK(!b.err && out[1] == 0x4f && out[2] == 0xff,
	      "PkgLength 4095: two bytes 4f ff");
	b = pkg_with_contents(out, sizeof(out), 4094);
	CHECK(!b.err && out[1] == 0x81 && out[2] == 0x00 && out[3] == 0x01,
	      "PkgLength 4097: three bytes 81 00 01");
	CHECK(out[4] == 0 && out[5] == 0xee, "contents moved behind it");
	b = pkg_with_contents(out, 65, 63);
	CHECK(b.err == -ENOSPC, "no room for a 2-byte PkgLength: -ENOSPC");
}

static void check_aml_data(void)
{
	const uint8_t ints[] = { 0x00, 0x01, 0x0a, 0x05, 0x0b, 0x34, 0x12,
				 0x0c, 0x78, 0x56, 0x34, 0x12, 0x0e, 1,
				 0,    0,    0,	   0,	 0,    0,    0x01 };
	const uint8_t eisa[] = { 0x0c, 0x41, 0xd0, 0x05, 0x01 };
	uint8_t out[64];
	struct aml_buf b;

	aml_init(&b, out, sizeof(out));
	aml_integer(&b, 0);
	aml_integer(&b, 1);
	aml_integer(&b, 5);
	aml_integer(&b, 0x1234);
	aml_integer(&b, 0x12345678);
	aml_integer(&b, 0x0100000000000001ull);
	CHECK(!b.err && b.len == sizeof(ints) && !memcmp(out, ints, b.len),
	      "integers: Zero, One, Byte/Word/DWord/QWordConst");
	aml_init(&b, out, sizeof(out));
	aml_eisaid(&b, "PNP0501");
	CHECK(!b.err && !memcmp(out, eisa, sizeof(eisa)),
	      "EISAID(PNP0501) = 0c 41 d0 05 01");
	aml_init(&b, out, sizeof(out));
	aml_eisaid(&b, "pnp0501");
	CHECK(b.err == -EINVAL, "lower-case EISAID: -EINVAL");
	aml_init(&b, out, sizeof(out));
	aml_name_decl(&b, "_HI");
	CHECK(b.err == -EINVAL, "3-character NameSeg: -EINVAL");
	aml_init(&b, out, sizeof(out));
	aml_name_decl(&b, "0ABC");
	CHECK(b.err == -EINVAL, "NameSeg starting with a digit: -EINVAL");
	aml_init(&b, out, 4);
	aml_string(&b, "LNRO0005");
	aml_integer(&b, 0);
	CHECK(b.err == -ENOSPC && b.len <= 4, "string past the end: -ENOSPC");
	aml_init(&b, out, sizeof(out));
	aml_res_irq_noflags(&b, 16);
	CHECK(b.err == -EINVAL, "IRQNoFlags above 15: -EINVAL");
}

static long file_size(const char *dir, const char *name)
{
	char path[700];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) ? -1 : (long)st.st_size;
}

static void check_dump(void)
{
	struct acpi_config cfg = make_config(2, 2);
	char dir[] = "/tmp/vigil-acpi-XXXXXX";
	const char *names[] = { "rsdp.dat", "xsdt.dat", "facp.dat", "apic.dat",
				"dsdt.dat" };
	char path[700], sub[600];
	unsigned int i, ok = 0;

	if (!CHECK(mkdtemp(dir), "temporary directory"))
		return;
	snprintf(sub, sizeof(sub), "%s/tables", dir);
	CHECK(acpi_dump(&cfg, sub) == 0, "acpi_dump creates %s", sub);
	CHECK(file_size(sub, "rsdp.dat") == 36, "rsdp.dat is 36 bytes");
	CHECK(file_size(sub, "facp.dat") == 276, "facp.dat is 276 bytes");
	CHECK(file_size(sub, "apic.dat") == 44 + 2 * 8 + 12 + 10 + 6,
	      "apic.dat: header, 2 LAPICs, IOAPIC, override, NMI");
	CHECK(acpi_dump(&cfg, sub) == 0, "acpi_dump into an existing dir");
	cfg.nr_cpus = 0;
	CHECK(acpi_dump(&cfg, dir) == -EINVAL, "acpi_dump of a bad config");
	cfg.nr_cpus = 1;
	snprintf(path, sizeof(path), "%s/rsdp.dat/x", sub);
	CHECK(acpi_dump(&cfg, path) < 0, "acpi_dump into a file: error");

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", sub, names[i]);
		ok += unlink(path) == 0;
	}
	CHECK(ok == 5, "all five table files were written");
	rmdir(sub);
	rmdir(dir);
}

int main(void)
{
	check_tables(1, 0, ACPI_TABLES_ADDR);
	check_tables(2, 2, ACPI_TABLES_ADDR);
	check_tables(255, VIRTIO_MMIO_MAX, ACPI_TABLES_ADDR);
	check_tables(4, 3, 0x100000000ull);
	check_enospc();
	check_einval();
	check_pkglength();
	check_aml_data();
	check_dump();
	return tap_done();
}
