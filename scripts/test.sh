#!/usr/bin/env bash
# The whole test suite: installs what is missing, checks formatting, then
# builds and runs every test (unit suites and corpus replays) in every
# flavour of the sanitizer matrix, and prints one summary table.
# Usage: scripts/test.sh [preset...]
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh test || exit 1

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

exec sanitizers/matrix.sh "$@"
