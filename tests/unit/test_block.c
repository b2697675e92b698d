// SPDX-License-Identifier: GPL-2.0-only
/*
 * The block layer: --drive spec parsing, the raw backend on real files (in
 * a temporary directory under $TMPDIR or /var/tmp) and null-co.
 */
#include "block/block.h"

#include "tests/support/tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[512];

static bool parse_ok(const char *spec, struct block_spec *s)
{
	char err[256];
	int r = block_spec_parse(spec, s, err, sizeof(err));

	if (r)
		printf("# %s: %s\n", spec, err);
	return r == 0;
}

static void test_parse_valid(void)
{
	struct block_spec s;
	char desc[BLOCK_DESC_MAX];

	CHECK(parse_ok("file=disk.img", &s) && s.driver == BLOCK_DRIVER_RAW &&
		      !strcmp(s.file, "disk.img") && !s.readonly && !s.direct,
	      "file= alone is a raw read-write drive");
	CHECK(parse_ok("driver=raw,file=a,,b,,,readonly=on,direct=on", &s) &&
		      !strcmp(s.file, "a,b,") && s.readonly && s.direct,
	      "',,' is a literal comma; readonly and direct on");
	CHECK(parse_ok("file=x,readonly=off,direct=off", &s) && !s.readonly &&
		      !s.direct,
	      "readonly=off, direct=off");
	CHECK(parse_ok("driver=null-co,size=1G", &s) &&
		      s.driver == BLOCK_DRIVER_NULL_CO &&
		      s.size == 1ull << 30 && s.read_zeroes &&
		      s.latency_ns == 0 && !s.readonly,
	      "null-co defaults: read-zeroes=on, latency-ns=0");
	CHECK(parse_ok("size=512,driver=null-co,read-zeroes=off,latency-ns=7,"
		       "readonly=on",
		       &s) &&
		      s.size == 512 && !s.read_zeroes && s.latency_ns == 7 &&
		      s.readonly,
	      "null-co with every key, in any order");
	CHECK(parse_ok("driver=null-co,size=4k", &s) && s.size == 4096,
	      "size suffix k");
	CHECK(parse_ok("driver=null-co,size=3M", &s) && s.size == 3ull << 20,
	      "size suffix M");
	CHECK(parse_ok("driver=null-co,size=2T", &s) && s.size == 2ull << 40,
	      "size suffix T");
	CHECK(parse_ok("driver=null-co,size=8388607T", &s) &&
		      s.size == 8388607ull << 40,
	      "largest T size below 2^63");
	CHECK(parse_ok("driver=null-co,size=1G,latency-ns=10000000000", &s) &&
		      s.latency_ns == BLOCK_LATENCY_NS_MAX,
	      "latency-ns=10 s is the limit");

	parse_ok("driver=null-co,size=1G", &s);
	CHECK(!block_spec_format(&s, desc, sizeof(desc)) &&
		      !strcmp(desc, "driver=null-co,size=1073741824,"
				    "read-zeroes=on,latency-ns=0,readonly=off"),
	      "null-co desc: %s", desc);
	parse_ok("file=a,,b,readonly=on", &s);
	CHECK(!block_spec_format(&s, desc, sizeof(desc)) &&
		      !strcmp(desc, "driver=raw,file=a,,b,readonly=on,"
				    "direct=off"),
	      "raw desc escapes commas: %s", desc);
	CHECK(block_spec_format(&s, desc, 20) == -ENAMETOOLONG,
	      "format into a short buffer fails");
}

