#!/usr/bin/python3
"""Two `warden serve` nodes on one PostgreSQL database, checked over HTTP on loopback:
  a. a tool created and approved on node A executes on node B
  b. work done on both nodes at once forms one audit chain: same head on both, `warden audit verify` passes
  d. an MCP client on node B hears `notifications/tools/list_changed` for an approval made on node A
  c. SIGKILL of node A: its running execution stays `running` until A's lease has expired, then
     becomes `interrupted`; node B's execution, running meanwhile, ends `succeeded` (run last: it kills A)

    /usr/bin/python3 Tests/multinode/two_nodes_check.py [--build debug]

Needs WARDEN_TEST_POSTGRES_URL (scripts/test.sh starts a cluster), in which it creates and drops a
database of its own; without it, it skips, or fails under CI=true. The MCP part runs
Tests/multinode/mcp_list_changed.py in WARDEN_TEST_PYTHON (a Python with the `mcp` package).
"""
import argparse
import datetime
import http.client
import json
import os
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from bench_support import Warden, call, psql, with_database  # noqa: E402  (the same harness the benchmarks use)

LEASE_SECONDS = 3
failures = []


def report(check, ok, detail):
    print("%s: %s -> %s" % (check, detail, "ok" if ok else "FAIL"), flush=True)
    if not ok:
        failures.append(check)


class Node(Warden):
    """One node: `warden serve` on the shared database, with its own id and a short lease."""

    def __init__(self, name, binary, env, data, database_url):
        self.node_id = "node-" + name.lower()
        super().__init__(binary, data, dict(env, WARDEN_DATABASE_URL=database_url, WARDEN_NODE_ID=self.node_id,
                                            WARDEN_NODE_LEASE_SECONDS=str(LEASE_SECONDS)),
                         name=name, log_level="notice")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def call(self, method, path, key, body, timeout=30):
        return call(self.port, method, path, key, body, timeout)

    def expect(self, status, method, path, key, body=None):
        got, answer = self.call(method, path, key, body)
        if got != status:
            raise RuntimeError("%s %s on node %s: %d %s" % (method, path, self.name, got, answer))
        return answer


def new_tool(node, key, server_id, name, code, approve_on=None):
    tool = node.expect(201, "POST", "/v1/servers/%s/tools" % server_id, key, {"name": name, "code": code})
    if approve_on:
        approve_on.expect(200, "POST", "/v1/tools/%s/approve" % tool["id"], key, {"version": 1})
    return tool["id"]


def check_readiness(nodes):
    for node in nodes:
        status, ready = node.call("GET", "/readyz", None, None)
        ready = ready or {}
        seen = (status, ready.get("database_kind"), (ready.get("node") or {}).get("id"))
        report("ready %s" % node.name, seen == (200, "postgresql", node.node_id),
               "status %d, database_kind %s, node %s, lease_expires_at %s" % (
                   status, seen[1], seen[2], (ready.get("node") or {}).get("lease_expires_at")))


def check_cross_node_execution(a, b, admin, agent, server_id):
    tool = new_tool(a, admin, server_id, "double", "def main(x: int):\n    return {\"doubled\": x * 2}\n", approve_on=a)
    status, execution = b.call("POST", "/v1/tools/%s/executions" % tool, agent, {"arguments": {"x": 21}})
    execution = execution or {}
    ok = status == 200 and execution.get("status") == "succeeded" and execution.get("result") == {"doubled": 42}
    _, again = a.call("GET", "/v1/executions/%s" % execution.get("id"), admin, None)
    ok = ok and (again or {}).get("status") == "succeeded"
    report("a. created and approved on A, executed on B", ok, "HTTP %d, status %s, result %s; read back on A: %s" % (
        status, execution.get("status"), json.dumps(execution.get("result")), (again or {}).get("status")))


