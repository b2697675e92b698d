#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of vigil's Linux test initramfs (packed by fetch-artefacts.sh).
#
# It prints fixed "vigil-linux: ..." lines that functional tests match on the
# serial console, loads the virtio modules the Debian cloud kernel builds as
# modules (virtio-mmio devices are found through ACPI, so the transport module
# must be loaded before any disk appears), shows the block devices, then
# then runs a test's script from a drive (vigil.script=vdX), powers off
# (vigil.test=poweroff) or gives the console a shell.

# Only /bin/busybox and /bin/sh are in the archive: create the other applet
# links here rather than shipping hundreds of them.
/bin/busybox mkdir -p /usr/bin /usr/sbin /sbin
/bin/busybox --install -s

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

echo "vigil-linux: init"
echo "vigil-linux: kernel $(uname -r)"

# fetch-artefacts.sh wrote the modules in dependency order (from each
# module's modinfo "depends"), so plain insmod is enough: no depmod needed.
moddir=/lib/modules/$(uname -r)
while read -r mod; do
	if insmod "$moddir/$mod.ko"; then
		echo "vigil-linux: loaded $mod"
	else
		echo "vigil-linux: insmod $mod failed"
	fi
done </etc/vigil-modules

# insmod probes synchronously: the ACPI-enumerated virtio-mmio platform
# devices bind in insmod virtio_mmio and their disks appear in insmod
# virtio_blk, so /sys/block is complete here.
for dev in /sys/block/*; do
	[ -e "$dev" ] || continue
	echo "vigil-linux: block ${dev##*/} $(cat "$dev/size") sectors"
done
echo "vigil-linux: ready"

# vigil.script=vdX: the test's own shell script is the content of that
# drive (text, zero-padded to a whole sector). It runs here, as PID 1's
# child, and the guest powers off when it ends.
script=
for arg in $(cat /proc/cmdline); do
	case $arg in
	vigil.script=*) script=/dev/${arg#vigil.script=} ;;
	esac
done
if [ -n "$script" ]; then
	tr -d '\000' <"$script" >/tmp/vigil-script.sh
	echo "vigil-linux: script $script"
	sh /tmp/vigil-script.sh
	echo "vigil-linux: script status $?"
	poweroff -f
fi

case " $(cat /proc/cmdline) " in
*" vigil.test=poweroff "*)
	echo "vigil-linux: poweroff"
	poweroff -f
	;;
esac

# busybox's poweroff, reboot and halt ask PID 1 by signal (SIGUSR2,
# SIGTERM, SIGUSR1); this script is PID 1, so it does what they ask. The
# shell runs in the background so that the traps run at once rather than
# after it exits.
trap 'echo "vigil-linux: poweroff"; poweroff -f' USR2 USR1
trap 'echo "vigil-linux: reboot"; reboot -f' TERM
# cttyhack opens the real console device (ttyS0) so the shell gets job
# control; when the shell exits, power off instead of letting PID 1 die
# (which would panic the kernel rather than end the VMM cleanly).
setsid cttyhack sh &
wait $!
echo "vigil-linux: shell exited, poweroff"
poweroff -f
