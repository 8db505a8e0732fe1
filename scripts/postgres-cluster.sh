#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, in its own folder, on 127.0.0.1 only.
#   scripts/postgres-cluster.sh start DIR   # prints postgres://warden@127.0.0.1:PORT/warden (also in DIR/url)
#   scripts/postgres-cluster.sh stop DIR    # stops it and removes DIR
set -euo pipefail
usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$(realpath -m "$2")
cd /   # the cluster's user may not be allowed into the caller's folder
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bin/initdb" ] || { echo "no PostgreSQL server binaries (run scripts/install-deps.sh)" >&2; exit 1; }

# PostgreSQL refuses to run as root, so root runs it as an unprivileged system user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u warden-pg -- "$@"; else "$@"; fi
}

case "$action" in
  start)
    if [ "$(id -u)" -eq 0 ]; then
      id -u warden-pg >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin warden-pg
      mkdir -p "$dir"
      chown warden-pg: "$dir"
    else
      mkdir -p "$dir"
    fi
    chmod 700 "$dir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # -U warden makes warden the superuser: the store tests create a database per test.
    as_owner "$bin/initdb" -D "$dir/data" -U warden --auth=trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log"
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null
    "$bin/psql" -h 127.0.0.1 -p "$port" -U warden -d postgres -qAtX -v ON_ERROR_STOP=1 -c 'CREATE DATABASE warden' >/dev/null
    url="postgres://warden@127.0.0.1:$port/warden"
    echo "$url" >"$dir/url"
    echo "$url"
    ;;
  stop)
    rmdir "$dir" 2>/dev/null && exit 0   # a start that failed before initdb
    # Only a folder this script made is removed, so a wrong DIR cannot wipe anything else.
    [ -f "$dir/data/PG_VERSION" ] || { echo "$dir holds no cluster; nothing removed" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
