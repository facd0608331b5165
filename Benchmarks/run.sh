#!/usr/bin/env bash
# `make bench`: builds the benchmark package in release and runs the named suites (all by default).
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release
"$(swift build -c release --show-bin-path)/outpost-bench" "$@"