def check_one_chain(a, b, admin, server_id, cli):
    errors = []

    def work(create_on, approve_on, prefix):
        for n in range(5):
            try:
                new_tool(create_on, admin, server_id, "%s%d" % (prefix, n), "def main(n: int = %d):\n    return n\n" % n,
                         approve_on=approve_on)
            except Exception as exc:
                errors.append("%s%d: %s" % (prefix, n, exc))

    # Each thread creates on one node and approves on the other, so both nodes append at once.
    threads = [threading.Thread(target=work, args=args) for args in
               ((a, b, "ab"), (a, b, "ac"), (b, a, "ba"), (b, a, "bc"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    report("b. 20 tools created and approved across nodes in 4 threads", not errors and not any(t.is_alive() for t in threads),
           "errors: %s" % (errors[:3] or "none"))
    # Events written in between (a node's own) may move the head: read both again until they agree.
    for _ in range(5):
        va = a.expect(200, "GET", "/v1/audit-events/verify", admin)
        vb = b.expect(200, "GET", "/v1/audit-events/verify", admin)
        if va.get("head") == vb.get("head"):
            break
        time.sleep(0.5)
    same = va.get("ok") and vb.get("ok") and va.get("head") == vb.get("head") and va.get("head") is not None
    report("b. GET /v1/audit-events/verify on both nodes", bool(same), "A ok %s checked %s head %s; B ok %s checked %s head %s" % (
        va.get("ok"), va.get("checked"), va.get("head"), vb.get("ok"), vb.get("checked"), vb.get("head")))
    check_cli_verify(cli, "b.", vb.get("head"))


def check_cli_verify(cli, label, head=None):
    args = ["audit", "verify"]
    if head:
        args += ["--expect-head", "%s:%s" % (head["seq"], head["hash"])]
    verify = cli(args)
    report("%s warden audit verify --database-url%s" % (label, " --expect-head" if head else ""), verify.returncode == 0,
           "exit %d: %s" % (verify.returncode, (verify.stdout + verify.stderr).strip()))


def check_mcp_list_changed(a, b, admin, agent, server_id):
    python = os.environ.get("WARDEN_TEST_PYTHON")
    if not python:
        required = os.environ.get("CI") == "true" or os.environ.get("WARDEN_REQUIRE_MCP_CLIENT") == "1"
        report("d. MCP list_changed across nodes", not required, "skipped: WARDEN_TEST_PYTHON (a Python with mcp) is not set")
        return
    tool = new_tool(a, admin, server_id, "announced", "def main():\n    return 'hello'\n")
    errors = tempfile.TemporaryFile(mode="w+")
    helper = subprocess.Popen([python, os.path.join(HERE, "mcp_list_changed.py"), "http://127.0.0.1:%d/mcp" % b.port, agent, "10"],
                              stdout=subprocess.PIPE, stderr=errors, text=True)
    lines = queue.Queue()

    def read_lines():
        for line in helper.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read_lines, daemon=True).start()

    def next_report(seconds):
        try:
            line = lines.get(timeout=seconds)
            return json.loads(line) if line else None
        except queue.Empty:
            return None

    try:
        ready = next_report(60)
        if not ready:
            errors.seek(0)
            report("d. MCP list_changed across nodes", False, "the MCP client on B did not get ready: %s" % errors.read()[-2000:])
            return
        approved = a.call("POST", "/v1/tools/%s/approve" % tool, admin, {"version": 1})[0]
        seen = next_report(40) or {}
        name = "multinode__announced"
        ok = approved == 200 and seen.get("list_changed") is True and name in seen.get("tools_after", []) and name not in ready["tools"]
        report("d. MCP client on B, tool approved on A", ok, "approve HTTP %d; list_changed %s after %s s; %s listed before %s, after %s" % (
            approved, seen.get("list_changed"), seen.get("waited_s"), name, name in ready["tools"], name in seen.get("tools_after", [])))
    finally:
        if helper.poll() is None:
            helper.kill()
        helper.wait(timeout=10)
        errors.close()


def check_crash_recovery(a, b, admin, auditor, server_id, cli):
    code = "import time\n\n\ndef main(seconds: int, tag: str):\n    time.sleep(seconds)\n    return {\"slept\": seconds, \"tag\": tag}\n"
    tool = new_tool(a, admin, server_id, "nap", code, approve_on=a)
    answers = {}

    def run(node, tag):
        try:  # 8 s: past A's lease and the sweep, within the 10 s wall clock
            answers[tag] = node.call("POST", "/v1/tools/%s/executions" % tool, admin, {"arguments": {"seconds": 8, "tag": tag}})
        except (OSError, http.client.HTTPException) as exc:
            answers[tag] = exc

    threads = {tag: threading.Thread(target=run, args=(node, tag)) for tag, node in (("a", a), ("b", b))}
    for t in threads.values():
        t.start()

    def status(execution_id):
        return b.expect(200, "GET", "/v1/executions/%s" % execution_id, auditor)

    ids, deadline = {}, time.time() + 15
    while len(ids) < 2 and time.time() < deadline:
        page = b.expect(200, "GET", "/v1/executions?tool_id=%s&status=running" % tool, auditor)
        ids = {e["arguments"]["tag"]: e["id"] for e in page["items"]}
        time.sleep(0.1)
    if len(ids) < 2:
        report("c. both executions running", False, "seen running within 15 s: %s" % sorted(ids))
        return
    lease_end = lease_expiry(a)
    a.kill()
    killed = time.time()
    first = status(ids["a"])["status"]
    report("c. A's execution right after SIGKILL of A", first == "running", "%s, %.2f s after the kill; A's lease ends %s" % (
        first, time.time() - killed, "%+.2f s from the kill" % (lease_end - killed) if lease_end else "at an unknown time"))
    b_seen, interrupted_at, b_when_interrupted = set(), None, None
    while time.time() < killed + 15:
        sa, sb = status(ids["a"]), status(ids["b"])["status"]
        b_seen.add(sb)
        if interrupted_at is None and sa["status"] == "interrupted":
            interrupted_at, b_when_interrupted, finished_a = time.time(), sb, sa.get("finished_at")
        if interrupted_at is not None and sb != "running":
            break
        time.sleep(0.2)
    threads["b"].join(timeout=20)
    threads["a"].join(timeout=5)
    if interrupted_at is None:
        report("c. A's execution after A's lease", False, "still %s 15 s after the kill" % status(ids["a"])["status"])
    else:
        finished = unix_time(finished_a)
        not_early = lease_end is None or (interrupted_at >= lease_end and (finished is None or finished >= lease_end))
        in_time = interrupted_at - killed <= LEASE_SECONDS + 2 * LEASE_SECONDS / 3 + 4
        report("c. A's execution after A's lease", not_early and in_time,
               "interrupted, seen %.2f s after the kill (lease ended %s; finished_at %s); B's execution was %s then" % (
                   interrupted_at - killed, "%+.2f s" % (lease_end - killed) if lease_end else "at an unknown time",
                   finished_a, b_when_interrupted))
    answer = answers.get("b")
    final_b = status(ids["b"])
    ok = (isinstance(answer, tuple) and answer[0] == 200 and answer[1].get("status") == "succeeded"
          and final_b["status"] == "succeeded" and "interrupted" not in b_seen)
    report("c. B's execution while A was down", ok, "HTTP answer %s, final %s, result %s, statuses seen %s" % (
        answer[0] if isinstance(answer, tuple) else answer, final_b["status"], json.dumps(final_b.get("result")), sorted(b_seen)))
    check_cli_verify(cli, "c. after the crash,")


def lease_expiry(node):
    """When the node's lease ends as of now (it only moves later while the node lives)."""
    try:
        return unix_time(node.call("GET", "/readyz", None, None)[1]["node"]["lease_expires_at"])
    except (OSError, http.client.HTTPException, KeyError, TypeError):
        return None


def unix_time(timestamp):
    try:
        return datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except (AttributeError, ValueError):
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="debug")
    args = parser.parse_args()
    base_url = os.environ.get("WARDEN_TEST_POSTGRES_URL")
    if not base_url:
        if os.environ.get("CI") == "true":
            print("two-node check: FAIL: WARDEN_TEST_POSTGRES_URL is not set (scripts/test.sh starts a cluster)")
            return 1
        print("two-node check skipped: WARDEN_TEST_POSTGRES_URL is not set (scripts/postgres-cluster.sh start DIR prints one)")
        return 0
    binary = os.path.join(ROOT, ".build", args.build, "warden")
    scratch = tempfile.mkdtemp(prefix="warden-2node-")
    database = "warden_2node_%d_%s" % (os.getpid(), secrets.token_hex(3))
    url = with_database(base_url, database)
    env = dict(os.environ, WARDEN_AUDIT_KEY=secrets.token_hex(32), WARDEN_ENCRYPTION_KEY=secrets.token_hex(32),
               WARDEN_JWT_SECRET=secrets.token_hex(32), WARDEN_DATA_DIR=os.path.join(scratch, "cli"),
               WARDEN_RATE_REQUESTS_PER_SECOND="100000", WARDEN_RATE_REQUESTS_BURST="100000",
               WARDEN_RATE_EXECUTIONS_PER_SECOND="100000", WARDEN_RATE_EXECUTIONS_BURST="100000", WARDEN_WARM_WORKERS="2")
    env.pop("WARDEN_DATABASE_URL", None)  # the CLI gets --database-url; only the nodes read the variable

    def cli(arguments):
        return subprocess.run([binary] + arguments + ["--database-url", url], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    nodes = []
    try:
        psql(base_url, 'CREATE DATABASE "%s"' % database)
        migrate = cli(["migrate"])
        if migrate.returncode != 0:
            raise RuntimeError("warden migrate failed: %s" % (migrate.stdout + migrate.stderr))
        keys = cli(["keys", "create", "--role", "admin", "--name", "multinode"])
        if keys.returncode != 0:
            raise RuntimeError("warden keys create failed: %s" % keys.stderr)
        admin = keys.stdout.strip()
        for name in ("A", "B"):
            os.makedirs(os.path.join(scratch, name), mode=0o700)
            nodes.append(Node(name, binary, env, os.path.join(scratch, name), url))
        a, b = nodes
        for node in nodes:  # both start at once, on the same fresh database
            node.start()
        for node in nodes:
            node.wait_healthy()
        check_readiness(nodes)
        # Keys made on A, used on B: one key table.
        agent = a.expect(201, "POST", "/v1/api-keys", admin, {"name": "agent", "role": "agent"})["key"]
        auditor = a.expect(201, "POST", "/v1/api-keys", admin, {"name": "auditor", "role": "auditor"})["key"]
        server_id = a.expect(201, "POST", "/v1/servers", admin, {"name": "multinode"})["id"]
        for label, check in (("a", lambda: check_cross_node_execution(a, b, admin, agent, server_id)),
                             ("b", lambda: check_one_chain(a, b, admin, server_id, cli)),
                             ("d", lambda: check_mcp_list_changed(a, b, admin, agent, server_id)),
                             ("c", lambda: check_crash_recovery(a, b, admin, auditor, server_id, cli))):
            try:
                check()
            except Exception as exc:
                report("%s. (stopped)" % label, False, "%s: %s" % (type(exc).__name__, exc))
    except Exception as exc:
        report("setup", False, "%s: %s" % (type(exc).__name__, exc))
    finally:
        for node in nodes:
            node.stop()
            if failures:
                print("--- node %s log (last lines) ---\n%s" % (node.name, node.log_tail()))
        try:
            psql(base_url, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % database)
        except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
            print("could not drop database %s: %s" % (database, exc))
        shutil.rmtree(scratch, ignore_errors=True)
    print("two-node check: %s" % ("FAIL: " + ", ".join(failures) if failures else "all checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
