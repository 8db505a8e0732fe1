#!/usr/bin/python3
"""Auditor benchmark: 1,000,000 executions and 1,000,000 chained audit events in a real Warden
database, then filtered pages over REST (p50/p95 of 100 queries) and chain verification speed.

    /usr/bin/python3 bench/audit_bench.py [--build release] [--rows 1000000]

Rows are written straight into SQLite (with a correctly chained HMAC per audit event, using the
same canonical form as the supervisor) so filling takes seconds; everything read is read by Warden.
"""
import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATUSES = ["succeeded"] * 80 + ["failed"] * 15 + ["timeout"] * 3 + ["killed"] * 2


def canonical(fields):
    return "".join("%d:%s;" % (len(str(f).encode()), f) for f in fields).encode()


def fill(db_path, key, rows):
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    now = "2026-11-01T00:00:00.000Z"
    db.execute("INSERT INTO servers (id, name, created_at, updated_at) VALUES ('srv_bench', 'bench', ?, ?)", (now, now))
    tools = ["tool_bench_%02d" % i for i in range(20)]
    for t in tools:
        db.execute("""INSERT INTO tools (id, server_id, name, kind, current_version, approval_status, approved_version, code_sha256,
                      input_schema, created_at, updated_at) VALUES (?, 'srv_bench', ?, 'python', 1, 'approved', 1, 'x', '{}', ?, ?)""",
                   (t, t.replace("tool_", "t"), now, now))
    callers = ["key:agent_%d" % i for i in range(50)]
    rng = random.Random(7)

    def executions():
        for n in range(rows):
            minute = n // 60
            at = "2026-%02d-%02dT%02d:%02d:%02d.000Z" % (1 + minute // 44640 % 12, 1 + minute // 1440 % 28, minute // 60 % 24, minute % 60, n % 60)
            yield ("exe_%08d" % n, rng.choice(tools), "srv_bench", 1, "x", rng.choice(callers), rng.choice(STATUSES),
                   '{"city":"Oslo"}', '{"ok":1}', "", 12, 8, 9000, at, at)
    db.executemany("""INSERT INTO executions (id, tool_id, server_id, version, code_sha256, caller, status, arguments, result, stdout,
                      duration_ms, cpu_ms, max_rss_kb, started_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""", executions())

    last = db.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0], last[1]) if last else (0, "0" * 64)
    types = ["execution.finished"] * 90 + ["tool.approved", "tool.created", "tool.version_created", "auth.failed"] * 2 + ["secret.updated", "api_key.created"]

    def events():
        nonlocal seq, prev
        for n in range(rows):
            seq += 1
            at = "2026-11-01T%02d:%02d:%02d.%03dZ" % (n // 3600000 % 24, n // 60000 % 60, n // 1000 % 60, n % 1000)
            fields = [seq, at, rng.choice(types), rng.choice(callers), "exe_%08d" % n, '{"status":"succeeded"}', prev]
            digest = hmac.new(key, canonical(fields), hashlib.sha256).hexdigest()
            yield fields + [digest]
            prev = digest
    db.executemany("INSERT INTO audit_events (seq, at, type, actor, subject, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
                   ((f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]) for f in events()))
    db.commit()
    db.close()
    return tools, callers


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="release")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    warden = os.path.join(ROOT, ".build", args.build, "warden")
    data = tempfile.mkdtemp(prefix="warden-audit-bench-")
    try:
        key_text = subprocess.run([warden, "keys", "create", "--role", "auditor", "--name", "bench", "--data-dir", data],
                                  check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        audit_key = bytes.fromhex(open(os.path.join(data, "audit.key")).read().strip())
        start = time.perf_counter()
        tools, callers = fill(os.path.join(data, "warden.db"), audit_key, args.rows)
        print("filled %d executions and %d audit events in %.1f s" % (args.rows, args.rows, time.perf_counter() - start))

        start = time.perf_counter()
        verified = subprocess.run([warden, "audit", "verify", "--data-dir", data], capture_output=True, text=True, cwd=ROOT)
        elapsed = time.perf_counter() - start
        print("warden audit verify: %s (%.2f s, %.0f events/s including start-up)" % (verified.stdout.strip(), elapsed, (args.rows + 1) / elapsed))

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([warden, "serve", "--data-dir", data, "--port", str(port), "--log-level", "error"], cwd=ROOT,
                                  env=dict(os.environ, WARDEN_WARM_WORKERS="0", WARDEN_RATE_REQUESTS_PER_SECOND="1000000",
                                           WARDEN_RATE_REQUESTS_BURST="1000000"))
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            headers = {"Authorization": "Bearer " + key_text}

            def timed(path):
                t = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                assert response.status == 200, (response.status, body[:200])
                return (time.perf_counter() - t) * 1000, json.loads(body)

            rng = random.Random(11)
            queries = {
                "executions?tool_id&status&limit=50": lambda: "/v1/executions?tool_id=%s&status=%s&limit=50" % (rng.choice(tools), rng.choice(["failed", "timeout", "succeeded"])),
                "executions?caller&since&until": lambda: "/v1/executions?caller=%s&since=2026-03-01T00:00:00Z&until=2026-06-01T00:00:00Z&limit=50" % rng.choice(callers),
                "executions, page 2 via cursor": None,
                "audit-events?type&actor": lambda: "/v1/audit-events?type=%s&actor=%s&limit=50" % (rng.choice(["tool.approved", "auth.failed"]), rng.choice(callers)),
            }
            for label, make in queries.items():
                samples = []
                for _ in range(100):
                    if make is None:
                        _, first = timed("/v1/executions?status=killed&limit=50")
                        ms, _ = timed("/v1/executions?status=killed&limit=50&cursor=" + first["next_cursor"])
                    else:
                        ms, _ = timed(make())
                    samples.append(ms)
                print("%-36s p50 %6.2f ms  p95 %6.2f ms  (100 queries)" % (label, pct(samples, 50), pct(samples, 95)))
            ms, body = timed("/v1/audit-events/verify")
            print("GET /v1/audit-events/verify: ok=%s checked=%s in %.2f s = %.0f events/s" % (body["ok"], body["checked"], ms / 1000, body["checked"] / (ms / 1000)))
        finally:
            server.terminate()
            server.wait(timeout=30)
        print("goals: page p95 <= 50 ms; verification >= 200,000 events/s")
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
