#!/usr/bin/env bash
# The main job: builds every fuzz target and fuzzes each one from its
# corpus, then prints one summary table and every finding.
#
# Usage: scripts/fuzz.sh [--engine libfuzzer|afl] [--time SECONDS] [--jobs N]
#                        [--target NAME]... [--parallel P] [--build DIR]
#                        [--out DIR]
#        scripts/fuzz.sh --soak MINUTES [--msan MINUTES] [--tsan MINUTES]
#                        [--target NAME]... [--parallel P] [--jobs N]
#                        [--out DIR]
#   --engine    libfuzzer (default): preset libfuzzer, libFuzzer + ASan +
#               UBSan; afl: preset afl, a main (-M, with the CMPLOG binary)
#               and a secondary (-S) afl-fuzz instance per target
#   --time      total fuzzing time shared by the targets (default 60)
#   --jobs      libFuzzer -fork=N workers per target (default 1: no fork)
#   --target    fuzz only this target (repeatable)
#   --parallel  targets fuzzed at once (default 1; --soak: one per core)
#   --build     build directory (default build/<preset>)
#   --out       output folder (default fuzz-out, --soak: soak-out)
#   --soak      the long run: every target MINUTES under libFuzzer + ASan +
#               UBSan, then --msan MINUTES (default 3/10 of it, at least 1)
#               under libFuzzer + MSan (preset libfuzzer-msan), then the
#               targets that start threads (zs_threads) --tsan MINUTES (the
#               same default as --msan) under libFuzzer + TSan (preset
#               libfuzzer-tsan), each from its committed corpus; one table
#               (--msan 0, --tsan 0: that part left out)
# Every target is fuzzed even when another one finds something. New inputs
# go to <out>/<target>/corpus; findings are listed after the table with the
# reproducer and the commands that replay it; the exit status is 1 when
# anything was found (or a target could not run), else 0.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=libfuzzer total=60 jobs=1 only=() build="" out="" parallel=""
soak="" msan="" tsan=""
while [ $# -gt 0 ]; do
	case "$1" in
	--engine) engine=$2; shift 2 ;;
	--time) total=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--target) only+=("$2"); shift 2 ;;
	--parallel) parallel=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--soak) soak=$2; shift 2 ;;
	--msan) msan=$2; shift 2 ;;
	--tsan) tsan=$2; shift 2 ;;
	-h | --help) sed -n '2,31p' "$0"; exit 0 ;;
	*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
case "$engine" in
libfuzzer) bash scripts/setup.sh fuzz ;;
afl) bash scripts/setup.sh afl ;;
*) echo "fuzz.sh: unknown engine $engine (libfuzzer or afl)" >&2; exit 2 ;;
esac
if [ -n "$soak" ]; then
	[ "$engine" = libfuzzer ] || { echo "fuzz.sh: --soak runs libFuzzer" >&2; exit 2; }
	[ -n "$build" ] && { echo "fuzz.sh: --soak builds its own presets" >&2; exit 2; }
	[ -z "$msan" ] && msan=$(((soak * 3 + 9) / 10))
	[ -z "$tsan" ] && tsan=$(((soak * 3 + 9) / 10))
	out=${out:-soak-out}
	parallel=${parallel:-$(nproc 2>/dev/null || echo 1)}
fi
out=${out:-fuzz-out}
parallel=${parallel:-1}

