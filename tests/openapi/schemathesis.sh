#!/usr/bin/env bash
# Runs Schemathesis (from build/python-venv, where PyPI is reachable) against the OpenAPI
# document of a running orders example: generated requests for every operation, every check
# (server errors, status codes, content types, response schemas, undeclared methods).
#   tests/openapi/schemathesis.sh <orders_app binary> <st binary>
set -euo pipefail
app=$1
st=$2
config="$(cd "$(dirname "$0")" && pwd)/schemathesis.toml"
# Schemathesis keeps a cache (.schemathesis/) in its working directory: not in the source tree.
work=$(mktemp -d)
cd "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$app" --host 127.0.0.1 --port "$port" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
"$st" --config-file "$config" run "http://127.0.0.1:$port/openapi.json" --checks all --max-examples 30 \
  --seed 1 --no-color
