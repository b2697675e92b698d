// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigil's command line. The only place, with the CLI helpers it calls, that
 * decides to exit the process.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/block.h"
#include "lib/cli.h"
#include "lib/log.h"
#include "vmm/acpi.h"
#include "vmm/control.h"
#include "vmm/ctl.h"
#include "vmm/kvm.h"
#include "vmm/machine.h"
#include "vmm/machine_snapshot.h"
#include "vmm/sandbox.h"

/* The options of each device kind go between the two parts. */
static const char usage_head[] =
	"Usage: vigil --kernel PATH [--initrd PATH] [--cmdline STR] [--memory SIZE]\n"
	"             [--cpus N] [--serial MODE] [--drive SPEC]... [--api-socket PATH]\n"
	"             [--rng[=bytes-per-second=N]] [--net SPEC]... [-d LIST]\n"
	"             [-D FILE]\n"
	"       vigil --restore DIR [--drive SPEC]... [--rng[=...]] [--net SPEC]...\n"
	"             [--memory MAX] [--cpus MAX] [--serial MODE]\n"
	"             [--api-socket PATH] [-d LIST] [-D FILE]\n"
	"       vigil ctl SOCKET status|pause|resume|quit|snapshot DIR [--paused]\n"
	"       vigil --check-host\n"
	"       vigil --dump-acpi DIR [--cpus N]\n"
	"\n"
	"Boot a guest kernel (bzImage, or ELF vmlinux with a PVH note).\n"
	"\n"
	"  --kernel PATH          kernel image to boot\n"
	"  --initrd PATH          initial ramdisk\n"
	"  --cmdline STR          kernel command line\n"
	"  --memory SIZE          guest RAM, e.g. 256M or 1G (default 256M;\n"
	"                         a bare number is MiB; 32M to 1T)\n"
	"  --cpus N               number of vCPUs (default 1)\n"
	"  --serial MODE          console: stdio (default), file:PATH, none\n";

static const char usage_tail[] =
	"  --api-socket PATH      serve the control socket at PATH (mode 0600):\n"
	"                         status, pause, resume, snapshot, quit; use\n"
	"                         'vigil ctl PATH COMMAND' (vigil ctl --help).\n"
	"                         vigil opens no file for a snapshot: vigil ctl\n"
	"                         creates them and passes them. The socket file\n"
	"                         stays after exit; the next vigil replaces it\n"
	"  --restore DIR          start the VM saved in DIR by 'snapshot': its\n"
	"                         RAM, vCPUs and device state come from DIR;\n"
	"                         the virtio devices from --drive, --rng and\n"
	"                         --net, in the order they were saved: drives\n"
	"                         of the same kinds, sizes and readonly=, net\n"
	"                         devices with the same mac= and mtu= (any\n"
	"                         backend). A restore without them shows what\n"
	"                         DIR recorded.\n"
	"                         --memory and --cpus cap what DIR may ask for\n"
	"                         (default: the limits of --memory and --cpus)\n"
	"  -d LIST                log guest events: guest_errors, unimp, trace\n"
	"  -D FILE                write those logs to FILE instead of stderr\n"
	"  --no-seccomp           run WITHOUT the seccomp sandbox (debugging\n"
	"                         only: a hijacked vigil could then make any\n"
	"                         system call)\n"
	"  --check-host           report what this host's KVM offers\n"
	"  --dump-acpi DIR        write the ACPI tables vigil would build to DIR\n"
	"  -h, --help             show this help\n"
	"  -V, --version          show the version\n"
	"\n"
	"Console: Ctrl-a x quits, Ctrl-a a sends Ctrl-a.\n"
	"\n"
	"Exit status: 0 guest powered off (or quit on the control socket);\n"
	"2 bad option or input (a refused snapshot too);\n"
	"4 guest reset (ACPI reset, i8042 0xfe, triple fault);\n"
	"6 a vCPU could not continue (e.g. KVM cannot emulate an instruction);\n"
	"(V << 1) | 1 when the guest writes V to the debug-exit port 0xf4;\n"
	"128 + N on signal N (SIGINT, SIGTERM, SIGHUP; Ctrl-a x counts as SIGINT).\n";

enum {
	OPT_KERNEL = 256,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_MEMORY,
	OPT_CPUS,
	OPT_SERIAL,
	OPT_RESTORE,
	OPT_API_SOCKET,
	OPT_CHECK_HOST,
	OPT_DUMP_ACPI,
	OPT_NO_SECCOMP,
	OPT_TEST_SECCOMP_TRIGGER,
	OPT_KIND, /* OPT_KIND + i: the option of virtio_kinds[i] */
};

