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
deps=$WORK/deps

# One target per fuzz/<target>.c. ZS_OSSFUZZ_SKIP (a list of names) is for
# oss-fuzz/check.sh only: it drops targets whose dependencies a local
# machine cannot provide for a configuration (see below).
targets=()
for f in "$src"/fuzz/*.c; do
	t=$(basename "$f" .c)
	case " ${ZS_OSSFUZZ_SKIP:-} " in *" $t "*) continue ;; esac
	targets+=("$t")
done

echo "zsmalloc-portable: $SANITIZER + ${FUZZING_ENGINE:-libfuzzer}, ${ARCHITECTURE:-x86_64}: ${targets[*]}"

# zstore (zstore_roundtrip) compresses with LZ4 and zstd. The image clones
# both into $SRC (Dockerfile): build them here as static libraries with the
# same compiler and flags, so that every object is instrumented (MSan needs
# that) and has the right word size (i386). Without the sources (the local
# check) the system's libraries are used.
if [ -d "$SRC/lz4" ] && [ -d "$SRC/zstd" ]; then
	rm -rf "$deps"
	make -C "$SRC/lz4/lib" clean >/dev/null
	make -C "$SRC/lz4/lib" -j "$(nproc)" install BUILD_SHARED=no \
		CC="$CC" CFLAGS="$CFLAGS" PREFIX="$deps" >/dev/null
	make -C "$SRC/zstd/lib" clean >/dev/null
	make -C "$SRC/zstd/lib" -j "$(nproc)" install-pc install-static install-includes \
		CC="$CC" CFLAGS="$CFLAGS" PREFIX="$deps" >/dev/null
	export PKG_CONFIG_PATH=$deps/lib/pkgconfig
	export CMAKE_PREFIX_PATH=$deps
fi

# zstore_roundtrip needs zstore, which needs LZ4 and zstd: when the target
# is wanted, a missing codec must stop the configure with its package name
# rather than drop the target (ZS_BUILD_ZSTORE=AUTO would).
zstore=AUTO
case " ${targets[*]} " in *" zstore_roundtrip "*) zstore=ON ;; esac

# CMAKE_BUILD_TYPE=None: no -O/-g of CMake's own, CFLAGS decide. Warnings
# stay warnings here: the compiler and its flags are OSS-Fuzz's.
cmake -S "$src" -B "$build" \
	-DZS_BUILD_ZSTORE="$zstore" \
	-DCMAKE_BUILD_TYPE=None \
	-DCMAKE_C_COMPILER="$CC" \
	-DCMAKE_CXX_COMPILER="$CXX" \
	-DCMAKE_C_FLAGS="$CFLAGS" \
	-DCMAKE_CXX_FLAGS="$CXXFLAGS" \
	-DZS_FUZZ_ENGINE=external \
	-DZS_FUZZ_LINK_FLAGS="$LIB_FUZZING_ENGINE"
cmake --build "$build" --target "${targets[@]}" -j "$(nproc)"

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
