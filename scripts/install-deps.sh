#!/usr/bin/env bash
# Installs the system packages Warden needs on Debian 12 (skips what is already there).
# postgresql: server binaries for the tests' throw-away clusters (scripts/postgres-cluster.sh);
# the tests never use the default cluster Debian may create and start.
set -euo pipefail
packages=(libsqlite3-dev sqlite3 libseccomp-dev libcap-dev python3 pkg-config util-linux postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