static const struct option fixed_options[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "serial", required_argument, NULL, OPT_SERIAL },
	{ "restore", required_argument, NULL, OPT_RESTORE },
	{ "api-socket", required_argument, NULL, OPT_API_SOCKET },
	{ "check-host", no_argument, NULL, OPT_CHECK_HOST },
	{ "dump-acpi", required_argument, NULL, OPT_DUMP_ACPI },
	{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
#ifdef VIGIL_TEST_HOOKS
	/* Hidden, test builds only: see sandbox_test_trigger(). */
	{ "test-seccomp-trigger", required_argument, NULL,
	  OPT_TEST_SECCOMP_TRIGGER },
#endif
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};
#define NR_FIXED_OPTIONS (sizeof(fixed_options) / sizeof(fixed_options[0]))
#define MAX_KINDS 8

struct cli {
	struct machine_config cfg;
	const char *restore;	/* --restore DIR */
	const char *api_socket; /* --api-socket PATH */
	const char *boot_opt;	/* an option a snapshot replaces, if given */
	bool mem_given;		/* --memory: with --restore, a cap */
	bool cpus_given;	/* --cpus: with --restore, a cap */
	bool check_host;
	const char *dump_acpi;
	const char *log_file;
	unsigned int log_mask;
	bool no_seccomp;
};

static unsigned int parse_cpus(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > MACHINE_MAX_CPUS)
		cli_usage_error("--cpus %s: expected a number from 1 to %u", s,
				MACHINE_MAX_CPUS);
	if (v == 0)
		cli_usage_error("--cpus 0: a machine needs at least one vCPU");
	return (unsigned int)v;
}

static void parse_serial(const char *s, struct machine_config *cfg)
{
	if (!strcmp(s, "stdio")) {
		cfg->serial = SERIAL_STDIO;
	} else if (!strcmp(s, "none")) {
		cfg->serial = SERIAL_NONE;
	} else if (!strncmp(s, "file:", 5) && s[5]) {
		cfg->serial = SERIAL_FILE;
		cfg->serial_path = s + 5;
	} else {
		cli_usage_error(
			"--serial %s: expected stdio, file:PATH or none", s);
	}
}

#ifdef VIGIL_TEST_HOOKS
static void parse_test_seccomp_trigger(const char *s)
{
	for (int t = 0; t < SANDBOX_NR_THREADS; t++) {
		if (!strcmp(s, sandbox_thread_name((enum sandbox_thread)t))) {
			sandbox_set_test_trigger((enum sandbox_thread)t);
			return;
		}
	}
	cli_usage_error("--test-seccomp-trigger %s: expected main, vcpu or io",
			s);
}
#endif

/* What --restore takes from the snapshot instead. */
static const char *boot_option_name(int opt)
{
	switch (opt) {
	case OPT_KERNEL:
		return "--kernel";
	case OPT_INITRD:
		return "--initrd";
	case OPT_CMDLINE:
		return "--cmdline";
	default:
		return NULL;
	}
}

static void print_usage(void)
{
	fputs(usage_head, stdout);
	for (unsigned int i = 0; virtio_kinds[i]; i++)
		fputs(virtio_kinds[i]->usage, stdout);
	fputs(usage_tail, stdout);
}

/* One more virtio device of kind, in the next slot. */
static void add_device(struct cli *cli, const struct virtio_kind *kind,
		       const char *spec)
{
	if (!spec)
		spec = ""; /* an optional argument left out */
	if (cli->cfg.nr_devices == VIRTIO_MMIO_MAX)
		cli_usage_error("--%s %s: at most %u virtio devices",
				kind->option, spec, VIRTIO_MMIO_MAX);
	cli->cfg.devices[cli->cfg.nr_devices++] =
		(struct machine_device){ .kind = kind, .spec = spec };
}

static void parse_option(struct cli *cli, int opt, const char *arg)
{
	if (!cli->boot_opt)
		cli->boot_opt = boot_option_name(opt);
	switch (opt) {
	case OPT_KERNEL:
		cli->cfg.kernel = arg;
		break;
	case OPT_INITRD:
		cli->cfg.initrd = arg;
		break;
	case OPT_CMDLINE:
		cli->cfg.cmdline = arg;
		break;
	case OPT_MEMORY:
		if (!parse_mem_size(arg, &cli->cfg.mem_size))
			cli_usage_error("--memory %s: expected a size such as "
					"256M or 1G",
					arg);
		cli->mem_given = true;
		break;
	case OPT_CPUS:
		cli->cfg.nr_cpus = parse_cpus(arg);
		cli->cpus_given = true;
		break;
	case OPT_SERIAL:
		parse_serial(arg, &cli->cfg);
		break;
	case OPT_RESTORE:
		cli->restore = arg;
		break;
	case OPT_API_SOCKET:
		cli->api_socket = arg;
		break;
	case OPT_CHECK_HOST:
		cli->check_host = true;
		break;
	case OPT_DUMP_ACPI:
		cli->dump_acpi = arg;
		break;
	case OPT_NO_SECCOMP:
		cli->no_seccomp = true;
		break;
#ifdef VIGIL_TEST_HOOKS
	case OPT_TEST_SECCOMP_TRIGGER:
		parse_test_seccomp_trigger(arg);
		break;
#endif
	case 'd':
		cli_parse_log_mask(arg, &cli->log_mask);
		break;
	case 'D':
		cli->log_file = arg;
		break;
	case 'h':
		print_usage();
		exit(0);
	case 'V':
		puts("vigil " VIGIL_VERSION);
		exit(0);
	default:
		if (opt >= OPT_KIND && opt < OPT_KIND + MAX_KINDS)
			add_device(cli, virtio_kinds[opt - OPT_KIND], arg);
		else
			cli_usage_error("unknown option");
	}
}

