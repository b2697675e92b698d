#!/usr/bin/env bash
# Build vigil and run every test: unit and functional tests in the normal
# build, then the same suites under the sanitizer builds. Ends with one line
# "N passed, N failed, N skipped" and exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")"

bash scripts/install-deps.sh --test || exit 1

passed=0
failed=0
skipped=0

# Run one meson build directory's tests and add its counts.
run_suite() {
	local dir=$1
	shift
	echo "=== $dir: meson test $*"
	meson test -C "$dir" --print-errorlogs "$@"
	local counts
	counts=$(python3 scripts/count-results.py "$dir/meson-logs/testlog.json")
	read -r p f s <<<"$counts"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

if ! bash scripts/build.sh build; then
	echo "test.sh: build failed"
	echo "0 passed, 1 failed"
	exit 1
fi
run_suite build

echo
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
