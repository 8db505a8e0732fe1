#!/usr/bin/python3
"""Execution benchmark: bare python vs the confined launcher vs a trivial approved tool over REST.

    /usr/bin/python3 bench/exec_bench.py [--build debug|release] [--runs 200] [--requests 400] [--modes fork,spawn]

Prints medians for the first two, and for REST p50/p99 and executions per second: one tenant at
concurrency 1 and 8, and eight tenants (servers) called round-robin at concurrency 8.
Everything runs on this machine in one go, so the baseline and the numbers share conditions.
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def time_command(cmd, runs, **kw):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, **kw)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, key, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, json.loads(data) if data else None


def rest_latencies(port, key, tools, total, concurrency):
    """`total` executions from `concurrency` threads; each thread calls `tools` round-robin,
    starting at its own offset. Returns (samples, errors, wall seconds)."""
    samples, errors, lock = [], [], threading.Lock()
    per_thread = total // concurrency

    def worker(offset):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for n in range(per_thread):
            tool = tools[(offset + n) % len(tools)]
            start = time.perf_counter()
            conn.request("POST", "/v1/tools/%s/executions" % tool, body='{"arguments":{}}',
                         headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                if response.status == 200 and json.loads(body)["status"] == "succeeded":
                    samples.append(elapsed)
                else:
                    errors.append((response.status, body[:200]))
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples, errors, time.perf_counter() - began


def rest_run(warden, data, key, mode, requests):
    """A fresh `warden serve` in one worker mode; returns [(concurrency, (samples, errors))]."""
    port = free_port()
    # Rate limits would measure the limiter, not the sandbox: lift them for the benchmark.
    env = dict(os.environ, WARDEN_WARM_WORKERS=os.environ.get("WARDEN_WARM_WORKERS", "8"), WARDEN_WORKER_MODE=mode,
               WARDEN_RATE_REQUESTS_PER_SECOND="1000000", WARDEN_RATE_REQUESTS_BURST="1000000",
               WARDEN_RATE_EXECUTIONS_PER_SECOND="1000000", WARDEN_RATE_EXECUTIONS_BURST="1000000")
    server = subprocess.Popen([warden, "serve", "--data-dir", data, "--port", str(port), "--log-level", "error"],
                              cwd=ROOT, env=env)
    try:
        for _ in range(300):
            try:
                if http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz") is None:
                    break
            except OSError:
                time.sleep(0.1)
        time.sleep(0.5)
        # Eight servers (tenants), one trivial tool each: each tenant's requests go to its own fork servers.
        tools = []
        for n in range(8):
            _, srv = request(port, "POST", "/v1/servers", key, {"name": "bench-%s-%d" % (mode, n)})
            _, tool = request(port, "POST", "/v1/servers/%s/tools" % srv["id"], key,
                              {"name": "noop", "code": "def main():\n    return {'ok': 1}\n"})
            request(port, "POST", "/v1/tools/%s/approve" % tool["id"], key, {"version": 1})
            tools.append(tool["id"])
        rest_latencies(port, key, tools, 64, 8)  # warm-up: every tenant gets its servers
        return [("1 tenant, concurrency 1", rest_latencies(port, key, tools[:1], requests // 2, 1)),
                ("1 tenant, concurrency 8", rest_latencies(port, key, tools[:1], requests, 8)),
                ("8 tenants, concurrency 8", rest_latencies(port, key, tools, requests, 8))]
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="release")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--modes", default="fork,spawn", help="worker modes to time over REST (WARDEN_WORKER_MODE)")
    args = parser.parse_args()
    bin_dir = os.path.join(ROOT, ".build", args.build)
    warden, launcher = os.path.join(bin_dir, "warden"), os.path.join(bin_dir, "warden-launcher")
    python = os.path.realpath("/usr/bin/python3")
    data = tempfile.mkdtemp(prefix="warden-bench-")
    try:
        bpf = os.path.join(data, "filter.bpf")
        subprocess.run([launcher, "compile-seccomp", "--policy", os.path.join(ROOT, "sandbox-profiles", "seccomp.policy"),
                        "--output", bpf], check=True)
        limits = json.load(open(os.path.join(ROOT, "sandbox-profiles", "limits.json")))
        # The launcher needs descriptors 3 and 4; both commands are started the same way (no
        # preexec_fn, which would force a slow fork of this process for one of them only).
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in (3, 4):
            if fd != devnull:
                os.dup2(devnull, fd)
        bare = time_command([python, "-I", "-S", "-c", "pass"], args.runs, pass_fds=(3, 4))
        confined_cmd = [launcher, "run", "--uid", "299000", "--gid", "299000", "--seccomp", bpf, "--python", python,
                        "--bind-ro", "/usr", "--runner-dir", os.path.join(ROOT, "sandbox-profiles", "runner"),
                        "--profile-dir", os.path.join(ROOT, "sandbox-profiles"),
                        "--tmp-bytes", str(limits["tmp_bytes"]), "--cpu-ms", str(limits["cpu_ms"]),
                        "--memory-bytes", str(limits["memory_bytes"]), "--nofile", str(limits["nofile"]),
                        "--fsize-bytes", str(limits["fsize_bytes"]), "--stack-bytes", str(limits["stack_bytes"]),
                        "--pids", str(limits["pids"]), "--", "-I", "-S", "-c", "pass"]
        confined = time_command(confined_cmd, args.runs, pass_fds=(3, 4))

        key = subprocess.run([warden, "keys", "create", "--role", "admin", "--name", "bench", "--data-dir", data],
                             check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        rest = {mode: rest_run(warden, data, key, mode, args.requests) for mode in args.modes.split(",")}

        bare_p50 = statistics.median(bare)
        confined_p50 = statistics.median(confined)
        print("bare python3 -I -S -c pass        p50 %7.2f ms  p99 %7.2f ms  (n=%d)" % (bare_p50, percentile(bare, 99), len(bare)))
        print("launcher, same program (confined) p50 %7.2f ms  p99 %7.2f ms  ratio %.2fx bare" %
              (confined_p50, percentile(confined, 99), confined_p50 / bare_p50))
        for mode, runs in rest.items():
            for label, (samples, errors, wall) in runs:
                name = "REST %s, %s" % (mode, label)
                if samples:
                    print("%-40s p50 %7.2f ms  p99 %7.2f ms  %6.0f exec/s  ratio p50 %.2fx bare  (n=%d, errors=%d)" %
                          (name, percentile(samples, 50), percentile(samples, 99), len(samples) / wall,
                           percentile(samples, 50) / bare_p50, len(samples), len(errors)))
                else:
                    print("%-40s no successful requests; errors: %s" % (name, errors[:3]))
        print("goals: confinement <= 1.3x bare; REST p50 <= 5 ms at concurrency 1; >= 500 exec/s and p99 <= 40 ms "
              "at concurrency 8 (one tenant); >= 400 exec/s with 8 tenants round-robin")
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
