#!/usr/bin/env bash
# Mutation check: each fuzz/mutants/*.patch puts a real zsmalloc bug back
# into the core. For each one: copy the tree, apply the patch, build the
# libFuzzer targets (clang, ASan+UBSan; TSan, and only the targets that
# start threads, for a patch whose header has a line "Flavour: tsan": a
# race that no other checker sees), then
#   1. replay: every target runs its whole corpus once (-runs=0), in turn;
#   2. fuzz: target after target fuzzes from its corpus, with its .dict and
#      .options, for at most --limit seconds each (one core),
# stopping at the first crash. The unpatched tree goes through the replay
# first: if the clean core fails its own corpus, nothing below means much.
# Prints, per mutant, the target that found it, in which phase, after how
# many seconds (of that target's run) and the first report line, and
# writes the table to docs/mutation.md.
#
# Usage: fuzz/mutants/run.sh [--limit SECONDS] [mutant-name...]
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1

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
# zs_ops (plain valid ops) first, then the others in name order.
mapfile -t targets < <(for f in fuzz/*.c; do basename "$f" .c; done |
	awk '$0 == "zs_ops" { print; next } { rest[++n] = $0 }
		END { for (i = 1; i <= n; i++) print rest[i] }')
scratch=$(mktemp -d /tmp/zs-mutants.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# One snapshot of the tree (corpus included) for every run, so that work
# going on in the tree meanwhile does not change the figures halfway.
snap=$scratch/snapshot
mkdir -p "$snap"
tar --exclude='./build*' --exclude='./fuzz-out' --exclude='./.git' -cf - . |
	tar -xf - -C "$snap"

# libFuzzer flags from fuzz/T.options ([libfuzzer] key = value).
lf_options() {
	local f=$snap/fuzz/$1.options
	[ -f "$f" ] || return 0
	awk -F'=' '/^\[/ { on = ($0 ~ /^\[libfuzzer\]/); next }
		on && /=/ && !/^[ \t]*#/ {
			gsub(/[ \t]/, "", $1); gsub(/[ \t]/, "", $2)
			print "-" $1 "=" $2 }' "$f"
}

# The line that says what went wrong, made fit for a table cell. Oracle
# failures, sanitizer reports and BUGs come first. A plain "zsmalloc:" line
# can be a harmless rejection (zpool_diff feeds bad configurations on
# purpose), so only the last one counts, the report that ended the run,
# and only when nothing above is there; then libFuzzer's own verdict.
first_report() {
	local pat line=""

	for pat in 'zs-fuzz: FAIL: .*' 'ERROR: [A-Za-z]+Sanitizer: [^ ]+.*' \
		'WARNING: ThreadSanitizer: [^(]+' 'runtime error: .*' \
		'zsmalloc: BUG: .*'; do
		line=$(grep -m1 -oE "$pat" "$1" | head -1)
		[ -n "$line" ] && break
	done
	[ -z "$line" ] && line=$(grep -oE 'zsmalloc: .*' "$1" | tail -1)
	[ -z "$line" ] && line=$(grep -m1 -oE 'ERROR: libFuzzer: .*' "$1")
	printf '%s\n' "$line" | sed -e 's/0x[0-9a-f]\{6,\}/ADDR/g' -e 's/|/\\|/g' -e 's/ *$//' |
		cut -c1-110
}

elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}'; }

# Targets that start threads: the only ones a TSan mutant is hunted with.
threaded=(zs_threads)

# flavour_of <patch>: tsan when its header (before the diff) says so.
flavour_of() {
	if awk '/^(--- |diff )/ { exit } /^Flavour: / { print $2; exit }' "$1" |
		grep -qx tsan; then
		echo tsan
	else
		echo asan-ubsan
	fi
}

# build <tree> <log> <flavour>: the libFuzzer targets of tree into tree/b;
# sets hunted, the targets built
build() {
	hunted=("${targets[@]}")
	[ "$3" = tsan ] && hunted=("${threaded[@]}")
	(cd "$1" && cmake -S . -B b -DCMAKE_C_COMPILER=clang \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DZS_FUZZ_ENGINE=libfuzzer \
		-DZS_SANITIZE="$3" && cmake --build b -j "$(nproc)" --target "${hunted[@]}") \
		>"$2" 2>&1
}

# hunt <tree> <tag>: sets found, phase, secs, note
hunt() {
	local tree=$1 tag=$2 t start log opts dict
	found="-" phase="-" secs="-" note=""
	for t in "${hunted[@]}"; do
		log=$scratch/$tag.$t.replay.log
		start=$(date +%s.%N)
		if ! timeout $((limit + 30)) "$tree/b/fuzz/$t" -runs=0 -timeout=10 \
			-artifact_prefix="$scratch/$tag.$t." "$snap/corpus/$t" \
			>"$log" 2>&1; then
			found=$t phase=replay secs=$(elapsed "$start")
			note=$(first_report "$log")
			return
		fi
	done
	[ "${tag%%.*}" = baseline ] && return
	for t in "${hunted[@]}"; do
		log=$scratch/$tag.$t.fuzz.log
		mapfile -t opts < <(lf_options "$t")
		dict=()
		[ -f "$snap/fuzz/$t.dict" ] && dict=(-dict="$snap/fuzz/$t.dict")
		mkdir -p "$scratch/$tag.$t.new"
		start=$(date +%s.%N)
		if ! timeout $((limit + 30)) "$tree/b/fuzz/$t" -max_total_time="$limit" \
			-timeout=10 -artifact_prefix="$scratch/$tag.$t." "${opts[@]}" \
			"${dict[@]}" "$scratch/$tag.$t.new" "$snap/corpus/$t" \
			>"$log" 2>&1; then
			found=$t phase=fuzz secs=$(elapsed "$start")
			note=$(first_report "$log")
			return
		fi
	done
}

# The clean core must pass its own corpus, in every flavour asked for.
mapfile -t flavours < <(for m in "${names[@]}"; do
	flavour_of "$root/fuzz/mutants/$m.patch"
done | sort -u)
for fl in "${flavours[@]}"; do
	base=$scratch/baseline
	cp -a "$snap" "$base"
	if ! build "$base" "$scratch/baseline.$fl.build.log" "$fl"; then
		cat "$scratch/baseline.$fl.build.log" >&2
		echo "mutants: the unpatched tree does not build ($fl)" >&2
		exit 1
	fi
	hunt "$base" "baseline.$fl"
	if [ "$found" != "-" ]; then
		echo "mutants: the unpatched tree fails corpus/$found ($fl): $note" >&2
		exit 1
	fi
	rm -rf "$base"
done

rows=()
missed=0
for m in "${names[@]}"; do
	patch=$root/fuzz/mutants/$m.patch
	tree=$scratch/$m
	fl=$(flavour_of "$patch")
	cp -a "$snap" "$tree"
	found="-" phase="-" secs="-" note=""
	if ! (cd "$tree" && patch -s -p1 --no-backup-if-mismatch <"$patch"); then
		note="patch does not apply"
	elif ! build "$tree" "$scratch/$m.build.log" "$fl"; then
		note="does not build"
	else
		hunt "$tree" "$m"
	fi
	[ "$found" = "-" ] && missed=$((missed + 1))
	[ "$fl" = tsan ] && [ "$found" != "-" ] && found="$found (TSan)"
	rows+=("| $m | $found | $phase | $secs | ${note:-not found in ${limit} s per target} |")
	echo "${rows[-1]}"
	rm -rf "$tree"
done

{
	echo "# Mutation check"
	echo
	echo "Each mutant (\`fuzz/mutants/*.patch\`, its header says which real"
	echo "zsmalloc bug it re-creates) is applied to a copy of the tree, built"
	echo "with clang, libFuzzer, ASan and UBSan (a mutant whose header says"
	echo "\`Flavour: tsan\`: ThreadSanitizer, and only the targets that start"
	echo "threads; marked (TSan) below); then every target replays its"
	echo "corpus once (phase \`replay\`), and then the targets fuzz one after"
	echo "another from their corpus with their .dict and .options (phase"
	echo "\`fuzz\`, one core, at most ${limit} s each) until one of them crashes."
	echo "Seconds are those of the run of the target that found it. Regenerate"
	echo "with \`fuzz/mutants/run.sh\`; figures from $(date -u +%Y-%m-%d) on a"
	echo "$(nproc)-core machine."
	echo
	echo "| mutant | found by | phase | seconds | first report |"
	echo "|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "$(( ${#names[@]} - missed )) of ${#names[@]} mutants found."
} >"$scratch/mutation.md"
if [ -f "$root/fuzz/mutants/survivors.md" ]; then
	{ echo; cat "$root/fuzz/mutants/survivors.md"; } >>"$scratch/mutation.md"
fi
cp "$scratch/mutation.md" docs/mutation.md
echo "mutants: $(( ${#names[@]} - missed )) found, $missed missed (table: docs/mutation.md)"
[ "$missed" -eq 0 ]
