#!/usr/bin/python3
"""Control-plane read benchmark: `GET /v1/tools/{id}` with an API key, measured with wrk, next to
`GET /healthz` (no key, no database) in the same run as the baseline.

    /usr/bin/python3 bench/read_bench.py [--build debug|release] [--duration 10] [--connections 16] [--threads 2]
                                         [--postgres | --postgres-url postgres://user@host:port/db]

First one `warden serve` on SQLite in a temporary folder; with --postgres (a throw-away cluster from
scripts/postgres-cluster.sh, stopped afterwards) or --postgres-url (an existing server, in which a
fresh database is created and dropped afterwards) also one node on PostgreSQL. Each gets an admin key
from the CLI and a server and a tool over REST; one real request must answer 200 before wrk runs,
and wrk must report no non-2xx/3xx responses and no socket errors, or the run counts as failed.
Needs wrk (`apt-get install -y wrk`); installs nothing itself. Rate limits are lifted.
Exit status: 0 when every measurement ran cleanly (targets met or not), 1 when one failed, 2 on bad setup.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

from bench_support import NO_RATE_LIMITS, ROOT, Postgres, PostgresInstallation, Warden, call, expect

TARGETS = {"SQLite": 10_000, "PostgreSQL": 5_000}  # GET /v1/tools/{id}, requests per second
TOOL_CODE = "def main(city: str, days: int = 3):\n    return {'city': city, 'days': days}\n"


def seconds(text):
    """A wrk duration ("812.00us", "1.25ms", "2.01s", "1.00m") in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError("unexpected wrk duration %r" % text)
    return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[match.group(2)]


