#!/usr/bin/env bash
# Browser tests of the admin console (/ui/): starts a live Warden (debug build) on a fresh data
# folder with an admin, an agent and an auditor key, and drives it with Playwright and Debian's
# Chromium (Tests/console/test_console_*.py). Installs what is missing: the chromium package, and
# playwright and pytest in .build/test-python. Playwright never downloads a browser here.
# WARDEN_CONSOLE_SCREENSHOTS=1 also writes docs/console-{queue,review,executions}.png.
# Needs .build/debug/warden (swift build). Exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PIP_DISABLE_PIP_VERSION_CHECK=1

playwright_version=1.65.2
pytest_version=9.2.0
chromium=${WARDEN_CHROMIUM:-/usr/bin/chromium}
venv=.build/test-python
python=$venv/bin/python
warden=.build/debug/warden

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
if [ ! -x "$chromium" ]; then
  # The package list is refreshed only when the install fails without it.
  if ! $SUDO apt-get install -y -qq chromium >/dev/null; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq chromium >/dev/null
  fi
fi
[ -x "$python" ] || python3 -m venv "$venv"
if ! "$python" -c "import playwright, pytest" 2>/dev/null; then
  "$python" -m pip install -q "playwright==$playwright_version" "pytest==$pytest_version"
fi
if [ ! -x "$warden" ]; then
  echo "check-console: $warden is missing; build first (swift build)" >&2
  exit 2
fi

data=$(mktemp -d)
log="$data/serve.log"
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

admin=$("$warden" keys create --role admin --name console-admin --data-dir "$data")
agent=$("$warden" keys create --role agent --name console-agent --data-dir "$data")
auditor=$("$warden" keys create --role auditor --name console-auditor --data-dir "$data")

# Rate limits lifted: the tests sign in many times, run tools and post wrong keys on purpose.
WARDEN_RATE_REQUESTS_PER_SECOND=100000 WARDEN_RATE_REQUESTS_BURST=100000 \
WARDEN_RATE_EXECUTIONS_PER_SECOND=100000 WARDEN_RATE_EXECUTIONS_BURST=100000 \
WARDEN_RATE_AUTH_FAILURES_PER_MINUTE=100000 \
  "$warden" serve --data-dir "$data" --port "$port" --log-level error </dev/null >"$log" 2>&1 &
server=$!

url="http://127.0.0.1:$port"
ready=""
for _ in $(seq 150); do
  if "$python" -c "import urllib.request; urllib.request.urlopen('$url/healthz', timeout=2)" 2>/dev/null; then
    ready=1
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    break
  fi
  sleep 0.2
done
if [ -z "$ready" ]; then
  echo "check-console: warden serve did not become healthy; its log:" >&2
  cat "$log" >&2
  exit 1
fi

status=0
WARDEN_URL="$url" WARDEN_ADMIN_KEY="$admin" WARDEN_AGENT_KEY="$agent" WARDEN_AUDITOR_KEY="$auditor" \
WARDEN_CHROMIUM="$chromium" \
  "$python" -m pytest -q -p no:cacheprovider --color=no -o console_output_style=classic \
  Tests/console "$@" </dev/null || status=$?
if [ "$status" -ne 0 ]; then
  echo "check-console: pytest exited $status; the server's log:" >&2
  tail -n 50 "$log" >&2 || true
fi
exit "$status"
