#!/usr/bin/env bash
# Installs the system packages Warden needs on Debian 12 (skips what is already there).
set -euo pipefail
packages=(libsqlite3-dev sqlite3 libseccomp-dev libcap-dev python3 pkg-config util-linux)
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