targets=()
if [ ${#only[@]} -gt 0 ]; then
	targets=("${only[@]}")
else
	for f in fuzz/*.c; do targets+=("$(basename "$f" .c)"); done
fi

# Targets that start threads: the soak runs them under TSan as well.
threaded=(zs_threads)

# build_preset <preset> <dir> [<target>...]: the fuzz targets of one preset
# (all of them when none is named).
build_preset() {
	local log=build/logs/fuzz-build-$1.log preset=$1 dir=$2
	shift 2
	local what=("$@")
	[ ${#what[@]} -eq 0 ] && what=(zs_fuzz_targets)
	echo "=== building the fuzz targets (preset $preset, in $dir)"
	mkdir -p build/logs
	if ! { cmake --preset "$preset" -B "$dir" &&
		cmake --build "$dir" --target "${what[@]}" -j "$(nproc)"; } >"$log" 2>&1; then
		tail -n 40 "$log"
		echo "fuzz.sh: build failed (log: $log)"
		exit 1
	fi
}

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

# fuzz_libfuzzer <label> <bin> <target> <seconds> <work>: one libFuzzer
# run; leaves <work>/row (the table line) and <work>/findings (one line
# per reproducer, or a note when the run failed without one).
fuzz_libfuzzer() {
	local label=$1 bin=$2 t=$3 secs=$4 work=$5
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	local args=(-max_total_time="$secs" -print_final_stats=1
		-artifact_prefix="$work/artifacts/")
	[ -f "fuzz/$t.dict" ] && args+=(-dict="fuzz/$t.dict")
	[ "$jobs" -gt 1 ] && args+=(-fork="$jobs")
	local extra
	mapfile -t extra < <(options_of "$t")
	local rc=0
	"$bin" "${args[@]}" "${extra[@]}" "$work/corpus" "corpus/$t" >"$work/log" 2>&1 || rc=$?
	# plain runs end with stat:: lines; -fork runs print "#N: cov: ..."
	local last runs eps cov ft rss new
	last=$(grep -E '^#[0-9]+' "$work/log" | tail -1 || true)
	runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$work/log" | awk '{print $2}' || true)
	[ -z "$runs" ] && runs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
	eps=$(grep -oE 'stat::average_exec_per_sec: [0-9]+' "$work/log" | awk '{print $2}' || true)
	[ -z "$eps" ] && eps=$(grep -oE 'exec/s:? [0-9]+' <<<"$last" | grep -oE '[0-9]+' || true)
	cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | awk '{print $2}' || true)
	ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | awk '{print $2}' || true)
	rss=$(grep -oE 'stat::peak_rss_mb: [0-9]+' "$work/log" | awk '{print $2}' || true)
	[ -z "$rss" ] && rss=$(grep -oE 'rss: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || true)
	new=$(find "$work/corpus" -type f | wc -l)
	local found
	mapfile -t found < <(find "$work/artifacts" -type f | sort)
	printf '%-8s %-16s %6s %10s %8s %6s %7s %5s %7s %7s\n' "$label" "$t" "$secs" \
		"${runs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$new" "${rss:-?}" \
		"${#found[@]}" >"$work/row"
	: >"$work/findings"
	local a cause
	# the harness's own verdict first, then a sanitizer's, then anything
	cause=$(grep -m1 -E 'zs-fuzz: FAIL|BUG' "$work/log" ||
		grep -m1 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:|WARNING: (Memory|Thread)Sanitizer' "$work/log" ||
		grep -m1 -E 'ERROR: libFuzzer|zsmalloc:' "$work/log" || true)
	for a in "${found[@]}"; do
		printf '%s|%s|%s|%s|%s\n' "$label" "$t" "$a" "$bin" "${cause//|/\/}" >>"$work/findings"
	done
	if [ ${#found[@]} -eq 0 ] && [ $rc -ne 0 ]; then
		printf '%s|%s|-|exit %s without a reproducer, see %s\n' "$label" "$t" \
			"$rc" "$work/log" >>"$work/findings"
	fi
}

# fuzz_afl <bin> <target> <seconds> <work>: a main and a secondary
# afl-fuzz instance on one output folder; leaves row and findings too.
fuzz_afl() {
	local bin=$1 t=$2 secs=$3 work=$4
	rm -rf "$work"
	mkdir -p "$work/seeds"
	# Seeds and regressions, flat (afl-fuzz wants files, not notes).
	find "corpus/$t" -type f ! -name '*.md' -exec cp -t "$work/seeds" {} +
	local common=(-i "$work/seeds" -o "$work/afl" -V "$secs" -m none)
	[ -f "fuzz/$t.dict" ] && common+=(-x "fuzz/$t.dict")
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
	local found
	mapfile -t found < <(find "$work/afl" -path '*/crashes/id:*' -type f | sort)
	printf '%-8s %-16s %6s %10s %8s %6s %7s %5s %7s %7s\n' afl "$t" "$secs" "$runs" \
		"$eps" "$edges" "${cvg:-?}%" "$new" "-" "${#found[@]}" >"$work/row"
	: >"$work/findings"
	local a
	for a in "${found[@]}"; do
		printf 'afl|%s|%s|%s\n' "$t" "$a" "$bin" >>"$work/findings"
	done
	if [ ! -f "$work/afl/main/fuzzer_stats" ] || [ ! -f "$work/afl/second/fuzzer_stats" ]; then
		printf 'afl|%s|-|afl-fuzz did not run (exit %s/%s), see %s\n' "$t" \
			"$rc_main" "$rc_second" "$work" >>"$work/findings"
	fi
}

works=()
# stage <label> <build dir> <seconds per target> <target>...: each target,
# up to $parallel at once.
stage() {
	local label=$1 dir=$2 secs=$3 t running=0
	shift 3
	local which=("$@")
	for t in "${which[@]}"; do
		if [ ! -x "$dir/fuzz/$t" ]; then
			echo "fuzz.sh: no binary $dir/fuzz/$t" >&2
			exit 1
		fi
	done
	for t in "${which[@]}"; do
		local work=$out/$t
		[ -n "$soak" ] && work=$out/$label/$t
		works+=("$work")
		echo "=== $t: $label, ${secs}s, jobs $jobs ($(date +%H:%M:%S))"
		if [ "$engine" = afl ]; then
			fuzz_afl "$dir/fuzz/$t" "$t" "$secs" "$work" &
		else
			fuzz_libfuzzer "$label" "$dir/fuzz/$t" "$t" "$secs" "$work" &
		fi
		running=$((running + 1))
		if [ "$running" -ge "$parallel" ]; then
			wait -n || true
			running=$((running - 1))
		fi
	done
	wait || true
	echo "=== $label done ($(date +%H:%M:%S))"
}

if [ -n "$soak" ]; then
	racing=()
	for t in "${targets[@]}"; do
		case " ${threaded[*]} " in *" $t "*) racing+=("$t") ;; esac
	done
	build_preset libfuzzer build/libfuzzer
	[ "$tsan" -gt 0 ] || racing=()
	[ "$msan" -gt 0 ] && build_preset libfuzzer-msan build/libfuzzer-msan
	[ ${#racing[@]} -gt 0 ] && build_preset libfuzzer-tsan build/libfuzzer-tsan "${racing[@]}"
	stage asan-ub build/libfuzzer $((soak * 60)) "${targets[@]}"
	# 0 minutes skips a part (to libFuzzer, -max_total_time=0 is no limit)
	if [ "$msan" -gt 0 ]; then
		stage msan build/libfuzzer-msan $((msan * 60)) "${targets[@]}"
	fi
	if [ ${#racing[@]} -gt 0 ]; then
		stage tsan build/libfuzzer-tsan $((tsan * 60)) "${racing[@]}"
	fi
else
	build=${build:-build/$engine}
	build_preset "$engine" "$build"
	per=$((total / ${#targets[@]}))
	[ "$per" -lt 1 ] && per=1
	if [ "$engine" = afl ]; then
		stage afl "$build" "$per" "${targets[@]}"
	else
		stage asan-ub "$build" "$per" "${targets[@]}"
	fi
fi

echo
if [ "$engine" = afl ]; then
	printf '%-8s %-16s %6s %10s %8s %6s %7s %5s %7s %7s\n' engine target secs runs \
		execs/s edges bitmap new rss_mb finds
else
	printf '%-8s %-16s %6s %10s %8s %6s %7s %5s %7s %7s\n' build target secs runs \
		execs/s cov ft new rss_mb finds
fi
findings=()
for w in "${works[@]}"; do
	if [ -f "$w/row" ]; then
		cat "$w/row"
	else
		echo "$w: no result (the run died?)"
		findings+=("?|$w|-|no result")
	fi
	[ -f "$w/findings" ] && mapfile -t -O "${#findings[@]}" findings <"$w/findings"
done
echo
if [ ${#findings[@]} -eq 0 ]; then
	echo "fuzz.sh: ${#targets[@]} targets, no finding (new inputs under $out/)"
	exit 0
fi
echo "fuzz.sh: ${#findings[@]} finding(s):"
for f in "${findings[@]}"; do
	IFS='|' read -r label t repro bin cause <<<"$f"
	if [ "$repro" = - ]; then
		echo "  $t ($label): $bin"
		continue
	fi
	echo "  $t ($label): $repro"
	[ -n "${cause:-}" ] && echo "    cause:  $cause"
	echo "    replay: $bin '$repro'"
	# a race shows only under TSan; everything else under any flavour
	local_preset=dev
	[ "$label" = tsan ] && local_preset=tsan
	echo "        or: build/$local_preset/fuzz/${t}_replay '$repro'   (after cmake --preset $local_preset && cmake --build --preset $local_preset)"
done
exit 1
