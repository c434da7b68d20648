#!/usr/bin/env bash
# Turns the raw profiles of a coverage build into a text summary and an HTML
# report over core/src. Usage: sanitizers/coverage-report.sh <build dir>
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
out=$build/coverage
profdata=${LLVM_PROFDATA:-llvm-profdata-14}
cov=${LLVM_COV:-llvm-cov-14}

shopt -s nullglob
raws=("$build"/profraw/*.profraw)
if [ ${#raws[@]} -eq 0 ]; then
	echo "coverage-report: no profiles under $build/profraw" >&2
	exit 1
fi
mkdir -p "$out"
"$profdata" merge -sparse "${raws[@]}" -o "$out/merged.profdata"

# Every instrumented executable of the build contributes.
objects=()
while IFS= read -r f; do
	if head -c 4 "$f" | grep -q 'ELF' && grep -q __llvm_prf "$f" 2>/dev/null; then
		objects+=(-object "$f")
	fi
done < <(find "$build" -type f -perm -u+x ! -name '*.so*' ! -path '*/CMakeFiles/*')
[ ${#objects[@]} -gt 0 ] || { echo "coverage-report: no instrumented binaries" >&2; exit 1; }

"$cov" report -instr-profile="$out/merged.profdata" "${objects[@]}" \
	"$src/core/src" >"$out/summary.txt"
"$cov" show -format=html -output-dir="$out/html" \
	-instr-profile="$out/merged.profdata" "${objects[@]}" "$src/core/src" \
	-show-line-counts-or-regions -show-branches=count >/dev/null
"$cov" show -instr-profile="$out/merged.profdata" "${objects[@]}" \
	"$src/core/src" -show-branches=count >"$out/annotated.txt"
cat "$out/summary.txt"
echo "coverage-report: HTML in $out/html/index.html"
