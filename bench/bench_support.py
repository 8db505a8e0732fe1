"""Shared by the benchmarks and the two-node check: starting `warden serve` (SQLite or PostgreSQL
nodes) and a PostgreSQL database to run against. Not a benchmark itself; imported by
bench/read_bench.py, bench/exec_bench.py and Tests/multinode/two_nodes_check.py.

Everything is bounded: processes get timeouts and are stopped (then killed) by whoever started them.
"""
import glob
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Rate limits would measure the limiter, not Warden: lifted for every benchmark run.
NO_RATE_LIMITS = {
    "WARDEN_RATE_REQUESTS_PER_SECOND": "1000000", "WARDEN_RATE_REQUESTS_BURST": "1000000",
    "WARDEN_RATE_EXECUTIONS_PER_SECOND": "1000000", "WARDEN_RATE_EXECUTIONS_BURST": "1000000",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, key=None, body=None, timeout=30):
    """One request on a fresh connection: (status, decoded JSON body or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    try:
        decoded = json.loads(data) if data else None
    except ValueError:
        decoded = data[:200]
    return response.status, decoded


def expect(port, status, method, path, key=None, body=None):
    got, answer = call(port, method, path, key, body)
    if got != status:
        raise RuntimeError("%s %s: expected HTTP %d, got %d %s" % (method, path, status, got, answer))
    return answer


class Warden:
    """One `warden serve` process; its output goes to `serve.log` in its data folder."""

    def __init__(self, binary, data, env, name="warden", log_level="error"):
        self.binary, self.data, self.env, self.name, self.log_level = binary, data, env, name, log_level
        self.port = free_port()
        self.log = os.path.join(data, "serve.log")
        self.process = None

    def start(self):
        os.makedirs(self.data, mode=0o700, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "serve", "--data-dir", self.data, "--port", str(self.port), "--log-level", self.log_level],
                cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_healthy(self, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("%s exited with %s:\n%s" % (self.name, self.process.returncode, self.log_tail()))
            try:
                if call(self.port, "GET", "/healthz", timeout=5)[0] == 200:
                    return self
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise RuntimeError("%s did not answer /healthz within %d s:\n%s" % (self.name, seconds, self.log_tail()))

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait(timeout=10)

    def log_tail(self, lines=20):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


def psql_binary():
    found = shutil.which("psql") or (sorted(glob.glob("/usr/lib/postgresql/*/bin/psql")) or [None])[-1]
    if not found:
        raise RuntimeError("psql not found (scripts/install-deps.sh installs PostgreSQL)")
    return found


def psql(url, sql):
    done = subprocess.run([psql_binary(), url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, PGCONNECT_TIMEOUT="10"))
    if done.returncode != 0:
        raise RuntimeError("psql %s: %s" % (sql, done.stderr.strip()))
    return done.stdout


def with_database(url, name):
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/" + name))


class Postgres:
    """A PostgreSQL server to benchmark against: the one at `url`, or (url None) a throw-away cluster
    started with scripts/postgres-cluster.sh and stopped (and removed) on close. Each
    `fresh_database` is a new database, dropped on close."""

    def __init__(self, url=None):
        self.url, self.cluster_dir, self.databases = url, None, []

    def __enter__(self):
        if self.url is None:
            # Not under a private temporary folder: as root, the cluster runs as its own user, which
            # must be able to reach the folder. The script creates it and removes it on stop.
            self.cluster_dir = os.path.join(tempfile.gettempdir(), "warden-bench-pg-%d-%s" % (os.getpid(), secrets.token_hex(4)))
            try:
                started = subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster.sh"), "start", self.cluster_dir],
                                         capture_output=True, text=True, timeout=180)
            except subprocess.TimeoutExpired:
                self.close()
                raise RuntimeError("scripts/postgres-cluster.sh start took longer than 180 s")
            if started.returncode != 0:
                self.close()
                raise RuntimeError("scripts/postgres-cluster.sh start failed: %s" % (started.stdout + started.stderr).strip())
            self.url = started.stdout.strip().splitlines()[-1]
        return self

    def __exit__(self, *exc):
        self.close()

    def fresh_database(self, prefix):
        name = "%s_%d_%s" % (prefix, os.getpid(), secrets.token_hex(3))
        psql(self.url, 'CREATE DATABASE "%s"' % name)
        self.databases.append(name)
        return with_database(self.url, name)

    def close(self):
        if self.cluster_dir is None:
            for name in self.databases:
                try:
                    psql(self.url, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
                except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
                    print("could not drop database %s: %s" % (name, exc))
        else:
            try:
                subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster.sh"), "stop", self.cluster_dir],
                               capture_output=True, text=True, timeout=120)
            except subprocess.SubprocessError as exc:
                print("could not stop the PostgreSQL cluster in %s: %s" % (self.cluster_dir, exc))
            self.cluster_dir = None
        self.databases = []


class PostgresInstallation:
    """One Warden installation on a fresh PostgreSQL database: shared keys, migrations applied, an
    admin key; `node(...)` makes `warden serve` nodes (not started) that share it."""

    def __init__(self, binary, database_url, scratch, extra_env=None):
        self.binary, self.url, self.scratch = binary, database_url, scratch
        self.env = dict(os.environ, WARDEN_AUDIT_KEY=secrets.token_hex(32), WARDEN_ENCRYPTION_KEY=secrets.token_hex(32),
                        WARDEN_JWT_SECRET=secrets.token_hex(32), WARDEN_DATA_DIR=os.path.join(scratch, "cli"))
        self.env.update(NO_RATE_LIMITS)
        self.env.update(extra_env or {})
        self.env.pop("WARDEN_DATABASE_URL", None)  # the CLI gets --database-url; only the nodes read the variable
        os.makedirs(os.path.join(scratch, "cli"), mode=0o700, exist_ok=True)
        self.cli("migrate")
        self.admin_key = self.cli("keys", "create", "--role", "admin", "--name", "bench").strip()

    def cli(self, *arguments):
        done = subprocess.run([self.binary] + list(arguments) + ["--database-url", self.url], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError("warden %s failed (%d): %s" % (" ".join(arguments), done.returncode, (done.stdout + done.stderr).strip()))
        return done.stdout

    def node(self, name, extra_env=None):
        env = dict(self.env, WARDEN_DATABASE_URL=self.url, WARDEN_NODE_ID="bench-" + name.lower())
        env.update(extra_env or {})
        return Warden(self.binary, os.path.join(self.scratch, "node-" + name.lower()), env, name="node " + name)
