#!/usr/bin/env bash
# Installs what is missing, builds once, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The official MCP Python SDK drives /mcp in the tests, from a private virtual environment.
venv=.build/test-python
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import mcp, schemathesis, openapi_spec_validator" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "mcp==2.3.0" "schemathesis==4.32.5" "openapi-spec-validator" pyyaml
fi
export WARDEN_TEST_PYTHON="$PWD/$venv/bin/python" WARDEN_REQUIRE_MCP_CLIENT=1
swift build --build-tests
# The API document is valid OpenAPI 3.1, and a live server keeps to it under generated requests.
scripts/check-openapi.sh
scripts/check-api-contract.sh
# Kill the supervisor at random moments under load; every restart must find the data intact.
/usr/bin/python3 scripts/crash-test.py --build debug --kills 10
swift test --skip-build