static const struct {
	const char *spec;
	const char *needle; /* the error must name this */
} bad_specs[] = {
	{ "", "empty spec" },
	{ "sise=1G,driver=null-co", "'sise'" },
	{ "file=a,file=b", "duplicate key 'file'" },
	{ "file=x,readonly=on,readonly=on", "duplicate key 'readonly'" },
	{ "file=", "empty value for 'file'" },
	{ "driver=null-co,size=", "empty value for 'size'" },
	{ "driver=null-co,size=1G,latency-ns=", "'latency-ns'" },
	{ "driver=qcow2,file=x", "driver=qcow2" },
	{ "driver=null-co,size=1X", "size=1X" },
	{ "driver=null-co,size=1KB", "size=1KB" },
	{ "driver=null-co,size=1000", "size=1000: not a multiple of 512" },
	{ "driver=null-co,size=0", "size=0" },
	{ "driver=null-co,size=0K", "size=0K" },
	{ "driver=null-co,size=-512", "size=-512" },
	{ "driver=null-co,size=+512", "size=+512" },
	{ "driver=null-co,size= 512", "size= 512" },
	{ "driver=null-co,size=512 ", "size=512 " },
	{ "driver=null-co,size=0x200", "size=0x200" },
	{ "driver=null-co,size=99999999999999999999", "too large" },
	{ "driver=null-co,size=18446744073709551104", "too large" },
	{ "driver=null-co,size=16777216T", "size=16777216T: too large" },
	{ "driver=null-co,size=8388608T", "size=8388608T: too large" },
	{ "driver=null-co,size=1G,read-zeroes=yes", "read-zeroes=yes" },
	{ "driver=null-co,size=1G,latency-ns=10000000001", "latency-ns=1000" },
	{ "driver=null-co,size=1G,latency-ns=1ms", "latency-ns=1ms" },
	{ "driver=null-co,size=1G,latency-ns=-1", "latency-ns=-1" },
	{ "driver=null-co,size=1G,file=x", "file= is not valid" },
	{ "driver=null-co,size=1G,direct=on", "direct= is not valid" },
	{ "file=x,size=1G", "size= is not valid for driver=raw" },
	{ "file=x,read-zeroes=on", "read-zeroes= is not valid" },
	{ "file=x,latency-ns=5", "latency-ns= is not valid" },
	{ "driver=null-co", "needs size=" },
	{ "driver=raw", "needs file=" },
	{ "readonly=on", "needs file=" },
	{ "file=x,readonly", "'readonly' is not key=value" },
	{ "file=x,direct=1", "direct=1" },
	{ "file=x,readonly=ON", "readonly=ON" },
	{ "file=x,", "empty option" },
	{ ",file=x", "empty option" },
	{ ",,file=x", "empty option" },
	{ "file=x,readonly=on,,", "readonly=on,: expected on or off" },
	{ "=x", "empty key" },
};

static void test_parse_invalid(void)
{
	struct block_spec s;
	char err[512];

	for (size_t i = 0; i < sizeof(bad_specs) / sizeof(*bad_specs); i++) {
		int r = block_spec_parse(bad_specs[i].spec, &s, err,
					 sizeof(err));

		CHECK(r == -EINVAL && strstr(err, bad_specs[i].needle),
		      "reject '%s': %s", bad_specs[i].spec, err);
	}
	CHECK(parse_ok("file=x,,", &s) && !strcmp(s.file, "x,"),
	      "a trailing ',,' belongs to the value");
	CHECK(parse_ok("file=x,,,,readonly=on", &s) &&
		      !strcmp(s.file, "x,,readonly=on") && !s.readonly,
	      "',,,,' is two commas inside the value");
	CHECK(block_spec_parse("sise=1", &s, NULL, 0) == -EINVAL,
	      "errors without an error buffer");
}

static void test_parse_long_file(void)
{
	char *spec = malloc(PATH_MAX + 16);
	struct block_spec s;
	char err[256];

	strcpy(spec, "file=");
	memset(spec + 5, 'a', PATH_MAX);
	spec[5 + PATH_MAX] = '\0';
	CHECK(block_spec_parse(spec, &s, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "'file' too long"),
	      "file name of PATH_MAX bytes: %s", err);
	spec[5 + PATH_MAX - 1] = '\0';
	CHECK(parse_ok(spec, &s) && strlen(s.file) == PATH_MAX - 1,
	      "file name of PATH_MAX - 1 bytes");
	free(spec);
}

static void make_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* A file of len bytes, byte i = pattern(i). */
static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 9));
}

static void make_file(const char *path, size_t len)
{
	uint8_t *buf = malloc(len);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(i);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		printf("# cannot create %s\n", path);
	close(fd);
	free(buf);
}

