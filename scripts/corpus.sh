#!/usr/bin/env bash
# Corpus tooling for both engines. Writes only to the output given; copying
# a result into corpus/<target>/ is a separate, reviewed step (fuzz/README.md:
# never minimise regressions/ away).
#
# Usage:
#   scripts/corpus.sh minimize [--engine libfuzzer|afl] [--build DIR] TARGET OUT [IN...]
#       keep the inputs of IN... (default: corpus/TARGET and
#       fuzz-out/TARGET/corpus) that add coverage, into the new folder OUT:
#       libFuzzer's -merge=1, or afl-cmin (which refuses paths in /tmp)
#   scripts/corpus.sh tmin [--engine afl|libfuzzer] [--build DIR] TARGET INPUT OUTPUT
#       shrink one input: afl-tmin keeps its coverage (any input, default);
#       libFuzzer's -minimize_crash=1 keeps its crash (crashing inputs only)
# --build defaults to build/<engine> (preset libfuzzer or afl; built when
# the target binary is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
	sed -n '6,16p' "$0" >&2
	exit 2
}

[ $# -ge 1 ] || usage
cmd=$1
shift
engine="" build=""
while [ $# -gt 0 ]; do
	case "$1" in
	--engine) engine=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	-h | --help) usage ;;
	*) break ;;
	esac
done
case "$cmd" in
minimize) engine=${engine:-libfuzzer} ;;
tmin) engine=${engine:-afl} ;;
*) usage ;;
esac
case "$engine" in libfuzzer | afl) ;; *) usage ;; esac
build=${build:-build/$engine}

[ $# -ge 2 ] || usage
target=$1
shift
bin=$build/fuzz/$target
[ -f "fuzz/$target.c" ] || { echo "corpus.sh: no target $target" >&2; exit 2; }

if [ ! -x "$bin" ]; then
	bash scripts/setup.sh "$([ "$engine" = afl ] && echo afl || echo fuzz)"
	echo "corpus.sh: building $bin (preset $engine)"
	mkdir -p build/logs
	{ cmake --preset "$engine" -B "$build" &&
		cmake --build "$build" --target zs_fuzz_targets -j "$(nproc)"; } >build/logs/corpus-build.log 2>&1 || {
		tail -n 30 build/logs/corpus-build.log
		exit 1
	}
fi
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1

# The libFuzzer options of the target (max_len), as fuzz.sh passes them.
options=()
if [ -f "fuzz/$target.options" ]; then
	mapfile -t options < <(awk -F'=' '/^\[/{s=($0 ~ /libfuzzer/)} s && NF==2 {gsub(/ /,""); print "-"$1"="$2}' "fuzz/$target.options")
fi

minimize() {
	local out=$1
	shift
	local inputs=("$@")
	if [ ${#inputs[@]} -eq 0 ]; then
		inputs=("corpus/$target")
		[ -d "fuzz-out/$target/corpus" ] && inputs+=("fuzz-out/$target/corpus")
	fi
	if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
		echo "corpus.sh: $out is not empty" >&2
		exit 1
	fi
	mkdir -p "$out"
	local before
	before=$(find "${inputs[@]}" -type f ! -name '*.md' | wc -l)
	if [ "$engine" = libfuzzer ]; then
		"$bin" -merge=1 "${options[@]}" "$out" "${inputs[@]}" >"$out.log" 2>&1 || {
			tail -n 20 "$out.log"
			exit 1
		}
	else
		# afl-cmin takes one flat folder of files, and refuses /tmp.
		local staged=$build/cmin-staging
		rm -rf "$staged"
		mkdir -p "$staged"
		local f
		find "${inputs[@]}" -type f ! -name '*.md' -print0 | while IFS= read -r -d '' f; do
			cp "$f" "$staged/$(sha1sum "$f" | cut -c1-40)"
		done
		rmdir "$out"
		afl-cmin -i "$staged" -o "$out" -m none -- "$bin" >"$out.log" 2>&1 || {
			tail -n 20 "$out.log"
			rm -rf "$staged"
			exit 1
		}
		rm -rf "$staged"
	fi
	echo "corpus.sh: $engine kept $(find "$out" -type f | wc -l) of $before inputs in $out (log: $out.log)"
}

tmin() {
	local input=$1 output=$2
	if [ "$engine" = afl ]; then
		afl-tmin -i "$input" -o "$output" -m none -- "$bin" >"$output.log" 2>&1 || {
			tail -n 20 "$output.log"
			exit 1
		}
	else
		"$bin" -minimize_crash=1 -runs=10000 "${options[@]}" \
			-exact_artifact_path="$output" "$input" >"$output.log" 2>&1 || true
		[ -s "$output" ] || {
			echo "corpus.sh: libFuzzer minimizes crashing inputs only; $input did not crash (use --engine afl)" >&2
			exit 1
		}
	fi
	echo "corpus.sh: $input: $(stat -c %s "$input") -> $(stat -c %s "$output") bytes in $output (log: $output.log)"
}

case "$cmd" in
minimize) minimize "$@" ;;
tmin)
	[ $# -eq 2 ] || usage
	tmin "$1" "$2"
	;;
esac