def parse_wrk(output):
    stats = {"non_2xx": 0, "socket_errors": {}}
    for line in output.splitlines():
        line = line.strip()
        if m := re.match(r"(50|99)(?:\.0+)?%\s+(\S+)$", line):
            stats["p%s" % m.group(1)] = seconds(m.group(2))
        elif m := re.match(r"Requests/sec:\s+([\d.]+)", line):
            stats["rps"] = float(m.group(1))
        elif m := re.match(r"(\d+) requests in ([\d.]+\w+)", line):
            stats["requests"] = int(m.group(1))
        elif m := re.match(r"Non-2xx or 3xx responses:\s+(\d+)", line):
            stats["non_2xx"] = int(m.group(1))
        elif line.startswith("Socket errors:"):
            stats["socket_errors"] = {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", line)}
    missing = [k for k in ("rps", "p50", "p99", "requests") if k not in stats]
    if missing:
        raise RuntimeError("could not read %s from wrk's output:\n%s" % (", ".join(missing), output))
    return stats


def run_wrk(args, url, headers=()):
    command = ["wrk", "-t%d" % args.threads, "-c%d" % args.connections, "-d%ds" % args.duration, "--latency",
               "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 60)
    if done.returncode != 0:
        raise RuntimeError("wrk exited with %d: %s" % (done.returncode, (done.stdout + done.stderr).strip()))
    stats = parse_wrk(done.stdout)
    problems = []
    if stats["non_2xx"]:
        problems.append("%d non-2xx/3xx responses" % stats["non_2xx"])
    errors = {k: v for k, v in stats["socket_errors"].items() if v}
    if errors:
        problems.append("socket errors %s" % ", ".join("%s %d" % kv for kv in errors.items()))
    if stats["requests"] == 0:
        problems.append("no requests completed")
    stats["problem"] = "; ".join(problems) or None
    return stats


def measure(backend, port, key, args, rows):
    """Creates a server and a tool, checks one real read, then wrk on /healthz and on the tool."""
    server = expect(port, 201, "POST", "/v1/servers", key, {"name": "readbench"})
    tool = expect(port, 201, "POST", "/v1/servers/%s/tools" % server["id"], key, {"name": "forecast", "code": TOOL_CODE})
    path = "/v1/tools/%s" % tool["id"]
    status, body = call(port, "GET", path, key)
    if status != 200 or not isinstance(body, dict) or body.get("id") != tool["id"]:
        raise RuntimeError("GET %s answered %d %s, not 200 with the tool" % (path, status, body))
    if call(port, "GET", "/healthz")[0] != 200:
        raise RuntimeError("GET /healthz did not answer 200")
    base = "http://127.0.0.1:%d" % port
    for endpoint, url, headers in (("GET /healthz", base + "/healthz", ()),
                                   ("GET /v1/tools/{id}", base + path, ("Authorization: Bearer " + key,))):
        try:
            rows.append((backend, endpoint, run_wrk(args, url, headers)))
        except (RuntimeError, ValueError, subprocess.SubprocessError) as exc:
            rows.append((backend, endpoint, {"problem": str(exc)}))


def sqlite_section(binary, scratch, args, rows):
    data = os.path.join(scratch, "sqlite")
    os.makedirs(data, mode=0o700)
    env = dict(os.environ, **NO_RATE_LIMITS)
    env.pop("WARDEN_DATABASE_URL", None)  # SQLite in the data folder, whatever the caller's environment says
    created = subprocess.run([binary, "keys", "create", "--role", "admin", "--name", "bench", "--data-dir", data],
                             capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    if created.returncode != 0:
        raise RuntimeError("warden keys create failed (%d): %s" % (created.returncode, (created.stdout + created.stderr).strip()))
    key = created.stdout.strip()
    warden = Warden(binary, data, env, name="warden (SQLite)")
    try:
        warden.start().wait_healthy()
        measure("SQLite", warden.port, key, args, rows)
    except Exception as exc:
        raise RuntimeError("%s\n--- serve.log (last lines) ---\n%s" % (exc, warden.log_tail())) from exc
    finally:
        warden.stop()


def postgres_section(binary, scratch, args, rows):
    with Postgres(args.postgres_url) as pg:
        installation = PostgresInstallation(binary, pg.fresh_database("warden_read_bench"), os.path.join(scratch, "pg"))
        node = installation.node("A")
        try:
            node.start().wait_healthy()
            measure("PostgreSQL", node.port, installation.admin_key, args, rows)
        except Exception as exc:
            raise RuntimeError("%s\n--- node log (last lines) ---\n%s" % (exc, node.log_tail())) from exc
        finally:
            node.stop()  # before the database is dropped or the cluster stopped


def print_table(rows, args):
    print()
    print("wrk -t%d -c%d -d%ds, same machine, same run" % (args.threads, args.connections, args.duration))
    print("%-11s %-19s %12s %10s %10s  %s" % ("backend", "endpoint", "requests/s", "p50", "p99", "target"))
    baseline = {}
    for backend, endpoint, stats in rows:
        if "rps" not in stats:
            print("%-11s %-19s %12s %10s %10s  FAILED: %s" % (backend, endpoint, "-", "-", "-", stats["problem"]))
            continue
        if endpoint == "GET /healthz":
            baseline[backend] = stats["rps"]
            target = "baseline"
        else:
            goal = TARGETS[backend]
            target = ">= %s/s: %s" % (format(goal, ","), "met" if stats["rps"] >= goal else "not met")
            if baseline.get(backend):
                target += " (%.0f%% of /healthz)" % (100 * stats["rps"] / baseline[backend])
        if stats["problem"]:
            target = "FAILED: %s" % stats["problem"]
        print("%-11s %-19s %12s %7.2f ms %7.2f ms  %s" % (backend, endpoint, format(round(stats["rps"]), ","),
                                                           stats["p50"], stats["p99"], target))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", choices=("debug", "release"), default="release")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--postgres", action="store_true", help="also one node on PostgreSQL, in a throw-away cluster")
    group.add_argument("--postgres-url", help="also one node on PostgreSQL, in a fresh database on this server")
    args = parser.parse_args()
    if args.duration < 1 or args.connections < 1 or args.threads < 1 or args.threads > args.connections:
        parser.error("--duration, --connections and --threads must be positive, with threads <= connections")
    if not shutil.which("wrk"):
        print("wrk is not installed; this benchmark needs it (Debian/Ubuntu: apt-get install -y wrk)", file=sys.stderr)
        return 2
    binary = os.path.join(ROOT, ".build", args.build, "warden")
    if not os.access(binary, os.X_OK):
        print("%s not found: build it first (swift build%s)" % (binary, " -c release" if args.build == "release" else ""),
              file=sys.stderr)
        return 2

    rows, failures = [], []
    sections = [("SQLite", sqlite_section)]
    if args.postgres or args.postgres_url:
        sections.append(("PostgreSQL", postgres_section))
    scratch = tempfile.mkdtemp(prefix="warden-read-bench-")
    try:
        for backend, section in sections:
            print("%s: measuring (2 wrk runs of %d s)..." % (backend, args.duration), flush=True)
            try:
                section(binary, scratch, args, rows)
            except Exception as exc:
                failures.append(backend)
                print("%s: FAILED: %s: %s" % (backend, type(exc).__name__, exc), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print_table(rows, args)
    failed = failures + ["%s %s" % (b, e) for b, e, s in rows if s.get("problem")]
    if args.build == "debug":
        print("(debug build: these numbers only show that the benchmark works)")
    if failed:
        print("benchmark FAILED: %s" % ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
