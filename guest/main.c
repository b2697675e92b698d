// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigil-test-guest: start.S enters here on the bootstrap processor in long
 * mode, with .bss cleared and a stack. Order matters: the console first
 * (so everything after can report), then the IDT (so a fault is reported
 * rather than a triple fault), then discovery, then the tests.
 */
#include <stdint.h>

#include "cmdline.h"
#include "cpu.h"
#include "idt.h"
#include "io.h"
#include "platform.h"
#include "print.h"
#include "runner.h"
#include "serial.h"
#include "timer.h"
#include "tsc.h"

__attribute__((noreturn)) void guest_main(uint64_t entry, uint64_t boot);

static void print_boot_summary(void)
{
	const struct boot_info *bi = &platform.boot;

	printf("# entry: %s, boot structure at 0x%lx\n", bi->entry_name,
	       bi->structure);
	printf("# cmdline: %s%s\n", cmdline_text(),
	       cmdline_truncated() ? " (truncated)" : "");
	if (bi->problem)
		printf("# boot: %s\n", bi->problem);
	printf("# tsc: %lu kHz (%s), lapic timer: %lu kHz\n", tsc_hz() / 1000,
	       tsc_source(), timer_lapic_hz() / 1000);
}

void guest_main(uint64_t entry, uint64_t boot)
{
	cpu_set_current(&cpus[0]);
	serial_init();
	printf("vigil-test-guest: start\n");
	idt_init();
	idt_load();
	platform_init((unsigned int)entry, boot);
	print_boot_summary();
	irq_enable();
	runner_run();
}
