#!/usr/bin/env bash
# The main job: builds every fuzz target and fuzzes each one from its
# corpus, then prints a summary table.
#
# Usage: scripts/fuzz.sh [--engine libfuzzer|afl] [--time SECONDS] [--jobs N]
#                        [--target NAME]... [--build DIR] [--out DIR]
#   --engine  libfuzzer (default): preset libfuzzer, libFuzzer + ASan + UBSan;
#             afl: preset afl, a main (-M, with the CMPLOG binary) and a
#             secondary (-S) afl-fuzz instance per target
#   --time    total fuzzing time shared by the targets (default 60)
#   --jobs    libFuzzer -fork=N workers per target (default 1: no fork)
#   --target  fuzz only this target (repeatable)
#   --build   build directory (default build/<engine>)
#   --out     output folder (default fuzz-out; <out>/<target>/ is replaced)
# New inputs go to <out>/<target>/; a crash stops the run with the
# reproducer and the command that replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=libfuzzer total=60 jobs=1 only=() build="" out=fuzz-out
while [ $# -gt 0 ]; do
	case "$1" in
	--engine) engine=$2; shift 2 ;;
	--time) total=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--target) only+=("$2"); shift 2 ;;
	--build) build=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
case "$engine" in
libfuzzer) bash scripts/setup.sh fuzz ;;
afl) bash scripts/setup.sh afl ;;
*) echo "fuzz.sh: unknown engine $engine (libfuzzer or afl)" >&2; exit 2 ;;
esac
build=${build:-build/$engine}

echo "=== building the $engine targets (preset $engine, in $build)"
mkdir -p build/logs
log=build/logs/fuzz-build-$engine.log
if ! { cmake --preset "$engine" -B "$build" &&
	cmake --build "$build" --target zs_fuzz_targets -j "$(nproc)"; } >"$log" 2>&1; then
	tail -n 40 "$log"
	echo "fuzz.sh: build failed (log: $log)"
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

# stat_of <fuzzer_stats file> <key>: one value of afl-fuzz's stats file.
stat_of() {
	awk -F': *' -v k="$2" '{gsub(/ +$/, "", $1)} $1 == k {print $2}' "$1" 2>/dev/null | tr -d '%'
}

rows=()
crashed="" reproducers=() replay_bin=""

