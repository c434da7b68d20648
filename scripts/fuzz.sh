#!/usr/bin/env bash
# The main job: builds every fuzz target with libFuzzer + ASan + UBSan and
# fuzzes each one from its corpus, then prints a summary table.
#
# Usage: scripts/fuzz.sh [--time SECONDS] [--jobs N] [--target NAME]...
#   --time    total fuzzing time shared by the targets (default 60)
#   --jobs    libFuzzer -fork=N workers per target (default 1: no fork)
#   --target  fuzz only this target (repeatable)
# New inputs go to fuzz-out/<target>/corpus; crashes stop the run with the
# reproducer and the command that replays it.
set -uo pipefail
cd "$(dirname "$0")/.."

total=60 jobs=1 only=()
while [ $# -gt 0 ]; do
	case "$1" in
	--time) total=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--target) only+=("$2"); shift 2 ;;
	-h | --help) sed -n '2,11p' "$0"; exit 0 ;;
	*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

bash scripts/setup.sh fuzz || exit 1
echo "=== building the libFuzzer targets (preset libfuzzer)"
mkdir -p build/logs
if ! { cmake --preset libfuzzer && cmake --build --preset libfuzzer -j "$(nproc)"; } >build/logs/fuzz-build.log 2>&1; then
	tail -n 40 build/logs/fuzz-build.log
	echo "fuzz.sh: build failed (log: build/logs/fuzz-build.log)"
	exit 1
fi

targets=()
if [ ${#only[@]} -gt 0 ]; then
	targets=("${only[@]}")
else
	for f in fuzz/*.c; do targets+=("$(basename "$f" .c)"); done
fi
per=$((total / ${#targets[@]}))
[ "$per" -lt 1 ] && per=1

# libFuzzer flags from fuzz/<target>.options ([libfuzzer] key = value).
options_of() {
	local f=fuzz/$1.options
	[ -f "$f" ] || return 0
	awk -F'=' '/^\[/{s=($0 ~ /libfuzzer/)} s && NF==2 {gsub(/ /,""); print "-"$1"="$2}' "$f"
}

rows=()
crashed=""
for t in "${targets[@]}"; do
	bin=build/libfuzzer/fuzz/$t
	[ -x "$bin" ] || { echo "fuzz.sh: no binary $bin" >&2; exit 1; }
	work=fuzz-out/$t
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	args=(-max_total_time="$per" -print_final_stats=1
		-artifact_prefix="$work/artifacts/")
	[ -f "fuzz/$t.dict" ] && args+=(-dict="fuzz/$t.dict")
	[ "$jobs" -gt 1 ] && args+=(-fork="$jobs")
	mapfile -t extra < <(options_of "$t")
	echo "=== $t: ${per}s, jobs $jobs"
	"$bin" "${args[@]}" "${extra[@]}" "$work/corpus" "corpus/$t" >"$work/log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+' "$work/log" | tail -1)
	runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$work/log" | awk '{print $2}')
	[ -z "$runs" ] && runs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
	eps=$(grep -oE 'stat::average_exec_per_sec: [0-9]+' "$work/log" | awk '{print $2}')
	[ -z "$eps" ] && eps=$(grep -oE 'exec/s: [0-9]+' <<<"$last" | awk '{print $2}')
	cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | awk '{print $2}')
	ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | awk '{print $2}')
	new=$(find "$work/corpus" -type f | wc -l)
	mapfile -t arts < <(find "$work/artifacts" -type f)
	rows+=("$(printf '%-12s %10s %8s %6s %7s %5s %7s' "$t" "${runs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$new" "${#arts[@]}")")
	if [ ${#arts[@]} -gt 0 ] || [ $rc -ne 0 ]; then
		crashed=$t
		echo "--- $t failed (exit $rc); the log ends:"
		grep -E 'ERROR|SUMMARY|zsmalloc|shadow|Test unit written' "$work/log" | head -n 20
		for a in "${arts[@]}"; do
			echo "reproducer: $a"
			echo "replay:     $bin $a"
			echo "   or:      build/dev/fuzz/${t}_replay $a   (after cmake --preset dev && cmake --build --preset dev)"
		done
		break
	fi
done

echo
printf '%-12s %10s %8s %6s %7s %5s %7s\n' target runs execs/s cov ft new crashes
for r in "${rows[@]}"; do echo "$r"; done
if [ -n "$crashed" ]; then
	echo "fuzz.sh: $crashed crashed; full log: fuzz-out/$crashed/log"
	exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets, ${per}s each, no crash (new inputs under fuzz-out/)"
