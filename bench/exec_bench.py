#!/usr/bin/python3
"""Execution benchmark: bare python vs the confined launcher vs a trivial approved tool over REST.

    /usr/bin/python3 bench/exec_bench.py [--build debug|release] [--runs 200] [--requests 400] [--modes fork,spawn]
                                         [--postgres | --postgres-url postgres://user@host:port/db]

Prints medians for the first two, and for REST p50/p99 and executions per second: one tenant at
concurrency 1 and 8, and eight tenants (servers) called round-robin at concurrency 8.
Everything runs on this machine in one go, so the baseline and the numbers share conditions.

With --postgres (a throw-away cluster from scripts/postgres-cluster.sh, stopped afterwards) or
--postgres-url (an existing server; a fresh database per run is created there and dropped), the same
REST measurements (same tools, modes, request counts and concurrency) also run against one node on
PostgreSQL and against two nodes sharing one PostgreSQL database, the load split across both nodes'
ports (with concurrency 1, requests alternate between them); for two nodes exec/s is the sum of both.
A table then puts them next to the SQLite numbers of the same run.
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

from bench_support import NO_RATE_LIMITS, Postgres, PostgresInstallation

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


def busy_cpu_seconds():
    """CPU seconds this machine spent on anything but idling, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid):
    """User + system CPU seconds of one process (all its threads), from /proc/<pid>/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CPUMeter:
    """Where the machine's CPU went during one measurement: the supervisors, this load generator,
    and the rest (launchers, fork servers, confined children, the kernel's work for them)."""

    def __init__(self, pids):
        self.pids = pids

    def __enter__(self):
        self.start = (busy_cpu_seconds(), time.process_time(), sum(map(process_cpu_seconds, self.pids)))
        return self

    def __exit__(self, *exc):
        end = (busy_cpu_seconds(), time.process_time(), sum(map(process_cpu_seconds, self.pids)))
        self.busy, self.client, self.supervisor = (b - a for a, b in zip(self.start, end))

    def per_execution(self, count):
        """Milliseconds of CPU per execution: (total, supervisor, client, rest)."""
        if not count:
            return None
        total, supervisor, client = (1000 * v / count for v in (self.busy, self.supervisor, self.client))
        return total, supervisor, client, total - supervisor - client


def workers_started(ports, key):
    """The supervisors' count of workers started (cold interpreters), summed over nodes."""
    total = 0
    for port in ports:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/metrics", headers={"Authorization": "Bearer " + key})
        for line in conn.getresponse().read().decode().splitlines():
            if line.startswith("warden_workers_started_total"):
                total += int(float(line.split()[-1]))
        conn.close()
    return total


def rest_latencies(ports, key, tools, total, concurrency, pids=()):
    """`total` executions from `concurrency` threads; each thread calls `tools` round-robin,
    starting at its own offset. With several ports (nodes), thread i sends to port i mod n, or, with
    fewer threads than ports, each thread alternates between them per request.
    Returns (samples, errors, wall seconds, successes per port, CPU per execution or None)."""
    samples, errors, lock = [], [], threading.Lock()
    per_port = [0] * len(ports)
    per_thread = total // concurrency

    def worker(offset):
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for port in ports]
        for n in range(per_thread):
            tool = tools[(offset + n) % len(tools)]
            slot = offset % len(ports) if concurrency >= len(ports) else (offset + n) % len(ports)
            conn = conns[slot]
            start = time.perf_counter()
            conn.request("POST", "/v1/tools/%s/executions" % tool, body='{"arguments":{}}',
                         headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                if response.status == 200 and json.loads(body)["status"] == "succeeded":
                    samples.append(elapsed)
                    per_port[slot] += 1
                else:
                    errors.append((response.status, body[:200]))
        for conn in conns:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = workers_started(ports, key)
    with CPUMeter(pids) as cpu:
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began
    cpu.workers_started = workers_started(ports, key) - started
    return samples, errors, wall, per_port, cpu


def worker_env(mode):
    return {"WARDEN_WARM_WORKERS": os.environ.get("WARDEN_WARM_WORKERS", "8"), "WARDEN_WORKER_MODE": mode}


def bench_tools(port, key, mode):
    """Eight servers (tenants), one trivial approved tool each: each tenant's requests go to its own fork servers."""
    tools = []
    for n in range(8):
        _, srv = request(port, "POST", "/v1/servers", key, {"name": "bench-%s-%d" % (mode, n)})
        _, tool = request(port, "POST", "/v1/servers/%s/tools" % srv["id"], key,
                          {"name": "noop", "code": "def main():\n    return {'ok': 1}\n"})
        request(port, "POST", "/v1/tools/%s/approve" % tool["id"], key, {"version": 1})
        tools.append(tool["id"])
    return tools


def rest_measure(ports, key, tools, requests, pids=()):
    """The REST measurements against one or more nodes; returns [(label, (samples, errors, wall, per port, cpu))]."""
    for port in ports:
        rest_latencies([port], key, tools, 64, 8)  # warm-up: every tenant gets its servers on every node
    return [("1 tenant, concurrency 1", rest_latencies(ports, key, tools[:1], requests // 2, 1, pids)),
            ("1 tenant, concurrency 8", rest_latencies(ports, key, tools[:1], requests, 8, pids)),
            ("8 tenants, concurrency 8", rest_latencies(ports, key, tools, requests, 8, pids))]


def rest_run(warden, data, key, mode, requests):
    """A fresh `warden serve` in one worker mode; returns [(label, (samples, errors, wall, per port, cpu))]."""
    port = free_port()
    # Rate limits would measure the limiter, not the sandbox: lift them for the benchmark.
    env = dict(os.environ, **worker_env(mode), **NO_RATE_LIMITS)
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
        return rest_measure([port], key, bench_tools(port, key, mode), requests, [server.pid])
    finally:
        server.terminate()
        server.wait(timeout=30)


def postgres_runs(warden, scratch, modes, requests, url):
    """The REST measurements on PostgreSQL, per worker mode: one node, then two nodes on one database
    (a fresh database for each). Returns {(mode, "1 node" | "2 nodes"): runs or an error message}."""
    results = {}
    try:
        with Postgres(url) as pg:
            for mode in modes:
                for count in (1, 2):
                    topology = "1 node" if count == 1 else "2 nodes"
                    print("PostgreSQL, %s, %s: measuring..." % (mode, topology), flush=True)
                    nodes = []
                    try:
                        database = pg.fresh_database("warden_exec_bench")
                        installation = PostgresInstallation(warden, database,
                                                            os.path.join(scratch, "pg-%s-%d" % (mode, count)))
                        nodes = [installation.node(name, worker_env(mode)) for name in "AB"[:count]]
                        for node in nodes:  # started at once, on the same fresh database
                            node.start()
                        for node in nodes:
                            node.wait_healthy()
                        key = installation.admin_key
                        tools = bench_tools(nodes[0].port, key, mode)  # made and approved on A, run on every node
                        results[(mode, topology)] = rest_measure([node.port for node in nodes], key, tools, requests,
                                                                [node.process.pid for node in nodes])
                    except Exception as exc:
                        logs = "".join("\n--- %s log (last lines) ---\n%s" % (node.name, node.log_tail()) for node in nodes)
                        results[(mode, topology)] = "%s: %s%s" % (type(exc).__name__, exc, logs)
                    finally:
                        for node in nodes:
                            node.stop()
    except Exception as exc:  # no cluster or no database: every PostgreSQL run fails with this reason
        for mode in modes:
            for topology in ("1 node", "2 nodes"):
                results.setdefault((mode, topology), "%s: %s" % (type(exc).__name__, exc))
    return results


def comparison_cell(run):
    samples, errors, wall, per_port, _ = run
    if not samples:
        return "no successes (%d errors)" % len(errors)
    cell = "%6.2f / %6.2f ms %5.0f/s" % (percentile(samples, 50), percentile(samples, 99), len(samples) / wall)
    if len(per_port) > 1:
        cell += " = " + " + ".join("%.0f" % (n / wall) for n in per_port)
    if errors:
        cell += " err %d" % len(errors)
    return cell


def print_comparison(rest, postgres):
    """SQLite next to PostgreSQL (one node, two nodes summed), per mode and load."""
    columns = ["SQLite", "PostgreSQL, 1 node", "PostgreSQL, 2 nodes (sum = A + B)"]
    print()
    print("REST executions by database, same run (p50 / p99, exec/s)")
    print("%-6s %-26s %-30s %-30s %s" % tuple(["mode", "load"] + columns))
    failures = []
    for mode, runs in rest.items():
        for index, (label, sqlite_run) in enumerate(runs):
            cells = [comparison_cell(sqlite_run)]
            for topology in ("1 node", "2 nodes"):
                result = postgres.get((mode, topology), "not run")
                if isinstance(result, str):
                    cells.append("FAILED" if result != "not run" else result)
                else:
                    cells.append(comparison_cell(result[index][1]))
            print("%-6s %-26s %-30s %-30s %s" % tuple([mode, label] + cells))
    for (mode, topology), result in postgres.items():
        if isinstance(result, str):
            failures.append("%s, %s" % (mode, topology))
            print("PostgreSQL %s, %s FAILED: %s" % (mode, topology, result))
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="release")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--modes", default="fork,spawn", help="worker modes to time over REST (WARDEN_WORKER_MODE)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--postgres", action="store_true",
                       help="also REST on PostgreSQL (one node, two nodes) in a throw-away cluster")
    group.add_argument("--postgres-url", help="also REST on PostgreSQL (one node, two nodes) in fresh databases on this server")
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
        postgres = None
        if args.postgres or args.postgres_url:
            postgres = postgres_runs(warden, os.path.join(data, "postgres"), args.modes.split(","), args.requests,
                                     args.postgres_url)

        bare_p50 = statistics.median(bare)
        confined_p50 = statistics.median(confined)
        print("bare python3 -I -S -c pass        p50 %7.2f ms  p99 %7.2f ms  (n=%d)" % (bare_p50, percentile(bare, 99), len(bare)))
        print("launcher, same program (confined) p50 %7.2f ms  p99 %7.2f ms  ratio %.2fx bare" %
              (confined_p50, percentile(confined, 99), confined_p50 / bare_p50))
        for mode, runs in rest.items():
            for label, (samples, errors, wall, _, cpu) in runs:
                name = "REST %s, %s" % (mode, label)
                if samples:
                    print("%-40s p50 %7.2f ms  p99 %7.2f ms  %6.0f exec/s  ratio p50 %.2fx bare  (n=%d, errors=%d)" %
                          (name, percentile(samples, 50), percentile(samples, 99), len(samples) / wall,
                           percentile(samples, 50) / bare_p50, len(samples), len(errors)))
                    split = cpu.per_execution(len(samples) + len(errors))
                    print("%-40s CPU per execution %5.2f ms = supervisor %.2f + load generator %.2f + workers "
                          "and kernel %.2f; %d workers started" % (("",) + split + (cpu.workers_started,)))
                else:
                    print("%-40s no successful requests; errors: %s" % (name, errors[:3]))
        print("goals: confinement <= 1.3x bare; REST p50 <= 5 ms at concurrency 1; >= 500 exec/s and p99 <= 40 ms "
              "at concurrency 8 (one tenant); >= 400 exec/s with 8 tenants round-robin")
        if postgres is not None and print_comparison(rest, postgres):
            return 1
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
