#!/usr/bin/env bash
# Throughput and latency with one C++ SDK worker (bench/cpp/worker_throughput.cc), against
# stead and temporal server start-dev, each in memory and with a database file.
#
#   bench/cpp_worker.sh [runs=3] [stead=build/bin/stead] [temporal=~/.cache/stead-go/bin/temporal]
#
# Runs are interleaved over the four configurations (fresh server each); prints every run's JSON
# line and then, per configuration and scenario, the median run by throughput.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
STEAD=${2:-build/bin/stead}
TEMPORAL=${3:-$HOME/.cache/stead-go/bin/temporal}
BENCH=${BENCH:-build/bin/bench_cpp_worker}
OUT=$(mktemp "${TMPDIR:-/tmp}/stead-cpp-bench-XXXXXX.jsonl")
echo "# results: $OUT; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

for ((run = 1; run <= RUNS; run++)); do
  for server in stead temporal; do
    for store in memory db; do
      port=$(free_port); dir=$(mktemp -d)
      args=(server start-dev --headless --port "$port" --ip 127.0.0.1 --log-level error)
      [[ $store == db ]] && args+=(--db-filename "$dir/bench.db")
      bin=$STEAD; [[ $server == temporal ]] && bin=$TEMPORAL
      "$bin" "${args[@]}" >/dev/null 2>&1 &
      pid=$!
      wait_port "$port"
      for scenario in one-activity:500 sequential-activities:100; do
        line=$("$BENCH" --address "127.0.0.1:$port" --scenario "${scenario%%:*}" --workflows "${scenario##*:}")
        echo "{\"server\":\"$server\",\"store\":\"$store\",\"run\":$run,${line#\{}" | tee -a "$OUT"
      done
      kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$dir"
    done
  done
done

echo "# medians (by throughput) of $RUNS runs; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT" <<'PY'
import json, sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line); runs[(r["server"], r["store"], r["scenario"])].append(r)
print("| server | store | scenario | throughput | latency p50 / p90 / p99 | runs |")
print("|---|---|---|---|---|---|")
for (server, store, scenario), rs in runs.items():
    rs.sort(key=lambda r: r["throughput_wf_s"]); m = rs[len(rs) // 2]
    rate = f'{m["throughput_wf_s"]:.1f} wf/s' if scenario == "one-activity" else f'{m["activities_s"]:.0f} activities/s'
    print(f'| {server} | {store} | {scenario} | **{rate}** | {m["p50_ms"]:.0f} / {m["p90_ms"]:.0f} / {m["p99_ms"]:.0f} ms | '
          + ", ".join(f'{r["throughput_wf_s"]:.0f}' for r in rs) + " wf/s |")
PY
