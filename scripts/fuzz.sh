#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan+UBSan, coverage over the whole
# core library) in build-ci/fuzz and run each for a bounded time:
#   scripts/fuzz.sh [-t SECONDS] [-j JOBS] [-w WORKDIR] [TARGET...]
# TARGET is a name such as serial or virtq_blk (default: every fuzz-*
# built). Each target starts from its committed seed corpus,
# tests/fuzz/corpus/NAME/, plus WORKDIR/NAME/corpus (new inputs land
# there; default build-ci/fuzz/run, emptied first unless -k keeps it).
# Crashes, leaks, timeouts and OOMs are saved in WORKDIR/NAME/ and fail
# the run. Prints one line per target: runs, exec/s, coverage (edges),
# features, corpus size; also written to WORKDIR/results.tsv.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=60
jobs=$(nproc)
work=build-ci/fuzz/run
keep=false
while getopts "t:j:w:k" opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	j) jobs=$OPTARG ;;
	w) work=$OPTARG ;;
	k) keep=true ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))

build=build-ci/fuzz
opts=(-Dfuzz=true -Db_sanitize=none -Dguest=false)
echo "fuzz: building the targets in $build (clang, ${opts[*]})"
if [[ ! -f $build/build.ninja ]]; then
	CC=clang meson setup "$build" "${opts[@]}" >/dev/null || exit 1
else
	meson configure "$build" "${opts[@]}" >/dev/null || exit 1
fi
# The fuzzers and what they link only: the whole tree builds with clang
# in the TSan stage of test.sh. Regenerate first, so that targets added
# to tests/fuzz/meson.build are listed.
ninja -C "$build" build.ninja >/dev/null || exit 1
mapfile -t fuzz_exes < <(ninja -C "$build" -t targets all |
	grep -o '^tests/fuzz/fuzz-[A-Za-z0-9_-]*' | sort -u)
if ! ninja -C "$build" "${fuzz_exes[@]}" >"$build/build-output.txt" 2>&1; then
	grep -v '^\[' "$build/build-output.txt" | tail -60
	echo "fuzz: build failed"
	exit 1
fi

targets=("$@")
if ((${#targets[@]} == 0)); then
	for exe in "$build"/tests/fuzz/fuzz-*; do
		[[ -x $exe && -f $exe ]] || continue
		name=${exe##*/fuzz-}
		targets+=("${name//-/_}")
	done
fi

mkdir -p "$work"
work=$(cd "$work" && pwd)
export build work seconds keep root

# One target: fuzz, then print and record its figures.
run_one() {
	local name=$1 exe seeds dir log rc runs eps cov ft corp verdict
	exe=$build/tests/fuzz/fuzz-${name//_/-}
	[[ -x $exe ]] || exe=$build/tests/fuzz/fuzz-$name
	seeds=$root/tests/fuzz/corpus/$name
	dir=$work/$name
	if [[ ! -x $exe || ! -d $seeds ]]; then
		printf '%s\tFAILED\tno executable or no seed corpus\n' "$name"
		return 1
	fi
	[[ $keep == true ]] || rm -rf "$dir"
	mkdir -p "$dir/corpus"
	log=$dir/fuzz.log
	"$exe" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=4096 -artifact_prefix="$dir/" \
		"$dir/corpus" "$seeds" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	if ((rc == 0)) && ! compgen -G "$dir/crash-*" >/dev/null &&
		! compgen -G "$dir/leak-*" >/dev/null &&
		! compgen -G "$dir/timeout-*" >/dev/null &&
		! compgen -G "$dir/oom-*" >/dev/null; then
		verdict=ok
	else
		verdict=FAILED
		# What CI's log keeps: the report, where it stopped (a trapped
		# CHECK_INVARIANT has no message, only its frame) and the input.
		grep -E 'ERROR|SUMMARY|artifact|==[0-9]+==|^ +#[0-9]+ ' "$log" |
			head -30 >&2
		for f in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* \
			"$dir"/oom-*; do
			[[ -f $f ]] || continue
			echo "$name: ${f##*/}, $(stat -c %s "$f") bytes:" >&2
			od -An -tx1 -v "$f" | head -16 >&2
		done
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$verdict" "${runs:-0}" \
		"${eps:-0}" "${cov:-0}" "${ft:-0}" "${corp:-0}"
	[[ $verdict == ok ]]
}
export -f run_one

echo "fuzz: ${#targets[@]} targets, ${seconds}s each, $jobs at a time;" \
	"logs and findings in $work/NAME/"
printf '%s\n' "${targets[@]}" |
	xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} >"$work/results.tsv"
status=$?
printf '%-14s %-7s %11s %8s %7s %7s %7s\n' target result runs exec/s \
	edges features corpus
sort "$work/results.tsv" | while IFS=$'\t' read -r n v r e c f p; do
	printf '%-14s %-7s %11s %8s %7s %7s %7s\n' "$n" "$v" "$r" "$e" "$c" \
		"$f" "$p"
done
exit $((status != 0))
