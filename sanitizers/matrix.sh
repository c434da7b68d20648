#!/usr/bin/env bash
# Builds and tests every flavour in turn, then prints one summary table.
# Usage: sanitizers/matrix.sh [preset...]   (default: the whole matrix)
# Env: ZS_MATRIX_LABEL=<ctest label regex> limits the tests run.
set -uo pipefail
cd "$(dirname "$0")/.."

presets=("$@")
if [ ${#presets[@]} -eq 0 ]; then
	presets=(dev dev-clang release m32 asan-ubsan msan tsan valgrind coverage)
fi
jobs=$(nproc 2>/dev/null || echo 2)
label_args=()
[ -n "${ZS_MATRIX_LABEL:-}" ] && label_args=(-L "$ZS_MATRIX_LABEL")

mkdir -p build/logs
rows=()
total_pass=0
total_fail=0
status=0

for p in "${presets[@]}"; do
	log=build/logs/$p.log
	start=$(date +%s)
	echo "=== $p: configure, build, test (log: $log)"
	result=ok passed=0 failed=0
	if ! cmake --preset "$p" >"$log" 2>&1; then
		result="configure failed"
	elif ! cmake --build --preset "$p" -j "$jobs" >>"$log" 2>&1; then
		result="build failed"
	else
		if [ "$p" = coverage ]; then
			rm -rf "build/$p/profraw"
			export LLVM_PROFILE_FILE="$PWD/build/$p/profraw/%p-%m.profraw"
		fi
		ctest --preset "$p" -j "$jobs" "${label_args[@]}" >>"$log" 2>&1
		unset LLVM_PROFILE_FILE
		line=$(grep -E 'tests passed, [0-9]+ tests? failed out of' "$log" | tail -1)
		if [ -z "$line" ]; then
			result="no tests ran"
		else
			tot=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
			failed=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
			passed=$((tot - failed))
			[ "$failed" -ne 0 ] && result="tests failed"
		fi
		if [ "$p" = coverage ] && [ "$result" = ok ]; then
			# all tests (the profiles of the run above), then the
			# corpus replays alone (their own profiles)
			if sanitizers/coverage-report.sh "build/$p" >>"$log" 2>&1 &&
				sanitizers/coverage-report.sh --label corpus \
					"build/$p" >>"$log" 2>&1; then
				all=$(sed 's/lines /L /; s/branches /B /' "build/$p/coverage/totals.txt")
				corp=$(sed 's/lines /L /; s/branches /B /' "build/$p/coverage-corpus/totals.txt")
				result="ok (all: $all; corpus: $corp)"
			else
				result="coverage report failed"
			fi
		fi
	fi
	secs=$(($(date +%s) - start))
	case "$result" in ok*) ;; *)
		status=1
		echo "--- $p: $result; last lines of $log:"
		tail -n 40 "$log"
		;;
	esac
	total_pass=$((total_pass + passed))
	total_fail=$((total_fail + failed))
	rows+=("$(printf '%-11s %-56s %6d %6d %6ds' "$p" "$result" "$passed" "$failed" "$secs")")
done

echo
printf '%-11s %-56s %6s %6s %7s\n' flavour result passed failed time
for r in "${rows[@]}"; do echo "$r"; done
echo
echo "matrix: $total_pass passed, $total_fail failed"
exit $status