/* Open "file=PATH" followed by opts. */
static struct block_backend *open_ok(const char *path, const char *opts)
{
	struct block_backend *bb;
	char spec[PATH_MAX + 64];
	char err[512];

	snprintf(spec, sizeof(spec), "file=%s%s", path, opts);
	if (block_open(spec, &bb, err, sizeof(err))) {
		printf("# %s: %s\n", spec, err);
		return NULL;
	}
	return bb;
}

static int open_err(const char *path, const char *opts, char *err,
		    size_t errlen)
{
	struct block_backend *bb = (struct block_backend *)1;
	char spec[PATH_MAX + 64];
	int r;

	snprintf(spec, sizeof(spec), "file=%s%s", path, opts);
	r = block_open(spec, &bb, err, errlen);
	if (!bb)
		return r;
	block_close(bb);
	return 0;
}

static bool file_matches(const char *path, uint64_t off, const void *want,
			 size_t len)
{
	uint8_t *buf = malloc(len);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && pread(fd, buf, len, (off_t)off) == (ssize_t)len &&
		  !memcmp(buf, want, len);

	close(fd);
	free(buf);
	return ok;
}

static void test_raw_round_trip(void)
{
	char path[PATH_MAX];
	uint8_t w[2048], rd[2048 + 1];
	struct iovec wv[3] = { { w, 100 },
			       { w + 100, 1000 },
			       { w + 1100, 948 } };
	struct iovec rv[5] = { { rd, 1 },
			       { rd + 1, 0 },
			       { rd + 1, 511 },
			       { rd + 512, 1 },
			       { rd + 513, 1535 } };
	struct block_backend *bb;

	make_path(path, sizeof(path), "rt.img");
	make_file(path, 8192 + 100);
	bb = open_ok(path, "");
	if (!CHECK(bb, "open a raw file"))
		return;
	CHECK(bb->size == 8192, "size rounded down to 512: %llu",
	      (unsigned long long)bb->size);
	CHECK(!bb->readonly, "read-write by default");
	CHECK(bb->desc[0] && strstr(bb->desc, "driver=raw,file=/") &&
		      strstr(bb->desc, "rt.img,readonly=off,direct=off"),
	      "desc with an absolute path: %s", bb->desc);
	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(0xff - i);
	CHECK(block_pwritev(bb, wv, 3, 1024) == 0, "write 3 iovecs at 1024");
	CHECK(file_matches(path, 1024, w, sizeof(w)),
	      "the bytes reached the file at offset 1024");
	memset(rd, 0xaa, sizeof(rd));
	CHECK(block_preadv(bb, rv, 5, 1024) == 0 && !memcmp(rd, w, sizeof(w)) &&
		      rd[2048] == 0xaa,
	      "read back through 5 different iovecs, one empty");
	CHECK(block_preadv(bb, rv, 3, 512) == 0 && rd[0] == pattern(512) &&
		      rd[511] == pattern(1023),
	      "read of untouched bytes at 512");
	CHECK(block_preadv(bb, rv, 0, 8192) == 0, "empty read at the end");
	CHECK(block_preadv(bb, rv, 3, 8192 - 256) == -EINVAL,
	      "read across the end of the drive fails");
	CHECK(block_pwritev(bb, wv, 1, UINT64_MAX - 50) == -EINVAL,
	      "offset + length overflow fails");
	CHECK(block_preadv(bb, rv, -1, 0) == -EINVAL, "negative iovcnt fails");
	CHECK(block_flush(bb) == 0, "flush (fdatasync)");
	block_close(bb);
	block_close(NULL);
}

static void test_raw_reopen_from_desc(void)
{
	char path[PATH_MAX], err[512];
	struct block_backend *bb, *bb2 = NULL;

	make_path(path, sizeof(path), "re,open.img");
	make_file(path, 4096);
	bb = open_ok(path, ",readonly=on");
	if (!CHECK(bb == NULL, "a ',' in file= must be written ',,'"))
		block_close(bb);
	make_path(path, sizeof(path), "re,,open.img");
	bb = open_ok(path, ",readonly=on");
	if (!CHECK(bb, "open 're,open.img' as 're,,open.img'"))
		return;
	CHECK(block_open(bb->desc, &bb2, err, sizeof(err)) == 0 &&
		      bb2->size == bb->size && bb2->readonly &&
		      !strcmp(bb2->desc, bb->desc),
	      "desc reopens the same drive: %s", bb->desc);
	block_close(bb2);
	block_close(bb);
}

