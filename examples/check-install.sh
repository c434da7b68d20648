#!/usr/bin/env bash
# The install test (ctest -L install; registered by cmake/ZsInstall.cmake,
# which sets the ZS_* variables below): a consumer builds against an
# installed tree, so that a mistake in the install rules, the CMake package
# or zsmalloc.pc fails the test command.
#
#   check-install.sh install       cmake --install into $ZS_CHECK_DIR/prefix;
#                                  check files, SONAME, exported names,
#                                  that each header compiles on its own
#   check-install.sh find-package  examples/CMakeLists.txt against it, run
#   check-install.sh pkg-config    blobstore.c with pkg-config's flags,
#                                  shared and static, run
#
# Exit 77 (ctest: skipped) for the pkg-config step without pkg-config;
# without readelf (binutils) the ELF checks are left out, with a note.
set -euo pipefail

step=${1:?usage: check-install.sh install|find-package|pkg-config}
work=$ZS_CHECK_DIR
prefix=$work/prefix
libdir=$prefix/$ZS_LIBDIR
incdir=$prefix/$ZS_INCLUDEDIR
example=$ZS_SOURCE_DIR/examples/blobstore.c
readelf=${READELF:-}
[ -n "$readelf" ] || readelf=$(command -v readelf || true)

fail() {
	echo "check-install: FAIL: $*" >&2
	exit 1
}
skip() {
	echo "check-install: skipped: $*"
	exit 77
}
[ -n "$readelf" ] || echo "check-install: no readelf: SONAME, NEEDED and exported names not checked"

