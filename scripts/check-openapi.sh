#!/usr/bin/env bash
# Validates docs/openapi.yaml against the OpenAPI 3.1 specification with openapi-spec-validator.
# Uses the validator if python3 already has it; else installs it into the test virtual environment
# (.build/test-python, made by scripts/test.sh) when that exists; else with `pip install --user`,
# falling back to a private virtual environment in .build/openapi-python. Exits non-zero when the
# document is invalid or the validator cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
spec=docs/openapi.yaml
packages=(openapi-spec-validator pyyaml)
check='import openapi_spec_validator, yaml'

has_validator() { "$1" -c "$check" >/dev/null 2>&1; }

python=""
if has_validator python3; then
  python=python3
elif [ -x .build/test-python/bin/python ]; then
  python=.build/test-python/bin/python
  has_validator "$python" || "$python" -m pip install -q --disable-pip-version-check "${packages[@]}"
elif python3 -m pip install -q --disable-pip-version-check --user "${packages[@]}" 2>/dev/null && has_validator python3; then
  python=python3
else
  # pip --user is refused on externally managed interpreters (PEP 668, e.g. Debian 12's python3).
  venv=.build/openapi-python
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || { echo "check-openapi: cannot install openapi-spec-validator (pip --user and python3 -m venv both failed)" >&2; exit 2; }
  fi
  python="$venv/bin/python"
  has_validator "$python" || "$python" -m pip install -q --disable-pip-version-check "${packages[@]}"
fi

"$python" - "$spec" <<'PY'
import sys
import yaml
from openapi_spec_validator import validate

path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    document = yaml.safe_load(f)
try:
    validate(document)
except Exception as error:  # the validator raises its own exception types
    where = "/".join(str(part) for part in getattr(error, "absolute_path", []) or [])
    message = getattr(error, "message", None) or str(error).splitlines()[0]
    print(f"{path}: INVALID at /{where}: {message}", file=sys.stderr)
    sys.exit(1)
print(f"{path}: valid OpenAPI {document.get('openapi')} ({len(document.get('paths', {}))} paths)")
PY
