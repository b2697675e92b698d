/* SPDX-License-Identifier: GPL-2.0-only */
/* The tests; list.c puts them in the table the runner reads. */
#ifndef GUEST_TESTS_H
#define GUEST_TESTS_H

void test_acpi(void);
void test_madt(void);
void test_dsdt(void);
void test_ioapic_irq(void);
void test_lapic_timer(void);
void test_smp(void);
void test_exception(void);
void test_pio_bench(void);
void test_mmio_bench(void);
void test_watchdog(void);
void test_virtio_mmio(void);
void test_blk_probe(void);
void test_blk_rw(void);
void test_blk_irq(void);
void test_blk_bench(void);
void test_blk_verify(void);
void test_blk_flush_hold(void);
void test_blk_ro(void);
void test_blk_zeroes(void);
void test_blk_reset(void);
void test_blk_multi(void);
void test_rng_probe(void);
void test_rng_read(void);
void test_rng_irq(void);
void test_net_probe(void);
void test_net_dhcp(void);
void test_poweroff(void);
void test_reset_acpi(void);
void test_reset_i8042(void);
void test_triple_fault(void);
void test_unemulated(void);
void test_spin(void);
void test_snapshot_workload(void);

#endif
