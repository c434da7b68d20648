#!/usr/bin/env bash
# The whole test suite: installs what is missing, checks formatting, builds
# and runs every test (unit suites and corpus replays) in every flavour of
# the sanitizer matrix, then runs the local OSS-Fuzz check; each prints its
# summary table.
# Usage: scripts/test.sh [preset...]
#   With presets, only those flavours and no OSS-Fuzz check.
#   ZS_OSSFUZZ_CONFIGS="address i386" limits the OSS-Fuzz check (default:
#   all of address undefined memory afl i386); "none" skips it.
set -euo pipefail
cd "$(dirname "$0")/.."

ossfuzz_configs=${ZS_OSSFUZZ_CONFIGS:-address undefined memory afl i386}
[ $# -gt 0 ] && ossfuzz_configs=none
parts=(test)
[ "$ossfuzz_configs" != none ] && parts+=(ossfuzz afl m32)
# the m32 flavour (in the default matrix) needs 32-bit libraries and qemu
[[ $# -eq 0 || " $* " == *" m32 "* ]] && parts+=(m32)
bash scripts/setup.sh "${parts[@]}"

echo "=== clang-format check"
mapfile -t sources < <(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
if ! clang-format --dry-run -Werror "${sources[@]}" 2>build-format.log; then
	head -n 40 build-format.log
	echo "clang-format: the files above need 'clang-format -i'"
	rm -f build-format.log
	exit 1
fi
rm -f build-format.log
echo "clang-format: ${#sources[@]} files clean"

status=0
start=$(date +%s)
sanitizers/matrix.sh "$@" || status=1
matrix_secs=$(($(date +%s) - start))

if [ "$ossfuzz_configs" != none ]; then
	echo
	echo "=== local OSS-Fuzz check: $ossfuzz_configs"
	start=$(date +%s)
	# shellcheck disable=SC2086 # a list of config names
	oss-fuzz/check.sh $ossfuzz_configs || status=1
	echo "test.sh: matrix ${matrix_secs}s, OSS-Fuzz check $(($(date +%s) - start))s"
fi
exit $status