/* The fixed options, then one per device kind, then the terminator. */
static void build_long_options(struct option *opts)
{
	unsigned int n = NR_FIXED_OPTIONS;

	memcpy(opts, fixed_options, sizeof(fixed_options));
	for (unsigned int i = 0; i < MAX_KINDS && virtio_kinds[i]; i++)
		opts[n++] = (struct option){ virtio_kinds[i]->option,
					     virtio_kinds[i]->arg_optional ?
						     optional_argument :
						     required_argument,
					     NULL, OPT_KIND + (int)i };
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
}

static void parse_cli(int argc, char **argv, struct cli *cli)
{
	struct option long_options[NR_FIXED_OPTIONS + MAX_KINDS + 1];
	int opt;

	memset(cli, 0, sizeof(*cli));
	cli->cfg.mem_size = 256ull << 20;
	cli->cfg.nr_cpus = 1;
	cli->cfg.serial = SERIAL_STDIO;
	build_long_options(long_options);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hVd:D:", long_options, NULL)) !=
	       -1) {
		if (opt == '?' || opt == ':')
			cli_getopt_error(opt, argv);
		parse_option(cli, opt, optarg);
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
}

/* The tables describe the devices: refuse specs that vigil would refuse. */
static int dump_acpi(const struct cli *cli)
{
	struct acpi_config acpi;
	char err[256];

	for (unsigned int i = 0; i < cli->cfg.nr_devices; i++) {
		const struct machine_device *d = &cli->cfg.devices[i];

		if (d->kind->check_spec(d->spec, err, sizeof(err)) < 0) {
			log_error("%s", err);
			return VIGIL_EXIT_ERROR;
		}
	}
	machine_acpi_config(&cli->cfg, &acpi);
	return acpi_dump(&acpi, cli->dump_acpi) < 0 ? VIGIL_EXIT_ERROR : 0;
}

/* A new machine, or the one a snapshot saved; err says why not. */
static int build_machine(struct machine *m, const struct cli *cli, char *err,
			 size_t errlen)
{
	struct machine_config cfg;
	char why[3072] = "";
	int r;

	if (!cli->restore)
		return machine_create(m, &cli->cfg, err, errlen);
	/* Without --memory and --cpus, the caps are the command line's limits. */
	cfg = cli->cfg;
	if (!cli->mem_given)
		cfg.mem_size = MACHINE_MAX_MEM;
	if (!cli->cpus_given)
		cfg.nr_cpus = MACHINE_MAX_CPUS;
	r = snapshot_restore(m, cli->restore, &cfg, why, sizeof(why));
	if (r < 0)
		snprintf(err, errlen, "--restore %s: %s", cli->restore, why);
	return r;
}

int main(int argc, char **argv)
{
	static struct machine machine;
	struct cli cli;
	char err[3200] = "";
	int status;

	cli_set_program("vigil");
	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return ctl_main(argc - 1, argv + 1);
	parse_cli(argc, argv, &cli);
	if (cli.check_host)
		return kvm_print_host_report();
	if (cli.dump_acpi)
		return dump_acpi(&cli);
	if (cli.restore && cli.boot_opt)
		cli_usage_error("--restore %s: %s comes from the snapshot",
				cli.restore, cli.boot_opt);
	if (!cli.restore && !cli.cfg.kernel)
		cli_usage_error("--kernel is required");
	if (cli.no_seccomp)
		sandbox_disable();
	log_set_mask(cli.log_mask);
	if (cli.log_file && log_set_file(cli.log_file) < 0) {
		log_error("-D %s: %s", cli.log_file, strerror(errno));
		return VIGIL_EXIT_ERROR;
	}
	machine_init(&machine);
	if (build_machine(&machine, &cli, err, sizeof(err)) < 0) {
		log_error("%s", err);
		machine_destroy(&machine);
		return VIGIL_EXIT_ERROR;
	}
	if (cli.api_socket) {
		machine.control = control_open(cli.api_socket, &machine, err,
					       sizeof(err));
		if (!machine.control) {
			log_error("%s", err);
			machine_destroy(&machine);
			return VIGIL_EXIT_ERROR;
		}
	}
	status = machine_run(&machine);
	control_close(machine.control);
	machine.control = NULL;
	machine_destroy(&machine);
	log_close();
	return status;
}
