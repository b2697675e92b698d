#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the nested KVM host (L1) that scripts/nested-kvm.py boots in QEMU
# on machines without a usable /dev/kvm. It loads kvm-amd (the emulated CPU
# has SVM and nested paging), mounts the machine's root file system from
# virtio-9p at /host, gives it this kernel's /dev, /proc, /sys and a tmpfs
# /tmp, and runs the runner's script with it as the root: the build tree and
# every tool are the machine's own, unchanged.
#
# Kernel command line:
#   vigil.run=DIR        the run directory (a path on the machine) holding
#                        run.sh; the script's exit status goes to DIR/status
#   vigil.interactive    the script gets the console as its controlling
#                        terminal (boot.sh's interactive guest shell)
# While the script runs, DIR/heartbeat gets the time every 5 s: the runner
# tells a stalled L1 (no heartbeat) from a slow or failing test.

/bin/busybox mkdir -p /usr/bin /usr/sbin /sbin
/bin/busybox --install -s

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /host
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm

fail() {
	echo "nested-init: $*" >/dev/console
	poweroff -f
}

moddir=/lib/modules/$(uname -r)
while read -r mod; do
	insmod "$moddir/$mod.ko" || fail "insmod $mod failed"
done </etc/vigil-modules
[ -c /dev/kvm ] || fail "no /dev/kvm after loading kvm-amd"

mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 host /host ||
	fail "cannot mount the host's files (9p tag 'host')"

run=
interactive=
for arg in $(cat /proc/cmdline); do
	case $arg in
	vigil.run=*) run=${arg#vigil.run=} ;;
	vigil.interactive) interactive=1 ;;
	esac
done
[ -n "$run" ] && [ -f "/host$run/run.sh" ] || fail "no vigil.run=DIR with run.sh"

# The machine's own /tmp stays untouched: sockets cannot be created on 9p,
# and busy files (disk images, snapshots) are much faster on tmpfs.
mount --rbind /dev /host/dev
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t tmpfs -o mode=1777 tmpfs /host/tmp

# The kernel's text symbols (Debian's System.map is a stub): the runner
# names the functions a stalled nested host is in.
grep ' [tT] ' /proc/kallsyms >"/host$run/kallsyms" &

(
	while :; do
		date +%s >"/host$run/heartbeat"
		sleep 5
	done
) &
heartbeat=$!

# The command runs with the machine's files as the root of its own mount
# namespace (/host moved onto /, as switch_root does), not in a chroot of
# this one: the kernel refuses a chrooted process a user namespace, which
# passt's sandbox needs.
enter_host='cd /host && mount --move /host / && exec chroot . "$@"'

if [ -n "$interactive" ]; then
	setsid -c unshare -m --propagation private /bin/sh -c "$enter_host" \
		enter_host /bin/sh "$run/run.sh" \
		</dev/ttyS0 >/dev/ttyS0 2>&1
	echo "$?" >"/host$run/status"
else
	# Output goes to the runner's stdout as it is (no CR before LF), and
	# through a pipe, so that programs see no terminal and print plain
	# lines rather than progress bars.
	stty -F /dev/ttyS0 -onlcr
	{
		unshare -m --propagation private /bin/sh -c "$enter_host" \
			enter_host /bin/sh "$run/run.sh" </dev/null 2>&1
		echo "$?" >"/host$run/status"
	} | cat >/dev/ttyS0
fi
kill "$heartbeat"
sync
umount /host/tmp
# Quiet power-off: the command's output ends the console.
echo 0 >/proc/sys/kernel/printk
poweroff -f
