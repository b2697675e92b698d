#!/usr/bin/env bash
# Install, idempotently, the Debian packages vigil needs to build, test and
# boot its guests. Installs nothing that is already there; runs apt-get
# update only when something is missing.
#   scripts/install-deps.sh            build + boot
#   scripts/install-deps.sh --test     also everything the test suite uses
set -euo pipefail

packages=(
	gcc libc6-dev meson ninja-build pkg-config python3
	libfdt-dev libseccomp-dev libjson-c-dev
	xz-utils zstd cpio binutils
)
test_packages=(
	clang libclang-rt-14-dev llvm
	qemu-system-x86 qemu-utils
	acpica-tools device-tree-compiler
	valgrind cppcheck clang-tidy clang-format
	e2fsprogs fio util-linux
	time
)

want=("${packages[@]}")
if [[ "${1:-}" == "--test" ]]; then
	want+=("${test_packages[@]}")
fi

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done

if ((${#missing[@]} == 0)); then
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
	sudo=sudo
else
	sudo=
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
