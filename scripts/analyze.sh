#!/usr/bin/env bash
# Static analysis of vigil's host code: lib/ vmm/ devices/ block/ net/ migration/
# vhost-user/ (guest/ is freestanding code with its own flags and is not
# analysed here).
#   scripts/analyze.sh gcc-analyzer|cppcheck|clang-tidy
# Prints each finding and "N findings, N suppressed, N remaining"; exits 1
# when a finding remains that tests/analyzers/TOOL.supp does not justify.
# cppcheck and clang-tidy use the compile commands of the normal build
# (build/, configured by test.sh or scripts/build.sh build); gcc -fanalyzer
# builds its own tree in build-ci/analyzer.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dirs=(lib vmm devices block net migration vhost-user)
supp=tests/analyzers
jobs=$(nproc)

need_build() {
	if [[ ! -f build/compile_commands.json ]]; then
		echo "analyze: configure build/ first (scripts/build.sh build)" >&2
		exit 2
	fi
}

# The host sources of the normal build, one absolute path a line.
host_sources() {
	python3 - "$root" "${dirs[@]}" <<'EOF'
import json, os, sys
root, dirs = sys.argv[1], sys.argv[2:]
seen = set()
for e in json.load(open(os.path.join(root, "build/compile_commands.json"))):
    path = os.path.realpath(os.path.join(e["directory"], e["file"]))
    if os.path.relpath(path, root).split(os.sep)[0] in dirs and path not in seen:
        seen.add(path)
        print(path)
EOF
}

gcc_analyzer() {
	local dir=build-ci/analyzer
	echo "analyze: gcc -fanalyzer, full rebuild of $dir (host code, no guest)"
	if [[ ! -f $dir/build.ninja ]]; then
		CC=gcc meson setup "$dir" -Dguest=false -Dwerror=false \
			-Dc_args=-fanalyzer >/dev/null || return 2
	fi
	# Every file again, so every finding is printed again.
	ninja -C "$dir" -t clean >/dev/null
	ninja -C "$dir" 2>&1 |
		python3 scripts/analyzer-filter.py "$supp/gcc-analyzer.supp" \
			"$root" "$dir" "${dirs[@]}"
}

cppcheck_run() {
	need_build
	echo "analyze: cppcheck $(cppcheck --version | cut -d' ' -f2)," \
		"warning/style/performance/portability, over ${dirs[*]}"
	local filters=() out n
	for d in "${dirs[@]}"; do
		# cppcheck matches paths relative to the current directory.
		filters+=("--file-filter=$d/*")
	done
	# No --library=posix/gnu: their configs flag valid calls (mmap with
	# MAP_ANONYMOUS and fd -1, accept4 with a NULL address).
	out=$(cppcheck --project=build/compile_commands.json "${filters[@]}" \
		--enable=warning,style,performance,portability \
		--suppressions-list="$supp/cppcheck.supp" --inline-suppr \
		-q -j "$jobs" --template='{file}:{line}: {severity}: {id}: {message}' \
		2>&1)
	n=$(grep -c ': [a-z]*: [A-Za-z0-9_]*: ' <<<"$out")
	[[ -n $out ]] && echo "$out"
	echo "$n findings remaining (after $supp/cppcheck.supp)"
	[[ $n -eq 0 ]]
}

clang_tidy() {
	need_build
	echo "analyze: $(clang-tidy --version | grep -o 'LLVM version [0-9.]*')," \
		"checks from .clang-tidy, over ${dirs[*]}"
	host_sources | xargs -P "$jobs" -n 1 clang-tidy -p build --quiet \
		--extra-arg=-Wno-unknown-warning-option \
		2> >(grep -v "warnings\? generated" >&2) |
		python3 scripts/analyzer-filter.py "$supp/clang-tidy.supp" \
			"$root" build "${dirs[@]}"
}

case "${1:-}" in
gcc-analyzer) gcc_analyzer ;;
cppcheck) cppcheck_run ;;
clang-tidy) clang_tidy ;;
*)
	echo "usage: scripts/analyze.sh gcc-analyzer|cppcheck|clang-tidy" >&2
	exit 2
	;;
esac
