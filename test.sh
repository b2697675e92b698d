#!/usr/bin/env bash
# Build vigil and run every test, in stages; each prints what it runs:
#   build      gcc, warnings as errors, hardening flags (build/), then the
#              unit and functional suites
#   asan       gcc ASan+UBSan, every report fatal (build-ci/asan): both suites
#   tsan       clang TSan (build-ci/tsan): both suites
#   valgrind   memcheck over the unit suite, and one full boot of the test
#              guest on vigil
#   analyzers  gcc -fanalyzer, cppcheck, clang-tidy (scripts/analyze.sh)
#   fuzz       every libFuzzer target for FUZZ_SECONDS (scripts/fuzz.sh)
# A build, an analyzer and a fuzz target each count as one test. Ends with
# one line "N passed, N failed, N skipped" and exits non-zero when anything
# failed.
#   FUZZ_SECONDS=N   seconds per fuzz target (default 30)
#   STAGES="..."     run only these stages (default: all, in this order)
set -uo pipefail
cd "$(dirname "$0")"

bash scripts/install-deps.sh --test || exit 1

stages=${STAGES:-build asan tsan valgrind analyzers fuzz}
fuzz_seconds=${FUZZ_SECONDS:-30}
passed=0
failed=0
skipped=0
failures=()
start=$SECONDS

banner() {
	echo
	echo "=== $* ($((SECONDS - start))s)"
}

# One pass/fail "test" that is not a meson test: a build, an analyzer...
count() {
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "--- $name: ok"
	else
		failed=$((failed + 1))
		failures+=("$name")
		echo "--- $name: FAILED"
		return 1
	fi
}

# Run meson tests in one build directory and add its counts.
run_suite() {
	local dir=$1 logbase=$2
	shift 2
	local log p f s
	echo "--- $dir: meson test $*"
	rm -f "$dir/meson-logs/$logbase".json "$dir/meson-logs/$logbase"-*.json
	meson test -C "$dir" --print-errorlogs --logbase "$logbase" "$@"
	# With --wrapper, meson names the log LOGBASE-WRAPPER.json.
	log=$(ls "$dir/meson-logs/$logbase".json \
		"$dir/meson-logs/$logbase"-*.json 2>/dev/null | head -1)
	if [[ ! -s $log ]]; then
		count "$dir: meson test ran" false
		return
	fi
	read -r p f s < <(python3 scripts/count-results.py "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	((f == 0)) || failures+=("$dir: $f meson test(s)")
}

# Every test but the *-qemu ones, which run QEMU, not vigil: a sanitizer
# build of vigil changes nothing in them.
vigil_tests() {
	meson test -C "$1" --list 2>/dev/null | sed -n 's|^.* / ||p' |
		grep -v -- '-qemu$'
}

stage_build() {
	banner "build: gcc, -Werror, hardening (build/)"
	count "build (gcc)" bash scripts/build.sh build || return
	run_suite build testlog
}

stage_asan() {
	banner "asan: gcc ASan+UBSan, -fno-sanitize-recover=all (build-ci/asan)"
	count "build (ASan+UBSan)" env CC=gcc bash scripts/build.sh \
		build-ci/asan -Db_sanitize=address,undefined || return
	run_suite build-ci/asan testlog --timeout-multiplier 3 \
		$(vigil_tests build-ci/asan)
}

# clang: gcc's TSan cannot instrument atomic_thread_fence, which the
# virtqueue's memory ordering uses (-Wtsan).
stage_tsan() {
	banner "tsan: clang TSan (build-ci/tsan)"
	count "build (TSan)" env CC=clang bash scripts/build.sh build-ci/tsan \
		-Db_sanitize=none -Dsanitize_thread=true || return
	TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
		run_suite build-ci/tsan testlog --timeout-multiplier 3 \
		$(vigil_tests build-ci/tsan)
}

VALGRIND=(valgrind --error-exitcode=99 --leak-check=full
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
	--track-fds=no -q)

# valgrind does not implement seccomp(2): the boot runs with --no-seccomp
# (and test_sandbox skips itself).
valgrind_boot() {
	local out=build/valgrind-boot.txt status
	echo "--- ${VALGRIND[*]} build/vigil --no-seccomp --cpus 2" \
		"--drive driver=null-co,size=1M --cmdline cpus=2 (serial: $out)"
	"${VALGRIND[@]}" build/vigil --no-seccomp \
		--kernel build/guest/vigil-test-guest.bin --cpus 2 \
		--drive driver=null-co,size=1M --serial "file:$out" \
		--cmdline "cpus=2" </dev/null
	status=$?
	tail -3 "$out"
	# Status 1: the guest passed (debug-exit 0); 99: valgrind found errors.
	echo "status $status (1: guest passed, 99: memcheck errors)"
	((status == 1))
}

stage_valgrind() {
	banner "valgrind: memcheck, unit suite and one boot (build/)"
	if [[ ! -x build/vigil ]]; then
		count "valgrind (no build/)" false
		return
	fi
	run_suite build valgrind --suite unit --timeout-multiplier 10 \
		--wrapper "${VALGRIND[*]}"
	count "valgrind: boot of the test guest" valgrind_boot
}

stage_analyzers() {
	banner "analyzers: gcc -fanalyzer, cppcheck, clang-tidy"
	count "gcc -fanalyzer" bash scripts/analyze.sh gcc-analyzer
	count "cppcheck" bash scripts/analyze.sh cppcheck
	count "clang-tidy" bash scripts/analyze.sh clang-tidy
}

stage_fuzz() {
	banner "fuzz: every target for ${fuzz_seconds}s (build-ci/fuzz)"
	local results=build-ci/fuzz/run/results.tsv n v
	rm -f "$results"
	bash scripts/fuzz.sh -t "$fuzz_seconds"
	if [[ ! -s $results ]]; then
		count "fuzz: build the targets" false
		return
	fi
	while IFS=$'\t' read -r n v _; do
		count "fuzz: $n" test "$v" = ok
	done <"$results"
}

for s in $stages; do
	case $s in
	build | asan | tsan | valgrind | analyzers | fuzz) "stage_$s" ;;
	*) echo "test.sh: unknown stage $s" ;;
	esac
done

banner "done"
((${#failures[@]} == 0)) || printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