# fuzz_libfuzzer <target>: one libFuzzer run; fills a row, sets crashed.
fuzz_libfuzzer() {
	local t=$1 bin=$build/fuzz/$1 work=$out/$1
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	local args=(-max_total_time="$per" -print_final_stats=1
		-artifact_prefix="$work/artifacts/")
	[ -f "fuzz/$t.dict" ] && args+=(-dict="fuzz/$t.dict")
	[ "$jobs" -gt 1 ] && args+=(-fork="$jobs")
	local extra
	mapfile -t extra < <(options_of "$t")
	echo "=== $t: libFuzzer, ${per}s, jobs $jobs"
	local rc=0
	"$bin" "${args[@]}" "${extra[@]}" "$work/corpus" "corpus/$t" >"$work/log" 2>&1 || rc=$?
	local last runs eps cov ft new
	last=$(grep -E '^#[0-9]+' "$work/log" | tail -1 || true)
	runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$work/log" | awk '{print $2}' || true)
	[ -z "$runs" ] && runs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
	eps=$(grep -oE 'stat::average_exec_per_sec: [0-9]+' "$work/log" | awk '{print $2}' || true)
	[ -z "$eps" ] && eps=$(grep -oE 'exec/s: [0-9]+' <<<"$last" | awk '{print $2}' || true)
	cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | awk '{print $2}' || true)
	ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | awk '{print $2}' || true)
	new=$(find "$work/corpus" -type f | wc -l)
	mapfile -t reproducers < <(find "$work/artifacts" -type f)
	rows+=("$(printf '%-16s %10s %8s %6s %7s %5s %7s' "$t" "${runs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$new" "${#reproducers[@]}")")
	if [ ${#reproducers[@]} -gt 0 ] || [ $rc -ne 0 ]; then
		crashed=$t replay_bin=$bin
		echo "--- $t failed (exit $rc); the log says:"
		grep -E 'ERROR|SUMMARY|zsmalloc|shadow|Test unit written' "$work/log" | head -n 20 || true
	fi
}

# fuzz_afl <target>: a main and a secondary afl-fuzz instance on one output
# folder for the time budget; fills a row, sets crashed.
fuzz_afl() {
	local t=$1 bin=$build/fuzz/$1 work=$out/$1
	rm -rf "$work"
	mkdir -p "$work/seeds"
	# Seeds and regressions, flat (afl-fuzz wants files, not notes).
	find "corpus/$t" -type f ! -name '*.md' -exec cp -t "$work/seeds" {} +
	local common=(-i "$work/seeds" -o "$work/afl" -V "$per" -m none)
	[ -f "fuzz/$t.dict" ] && common+=(-x "fuzz/$t.dict")
	echo "=== $t: AFL++, ${per}s, -M main (CMPLOG $bin.cmplog) and -S second"
	export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
		AFL_NO_AFFINITY=1 AFL_BENCH_UNTIL_CRASH=1
	afl-fuzz -M main -c "$bin.cmplog" "${common[@]}" -- "$bin" >"$work/main.log" 2>&1 &
	local main_pid=$!
	afl-fuzz -S second "${common[@]}" -- "$bin" >"$work/second.log" 2>&1 &
	local second_pid=$!
	# Stop both as soon as either saves a crash.
	while kill -0 "$main_pid" 2>/dev/null || kill -0 "$second_pid" 2>/dev/null; do
		if compgen -G "$work/afl/*/crashes/id:*" >/dev/null; then
			kill -INT "$main_pid" "$second_pid" 2>/dev/null || true
			break
		fi
		sleep 1
	done
	local rc_main=0 rc_second=0
	wait "$main_pid" || rc_main=$?
	wait "$second_pid" || rc_second=$?

	local runs=0 eps=0 edges=0 cvg="" new=0 n s e
	for s in "$work/afl/main/fuzzer_stats" "$work/afl/second/fuzzer_stats"; do
		[ -f "$s" ] || continue
		runs=$((runs + $(stat_of "$s" execs_done)))
		eps=$(awk -v a="$eps" -v b="$(stat_of "$s" execs_per_sec)" 'BEGIN {printf "%d", a + b}')
		e=$(stat_of "$s" edges_found)
		[ "$e" -gt "$edges" ] && edges=$e
		[ -z "$cvg" ] && cvg=$(stat_of "$s" bitmap_cvg)
		n=$(stat_of "$s" corpus_found)
		new=$((new + ${n:-0}))
	done
	mapfile -t reproducers < <(find "$work/afl" -path '*/crashes/id:*' -type f)
	rows+=("$(printf '%-16s %10s %8s %6s %7s %5s %7s' "$t" "$runs" "$eps" "$edges" "${cvg:-?}%" "$new" "${#reproducers[@]}")")
	if [ ${#reproducers[@]} -gt 0 ]; then
		crashed=$t replay_bin=$bin
	elif [ ! -f "$work/afl/main/fuzzer_stats" ] || [ ! -f "$work/afl/second/fuzzer_stats" ]; then
		crashed=$t replay_bin=""
		echo "--- $t: afl-fuzz did not run (exit $rc_main/$rc_second); the logs end:"
		tail -n 5 "$work/main.log" "$work/second.log"
	fi
}

for t in "${targets[@]}"; do
	[ -x "$build/fuzz/$t" ] || { echo "fuzz.sh: no binary $build/fuzz/$t" >&2; exit 1; }
	"fuzz_$engine" "$t"
	if [ -n "$crashed" ]; then
		for a in "${reproducers[@]}"; do
			echo "reproducer: $a"
			echo "replay:     $replay_bin '$a'"
			echo "   or:      build/dev/fuzz/${t}_replay '$a'   (after cmake --preset dev && cmake --build --preset dev)"
		done
		break
	fi
done

echo
if [ "$engine" = afl ]; then
	printf '%-16s %10s %8s %6s %7s %5s %7s\n' target runs execs/s edges bitmap new crashes
else
	printf '%-16s %10s %8s %6s %7s %5s %7s\n' target runs execs/s cov ft new crashes
fi
for r in "${rows[@]}"; do echo "$r"; done
if [ -n "$crashed" ]; then
	echo "fuzz.sh: $crashed failed; logs under $out/$crashed/"
	exit 1
fi
echo "fuzz.sh: $engine, ${#targets[@]} targets, ${per}s each, no crash (new inputs under $out/)"
