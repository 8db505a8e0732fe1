#!/usr/bin/python3
"""Dev stand-in for the supervisor's egress proxy: checks the runner's `http` client without Swift.

    /usr/bin/python3 scripts/egress-dev-proxy.py --launcher BIN --bpf FILE.bpf TOOL.py [--arguments JSON]
    /usr/bin/python3 scripts/egress-dev-proxy.py --launcher BIN --bpf FILE.bpf --self-test

Runs the tool through the real launcher (as scripts/run-hostile.py does: fd 3 = result pipe,
fd 4 = status pipe) plus `--pass-fd 5`, fd 5 being the child's end of a socketpair. Each frame
the runner sends on it is answered by doing the request here with urllib, to 127.0.0.1 only
(anything else gets an "error" frame, like a host missing from allowed_hosts), never following
redirects and cutting bodies at 1 MiB as the supervisor does. Prints the tool's result frame.

--self-test starts Tests/egress/test_servers.py and checks a GET (status/text/json), a 302
returned as is, error frames raising EgressError, and a broken channel staying broken.
It is a development aid, not the supervisor's proxy: no DNS checks, no rate limits, no secrets.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROFILE = os.path.join(ROOT, "sandbox-profiles")
BODY_CAP = 1 << 20
# Test hook: a request to this host is answered with a length prefix over the runner's 8 MiB
# bound (and nothing after it), to check the runner refuses it and then stops using the channel.
OVERSIZE_HOST = "oversize.test"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx, which we pass on as it is


# ProxyHandler({}): never route through an http_proxy from the environment.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def _error(kind, message):
    return {"error": {"type": kind, "message": message}}


def perform(req):
    """Answer one request frame with a response or error frame."""
    url = req.get("url")
    if not isinstance(url, str):
        return _error("BadRequest", "url must be a string")
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1":
        return _error("HostNotAllowed", "host %s is not in this server's allowed_hosts" % parts.hostname)
    body = req.get("body")
    r = urllib.request.Request(url, data=None if body is None else body.encode("utf-8"),
                               headers=req.get("headers") or {}, method=req.get("method") or "GET")
    timeout = (req.get("timeout_ms") or 10000) / 1000
    try:
        try:
            resp = OPENER.open(r, timeout=timeout)
        except urllib.error.HTTPError as e:
            resp = e  # 3xx (not followed), 4xx and 5xx are answers, not failures
        with resp:
            data = resp.read(BODY_CAP + 1)
            headers = {}
            for k, v in resp.headers.items():
                k = k.lower()
                headers[k] = headers[k] + ", " + v if k in headers else v
            return {"status": resp.status, "headers": headers,
                    "body": data[:BODY_CAP].decode("utf-8", "replace"),
                    "truncated": len(data) > BODY_CAP, "url": url}
    except TimeoutError:
        return _error("Timeout", "no answer from %s within %.1f s" % (parts.netloc, timeout))
    except (urllib.error.URLError, OSError) as e:
        return _error("ConnectionFailed", "%s: %s" % (parts.netloc, getattr(e, "reason", e)))


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def serve_egress(sock, log):
    """One frame in, one frame out, until the worker closes its end."""
    while True:
        head = _recv_exact(sock, 4)
        if head is None:
            return
        raw = _recv_exact(sock, int.from_bytes(head, "big"))
        if raw is None:
            return
        req = json.loads(raw.decode("utf-8"))
        if urlsplit(req.get("url") or "").hostname == OVERSIZE_HOST:
            log.append("%s %s -> oversized frame" % (req.get("method"), req.get("url")))
            sock.sendall((9 << 20).to_bytes(4, "big"))
            continue
        reply = perform(req)
        log.append("%s %s -> %s" % (req.get("method"), req.get("url"),
                                     reply.get("status") or reply["error"]["type"]))
        data = json.dumps(reply).encode("utf-8")
        try:
            sock.sendall(len(data).to_bytes(4, "big") + data)
        except OSError:
            return


def _drain(fd, out):
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        out.append(chunk)
    os.close(fd)


def run_tool(args, code, arguments):
    """Run one tool with egress on fd 5; returns (result frame or None, status, egress log, stderr)."""
    with open(os.path.join(PROFILE, "limits.json")) as f:
        lim = json.load(f)
    cmd = [args.launcher, "run", "--uid", "100000", "--gid", "100000",
           "--seccomp", args.bpf, "--python", args.python, "--bind-ro", "/usr",
           "--runner-dir", os.path.join(PROFILE, "runner"), "--profile-dir", PROFILE,
           "--tmp-bytes", str(lim["tmp_bytes"]), "--cpu-ms", str(lim["cpu_ms"]),
           "--memory-bytes", str(lim["memory_bytes"]), "--nofile", str(lim["nofile"]),
           "--fsize-bytes", str(lim["fsize_bytes"]), "--stack-bytes", str(lim["stack_bytes"]),
           "--pids", str(lim["pids"]), "--cgroup-name", "warden-egress-dev-%d" % os.getpid(),
           "--pass-fd", "5", "--", "-I", "-S", "-B", "/runner/runner.py"]
    res_r, res_w = os.pipe()
    st_r, st_w = os.pipe()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    # dup'd above every descriptor we hold, then placed at 3, 4, 5 in the child only
    hi = [os.dup(res_w), os.dup(st_w), os.dup(theirs.fileno())]

    def place():
        for target, fd in zip((3, 4, 5), hi):
            os.dup2(fd, target)

    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=place, close_fds=False)
    # Drop our copies of the child's ends: EOF on fd 3 and on the socket then means it is gone.
    for fd in [res_w, st_w] + hi:
        os.close(fd)
    theirs.close()
    res, status, log = [], [], []
    threads = [threading.Thread(target=_drain, args=(res_r, res)),
               threading.Thread(target=_drain, args=(st_r, status)),
               threading.Thread(target=serve_egress, args=(ours, log))]
    for t in threads:
        t.start()
    req = {"mode": "run", "code": code, "arguments": arguments, "secrets": {},
           "stdout_bytes": lim["output_bytes"], "result_bytes": lim["result_bytes"]}
    try:
        _, err = p.communicate(json.dumps(req).encode(), timeout=lim["wall_ms"] / 1000 + 5)
    except subprocess.TimeoutExpired:
        p.terminate()  # SIGTERM: the launcher kills the sandbox and removes its cgroup
        _, err = p.communicate()
    for t in threads:
        t.join()
    ours.close()
    raw = b"".join(res)
    frame = None
    if len(raw) >= 4 and len(raw) == 4 + int.from_bytes(raw[:4], "big"):
        frame = json.loads(raw[4:].decode("utf-8"))
    return frame, b"".join(status).decode(errors="replace").strip(), log, err.decode(errors="replace")


SELF_TEST_TOOL = r'''
def main(origin: int):
    base = "http://127.0.0.1:%d" % origin
    out = {}
    r = http.get(base + "/ok", params={"q": "a b", "n": 2}, headers={"X-Demo": "yes"}, timeout=5)
    out["ok"] = {"status": r.status, "ok": r.ok, "json": r.json(), "text_is_str": isinstance(r.text, str),
                 "content_type": r.headers.get("content-type"), "url": r.url, "truncated": r.truncated}
    r = http.get(base + "/redirect")
    out["redirect"] = {"status": r.status, "is_redirect": r.is_redirect, "location": r.headers.get("location")}
    r = http.post(base + "/echo", json={"n": 1})
    out["post_json"] = r.json()
    r = http.put(base + "/echo", data=b"raw \xc3\xa9", headers={"Content-Type": "text/plain"})
    out["put_data"] = r.json()
    r = http.get(base + "/big")
    out["big"] = {"len": len(r.text), "truncated": r.truncated}
    for name, url, kw in (("refused", "http://api.example.com/x", {}),
                          ("timeout", base + "/slow", {"timeout": 1})):
        try:
            http.get(url, **kw)
            out[name] = "no error"
        except http.EgressError as e:
            out[name] = [type(e).__name__, str(e), e.kind]
    try:
        http.get(base + "/ok", headers={"X-A": "1\r\nX-Injected: 1"})
        out["crlf"] = "accepted"
    except ValueError as e:
        out["crlf"] = "ValueError"
    try:
        http.get("http://oversize.test/")
        out["oversize"] = "accepted"
    except http.EgressError as e:
        out["oversize"] = str(e)
    try:
        http.get(base + "/ok")
        out["after_oversize"] = "worked"
    except http.EgressError as e:
        out["after_oversize"] = str(e)
    return out
'''

UNCAUGHT_TOOL = '''
def main():
    http.get("http://api.example.com/forecast")
    return "unreachable"
'''


def self_test(args):
    servers = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests", "egress", "test_servers.py")],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    ports = json.loads(servers.stdout.readline())
    failures = 0

    def check(name, good, detail):
        nonlocal failures
        failures += not good
        print("%-4s %-22s %s" % ("PASS" if good else "FAIL", name, json.dumps(detail)[:160]))

    try:
        frame, status, log, err = run_tool(args, SELF_TEST_TOOL, {"origin": ports["origin"]})
        print("egress log:\n  " + "\n  ".join(log))
        if not frame or not frame.get("ok"):
            print("tool failed:", json.dumps(frame), status, err[-800:])
            return 1
        r = frame["result"]
        ok = r["ok"]
        check("get ok/json", ok["status"] == 200 and ok["ok"] and ok["json"]["ok"] is True and ok["text_is_str"]
              and ok["json"]["query"] == "q=a+b&n=2" and ok["json"]["headers"].get("x-demo") == "yes"
              and ok["content_type"] == "application/json" and not ok["truncated"], ok)
        rd = r["redirect"]
        with urllib.request.urlopen("http://127.0.0.1:%d/_hits" % ports["canary"]) as f:
            hits = json.load(f)["hits"]
        check("302 not followed", rd["status"] == 302 and rd["is_redirect"]
              and rd["location"] == "http://127.0.0.1:%d/canary" % ports["canary"] and hits == [],
              dict(rd, canary_hits=hits))
        check("post json=", r["post_json"] == {"method": "POST", "body": '{"n": 1}', "content_type": "application/json"},
              r["post_json"])
        check("put data=bytes", r["put_data"] == {"method": "PUT", "body": "raw \u00e9", "content_type": "text/plain"},
              r["put_data"])
        check("big truncated", r["big"] == {"len": BODY_CAP, "truncated": True}, r["big"])
        check("error frame", r["refused"] == ["EgressError", "host api.example.com is not in this server's allowed_hosts",
                                              "HostNotAllowed"], r["refused"])
        check("timeout", r["timeout"][0] == "EgressError" and r["timeout"][2] == "Timeout", r["timeout"])
        check("crlf refused", r["crlf"] == "ValueError", r["crlf"])
        check("oversize frame", "larger than 8388608" in r["oversize"], r["oversize"])
        check("broken stays broken", r["after_oversize"].startswith("egress channel unusable"), r["after_oversize"])

        frame, status, log, err = run_tool(args, UNCAUGHT_TOOL, {})
        e = (frame or {}).get("error") or {}
        check("uncaught -> type", e.get("type") == "EgressError" and "allowed_hosts" in e.get("message", ""), frame)
    finally:
        servers.stdin.close()
        servers.wait()
    print("%s" % ("self-test passed" if not failures else "%d check(s) failed" % failures))
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--launcher", required=True)
    ap.add_argument("--bpf", required=True)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--arguments", default="{}", help="the tool's arguments, a JSON object")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("tool", nargs="?", help="a tool file defining main()")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args)
    if not args.tool:
        ap.error("give a TOOL.py or --self-test")
    with open(args.tool) as f:
        code = f.read()
    frame, status, log, err = run_tool(args, code, json.loads(args.arguments))
    for line in log:
        print("egress:", line, file=sys.stderr)
    if frame is None:
        print("no result frame; status: %s\n%s" % (status, err[-2000:]), file=sys.stderr)
        return 1
    print(json.dumps(frame, indent=2, ensure_ascii=False))
    return 0 if frame.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
