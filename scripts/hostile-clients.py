#!/usr/bin/python3
"""Hostile clients: the worst input we can construct for each line of the cost budget
(docs/design.md §12b), sent to a real `warden serve`, with the supervisor's cost measured across
each case: CPU (utime + stime of the process, all threads, from /proc/PID/stat), peak RSS growth
(VmHWM after the case minus VmRSS before it, the peak reset through /proc/PID/clear_refs) and wall
time. Each case prints one line:

    name  cpu MS  rss +MB  wall MS  budget  PASS | OVER | WRONG (what was wrong)

OVER: more CPU or memory than the budget; WRONG: an answer other than the one the bound promises.
Budgets are bounds on pathological cost for a debug build on a loaded 2-core machine, with wide
margins: not a benchmark.

    /usr/bin/python3 scripts/hostile-clients.py [--build debug|release] [--only SUBSTR]

Test runs need the real sandbox (root, user namespaces): without it the suite is skipped (exit 0),
unless CI=true, where it fails. Every loop is bounded, every target is 127.0.0.1, and every
process started here is stopped at the end.
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

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

results = []   # (name, verdict)


def compact(value):
    """JSON as Warden measures it (JSONWriter: compact, UTF-8, non-ASCII not escaped)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def request(port, method, path, key=None, body=None, headers=None, timeout=120, source=None):
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
    """The supervisor's CPU ticks, peak RSS growth and wall time across a `with` block."""

    def __init__(self, pid):
        self.pid = pid

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

    def __exit__(self, *exc):
        self.wall_ms = (time.perf_counter() - self.wall0) * 1000
        self.cpu_ms = (self.cpu_ticks() - self.cpu0) * 1000 / TICK
        rss, hwm = self.memory_kb()
        self.rss_mb = (max(hwm, rss) - self.rss0) / 1024


class Unmeasured:
    """For a case that stopped before its measurement."""
    cpu_ms = rss_mb = wall_ms = 0.0


