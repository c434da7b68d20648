#!/usr/bin/env bash
# Turns the raw profiles of a coverage build into a text summary, a list of
# uncovered lines and branches, and an HTML report over core/src.
#
# Usage: sanitizers/coverage-report.sh [--label corpus] <build dir>
#
#   (no option)      merge what is already in <build>/profraw (the profiles
#                    of whatever ran, e.g. the whole ctest suite) and report
#                    into <build>/coverage/
#   --label <label>  run only `ctest -L <label>` of <build> now, with its own
#                    profiles in <build>/profraw-<label>/, and report into
#                    <build>/coverage-<label>/ (`--label corpus`: the
#                    coverage of the corpus replays alone)
#
# Files written under the report folder: summary.txt (llvm-cov report),
# uncovered.txt (per file: line ranges never run, branches one way only),
# totals.txt (one line: lines and branches covered, in percent),
# annotated.txt (every source line with counts), html/index.html.
set -euo pipefail
label=
if [ "${1:-}" = --label ]; then
	label=${2:?coverage-report: --label needs a ctest label}
	shift 2
fi
[ $# -eq 1 ] || {
	echo "usage: $0 [--label <ctest label>] <build dir>" >&2
	exit 2
}
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
profdata=${LLVM_PROFDATA:-llvm-profdata-14}
cov=${LLVM_COV:-llvm-cov-14}

if [ -n "$label" ]; then
	raw_dir=$build/profraw-$label
	out=$build/coverage-$label
	rm -rf "$raw_dir"
	# The tests' own verdict matters less here than the profiles they
	# leave, but a failing replay means the figure is not the corpus's.
	LLVM_PROFILE_FILE="$raw_dir/%p-%m.profraw" \
		ctest --test-dir "$build" -L "$label" -j 2 --output-on-failure \
		>"$build/coverage-$label.log" 2>&1 || {
		echo "coverage-report: ctest -L $label failed," \
			"see $build/coverage-$label.log" >&2
		exit 1
	}
else
	raw_dir=$build/profraw
	out=$build/coverage
fi

shopt -s nullglob
raws=("$raw_dir"/*.profraw)
if [ ${#raws[@]} -eq 0 ]; then
	echo "coverage-report: no profiles under $raw_dir" >&2
	exit 1
fi
rm -rf "$out"
mkdir -p "$out"
"$profdata" merge -sparse "${raws[@]}" -o "$out/merged.profdata"

# Every instrumented executable of the build contributes.
objects=()
while IFS= read -r f; do
	if head -c 4 "$f" | grep -q 'ELF' && grep -q __llvm_prf "$f" 2>/dev/null; then
		objects+=(-object "$f")
	fi
done < <(find "$build" -type f -perm -u+x ! -name '*.so*' ! -path '*/CMakeFiles/*' | sort)
[ ${#objects[@]} -gt 0 ] || { echo "coverage-report: no instrumented binaries" >&2; exit 1; }
# llvm-cov takes the first binary positionally, the others after -object.
objects=("${objects[@]:1}")
args=(-instr-profile="$out/merged.profdata" "${objects[@]}" "$src/core/src")

"$cov" report "${args[@]}" >"$out/summary.txt"
"$cov" show -format=html -output-dir="$out/html" "${args[@]}" \
	-show-line-counts-or-regions -show-branches=count >/dev/null
"$cov" show "${args[@]}" -show-branches=count >"$out/annotated.txt"

# lcov records: DA:<line>,<count> and BRDA:<line>,<block>,<branch>,<taken>;
# llvm-cov gives each condition two branches (true, false) in that order.
"$cov" export -format=lcov "${args[@]}" | awk -v root="$src/core/src/" '
	function flush_range() {
		if (start) {
			lines = lines (lines ? ", " : "") \
				(start == prev ? start : start "-" prev)
			start = 0
		}
	}
	/^SF:/ { file = substr($0, 4); sub("^" root, "", file)
		lines = ""; branches = ""; start = 0; prev = 0; nl = 0; nb = 0 }
	/^DA:/ { split(substr($0, 4), a, ",")
		if (a[2] + 0 == 0) {
			nl++
			if (start && a[1] == prev + 1) prev = a[1]
			else { flush_range(); start = prev = a[1] }
		} }
	/^BRDA:/ { split(substr($0, 6), b, ",")
		key = b[1] ":" b[2]
		taken[key, b[3] % 2] = (b[4] != "-" && b[4] + 0 > 0)
		if (b[3] % 2) {
			t = taken[key, 0]; f = taken[key, 1]
			if (!t || !f) {
				nb += !t + !f
				branches = branches (branches ? ", " : "") b[1] \
					(!t && !f ? "(never)" : !t ? "(never true)" : \
					 "(never false)")
			}
		} }
	/^end_of_record/ { flush_range()
		if (nl || nb) {
			print file ": " nl " lines, " nb " branch directions not covered"
			if (lines != "") print "  lines: " lines
			if (branches != "") print "  branches: " branches
		} }
' >"$out/uncovered.txt"

awk '/^TOTAL/ { print "lines " $10 ", branches " $13 }' "$out/summary.txt" \
	>"$out/totals.txt"
cat "$out/summary.txt"
echo "coverage-report${label:+ ($label)}: $(cat "$out/totals.txt");" \
	"uncovered in $out/uncovered.txt, HTML in $out/html/index.html"
