#!/bin/bash
# NOTE for UML users: Debian's user-mode-linux 6.1 cannot start user space
# on hosts with large XSAVE state (AVX-512/AMX: "ptrace set fp regs failed,
# errno = 14", then init panics). Start it with
#   LD_PRELOAD=build/guest/linux/libuml_xstate_shim.so
# (guest/linux/uml_xstate_shim.c, built by meson) — see that file for why.
# SPDX-License-Identifier: GPL-2.0-only
#
# fetch-artefacts.sh OUTDIR [--uml]
#
# Builds the Debian Linux guest artefacts vigil's tests boot, without
# installing any kernel on the host:
#   OUTDIR/bzImage            Debian's linux-image-cloud-amd64 vmlinuz
#   OUTDIR/vmlinux            the ELF kernel inside it (for PVH boot)
#   OUTDIR/initramfs.cpio.gz  busybox-static + virtio modules + init.sh
#   OUTDIR/std-bzImage        Debian's standard kernel (linux-image-amd64)
#   OUTDIR/std-initramfs.cpio.gz   the same initramfs for that kernel
#   OUTDIR/std-config         its configuration
#   OUTDIR/std-disk-initramfs.cpio.gz   the standard initramfs plus ext4
#                             and the host's e2fsprogs and fio with their
#                             libraries (the Linux disk tests)
#   OUTDIR/std-net-initramfs.cpio.gz   the standard initramfs plus
#                             virtio_net (with net_failover, failover),
#                             busybox udhcpc's default script
#                             (udhcpc.script) and Debian's iperf3 with its
#                             libraries (the Linux network tests)
#   OUTDIR/passt, OUTDIR/iperf3    Debian's passt and iperf3 for the host
#                             side of those tests, unpacked here (never
#                             installed): passt is a link to its binary,
#                             iperf3 a wrapper that finds its libraries
#   OUTDIR/l1-initramfs.cpio.gz    the nested KVM host's initramfs: the
#                             standard kernel's kvm, kvm-amd, virtio-pci and
#                             9p modules + nested-init.sh (see
#                             scripts/nested-kvm.py, which boots std-bzImage
#                             with it in QEMU)
# and with --uml also
#   OUTDIR/uml/linux          Debian's user-mode-linux kernel binary
#   OUTDIR/uml/modules/VER/   its modules (virtio_blk is one)
#
# Packages come from apt (apt-get download, unpacked with dpkg-deb -x) and are
# cached in OUTDIR/debs by exact file name and checksum; each artefact is
# rebuilt only when a package it comes from, this script or init.sh is newer
# than it, so a second run does no work. Progress goes to stderr; stdout gets
# only the produced paths, one per line.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
init_script=$here/init.sh

# The modules the test initramfs must load: the transport (found through ACPI
# on vigil and QEMU microvm), the block driver and the entropy driver (for
# --rng). Their dependencies (virtio, virtio_ring) are added from the
# modules' own metadata.
initramfs_modules=(virtio_mmio virtio_blk virtio_rng)

# The Linux disk tests (std-disk-initramfs.cpio.gz) make and check ext4 and
# run fio in the guest: the ext4 module (crc32c_generic gives it the crc32c
# its metadata checksums need, which modinfo does not list as a dependency)
# and this host's own e2fsprogs and fio, with every library ldd lists. Debian's
# fio links the libraries of all its engines (ceph, gluster, ...: some
# 80 MiB), so these live in an initramfs of their own and the everyday ones
# stay small and quick to boot.
disk_modules=(ext4 crc32c_generic)
disk_tools=(mkfs.ext4 e2fsck fio)
declare -A disk_tool_packages=([mkfs.ext4]=e2fsprogs [e2fsck]=e2fsprogs
	[fio]=fio)
# Files build_initramfs copies in: a path on this host goes to the same path;
# SRC=DEST copies SRC to DEST.
initramfs_host_files=()