/* The file shrinks after open: the missing bytes read as zeroes. */
static void test_raw_short_file(void)
{
	char path[PATH_MAX];
	uint8_t buf[8192];
	struct iovec v[2] = { { buf, 700 }, { buf + 700, 8192 - 700 } };
	struct block_backend *bb;
	bool zero = true;

	make_path(path, sizeof(path), "short.img");
	make_file(path, 8192);
	bb = open_ok(path, "");
	if (!CHECK(bb, "open a raw file"))
		return;
	CHECK(truncate(path, 1000) == 0, "shrink the file to 1000 bytes");
	memset(buf, 0xaa, sizeof(buf));
	CHECK(block_preadv(bb, v, 2, 0) == 0, "read past the new end");
	for (size_t i = 1000; i < sizeof(buf); i++)
		zero &= buf[i] == 0;
	CHECK(buf[0] == pattern(0) && buf[999] == pattern(999) && zero,
	      "data up to 1000, zeroes after");
	CHECK(truncate(path, 1ull << 20) == 0, "extend the file (sparse)");
	memset(buf, 0xaa, sizeof(buf));
	CHECK(block_preadv(bb, v, 2, 0) == 0 && buf[1000] == 0 &&
		      buf[8191] == 0,
	      "sparse part reads as zeroes");
	CHECK(bb->size == 8192, "the drive keeps its size");
	block_close(bb);
}

/*
 * A file size limit makes the kernel cut a write short, part-way through an
 * iovec: the loop must carry on from the right byte and then report EFBIG.
 */
static void test_raw_short_write(void)
{
	const uint64_t limit = 4196, off = 1024;
	char path[PATH_MAX];
	uint8_t w[8192];
	struct iovec v[3] = { { w, 100 },
			      { w + 100, 3000 },
			      { w + 3100, 5092 } };
	struct block_backend *bb;
	int status = 0;
	pid_t pid;

	make_path(path, sizeof(path), "fsize.img");
	make_file(path, 16384);
	bb = open_ok(path, "");
	if (!CHECK(bb, "open"))
		return;
	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)~pattern(i);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { limit, limit };

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl))
			_exit(100);
		_exit(-block_pwritev(bb, v, 3, off));
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EFBIG,
	      "write cut short by RLIMIT_FSIZE fails with EFBIG (%d)",
	      WEXITSTATUS(status));
	CHECK(file_matches(path, off, w, limit - off),
	      "the bytes before the limit were written in order");
	CHECK(file_matches(path, limit, (uint8_t[]){ pattern(limit) }, 1),
	      "the bytes after the limit were not");
	block_close(bb);
}

static void test_raw_readonly(void)
{
	char path[PATH_MAX];
	uint8_t buf[512] = { 0 };
	struct iovec v = { buf, sizeof(buf) };
	struct block_backend *bb;

	make_path(path, sizeof(path), "ro.img");
	make_file(path, 4096);
	bb = open_ok(path, ",readonly=on");
	if (!CHECK(bb, "open readonly=on"))
		return;
	CHECK(bb->readonly, "backend is read-only");
	CHECK(block_pwritev(bb, &v, 1, 0) == -EROFS, "write fails with EROFS");
	CHECK(block_preadv(bb, &v, 1, 512) == 0 && buf[0] == pattern(512),
	      "read works");
	CHECK(file_matches(path, 0, (uint8_t[]){ pattern(0) }, 1),
	      "file unchanged");
	CHECK(block_flush(bb) == 0, "flush of a read-only drive");
	block_close(bb);
}

