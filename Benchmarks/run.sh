#!/usr/bin/env bash
# `make bench`: builds the benchmark package in release mode and runs the suites given (all by default).
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --package-path . 2>&1 | grep -E "error|warning: unre|Compiling|Build" | tail -5
./.build/release/outpost-bench "$@"
