#!/usr/bin/python3
"""Noisy neighbour: tenant B's executions alone, then while tenant A floods.

    /usr/bin/python3 bench/noisy_neighbour.py [--build debug|release] [--calls 300] [--flooders 4]

Tenant B (its own server and agent key) calls a trivial approved tool at concurrency 1, paced at
one call every 20 ms, first alone, then while tenant A (another server and agent key) floods at
its rate limits from several threads with the costliest inputs the cost budget allows: test runs
of a pending tool with a 64 KiB enum schema and 256 KiB of arguments outside it, executions of an
approved tool that floods its egress channel with tiny frames, and executions of one that burns
CPU until its limit. Both runs share one `warden serve`, so the baseline and the flood share
conditions. Prints B's p50/p99 in each, the ratio of the p99s (goal: <= 2x) and B's errors
(goal: none); exits 1 when B saw an error.
"""
import argparse
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from bench_support import ROOT, Warden, call

# Limits high enough that B's paced calls never meet them, A's flood does (docs/operations.md).
LIMITS = {
    "WARDEN_RATE_REQUESTS_PER_SECOND": "100", "WARDEN_RATE_REQUESTS_BURST": "200",
    "WARDEN_RATE_EXECUTIONS_PER_SECOND": "60", "WARDEN_RATE_EXECUTIONS_BURST": "60",
}

EGRESS_FLOOD = """def main():
    posix = None
    for c in object.__subclasses__():
        if c.__name__ == 'BuiltinImporter':
            posix = c.load_module('posix')
    sent = 0
    try:
        for _ in range(200000):
            posix.write(5, b'\\0\\0\\0\\x02{}')
            sent += 1
    except OSError:
        pass
    return sent
"""

CPU_BURN = """def main():
    n = 0
    for i in range(10 ** 9):
        n += i
    return n
"""


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


def expect(port, status, method, path, key, body=None):
    got, answer = call(port, method, path, key, body)
    if got != status:
        raise RuntimeError("%s %s: expected %d, got %d %s" % (method, path, status, got, answer))
    return answer


def tenant(port, admin, name, tools):
    """A server, an agent key of its own, and tools: {name: (code, schema or None, approve?)}."""
    server = expect(port, 201, "POST", "/v1/servers", admin, {"name": name})["id"]
    agent = expect(port, 201, "POST", "/v1/api-keys", admin, {"name": name + "-agent", "role": "agent"})["key"]
    ids = {}
    for tool, (code, schema, approve) in tools.items():
        body = {"name": tool, "code": code}
        if schema is not None:
            body["input_schema"] = schema
        ids[tool] = expect(port, 201, "POST", "/v1/servers/%s/tools" % server, agent, body)["id"]
        if approve:
            expect(port, 200, "POST", "/v1/tools/%s/approve" % ids[tool], admin, {"version": 1})
    return agent, ids


def paced_calls(port, key, tool, calls, every=0.02):
    """B: one call at a time, one every `every` seconds; latencies in ms and errors."""
    samples, errors = [], []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(calls):
        began = time.perf_counter()
        conn.request("POST", "/v1/tools/%s/executions" % tool, body='{"arguments":{}}',
                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - began
        if response.status == 200 and json.loads(body).get("status") == "succeeded":
            samples.append(elapsed * 1000)
        else:
            errors.append((response.status, body[:200]))
        time.sleep(max(0, every - elapsed))
    conn.close()
    return samples, errors


def flood(port, key, tools, stop, counts, lock):
    """A: as fast as its limits let it, round-robin over the costliest requests it can make."""
    enum_schema = {"type": "object", "properties": {"xs": {"type": "array", "items": {"enum": list(range(9000))}}}}
    bomb = json.dumps({"arguments": {"xs": [-1] * 60000}})
    assert len(json.dumps(enum_schema)) < 64 << 10 and len(bomb) < 256 << 10
    requests = [
        ("/v1/tools/%s/versions/1/test-run" % tools["validate"], bomb),
        ("/v1/tools/%s/executions" % tools["egress"], '{"arguments":{}}'),
        ("/v1/tools/%s/executions" % tools["burn"], '{"arguments":{}}'),
    ]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    n = 0
    while not stop.is_set() and n < 100000:
        path, body = requests[n % len(requests)]
        n += 1
        try:
            conn.request("POST", path, body=body, headers={"Authorization": "Bearer " + key,
                                                           "Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            with lock:
                counts[response.status] = counts.get(response.status, 0) + 1
            if response.status == 429:
                time.sleep(float(response.getheader("Retry-After", "1")) / 10)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="release")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--flooders", type=int, default=4)
    args = parser.parse_args()
    binary = os.path.join(ROOT, ".build", args.build, "warden")
    data = tempfile.mkdtemp(prefix="warden-noisy-")
    warden = None
    try:
        admin = subprocess.run([binary, "keys", "create", "--role", "admin", "--name", "bench", "--data-dir", data],
                               check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        warden = Warden(binary, data, dict(os.environ, **LIMITS)).start().wait_healthy()
        port = warden.port
        enum_schema = {"type": "object", "properties": {"xs": {"type": "array", "items": {"enum": list(range(9000))}}}}
        b_key, b_tools = tenant(port, admin, "tenant-b", {"noop": ("def main():\n    return {'ok': 1}\n", None, True)})
        a_key, a_tools = tenant(port, admin, "tenant-a", {
            "validate": ("def main(xs):\n    return len(xs)\n", enum_schema, False),
            "egress": (EGRESS_FLOOD, None, True),
            "burn": (CPU_BURN, None, True),
        })
        paced_calls(port, b_key, b_tools["noop"], 30)  # warm-up: B's fork server exists
        alone, alone_errors = paced_calls(port, b_key, b_tools["noop"], args.calls)
        stop, counts, lock = threading.Event(), {}, threading.Lock()
        flooders = [threading.Thread(target=flood, args=(port, a_key, a_tools, stop, counts, lock))
                    for _ in range(args.flooders)]
        for t in flooders:
            t.start()
        time.sleep(2)  # the flood reaches its rate limits
        try:
            flooded, flooded_errors = paced_calls(port, b_key, b_tools["noop"], args.calls)
        finally:
            stop.set()
            for t in flooders:
                t.join(timeout=120)
        print("tenant B alone            p50 %7.2f ms  p99 %7.2f ms  (n=%d, errors=%d)" %
              (percentile(alone, 50), percentile(alone, 99), len(alone), len(alone_errors)))
        print("tenant B while A floods   p50 %7.2f ms  p99 %7.2f ms  (n=%d, errors=%d)" %
              (percentile(flooded, 50), percentile(flooded, 99), len(flooded), len(flooded_errors)))
        print("tenant A's answers during the flood: %s" % ", ".join("%s x%d" % kv for kv in sorted(counts.items())))
        print("noisy-neighbour ratio (B's p99 with the flood / alone): %.2fx  (goal <= 2x, no error for B)" %
              (percentile(flooded, 99) / percentile(alone, 99)))
        if alone_errors or flooded_errors:
            print("B's errors: %s" % (alone_errors + flooded_errors)[:5])
            return 1
        return 0
    finally:
        if warden:
            warden.stop()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
