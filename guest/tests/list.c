// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every test the guest knows, in the order a default run takes them:
 * name (for tests=), function, timeout in seconds, and whether it runs
 * when the command line names no tests. README.md describes each one.
 */
#include "runner.h"
#include "tests.h"

const struct test test_table[] = {
	{ "acpi", test_acpi, 10, true },
	{ "madt", test_madt, 10, true },
	{ "dsdt", test_dsdt, 10, true },
	{ "ioapic_irq", test_ioapic_irq, 10, true },
	{ "lapic_timer", test_lapic_timer, 10, true },
	{ "smp", test_smp, 20, true },
	{ "exception", test_exception, 10, true },
	{ "watchdog", test_watchdog, 10, true },
	{ "pio_bench", test_pio_bench, 60, false },
	{ "mmio_bench", test_mmio_bench, 60, false },
	{ "virtio_mmio", test_virtio_mmio, 10, false },
	{ "blk_probe", test_blk_probe, 10, false },
	{ "blk_rw", test_blk_rw, 30, false },
	{ "blk_irq", test_blk_irq, 30, false },
	{ "blk_bench", test_blk_bench, 60, false },
	{ "blk_verify", test_blk_verify, 30, false },
	{ "blk_flush_hold", test_blk_flush_hold, 60, false },
	{ "blk_ro", test_blk_ro, 10, false },
	{ "blk_zeroes", test_blk_zeroes, 10, false },
	{ "blk_reset", test_blk_reset, 30, false },
	{ "blk_multi", test_blk_multi, 30, false },
	{ "rng_probe", test_rng_probe, 10, false },
	{ "rng_read", test_rng_read, 30, false },
	{ "rng_irq", test_rng_irq, 30, false },
	{ "net_probe", test_net_probe, 10, false },
	{ "net_dhcp", test_net_dhcp, 30, false },
	{ "poweroff", test_poweroff, 10, false },
	{ "reset_acpi", test_reset_acpi, 10, false },
	{ "reset_i8042", test_reset_i8042, 10, false },
	{ "triple_fault", test_triple_fault, 10, false },
	{ "unemulated", test_unemulated, 10, false },
	{ "spin", test_spin, 600, false },
	{ "snapshot_workload", test_snapshot_workload, 300, false },
};

const unsigned int test_table_size = sizeof(test_table) / sizeof(test_table[0]);
