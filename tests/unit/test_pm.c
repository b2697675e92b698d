// SPDX-License-Identifier: GPL-2.0-only
/*
 * The power-management ports, driven through a real PIO bus as a vCPU
 * would, with a handler that records the events.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/pm.h"
#include "lib/layout.h"
#include "lib/log.h"
#include "tests/support/tap.h"

struct recorder {
	unsigned int count;
	enum pm_event ev;
	unsigned int status;
};

static void record(void *opaque, enum pm_event ev, unsigned int status)
{
	struct recorder *rec = opaque;

	rec->count++;
	rec->ev = ev;
	rec->status = status;
}

static struct bus pio;
static struct recorder rec;

static void out(uint16_t port, unsigned int size, uint32_t val)
{
	bus_write(&pio, port, &val, size);
}

static uint32_t in(uint16_t port, unsigned int size)
{
	uint32_t val = 0;

	bus_read(&pio, port, &val, size);
	return val;
}

/* Exactly one event since the last call, of this kind and status. */
static bool fired(enum pm_event ev, unsigned int status)
{
	bool ok = rec.count == 1 && rec.ev == ev && rec.status == status;

	memset(&rec, 0, sizeof(rec));
	return ok;
}

static bool quiet(void)
{
	bool ok = rec.count == 0;

	memset(&rec, 0, sizeof(rec));
	return ok;
}

static uint8_t sleep_value(unsigned int typ, bool enable)
{
	return (uint8_t)((typ << 2) | (enable ? 1u << 5 : 0));
}

static void test_acpi(void)
{
	out(ACPI_SLEEP_CONTROL_PORT, 1, sleep_value(ACPI_S5_SLP_TYP, true));
	CHECK(fired(PM_POWEROFF, 0), "SLP_EN with SLP_TYP S5 powers off");
	out(ACPI_SLEEP_CONTROL_PORT, 1, sleep_value(ACPI_S5_SLP_TYP, false));
	CHECK(quiet(), "SLP_TYP S5 without SLP_EN is ignored");
	for (unsigned int typ = 0; typ < 8; typ++)
		if (typ != ACPI_S5_SLP_TYP)
			out(ACPI_SLEEP_CONTROL_PORT, 1, sleep_value(typ, true));
	CHECK(quiet(), "other sleep types are ignored");
	out(ACPI_SLEEP_CONTROL_PORT, 2, sleep_value(ACPI_S5_SLP_TYP, true));
	CHECK(quiet(), "a 2-byte sleep control write is ignored");
	out(ACPI_SLEEP_CONTROL_PORT, 1,
	    sleep_value(ACPI_S5_SLP_TYP, true) | 0xc3);
	CHECK(fired(PM_POWEROFF, 0), "reserved bits do not hide S5");
	CHECK(in(ACPI_SLEEP_STATUS_PORT, 1) == 0, "sleep status reads 0");
	out(ACPI_SLEEP_STATUS_PORT, 1, 0xff);
	CHECK(quiet() && in(ACPI_SLEEP_STATUS_PORT, 1) == 0,
	      "sleep status writes are ignored");
	out(ACPI_RESET_PORT, 1, ACPI_RESET_VALUE);
	CHECK(fired(PM_RESET, 0), "the reset value resets");
	out(ACPI_RESET_PORT, 1, ACPI_RESET_VALUE + 1);
	out(ACPI_RESET_PORT, 1, 0);
	CHECK(quiet(), "other reset register values are ignored");
	out(ACPI_RESET_PORT - 1, 2, ACPI_RESET_VALUE << 8);
	CHECK(quiet(), "a 2-byte write reaching the reset register is ignored");
}

static void test_i8042(void)
{
	out(I8042_COMMAND_PORT, 1, 0xfe);
	CHECK(fired(PM_RESET, 0), "i8042 command 0xfe resets");
	out(I8042_COMMAND_PORT, 1, 0xaa);
	out(I8042_COMMAND_PORT, 1, 0x20);
	out(I8042_DATA_PORT, 1, 0xfe);
	CHECK(quiet(), "other commands and data writes are ignored");
	CHECK(in(I8042_COMMAND_PORT, 1) == 0,
	      "status: no data waiting, ready for a command");
	CHECK(in(I8042_DATA_PORT, 1) == 0, "data port reads 0");
}

