#!/usr/bin/env bash
# Measures how long `stead server start-dev` takes from exec to answering its first RPC
# (GetSystemInfo), over N runs, with the official TypeScript client as the caller.
#   bench/startup.sh [runs=20] [binary=build/bin/stead]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
BIN=${2:-build/bin/stead}
node bench/startup.js "$BIN" "$RUNS"
