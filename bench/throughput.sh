#!/usr/bin/env bash
# Workflow throughput and latency with one TypeScript SDK worker (see bench/throughput.js).
#
#   bench/throughput.sh [binary=build/bin/stead] [memory|db] [runs=3] [-- throughput.js options]
#       One server configuration, `runs` runs (fresh server each), then the median run per scenario.
#   bench/throughput.sh --matrix [runs=3] [stead=build/bin/stead] [temporal=~/.cache/stead-go/bin/temporal] [-- options]
#       stead and temporal, each in memory and with --db-filename, the runs interleaved
#       (round-robin over the four configurations), then a markdown table of the median runs.
#       The stead binary is copied first, so that a rebuild during the benchmark does not change it.
#
# Before each run the 1-minute load average must be <= 1.5 (polled every 30 s, for at most 10 min;
# change with `-- --max-load X --load-wait S`). JSON lines of every run go to $OUT
# (default: a new file under ${TMPDIR:-/tmp}); `node bench/throughput.js --summarize $OUT` reprints
# the medians.
set -euo pipefail
cd "$(dirname "$0")/.."

split_args() { # everything after `--` goes to throughput.js
  POS=(); EXTRA=()
  local seen=0
  for a in "$@"; do
    if [[ $seen == 0 && $a == -- ]]; then seen=1; continue; fi
    if [[ $seen == 1 ]]; then EXTRA+=("$a"); else POS+=("$a"); fi
  done
}

OUT=${OUT:-$(mktemp "${TMPDIR:-/tmp}/stead-throughput-XXXXXX.jsonl")}

if [[ ${1:-} == --matrix ]]; then
  shift
  split_args "$@"
  RUNS=${POS[0]:-3}
  STEAD=${POS[1]:-build/bin/stead}
  TEMPORAL=${POS[2]:-$HOME/.cache/stead-go/bin/temporal}
  SNAP=$(mktemp -d "${TMPDIR:-/tmp}/stead-bench-bin-XXXXXX")
  trap 'rm -rf "$SNAP"' EXIT
  cp "$STEAD" "$SNAP/stead"
  echo "# stead: $STEAD (copied to $SNAP/stead, $("$SNAP/stead" --version 2>/dev/null | head -1)); temporal: $TEMPORAL ($("$TEMPORAL" --version 2>/dev/null | head -1))" >&2
  echo "# results (JSON lines): $OUT" >&2
  for ((run = 1; run <= RUNS; run++)); do
    for cfg in "stead memory" "stead db" "temporal memory" "temporal db"; do
      read -r name mode <<<"$cfg"
      bin=$SNAP/stead; [[ $name == temporal ]] && bin=$TEMPORAL
      dbflag=(); [[ $mode == db ]] && dbflag=(--db)
      echo "# uptime: $(uptime)" >&2
      node bench/throughput.js --bin "$bin" --label "$name" "${dbflag[@]}" --runs 1 --first-run "$run" \
        ${EXTRA[@]+"${EXTRA[@]}"} | tee -a "$OUT"
    done
  done
  echo
  echo "# medians of $RUNS runs ($OUT):"
  node bench/throughput.js --summarize "$OUT"
  exit 0
fi

split_args "$@"
BIN=${POS[0]:-build/bin/stead}
MODE=${POS[1]:-memory}
RUNS=${POS[2]:-3}
case $MODE in
  memory) dbflag=() ;;
  db) dbflag=(--db) ;;
  *) echo "mode must be memory or db, got $MODE" >&2; exit 2 ;;
esac
echo "# uptime: $(uptime); results (JSON lines): $OUT" >&2
node bench/throughput.js --bin "$BIN" "${dbflag[@]}" --runs "$RUNS" ${EXTRA[@]+"${EXTRA[@]}"} | tee -a "$OUT"
