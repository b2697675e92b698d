#!/usr/bin/env bash
# Build vigil and run every test, in stages; each prints what it runs:
#   build      gcc, warnings as errors, hardening flags (build/), then the
#              unit and functional suites
#   asan       gcc ASan+UBSan, every report fatal (build-ci/asan): both suites
#   tsan       clang TSan (build-ci/tsan): both suites
#   valgrind   memcheck over the unit suite, and one full boot of the test
#              guest on a dynamic vigil (build-ci/valgrind)
#   analyzers  gcc -fanalyzer, cppcheck, clang-tidy (scripts/analyze.sh),
#              the C files' format (scripts/format.sh --check)
#   fuzz       every libFuzzer target for FUZZ_SECONDS (scripts/fuzz.sh)
# A build, an analyzer and a fuzz target each count as one test. Ends with
# one line "N passed, N failed, N skipped" and exits non-zero when anything
# failed.
#
# Tests that run guests (meson suite 'kvm') need a /dev/kvm that runs stock
# Linux kernels. Where the machine has none, each stage runs that suite in
# one nested KVM host (scripts/nested-kvm.py: Debian's kernel with kvm-amd
# on QEMU's emulated AMD CPU, this tree shared into it): once without XSAVE
# in the emulated CPU, and the snapshot suites once more with it.
#   FUZZ_SECONDS=N   seconds per fuzz target (default 30)
#   STAGES="..."     run only these stages (default: all, in this order)
#   KVM=direct|nested|none   where the 'kvm' suite runs (default: direct
#                    when this machine's KVM runs stock kernels, else nested)
set -uo pipefail
cd "$(dirname "$0")"

stages=${STAGES:-build asan tsan valgrind analyzers fuzz}
fuzz_seconds=${FUZZ_SECONDS:-30}
passed=0
failed=0
skipped=0
failures=()
failed_logs=()
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