# The Linux network tests (std-net-initramfs.cpio.gz): virtio_net (its
# dependencies net_failover and failover come from modinfo), busybox
# udhcpc's default script, and iperf3, which no host needs installed: it
# comes from Debian's packages, unpacked, with the host's copies of the
# libraries they do not carry (libc, libcrypto). The same unpacked passt and
# iperf3 serve the host side (OUTDIR/passt, OUTDIR/iperf3).
net_modules=(virtio_net)
net_packages=(passt iperf3 libiperf0 libsctp1)
udhcpc_script=$here/udhcpc.script

# The nested KVM host (L1) needs KVM for AMD's SVM (kvm-amd pulls in kvm,
# ccp and irqbypass) and the host's files over virtio-9p on virtio-pci.
# dummy gives it a network interface with a default route for passt (its only
# other interface is lo): tests/functional/netrun.py sets it up; tun gives
# it taps, for --net tap. virtio-rng feeds its entropy pool from this
# machine's, so that its getrandom() does not block for seconds after boot
# (vigil's first run would wait for it).
l1_modules=(kvm-amd virtio_pci 9pnet_virtio 9p dummy tun virtio-rng)
l1_init_script=$here/nested-init.sh

# apt lists older than this are refreshed: the security archive replaces
# kernel packages often and drops the superseded files.
apt_lists_max_age_min=$((24 * 60))

