#!/usr/bin/env bash
# Keep every C file of the tree in the style of .clang-format (the Linux
# kernel's: tabs, 8-column indents and continuations, no comment reflow):
#   scripts/format.sh           reformat the files in place
#   scripts/format.sh --check   name each file that is not formatted and
#                               exit 1 if there is one (test.sh runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
case "${1:-}" in
--check) check=true ;;
"") ;;
*)
	echo "usage: scripts/format.sh [--check]" >&2
	exit 2
	;;
esac
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files '*.c' '*.h')
else
	mapfile -t files < <(find . -name '*.[ch]' -not -path './build*' |
		sed 's|^\./||' | sort)
fi
if ! $check; then
	clang-format -i "${files[@]}"
	exit 0
fi
bad=0
for f in "${files[@]}"; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "format: $f differs from .clang-format (scripts/format.sh)"
		bad=$((bad + 1))
	fi
done
echo "format: ${#files[@]} files, $bad not formatted"
((bad == 0))
