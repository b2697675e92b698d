#!/usr/bin/env bash
# Fuzz for hours rather than test.sh's bounded minute:
#   scripts/fuzz-long.sh TARGET|all HOURS
# Runs the target (or every target, as many at a time as there are CPUs)
# for HOURS (fractions allowed: 0.25 is 15 minutes). The corpus grows in
# build-ci/fuzz/long/NAME/corpus and is kept between runs, so each run
# starts where the last one stopped; findings (crash-*, leak-*, timeout-*,
# oom-*) land in build-ci/fuzz/long/NAME/. To keep what a long run learnt,
# merge its corpus into the committed seeds (docs/secure-coding.md):
#   build-ci/fuzz/tests/fuzz/fuzz-NAME -merge=1 tests/fuzz/corpus/NAME \
#       build-ci/fuzz/long/NAME/corpus
# A crash becomes a unit test and a fix; its input joins the seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
if (($# != 2)); then
	echo "usage: scripts/fuzz-long.sh TARGET|all HOURS" >&2
	exit 2
fi
target=$1
seconds=$(python3 -c "import sys; print(int(float(sys.argv[1]) * 3600))" "$2")
if [[ $target == all ]]; then
	targets=()
else
	targets=("$target")
fi
exec bash scripts/fuzz.sh -k -t "$seconds" -w build-ci/fuzz/long \
	${targets[@]+"${targets[@]}"}