log() { printf 'fetch-artefacts: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

usage() {
	echo "usage: $0 OUTDIR [--uml]" >&2
	exit 2
}

# ---------------------------------------------------------------- apt --------

apt_lists_fresh() {
	local newest
	newest=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' \
		-mmin "-$apt_lists_max_age_min" -print -quit 2>/dev/null || true)
	[[ -n $newest ]]
}

# apt-cache knows nothing until `apt-get update` has run once; only root can
# run it, and a non-root caller with usable lists should not be stopped.
apt_update_if_stale() {
	apt_lists_fresh && return 0
	if [[ $EUID -ne 0 ]]; then
		log "warning: apt lists missing or older than" \
			"$((apt_lists_max_age_min / 60))h; not root, so not updating"
		return 0
	fi
	log "apt lists missing or stale: apt-get update"
	apt-get update >&2
}

# need_tool COMMAND PACKAGE: install PACKAGE on the host if COMMAND is missing.
# These are ordinary tools (cpio, decompressors, binutils), never the kernel.
need_tool() {
	command -v "$1" >/dev/null && return 0
	[[ $EUID -eq 0 ]] || die "$1 not found: install Debian package $2"
	log "$1 not found: apt-get install $2"
	DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "$2" >&2
	command -v "$1" >/dev/null || die "$2 installed but $1 still missing"
}

# candidate PACKAGE: the version apt would pick, or a clear error.
candidate() {
	local ver
	ver=$(apt-cache policy "$1" 2>/dev/null |
		sed -n 's/^  Candidate: //p')
	if [[ -z $ver || $ver == "(none)" ]]; then
		die "no installable candidate for $1 (is Debian's main" \
			"archive in the apt sources, and has apt-get update run?)"
	fi
	echo "$ver"
}

# resolve_kernel META: a kernel metapackage (linux-image-cloud-amd64,
# linux-image-amd64) only depends on the versioned package of the current ABI
# (linux-image-6.1.0-NN-cloud-amd64 (= V)): fetch that one, pinned to the
# version the metapackage names.
resolve_kernel() {
	local meta=$1 dep
	candidate "$meta" >/dev/null
	dep=$(apt-cache show --no-all-versions "$meta" |
		sed -n 's/^Depends: .*\(linux-image-[^ ,]*\) (= \([^)]*\)).*/\1=\2/p')
	[[ -n $dep ]] || die "$meta: no versioned linux-image dependency found"
	echo "$dep"
}

# fetch_deb NAME=VERSION: print the path of that exact .deb in $debs,
# downloading it only if no file with the archive's checksum is there.
fetch_deb() {
	local spec=$1 dl line url file size sum algo
	dl=$(mktemp -d "$debs/.download.XXXXXX")
	# apt drops root to _apt for downloads; let it write the directory.
	if [[ $EUID -eq 0 ]] && id _apt >/dev/null 2>&1; then
		chown _apt "$dl"
	fi
	# --print-uris prints nothing for a file already in the working
	# directory, so ask from the empty download directory.
	line=$(cd "$dl" && apt-get download --print-uris "$spec") ||
		die "apt-get download $spec: package or version not found"
	read -r url file size sum <<<"$line"
	[[ -n $sum ]] || die "apt-get download $spec: no URI printed"
	algo=${sum%%:*}
	sum=${sum#*:}
	local sumtool=${algo,,}sum
	if [[ -f $debs/$file ]] &&
		echo "$sum  $debs/$file" | "$sumtool" --check --status; then
		log "cached $file"
	else
		log "downloading $file ($size bytes) from $url"
		(cd "$dl" && apt-get download "$spec" >&2) ||
			die "apt-get download $spec failed (apt lists out of date?" \
				"try apt-get update)"
		echo "$sum  $dl/$file" | "$sumtool" --check --status ||
			die "$file: $algo checksum mismatch"
		mv -f "$dl/$file" "$debs/$file"
	fi
	rm -rf "$dl"
	echo "$debs/$file"
}

# unpack DEB DIR: dpkg-deb -x into DIR (no host install, no maintainer
# scripts), redone only when DEB changes.
unpack() {
	local deb=$1 dir=$2
	if [[ -f $dir/.unpacked-from && $(<"$dir/.unpacked-from") == "$deb" &&
		! $deb -nt $dir/.unpacked-from ]]; then
		return 0
	fi
	log "unpacking ${deb##*/}"
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg-deb -x "$deb" "$dir"
	echo "$deb" >"$dir/.unpacked-from"
}

# stale OUT INPUT...: true when OUT must be rebuilt from INPUTs. Comparing
# times alone is not enough: apt gives a downloaded .deb the archive's
# Last-Modified time, which can be older than an artefact built from another
# version. So each artefact also records the inputs it was built from
# (built OUT INPUT... after a successful build).
stale() {
	local out=$1 in
	shift
	[[ -e $out && -f $(stamp_of "$out") ]] || return 0
	[[ $(<"$(stamp_of "$out")") == "$*" ]] || return 0
	for in in "$@"; do
		[[ $in -nt $out ]] && return 0
	done
	return 1
}

stamp_of() { echo "$OUTDIR/.stamps/${1##*/}"; }

built() {
	local out=$1
	shift
	mkdir -p "$OUTDIR/.stamps"
	echo "$*" >"$(stamp_of "$out")"
}

# ---------------------------------------------------------- vmlinux ----------

le32() { od -An -tu4 -j"$2" -N4 "$1" | tr -d ' '; }
le8() { od -An -tu1 -j"$2" -N1 "$1" | tr -d ' '; }

# extract_vmlinux BZIMAGE OUT: the job of Linux's scripts/extract-vmlinux.
# That script scans the whole file for compression magics; the x86 boot
# protocol (2.08+) says where the payload is, so read the setup header
# instead: the protected-mode code starts at (setup_sects + 1) * 512 and the
# compressed kernel at payload_offset (0x248) from there, payload_length
# (0x24c) bytes long. Its last 4 bytes hold the decompressed size (gzip's own
# ISIZE trailer; a size appended by the kernel build for the other formats).
extract_vmlinux() {
	local img=$1 out=$2 setup_sects pm_start off len magic cmd pkg strip=4
	[[ $(od -An -c -j 0x202 -N4 "$img" | tr -d ' ') == HdrS ]] ||
		die "$img: no HdrS boot header, not a bzImage"
	setup_sects=$(le8 "$img" 0x1f1)
	((setup_sects == 0)) && setup_sects=4 # boot protocol: 0 means 4
	pm_start=$(((setup_sects + 1) * 512))
	off=$((pm_start + $(le32 "$img" 0x248)))
	len=$(le32 "$img" 0x24c)
	((len > 4 && off + len <= $(stat -c %s "$img"))) ||
		die "$img: payload at $off length $len outside the file"

	magic=$(od -An -tx1 -j"$off" -N6 "$img" | tr -d ' ')
	# Magic table of scripts/extract-vmlinux; each decompressor's package.
	case $magic in
	1f8b08*) cmd="gzip -dc" pkg=gzip strip=0 ;;
	fd377a585a00) cmd="xz -dc" pkg=xz-utils ;;
	425a68*) cmd="bzip2 -dc" pkg=bzip2 ;;
	5d000000*) cmd="xz -dc --format=lzma" pkg=xz-utils ;;
	894c5a4f*) cmd="lzop -dc" pkg=lzop ;;
	02214c18*) cmd="lz4 -dc" pkg=lz4 ;;
	28b52ffd*) cmd="zstd -dc" pkg=zstd ;;
	*) die "$img: unknown compression magic $magic at offset $off" ;;
	esac
	need_tool "${cmd%% *}" "$pkg"
	log "vmlinux: ${cmd%% *} payload at $off, $len bytes"

	local want tmp=$out.tmp
	want=$(le32 "$img" $((off + len - 4)))
	dd if="$img" iflag=skip_bytes,count_bytes skip="$off" \
		count=$((len - strip)) bs=1M status=none |
		$cmd >"$tmp" || die "$img: ${cmd%% *} failed on the payload"
	[[ $(stat -c %s "$tmp") == "$want" ]] ||
		die "vmlinux: $(stat -c %s "$tmp") bytes, header says $want"
	check_pvh_elf "$tmp"
	mv -f "$tmp" "$out"
}

