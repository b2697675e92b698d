#!/usr/bin/env bash
# Set up vigil on a fresh Debian 12 machine and boot the default guest:
# Debian's standard kernel with a busybox initramfs, 2 vCPUs, a 64 MiB
# virtio-blk disk (build/boot-disk.img, kept between boots), to a shell on
# this terminal. `poweroff` in the guest ends it with status 0.
#
# On a machine whose KVM cannot run stock kernels (none at all, or a
# software hypervisor: vigil --check-host says which), the same boot runs
# inside a nested KVM host: scripts/nested-kvm.py boots Debian's kernel with
# kvm-amd on QEMU's emulated AMD CPU and runs vigil there.
set -euo pipefail
cd "$(dirname "$0")"

bash scripts/install-deps.sh
bash scripts/build.sh build
echo "boot.sh: fetching Debian's kernel and busybox (cached in build/guest/linux)"
meson compile -C build linux-artefacts >build/linux-artefacts.txt 2>&1 || {
	cat build/linux-artefacts.txt
	exit 1
}
[[ -f build/boot-disk.img ]] || truncate -s 64M build/boot-disk.img

vigil=(build/vigil --kernel build/guest/linux/std-bzImage
	--initrd build/guest/linux/std-initramfs.cpio.gz
	--memory 512M --cpus 2 --drive file=build/boot-disk.img
	--cmdline "console=ttyS0 panic=-1")

if build/vigil --check-host 2>&1 | grep -q 'stock Linux kernels run'; then
	exec "${vigil[@]}"
fi

reason=$(build/vigil --check-host 2>&1 | grep -m1 -E 'unavailable|software hypervisor' || true)
echo "boot.sh: no KVM here that runs stock Linux (${reason#kvm: }):" \
	"booting in a nested KVM host in QEMU's emulator (about 30 s to a shell)"
exec python3 scripts/nested-kvm.py run --interactive -- "${vigil[@]}"