static void test_debug_exit(void)
{
	out(DEBUG_EXIT_PORT, 1, 0);
	CHECK(fired(PM_DEBUG_EXIT, 1), "outb 0 exits with 1");
	out(DEBUG_EXIT_PORT, 1, 0x10);
	CHECK(fired(PM_DEBUG_EXIT, 0x21), "outb 0x10 exits with 0x21");
	out(DEBUG_EXIT_PORT, 4, 0x7f);
	CHECK(fired(PM_DEBUG_EXIT, 0xff), "outl 0x7f exits with 255");
	out(DEBUG_EXIT_PORT, 1, 0x80);
	CHECK(fired(PM_DEBUG_EXIT, 1), "outb 0x80 wraps to 1 as exit() would");
	out(DEBUG_EXIT_PORT, 2, 0x1234);
	CHECK(fired(PM_DEBUG_EXIT, 0x69), "outw 0x1234 exits with 0x69");
	out(DEBUG_EXIT_PORT, 4, 0xffffffffu);
	CHECK(fired(PM_DEBUG_EXIT, 0xff), "outl 0xffffffff exits with 255");
	out(DEBUG_EXIT_PORT + 1, 1, 0);
	out(DEBUG_EXIT_PORT + 2, 2, 0);
	CHECK(quiet(), "writes past the first port are ignored");
	CHECK(in(DEBUG_EXIT_PORT, 4) == 0, "debug-exit reads 0");
}

static void test_setup(void)
{
	struct pm_handler no_cb = { NULL, NULL };
	struct pm other;

	CHECK(pm_init(&other, &no_cb) == -EINVAL, "handler without callback");
	CHECK(pm_init(&other, NULL) == -EINVAL, "no handler");
	CHECK(pio.nr_windows == 4, "four windows registered");
	CHECK(pm_init(&other, &(struct pm_handler){ record, &rec }) == 0 &&
		      pm_register(&other, &pio) == -EINVAL,
	      "registering twice fails on overlap");
}

/* Bad widths and offsets leave a guest_errors line. */
static void test_logged(void)
{
	char path[] = "/tmp/vigil-test-pm-XXXXXX";
	char text[1024] = "";
	int fd = mkstemp(path);
	ssize_t n;

	CHECK(fd >= 0 && log_set_file(path) == 0, "log to a file");
	log_set_mask(LOG_GUEST_ERROR);
	out(ACPI_SLEEP_CONTROL_PORT, 2, 0);
	out(DEBUG_EXIT_PORT + 3, 1, 0);
	CHECK(in(DEBUG_EXIT_PORT + 2, 2) == 0, "odd debug-exit read is 0");
	log_set_mask(0);
	log_close();
	n = fd >= 0 ? pread(fd, text, sizeof(text) - 1, 0) : -1;
	if (n > 0)
		text[n] = '\0';
	CHECK(quiet(), "no event from bad accesses");
	CHECK(strstr(text, "acpi: 2-byte write at offset 0x0 ignored"),
	      "ACPI bad width logged");
	CHECK(strstr(text, "debug-exit: 1-byte write at offset 0x3 ignored"),
	      "debug-exit bad offset logged");
	CHECK(strstr(text, "debug-exit: 2-byte read at offset 0x2 ignored"),
	      "debug-exit bad read logged");
	if (fd >= 0)
		close(fd);
	unlink(path);
}

int main(void)
{
	static struct pm pm;
	const struct pm_handler h = { record, &rec };

	bus_init(&pio, "pio");
	if (pm_init(&pm, &h) || pm_register(&pm, &pio)) {
		fprintf(stderr, "pm setup failed\n");
		return 1;
	}
	test_setup();
	test_acpi();
	test_i8042();
	test_debug_exit();
	test_logged();
	return tap_done();
}