# vigil boots vmlinux through PVH: it must be an x86-64 ELF executable with
# the Xen note XEN_ELFNOTE_PHYS32_ENTRY (type 18 = 0x12). binutils 2.40 has
# no name for that note type and prints "(0x00000012)"; accept either form.
# (readelf's output is captured first: grep -q closing the pipe early would
# fail the pipeline under pipefail.)
check_pvh_elf() {
	local header notes
	header=$(readelf -h "$1" 2>/dev/null) || die "vmlinux: not an ELF file"
	if ! grep -Eq 'Type: +EXEC' <<<"$header" ||
		! grep -Eq 'Machine: +Advanced Micro Devices X86-64' <<<"$header"; then
		die "vmlinux: not an x86-64 ELF executable"
	fi
	notes=$(readelf -n "$1")
	grep -Eq '^ *Xen .*(PHYS32_ENTRY|\(0x00000012\))' <<<"$notes" ||
		die "vmlinux: no XEN_ELFNOTE_PHYS32_ENTRY note (kernel without CONFIG_PVH?)"
}

# ---------------------------------------------------------- initramfs --------

# modinfo_depends KO: the module's "depends=" list from its .modinfo section.
# Debian's package ships no modules.dep (depmod runs at install time, which we
# skip), and kmod may not be on the host; binutils is.
modinfo_depends() {
	objcopy -O binary --only-section=.modinfo "$1" /dev/stdout |
		tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}