/* Drop the capabilities that let root write any file (in a child). */
static bool drop_dac_override(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3,
						0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	data[0].effective &= ~(1u << CAP_DAC_OVERRIDE);
	data[0].effective &= ~(1u << CAP_DAC_READ_SEARCH);
	data[0].effective &= ~(1u << CAP_FOWNER);
	return syscall(SYS_capset, &hdr, data) == 0;
}

/* In a child without DAC override, open spec; the parent gets the error. */
static int open_without_override(const char *path, const char *opts, char *err,
				 size_t errlen)
{
	int pfd[2], status = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return -999;
	pid = fork();
	if (pid == 0) {
		int r = drop_dac_override() ?
				open_err(path, opts, err, errlen) :
				-998;

		if (write(pfd[1], err, errlen) != (ssize_t)errlen)
			_exit(255);
		_exit(-r);
	}
	close(pfd[1]);
	n = read(pfd[0], err, errlen);
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (n != (ssize_t)errlen || !WIFEXITED(status))
		return -999;
	err[errlen - 1] = '\0';
	return -WEXITSTATUS(status);
}

static void test_raw_permission(void)
{
	char path[PATH_MAX], err[512] = "";
	int r;

	make_path(path, sizeof(path), "perm.img");
	make_file(path, 4096);
	chmod(path, 0444);
	r = open_without_override(path, "", err, sizeof(err));
	if (r == -998) {
		tap_skip("0444 file without readonly=on", "capset failed");
		return;
	}
	CHECK(r == -EACCES && strstr(err, "perm.img: Permission denied") &&
		      strstr(err, "use readonly=on"),
	      "0444 file without readonly=on: %s", err);
	r = open_without_override(path, ",readonly=on", err, sizeof(err));
	CHECK(r == 0, "0444 file with readonly=on opens");
	chmod(path, 0000);
	r = open_without_override(path, ",readonly=on", err, sizeof(err));
	CHECK(r == -EACCES && strstr(err, "Permission denied") &&
		      !strstr(err, "readonly=on"),
	      "unreadable file: no readonly hint: %s", err);
}

static void test_raw_bad_files(void)
{
	char path[PATH_MAX], err[512] = "";
	struct block_backend *bb = (struct block_backend *)1;
	int r;

	make_path(path, sizeof(path), "missing.img");
	r = open_err(path, "", err, sizeof(err));
	CHECK(r == -ENOENT && strstr(err, "missing.img: No such file"),
	      "missing file: %s", err);
	CHECK(block_open("file=/nonexistent/x", &bb, err, sizeof(err)) &&
		      bb == NULL,
	      "failed open leaves *out NULL");
	r = open_err(tmpdir, ",readonly=on", err, sizeof(err));
	CHECK(r == -EINVAL && strstr(err, "not a regular file or block device"),
	      "directory: %s", err);
	r = open_err("/dev/null", "", err, sizeof(err));
	CHECK(r == -EINVAL && strstr(err, "/dev/null: not a regular file"),
	      "character device: %s", err);
	make_path(path, sizeof(path), "fifo");
	mkfifo(path, 0600);
	r = open_err(path, ",readonly=on", err, sizeof(err));
	CHECK(r == -EINVAL && strstr(err, "not a regular file"),
	      "a FIFO fails without hanging: %s", err);
	make_path(path, sizeof(path), "tiny.img");
	make_file(path, 100);
	r = open_err(path, "", err, sizeof(err));
	CHECK(r == -EINVAL && strstr(err, "size 100 is less than one"),
	      "file under 512 bytes: %s", err);
}

/* Open file=path,direct=on; NULL (and a skip) where O_DIRECT is missing. */
static struct block_backend *open_direct(const char *path)
{
	struct block_backend *bb;
	char spec[PATH_MAX + 64], err[PATH_MAX + 128];
	int r;

	snprintf(spec, sizeof(spec), "file=%s,direct=on", path);
	r = block_open(spec, &bb, err, sizeof(err));
	if (r && strstr(err, "O_DIRECT not supported"))
		tap_skip("direct=on", "no O_DIRECT in $TMPDIR");
	else
		CHECK(r == 0, "open with direct=on: %s", r ? err : "ok");
	return bb;
}

