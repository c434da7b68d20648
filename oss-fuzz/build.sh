#!/bin/bash -eu
# OSS-Fuzz build script for zsmalloc-portable (also run by .clusterfuzzlite/
# and by oss-fuzz/check.sh). The compile step sets CC, CXX, CFLAGS, CXXFLAGS
# (sanitizer and coverage flags, -m32 on i386), LIB_FUZZING_ENGINE, SRC,
# WORK, OUT, SANITIZER, FUZZING_ENGINE and ARCHITECTURE; this script adds no
# instrumentation of its own: it only tells the project's CMake build to take
# the engine from LIB_FUZZING_ENGINE (ZS_FUZZ_ENGINE=external) and link the
# targets with $CXX.
set -euo pipefail

src=$SRC/zsmalloc-portable
build=$WORK/zsmalloc-build
targets=(zs_ops zs_misuse zs_threads zs_faults)

echo "zsmalloc-portable: $SANITIZER + ${FUZZING_ENGINE:-libfuzzer}, ${ARCHITECTURE:-x86_64}"

# CMAKE_BUILD_TYPE=None: no -O/-g of CMake's own, CFLAGS decide. Warnings
# stay warnings here: the compiler and its flags are OSS-Fuzz's.
cmake -S "$src" -B "$build" \
	-DCMAKE_BUILD_TYPE=None \
	-DCMAKE_C_COMPILER="$CC" \
	-DCMAKE_CXX_COMPILER="$CXX" \
	-DCMAKE_C_FLAGS="$CFLAGS" \
	-DCMAKE_CXX_FLAGS="$CXXFLAGS" \
	-DZS_FUZZ_ENGINE=external \
	-DZS_FUZZ_LINK_FLAGS="$LIB_FUZZING_ENGINE"
cmake --build "$build" --target zs_fuzz_targets -j "$(nproc)"

# Each target with its seed corpus (seeds and regression inputs, flat: the
# names are content hashes or bug names, prefixed so they cannot collide),
# its dictionary and its options.
for t in "${targets[@]}"; do
	cp "$build/fuzz/$t" "$OUT/$t"
	cp "$src/fuzz/$t.dict" "$OUT/$t.dict"
	cp "$src/fuzz/$t.options" "$OUT/$t.options"

	seeds=$WORK/seeds/$t
	rm -rf "$seeds"
	mkdir -p "$seeds"
	find "$src/corpus/$t" -maxdepth 1 -type f ! -name '*.md' -exec cp -t "$seeds" {} +
	if [ -d "$src/corpus/$t/regressions" ]; then
		for f in "$src/corpus/$t/regressions"/*; do
			[ -f "$f" ] || continue
			case "$f" in *.md) continue ;; esac
			cp "$f" "$seeds/regression-$(basename "$f")"
		done
	fi
	rm -f "$OUT/${t}_seed_corpus.zip"
	(cd "$seeds" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
done
