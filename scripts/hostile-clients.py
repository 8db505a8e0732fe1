#!/usr/bin/python3
"""Hostile clients: the worst input we can construct for each line of the cost budget
(docs/design.md §12b), sent to a real `warden serve`, with the supervisor's cost measured across
each case: CPU (utime + stime of the process, all threads, from /proc/PID/stat), peak RSS growth
(VmHWM after the case minus VmRSS before it, the peak reset through /proc/PID/clear_refs) and wall
time. Each case prints one line:

    name  cpu MS  rss +MB  wall MS  budget  PASS | OVER | WRONG (what was wrong)

OVER: more CPU or memory than the budget, or no answer within 30 s (the server, still busy, is
then replaced for the cases after it); WRONG: an answer other than the one the bound promises.
Budgets are bounds on pathological cost for a debug build on a loaded 2-core machine, with wide
margins: not a benchmark. Cases (a)-(m) use one server (a tenant of their own each); (g) starts
one with short HTTP time-outs; (n) one with WARDEN_EGRESS_ALLOW_LOOPBACK=1, for a hostile upstream
MCP server that this script runs in a thread on 127.0.0.1. The connections of (g4) and (i) come
from 127.0.0.2-4, still local.

    /usr/bin/python3 scripts/hostile-clients.py [--build debug|release] [--only a,c,g]

Test runs need the real sandbox (root, user namespaces): without it the suite is skipped (exit 0),
unless CI=true, where it fails. Every loop is bounded, every target is 127.0.0.1, and every
process started here is stopped at the end (also on SIGTERM). Exit status 1 when any case is
OVER or WRONG.
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from bench_support import NO_RATE_LIMITS, Warden  # noqa: E402  (the benchmarks' harness)

TICK = os.sysconf("SC_CLK_TCK")
KIB = 1024
MIB = 1024 * 1024
SCHEMA_BYTES = 64 * KIB          # Limits.schemaBytes
SCHEMA_DEPTH = 16                # Limits.schemaDepth
ARGUMENTS_BYTES = 256 * KIB      # Limits.argumentsBytes
CODE_BYTES = 256 * KIB           # Limits.codeBytes
BODY_BYTES = 1 * MIB             # Limits.requestBodyBytes
CLIENT_INFO_BYTES = 4096         # Store.clientInfoBytes
STATELESS = "2026-07-28"
META = {"io.modelcontextprotocol/protocolVersion": STATELESS, "io.modelcontextprotocol/clientCapabilities": {}}

# A request the supervisor has not answered in this long is a cost with no bound: the case is OVER,
# and the server (still busy with it) is replaced before the next case.
STALL_SECONDS = 30

results = []   # (name, verdict)


class Stalled(Exception):
    """The supervisor did not answer a case's request within STALL_SECONDS."""


