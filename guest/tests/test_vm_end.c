// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests that end the VM: the host checks how the VMM exits. None is in
 * the default set. Where the VM survives the attempt, the test waits a
 * second and fails, so a VMM that ignores the request is caught in the
 * guest too.
 *
 * poweroff      S5 the hardware-reduced way (ACPI 6.5, 4.8.3.7 and 7.4.2):
 *               SLP_TYPa from the DSDT's \_S5 package, written as
 *               SLP_TYP << 2 | SLP_EN to the FADT's SLEEP_CONTROL_REG.
 * reset_acpi    RESET_VALUE to the FADT's RESET_REG (4.8.3.6), which
 *               Flags.RESET_REG_SUP must announce.
 * reset_i8042   command 0xfe ("pulse output line 0": the CPU reset) to the
 *               8042's command port 0x64.
 * triple_fault  an exception with an empty IDT (limit 0): the #UD cannot
 *               be delivered (#GP), nor can the #DF that follows, which is
 *               a shutdown (SDM Vol. 3A, 6.15 "Interrupt 8 - Double Fault
 *               Exception").
 * unemulated    LOCK CMPXCHG16B on ordinary memory: a CPU runs it, but
 *               KVM's instruction emulator (which a software hypervisor
 *               such as kvm_pvm runs guests through) cannot, and the VMM
 *               must report the vCPU as unable to continue. Where the VM
 *               survives, the instruction's result is checked.
 * spin          holds the VM (halting, or busy with spin=busy) until the
 *               host stops it, for signal tests.
 */
#include "acpi.h"
#include "aml.h"
#include "fadt.h"
#include "hold.h"
#include "io.h"
#include "runner.h"
#include "tests.h"
#include "tsc.h"

#define GRACE_MS 1000
#define I8042_COMMAND_PORT 0x64
#define I8042_PULSE_RESET 0xfe
#define CPUID_1_ECX_CX16 (1u << 13)

/* The VM should be gone by now: give the VMM a second, then fail. */
static void expect_end(const char *what)
{
	udelay(GRACE_MS * 1000ull);
	check(false, "%s: the VM still runs %u ms later", what, GRACE_MS);
}

static bool read_fadt(struct fadt_info *f)
{
	const char *why = fadt_read(f);

	return check(!why, "FADT: %s", why);
}

/* SLP_TYPa of \_S5 (ACPI 6.5, 7.4.2 "\_Sx (System States)"). */
static bool s5_sleep_type(uint64_t *typ)
{
	const struct acpi_header *dsdt = acpi_find("DSDT");
	uint64_t vals[4];
	unsigned int n = 0;
	const char *why;

	if (!check(dsdt, "no DSDT"))
		return false;
	why = aml_find_package((const uint8_t *)(dsdt + 1),
			       dsdt->length - sizeof(*dsdt), "_S5_", vals, 4,
			       &n);
	if (!check(!why && n >= 1, "DSDT \\_S5: %s (%u integers)",
		   why ? why : "empty", n))
		return false;
	*typ = vals[0];
	return check(*typ <= ACPI_SLEEP_TYP_MASK, "\\_S5 SLP_TYPa %lu", *typ);
}

void test_poweroff(void)
{
	struct fadt_info f;
	uint64_t typ;
	const char *why;

	if (!read_fadt(&f) || !s5_sleep_type(&typ))
		return;
	if (!check(f.sleep_control.address,
		   "the FADT has no SLEEP_CONTROL_REG (hardware-reduced %d)",
		   f.hw_reduced))
		return;
	note("S5: SLP_TYP %lu | SLP_EN to %s", typ,
	     gas_describe(&f.sleep_control));
	why = gas_write(&f.sleep_control,
			typ << ACPI_SLEEP_TYP_SHIFT | ACPI_SLEEP_EN);
	if (check(!why, "SLEEP_CONTROL_REG: %s", why))
		expect_end("S5");
}

void test_reset_acpi(void)
{
	struct fadt_info f;
	const char *why;

	if (!read_fadt(&f))
		return;
	if (!check(f.reset_supported && f.reset_reg.address,
		   "FADT: RESET_REG_SUP %d, RESET_REG at 0x%lx",
		   f.reset_supported, f.reset_reg.address))
		return;
	note("reset: 0x%x to %s", f.reset_value, gas_describe(&f.reset_reg));
	why = gas_write(&f.reset_reg, f.reset_value);
	if (check(!why, "RESET_REG: %s", why))
		expect_end("ACPI reset");
}

void test_reset_i8042(void)
{
	outb(I8042_COMMAND_PORT, I8042_PULSE_RESET);
	expect_end("i8042 reset");
}

void test_triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	/* No interrupt may arrive first: it would triple-fault as well, but
	 * the test is about the exception. */
	irq_disable();
	asm volatile("lidt %0; ud2" : : "m"(empty) : "memory");
	__builtin_unreachable();
}

void test_unemulated(void)
{
	static volatile uint64_t target[2]
		__attribute__((aligned(16))) = { 1, 2 };
	uint64_t lo = 1, hi = 2;
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[2] & CPUID_1_ECX_CX16)) {
		skip("no CMPXCHG16B (CPUID.01H:ECX.CX16 clear)");
		return;
	}
	asm volatile("lock cmpxchg16b %0"
		     : "+m"(*target), "+a"(lo), "+d"(hi)
		     : "b"(3ull), "c"(4ull)
		     : "cc", "memory");
	note("CMPXCHG16B ran: a CPU (not an emulator) executed it");
	check(target[0] == 3 && target[1] == 4 && lo == 1 && hi == 2,
	      "CMPXCHG16B: memory 0x%lx 0x%lx, rdx:rax 0x%lx:0x%lx", target[0],
	      target[1], hi, lo);
}

void test_spin(void)
{
	hold_until_stopped("spin: holding until the host stops the VM");
}
