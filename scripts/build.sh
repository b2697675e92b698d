#!/usr/bin/env bash
# Configure (once) and build one build directory:
#   scripts/build.sh DIR [meson options...]
# A new DIR is set up with the options (and $CC, if set); an existing one
# is reconfigured with them, so a stale directory cannot keep old options.
set -euo pipefail
dir=$1
shift
if [[ ! -f "$dir/build.ninja" ]]; then
	meson setup "$dir" "$@" >/dev/null
elif (($#)); then
	meson configure "$dir" "$@" >/dev/null
fi
# Quiet when it works; the compiler's messages when it does not.
if ! ninja -C "$dir" >"$dir/build-output.txt" 2>&1; then
	grep -v '^\[' "$dir/build-output.txt" | tail -60
	exit 1
fi