def report(name, meter, cpu_budget_ms, rss_budget_mb, wrong=None, note=""):
    """One line per case; `wrong` is what was wrong with the answer, or None."""
    if wrong:
        verdict = "WRONG (%s)" % wrong
    elif meter.cpu_ms > cpu_budget_ms or meter.rss_mb > rss_budget_mb:
        verdict = "OVER"
    else:
        verdict = "PASS"
    print("%-34s cpu %6.0f ms  rss %+7.1f MB  wall %6.0f ms  budget <%d ms <%d MB  %s%s" % (
        name, meter.cpu_ms, meter.rss_mb, meter.wall_ms, cpu_budget_ms, rss_budget_mb, verdict,
        ("  [" + note + "]") if note else ""), flush=True)
    results.append((name, verdict))


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
    """The server under test, its admin key, and a fresh server (tenant) per case, so that one
    case's execution bucket never limits another's."""

    def __init__(self, warden, admin):
        self.warden, self.port, self.admin = warden, warden.port, admin
        self.meter = lambda: Meter(warden.process.pid)
        self.count = 0

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
    checked), then one byte over the arguments bound."""
    schema, values = enum_schema_at_bound()
    server = fx.tenant("val")
    tool = fx.tool(server, "enum", "def main(x: list = None):\n    return len(x or [])\n", schema)
    outside = array_within(lambda i: "w%d" % i, ARGUMENTS_BYTES, lambda xs: {"x": xs})
    with fx.meter() as m:
        status, _, data, decoded = fx.test_run(tool["id"], {"x": outside})
    message = ((decoded or {}).get("error") or {}).get("message", "")
    report("a1 enum %d, args all outside" % len(values), m, 1500, 64, check([
        (status == 422 and error_code(decoded) == "invalid_arguments", "expected 422 invalid_arguments, got %d %s" % (status, data[:120])),
        (len(message.encode()) < 2048, "message is %d bytes" % len(message.encode())),
        (message.count(";") <= 9, "more than ten problems reported"),
    ]), note="%d values" % len(outside))
    inside = array_within(lambda i: values[(i * 7919) % len(values)], ARGUMENTS_BYTES, lambda xs: {"x": xs})
    with fx.meter() as m:
        status, _, data, decoded = fx.test_run(tool["id"], {"x": inside})
    report("a2 enum %d, args all inside" % len(values), m, 3000, 96, check([
        (status == 200 and (decoded or {}).get("status") == "succeeded",
         "expected 200 succeeded, got %d %s" % (status, data[:200])),
        ((decoded or {}).get("result") == len(inside), "result is not the argument count"),
    ]), note="%d values, runs the tool" % len(inside))
    over = inside + ["v0"]
    while len(compact({"x": over}).encode()) <= ARGUMENTS_BYTES:
        over.append("v0")
    with fx.meter() as m:
        status, _, data, decoded = fx.test_run(tool["id"], {"x": over})
    report("a3 arguments one value over", m, 1500, 64, check([
        (status == 413 and error_code(decoded) == "payload_too_large", "expected 413, got %d %s" % (status, data[:120])),
    ]))


def case_schema_bounds(fx):
    """(b) A schema one byte over the bound, one nested one level too deep, and the same through
    PATCH (schema only): 422 invalid_schema, before any worker."""
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
    with fx.meter() as m:
        big = request(fx.port, "POST", "/v1/servers/%s/tools" % server, fx.admin,
                      {"name": "big", "code": code, "input_schema": schema})
        nested = request(fx.port, "POST", "/v1/servers/%s/tools" % server, fx.admin,
                         {"name": "deep", "code": code, "input_schema": deep})
        ok = fx.tool(server, "ok", code)
        patched = request(fx.port, "PATCH", "/v1/tools/%s" % ok["id"], fx.admin, {"input_schema": schema})
    report("b1 schema over size/depth", m, 2000, 64, check([
        (big[0] == 422 and error_code(big[3]) == "invalid_schema", "over-size schema: %d %s" % (big[0], big[2][:150])),
        (nested[0] == 422 and error_code(nested[3]) == "invalid_schema", "deep schema: %d %s" % (nested[0], nested[2][:150])),
        (patched[0] == 422 and error_code(patched[3]) == "invalid_schema", "PATCH over-size: %d %s" % (patched[0], patched[2][:150])),
    ]), note="%d bytes; depth %d" % (size, SCHEMA_DEPTH + 2))
    with fx.meter() as m:
        nul = request(fx.port, "POST", "/v1/servers", fx.admin, {"name": "nul", "description": "a\u0000b"})
    report("b2 NUL outside arguments", m, 500, 32, check([
        (nul[0] == 400 and error_code(nul[3]) == "invalid_request", "expected 400, got %d %s" % (nul[0], nul[2][:150])),
    ]))


# Combining marks of different classes (230, 220, 1, 10) in an order that is not canonical, so
# normalising them means sorting a segment that never ends; then RTL controls between them.
MARKS = "\u0301\u0316\u0334\u05b0"
RTL = "\u202e\u2067\u200f\u061c"


def unicode_string(limit_bytes, rtl_every=0):
    """The longest 'a' + marks (an RTL control every `rtl_every` marks) within limit_bytes as JSON."""
    parts, size, i = ["a"], 3, 0
    while True:
        ch = RTL[i % 4] if rtl_every and i % rtl_every == rtl_every - 1 else MARKS[i % 4]
        grow = len(ch.encode())
        if size + grow > limit_bytes:
            return "".join(parts)
        parts.append(ch)
        size += grow
        i += 1


def case_unicode(fx):
    """(c) 256 KiB of arguments in one string of combining marks (classes out of canonical order)
    and RTL controls: against maxLength (refused, then allowed and run), against an enum (the
    string is hashed), and as object keys (sorted)."""
    server = fx.tenant("uni")
    wrap = 16   # {"s":"..."} around the string, with room
    text = unicode_string(ARGUMENTS_BYTES - wrap)
    scalars = len(text)

    def tool(name, rule):
        return fx.tool(server, name, "def main(s: str = ''):\n    return len(s)\n",
                       {"type": "object", "properties": {"s": dict({"type": "string"}, **rule)}})

    short = tool("short", {"maxLength": 10})
    with fx.meter() as m:
        status, _, data, decoded = fx.test_run(short["id"], {"s": text})
    report("c1 marks vs maxLength (refused)", m, 1500, 64, check([
        (status == 422 and error_code(decoded) == "invalid_arguments", "expected 422, got %d %s" % (status, data[:150])),
    ]), note="%d scalars" % scalars)
    long = tool("long", {"maxLength": scalars + 10})
    with fx.meter() as m:
        status, _, data, decoded = fx.test_run(long["id"], {"s": text})
    report("c2 marks vs maxLength (run)", m, 3000, 96, check([
        (status == 200 and (decoded or {}).get("status") == "succeeded", "expected 200 succeeded, got %d %s" % (status, data[:200])),
        ((decoded or {}).get("result") == scalars, "the tool saw %r scalars, not %d" % ((decoded or {}).get("result"), scalars)),
    ]))
    mixed = unicode_string(ARGUMENTS_BYTES - wrap, rtl_every=97)
    enum = tool("enum", {"enum": ["a", mixed[:200]]})
    with fx.meter() as m:
        status, _, data, decoded = fx.test_run(enum["id"], {"s": text})
    report("c3 marks vs enum (hashed)", m, 1500, 64, check([
        (status == 422 and error_code(decoded) == "invalid_arguments", "expected 422, got %d %s" % (status, data[:150])),
    ]))
    anything = fx.tool(server, "keys", ANY_ARGS)
    keys = 16
    piece = unicode_string((ARGUMENTS_BYTES - 64 * keys) // keys)
    arguments = {piece[:-1] + chr(0x61 + i): i for i in range(keys)}   # differ only in the last character
    with fx.meter() as m:
        status, _, data, decoded = fx.test_run(anything["id"], arguments)
    report("c4 marks as %d object keys" % keys, m, 3000, 96, check([
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
    supervisor decodes, checks and stores), a second version that differs on every function
    (the diff), and code whose derived schema is a huge enum."""
    server = fx.tenant("code")
    code, functions = max_code()
    with fx.meter() as m:
        status, _, data, tool = request(fx.port, "POST", "/v1/servers/%s/tools" % server, fx.admin,
                                        {"name": "big", "code": code})
    report("d1 code %d KiB, %d functions" % (len(code) // KIB, functions), m, 2000, 64, check([
        (status == 201, "expected 201, got %d %s" % (status, data[:200])),
    ]))
    if status != 201:
        return
    other, _ = max_code("g", variant=3)
    with fx.meter() as m:
        patched = request(fx.port, "PATCH", "/v1/tools/%s" % tool["id"], fx.admin, {"code": other})
        diff = request(fx.port, "GET", "/v1/tools/%s/diff?from=1&to=2" % tool["id"], fx.admin)
    report("d2 diff of two max-size versions", m, 5000, 192, check([
        (patched[0] == 200, "PATCH: %d %s" % (patched[0], patched[2][:150])),
        (diff[0] == 200, "diff: %d %s" % (diff[0], diff[2][:150])),
    ]), note="answer %d KiB" % (len(diff[2]) // KIB))
    over = code + "#" * (CODE_BYTES - len(code) + 1)
    with fx.meter() as m:
        status, _, data, decoded = request(fx.port, "POST", "/v1/servers/%s/tools" % server, fx.admin,
                                           {"name": "over", "code": over})
    report("d3 code one byte over", m, 1000, 64, check([
        (status == 413, "expected 413, got %d %s" % (status, data[:150])),
    ]))
    literal, count = literal_code()
    with fx.meter() as m:
        status, _, data, decoded = request(fx.port, "POST", "/v1/servers/%s/tools" % server, fx.admin,
                                           {"name": "literal", "code": literal})
    derived = len(compact((decoded or {}).get("input_schema")).encode()) if status == 201 else 0
    report("d4 derived schema, Literal of %d" % count, m, 2000, 64, check([
        (status in (201, 422), "expected 201 or 422, got %d %s" % (status, data[:150])),
        (derived <= SCHEMA_BYTES, "derived input_schema of %d bytes accepted (bound %d)" % (derived, SCHEMA_BYTES)),
    ]), note="derived schema %d bytes" % derived)
    if status == 201:
        items = ["v%d" % ((i * 7919) % count) for i in range(20000)]
        with fx.meter() as m:
            status, _, data, decoded = fx.test_run(decoded["id"], {"x": items})
        report("d5 test-run against that enum", m, 3000, 96, check([
            (status == 200, "expected 200, got %d %s" % (status, data[:150])),
        ]))


def mcp(fx, body, version=STATELESS, method=None, key=None):
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": version}
    if method:
        headers["Mcp-Method"] = method
    return request(fx.port, "POST", "/mcp", key or fx.admin, body if isinstance(body, bytes) else compact(body).encode(), headers)


def case_mcp(fx):
    """(e) A JSON-RPC batch filling the body bound, tools/list with garbage cursors, tools/list
    while many large tools are visible, and an initialize whose clientInfo is one huge grapheme."""
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
    with fx.meter() as m:
        for version in (STATELESS, "2025-11-25"):
            answers.append(mcp(fx, body, version))
    wrong = None
    for status, _, data, decoded in answers:
        code = ((decoded or {}).get("error") or {}).get("code")
        if status != 400 or code != -32600:
            wrong = "batch: expected 400 with -32600, got %d %s" % (status, data[:150])
    report("e1 batch of %d requests" % len(batch), m, 3000, 96, wrong)

    cursors = ["garbage", "-1", "99999999999999999999999999", "1e3", "\u0301" * 1000, "x" * (900 * KIB)]
    answers = []
    with fx.meter() as m:
        for cursor in cursors:
            answers.append(mcp(fx, {"jsonrpc": "2.0", "id": 1, "method": "tools/list",
                                    "params": {"cursor": cursor, "_meta": META}}, method="tools/list"))
    wrong = None
    for cursor, (status, _, data, decoded) in zip(cursors, answers):
        code = ((decoded or {}).get("error") or {}).get("code")
        if status != 400 or code != -32602:
            wrong = "cursor %r: expected 400 with -32602, got %d %s" % (cursor[:20], status, data[:150])
    report("e2 tools/list, %d garbage cursors" % len(cursors), m, 1500, 64, wrong)

    # Many approved tools with schemas near the bound: every tools/list page reads all of them.
    server = fx.tenant("mcp")
    schema, values = enum_schema_at_bound()
    tools = 40
    for n in range(tools):
        fx.tool(server, "t%d" % n, "def main(x: list = None):\n    return 1\n", schema, approve=True)
    name = expect(fx.port, 200, "GET", "/v1/servers/%s" % server, fx.admin)["name"]
    with fx.meter() as m:
        status, _, data, decoded = mcp(fx, {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": META}},
                                       method="tools/list")
    listed = len((((decoded or {}).get("result") or {}).get("tools")) or [])
    report("e3 tools/list, %d tools of 64 KiB" % tools, m, 3000, 128, check([
        (status == 200 and listed >= tools, "expected 200 with at least %d tools, got %d (%d tools)" % (tools, status, listed)),
    ]), note="answer %d KiB" % (len(data) // KIB))
    with fx.meter() as m:
        status, _, data, decoded = mcp(fx, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                            "params": {"name": "%s__t0" % name, "arguments": {"x": ["nope"] * 50000},
                                                       "_meta": META}}, method="tools/call")
    result = (decoded or {}).get("result") or {}
    report("e4 tools/call, 50000 bad values", m, 2000, 64, check([
        (status == 200 and result.get("isError") is True, "expected an isError result, got %d %s" % (status, data[:150])),
        (len(data) < 80 * KIB, "answer of %d bytes" % len(data)),
    ]), note="answer %d KiB" % (len(data) // KIB))

    grapheme = "a" + MARKS * (180 * KIB // 8)
    with fx.meter() as m:
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
    report("e5 initialize, clientInfo 1 grapheme", m, 1500, 64, check([
        (status == 200 and session, "expected 200 with a session, got %d %s" % (status, data[:150])),
        (stored is not None and stored <= CLIENT_INFO_BYTES + 512,
         "clientInfo stored as %s bytes (bound %d)" % (stored, CLIENT_INFO_BYTES)),
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
    for label, code in (("f1 egress flood (pipelined)", FLOOD), ("f2 egress past quota", POLITE)):
        tool = fx.tool(server, label.split()[0], code)
        with fx.meter() as m:
            status, _, data, decoded = fx.test_run(tool["id"], {})
        decoded = decoded or {}
        error = decoded.get("error") or {}
        report(label, m, 1500, 64, check([
            (status == 200, "expected 200, got %d %s" % (status, data[:150])),
            (decoded.get("status") == "killed" and decoded.get("reason") == "egress",
             "expected killed/egress, got %s/%s %s" % (decoded.get("status"), decoded.get("reason"), error)),
            (len(compact(decoded.get("egress", [])).encode()) <= 64 * KIB, "egress log over 64 KiB"),
        ]), note="%s ms; %s" % (decoded.get("duration_ms"), (error.get("message") or "")[:70]))


def case_bodies(fx):
    """(h) Request bodies at the 1 MiB bound: a flat array of half a million numbers, the same
    nested as deep as the decoder allows, and an unauthenticated one."""
    server = fx.tenant("body")
    tool = fx.tool(server, "any", ANY_ARGS)
    flat = b'{"arguments":{"x":[' + b",".join([b"0"] * ((BODY_BYTES - 64) // 2)) + b"]}}"
    with fx.meter() as m:
        status, _, data, decoded = fx.test_run(tool["id"], None, raw=flat)
    report("h1 1 MiB body, 500k numbers", m, 3000, 192, check([
        (status == 413, "expected 413 (arguments over 256 KiB), got %d %s" % (status, data[:150])),
    ]))
    results_seen = []
    for depth in (500, 510):
        inner = b",".join([b"0"] * ((BODY_BYTES - 2 * depth - 64) // 2))
        deep = b'{"arguments":{"x":' + b"[" * depth + inner + b"]" * depth + b"}}"
        with fx.meter() as m:
            status, _, data, decoded = fx.test_run(tool["id"], None, raw=deep)
        results_seen.append(status)
        report("h2 1 MiB body, %d deep" % depth, m, 5000, 256, check([
            (status in (400, 413), "expected 400 or 413, got %d %s" % (status, data[:150])),
        ]), note="HTTP %d" % status)
    with fx.meter() as m:
        answers = [request(fx.port, "POST", "/v1/tools/%s/versions/1/test-run" % tool["id"], "wk_nothing", flat)[0]
                   for _ in range(5)]
    report("h3 unauthenticated 1 MiB bodies x5", m, 1000, 64, check([
        (all(s in (401, 429) for s in answers), "expected 401/429, got %s" % answers),
    ]))


def case_console(fx):
    """(i) The console's sign-in form: 1 MiB of percent-encoded fields with a wrong key (no
    authentication needed to make the server read it)."""
    pair = b"a%41%42=%43%44&"
    form = pair * (BODY_BYTES // len(pair)) + b"api_key=wrong"
    with fx.meter() as m:
        status, _, data, _ = request(fx.port, "POST", "/ui/login", None, form,
                                     {"Content-Type": "application/x-www-form-urlencoded"})
    if status == 404:
        print("%-34s skipped: the console is not served (no templates found)" % "i1 console sign-in form")
        return
    report("i1 console form, %d fields" % (BODY_BYTES // len(pair)), m, 3000, 128, check([
        (status in (401, 429), "expected 401, got %d %s" % (status, data[:150])),
    ]))


def case_listing(fx):
    """(j) Executions whose arguments are at the bound, then one page listing them: the page's
    memory is the page size times the row size (no byte bound of its own)."""
    server = fx.tenant("list")
    tool = fx.tool(server, "any", ANY_ARGS)
    rows = 24
    blob = "x" * (ARGUMENTS_BYTES - 64)
    for n in range(rows):
        status, _, data, _ = fx.test_run(tool["id"], {"k": blob})
        if status != 200:
            report("j1 listing %d rows of 256 KiB" % rows, Unmeasured(), 0, 0, "setup run %d: %d %s" % (n, status, data[:120]))
            return
    with fx.meter() as m:
        status, _, data, decoded = request(fx.port, "GET", "/v1/executions?tool_id=%s&limit=%d" % (tool["id"], rows), fx.admin)
    items = len((decoded or {}).get("items") or [])
    report("j1 listing %d rows of 256 KiB" % rows, m, 3000, 24 * rows // 4 + 48, check([
        (status == 200 and items == rows, "expected 200 with %d items, got %d (%d)" % (rows, status, items)),
    ]), note="answer %d KiB; a page of 500 such rows would hold ~%d MiB" % (len(data) // KIB, 500 * len(data) // rows // MIB))


def case_redaction(fx):
    """(k) Redaction: the server holds a 64 KiB secret that almost matches everywhere in the
    tool's 1 MiB result and 1 MiB of stdout."""
    server = fx.tenant("redact")
    secret = "a" * (64 * KIB - 1) + "b"
    status, _, data, _ = request(fx.port, "PUT", "/v1/servers/%s/secrets/NEAR" % server, fx.admin, {"value": secret})
    if status not in (200, 201, 204):
        raise RuntimeError("PUT secret: %d %s" % (status, data[:150]))
    size = int(os.environ.get("HOSTILE_REDACTION_BYTES", str(900 * KIB)))
    code = ("def main():\n"
            "    print('a' * %d)\n"
            "    return 'a' * %d\n" % (size, size))
    tool = fx.tool(server, "near", code, approve=True)
    with fx.meter() as m:
        status, _, data, decoded = request(fx.port, "POST", "/v1/tools/%s/executions" % tool["id"], fx.admin,
                                           {"arguments": {}}, timeout=600)
    report("k1 redaction, 64 KiB near-secret", m, 3000, 128, check([
        (status == 200 and (decoded or {}).get("status") == "succeeded",
         "expected 200 succeeded, got %d %s" % (status, data[:150])),
    ]), note="result and stdout %d KiB each" % (size // KIB))


def case_rate_first(fx):
    """(l) The execution limit comes before validation: once a server's bucket is empty, a
    pathological test-run is refused with 429 without being validated."""
    server = fx.tenant("rate")
    schema, values = enum_schema_at_bound()
    tool = fx.tool(server, "enum", "def main(x: list = None):\n    return 1\n", schema)
    spent = 0
    for _ in range(fx.executions_burst + 5):   # cheap refusals spend the bucket
        status = fx.test_run(tool["id"], {"x": [1]})[0]
        spent += 1
        if status == 429:
            break
    inside = array_within(lambda i: values[(i * 7919) % len(values)], ARGUMENTS_BYTES, lambda xs: {"x": xs})
    statuses = []
    with fx.meter() as m:
        for _ in range(10):
            statuses.append(fx.test_run(tool["id"], {"x": inside})[0])
    report("l1 10 runs past the execution limit", m, 3000, 96, check([
        (all(s == 429 for s in statuses), "expected 429 each time, got %s" % statuses),
    ]), note="bucket spent after %d calls" % spent)


def slow_http(args, binary, scratch, env):
    """(g) Slow clients against a server with short time-outs: 200 half-sent request heads
    (slowloris), a body that stops, an idle kept-alive connection, and the per-address cap."""
    header_s, body_s, idle_s, per_address = 2, 3, 3, 256
    data = os.path.join(scratch, "slow")
    os.makedirs(data, mode=0o700)
    key = subprocess.run([binary, "keys", "create", "--role", "admin", "--name", "slow", "--data-dir", data],
                         check=True, capture_output=True, text=True, cwd=ROOT, timeout=120).stdout.strip()
    warden = Warden(binary, data, dict(env, WARDEN_HTTP_HEADER_TIMEOUT_SECONDS=str(header_s),
                                       WARDEN_HTTP_BODY_TIMEOUT_SECONDS=str(body_s),
                                       WARDEN_HTTP_IDLE_TIMEOUT_SECONDS=str(idle_s),
                                       WARDEN_HTTP_MAX_CONNECTIONS_PER_ADDRESS=str(per_address)), name="slow warden")
    held = []
    try:
        warden.start().wait_healthy()
        meter = Meter(warden.process.pid)

        def closed_by(sockets, deadline):
            """How many of `sockets` the server closed before `deadline` (monotonic)."""
            open_ = list(sockets)
            while open_ and time.monotonic() < deadline:
                still = []
                for s in open_:
                    s.settimeout(0)
                    try:
                        if s.recv(4096) == b"":
                            continue
                        still.append(s)   # an answer (a 408, say) and then a close also count when it closes
                    except (BlockingIOError, socket.timeout):
                        still.append(s)
                    except OSError:
                        continue          # reset: closed
                open_ = still
                if open_:
                    time.sleep(0.05)
            return len(sockets) - len(open_)

        if not args.only or "g1" in args.only:
            with meter as m:
                started = time.monotonic()
                for i in range(200):
                    s = socket.create_connection(("127.0.0.1", warden.port), timeout=5)
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-%d: " % i)
                    held.append(s)
                probe_start = time.perf_counter()
                probe = request(warden.port, "GET", "/healthz", timeout=5)[0]
                probe_ms = (time.perf_counter() - probe_start) * 1000
                closed = closed_by(held, started + header_s + 3)
                elapsed = time.monotonic() - started
            report("g1 slowloris, 200 heads", m, 1000, 48, check([
                (probe == 200 and probe_ms < 1000, "/healthz answered %d in %.0f ms" % (probe, probe_ms)),
                (closed == len(held), "%d of %d half-sent heads still open %.1f s later" % (len(held) - closed, len(held), elapsed)),
            ]), note="/healthz in %.0f ms; all closed within %.1f s" % (probe_ms, elapsed))
            for s in held:
                s.close()
            held = []

        if not args.only or "g2" in args.only:
            with meter as m:
                s = socket.create_connection(("127.0.0.1", warden.port), timeout=5)
                held.append(s)
                s.sendall(b"POST /v1/servers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key.encode() +
                          b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":")
                started = time.monotonic()
                closed = closed_by([s], started + body_s + 3)
                elapsed = time.monotonic() - started
            report("g2 body that stops", m, 500, 32, check([
                (closed == 1, "still open %.1f s after the head (body time-out %d s)" % (elapsed, body_s)),
                (elapsed >= body_s - 0.5, "closed after %.1f s, before the body time-out" % elapsed),
            ]), note="closed after %.1f s" % elapsed)
            s.close()
            held = []

        if not args.only or "g3" in args.only:
            with meter as m:
                s = socket.create_connection(("127.0.0.1", warden.port), timeout=5)
                held.append(s)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                s.settimeout(5)
                answer = s.recv(4096)
                started = time.monotonic()
                closed = closed_by([s], started + idle_s + 3)
                elapsed = time.monotonic() - started
            report("g3 idle kept-alive connection", m, 500, 32, check([
                (answer.startswith(b"HTTP/1.1 200"), "no answer: %r" % answer[:60]),
                (closed == 1, "still open %.1f s after the answer (idle time-out %d s)" % (elapsed, idle_s)),
            ]), note="closed after %.1f s" % elapsed)
            s.close()
            held = []

        if not args.only or "g4" in args.only:
            with meter as m:
                for _ in range(per_address + 40):
                    held.append(socket.create_connection(("127.0.0.1", warden.port), timeout=5))
                refused = closed_by(held, time.monotonic() + 1.0)
                other = request(warden.port, "GET", "/healthz", timeout=5, source="127.0.0.2")[0]
            report("g4 %d connections, one address" % len(held), m, 1000, 48, check([
                (refused >= 40, "only %d of %d connections past the cap of %d were closed" % (refused, len(held), per_address)),
                (other == 200, "/healthz from another address answered %d" % other),
            ]), note="%d closed at once" % refused)
    finally:
        for s in held:
            s.close()
        warden.stop()


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
         ("k", case_redaction), ("l", case_rate_first)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default="debug", choices=["debug", "release"])
    parser.add_argument("--only", help="run only the cases whose letter or name contains this")
    args = parser.parse_args()
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
    scratch = tempfile.mkdtemp(prefix="warden-hostile-")
    executions_burst = 100
    # Requests are not limited (the cases send many); executions are, per server, with a slow refill,
    # so that the last case can find the limit (each case uses servers of its own).
    env = dict(os.environ, **NO_RATE_LIMITS)
    env.update(WARDEN_RATE_EXECUTIONS_BURST=str(executions_burst), WARDEN_RATE_EXECUTIONS_PER_SECOND="0.01",
               WARDEN_WARM_WORKERS="2")
    warden = None
    try:
        data = os.path.join(scratch, "main")
        os.makedirs(data, mode=0o700)
        admin = subprocess.run([binary, "keys", "create", "--role", "admin", "--name", "hostile", "--data-dir", data],
                               check=True, capture_output=True, text=True, cwd=ROOT, timeout=120).stdout.strip()
        warden = Warden(binary, data, env).start().wait_healthy()
        fx = Fixture(warden, admin)
        fx.executions_burst = executions_burst
        for letter, case in CASES:
            if args.only and args.only not in letter and args.only not in case.__name__:
                continue
            try:
                case(fx)
            except Exception as exc:   # a case that could not finish is a failure, with its reason
                print("%-34s FAIL (stopped: %s: %s)" % (case.__name__, type(exc).__name__, str(exc)[:300]), flush=True)
                results.append((case.__name__, "FAIL"))
            if warden.process.poll() is not None:
                print("the supervisor exited (%s):\n%s" % (warden.process.returncode, warden.log_tail()))
                results.append(("supervisor alive", "FAIL"))
                break
        if not args.only or args.only.startswith("g") or "slow" in args.only:
            if not args.only or args.only == "g":
                args.only = None
            slow_http(args, binary, scratch, env)
    finally:
        if warden:
            warden.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    failed = [name for name, verdict in results if verdict != "PASS"]
    print("hostile clients: %d cases, %s" % (len(results), "all within budget" if not failed else
                                            "%d over budget or wrong: %s" % (len(failed), ", ".join(failed))))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