static void test_raw_direct(void)
{
	char path[PATH_MAX];
	size_t len = 3u << 20;
	uint8_t *w, *rd, *al;
	struct block_backend *bb;
	struct iovec v[2];

	make_path(path, sizeof(path), "direct.img");
	make_file(path, 4u << 20);
	bb = open_direct(path);
	if (!bb)
		return;
	w = malloc(len + 1);
	rd = malloc(len + 1);
	CHECK(strstr(bb->desc, "direct=on"), "desc says direct=on");
	for (size_t i = 0; i <= len; i++)
		w[i] = (uint8_t)(i * 13 + 5);
	/* Odd buffer addresses, odd lengths, unaligned offset, > 1 MiB. */
	v[0] = (struct iovec){ w + 1, 1000 };
	v[1] = (struct iovec){ w + 1001, len - 1001 };
	CHECK(block_pwritev(bb, v, 2, 100) == 0,
	      "unaligned 3 MiB write at 100 goes through the bounce buffer");
	CHECK(file_matches(path, 100, w + 1, len - 1),
	      "the bytes reached the file");
	CHECK(file_matches(path, 0, (uint8_t[]){ pattern(0) }, 1) &&
		      file_matches(path, 99, (uint8_t[]){ pattern(99), w[1] },
				   2) &&
		      file_matches(path, 100 + len - 1,
				   (uint8_t[]){ pattern(100 + len - 1) }, 1),
	      "bytes around the write are untouched");
	v[0] = (struct iovec){ rd + 1, 3 };
	v[1] = (struct iovec){ rd + 4, len - 4 };
	CHECK(block_preadv(bb, v, 2, 100) == 0 &&
		      !memcmp(rd + 1, w + 1, len - 1),
	      "unaligned read back");
	if (posix_memalign((void **)&al, 4096, 8192) == 0) {
		v[0] = (struct iovec){ al, 4096 };
		v[1] = (struct iovec){ al + 4096, 4096 };
		memset(al, 0x5c, 8192);
		CHECK(block_pwritev(bb, v, 2, 8192) == 0 &&
			      file_matches(path, 8192 + 8191,
					   (uint8_t[]){ 0x5c }, 1),
		      "aligned write goes straight to the file");
		memset(al, 0, 8192);
		CHECK(block_preadv(bb, v, 2, 8192) == 0 && al[0] == 0x5c &&
			      al[8191] == 0x5c,
		      "aligned read");
		free(al);
	}
	CHECK(block_flush(bb) == 0, "flush");
	block_close(bb);
	free(w);
	free(rd);
}

struct writer {
	struct block_backend *bb;
	uint64_t off;
	uint8_t fill;
	int errors;
};

static void *writer_main(void *opaque)
{
	struct writer *wr = opaque;
	uint8_t buf[4096], back[4096];
	struct iovec w = { buf, sizeof(buf) }, r = { back, sizeof(back) };

	memset(buf, wr->fill, sizeof(buf));
	for (int i = 0; i < 500; i++) {
		buf[0] = (uint8_t)i;
		if (block_pwritev(wr->bb, &w, 1, wr->off) ||
		    block_preadv(wr->bb, &r, 1, wr->off) ||
		    memcmp(buf, back, sizeof(buf)))
			wr->errors++;
	}
	return NULL;
}

