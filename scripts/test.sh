#!/usr/bin/env bash
# Installs what is missing, builds once, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# A throw-away PostgreSQL cluster: the store tests make a database per test in it, the two-node check one of its own.
pg_dir=$(mktemp -d -t warden-pg.XXXXXX)
trap 'scripts/postgres-cluster.sh stop "$pg_dir"' EXIT
WARDEN_TEST_POSTGRES_URL=$(scripts/postgres-cluster.sh start "$pg_dir")
export WARDEN_TEST_POSTGRES_URL
# The official MCP Python SDK drives /mcp in the tests, from a private virtual environment.
venv=.build/test-python
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import mcp, schemathesis, openapi_spec_validator, yamllint" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "mcp==2.3.0" "schemathesis==4.32.5" "openapi-spec-validator" pyyaml yamllint
fi
export WARDEN_TEST_PYTHON="$PWD/$venv/bin/python" WARDEN_REQUIRE_MCP_CLIENT=1
# Habits first, before anything is built: the code's format and the Docker files.
swift format lint --strict --recursive Sources Tests Package.swift
"$WARDEN_TEST_PYTHON" scripts/check-docker.py
# Coverage-guided fuzzing of every parser that takes outside bytes, about a minute in all.
WARDEN_FUZZ_SECONDS=6 scripts/fuzz.sh
# The one build, instrumented for coverage (Swift targets; the static C launcher is not).
swift build --build-tests -Xswiftc -profile-generate -Xswiftc -profile-coverage-mapping
# Binaries the scripts below start write their profiles here, not into the working tree.
export LLVM_PROFILE_FILE="${TMPDIR:-/tmp}/warden-profiles/%p-%m.profraw"
# The API document is valid OpenAPI 3.1, and a live server keeps to it under generated requests.
scripts/check-openapi.sh
scripts/check-api-contract.sh
# Kill the supervisor at random moments under load; every restart must find the data intact.
/usr/bin/python3 scripts/crash-test.py --build debug --kills 10
# The worst input for each line of the cost budget (docs/design.md §12b): the supervisor's CPU, memory and answer.
/usr/bin/python3 scripts/hostile-clients.py --build debug
# Two supervisors on one PostgreSQL database: shared registry, one audit chain, leases, MCP notifications.
/usr/bin/python3 Tests/multinode/two_nodes_check.py --build debug
# The admin console in a real Chromium (Playwright), against a live server.
scripts/check-console.sh
unset LLVM_PROFILE_FILE
swift test --skip-build --enable-code-coverage
scripts/coverage.sh
