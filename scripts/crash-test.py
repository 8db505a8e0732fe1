#!/usr/bin/python3
"""Crash test: mixed load against a real Warden, SIGKILL of the supervisor at random moments,
restart, and checks after every restart:
  - PRAGMA integrity_check is ok
  - `warden audit verify` passes
  - no execution is left `running` (each is finished or marked `interrupted`)
  - no acknowledged approval was lost

    /usr/bin/python3 scripts/crash-test.py [--build debug] [--kills 10] [--seed N]
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Warden:
    def __init__(self, binary, data, port):
        self.binary, self.data, self.port, self.process = binary, data, port, None

    def start(self):
        env = dict(os.environ, WARDEN_RATE_REQUESTS_PER_SECOND="100000", WARDEN_RATE_REQUESTS_BURST="100000",
                   WARDEN_RATE_EXECUTIONS_PER_SECOND="100000", WARDEN_RATE_EXECUTIONS_BURST="100000", WARDEN_WARM_WORKERS="2")
        self.process = subprocess.Popen([self.binary, "serve", "--data-dir", self.data, "--port", str(self.port), "--log-level", "critical"],
                                        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if self.call("GET", "/healthz", None, None)[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("warden did not start")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def call(self, method, path, key, body, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = "Bearer " + key
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, (json.loads(data) if data else None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="debug")
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    binary = os.path.join(ROOT, ".build", args.build, "warden")
    data = tempfile.mkdtemp(prefix="warden-crash-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    key = subprocess.run([binary, "keys", "create", "--role", "admin", "--name", "crash", "--data-dir", data],
                         check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    warden = Warden(binary, data, port)
    warden.start()
    status, server = warden.call("POST", "/v1/servers", key, {"name": "crash"})
    assert status == 201, server
    acknowledged = {}          # tool id -> version whose approval got a 200
    lock = threading.Lock()
    failures = []
    counter = [0]

    def new_approved_tool():
        with lock:
            counter[0] += 1
            n = counter[0]
        status, tool = warden.call("POST", "/v1/servers/%s/tools" % server["id"], key,
                                   {"name": "t%d" % n, "code": "def main(x: int = %d):\n    return x * 2\n" % n})
        if status != 201:
            return None
        status, _ = warden.call("POST", "/v1/tools/%s/approve" % tool["id"], key, {"version": 1})
        if status == 200:
            with lock:
                acknowledged[tool["id"]] = 1
        return tool["id"]

    def worker(stop):
        mine = []
        while not stop.is_set():
            try:
                choice = rng.random()
                if choice < 0.3 or not mine:
                    tool = new_approved_tool()
                    if tool:
                        mine.append(tool)
                elif choice < 0.8:
                    warden.call("POST", "/v1/tools/%s/executions" % rng.choice(mine), key, {"arguments": {"x": 3}})
                else:
                    warden.call("GET", "/v1/audit-events?limit=20", key, None)
            except (OSError, http.client.HTTPException, json.JSONDecodeError):
                time.sleep(0.05)   # the server is being killed; keep trying until told to stop

    for kill in range(args.kills):
        stop = threading.Event()
        threads = [threading.Thread(target=worker, args=(stop,)) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.5, 3.0))
        warden.kill()
        stop.set()
        for t in threads:
            t.join()
        warden.start()
        db = sqlite3.connect(os.path.join(data, "warden.db"))
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        running = db.execute("SELECT COUNT(*) FROM executions WHERE status = 'running'").fetchone()[0]
        interrupted = db.execute("SELECT COUNT(*) FROM executions WHERE status = 'interrupted'").fetchone()[0]
        lost = [tool for tool, version in acknowledged.items()
                if db.execute("SELECT approval_status, approved_version FROM tools WHERE id = ?", (tool,)).fetchone() != ("approved", version)]
        db.close()
        verify = subprocess.run([binary, "audit", "verify", "--data-dir", data], capture_output=True, text=True, cwd=ROOT)
        ok = integrity == "ok" and running == 0 and not lost and verify.returncode == 0
        print("kill %2d: integrity %s, audit %s, running %d, interrupted so far %d, approvals acknowledged %d, lost %d -> %s" % (
            kill + 1, integrity, verify.stdout.strip() or verify.stderr.strip(), running, interrupted, len(acknowledged), len(lost),
            "ok" if ok else "FAIL"))
        if not ok:
            failures.append(kill + 1)
    warden.kill()
    shutil.rmtree(data, ignore_errors=True)
    print("crash test (seed %d): %d kills, %d survived every check, %d failed" % (args.seed, args.kills, args.kills - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