/* Two threads on one backend: positional I/O, no shared file offset. */
static void test_raw_threads(void)
{
	char path[PATH_MAX];
	struct writer wr[2];
	pthread_t t[2];
	struct block_backend *bb;

	make_path(path, sizeof(path), "threads.img");
	make_file(path, 16384);
	bb = open_ok(path, "");
	if (!CHECK(bb, "open"))
		return;
	for (int i = 0; i < 2; i++) {
		wr[i] = (struct writer){ bb, (uint64_t)i * 8192,
					 (uint8_t)(0x30 + i), 0 };
		pthread_create(&t[i], NULL, writer_main, &wr[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(wr[0].errors == 0 && wr[1].errors == 0,
	      "concurrent write+read from two threads");
	block_close(bb);
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void test_null_co(void)
{
	uint8_t buf[4096];
	struct iovec v[2] = { { buf, 1000 }, { buf + 1000, 3096 } };
	struct block_backend *bb;
	char err[256];

	CHECK(block_open("driver=null-co,size=1T", &bb, err, sizeof(err)) == 0,
	      "open null-co 1T");
	CHECK(bb->size == 1ull << 40 && !bb->readonly, "size 1T, writable");
	memset(buf, 0xaa, sizeof(buf));
	CHECK(block_preadv(bb, v, 2, (1ull << 40) - 4096) == 0 &&
		      all_bytes(buf, sizeof(buf), 0),
	      "read-zeroes=on (default): reads return zeroes");
	memset(buf, 0xaa, sizeof(buf));
	CHECK(block_pwritev(bb, v, 2, 0) == 0, "write succeeds");
	CHECK(block_preadv(bb, v, 2, 0) == 0 && all_bytes(buf, 4096, 0),
	      "writes are discarded");
	CHECK(block_preadv(bb, v, 2, 1ull << 40) == -EINVAL,
	      "read past the end fails");
	CHECK(block_flush(bb) == 0, "flush succeeds");
	block_close(bb);

	CHECK(block_open("driver=null-co,size=1M,read-zeroes=off", &bb, err,
			 sizeof(err)) == 0,
	      "open null-co read-zeroes=off");
	memset(buf, 0xaa, sizeof(buf));
	CHECK(block_preadv(bb, v, 2, 0) == 0 && all_bytes(buf, 4096, 0xaa),
	      "read-zeroes=off: buffers untouched");
	block_close(bb);

	CHECK(block_open("driver=null-co,size=1M,readonly=on", &bb, err,
			 sizeof(err)) == 0,
	      "open null-co readonly=on");
	CHECK(block_pwritev(bb, v, 2, 0) == -EROFS, "write fails with EROFS");
	block_close(bb);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void test_null_co_latency(void)
{
	const uint64_t lat = 20000000; /* 20 ms */
	uint8_t buf[512];
	struct iovec v = { buf, sizeof(buf) };
	struct block_backend *bb;
	char err[256];
	uint64_t t;

	if (!CHECK(block_open("driver=null-co,size=1M,latency-ns=20000000", &bb,
			      err, sizeof(err)) == 0,
		   "open with latency-ns"))
		return;
	t = now_ns();
	CHECK(block_preadv(bb, &v, 1, 0) == 0 && now_ns() - t >= lat,
	      "read takes >= 20 ms");
	t = now_ns();
	CHECK(block_pwritev(bb, &v, 1, 0) == 0 && now_ns() - t >= lat,
	      "write takes >= 20 ms");
	t = now_ns();
	CHECK(block_flush(bb) == 0 && now_ns() - t >= lat,
	      "flush takes >= 20 ms");
	block_close(bb);
}

/* Throughput of the call path itself (reported, not asserted). */
static void measure_null_co(void)
{
	uint8_t buf[4096];
	struct iovec v = { buf, sizeof(buf) };
	struct block_backend *bb;
	const int n = 200000;
	uint64_t t;

	if (block_open("driver=null-co,size=1G", &bb, NULL, 0))
		return;
	t = now_ns();
	for (int i = 0; i < n; i++)
		block_preadv(bb, &v, 1, (uint64_t)(i % 1024) * 4096);
	t = now_ns() - t;
	printf("# null-co 4 KiB reads: %.0f ns/call\n", (double)t / n);
	block_close(bb);
}

/* Remove the temporary directory and every file the tests made in it. */
static void remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	rmdir(tmpdir);
}

int main(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/vigil-block-XXXXXX",
		 base ? base : "/var/tmp");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp %s\n", tmpdir);
		return 1;
	}
	test_parse_valid();
	test_parse_invalid();
	test_parse_long_file();
	test_raw_round_trip();
	test_raw_reopen_from_desc();
	test_raw_short_file();
	test_raw_short_write();
	test_raw_readonly();
	test_raw_permission();
	test_raw_bad_files();
	test_raw_direct();
	test_raw_threads();
	test_null_co();
	test_null_co_latency();
	measure_null_co();
	remove_tmpdir();
	return tap_done();
}
