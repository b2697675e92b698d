#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of Linux UML in vigil-blkd's functional tests. UML boots with the
# host's root file system through hostfs, read-only; this script mounts
# /proc, /sys and a scratch tmpfs (on /dev/vigil, so that no host path the
# tests use is hidden), loads Linux's virtio_blk module (from
# Debian's user-mode-linux package), runs one stage against the vhost-user
# disks vigil-blkd serves, reports what it saw and powers UML off. The
# host's own mkfs.ext4, e2fsck, fio and sha256sum run inside UML.
#
# Parameters come from the kernel command line, as environment variables:
#   vigil_stage    write | verify | readonly | zeroes | bench
#   vigil_module   path of virtio_blk.ko
#   vigil_tool     path of uml-tool (uml_tool.c)
#   vigil_files    colon-separated host files to copy into the file system
#   vigil_fio      1: after `verify`, run fio with crc32c verification on
#                  the raw device (it overwrites the file system)
#   vigil_jobs     for `bench`: comma-separated NAME:RW:BS:QD fio jobs on
#                  /dev/vda, each vigil_runtime seconds (bench/blkd.py)
# Results are console lines "vigil-uml: KEY VALUE..."; the last is
# "vigil-uml: done". A failed command's output follows its result as
# "vigil-uml-out: ..." lines. Programs here must not use AVX registers (see
# uml_launch.c): the command line sets GLIBC_TUNABLES for that.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
SCRATCH=/dev/vigil
MNT=$SCRATCH/mnt

say() { echo "vigil-uml: $*"; }

# run NAME CMD...: run CMD, report "NAME STATUS" and, on failure, its output.
run() {
	name=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	say "$name $rc"
	if [ $rc -ne 0 ]; then
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/vigil-uml-out: /'
	fi
	return $rc
}

sums() {
	for f in "$MNT"/*; do
		[ -f "$f" ] || continue
		set -- $(sha256sum "$f")
		say "sha256 ${f##*/} $1"
	done
}

stage_write() {
	run mkfs mkfs.ext4 -q -F /dev/vda
	mkdir -p $MNT
	run mount mount -t ext4 /dev/vda $MNT
	(
		IFS=:
		for f in $vigil_files; do cp "$f" $MNT/; done
	)
	run random dd if=/dev/urandom of=$MNT/random.bin bs=1M count=8 \
		status=none
	sums
	sync
	run umount umount $MNT
	run fsck e2fsck -fn /dev/vda
}

stage_verify() {
	run fsck e2fsck -fn /dev/vda
	mkdir -p $MNT
	run mount mount -t ext4 -o ro /dev/vda $MNT
	sums
	umount $MNT
	if [ "$vigil_fio" = 1 ]; then
		run fio fio --name=verify --filename=/dev/vda --direct=1 \
			--ioengine=libaio --iodepth=32 --rw=randwrite --bs=4k \
			--size=64M --verify=crc32c --do_verify=1 \
			--verify_fatal=1 --verify_state_save=0 \
			--output=$SCRATCH/fio.txt --minimal
		say "fio_minimal $(cat $SCRATCH/fio.txt)"
	fi
}

stage_readonly() {
	say "ro $(cat /sys/block/vda/ro)"
	say "open_write $($vigil_tool openwrite /dev/vda)"
	# Linux 6.1 opens the disk for writing, then refuses the write itself.
	run ddwrite dd if=/dev/zero of=/dev/vda bs=4096 count=1 oflag=direct \
		conv=notrunc status=none
	mkdir -p $MNT
	# Asked for read-write: mount(8) falls back to read-only, or fails.
	mount -t ext4 /dev/vda $MNT >/dev/null 2>&1
	say "mount $?"
	say "mount_opts $(awk -v m=$MNT '$2 == m { print $4 }' /proc/mounts)"
	if (echo x >$MNT/new-file) 2>/dev/null; then
		say "write_file written"
	else
		say "write_file refused"
	fi
	sums
	umount $MNT
}

stage_zeroes() {
	for d in /sys/block/vd*; do
		n=${d##*/}
		size=$(($(cat "$d/size") * 512))
		for off in 0 $((size - 1048576)); do
			say "read $n $off $($vigil_tool readcheck /dev/$n $off 1048576)"
		done
	done
}

# Each job between "job_start NAME" and "job_end NAME STATUS MINIMAL": the
# host samples the daemon's CPU time at those two lines.
stage_bench() {
	for job in $(echo "$vigil_jobs" | tr ',' ' '); do
		set -- $(echo "$job" | tr ':' ' ')
		say "job_start $1"
		fio --name="$1" --filename=/dev/vda --direct=1 --ioengine=libaio \
			--rw="$2" --bs="$3" --iodepth="$4" --time_based \
			--runtime="$vigil_runtime" --minimal \
			--output=$SCRATCH/fio.txt >/dev/null 2>&1
		say "job_end $1 $? $(cat $SCRATCH/fio.txt)"
	done
}

main() {
	mount -t proc proc /proc &&
		mount -t sysfs sysfs /sys &&
		mkdir -p $SCRATCH &&
		mount -t tmpfs tmpfs $SCRATCH || return 1
	run insmod "$vigil_tool" insmod "$vigil_module" || return 1
	# The driver probes while it registers; devtmpfs adds the nodes.
	i=0
	while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	for d in /sys/block/vd*; do
		say "disk ${d##*/} $(cat "$d/size")"
	done
	case $vigil_stage in
	write) stage_write ;;
	verify) stage_verify ;;
	readonly) stage_readonly ;;
	zeroes) stage_zeroes ;;
	bench) stage_bench ;;
	*) say "error unknown stage '$vigil_stage'" ;;
	esac
}

main
say done
# init must not exit: power off (SysRq o) and wait for it.
echo o >/proc/sysrq-trigger
sleep 30
