#!/usr/bin/env bash
# Set up vigil on a fresh Debian 12 machine and boot the default guest.
#
# On a host whose KVM runs stock kernels, that is Debian's cloud kernel with
# a busybox initramfs, to a shell on the console. On a software hypervisor
# (vigil --check-host says so) stock Linux cannot boot, so this boots
# vigil's own test guest instead and shows its output.
set -euo pipefail
cd "$(dirname "$0")"

bash scripts/install-deps.sh
bash scripts/build.sh build

if ! build/vigil --check-host >build/check-host.txt 2>&1; then
	cat build/check-host.txt
	echo "boot.sh: this host cannot run vigil (see above)" >&2
	exit 1
fi

if grep -q "software hypervisor" build/check-host.txt; then
	echo "boot.sh: $(grep 'software hypervisor' build/check-host.txt | sed 's/^kvm: //'); booting vigil's test guest instead"
	# The platform tests and the virtio-blk driver against a 64 MiB disk
	# image (sparse, in the build tree).
	truncate -s 64M build/boot-disk.img
	status=0
	build/vigil --kernel build/guest/vigil-test-guest.bin \
		--memory 256M --cpus 2 \
		--drive file=build/boot-disk.img \
		--cmdline "cpus=2 mmio_devs=1 blk_capacity=67108864 tests=acpi,madt,dsdt,ioapic_irq,lapic_timer,smp,exception,virtio_mmio,blk_probe,blk_rw,blk_irq" || status=$?
	# The guest reports through the debug-exit port: 1 passed, 3 failed.
	if [[ $status -eq 1 ]]; then
		echo "boot.sh: the test guest passed on vigil"
		exit 0
	fi
	echo "boot.sh: vigil exited with status $status (see vigil --help)" >&2
	exit "$status"
fi

ninja -C build guest/linux/initramfs.cpio.gz >/dev/null
exec build/vigil --kernel build/guest/linux/bzImage \
	--initrd build/guest/linux/initramfs.cpio.gz \
	--memory 512M --cpus 2 --cmdline "console=ttyS0 panic=-1"
