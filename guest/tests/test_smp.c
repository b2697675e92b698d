// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp: every application processor in the MADT starts with INIT-SIPI-SIPI
 * (smp.c), reaches C in long mode through the trampoline, and runs a
 * function for the BSP: it reports its APIC ID (from its LAPIC and from
 * CPUID), sums memory the BSP wrote, and sends the BSP an IPI. With cpus=N
 * the MADT must list N CPUs; the APs are stopped with INIT afterwards.
 */
#include "cmdline.h"
#include "idt.h"
#include "io.h"
#include "lapic.h"
#include "platform.h"
#include "runner.h"
#include "smp.h"
#include "tests.h"
#include "tsc.h"

#define WORDS 1024
#define CALL_TIMEOUT_US 1000000

struct report {
	uint32_t bsp_apic_id;
	const uint32_t *words;
	uint32_t lapic_id;
	uint32_t cpuid_apic_id;
	unsigned int index;
	uint64_t sum;
	bool ipi_sent;
};

static uint32_t words[WORDS];
static volatile unsigned int ipis;

static void ipi_handler(struct trap_frame *f)
{
	(void)f;
	ipis++;
	lapic_eoi();
}

/* Runs on the AP. */
static void report_in(void *arg)
{
	struct report *r = arg;
	uint32_t regs[4];
	unsigned int i;

	r->index = this_cpu()->index;
	r->lapic_id = lapic_id();
	cpuid(1, 0, regs);
	r->cpuid_apic_id = regs[1] >> 24; /* CPUID.01H:EBX[31:24] */
	for (i = 0; i < WORDS; i++)
		r->sum += r->words[i];
	r->ipi_sent =
		lapic_send_ipi(r->bsp_apic_id, ICR_FIXED | VECTOR_IPI_TEST);
}

static void check_cpu(unsigned int index, uint32_t apic_id,
		      uint64_t expected_sum)
{
	struct report r = { .bsp_apic_id = platform.bsp_apic_id,
			    .words = words };
	uint64_t start = rdtsc();
	unsigned int ipis_before = ipis;
	struct cpu *cpu = smp_start(index, apic_id);
	uint64_t end;

	if (!check(cpu, "CPU %u (APIC ID %u) did not start", index, apic_id))
		return;
	note("CPU %u (APIC ID %u) online after %lu us", index, apic_id,
	     tsc_to_ns(rdtsc() - start) / 1000);
	if (check(smp_call(cpu, report_in, &r, CALL_TIMEOUT_US),
		  "CPU %u did not run the function", index)) {
		check(r.index == index, "CPU %u says it is %u", index, r.index);
		check(r.lapic_id == apic_id, "CPU %u: LAPIC ID %u, MADT %u",
		      index, r.lapic_id, apic_id);
		check(r.cpuid_apic_id == apic_id,
		      "CPU %u: CPUID APIC ID %u, MADT %u", index,
		      r.cpuid_apic_id, apic_id);
		check(r.sum == expected_sum, "CPU %u summed %lu, expected %lu",
		      index, r.sum, expected_sum);
		check(r.ipi_sent, "CPU %u: IPI not delivered", index);
		end = rdtsc() + ns_to_tsc(CALL_TIMEOUT_US * 1000);
		while (ipis == ipis_before && (int64_t)(rdtsc() - end) < 0)
			wait_for_interrupt();
		check(ipis == ipis_before + 1,
		      "CPU %u: %u IPIs reached the BSP", index,
		      ipis - ipis_before);
	}
	smp_stop(cpu);
}

void test_smp(void)
{
	const struct madt_info *m = &platform.madt;
	uint64_t want_cpus = param_u64("cpus", 0), sum = 0;
	unsigned int i, index = 1;

	if (!check(platform.have_madt, "no MADT: no CPUs to start"))
		return;
	if (want_cpus)
		check(m->ncpus == want_cpus, "MADT lists %u CPUs, cpus=%lu",
		      m->ncpus, want_cpus);
	if (m->ncpus < 2) {
		skip("one CPU");
		return;
	}
	for (i = 0; i < WORDS; i++) {
		words[i] = i * 2654435761u;
		sum += words[i];
	}
	irq_set_handler(VECTOR_IPI_TEST, ipi_handler);
	for (i = 0; i < m->ncpus && i < MAX_CPUS; i++) {
		if (m->apic_ids[i] != platform.bsp_apic_id)
			check_cpu(index++, m->apic_ids[i], sum);
	}
	irq_set_handler(VECTOR_IPI_TEST, NULL);
}