# needed <binary>: the shared libraries it names (NEEDED), one a line.
needed() {
	"$readelf" -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

# run_blobstore <binary>: runs it, wants its "ok" line.
run_blobstore() {
	local out
	out=$("$@") || fail "$* exited with $?"
	echo "$out"
	[[ $out == "blobstore: ok"* ]] || fail "$*: no ok line"
}

# links_shared <binary> yes|no: does it load libzsmalloc.so.<SOVERSION>?
links_shared() {
	local want=libzsmalloc.so.$ZS_SOVERSION
	[ -n "$readelf" ] || return 0
	if needed "$1" | grep -qx "$want"; then
		[ "$2" = yes ] || fail "$1 needs $want, should be static"
	else
		[ "$2" = no ] || fail "$1 does not need $want: $(needed "$1" | tr '\n' ' ')"
	fi
}

# elf_checks <library> <soname>: the SONAME; only the public names
# exported (zs_*, zpool_*, zbud_*: core/src/zsmalloc.map), and every
# function the installed headers declare among them.
elf_checks() {
	local soname leaked missing
	[ -n "$readelf" ] || return 0
	soname=$("$readelf" -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	[ "$soname" = "$2" ] || fail "SONAME is '$soname', want $2"
	echo "SONAME $soname"
	leaked=$("$readelf" -W --dyn-syms "$1" |
		awk '$5 == "GLOBAL" && $7 != "UND" { print $8 }' |
		grep -Ev '^(zs|zpool|zbud)_' || true)
	[ -z "$leaked" ] || fail "exported beyond the public API: $leaked"
	missing=$(comm -23 <(declared_functions) <("$readelf" -W --dyn-syms "$1" |
		awk '$4 == "FUNC" && $5 == "GLOBAL" && $7 != "UND" { print $8 }' |
		sed 's/@.*//' | sort -u))
	[ -z "$missing" ] || fail "declared in the public headers, not exported: $missing"
}

# declared_functions: every function the installed headers declare, by the
# name at the start of its declaration (one a line, sorted).
declared_functions() {
	cat "$incdir"/*.h |
		grep -oE '^[A-Za-z_][A-Za-z0-9_ *]*\b(zs|zpool|zbud)_[a-z0-9_]+\(' |
		grep -v '^typedef' | sed -E 's/.*\b((zs|zpool|zbud)_[a-z0-9_]+)\($/\1/' |
		sort -u
}

install_tree() {
	local real=libzsmalloc.so.$ZS_VERSION so=libzsmalloc.so.$ZS_SOVERSION d
	for d in "$ZS_LIBDIR" "$ZS_INCLUDEDIR" "$ZS_BINDIR"; do
		case "$d" in /*) skip "$d: an absolute install dir ignores --prefix" ;; esac
	done
	rm -rf "$work"
	mkdir -p "$work"
	"$CMAKE" --install "$ZS_BUILD_DIR" --prefix "$prefix" \
		${ZS_CONFIG:+--config "$ZS_CONFIG"} >"$work/install.log" ||
		fail "cmake --install (log: $work/install.log)"
	echo "installed into $prefix:"
	(cd "$prefix" && find . -mindepth 2 \( -type f -o -type l \) | sort | sed 's/^/  /')

	# the library: the real file, its SONAME link and the dev link
	[ -f "$libdir/$real" ] || fail "no $real"
	[ "$(readlink "$libdir/$so")" = "$real" ] || fail "$so does not point at $real"
	[ "$(readlink "$libdir/libzsmalloc.so")" = "$so" ] || fail "libzsmalloc.so does not point at $so"
	[ -f "$libdir/libzsmalloc.a" ] || fail "no libzsmalloc.a"
	elf_checks "$libdir/$real" "$so"

	# the public headers, each usable alone from the installed tree
	local want got h
	want=$(cd "$ZS_SOURCE_DIR/core/include" && find . -name '*.h' | sort)
	got=$(cd "$incdir" && find . -type f | sort)
	[ "$want" = "$got" ] || fail "installed headers differ from core/include: $got"
	for h in $got; do
		echo "#include <${h#./}>" |
			"$CC" -std=c11 -Wall -Wextra -Werror -pedantic \
				-fsyntax-only -I"$incdir" -x c - ||
			fail "${h#./} does not compile on its own"
	done

	[ -f "$libdir/pkgconfig/zsmalloc.pc" ] || fail "no zsmalloc.pc"
	[ -f "$libdir/cmake/zsmalloc/zsmallocConfig.cmake" ] || fail "no zsmallocConfig.cmake"

	local cli=$prefix/$ZS_BINDIR/zstore-cli
	if [ "$ZS_ZSTORE_CLI" = 1 ]; then
		[ "$("$cli" --version)" = "zstore-cli $ZS_VERSION" ] ||
			fail "zstore-cli --version: $("$cli" --version)"
		"$cli" --version
	else
		[ ! -e "$cli" ] || fail "zstore-cli installed but zstore was left out"
	fi
	echo "install: ok"
}

find_package_build() {
	local b=$work/find-package
	rm -rf "$b"
	# -Werror: warnings from the installed headers count
	"$CMAKE" -S "$ZS_SOURCE_DIR/examples" -B "$b" \
		-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$CC" \
		-DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-Werror \
		>"$b.log" 2>&1 || { cat "$b.log"; fail "configure of examples/"; }
	grep -F -- "-- zsmalloc $ZS_VERSION from $libdir/cmake/zsmalloc" "$b.log" ||
		{ cat "$b.log"; fail "find_package found another zsmalloc"; }
	"$CMAKE" --build "$b" >>"$b.log" 2>&1 || { cat "$b.log"; fail "build of examples/"; }
	# the build tree's RPATH finds the installed library
	run_blobstore "$b/blobstore"
	links_shared "$b/blobstore" yes
	run_blobstore "$b/blobstore_static"
	links_shared "$b/blobstore_static" no
	echo "find-package: ok (zsmalloc::zsmalloc shared, zsmalloc::zsmalloc_static)"
}

pkg_config_build() {
	local b=$work/pkg-config pcdir
	command -v pkg-config >/dev/null || skip "no pkg-config (Debian: pkgconf)"
	rm -rf "$b"
	mkdir -p "$b"
	export PKG_CONFIG_PATH=$libdir/pkgconfig
	pkg-config --validate zsmalloc || fail "zsmalloc.pc does not validate"
	[ "$(pkg-config --modversion zsmalloc)" = "$ZS_VERSION" ] ||
		fail "pkg-config --modversion: $(pkg-config --modversion zsmalloc)"
	# relocatable: the prefix comes from where the .pc file lies
	pcdir=$(pkg-config --variable=libdir zsmalloc)
	[ "$(cd "$pcdir" && pwd -P)" = "$(cd "$libdir" && pwd -P)" ] ||
		fail "libdir from zsmalloc.pc is $pcdir, want $libdir"
	echo "pkg-config --cflags --libs zsmalloc: $(pkg-config --cflags --libs zsmalloc)"

	local flags=(-std=c11 -Wall -Wextra -Werror -pedantic -O2)
	# shellcheck disable=SC2046 # pkg-config's flags are words
	"$CC" "${flags[@]}" -o "$b/blobstore" "$example" \
		$(pkg-config --cflags --libs zsmalloc) || fail "pkg-config build"
	run_blobstore env LD_LIBRARY_PATH="$pcdir" "$b/blobstore"
	links_shared "$b/blobstore" yes

	# static, as the README shows: libzsmalloc.a from libdir, its private
	# dependencies (-pthread) from --static
	# shellcheck disable=SC2046
	"$CC" "${flags[@]}" -o "$b/blobstore_static" "$example" \
		$(pkg-config --cflags zsmalloc) "$pcdir/libzsmalloc.a" \
		$(pkg-config --static --libs-only-other zsmalloc) ||
		fail "pkg-config --static build"
	run_blobstore "$b/blobstore_static"
	links_shared "$b/blobstore_static" no
	echo "pkg-config: ok (shared and static)"
}

case "$step" in
install) install_tree ;;
find-package) find_package_build ;;
pkg-config) pkg_config_build ;;
*) fail "unknown step $step" ;;
esac
