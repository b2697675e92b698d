// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigil-blkd's command line: open the drive, listen on the socket, enter
 * the sandbox, serve. The only place in vigil-blkd that exits.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "block/block.h"
#include "lib/cli.h"
#include "lib/log.h"
#include "vhost-user/blkd.h"
#include "vhost-user/blkd_sandbox.h"
#include "vhost-user/server.h"
#include "vhost-user/vu_mem.h"
#include "vhost-user/vu_socket.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE CLI_EXIT_USAGE

static const char usage_text[] =
	"Usage: vigil-blkd --socket PATH --drive SPEC [--socket-mode 0600|0660]\n"
	"                  [-d LIST] [-D FILE]\n"
	"\n"
	"Serve one virtio-blk device over vhost-user on a UNIX socket, to one\n"
	"front-end at a time (QEMU, Cloud Hypervisor, Firecracker, Linux UML).\n"
	"\n"
	"  --socket PATH          listen here; a stale socket file is "
	"replaced\n"
	"  --socket-mode MODE     the socket file's mode: 0600 (default; only\n"
	"                         this user may connect) or 0660 (this group\n"
	"                         too); whoever connects reads and writes the\n"
	"                         drive. The umask does not change it.\n"
	"  --drive SPEC           the drive, as vigil's --drive:\n" CLI_DRIVE_SPEC_USAGE
	"  -d LIST                log: guest_errors (the front-end's mistakes),\n"
	"                         trace (connections)\n"
	"  -D FILE                write those logs to FILE instead of stderr\n"
	"  -h, --help             show this help\n"
	"  -V, --version          show the version\n"
	"\n"
	"Runs until killed (SIGTERM, SIGINT). Exit status: 1 a failure while\n"
	"serving; 2 a bad option or input (nothing was served).\n";

enum {
	OPT_SOCKET = 256,
	OPT_DRIVE,
	OPT_SOCKET_MODE,
	OPT_TEST_SECCOMP_TRIGGER,
};

static const struct option long_options[] = {
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "drive", required_argument, NULL, OPT_DRIVE },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
#ifdef VIGIL_TEST_HOOKS
	{ "test-seccomp-trigger", no_argument, NULL, OPT_TEST_SECCOMP_TRIGGER },
#endif
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct cli {
	const char *socket;
	const char *drive;
	mode_t socket_mode;
	const char *log_file;
	unsigned int log_mask;
	bool test_seccomp_trigger;
};

/* Owner and group only: others never reach the disk through the socket. */
static mode_t parse_socket_mode(const char *s)
{
	if (!strcmp(s, "0600") || !strcmp(s, "600"))
		return 0600;
	if (!strcmp(s, "0660") || !strcmp(s, "660"))
		return 0660;
	cli_usage_error("--socket-mode %s: expected 0600 or 0660", s);
}

static void parse_option(struct cli *cli, int opt, const char *arg)
{
	switch (opt) {
	case OPT_SOCKET:
		if (cli->socket)
			cli_usage_error("--socket given twice");
		cli->socket = arg;
		break;
	case OPT_DRIVE:
		if (cli->drive)
			cli_usage_error(
				"--drive given twice: vigil-blkd serves one "
				"drive");
		cli->drive = arg;
		break;
	case OPT_SOCKET_MODE:
		cli->socket_mode = parse_socket_mode(arg);
		break;
	case OPT_TEST_SECCOMP_TRIGGER:
		cli->test_seccomp_trigger = true;
		break;
	case 'd':
		cli_parse_log_mask(arg, &cli->log_mask);
		break;
	case 'D':
		cli->log_file = arg;
		break;
	case 'h':
		fputs(usage_text, stdout);
		exit(0);
	case 'V':
		puts("vigil-blkd " VIGIL_VERSION);
		exit(0);
	default:
		cli_usage_error("unknown option");
	}
}

static void parse_cli(int argc, char **argv, struct cli *cli)
{
	int opt;

	memset(cli, 0, sizeof(*cli));
	cli->socket_mode = 0600;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hVd:D:", long_options, NULL)) !=
	       -1) {
		if (opt == '?' || opt == ':')
			cli_getopt_error(opt, argv);
		parse_option(cli, opt, optarg);
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!cli->socket || !cli->drive)
		cli_usage_error("--socket and --drive are required");
}

/* Test builds: prove the filter kills on a call that is not on the list. */
static void test_seccomp_trigger(void)
{
	int fd;

	log_info("test hook: vigil-blkd calls socket(), which seccomp forbids");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		close(fd);
	log_error("test hook: socket() was not stopped");
	exit(EXIT_RUNTIME);
}

/* Everything that may still open files or sockets, before the sandbox. */
static int setup(const struct cli *cli, struct server *s,
		 struct block_backend **bb, int *listen_fd)
{
	char err[BLOCK_DESC_MAX + 64];
	struct blkd_watch watch;
	int r;

	r = block_open(cli->drive, bb, err, sizeof(err));
	if (r < 0) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	*listen_fd = vu_socket_listen(cli->socket, cli->socket_mode, err,
				      sizeof(err));
	if (*listen_fd < 0) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	r = server_init(s, *listen_fd);
	if (r < 0) {
		log_error("vigil-blkd: event loop: %s", strerror(-r));
		return EXIT_RUNTIME;
	}
	watch = server_watch(s);
	s->dev = blkd_create(*bb, "vigil-blkd", "vigil-blkd", &watch);
	if (!s->dev)
		return EXIT_USAGE;
	/* A front-end that closes its call pipe must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	r = vu_mem_guard_init();
	if (r < 0) {
		log_error("vigil-blkd: SIGBUS guard: %s", strerror(-r));
		return EXIT_RUNTIME;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct block_backend *bb = NULL;
	struct server *s;
	struct cli cli;
	int listen_fd = -1, status, r;

	cli_set_program("vigil-blkd");
	parse_cli(argc, argv, &cli);
	log_set_mask(cli.log_mask);
	if (cli.log_file && (r = log_set_file(cli.log_file)) < 0) {
		log_error("-D %s: %s", cli.log_file, strerror(-r));
		return EXIT_USAGE;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		log_error("vigil-blkd: out of memory");
		return EXIT_RUNTIME;
	}
	s->conn_fd = -1;
	s->el.epoll_fd = -1;
	status = setup(&cli, s, &bb, &listen_fd);
	if (status == 0) {
		r = blkd_sandbox_enter();
		if (r < 0) {
			log_error("vigil-blkd: cannot enter the seccomp "
				  "sandbox: %s",
				  strerror(-r));
			status = EXIT_RUNTIME;
		}
	}
	if (status == 0) {
		if (cli.test_seccomp_trigger)
			test_seccomp_trigger();
		log_info("vigil-blkd: serving %s on %s", bb->desc, cli.socket);
		r = server_run(s);
		log_error("vigil-blkd: event loop: %s", strerror(-r));
		status = EXIT_RUNTIME;
	}
	blkd_destroy(s->dev);
	if (s->el.epoll_fd >= 0)
		server_destroy(s);
	if (listen_fd >= 0)
		close(listen_fd);
	block_close(bb);
	free(s);
	log_close();
	return status;
}