def compact(value):
    """JSON as Warden measures it (JSONWriter: compact, UTF-8, non-ASCII not escaped)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def request(port, method, path, key=None, body=None, headers=None, timeout=STALL_SECONDS, source=None):
    """One request on a fresh connection: (status, headers, raw body, decoded JSON or None).
    `body`: bytes as they are, anything else as JSON."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    sent = {"Content-Type": "application/json"}
    if key:
        sent["Authorization"] = "Bearer " + key
    sent.update(headers or {})
    if body is not None and not isinstance(body, bytes):
        body = compact(body).encode()
    try:
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        got = {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()
    try:
        decoded = json.loads(data) if data else None
    except ValueError:
        decoded = None
    return response.status, got, data, decoded


def expect(port, status, method, path, key=None, body=None):
    got, _, data, decoded = request(port, method, path, key, body)
    if got != status:
        raise RuntimeError("%s %s: expected HTTP %d, got %d %s" % (method, path, status, got, data[:300]))
    return decoded


class Meter:
    """The supervisor's CPU ticks, peak RSS growth and wall time across a `with` block. A request
    in the block that times out is reported here as OVER, and raised again as `Stalled`."""

    def __init__(self, pid, name="?"):
        self.pid, self.name = pid, name

    def cpu_ticks(self):
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rpartition(")")[2].split()
        return int(fields[11]) + int(fields[12])

    def memory_kb(self):
        values = {}
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    values[name] = int(rest.split()[0])
        return values["VmRSS"], values["VmHWM"]

    def __enter__(self):
        try:
            with open("/proc/%d/clear_refs" % self.pid, "w") as f:
                f.write("5")   # resets VmHWM to the current RSS (Linux 4.0+)
        except OSError:
            pass
        self.rss0, self.hwm0 = self.memory_kb()
        self.cpu0 = self.cpu_ticks()
        self.wall0 = time.perf_counter()
        return self

    def __exit__(self, kind, value, trace):
        self.wall_ms = (time.perf_counter() - self.wall0) * 1000
        try:
            self.cpu_ms = (self.cpu_ticks() - self.cpu0) * 1000 / TICK
            rss, hwm = self.memory_kb()
            self.rss_mb = (max(hwm, rss) - self.rss0) / 1024
        except OSError:   # the supervisor is gone
            self.cpu_ms = self.rss_mb = float("nan")
        if kind is not None and issubclass(kind, (TimeoutError, ConnectionError, http.client.HTTPException)):
            what = "no answer within %d s" % STALL_SECONDS if issubclass(kind, TimeoutError) else "%s: %s" % (kind.__name__, value)
            print("%-34s cpu %6.0f ms  rss %+7.1f MB  wall %6.0f ms  budget -  OVER (%s)" % (
                self.name, self.cpu_ms, self.rss_mb, self.wall_ms, what), flush=True)
            results.append((self.name, "OVER"))
            raise Stalled(self.name) from value
        return False


def report(meter, cpu_budget_ms, rss_budget_mb, wrong=None, note=""):
    """One line per case; `wrong` is what was wrong with the answer, or None."""
    if wrong:
        verdict = "WRONG (%s)" % wrong
    elif not (meter.cpu_ms <= cpu_budget_ms and meter.rss_mb <= rss_budget_mb):
        verdict = "OVER"
    else:
        verdict = "PASS"
    print("%-34s cpu %6.0f ms  rss %+7.1f MB  wall %6.0f ms  budget <%d ms <%d MB  %s%s" % (
        meter.name, meter.cpu_ms, meter.rss_mb, meter.wall_ms, cpu_budget_ms, rss_budget_mb, verdict,
        ("  [" + note + "]") if note else ""), flush=True)
    results.append((meter.name, verdict))


def fail(name, wrong):
    """A case that could not get as far as its measurement."""
    print("%-34s WRONG (%s)" % (name, wrong), flush=True)
    results.append((name, "WRONG"))


def check(conditions):
    """The first failed (condition, description), as a description; None when all hold."""
    for ok, description in conditions:
        if not ok:
            return description
    return None


def error_code(decoded):
    return ((decoded or {}).get("error") or {}).get("code")


# ---------------------------------------------------------------------------------------------
# Fixtures


class Fixture:
    """The server under test (replaced after a case that stalls it), its admin key, and a fresh
    server (tenant) per case, so that one case's execution bucket never limits another's."""

    # Requests are not limited (the cases send many); executions are, per tenant, with a slow
    # refill, so that case (l) can find the limit.
    executions_burst = 100

    def __init__(self, binary, scratch):
        self.binary, self.scratch = binary, scratch
        self.env = dict(os.environ, **NO_RATE_LIMITS)
        self.env.update(WARDEN_RATE_EXECUTIONS_BURST=str(self.executions_burst),
                        WARDEN_RATE_EXECUTIONS_PER_SECOND="0.01", WARDEN_WARM_WORKERS="2")
        self.warden, self.admin, self.count, self.started = None, None, 0, 0
        self.others = []

    def start_server(self, label, extra_env=None):
        """A new `warden serve` on a data folder of its own, healthy; (Warden, admin key)."""
        self.started += 1
        data = os.path.join(self.scratch, "%s-%d" % (label, self.started))
        os.makedirs(data, mode=0o700)
        key = subprocess.run([self.binary, "keys", "create", "--role", "admin", "--name", "hostile", "--data-dir", data],
                             check=True, capture_output=True, text=True, cwd=ROOT, timeout=120).stdout.strip()
        warden = Warden(self.binary, data, dict(self.env, **(extra_env or {})), name="warden (%s)" % label)
        self.others.append(warden)
        warden.start().wait_healthy()
        return warden, key

    def restart(self):
        self.stop(kill=True)
        self.warden, self.admin = self.start_server("main")
        self.port = self.warden.port

    def stop(self, kill=False):
        for warden in self.others:
            if kill and warden.process and warden.process.poll() is None:
                warden.process.kill()   # busy with a stalled request: no graceful shutdown to wait for
                warden.process.wait(timeout=30)
            warden.stop()
        self.others, self.warden = [], None

    def meter(self, name):
        return Meter(self.warden.process.pid, name)

    def tenant(self, prefix):
        self.count += 1
        return expect(self.port, 201, "POST", "/v1/servers", self.admin, {"name": "%s-%d" % (prefix, self.count)})["id"]

    def tool(self, server, name, code, schema=None, approve=False):
        body = {"name": name, "code": code}
        if schema is not None:
            body["input_schema"] = schema
        tool = expect(self.port, 201, "POST", "/v1/servers/%s/tools" % server, self.admin, body)
        if approve:
            expect(self.port, 200, "POST", "/v1/tools/%s/approve" % tool["id"], self.admin, {"version": 1})
        return tool

    def test_run(self, tool_id, arguments, version=1, raw=None):
        body = raw if raw is not None else {"arguments": arguments}
        return request(self.port, "POST", "/v1/tools/%s/versions/%d/test-run" % (tool_id, version), self.admin, body)


def enum_schema_at_bound():
    """An object schema whose `x` is an array of strings from an enum: as many values as fit in
    Limits.schemaBytes."""
    values = []
    schema = {"type": "object", "additionalProperties": False,
              "properties": {"x": {"type": "array", "items": {"enum": values}}}}
    size = len(compact(schema).encode())
    n = 0
    while True:
        value = "v%d" % n
        grow = len(value) + 3   # quotes and comma
        if size + grow > SCHEMA_BYTES:
            break
        values.append(value)
        size += grow
        n += 1
    return schema, values


def array_within(make, limit, wrap):
    """The longest list of make(i) such that len(compact(wrap(list))) <= limit (UTF-8 bytes)."""
    items = []
    size = len(compact(wrap(items)).encode())
    i = 0
    while True:
        item = make(i)
        grow = len(compact(item).encode()) + (1 if items else 0)
        if size + grow > limit:
            return items
        items.append(item)
        size += grow
        i += 1


ANY_ARGS = "def main(**kw):\n    return len(kw)\n"


# ---------------------------------------------------------------------------------------------
# Cases


def case_validation(fx):
    """(a) A tool whose schema is the largest enum the schema bound allows, test-run with 256 KiB
    of arguments: all outside the enum (stops at ten problems), then all inside (every value
    checked, then the tool runs), then one value over the arguments bound."""
    schema, values = enum_schema_at_bound()
    server = fx.tenant("val")
    tool = fx.tool(server, "enum", "def main(x: list = None):\n    return len(x or [])\n", schema)
    outside = array_within(lambda i: "w%d" % i, ARGUMENTS_BYTES, lambda xs: {"x": xs})
    with fx.meter("a1 enum of %d, args all outside" % len(values)) as m:
        status, _, data, decoded = fx.test_run(tool["id"], {"x": outside})
    message = ((decoded or {}).get("error") or {}).get("message", "")
    report(m, 1500, 64, check([
        (status == 422 and error_code(decoded) == "invalid_arguments", "expected 422 invalid_arguments, got %d %s" % (status, data[:120])),
        (len(message.encode()) < 2048, "message is %d bytes" % len(message.encode())),
        (message.count(";") <= 9, "more than ten problems reported"),
    ]), note="%d values" % len(outside))
    inside = array_within(lambda i: values[(i * 7919) % len(values)], ARGUMENTS_BYTES, lambda xs: {"x": xs})
    with fx.meter("a2 enum of %d, args all inside" % len(values)) as m:
        status, _, data, decoded = fx.test_run(tool["id"], {"x": inside})
    report(m, 3000, 96, check([
        (status == 200 and (decoded or {}).get("status") == "succeeded",
         "expected 200 succeeded, got %d %s" % (status, data[:200])),
        ((decoded or {}).get("result") == len(inside), "result is not the argument count"),
    ]), note="%d values; the tool runs" % len(inside))
    over = inside + ["v0"]
    while len(compact({"x": over}).encode()) <= ARGUMENTS_BYTES:
        over.append("v0")
    with fx.meter("a3 arguments one value over") as m:
        status, _, data, decoded = fx.test_run(tool["id"], {"x": over})
    report(m, 1500, 64, check([
        (status == 413 and error_code(decoded) == "payload_too_large", "expected 413, got %d %s" % (status, data[:120])),
    ]))


def case_schema_bounds(fx):
    """(b) A schema one value over the size bound, one nested past the depth bound, and the same
    through PATCH (schema only): 422 invalid_schema. A NUL outside arguments: 400."""
    server = fx.tenant("schema")
    schema, values = enum_schema_at_bound()
    values.append("v")   # 6 more bytes: over
    size = len(compact(schema).encode())
    deep = {"type": "object", "properties": {}}
    node = deep["properties"]
    for _ in range(SCHEMA_DEPTH):   # each level adds an object and its properties object
        child = {"type": "object", "properties": {}}
        node["p"] = child
        node = child["properties"]
    code = "def main(**kw):\n    return 1\n"
    ok = fx.tool(server, "ok", code)
    with fx.meter("b1 schema over size, depth") as m:
        big = request(fx.port, "POST", "/v1/servers/%s/tools" % server, fx.admin,
                      {"name": "big", "code": code, "input_schema": schema})
        nested = request(fx.port, "POST", "/v1/servers/%s/tools" % server, fx.admin,
                         {"name": "deep", "code": code, "input_schema": deep})
        patched = request(fx.port, "PATCH", "/v1/tools/%s" % ok["id"], fx.admin, {"input_schema": schema})
    report(m, 2000, 64, check([
        (big[0] == 422 and error_code(big[3]) == "invalid_schema", "over-size schema: %d %s" % (big[0], big[2][:150])),
        (nested[0] == 422 and error_code(nested[3]) == "invalid_schema", "deep schema: %d %s" % (nested[0], nested[2][:150])),
        (patched[0] == 422 and error_code(patched[3]) == "invalid_schema", "PATCH over-size: %d %s" % (patched[0], patched[2][:150])),
    ]), note="%d bytes; %d levels" % (size, 2 * SCHEMA_DEPTH + 1))
    with fx.meter("b2 NUL outside arguments") as m:
        nul = request(fx.port, "POST", "/v1/servers", fx.admin, {"name": "nul", "description": "a\u0000b"})
    report(m, 500, 32, check([
        (nul[0] == 400 and error_code(nul[3]) == "invalid_request", "expected 400, got %d %s" % (nul[0], nul[2][:150])),
    ]))


# Combining marks of different classes (230, 220, 1, 10), in an order that is not canonical, so
# that normalising them means reordering one segment that never ends; RTL controls between them
# in one variant.
MARKS = "\u0301\u0316\u0334\u05b0"
RTL = "\u202e\u2067\u200f\u061c"


def unicode_string(limit_bytes, run=0, rtl=False):
    """The longest string within limit_bytes as JSON: 'a' and combining marks (classes out of
    canonical order). With `run`, a new base (an RTL control with `rtl`) after every `run` marks:
    the worst text the stream-safe bound (30 marks in a row, BoundedJSON) still lets in."""
    parts, size, i, marks = ["a"], 3, 0, 0
    while True:
        if run and marks == run:
            ch, marks = (RTL[i % 4] if rtl else "a"), 0
        else:
            ch, marks = MARKS[i % 4], marks + 1
        grow = len(ch.encode())
        if size + grow > limit_bytes:
            return "".join(parts)
        parts.append(ch)
        size += grow
        i += 1


def case_unicode(fx):
    """(c) 256 KiB of pathological Unicode in arguments. One base with 130,000 combining marks
    (classes out of canonical order) is refused at the door, cheaply (normalising it would cost
    the square of its length). The worst text still let in, runs of 30 marks, is checked against
    maxLength (refused, then allowed and run), an enum (hashed), RTL controls between the runs,
    and as object keys (sorted and hashed)."""
    server = fx.tenant("uni")
    wrap = 16   # {"s":"..."} around the string, with room
    bomb = unicode_string(ARGUMENTS_BYTES - wrap)
    text = unicode_string(ARGUMENTS_BYTES - wrap, run=30)
    scalars = len(text)

    def tool(name, rule):
        return fx.tool(server, name, "def main(s: str = ''):\n    return len(s)\n",
                       {"type": "object", "properties": {"s": dict({"type": "string"}, **rule)}})

    short = tool("short", {"maxLength": 10})
    with fx.meter("c0 130k marks in a row (refused)") as m:
        status, _, data, decoded = fx.test_run(short["id"], {"s": bomb})
    report(m, 500, 32, check([
        (status == 400 and b"combining marks" in data, "expected 400 naming the marks, got %d %s" % (status, data[:150])),
    ]), note="%d scalars in one character" % len(bomb))
    with fx.meter("c1 runs of 30 marks vs maxLength") as m:
        status, _, data, decoded = fx.test_run(short["id"], {"s": text})
    report(m, 1500, 64, check([
        (status == 422 and error_code(decoded) == "invalid_arguments", "expected 422, got %d %s" % (status, data[:150])),
    ]), note="%d scalars" % scalars)
    long = tool("long", {"maxLength": scalars + 10})
    with fx.meter("c2 runs of 30 marks (run)") as m:
        status, _, data, decoded = fx.test_run(long["id"], {"s": text})
    report(m, 3000, 96, check([
        (status == 200 and (decoded or {}).get("status") == "succeeded", "expected 200 succeeded, got %d %s" % (status, data[:200])),
        ((decoded or {}).get("result") == scalars, "the tool saw %r scalars, not %d" % ((decoded or {}).get("result"), scalars)),
    ]))
    mixed = unicode_string(ARGUMENTS_BYTES - wrap, run=30, rtl=True)
    enum = tool("enum", {"enum": ["a", mixed[:200]]})
    with fx.meter("c3 runs of 30 marks vs enum (hashed)") as m:
        status, _, data, decoded = fx.test_run(enum["id"], {"s": text})
    report(m, 1500, 64, check([
        (status == 422 and error_code(decoded) == "invalid_arguments", "expected 422, got %d %s" % (status, data[:150])),
    ]))
    with fx.meter("c4 marks and RTL vs enum") as m:
        status, _, data, decoded = fx.test_run(enum["id"], {"s": mixed})
    report(m, 1500, 64, check([
        (status == 422 and error_code(decoded) == "invalid_arguments", "expected 422, got %d %s" % (status, data[:150])),
    ]), note="an RTL control after every 30 marks")
    anything = fx.tool(server, "keys", ANY_ARGS)
    keys = 16
    piece = unicode_string((ARGUMENTS_BYTES - 64 * keys) // keys, run=30)
    arguments = {piece[:-1] + chr(0x61 + i): i for i in range(keys)}   # differ only in the last character
    with fx.meter("c5 runs of marks as %d object keys" % keys) as m:
        status, _, data, decoded = fx.test_run(anything["id"], arguments)
    report(m, 3000, 96, check([
        (status == 200 and (decoded or {}).get("status") == "succeeded", "expected 200 succeeded, got %d %s" % (status, data[:200])),
    ]), note="keys of %d scalars" % len(piece))


def max_code(functions_prefix="f", variant=0):
    """Tool code just under Limits.codeBytes: thousands of small functions and a main."""
    lines = ["def main(n: int = 1):\n    return n\n"]
    size = len(lines[0])
    i = 0
    while True:
        fn = "def %s%d(a, b=%d):\n    return a * b + %d\n" % (functions_prefix, i, i, (i + variant) % 7)
        if size + len(fn) > CODE_BYTES - 64:
            break
        lines.append(fn)
        size += len(fn)
        i += 1
    return "".join(lines), i


def literal_code():
    """A main whose one parameter is a Literal of as many strings as fit in Limits.codeBytes:
    the schema derived from it is an enum several times the schema bound."""
    head = "from typing import Literal\n\ndef main(x: list[Literal["
    tail = "]] = None):\n    return len(x or [])\n"
    values, size, i = [], len(head) + len(tail), 0
    while True:
        v = "'v%d'," % i
        if size + len(v) > CODE_BYTES - 16:
            break
        values.append(v)
        size += len(v)
        i += 1
    return head + "".join(values) + tail, i


def case_code(fx):
    """(d) Code at the size bound with thousands of functions (analysis runs in a worker; the
    supervisor decodes, checks and stores), a second version that differs in every function
    (the reviewers' diff), one byte over, and code whose derived schema is a huge enum."""
    server = fx.tenant("code")
    code, functions = max_code()
    with fx.meter("d1 code %d KiB, %d functions" % (len(code) // KIB, functions)) as m:
        status, _, data, tool = request(fx.port, "POST", "/v1/servers/%s/tools" % server, fx.admin,
                                        {"name": "big", "code": code})
    report(m, 2000, 64, check([(status == 201, "expected 201, got %d %s" % (status, data[:200]))]))
    if status != 201:
        return
    other, _ = max_code("g", variant=3)
    with fx.meter("d2 diff of two max-size versions") as m:
        patched = request(fx.port, "PATCH", "/v1/tools/%s" % tool["id"], fx.admin, {"code": other})
        diff = request(fx.port, "GET", "/v1/tools/%s/diff?from=1&to=2" % tool["id"], fx.admin)
    report(m, 5000, 192, check([
        (patched[0] == 200, "PATCH: %d %s" % (patched[0], patched[2][:150])),
        (diff[0] == 200, "diff: %d %s" % (diff[0], diff[2][:150])),
    ]), note="answer %d KiB" % (len(diff[2]) // KIB))
    over = code + "#" * (CODE_BYTES - len(code) + 1)
    with fx.meter("d3 code one byte over") as m:
        status, _, data, decoded = request(fx.port, "POST", "/v1/servers/%s/tools" % server, fx.admin,
                                           {"name": "over", "code": over})
    report(m, 1000, 64, check([(status == 413, "expected 413, got %d %s" % (status, data[:150]))]))
    literal, count = literal_code()
    with fx.meter("d4 derived schema, Literal of %d" % count) as m:
        status, _, data, decoded = request(fx.port, "POST", "/v1/servers/%s/tools" % server, fx.admin,
                                           {"name": "literal", "code": literal})
    derived = len(compact((decoded or {}).get("input_schema")).encode()) if status == 201 else 0
    report(m, 2000, 64, check([
        (status == 201 or (status == 422 and error_code(decoded) == "invalid_schema"),
         "expected 422 invalid_schema (or 201 within the bound), got %d %s" % (status, data[:150])),
        (derived <= SCHEMA_BYTES, "derived input_schema of %d bytes accepted; the bound is %d" % (derived, SCHEMA_BYTES)),
    ]), note="HTTP %d %s" % (status, error_code(decoded) or ""))
    if status == 201:
        items = array_within(lambda i: "v%d" % ((i * 7919) % count), ARGUMENTS_BYTES, lambda xs: {"x": xs})
        with fx.meter("d5 test-run against that enum") as m:
            status, _, data, _ = fx.test_run(decoded["id"], {"x": items})
        report(m, 3000, 96, check([(status == 200, "expected 200, got %d %s" % (status, data[:150]))]),
               note="%d values" % len(items))


def mcp(fx, body, version=STATELESS, method=None, key=None):
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": version}
    if method:
        headers["Mcp-Method"] = method
    return request(fx.port, "POST", "/mcp", key or fx.admin, body if isinstance(body, bytes) else compact(body).encode(), headers)


def rpc_error(decoded):
    return ((decoded or {}).get("error") or {}).get("code")


def case_mcp(fx):
    """(e) A JSON-RPC batch filling the body bound, tools/list with garbage cursors, tools/list
    while many large tools are visible, tools/call with bad arguments, and an initialize whose
    clientInfo is one huge grapheme cluster."""
    batch, size, i = [], 2, 0
    while True:
        item = compact({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                        "params": {"name": "x__y", "arguments": {}, "_meta": META}})
        if size + len(item) + 1 > BODY_BYTES:
            break
        batch.append(item)
        size += len(item) + 1
        i += 1
    body = ("[" + ",".join(batch) + "]").encode()
    answers = []
    with fx.meter("e1 batch of %d requests" % len(batch)) as m:
        for version in (STATELESS, "2025-11-25"):
            answers.append(mcp(fx, body, version))
    wrong = None
    for status, _, data, decoded in answers:
        if status != 400 or rpc_error(decoded) != -32600:
            wrong = "batch: expected 400 with -32600, got %d %s" % (status, data[:150])
    report(m, 3000, 96, wrong, note="both revisions")

    cursors = ["garbage", "-1", "99999999999999999999999999", "1e3", "\u0301" * 1000, "x" * (900 * KIB)]
    answers = []
    with fx.meter("e2 tools/list, %d garbage cursors" % len(cursors)) as m:
        for cursor in cursors:
            answers.append(mcp(fx, {"jsonrpc": "2.0", "id": 1, "method": "tools/list",
                                    "params": {"cursor": cursor, "_meta": META}}, method="tools/list"))
    wrong = None
    for cursor, (status, _, data, decoded) in zip(cursors, answers):
        # A cursor of 1000 combining marks is no text: the message is refused as JSON (-32700).
        expected = -32700 if cursor.startswith("\u0301") else -32602
        if status != 400 or rpc_error(decoded) != expected:
            wrong = "cursor %r: expected 400 with %d, got %d %s" % (cursor[:20], expected, status, data[:150])
    report(m, 1500, 64, wrong)

    # Many approved tools with schemas near the bound: every tools/list page reads all of them.
    server = fx.tenant("mcp")
    schema, values = enum_schema_at_bound()
    tools = 40
    for n in range(tools):
        fx.tool(server, "t%d" % n, "def main(x: list = None):\n    return 1\n", schema, approve=True)
    name = expect(fx.port, 200, "GET", "/v1/servers/%s" % server, fx.admin)["name"]
    with fx.meter("e3 tools/list, %d tools of 64 KiB" % tools) as m:
        status, _, data, decoded = mcp(fx, {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": META}},
                                       method="tools/list")
    listed = len((((decoded or {}).get("result") or {}).get("tools")) or [])
    report(m, 3000, 128, check([
        (status == 200 and listed >= tools, "expected 200 with at least %d tools, got %d (%d tools)" % (tools, status, listed)),
    ]), note="answer %d KiB" % (len(data) // KIB))
    with fx.meter("e4 tools/call, 50000 bad values") as m:
        status, _, data, decoded = mcp(fx, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                            "params": {"name": "%s__t0" % name, "arguments": {"x": ["nope"] * 50000},
                                                       "_meta": META}}, method="tools/call")
    result = (decoded or {}).get("result") or {}
    report(m, 2000, 64, check([
        (status == 200 and result.get("isError") is True, "expected an isError result, got %d %s" % (status, data[:150])),
        (len(data) < 80 * KIB, "answer of %d bytes" % len(data)),
    ]), note="answer %d bytes" % len(data))

    # Runs of 30 marks, the most the stream-safe bound lets in, over 150 KiB: a clientInfo
    # far past the stored bound, in bytes.
    grapheme = ("a" + MARKS * 7 + "\u0301\u0316") * (180 * KIB // 70)
    with fx.meter("e5 initialize, clientInfo of %d KiB" % (len(grapheme.encode()) // KIB)) as m:
        status, headers, data, decoded = request(
            fx.port, "POST", "/mcp", fx.admin,
            compact({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                     "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                "clientInfo": {"name": grapheme, "version": grapheme}}}).encode(),
            {"Accept": "application/json, text/event-stream"})
    session = headers.get("mcp-session-id")
    stored = None
    if session:
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(fx.warden.data, "warden.db"), uri=True, timeout=10)
        try:
            row = db.execute("SELECT length(CAST(client_info AS BLOB)) FROM mcp_sessions WHERE id = ?", (session,)).fetchone()
            stored = row[0] if row else None
        finally:
            db.close()
    report(m, 1500, 64, check([
        (status == 200 and session, "expected 200 with a session, got %d %s" % (status, data[:150])),
        (stored is not None and stored <= CLIENT_INFO_BYTES + 512,
         "clientInfo stored as %s bytes; the bound is %d" % (stored, CLIENT_INFO_BYTES)),
    ]), note="stored %s bytes" % stored)


POSIX = ("    posix = None\n"
         "    for c in object.__subclasses__():\n"
         "        if c.__name__ == 'BuiltinImporter':\n"
         "            posix = c.load_module('posix')\n")

FLOOD = ("def main():\n" + POSIX +
         "    sent = 0\n"
         "    for _ in range(200000):\n"
         "        try:\n"
         "            posix.write(5, b'\\0\\0\\0\\x02{}')\n"
         "        except OSError:\n"
         "            break\n"
         "        sent += 1\n"
         "    return {'sent': sent}\n")

POLITE = ("def main():\n" + POSIX +
          "    def take(n):\n"
          "        got = b''\n"
          "        while len(got) < n:\n"
          "            part = posix.read(5, n - len(got))\n"
          "            if not part:\n"
          "                raise EOFError('egress channel closed')\n"
          "            got += part\n"
          "        return got\n"
          "    for i in range(40):\n"
          "        posix.write(5, b'\\0\\0\\0\\x02{}')\n"
          "        take(int.from_bytes(take(4), 'big'))\n"
          "    return {'answered': 40}\n")


def case_egress(fx):
    """(f) A tool that floods its egress channel with tiny frames without waiting for answers,
    and one that waits for each answer but asks past the quota: both killed, reason egress."""
    server = fx.tenant("egress")
    for label, code in (("f1 egress flood (pipelined)", FLOOD), ("f2 egress past the quota", POLITE)):
        tool = fx.tool(server, label.split()[0], code)
        with fx.meter(label) as m:
            status, _, data, decoded = fx.test_run(tool["id"], {})
        decoded = decoded or {}
        error = decoded.get("error") or {}
        report(m, 1500, 64, check([
            (status == 200, "expected 200, got %d %s" % (status, data[:150])),
            (decoded.get("status") == "killed" and decoded.get("reason") == "egress",
             "expected killed/egress, got %s/%s %s" % (decoded.get("status"), decoded.get("reason"), error)),
            (len(compact(decoded.get("egress", [])).encode()) <= 64 * KIB, "egress log over 64 KiB"),
        ]), note="%s ms; %s" % (decoded.get("duration_ms"), (error.get("message") or "")[:60]))


def case_bodies(fx):
    """(h) Request bodies at the 1 MiB bound: unauthenticated; a flat array of half a million
    numbers; the same nested 400 deep (JSONDecoder's limit is 512)."""
    server = fx.tenant("body")
    tool = fx.tool(server, "any", ANY_ARGS)
    flat = b'{"arguments":{"x":[' + b",".join([b"0"] * ((BODY_BYTES - 64) // 2)) + b"]}}"
    with fx.meter("h1 unauthenticated 1 MiB x5") as m:
        answers = [request(fx.port, "POST", "/v1/tools/%s/versions/1/test-run" % tool["id"], "wk_nothing", flat)[0]
                   for _ in range(5)]
    report(m, 1000, 64, check([(all(s in (401, 429) for s in answers), "expected 401 or 429, got %s" % answers)]))
    with fx.meter("h2 1 MiB body, 500k numbers") as m:
        status, _, data, decoded = fx.test_run(tool["id"], None, raw=flat)
    report(m, 5000, 192, check([
        (status in (400, 413), "expected 400 (over the body's 200,000 values) or 413, got %d %s" % (status, data[:150])),
    ]))
    depth = 400
    inner = b",".join([b"0"] * ((BODY_BYTES - 2 * depth - 64) // 2))
    deep = b'{"arguments":{"x":' + b"[" * depth + inner + b"]" * depth + b"}}"
    with fx.meter("h3 1 MiB body, %d deep" % depth) as m:
        status, _, data, decoded = fx.test_run(tool["id"], None, raw=deep)
    report(m, 5000, 256, check([(status in (400, 413), "expected 400 or 413, got %d %s" % (status, data[:150]))]),
           note="HTTP %d" % status)


def login_page(fx, source):
    """GET /ui/login: (the token in its form, its cookie), or None when there is no console."""
    status, headers, data, _ = request(fx.port, "GET", "/ui/login", source=source)
    if status == 404:
        return None
    cookie = headers.get("set-cookie", "").split(";")[0]
    marker = b'name="login_token" value="'
    at = data.find(marker)
    token = data[at + len(marker):data.index(b'"', at + len(marker))].decode() if at >= 0 else ""
    return token, cookie


def case_console(fx):
    """(i) The console's sign-in form, which is read before any credential is checked: 1 MiB of
    percent-encoded fields without the page's token, the same with the token and a wrong key,
    and a run of small token-less posts, which should be charged like failed keys. From
    addresses of their own (127.0.0.3, .4), so that the failures charged there never limit the
    other cases."""
    pair = b"a%41%42=%43%44&"
    tail = b"api_key=wrong"
    form = pair * ((BODY_BYTES - len(tail) - 64) // len(pair)) + tail
    fields = form.count(b"&") + 1
    page = login_page(fx, "127.0.0.3")
    if page is None:
        print("%-34s skipped: the console is not served (no templates found)" % "i console")
        return
    token, cookie = page
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    with fx.meter("i1 sign-in form, %d fields, no token" % fields) as m:
        status, _, data, _ = request(fx.port, "POST", "/ui/login", None, form, headers, source="127.0.0.3")
    report(m, 3000, 128, check([(status == 403, "expected 403, got %d %s" % (status, data[:100]))]))
    with fx.meter("i2 sign-in form, %d fields, wrong key" % fields) as m:
        status, _, data, _ = request(fx.port, "POST", "/ui/login", None, b"login_token=%s&" % token.encode() + form,
                                     dict(headers, Cookie=cookie), source="127.0.0.3")
    report(m, 3000, 128, check([(status == 401, "expected 401, got %d %s" % (status, data[:100]))]))
    statuses = []
    with fx.meter("i3 25 token-less sign-ins") as m:
        for _ in range(25):
            statuses.append(request(fx.port, "POST", "/ui/login", None, b"api_key=wrong", headers, source="127.0.0.4")[0])
    report(m, 1500, 64, check([
        (429 in statuses, "none refused: each was read and answered %s, none charged to the address's failure budget "
                          "(20 at once)" % sorted(set(statuses))),
    ]), note="answers %s" % ", ".join("%dx%d" % (statuses.count(s), s) for s in sorted(set(statuses))))


def case_listing(fx):
    """(j) Executions whose arguments are at the bound, then one page listing them: a page's
    memory is its size times the largest row (there is no byte bound per page)."""
    server = fx.tenant("list")
    tool = fx.tool(server, "any", ANY_ARGS)
    rows = 24
    blob = "x" * (ARGUMENTS_BYTES - 64)
    for n in range(rows):
        status, _, data, _ = fx.test_run(tool["id"], {"k": blob})
        if status != 200:
            fail("j1 listing rows of 256 KiB", "setup run %d: %d %s" % (n, status, data[:120]))
            return
    with fx.meter("j1 listing %d rows of 256 KiB" % rows) as m:
        status, _, data, decoded = request(fx.port, "GET", "/v1/executions?tool_id=%s&limit=%d" % (tool["id"], rows), fx.admin)
    items = len((decoded or {}).get("items") or [])
    report(m, 3000, 4 * rows + 32, check([
        (status == 200 and items == rows, "expected 200 with %d items, got %d (%d)" % (rows, status, items)),
    ]), note="answer %d KiB; a page of 500 would be ~%d MiB" % (len(data) // KIB, 500 * len(data) // rows // MIB))


def case_redaction(fx):
    """(k) Redaction: the server holds a 64 KiB secret that almost matches everywhere in the
    tool's 900 KiB result and 900 KiB of stdout."""
    server = fx.tenant("redact")
    secret = "a" * (64 * KIB - 1) + "b"
    status, _, data, _ = request(fx.port, "PUT", "/v1/servers/%s/secrets/NEAR" % server, fx.admin, {"value": secret})
    if status not in (200, 201, 204):
        fail("k1 redaction, 64 KiB near-secret", "PUT secret: %d %s" % (status, data[:150]))
        return
    size = 900 * KIB
    code = "def main():\n    print('a' * %d)\n    return 'a' * %d\n" % (size, size)
    tool = fx.tool(server, "near", code, approve=True)
    with fx.meter("k1 redaction, 64 KiB near-secret") as m:
        status, _, data, decoded = request(fx.port, "POST", "/v1/tools/%s/executions" % tool["id"], fx.admin,
                                           {"arguments": {}})
    report(m, 3000, 128, check([
        (status == 200 and (decoded or {}).get("status") == "succeeded",
         "expected 200 succeeded, got %d %s" % (status, data[:150])),
    ]), note="result and stdout %d KiB each" % (size // KIB))


def case_frames(fx):
    """(m) Worker frames at their bounds: a result of 100,000 values nested 250 deep, and a
    result whose one key is a ~1 MiB run of combining marks (keys are hashed on decoding)."""
    server = fx.tenant("frame")
    nested = ("def main():\n"
              "    v = [0] * 99000\n"
              "    for _ in range(250):\n"
              "        v = [v]\n"
              "    return v\n")
    tool = fx.tool(server, "nested", nested)
    with fx.meter("m1 result, 99000 values 250 deep") as m:
        status, _, data, decoded = fx.test_run(tool["id"], {})
    report(m, 3000, 192, check([
        (status == 200 and (decoded or {}).get("status") == "succeeded",
         "expected 200 succeeded, got %d %s" % (status, data[:200])),
    ]))
    marks = (1 << 20) - 4096
    key = ("def main():\n"
           "    k = 'a' + %r * %d\n"
           "    return {k: 1, 'b': 2}\n" % (MARKS, marks // 8))
    tool = fx.tool(server, "key", key)
    with fx.meter("m2 result key of %d marks" % (marks // 2)) as m:
        status, _, data, decoded = fx.test_run(tool["id"], {})
    report(m, 3000, 128, check([
        (status == 200 and (decoded or {}).get("status") in ("succeeded", "failed"),
         "expected 200, got %d %s" % (status, data[:200])),
    ]), note=str((decoded or {}).get("status")))


def case_rate_first(fx):
    """(l) The execution limit comes before validation: once a server's bucket is empty, a
    test-run with the costliest arguments is refused with 429 without being validated."""
    server = fx.tenant("rate")
    schema, values = enum_schema_at_bound()
    tool = fx.tool(server, "enum", "def main(x: list = None):\n    return 1\n", schema)
    spent = 0
    for _ in range(fx.executions_burst + 5):   # cheap refusals (422) spend the bucket
        status = fx.test_run(tool["id"], {"x": [1]})[0]
        spent += 1
        if status == 429:
            break
    inside = array_within(lambda i: values[(i * 7919) % len(values)], ARGUMENTS_BYTES, lambda xs: {"x": xs})
    statuses = []
    with fx.meter("l1 10 runs past the execution limit") as m:
        for _ in range(10):
            statuses.append(fx.test_run(tool["id"], {"x": inside})[0])
    report(m, 6000, 96, check([(all(s == 429 for s in statuses), "expected 429 each time, got %s" % statuses)]),
           note="bucket empty after %d calls" % spent)


def closed_by(sockets, deadline):
    """How many of `sockets` the server closed (EOF or reset) before `deadline` (monotonic)."""
    waiting = list(sockets)
    while waiting and time.monotonic() < deadline:
        still = []
        for s in waiting:
            s.settimeout(0)
            try:
                while s.recv(65536):
                    pass           # an answer before the close (a 408, say) is read and ignored
            except (BlockingIOError, InterruptedError):
                still.append(s)    # open, nothing more to read
            except OSError:
                pass               # reset: closed
        waiting = still
        if waiting:
            time.sleep(0.05)
    return len(sockets) - len(waiting)


def case_slow_clients(fx):
    """(g) Slow clients against a server with short time-outs: 200 half-sent request heads
    (slowloris), a body that stops, an idle kept-alive connection, and the per-address cap."""
    header_s, body_s, idle_s, per_address = 2, 3, 3, 256
    warden, key = fx.start_server("slow", {
        "WARDEN_HTTP_HEADER_TIMEOUT_SECONDS": str(header_s), "WARDEN_HTTP_BODY_TIMEOUT_SECONDS": str(body_s),
        "WARDEN_HTTP_IDLE_TIMEOUT_SECONDS": str(idle_s), "WARDEN_HTTP_MAX_CONNECTIONS_PER_ADDRESS": str(per_address)})
    held = []
    try:
        with Meter(warden.process.pid, "g1 slowloris, 200 half heads") as m:
            started = time.monotonic()
            for i in range(200):
                s = socket.create_connection(("127.0.0.1", warden.port), timeout=5)
                held.append(s)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-%d: " % i)
            probe_start = time.perf_counter()
            probe = request(warden.port, "GET", "/healthz", timeout=5)[0]
            probe_ms = (time.perf_counter() - probe_start) * 1000
            closed = closed_by(held, started + header_s + 3)
            elapsed = time.monotonic() - started
        report(m, 1000, 48, check([
            (probe == 200 and probe_ms < 1000, "/healthz answered %d in %.0f ms" % (probe, probe_ms)),
            (closed == len(held), "%d of %d half-sent heads still open %.1f s later (header time-out %d s)" % (
                len(held) - closed, len(held), elapsed, header_s)),
        ]), note="/healthz in %.0f ms; all closed within %.1f s" % (probe_ms, elapsed))
        for s in held:
            s.close()
        held = []

        with Meter(warden.process.pid, "g2 body that stops") as m:
            s = socket.create_connection(("127.0.0.1", warden.port), timeout=5)
            held.append(s)
            s.sendall(b"POST /v1/servers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key.encode() +
                      b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":")
            started = time.monotonic()
            closed = closed_by([s], started + body_s + 3)
            elapsed = time.monotonic() - started
        report(m, 500, 32, check([
            (closed == 1, "still open %.1f s after the head (body time-out %d s)" % (elapsed, body_s)),
            (elapsed >= body_s - 0.5, "closed after %.1f s, before the body time-out" % elapsed),
        ]), note="closed after %.1f s" % elapsed)

        with Meter(warden.process.pid, "g3 idle kept-alive connection") as m:
            s = socket.create_connection(("127.0.0.1", warden.port), timeout=5)
            held.append(s)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = s.recv(4096)
            started = time.monotonic()
            closed = closed_by([s], started + idle_s + 3)
            elapsed = time.monotonic() - started
        report(m, 500, 32, check([
            (answer.startswith(b"HTTP/1.1 200"), "no answer: %r" % answer[:60]),
            (closed == 1, "still open %.1f s after the answer (idle time-out %d s)" % (elapsed, idle_s)),
            (elapsed >= idle_s - 0.5, "closed after %.1f s, before the idle time-out" % elapsed),
        ]), note="closed after %.1f s" % elapsed)
        for s in held:
            s.close()
        held = []

        extra = 40
        with Meter(warden.process.pid, "g4 %d connections, one address" % (per_address + extra)) as m:
            for _ in range(per_address + extra):
                held.append(socket.create_connection(("127.0.0.1", warden.port), timeout=5))
            refused = closed_by(held, time.monotonic() + 1.0)
            other = request(warden.port, "GET", "/healthz", timeout=5, source="127.0.0.2")[0]
        report(m, 1000, 48, check([
            (refused >= extra, "only %d of the %d connections past the cap of %d were closed" % (refused, extra, per_address)),
            (other == 200, "/healthz from another address answered %d" % other),
        ]), note="%d closed at once; another address still served" % refused)
    finally:
        for s in held:
            s.close()
        warden.stop()


# (n) A hostile upstream MCP server, in a thread of this script, on 127.0.0.1.

EGRESS_TIMEOUT_S = 10              # EgressSettings.requestTimeout
EGRESS_BODY_BYTES = 1 * MIB        # EgressSettings.maxResponseBodyBytes (PinnedHTTP cuts the body there)
HUGE_BYTES = 64 * MIB              # what a huge answer offers: 64 times the body bound
TRICKLE_SECONDS = 0.2              # one byte every 200 ms
TRICKLE_MAX_BYTES = 200            # 40 s of trickling at most, well past the egress time-out


class Upstream:
    """A small MCP Streamable HTTP server (initialize with a session, notifications, tools/list,
    tools/call of one tool, DELETE) whose answer to a method can be made hostile per case:
    `modes[method]` is "normal", "huge" (HUGE_BYTES of valid JSON-RPC, streamed in 256 KiB
    chunks), "huge-sse" (the same as one SSE event) or "trickle" (the head at once, then the body
    one byte every TRICKLE_SECONDS), or a function (id, params) -> the whole body. Every hostile
    answer is bounded (HUGE_BYTES, or TRICKLE_MAX_BYTES), stops at the first write the client no
    longer takes, and ends when the upstream stops; `sent` and `finished` say how far the last
    streamed one got."""

    def __init__(self):
        self.modes = {"tools/list": "normal", "tools/call": "normal"}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.finished = threading.Event()
        self.sent = 0
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 15   # a write the client never takes ends here, as does a head never sent
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def head(self, status, length, content_type="application/json", extra=()):
                self.send_response(status)
                for name, value in extra:
                    self.send_header(name, value)
                if length is not None:
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(length))
                self.end_headers()

            def answer(self, value, extra=()):
                data = compact(value).encode()
                self.head(200, len(data), extra=extra)
                self.wfile.write(data)

            def do_DELETE(self):
                self.head(204, None)

            def do_GET(self):
                self.head(405, 0)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or "0")
                if length > MIB:
                    self.close_connection = True
                    return self.head(413, 0)
                message = json.loads(self.rfile.read(length))
                method, ident = message.get("method"), message.get("id")
                with upstream.lock:
                    mode = upstream.modes.get(method, "normal")
                if ident is None:
                    return self.head(202, 0)
                if method == "initialize":
                    return self.answer({"jsonrpc": "2.0", "id": ident, "result": {
                        "protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                        "serverInfo": {"name": "hostile", "version": "1"}}},
                        extra=[("Mcp-Session-Id", "hostile-%d" % ident)])
                if method not in ("tools/list", "tools/call"):
                    return self.answer({"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": "no"}})
                if callable(mode):   # a whole answer of the case's making, for (n4) and (n5)
                    data = mode(ident, message.get("params") or {})
                    self.head(200, len(data))
                    return self.wfile.write(data)
                if mode == "normal":
                    if method == "tools/list":
                        return self.answer({"jsonrpc": "2.0", "id": ident, "result": {"tools": [FORECAST]}})
                    return self.answer({"jsonrpc": "2.0", "id": ident, "result": {
                        "content": [{"type": "text", "text": "sunny"}], "isError": False}})
                self.close_connection = True
                # Valid JSON-RPC once whole: a description or a text of 'x' between head and tail.
                if method == "tools/list":
                    head = '{"jsonrpc":"2.0","id":%d,"result":{"tools":[{"name":"forecast","description":"' % ident
                    tail = '","inputSchema":{"type":"object"}}]}}'
                else:
                    head = '{"jsonrpc":"2.0","id":%d,"result":{"content":[{"type":"text","text":"' % ident
                    tail = '"}],"isError":false}}'
                if mode == "huge-sse":
                    head, tail = "event: message\ndata: " + head, tail + "\n\n"
                head, tail = head.encode(), tail.encode()
                with upstream.lock:
                    upstream.sent = 0
                    upstream.finished.clear()
                try:
                    if mode == "trickle":
                        body = head + b"x" * (TRICKLE_MAX_BYTES - len(head) - len(tail)) + tail
                        self.head(200, len(body))
                        for i in range(len(body)):   # bounded: TRICKLE_MAX_BYTES
                            if upstream.stopping.wait(TRICKLE_SECONDS):
                                break
                            self.wfile.write(body[i:i + 1])
                            with upstream.lock:
                                upstream.sent += 1
                    else:
                        self.head(200, HUGE_BYTES, "text/event-stream" if mode == "huge-sse" else "application/json")
                        chunk = 256 * KIB
                        filler = b"x" * chunk
                        self.wfile.write(head)
                        left = HUGE_BYTES - len(head) - len(tail)
                        while left > 0 and not upstream.stopping.is_set():   # bounded: HUGE_BYTES
                            part = filler[:min(chunk, left)]
                            self.wfile.write(part)
                            left -= len(part)
                            with upstream.lock:
                                upstream.sent += len(part)
                        if left == 0:
                            self.wfile.write(tail)
                except OSError:
                    pass   # the client hung up (or stopped reading for 15 s): the answer ends here
                finally:
                    upstream.finished.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                       name="hostile-upstream", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()      # ends any answer still trickling or streaming
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        return False

    def mode(self, method, mode):
        with self.lock:
            self.modes[method] = mode

    def wait_finished(self, seconds):
        """Whether the last hostile answer ended (the client hung up, or it was all sent)."""
        return self.finished.wait(seconds)


FORECAST = {"name": "forecast", "description": "Weather forecast for a city",
            "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}},
            "annotations": {"readOnlyHint": True}}


def case_upstream(fx):
    """(n) Upstream MCP servers answering slowly or hugely, through a server of its own started
    with WARDEN_EGRESS_ALLOW_LOOPBACK=1 (so that allowed_hosts may name 127.0.0.1): discover
    against a tools/list of 64 MiB (the body bound is 1 MiB) and one that trickles a byte every
    200 ms (past the 10 s egress time-out), and a call of an approved passthrough tool whose
    tools/call answers 64 MiB as one SSE event. Each must be answered within the time-out and a
    margin, with 502 upstream_unavailable (or, for the call, an execution that failed), the
    upstream's connection closed once Warden has stopped reading. Then what the bounds still let
    in: a tools/list of 20 pages of 1 MiB of tiny tools, and one whose schema key is a long run of
    combining marks (upstream answers are parsed without the stream-safe bound)."""
    warden, key = fx.start_server("upstream", {"WARDEN_EGRESS_ALLOW_LOOPBACK": "1"})
    port, pid = warden.port, warden.process.pid
    margin_s = 5
    try:
        with Upstream() as up:
            server = expect(port, 201, "POST", "/v1/servers", key, {
                "name": "upstream-%d" % up.port, "allowed_hosts": ["127.0.0.1:%d" % up.port]})["id"]
            source = expect(port, 201, "POST", "/v1/servers/%s/mcp-sources" % server, key,
                            {"name": "hostile", "url": "http://127.0.0.1:%d/mcp" % up.port})["id"]
            listed = expect(port, 200, "POST", "/v1/mcp-sources/%s/discover" % source, key, {})
            if [t.get("name") for t in listed.get("tools", [])] != ["forecast"]:
                fail("n upstream setup", "a well-behaved discover listed %s" % compact(listed)[:200])
                return

            def discover(name, mode, cpu_ms, rss_mb, expect_timeout):
                up.mode("tools/list", mode)
                with Meter(pid, name) as m:
                    status, _, data, decoded = request(port, "POST", "/v1/mcp-sources/%s/discover" % source, key, {})
                hung_up = up.wait_finished(5)
                up.mode("tools/list", "normal")
                message = ((decoded or {}).get("error") or {}).get("message", "")
                report(m, cpu_ms, rss_mb, check([
                    (status == 502 and error_code(decoded) == "upstream_unavailable",
                     "expected 502 upstream_unavailable, got %d %s" % (status, data[:200])),
                    (m.wall_ms <= (EGRESS_TIMEOUT_S + margin_s) * 1000,
                     "answered after %.1f s; the egress time-out is %d s" % (m.wall_ms / 1000, EGRESS_TIMEOUT_S)),
                    (not expect_timeout or m.wall_ms >= (EGRESS_TIMEOUT_S - 1) * 1000,
                     "answered after %.1f s, before the time-out: %s" % (m.wall_ms / 1000, message[:100])),
                    (hung_up, "the upstream was still writing 5 s after the answer (%d bytes taken): "
                              "the connection was not closed" % up.sent),
                ]), note="upstream wrote %s; %s" % (
                    "%.1f MiB" % (up.sent / MIB) if up.sent >= MIB else "%d bytes" % up.sent, message[:70]))

            discover("n1 discover, tools/list of 64 MiB", "huge", 2000, 128, False)
            discover("n2 discover, a byte every 200 ms", "trickle", 2000, 128, True)

            # (n3) Import and approve the tool while the upstream behaves, check that a call
            # succeeds, then make tools/call answer 64 MiB.
            imported = expect(port, 201, "POST", "/v1/mcp-sources/%s/import" % source, key, {"tools": ["forecast"]})
            tool = imported["items"][0]["id"]
            expect(port, 200, "POST", "/v1/tools/%s/approve" % tool, key, {"version": 1})
            path = "/v1/tools/%s/executions" % tool
            status, _, data, decoded = request(port, "POST", path, key, {"arguments": {"city": "Oslo"}})
            if status != 200 or (decoded or {}).get("status") != "succeeded":
                fail("n3 tools/call of 64 MiB", "a well-behaved call: %d %s" % (status, data[:200]))
                return
            up.mode("tools/call", "huge-sse")
            with Meter(pid, "n3 tools/call of 64 MiB (SSE)") as m:
                status, _, data, decoded = request(port, "POST", path, key, {"arguments": {"city": "Oslo"}})
            hung_up = up.wait_finished(5)
            up.mode("tools/call", "normal")
            decoded = decoded or {}
            error = decoded.get("error") or {}
            report(m, 2000, 128, check([
                ((status == 200 and decoded.get("status") == "failed" and error.get("type") == "UpstreamUnavailable")
                 or (status == 502 and error_code(decoded) == "upstream_unavailable"),
                 "expected a failed execution (UpstreamUnavailable) or 502, got %d %s" % (status, data[:200])),
                (len(data) < 64 * KIB, "answer of %d bytes" % len(data)),
                # listing the tools, then the call: two sessions of 10 s exchanges at most
                (m.wall_ms <= (EGRESS_TIMEOUT_S + margin_s) * 1000,
                 "answered after %.1f s; the egress time-out is %d s" % (m.wall_ms / 1000, EGRESS_TIMEOUT_S)),
                (hung_up, "the upstream was still writing 5 s after the answer (%d bytes taken)" % up.sent),
            ]), note="upstream wrote %.1f MiB; %s" % (up.sent / MIB, (error.get("message") or "")[:60]))

            # (n4) 20 pages of 1 MiB, each as many tiny tools as fit: past the bounds on an
            # answer's values and on listed tools (MCPUpstream.answers, maxListedTools), refused
            # after the first page.
            pages, served = 20, []

            def tiny_page(ident, params):
                n = int(params.get("cursor") or 0)
                more = ('"nextCursor":"%d",' % (n + 1)) if n + 1 < pages else ""
                head = '{"jsonrpc":"2.0","id":%d,"result":{%s"tools":[' % (ident, more)
                room = EGRESS_BODY_BYTES - 64 - len(head)
                items, size = [], 0
                while size < room:   # bounded: about 53,000 items of 19 bytes
                    item = '{"name":"t%d_%d"}' % (n, len(items))
                    items.append(item)
                    size += len(item) + 1
                served.append(len(items))
                return (head + ",".join(items) + "]}}").encode()

            up.mode("tools/list", tiny_page)
            with Meter(pid, "n4 tools/list, 20 pages of 1 MiB") as m, Responsiveness(port) as alive:
                status, _, data, decoded = request(port, "POST", "/v1/mcp-sources/%s/discover" % source, key, {})
            up.mode("tools/list", "normal")
            shown = len((decoded or {}).get("tools") or [])
            report(m, 2000, 64, check([
                (status == 502 and error_code(decoded) == "upstream_unavailable", "expected 502, got %d (%d) %s" % (
                    status, shown, data[:150])),
                (len(served) <= 2, "%d pages were read" % len(served)),
            ]), note="%d tools in %d pages; /healthz at most %.0f ms meanwhile" % (
                sum(served), len(served), alive.worst_ms))

            # (n5) A tools/list whose one schema key is 128,000 combining marks (256 KiB, a
            # quarter of the body bound): hashing it would cost the square of the run, so
            # upstream answers keep to the stream-safe bound like every other parsed text.
            marks = 128000
            text = "a" + MARKS * (marks // len(MARKS))
            listed = compact({"jsonrpc": "2.0", "id": 0, "result": {"tools": [{
                "name": "forecast", "description": "d",
                "inputSchema": {"type": "object", "properties": {text: {"type": "string"}}}}]}})
            up.mode("tools/list", lambda ident, params: listed.replace('"id":0', '"id":%d' % ident, 1).encode())
            with Meter(pid, "n5 tools/list key of %d marks" % marks) as m, Responsiveness(port) as alive:
                status, _, data, decoded = request(port, "POST", "/v1/mcp-sources/%s/discover" % source, key, {})
            up.mode("tools/list", "normal")
            report(m, 2000, 128, check([
                (status in (200, 502), "expected 502 (not stream-safe text) or 200, got %d %s" % (status, data[:150])),
            ]), note="HTTP %d, %d KiB answer; /healthz at most %.0f ms meanwhile" % (
                status, len(listed.encode()) // KIB, alive.worst_ms))
    finally:
        warden.stop()


class Responsiveness:
    """GET /healthz every 250 ms from a thread across a `with` block (at most 240 probes): the
    slowest answer, in ms (a probe that fails counts as 5000)."""

    def __init__(self, port):
        self.port, self.worst_ms = port, 0.0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.probe, daemon=True)

    def probe(self):
        for _ in range(240):
            started = time.perf_counter()
            try:
                request(self.port, "GET", "/healthz", timeout=5)
                took = (time.perf_counter() - started) * 1000
            except (OSError, http.client.HTTPException):
                took = 5000.0
            self.worst_ms = max(self.worst_ms, took)
            if self.done.wait(0.25):
                return

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join(timeout=10)
        return False


def sandbox_unavailable():
    if os.geteuid() != 0:
        return "the launcher must run as root to map workers to unprivileged host uids"
    try:
        with open("/proc/sys/user/max_user_namespaces") as f:
            if int(f.read().strip() or "0") == 0:
                return "user namespaces are disabled (user.max_user_namespaces = 0)"
    except (OSError, ValueError):
        return "cannot read /proc/sys/user/max_user_namespaces"
    return None


CASES = [("a", case_validation), ("b", case_schema_bounds), ("c", case_unicode), ("d", case_code),
         ("e", case_mcp), ("f", case_egress), ("h", case_bodies), ("i", case_console), ("j", case_listing),
         ("k", case_redaction), ("l", case_rate_first), ("m", case_frames), ("n", case_upstream),
         ("g", case_slow_clients)]
# Cases that start a server of their own.
OWN_SERVER = (case_slow_clients, case_upstream)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default="debug", choices=["debug", "release"])
    parser.add_argument("--only", help="letters of the cases to run, such as c,h,g (default: all)")
    args = parser.parse_args()
    # A SIGTERM (a CI time-out, say) still stops the servers started here.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ci = os.environ.get("CI") == "true"
    reason = sandbox_unavailable()
    if reason:
        if ci:
            print("hostile clients: FAIL: CI=true but the sandbox is unavailable: %s" % reason)
            return 1
        print("hostile clients skipped: %s" % reason)
        return 0
    binary = os.path.join(ROOT, ".build", args.build, "warden")
    if not os.access(binary, os.X_OK):
        print("hostile clients: FAIL: %s is missing (build first)" % binary)
        return 1
    wanted = set(args.only.split(",")) if args.only else None
    scratch = tempfile.mkdtemp(prefix="warden-hostile-")
    fx = Fixture(binary, scratch)
    try:
        for letter, case in CASES:
            if wanted and letter not in wanted:
                continue
            if fx.warden is None and case not in OWN_SERVER:   # (g) and (n) start servers of their own
                fx.restart()
            try:
                case(fx)
            except Stalled:
                # The supervisor is still busy with the stalled request: measure the rest on a new one.
                fx.stop(kill=True)
            except Exception as exc:   # a case that could not finish is a failure, with its reason
                fail("(%s) %s" % (letter, case.__name__), "stopped: %s: %s" % (type(exc).__name__, str(exc)[:300]))
            if fx.warden is not None and fx.warden.process.poll() is not None:
                fail("(%s) supervisor alive" % letter, "the supervisor exited (%s):\n%s" % (
                    fx.warden.process.returncode, fx.warden.log_tail()))
                fx.warden = None
    finally:
        fx.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    failed = [name for name, verdict in results if verdict != "PASS"]
    print("hostile clients: %d cases, %s" % (len(results), "all within budget" if not failed else
                                            "%d over budget or wrong: %s" % (len(failed), "; ".join(failed))))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
