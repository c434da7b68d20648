#!/usr/bin/env bash
# Local OSS-Fuzz check: runs oss-fuzz/build.sh the way OSS-Fuzz's compile
# step does (same variables, same flag sets, clang from Debian instead of
# the base-builder image), then checks each target the way OSS-Fuzz's build
# check does, and prints one table.
#
# Usage: oss-fuzz/check.sh [config...]
#   configs: address undefined memory   (libFuzzer, x86_64)
#            afl                        (AFL++ with ASan, x86_64)
#            i386                       (libFuzzer with ASan, -m32)
#   default: all five. Work goes to build-ossfuzz/<config>/ (ZS_OSSFUZZ_DIR).
#
# Per target: libFuzzer -runs=4 must finish with >= 100 edges (and not say
# "no interesting inputs were found"); the seed corpus replays with -runs=0;
# `file` shows the right architecture; objdump -d shows the sanitizer calls
# OSS-Fuzz counts (ASan >= 1000 __asan and 0 __msan, MSan >= 1000 __msan,
# UBSan >= 168 __ubsan, and no stray calls of the other sanitizers);
# afl-fuzz prints "All set and ready to roll" within 35 s. i386 targets run
# under qemu-i386 (without LeakSanitizer) when the kernel cannot run them
# and qemu-user is there (scripts/setup.sh m32 installs it); else they are
# built and checked but not run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

configs=("$@")
[ ${#configs[@]} -eq 0 ] && configs=(address undefined memory afl i386)
for c in "${configs[@]}"; do
	case "$c" in address | undefined | memory | afl | i386) ;; *)
		echo "check.sh: unknown config '$c'" >&2
		exit 2
		;;
	esac
done

parts=(ossfuzz)
for c in "${configs[@]}"; do
	[ "$c" = afl ] && parts+=(afl)
	[ "$c" = i386 ] && parts+=(m32)
done
bash scripts/setup.sh "${parts[@]}"
for tool in zip unzip file objdump; do
	command -v "$tool" >/dev/null || {
		echo "check.sh: needs $tool" >&2
		exit 1
	}
done

