#!/usr/bin/env bash
# Installs what the build, the tests and the fuzzers need, only when it is
# missing (Debian, as root). Usage: scripts/setup.sh [test|fuzz|afl|m32|ossfuzz|bench]...
set -euo pipefail

need=()
want_cmd() { # want_cmd <command> <debian package>
	command -v "$1" >/dev/null 2>&1 || need+=("$2")
}
want_file() { # want_file <path glob> <debian package>
	compgen -G "$1" >/dev/null || need+=("$2")
}

base() {
	want_cmd cmake cmake
	want_cmd make make
	want_cmd gcc gcc
	want_cmd clang clang
	want_cmd python3 python3
	want_cmd pkg-config pkgconf # the install test builds a pkg-config client
	want_cmd clang-format clang-format
	want_cmd llvm-profdata-14 llvm-14
	want_cmd llvm-cov-14 llvm-14
	want_cmd valgrind valgrind
	want_file '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.a' libclang-rt-14-dev
	want_file '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' libclang-rt-14-dev
	want_file /usr/include/valgrind/memcheck.h valgrind
	want_file /usr/include/lz4.h liblz4-dev
	want_file /usr/include/zstd.h libzstd-dev
}

for what in "${@:-test}"; do
	case "$what" in
	test | fuzz) base ;;
	ossfuzz) base; want_cmd zip zip; want_cmd unzip unzip; want_cmd file file; want_cmd objdump binutils ;;
	afl)
		base
		want_cmd afl-clang-fast afl++
		want_cmd afl-fuzz afl++
		want_cmd zip zip
		want_cmd unzip unzip
		;;
	m32)
		# -m32 builds: 32-bit libc and libgcc; the C++ driver that links
		# OSS-Fuzz targets also wants a 32-bit libstdc++; clang's i386
		# sanitizer and libFuzzer runtimes come with libclang-rt-14-dev.
		base
		want_file '/usr/lib/gcc/x86_64-linux-gnu/*/32/libgcc.a' gcc-multilib
		want_file '/usr/lib/gcc/x86_64-linux-gnu/*/32/libstdc++.so' g++-multilib
		want_file '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.asan-i386.a' libclang-rt-14-dev
		want_file '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-i386.a' libclang-rt-14-dev
		# the m32 flavour's tests, where the kernel lacks IA-32 emulation
		want_cmd qemu-i386 qemu-user
		;;
	bench) base; want_cmd gnuplot gnuplot-nox ;;
	*) echo "setup.sh: unknown part '$what'" >&2; exit 2 ;;
	esac
done

if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: missing packages: ${need[*]} (run as root to install)" >&2
	exit 1
fi
echo "setup.sh: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
