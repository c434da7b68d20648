#!/usr/bin/env bash
# Mutation check: each fuzz/mutants/*.patch puts a real zsmalloc bug back
# into the core. For each one: copy the tree, apply the patch, build the
# libFuzzer targets, then replay and fuzz target after target (one core,
# at most --limit seconds each) until one of them crashes.
# Prints, per mutant, the target that found it and after how many seconds,
# and writes the table to docs/mutation.md.
#
# Usage: fuzz/mutants/run.sh [--limit SECONDS] [mutant-name...]
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

limit=60 names=()
while [ $# -gt 0 ]; do
	case "$1" in
	--limit) limit=$2; shift 2 ;;
	*) names+=("$1"); shift ;;
	esac
done
if [ ${#names[@]} -eq 0 ]; then
	for p in fuzz/mutants/*.patch; do names+=("$(basename "$p" .patch)"); done
fi

bash scripts/setup.sh fuzz || exit 1
mapfile -t targets < <(for f in fuzz/*.c; do basename "$f" .c; done)
scratch=$(mktemp -d /tmp/zs-mutants.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

rows=()
missed=0
for m in "${names[@]}"; do
	patch=$root/fuzz/mutants/$m.patch
	tree=$scratch/$m
	mkdir -p "$tree"
	tar --exclude='./build*' --exclude='./fuzz-out' --exclude='./.git' -cf - . | tar -xf - -C "$tree"
	found="-" secs="-" note=""
	if ! (cd "$tree" && patch -s -p1 <"$patch"); then
		note="patch does not apply"
	elif ! (cd "$tree" && cmake -S . -B b -DCMAKE_C_COMPILER=clang \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DZS_FUZZ_ENGINE=libfuzzer \
		-DZS_SANITIZE=asan-ubsan && cmake --build b -j "$(nproc)" --target "${targets[@]}") \
		>"$scratch/$m.build.log" 2>&1; then
		note="does not build"
	else
		for t in "${targets[@]}"; do
			start=$(date +%s.%N)
			dict=()
			[ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
			mkdir -p "$scratch/$m.$t"
			if ! timeout $((limit + 30)) "$tree/b/fuzz/$t" -max_total_time="$limit" \
				-artifact_prefix="$scratch/$m.$t/" "${dict[@]}" \
				"$scratch/$m.$t" "corpus/$t" >"$scratch/$m.$t.log" 2>&1; then
				found=$t
				secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
				note=$(grep -m1 -oE 'zsmalloc: [^:]+|shadow[^,]*|ERROR: [A-Za-z]+Sanitizer: [a-z-]+' "$scratch/$m.$t.log" | head -1)
				break
			fi
		done
	fi
	[ "$found" = "-" ] && missed=$((missed + 1))
	rows+=("| $m | $found | $secs | ${note:-not found in ${limit}s per target} |")
	echo "${rows[-1]}"
	rm -rf "$tree"
done

{
	echo "# Mutation check"
	echo
	echo "Each mutant puts a real zsmalloc bug back into core/; the fuzz targets"
	echo "run one after another (seed corpus first, then fuzzing, one core, at"
	echo "most ${limit} s each) until one crashes. Regenerate with"
	echo "\`fuzz/mutants/run.sh\`; figures from $(date -u +%Y-%m-%d) on $(nproc) cores."
	echo
	echo "| mutant | found by | seconds | first report |"
	echo "|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "$(( ${#names[@]} - missed )) of ${#names[@]} mutants found."
} >docs/mutation.md
echo "mutants: $(( ${#names[@]} - missed )) found, $missed missed (table: docs/mutation.md)"
[ "$missed" -eq 0 ]
