#!/usr/bin/env bash
# Installs what is missing, builds, and starts Warden on SQLite in ./warden-data (or $WARDEN_DATA_DIR).
# Workers are confined with user namespaces mapped to unprivileged host uids, which needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product warden
swift build -c release --product warden-launcher
exec .build/release/warden serve --data-dir "${WARDEN_DATA_DIR:-warden-data}" "$@"
