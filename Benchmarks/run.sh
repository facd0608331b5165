#!/usr/bin/env bash
# Builds the products the benchmarks start (release) and runs every suite, or the ones named.
set -euo pipefail
cd "$(dirname "$0")/.."
for p in outpost-sandbox container-fixture; do swift build -c release --product "$p" >/dev/null; done
export OUTPOST_BIN_DIR="$(swift build -c release --show-bin-path)"
cd Benchmarks
swift build -c release --product outpost-bench >/dev/null
"$(swift build -c release --show-bin-path)/outpost-bench" "$@"