# add_module NAME: append NAME to $load_order after its dependencies, once.
# Module names use '_' where some file names use '-' (kvm_amd, kvm-amd.ko).
add_module() {
	local name=${1//-/_} ko deps dep
	[[ " ${load_order[*]} " == *" $name "* ]] && return 0
	ko=$(find "$kmoddir/kernel" \( -name "$name.ko" -o \
		-name "${name//_/-}.ko" \) -print -quit)
	[[ -n $ko ]] || die "module $name.ko not found under $kmoddir"
	deps=$(modinfo_depends "$ko")
	for dep in $deps; do
		add_module "$dep"
	done
	load_order+=("$name")
	module_files+=("$ko")
}

# The cloud kernel's modules must be loadable by a plain insmod: busybox
# insmod passes the file as-is, so compressed modules would need a kernel with
# in-kernel decompression (CONFIG_MODULE_DECOMPRESS).
check_module_compression() {
	grep -q '^CONFIG_MODULE_COMPRESS_NONE=y' "$kconfig" ||
		die "$kconfig: modules are compressed; unpacking them is not implemented"
}

# host_tool_files TOOL...: each tool's path on this host and the libraries
# (with the dynamic loader) ldd lists for it, one per line, as ldd names them.
host_tool_files() {
	local tool path
	for tool in "$@"; do
		path=$(command -v "$tool") || die "$tool not found"
		echo "$path"
		ldd_files "$path"
	done | LC_ALL=C sort -u
}

# ldd_files BINARY: the libraries (with the dynamic loader) ldd lists for
# BINARY, one path per line; with LD_LIBRARY_PATH set, some may be under it.
ldd_files() {
	local libs
	libs=$(ldd "$1") || die "ldd $1 failed"
	[[ $libs != *"not found"* ]] || die "ldd $1: $libs"
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' \
		<<<"$libs"
}

# build_initramfs OUT INIT MODULE...: busybox, INIT as /init, and the
# modules of $kmoddir (with their dependencies) listed in /etc/vigil-modules
# in load order; and the files of $initramfs_host_files, copied from this
# host to the same paths.
build_initramfs() {
	local out=$1 init=$2 stage=$OUTDIR/initramfs.stage i
	shift 2
	local -a load_order=() module_files=()
	check_module_compression
	for i in "$@"; do
		add_module "$i"
	done
	log "initramfs modules in load order: ${load_order[*]}"

	rm -rf "$stage"
	mkdir -p "$stage"/{bin,dev,etc,proc,sys,tmp,root} "$stage/lib/modules/$kver"
	cp "$busybox_root/bin/busybox" "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	install -m 755 "$init" "$stage/init"
	cp "${module_files[@]}" "$stage/lib/modules/$kver/"
	for i in "${initramfs_host_files[@]}"; do
		local src=${i%%=*} dest=${i#*=}
		mkdir -p "$stage${dest%/*}"
		cp -L "$src" "$stage$dest"
	done
	# File names without .ko, in load order, for init's insmod.
	for i in "${module_files[@]}"; do
		i=${i##*/}
		echo "${i%.ko}"
	done >"$stage/etc/vigil-modules"
	# The kernel opens /dev/console for init's stdin/stdout before /init
	# can mount devtmpfs, so the archive must carry the node itself (mknod
	# needs root, as apt does).
	mknod -m 600 "$stage/dev/console" c 5 1

	# Fixed order, owners and times: the same inputs give the same bytes.
	find "$stage" -exec touch -h -d @0 {} +
	(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null --create --format=newc --owner=0:0 --reproducible \
			--quiet) | gzip -9n >"$out.tmp"
	mv -f "$out.tmp" "$out"
	rm -rf "$stage"
}

# ---------------------------------------------------------- main -------------

# unpack_kernel META DIR: fetch and unpack the kernel of metapackage META
# into DIR; sets kdeb, kver, kmoddir, kconfig, vmlinuz for it.
unpack_kernel() {
	local kspec kpkg
	kspec=$(resolve_kernel "$1")
	kpkg=${kspec%%=*}
	kver=${kpkg#linux-image-}
	log "kernel package $kspec"
	kdeb=$(fetch_deb "$kspec")
	unpack "$kdeb" "$2"
	kmoddir=$2/lib/modules/$kver
	kconfig=$2/boot/config-$kver
	vmlinuz=$2/boot/vmlinuz-$kver
	[[ -f $vmlinuz && -d $kmoddir && -f $kconfig ]] ||
		die "$kdeb: no vmlinuz, modules or config for $kver"
}

# copy_if_stale SRC OUT INPUT...: OUT becomes a copy of SRC when stale.
copy_if_stale() {
	local src=$1 out=$2
	shift 2
	if stale "$out" "$@"; then
		cp "$src" "$out.tmp"
		mv -f "$out.tmp" "$out"
		built "$out" "$@"
	fi
}

fetch_busybox() {
	local bbspec
	bbspec=busybox-static=$(candidate busybox-static)
	log "busybox package $bbspec"
	bbdeb=$(fetch_deb "$bbspec")
	unpack "$bbdeb" "$OUTDIR/rootfs-busybox"
	busybox_root=$OUTDIR/rootfs-busybox
}

# Debian's cloud kernel: bzImage, vmlinux (PVH) and the test initramfs.
build_cloud() {
	unpack_kernel linux-image-cloud-amd64 "$OUTDIR/rootfs-kernel"
	local bzimage=$OUTDIR/bzImage vmlinux=$OUTDIR/vmlinux
	local initramfs=$OUTDIR/initramfs.cpio.gz config=$OUTDIR/config
	copy_if_stale "$vmlinuz" "$bzimage" "$kdeb"
	# The kernel config travels with the artefacts: tests and people check
	# what the guest kernel can do (e.g. CONFIG_VIRTIO_MMIO=m) against it.
	copy_if_stale "$kconfig" "$config" "$kdeb"
	if stale "$vmlinux" "$kdeb" "$self"; then
		extract_vmlinux "$vmlinuz" "$vmlinux"
		built "$vmlinux" "$kdeb" "$self"
	fi
	if stale "$initramfs" "$kdeb" "$bbdeb" "$self" "$init_script"; then
		build_initramfs "$initramfs" "$init_script" "${initramfs_modules[@]}"
		built "$initramfs" "$kdeb" "$bbdeb" "$self" "$init_script"
	fi
	log "config: $(grep -E '^(# )?CONFIG_VIRTIO_MMIO(_CMDLINE_DEVICES)?[= ]' \
		"$config" | tr '\n' ' ')"
	outputs+=("$bzimage" "$vmlinux" "$initramfs" "$config")
}

# Debian's standard kernel: the test guest of the main job, and the kernel
# of the nested KVM host (the cloud kernel has no kvm-amd).
build_std() {
	unpack_kernel linux-image-amd64 "$OUTDIR/rootfs-kernel-std"
	local bzimage=$OUTDIR/std-bzImage config=$OUTDIR/std-config
	local initramfs=$OUTDIR/std-initramfs.cpio.gz
	local l1=$OUTDIR/l1-initramfs.cpio.gz
	copy_if_stale "$vmlinuz" "$bzimage" "$kdeb"
	copy_if_stale "$kconfig" "$config" "$kdeb"
	if stale "$initramfs" "$kdeb" "$bbdeb" "$self" "$init_script"; then
		build_initramfs "$initramfs" "$init_script" "${initramfs_modules[@]}"
		built "$initramfs" "$kdeb" "$bbdeb" "$self" "$init_script"
	fi
	build_std_disk
	build_std_net
	if stale "$l1" "$kdeb" "$bbdeb" "$self" "$l1_init_script"; then
		build_initramfs "$l1" "$l1_init_script" "${l1_modules[@]}"
		built "$l1" "$kdeb" "$bbdeb" "$self" "$l1_init_script"
	fi
	outputs+=("$bzimage" "$initramfs" "$config" "$l1")
}

# The disk tests' initramfs for the standard kernel (see disk_modules).
# The host's tools are an input too: their checksums go into the stamp, so
# an upgraded e2fsprogs or fio (whose files keep the package's old mtimes)
# rebuilds it.
build_std_disk() {
	local disk=$OUTDIR/std-disk-initramfs.cpio.gz tool tools_id
	local -a files
	for tool in "${disk_tools[@]}"; do
		need_tool "$tool" "${disk_tool_packages[$tool]}"
	done
	need_tool ldd libc-bin
	mapfile -t files < <(host_tool_files "${disk_tools[@]}")
	tools_id=host-tools-sha256:$(sha256sum "${files[@]}" | sha256sum |
		cut -c1-16)
	if stale "$disk" "$kdeb" "$bbdeb" "$self" "$init_script" "$tools_id"; then
		log "disk initramfs: ${disk_tools[*]} and ${#files[@]} files"
		initramfs_host_files=("${files[@]}")
		build_initramfs "$disk" "$init_script" "${initramfs_modules[@]}" \
			"${disk_modules[@]}"
		initramfs_host_files=()
		built "$disk" "$kdeb" "$bbdeb" "$self" "$init_script" "$tools_id"
	fi
	outputs+=("$disk")
}

# fetch_net: Debian's passt, iperf3 and the libraries iperf3 needs that the
# host may lack, each unpacked into OUTDIR/rootfs-PACKAGE; sets net_debs and
# net_libdirs (those trees' library directories).
fetch_net() {
	local pkg deb
	net_debs=() net_libdirs=()
	for pkg in "${net_packages[@]}"; do
		deb=$(fetch_deb "$pkg=$(candidate "$pkg")")
		unpack "$deb" "$OUTDIR/rootfs-$pkg"
		net_debs+=("$deb")
		if [[ -d $OUTDIR/rootfs-$pkg/usr/lib/x86_64-linux-gnu ]]; then
			net_libdirs+=("$OUTDIR/rootfs-$pkg/usr/lib/x86_64-linux-gnu")
		fi
	done
}

# The host side of the network tests: OUTDIR/passt and OUTDIR/iperf3.
build_net_host() {
	local passt=$OUTDIR/rootfs-passt/usr/bin/passt
	local iperf3=$OUTDIR/rootfs-iperf3/usr/bin/iperf3 libpath
	[[ -x $passt && -x $iperf3 ]] || die "passt or iperf3 missing after unpacking"
	ln -sfn rootfs-passt/usr/bin/passt "$OUTDIR/passt"
	libpath=$(
		IFS=:
		echo "${net_libdirs[*]}"
	)
	if stale "$OUTDIR/iperf3" "${net_debs[@]}" "$self"; then
		printf '%s\n' '#!/bin/sh' \
			'# Debian'"'"'s iperf3, unpacked by fetch-artefacts.sh (not installed).' \
			"LD_LIBRARY_PATH=$libpath\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" \
			'export LD_LIBRARY_PATH' "exec $iperf3 \"\$@\"" \
			>"$OUTDIR/iperf3.tmp"
		chmod 755 "$OUTDIR/iperf3.tmp"
		mv -f "$OUTDIR/iperf3.tmp" "$OUTDIR/iperf3"
		built "$OUTDIR/iperf3" "${net_debs[@]}" "$self"
	fi
	outputs+=("$OUTDIR/passt" "$OUTDIR/iperf3")
}

# The network tests' initramfs for the standard kernel (see net_modules):
# iperf3 and each library at the path it has on a Debian system (the
# unpacked packages' libraries under /usr/lib/x86_64-linux-gnu, the host's
# where ldd found them). The host's libraries are an input, as in
# build_std_disk.
build_std_net() {
	local net=$OUTDIR/std-net-initramfs.cpio.gz iperf3 lib dir tools_id
	local -a files=() host_libs=()
	iperf3=$OUTDIR/rootfs-iperf3/usr/bin/iperf3
	files+=("$iperf3=/usr/bin/iperf3" "$udhcpc_script=/etc/udhcpc/default.script")
	mapfile -t host_libs < <(LD_LIBRARY_PATH=$(
		IFS=:
		echo "${net_libdirs[*]}"
	) ldd_files "$iperf3")
	for lib in "${host_libs[@]}"; do
		for dir in "${net_libdirs[@]}"; do
			if [[ $lib == "$dir"/* ]]; then
				files+=("$lib=/usr/lib/x86_64-linux-gnu/${lib##*/}")
				continue 2
			fi
		done
		files+=("$lib")
	done
	tools_id=host-libs-sha256:$(sha256sum "${host_libs[@]}" | sha256sum |
		cut -c1-16)
	if stale "$net" "$kdeb" "$bbdeb" "$self" "$init_script" "$udhcpc_script" \
		"${net_debs[@]}" "$tools_id"; then
		log "net initramfs: ${#files[@]} files"
		initramfs_host_files=("${files[@]}")
		build_initramfs "$net" "$init_script" "${initramfs_modules[@]}" \
			"${net_modules[@]}"
		initramfs_host_files=()
		built "$net" "$kdeb" "$bbdeb" "$self" "$init_script" \
			"$udhcpc_script" "${net_debs[@]}" "$tools_id"
	fi
	outputs+=("$net")
}

build_linux() {
	local -a outputs=() net_debs net_libdirs
	fetch_busybox
	fetch_net
	build_cloud
	build_std
	build_net_host
	# A build system that tracks the outputs as one target (meson) reruns
	# this script whenever one input changed; the artefacts this run found
	# current are current too, so mark them all as checked now.
	touch "${outputs[@]}"
	printf '%s\n' "${outputs[@]}"
}

# Debian's user-mode-linux ships /usr/bin/linux.uml and
# /usr/lib/uml/modules/VERSION; tests use stable names through symlinks.
build_uml() {
	local spec deb root moddirs
	spec=user-mode-linux=$(candidate user-mode-linux)
	log "UML package $spec"
	deb=$(fetch_deb "$spec")
	root=$OUTDIR/rootfs-uml
	unpack "$deb" "$root"
	[[ -x $root/usr/bin/linux.uml ]] || die "$deb: no usr/bin/linux.uml"
	moddirs=("$root"/usr/lib/uml/modules/*/)
	[[ ${#moddirs[@]} -eq 1 && -d ${moddirs[0]} ]] ||
		die "$deb: expected one usr/lib/uml/modules/VERSION directory"
	mkdir -p "$OUTDIR/uml"
	ln -sfn ../rootfs-uml/usr/bin/linux.uml "$OUTDIR/uml/linux"
	ln -sfn ../rootfs-uml/usr/lib/uml/modules "$OUTDIR/uml/modules"
	zcat "$root/usr/share/doc/user-mode-linux/config.gz" >"$OUTDIR/uml/config"
	log "UML config: $(grep -E '^(# )?CONFIG_(VIRTIO_UML|VIRTIO_BLK|HOSTFS)[= ]' \
		"$OUTDIR/uml/config" | tr '\n' ' ')"
	local ver=${moddirs[0]%/}
	ver=${ver##*/}
	printf '%s\n' "$OUTDIR/uml/linux" "$OUTDIR/uml/modules/$ver" \
		"$OUTDIR/uml/config"
}

main() {
	(($# >= 1)) || usage
	local with_uml=false
	OUTDIR=$1
	shift
	for arg in "$@"; do
		case $arg in
		--uml) with_uml=true ;;
		*) usage ;;
		esac
	done
	mkdir -p "$OUTDIR"
	OUTDIR=$(cd "$OUTDIR" && pwd)
	debs=$OUTDIR/debs
	mkdir -p "$debs"

	apt_update_if_stale
	need_tool objcopy binutils
	need_tool readelf binutils
	need_tool cpio cpio
	need_tool gzip gzip

	build_linux
	if $with_uml; then
		build_uml
	fi
}

main "$@"