root=${ZS_OSSFUZZ_DIR:-$repo/build-ossfuzz}
all_targets=()
for f in fuzz/*.c; do all_targets+=("$(basename "$f" .c)"); done
# Targets that link the system's LZ4 and zstd (zstore): OSS-Fuzz builds
# those libraries from source with its flags (build.sh); here they are
# Debian's, which are neither MSan-instrumented nor 32-bit, so these targets
# are skipped in the memory and i386 configurations.
system_lib_targets=(zstore_roundtrip)

# The flag sets of OSS-Fuzz's base-builder image.
base_flags="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
ubsan_checks=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr
declare -A san_flags=(
	[address]="-fsanitize=address -fsanitize-address-use-after-scope"
	[undefined]="-fsanitize=$ubsan_checks,unsigned-integer-overflow -fno-sanitize-recover=$ubsan_checks"
	[memory]="-fsanitize=memory -fsanitize-memory-track-origins"
)
# What OSS-Fuzz's runner sets for the targets.
export ASAN_OPTIONS=alloc_dealloc_mismatch=0:allocator_may_return_null=1:detect_leaks=1:detect_stack_use_after_return=1:handle_abort=1:handle_segv=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:print_summary=1:silence_unsigned_overflow=1:halt_on_error=1
export MSAN_OPTIONS=print_stats=1:symbolize=1

# setup_env <config>: the compile step's environment for one configuration.
setup_env() {
	local c=$1
	export ARCHITECTURE=x86_64 FUZZING_ENGINE=libfuzzer SANITIZER=$c
	export CC=clang CXX=clang++
	local cov="-fsanitize=fuzzer-no-link"
	export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
	case "$c" in
	afl)
		SANITIZER=address FUZZING_ENGINE=afl
		export CC=afl-clang-fast CXX=afl-clang-fast++ AFL_QUIET=1
		# afl-clang-fast instruments by itself; the engine is AFL++'s driver.
		cov=""
		LIB_FUZZING_ENGINE=$(ls /usr/lib/afl/libAFLDriver.a)
		;;
	i386)
		SANITIZER=address ARCHITECTURE=i386
		cov="$cov -m32"
		;;
	esac
	export CFLAGS="$base_flags ${san_flags[$SANITIZER]} $cov"
	# No -stdlib=libc++ as in the image: Debian has no libc++ to link, and
	# nothing here is C++ but the engine, which brings its own.
	export CXXFLAGS=$CFLAGS
	targets=("${all_targets[@]}") skipped=()
	if [ "$SANITIZER" = memory ] || [ "$ARCHITECTURE" = i386 ]; then
		local t
		targets=()
		for t in "${all_targets[@]}"; do
			case " ${system_lib_targets[*]} " in
			*" $t "*) skipped+=("$t") ;;
			*) targets+=("$t") ;;
			esac
		done
	fi
	export ZS_OSSFUZZ_SKIP="${skipped[*]}"
	export SRC=$root/$c/src WORK=$root/$c/work OUT=$root/$c/out
	rm -rf "${root:?}/${c:?}"
	mkdir -p "$SRC" "$WORK" "$OUT" "$root/$c/logs"
	ln -s "$repo" "$SRC/zsmalloc-portable"
}

# runs_i386: whether this machine executes 32-bit x86 programs (the
# kernel may lack IA-32 emulation); probed once.
i386_ok=""
runs_i386() {
	if [ -z "$i386_ok" ]; then
		local d
		d=$(mktemp -d)
		printf 'int main(void) { return 0; }\n' >"$d/t.c"
		i386_ok=no
		if clang -m32 "$d/t.c" -o "$d/t" 2>/dev/null && "$d/t" 2>/dev/null; then
			i386_ok=yes
		fi
		rm -rf "$d"
	fi
	[ "$i386_ok" = yes ]
}

# count_calls <binary> <prefix>: calls to <prefix>* as OSS-Fuzz counts them.
count_calls() {
	local insn='call\s+[0-9a-f]+\s+<'
	[ "$ARCHITECTURE" = x86_64 ] && insn='callq?\s+[0-9a-f]+\s+<'
	grep -cE "$insn$2" "$1" || true
}

# options_of <target>: libFuzzer flags from its .options file.
options_of() {
	awk -F'=' '/^\[/{s=($0 ~ /libfuzzer/)} s && NF==2 {gsub(/ /,""); print "-"$1"="$2}' "$OUT/$1.options"
}

# check_sanitizer <config> <asan> <msan> <ubsan>: "" if the counts are right.
check_sanitizer() {
	local ubsan_max=200
	[ "$ARCHITECTURE" = i386 ] && ubsan_max=280
	case "$SANITIZER" in
	address)
		[ "$2" -ge 1000 ] || { echo "asan calls $2 < 1000"; return; }
		[ "$3" -eq 0 ] || { echo "msan calls $3 in an ASan build"; return; }
		[ "$4" -le "$ubsan_max" ] || echo "ubsan calls $4 in an ASan build"
		;;
	memory)
		[ "$3" -ge 1000 ] || { echo "msan calls $3 < 1000"; return; }
		[ "$2" -eq 0 ] || { echo "asan calls $2 in an MSan build"; return; }
		[ "$4" -le "$ubsan_max" ] || echo "ubsan calls $4 in an MSan build"
		;;
	undefined)
		[ "$4" -ge 168 ] || { echo "ubsan calls $4 < 168"; return; }
		[ "$2" -eq 0 ] || { echo "asan calls $2 in a UBSan build"; return; }
		[ "$3" -eq 0 ] || echo "msan calls $3 in a UBSan build"
		;;
	esac
}

rows=()
qemu_used=0
failures=0
nskipped=0
row() { # row <config> <target> <build s> <edges> <seeds> <arch> <calls> <engine> <result>
	rows+=("$(printf '%-9s %-16s %6s %6s %9s %-6s %-22s %-8s %s' "$@")")
	case "$9" in ok) ;; skipped*) nskipped=$((nskipped + 1)) ;; *) failures=$((failures + 1)) ;; esac
}

for c in "${configs[@]}"; do
	setup_env "$c"
	logs=$root/$c/logs
	echo "=== $c: build.sh (SANITIZER=$SANITIZER FUZZING_ENGINE=$FUZZING_ENGINE ARCHITECTURE=$ARCHITECTURE; log: $logs/build.log)"
	start=$(date +%s)
	if ! bash oss-fuzz/build.sh >"$logs/build.log" 2>&1; then
		tail -n 30 "$logs/build.log"
		row "$c" - $(($(date +%s) - start)) - - - - - "build.sh failed"
		continue
	fi
	build_secs=$(($(date +%s) - start))

	for t in "${targets[@]}"; do
		problems=()
		bin=$OUT/$t
		for f in "$bin" "$OUT/${t}_seed_corpus.zip" "$OUT/$t.dict" "$OUT/$t.options"; do
			[ -s "$f" ] || problems+=("missing $(basename "$f")")
		done
		if [ ${#problems[@]} -gt 0 ]; then
			row "$c" "$t" "$build_secs" - - - - - "${problems[*]}"
			continue
		fi

		# Architecture.
		want=x86-64
		[ "$ARCHITECTURE" = i386 ] && want=80386
		arch=ok
		file -L "$bin" | grep -q "$want" || {
			arch=wrong
			problems+=("not $want: $(file -L "$bin")")
		}

		# Sanitizer calls.
		objdump -dC "$bin" >"$logs/$t.objdump"
		asan=$(count_calls "$logs/$t.objdump" __asan)
		msan=$(count_calls "$logs/$t.objdump" __msan)
		ubsan=$(count_calls "$logs/$t.objdump" __ubsan)
		rm -f "$logs/$t.objdump"
		calls="a$asan/m$msan/u$ubsan"
		why=$(check_sanitizer "$c" "$asan" "$msan" "$ubsan")
		[ -n "$why" ] && problems+=("$why")

		# Seed corpus, unpacked as the runner does.
		seeds=$WORK/check-seeds/$t
		mkdir -p "$seeds"
		unzip -q -o "$OUT/${t}_seed_corpus.zip" -d "$seeds"
		nseeds=$(find "$seeds" -type f | wc -l)
		mapfile -t opts < <(options_of "$t")

		edges=- seed_result=- engine=-
		# How the binary runs: as it is, or (i386 on a kernel without
		# IA-32 emulation) under qemu-i386, where LeakSanitizer cannot
		# stop the threads it needs to (it hangs at exit, so no leak
		# check; the x86_64 address config keeps it) and a 32-bit
		# readdir may fail on 64-bit inodes (so seeds go as files).
		runner=() seed_args=("$seeds") leak_env=()
		if [ "$ARCHITECTURE" = i386 ] && ! runs_i386 && command -v qemu-i386 >/dev/null; then
			runner=(qemu-i386)
			leak_env=(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
			mapfile -t seed_args < <(find "$seeds" -type f | sort)
			qemu_used=1
		fi
		if [ "$ARCHITECTURE" = i386 ] && ! runs_i386 && [ ${#runner[@]} -eq 0 ]; then
			# some kernels are built without IA-32 emulation
			if [ ${#problems[@]} -eq 0 ]; then
				row "$c" "$t" "$build_secs" - "$nseeds -" "$arch" "$calls" - \
					"skipped: built and checked, but this kernel cannot execute i386 binaries"
			else
				row "$c" "$t" "$build_secs" - - "$arch" "$calls" - "FAIL: ${problems[*]}"
			fi
			continue
		elif [ "$FUZZING_ENGINE" = libfuzzer ]; then
			empty=$WORK/check-empty
			mkdir -p "$empty"
			(cd "$empty" && env "${leak_env[@]}" "${runner[@]}" "$bin" -seed=1337 -runs=4 "${opts[@]}") >"$logs/$t.runs4.log" 2>&1 || true
			edges=$(grep -oP 'INFO: Loaded \d+ module.*\(.*(counters|guards)\):\s+\K\d+' "$logs/$t.runs4.log" | head -1 || true)
			edges=${edges:-0}
			engine=ok
			[ ${#runner[@]} -gt 0 ] && engine=qemu
			if grep -q 'no interesting inputs were found' "$logs/$t.runs4.log"; then
				engine=no-cov
				problems+=("no coverage instrumentation")
			elif ! grep -q 'Done 4 runs' "$logs/$t.runs4.log"; then
				engine=crash
				problems+=("-runs=4 did not finish (log: $logs/$t.runs4.log)")
			fi
			[ "$edges" -ge 100 ] || problems+=("$edges edges < 100")

			if env "${leak_env[@]}" "${runner[@]}" "$bin" -rss_limit_mb=2560 -timeout=25 "${opts[@]}" -artifact_prefix="$logs/" -runs=0 "${seed_args[@]}" >"$logs/$t.seeds.log" 2>&1; then
				seed_result="$nseeds ok"
			elif [ ${#runner[@]} -gt 0 ] && grep -q 'AddressSanitizer: CHECK failed: asan_' "$logs/$t.seeds.log" &&
				grep -q 'AsanThread::' "$logs/$t.seeds.log"; then
				# ASan's runtime fails its own checks on the stack of a
				# thread qemu-user made (outside the memory it maps):
				# a limit of the emulator, not of the target
				row "$c" "$t" "$build_secs" "$edges" "$nseeds -" "$arch" "$calls" "$engine" \
					"skipped: ASan failed its own check on a thread stack under qemu-i386 (log: $logs/$t.seeds.log)"
				continue
			else
				seed_result="$nseeds FAIL"
				problems+=("seed corpus crashes (log: $logs/$t.seeds.log)")
			fi
		else
			# AFL++: the driver replays files given as arguments; afl-fuzz
			# must come up with the seeds and the dictionary within 35 s.
			if find "$seeds" -type f -print0 | xargs -0 "$bin" >"$logs/$t.seeds.log" 2>&1; then
				seed_result="$nseeds ok"
			else
				seed_result="$nseeds FAIL"
				problems+=("seed corpus crashes (log: $logs/$t.seeds.log)")
			fi
			rm -rf "$WORK/afl-$t"
			env -u ASAN_OPTIONS -u MSAN_OPTIONS -u UBSAN_OPTIONS AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
				AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=30000 \
				timeout --preserve-status -s INT 35s \
				afl-fuzz -V 2 -m none -i "$seeds" -o "$WORK/afl-$t" -x "$OUT/$t.dict" \
				-- "$bin" >"$logs/$t.afl.log" 2>&1 || true
			if ! grep -q 'All set and ready to roll' "$logs/$t.afl.log"; then
				engine=no-start
				problems+=("afl-fuzz did not start (log: $logs/$t.afl.log)")
			elif grep -qE 'target binary (crashed|terminated)' "$logs/$t.afl.log"; then
				engine=crash
				problems+=("afl-fuzz: target crashed (log: $logs/$t.afl.log)")
			else
				engine=ready
			fi
		fi

		if [ ${#problems[@]} -eq 0 ]; then
			row "$c" "$t" "$build_secs" "$edges" "$seed_result" "$arch" "$calls" "$engine" ok
		else
			row "$c" "$t" "$build_secs" "$edges" "$seed_result" "$arch" "$calls" "$engine" "FAIL: $(
				IFS=';'
				echo "${problems[*]}"
			)"
		fi
	done
	for t in "${skipped[@]}"; do
		row "$c" "$t" "$build_secs" - - - - - "skipped: needs LZ4/zstd built with these flags"
	done
done

echo
printf '%-9s %-16s %6s %6s %9s %-6s %-22s %-8s %s\n' config target build edges seeds arch 'calls asan/msan/ubsan' engine result
for r in "${rows[@]}"; do echo "$r"; done
echo
[ "$qemu_used" = 1 ] &&
	echo "engine qemu: this kernel runs no i386 binaries; they ran under qemu-i386, without LeakSanitizer"
if [ "$failures" -ne 0 ]; then
	echo "oss-fuzz check: $failures failed (logs under $root/<config>/logs)"
	exit 1
fi
echo "oss-fuzz check: ${#rows[@]} target builds in ${#configs[@]} configurations: $((${#rows[@]} - nskipped)) passed, $nskipped skipped"