# Run meson tests in one build directory and add its counts. With
# $wrap set (an array), meson runs under it: the nested KVM host.
wrap=()
run_suite() {
	local dir=$1 logbase=$2
	shift 2
	local log p f s
	echo "--- $dir: ${wrap[*]:+${wrap[*]} }meson test $*"
	rm -f "$dir/meson-logs/$logbase".json "$dir/meson-logs/$logbase"-*.json
	# The console output is kept: a nested run cut short leaves no JSON log.
	"${wrap[@]}" meson test -C "$dir" --no-rebuild --print-errorlogs \
		--logbase "$logbase" "$@" | tee "$dir/meson-logs/$logbase.out"
	local status=${PIPESTATUS[0]}
	# With --wrapper, meson names the log LOGBASE-WRAPPER.json.
	log=$(ls "$dir/meson-logs/$logbase".json \
		"$dir/meson-logs/$logbase"-*.json 2>/dev/null | head -1)
	if ((status == 125)) && [[ ${#wrap[@]} -gt 0 ]]; then
		return 125 # the nested host failed: the caller retries
	fi
	if [[ ! -s $log ]]; then
		count "$dir: meson test ran" false
		return
	fi
	add_counts "$log"
}

# add_counts [--console] LOG: add a meson log's results to the totals.
add_counts() {
	local p f s
	[[ -s ${!#} ]] || return 0
	read -r p f s < <(python3 scripts/count-results.py "$@")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	((f == 0)) || failures+=("${!#}: $f meson test(s)")
	if ((f > 0)) && [[ ${!#} == *.json ]]; then
		failed_logs+=("${!#}")
	fi
}

# The names of the tests in build directory $1 that are (in suite $2) or
# are not (!$2) in a suite, less those matching the regex $3.
tests_of() {
	local dir=$1 suite=$2 except=${3:-^$} list
	if [[ $suite == !* ]]; then
		list=$(meson test -C "$dir" --list --no-suite "${suite#!}")
	else
		list=$(meson test -C "$dir" --list --suite "$suite")
	fi 2>/dev/null
	sed -n 's|^.* / ||p' <<<"$list" | grep -Ev -- "$except"
}

# Where the 'kvm' suite runs: directly on a KVM that runs stock kernels
# (vigil --check-host says so), else in the nested KVM host.
kvm_mode=${KVM:-}
choose_kvm_mode() {
	[[ -n $kvm_mode ]] && return
	if build/vigil --check-host 2>/dev/null |
		grep -q 'stock Linux kernels run'; then
		kvm_mode=direct
	else
		kvm_mode=nested
	fi
	echo "--- the 'kvm' suite runs: $kvm_mode"
}

# run_kvm_suite DIR LOGBASE [--xsave] TEST...: the guest-running tests of DIR
# (with the meson options in the caller's array opts),
# in the nested KVM host where this machine has no KVM for them. An
# infrastructure failure of the nested host (nested-kvm.py's status 125:
# it stalled or did not come up) is said so and retried once.
nested_timeout=${NESTED_TIMEOUT:-2400}
run_kvm_suite() {
	local dir=$1 logbase=$2 xsave=()
	shift 2
	if [[ ${1:-} == --xsave ]]; then
		xsave=(--xsave)
		shift
	fi
	choose_kvm_mode
	case $kvm_mode in
	direct)
		[[ ${#xsave[@]} -eq 0 ]] || return 0
		run_suite "$dir" "$logbase" "${opts[@]}" "$@"
		return
		;;
	none)
		echo "--- $dir: the 'kvm' suite is not run (KVM=none): $*"
		skipped=$((skipped + 1))
		return
		;;
	esac
	# The nested host has no network: the Linux artefacts are built here.
	count "$dir: Linux artefacts" meson compile -C "$dir" linux-artefacts \
		>"$dir/linux-artefacts.txt" 2>&1 || return
	local try status t0=$SECONDS tests=("$@") log=$dir/meson-logs/$logbase
	for try in 1 2; do
		wrap=(python3 scripts/nested-kvm.py run "${xsave[@]}"
			--artefacts "$dir/guest/linux" --timeout "$nested_timeout" --)
		run_suite "$dir" "$logbase" "${opts[@]}" "${tests[@]}"
		status=$?
		wrap=()
		((status == 125)) || break
		# The tests that ended before the stall count; the others run
		# again in a new nested host.
		add_counts --console "$log.out"
		if ((try == 2)); then
			count "$dir: the nested KVM host (failed twice)" false
			break
		fi
		mapfile -t tests < <(python3 scripts/count-results.py \
			--unfinished "$log.out" "${tests[@]}")
		((${#tests[@]})) || break
		echo "--- $dir: the nested KVM host failed (not a test);" \
			"running again: ${tests[*]}"
	done
	echo "--- $dir: nested KVM host ${xsave[*]:-without XSAVE}:" \
		"$((SECONDS - t0)) s"
}
# run_suites DIR [meson args]: every test of DIR but those matching the
# regex $except, the 'kvm' suite where it can run (see run_kvm_suite; only
# the tests matching the regex $kvm_only, when set), and with $xsave_too
# set, the snapshot tests once more on a nested host whose CPU has XSAVE
# (KVM offers XCRS there, which it does not without).
run_suites() {
	local dir=$1 kvm snap
	shift
	local opts=("$@") # meson test options, for run_kvm_suite too
	kvm=$(tests_of "$dir" kvm "$except" | grep -E -- "${kvm_only:-.}")
	# snapshot-linux-io is left out there: its 2-vCPU Linux guest did not
	# reach its first write with XSAVE in the nested host (noxsave given).
	snap=$(grep -E '^snapshot(-linux)?$' <<<"$kvm")
	run_suite "$dir" testlog "$@" $(tests_of "$dir" '!kvm' "$except")
	[[ -z $kvm ]] || run_kvm_suite "$dir" testlog-kvm $kvm
	[[ -z $snap || -z ${xsave_too:-} ]] ||
		run_kvm_suite "$dir" testlog-kvm-xsave --xsave $snap
}

stage_build() {
	banner "build: gcc, -Werror, hardening (build/)"
	count "build (gcc)" bash scripts/build.sh build || return
	except='^$' xsave_too=1 run_suites build
}

# The *-qemu tests run QEMU, not vigil: a sanitizer build of vigil changes
# nothing in them.
stage_asan() {
	banner "asan: gcc ASan+UBSan, -fno-sanitize-recover=all (build-ci/asan)"
	count "build (ASan+UBSan)" env CC=gcc bash scripts/build.sh \
		build-ci/asan -Db_sanitize=address,undefined || return
	# In an emulator a guest's run costs far more than vigil's own
	# instrumentation: the sanitizer builds run the suites that exercise
	# vigil the most (the test guest's devices, the hostile guest,
	# snapshots, a stock kernel), not every Linux workload again.
	except='-qemu$' kvm_only='^(boot|blk|hostile|snapshot|linux-boot)$' \
		run_suites build-ci/asan --timeout-multiplier 3
}

# clang: gcc's TSan cannot instrument atomic_thread_fence, which the
# virtqueue's memory ordering uses (-Wtsan).
stage_tsan() {
	banner "tsan: clang TSan (build-ci/tsan)"
	count "build (TSan)" env CC=clang bash scripts/build.sh build-ci/tsan \
		-Db_sanitize=none -Dsanitize_thread=true || return
	TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
		except='-qemu$' kvm_only='^(boot|blk|snapshot)$' \
		run_suites build-ci/tsan --timeout-multiplier 3
}

VALGRIND=(valgrind --error-exitcode=99 --leak-check=full
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
	--track-fds=no -q)

# valgrind does not implement seccomp(2): the boot runs with --no-seccomp
# (and test_sandbox skips itself). It cannot follow malloc in a static
# executable either: build/vigil is one (-static-pie), so the boot runs a
# dynamic vigil built for it in build-ci/valgrind.
valgrind_vigil=build-ci/valgrind/vigil
valgrind_boot() {
	local out=build/valgrind-boot.txt status
	echo "--- ${VALGRIND[*]} $valgrind_vigil --no-seccomp --cpus 2" \
		"--drive driver=null-co,size=1M --cmdline cpus=2 (serial: $out)"
	"${VALGRIND[@]}" "$valgrind_vigil" --no-seccomp \
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
	# The unit tests are dynamic executables in build/ already.
	run_suite build valgrind --suite unit --timeout-multiplier 10 \
		--wrapper "${VALGRIND[*]}"
	count "build (dynamic vigil for valgrind)" bash scripts/build.sh \
		build-ci/valgrind -Dstatic_pie=false -Dguest=false || return
	choose_kvm_mode
	case $kvm_mode in
	direct) count "valgrind: boot of the test guest" valgrind_boot ;;
	nested)
		count "valgrind: boot of the test guest (nested KVM host)" \
			python3 scripts/nested-kvm.py run --timeout 1200 \
			-- bash test.sh valgrind-boot
		;;
	none) skipped=$((skipped + 1)) ;;
	esac
}

stage_analyzers() {
	banner "analyzers: gcc -fanalyzer, cppcheck, clang-tidy, clang-format"
	count "gcc -fanalyzer" bash scripts/analyze.sh gcc-analyzer
	count "cppcheck" bash scripts/analyze.sh cppcheck
	count "clang-tidy" bash scripts/analyze.sh clang-tidy
	count "clang-format" bash scripts/format.sh --check
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

# Inside the nested KVM host: only the valgrind boot.
if [[ ${1:-} == valgrind-boot ]]; then
	valgrind_boot
	exit
fi

bash scripts/install-deps.sh --test || exit 1

stage_times=()
for s in $stages; do
	t0=$SECONDS
	case $s in
	build | asan | tsan | valgrind | analyzers | fuzz) "stage_$s" ;;
	*) echo "test.sh: unknown stage $s" ;;
	esac
	stage_times+=("$s $((SECONDS - t0)) s")
done

banner "done"
printf 'stage time: %s\n' "${stage_times[@]}"
for log in "${failed_logs[@]}"; do
	python3 scripts/count-results.py --failures "$log"
done
((${#failures[@]} == 0)) || printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
