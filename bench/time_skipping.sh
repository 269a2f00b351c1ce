#!/usr/bin/env bash
# Time skipping, three ways (docs/benchmarks.md): the C++ testing kit in process
# (bench_time_skipping), and the official TypeScript and Python SDKs' time-skipping test
# environments launching build/bin/stead-test-server. One JSON line each.
#   bench/time_skipping.sh [runs=20]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
SERVER=$PWD/build/bin/stead-test-server
build/bin/bench_time_skipping --runs "$RUNS"
STEAD_BIN=$PWD/build/bin/stead node bench/time_skipping.js "$SERVER" "$RUNS"
if [ -x build/python-venv/bin/python ]; then
  build/python-venv/bin/python bench/time_skipping.py "$SERVER" "$RUNS"
else
  echo "time_skipping.sh: build/python-venv is missing (scripts/install-python-peer): Python harness skipped" >&2
fi
