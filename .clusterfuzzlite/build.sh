#!/bin/bash -eu
# ClusterFuzzLite builds exactly what OSS-Fuzz builds.
set -euo pipefail
exec bash "$SRC/zsmalloc-portable/oss-fuzz/build.sh"
