#!/usr/bin/env bash
# Runs schemathesis against a live Warden (debug build) from docs/openapi.yaml: a bounded number
# of generated requests per operation; fails on any 5xx or any response that breaks the schema.
# Needs .build/test-python with schemathesis (scripts/test.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
python=.build/test-python/bin/python
data=$(mktemp -d)
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
key=$(.build/debug/warden keys create --role admin --name contract --data-dir "$data")
WARDEN_RATE_REQUESTS_PER_SECOND=100000 WARDEN_RATE_REQUESTS_BURST=100000 \
WARDEN_RATE_EXECUTIONS_PER_SECOND=100000 WARDEN_RATE_EXECUTIONS_BURST=100000 \
  .build/debug/warden serve --data-dir "$data" --port "$port" --log-level error &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do
  "$python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz')" 2>/dev/null && break
  sleep 0.2
done
"$python" -m schemathesis.cli run docs/openapi.yaml --url "http://127.0.0.1:$port" -H "Authorization: Bearer $key" \
  --max-examples "${WARDEN_CONTRACT_EXAMPLES:-20}" --seed 1 \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  | tail -n 25
