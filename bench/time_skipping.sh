#!/usr/bin/env bash
# Time skipping, three ways (docs/benchmarks.md): the C++ testing kit in process
# (bench_time_skipping), and the official TypeScript and Python SDKs' time-skipping test
# environments launching build/bin/stead-test-server. With a second argument, a reference test
# server launcher (scripts/install-java-test-server prints Temporal's), the two SDK harnesses
# run against it too. One JSON line per harness and server.
#   bench/time_skipping.sh [runs=20] [reference-test-server]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
servers=("$PWD/build/bin/stead-test-server")
if [ $# -ge 2 ]; then servers+=("$2"); fi
build/bin/bench_time_skipping --runs "$RUNS"
for server in "${servers[@]}"; do
  STEAD_BIN=$PWD/build/bin/stead node bench/time_skipping.js "$server" "$RUNS"
  if [ -x build/python-venv/bin/python ]; then
    build/python-venv/bin/python bench/time_skipping.py "$server" "$RUNS"
  else
    echo "time_skipping.sh: build/python-venv is missing (scripts/install-python-peer): Python harness skipped" >&2
  fi
done
