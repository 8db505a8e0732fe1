#!/usr/bin/python3
"""Dev driver: run every Tests/hostile/*.py tool through the real launcher and check the outcome.

    /usr/bin/python3 scripts/run-hostile.py --launcher BIN --bpf FILE.bpf [--fork-server ZYGOTE.bpf]
        [--only SUBSTR] [-v]

Each case runs as `warden-launcher run ... -- -I -S -B /runner/runner.py` with a fresh host
uid 100000+i, fd 3 = result pipe, fd 4 = status pipe. The driver enforces the wall timeout by
SIGKILLing the launcher parent, then checks that the sandbox died with it (fd 3 reaches EOF).
Outcomes: ok | blocked | ESCAPED | failed | truncated | timeout | killed:cpu | killed:memory |
killed:signal | error:STAGE | survived. Each file's first line says `# expect: OUTCOME`.
Tests/hostile/_prelude.py holds the helpers the cases share (a tool cannot import a local
module): it is no case itself, and each case runs as `prelude + "\n" + case`.
With --fork-server (the filter compiled with --zygote), each case runs as the first child of
its own fork server (runner.py --fork-server, FILE.bpf as the children's strict filter), as the
supervisor runs it by default; the server's report stands in for the launcher's status.
"""
import argparse
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROFILE = os.path.join(ROOT, "sandbox-profiles")

SANITY = [
    ("sanity_sync", "# expect: ok\ndef main():\n    return {\"ok\": 1}\n", {}),
    ("sanity_async_args", "# expect: ok\nimport asyncio, json\nasync def main(n: int = 2):\n"
     "    await asyncio.sleep(0.01)\n    print('hi')\n    return {\"n\": n, \"j\": json.dumps([1])}\n", {"n": 5}),
    ("sanity_stdlib", "# expect: ok\n" + open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "stdlib-workload.py")).read(), {}),
    ("sanity_import_refused", "# expect: failed\nimport os\ndef main():\n    return 1\n", {}),
]


PRELUDE = "_prelude.py"   # shared helpers, prepended to every Tests/hostile case


def expectation(case):
    """OUTCOME from a case's first line `# expect: OUTCOME` (read before the prelude is prepended)."""
    first = case.splitlines()[0] if case else ""
    return first.split("expect:", 1)[1].strip() if "expect:" in first else "?"


def limits():
    with open(os.path.join(PROFILE, "limits.json")) as f:
        return json.load(f)


def launch_cmd(args, i, lim, filters, runner_args):
    return [args.launcher, "run", "--uid", str(100000 + i), "--gid", str(100000 + i),
           *filters, "--python", args.python, "--bind-ro", "/usr",
           "--runner-dir", os.path.join(PROFILE, "runner"), "--profile-dir", PROFILE,
           "--tmp-bytes", str(lim["tmp_bytes"]), "--cpu-ms", str(lim["cpu_ms"]),
           "--memory-bytes", str(lim["memory_bytes"]), "--nofile", str(lim["nofile"]),
           "--fsize-bytes", str(lim["fsize_bytes"]), "--stack-bytes", str(lim["stack_bytes"]),
           "--pids", str(lim["pids"]), "--cgroup-name", "warden-hostile-%d" % i,
           "--", "-I", "-S", "-B", "/runner/runner.py", *runner_args]


def launch(args, i, code, arguments, lim):
    cmd = launch_cmd(args, i, lim, ["--seccomp", args.bpf], [])
    res_r, res_w = os.pipe()
    st_r, st_w = os.pipe()
    hi_res, hi_st = os.dup(res_w), os.dup(st_w)   # dup'd high, then placed at 3 and 4

    def place():
        os.dup2(hi_res, 3)
        os.dup2(hi_st, 4)

    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=place, close_fds=False)
    for fd in (res_w, st_w, hi_res, hi_st):
        os.close(fd)
    req = {"mode": "run", "code": code, "arguments": arguments, "secrets": {"DEMO_TOKEN": "s3cret"},
           "stdout_bytes": lim["output_bytes"], "result_bytes": lim["result_bytes"]}
    try:
        p.stdin.write(json.dumps(req).encode())
        p.stdin.close()
    except BrokenPipeError:
        pass
    return p, res_r, st_r


def launch_fork(args, i, code, arguments, lim):
    """A fork server for this case alone: wait for `ready`, hand it the child's five descriptors
    (runner.py's protocol), send the request. Returns what collect() reads, plus the report."""
    ctl, ctl_child = socket.socketpair()
    cmd = launch_cmd(args, i, lim, ["--seccomp", args.fork_server, "--child-seccomp", args.bpf], ["--fork-server"])
    st_r, st_w = os.pipe()
    null = os.open(os.devnull, os.O_WRONLY)
    hi_null, hi_st = os.dup(null), os.dup(st_w)

    def place():
        os.dup2(hi_null, 3)
        os.dup2(hi_st, 4)

    p = subprocess.Popen(cmd, stdin=ctl_child, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         preexec_fn=place, close_fds=False)
    ctl_child.close()
    for fd in (st_w, null, hi_null, hi_st):
        os.close(fd)
    ctl.settimeout(10)
    try:
        ready = ctl.recv(6)
    except OSError:
        ready = b""
    if ready != b"ready\n":
        return p, {}, st_r, ctl
    (req_r, req_w), (out_r, out_w), (diag_r, diag_w), (res_r, res_w) = (os.pipe() for _ in range(4))
    eg, eg_child = socket.socketpair()
    socket.send_fds(ctl, [b"R"], [req_r, out_w, diag_w, res_w, eg_child.fileno()])
    for fd in (req_r, out_w, diag_w, res_w):
        os.close(fd)
    eg_child.close()
    eg.close()   # no egress proxy here: the tool's first request meets EOF
    req = {"mode": "run", "code": code, "arguments": arguments, "secrets": {"DEMO_TOKEN": "s3cret"},
           "stdout_bytes": lim["output_bytes"], "result_bytes": lim["result_bytes"]}
    try:
        os.write(req_w, json.dumps(req).encode())
    except BrokenPipeError:
        pass
    os.close(req_w)
    return p, {"res": res_r, "stdout": out_r, "stderr": diag_r}, st_r, ctl


def collect_fork(p, child_fds, st_r, ctl, wall_s):
    """The child's frame and the server's report line; then close the control socket, so the
    server stops and the launcher reports on fd 4 (its status is used if there is no report)."""
    bufs = {"stdout": b"", "stderr": b"", "res": b"", "status": b""}
    timed_out = survived = False
    if child_fds:
        sel = selectors.DefaultSelector()
        for name, fd in child_fds.items():
            sel.register(fd, selectors.EVENT_READ, name)
        sel.register(ctl.fileno(), selectors.EVENT_READ, "report")
        report, deadline = b"", time.monotonic() + wall_s
        while sel.get_map() and not report.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                p.send_signal(signal.SIGKILL)   # the server is PID 1: its child dies with it
                timed_out = True
                break
            for key, _ in sel.select(timeout=min(left, 0.5)):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fd)
                elif key.data == "report":
                    report += chunk
                else:
                    bufs[key.data] += chunk[:max(0, (8 << 20) - len(bufs[key.data]))]
        sel.close()
        for fd in child_fds.values():
            os.close(fd)
        if report.endswith(b"\n"):
            bufs["status"] = report
    ctl.close()
    if not bufs["status"]:
        with os.fdopen(st_r, "rb") as f:
            bufs["status"] = f.read()
    else:
        os.close(st_r)
    bufs["stderr"] += p.stderr.read()
    p.wait()
    return bufs, timed_out, survived


def collect(p, res_r, st_r, wall_s):
    bufs = {"stdout": b"", "stderr": b"", "res": b"", "status": b""}
    sel = selectors.DefaultSelector()
    for name, fd in (("stdout", p.stdout.fileno()), ("stderr", p.stderr.fileno()), ("res", res_r), ("status", st_r)):
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ, name)
    deadline = time.monotonic() + wall_s
    timed_out = survived = False
    while sel.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            if timed_out:  # grace after the kill is over and the sandbox still holds fd 3
                survived = any(k.data == "res" for k in sel.get_map().values())
                break
            p.send_signal(signal.SIGKILL)   # only the launcher parent: PDEATHSIG must do the rest
            timed_out = True
            deadline = time.monotonic() + 3
            continue
        for key, _ in sel.select(timeout=min(left, 0.5)):
            chunk = os.read(key.fd, 1 << 16)
            if not chunk:
                sel.unregister(key.fd)
            elif len(bufs[key.data]) < (8 << 20):
                bufs[key.data] += chunk
    for key in list(sel.get_map().values()):
        sel.unregister(key.fd)
    os.close(res_r)
    os.close(st_r)
    p.wait()
    return bufs, timed_out, survived


def classify(bufs, timed_out, survived, lim):
    status = None
    try:
        status = json.loads(bufs["status"].decode())
    except ValueError:
        pass
    frame = None
    raw = bufs["res"]
    if len(raw) >= 4 and len(raw) >= 4 + int.from_bytes(raw[:4], "big"):
        try:
            frame = json.loads(raw[4:4 + int.from_bytes(raw[:4], "big")].decode())
        except ValueError:
            frame = None
    if survived:
        return "survived", status, frame
    if timed_out:
        return "timeout", status, frame
    if status is None:
        return "no-status", status, frame
    if status.get("error"):
        return "error:" + status["error"]["stage"], status, frame
    err = (frame or {}).get("error") or {}
    # CPU first: a fork server reports every SIGKILL of its child as out of memory
    if status.get("signal") == 9 and status.get("cpu_ms", 0) >= 0.95 * lim["cpu_ms"]:
        return "killed:cpu", status, frame
    if status.get("oom_killed") or err.get("type") == "MemoryError":
        return "killed:memory", status, frame
    if status.get("signal") is not None:
        return "killed:signal", status, frame
    if frame is None:
        return "failed", status, frame
    if not frame.get("ok"):
        return "failed", status, frame
    if frame.get("stdout_truncated"):
        return "truncated", status, frame
    r = frame.get("result")
    if isinstance(r, dict) and "escaped" in r:
        return ("ESCAPED" if r["escaped"] else "blocked"), status, frame
    return "ok", status, frame


def detail_of(outcome, status, frame):
    if frame and isinstance(frame.get("result"), dict) and "detail" in frame["result"]:
        return str(frame["result"]["detail"])
    if frame and frame.get("error"):
        return "%s: %s" % (frame["error"].get("type"), frame["error"].get("message", "")[:100])
    if status:
        return "exit=%s signal=%s cpu_ms=%s rss_kb=%s" % (status.get("exit_code"), status.get("signal"),
                                                          status.get("cpu_ms"), status.get("max_rss_kb"))
    return ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--launcher", required=True)
    ap.add_argument("--bpf", required=True)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--fork-server", metavar="ZYGOTE_BPF", help="run each case in a fork server's child")
    ap.add_argument("--only", default="")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    lim = limits()
    cases = [(name, code, arguments, expectation(code)) for name, code, arguments in SANITY]
    hdir = os.path.join(ROOT, "Tests", "hostile")
    with open(os.path.join(hdir, PRELUDE)) as f:
        prelude = f.read()
    for name in sorted(os.listdir(hdir)):
        if name.endswith(".py") and name != PRELUDE:
            with open(os.path.join(hdir, name)) as f:
                case = f.read()
            cases.append((name[:-3], prelude + "\n" + case, {}, expectation(case)))
    passed = failed = 0
    for i, (name, code, arguments, expect) in enumerate(cases):
        if args.only and args.only not in name:
            continue
        t0 = time.monotonic()
        if args.fork_server:
            bufs, timed_out, survived = collect_fork(*launch_fork(args, i, code, arguments, lim), lim["wall_ms"] / 1000)
        else:
            p, res_r, st_r = launch(args, i, code, arguments, lim)
            bufs, timed_out, survived = collect(p, res_r, st_r, lim["wall_ms"] / 1000)
        outcome, status, frame = classify(bufs, timed_out, survived, lim)
        ms = (time.monotonic() - t0) * 1000
        good = outcome == expect
        passed += good
        failed += not good
        print("%-4s %-28s expect %-14s got %-14s %6.0f ms  %s" % ("PASS" if good else "FAIL", name, expect,
              outcome, ms, detail_of(outcome, status, frame)[:110]))
        if args.verbose or not good:
            print("     status:", bufs["status"].decode(errors="replace").strip())
            print("     stderr:", bufs["stderr"].decode(errors="replace")[-600:].strip())
            if frame:
                print("     frame:", json.dumps(frame)[:400])
    # A launcher killed with SIGKILL (the timeout case) cannot remove its cgroup: do it here.
    # (A supervisor should send SIGTERM first: the launcher then kills the sandbox and cleans up.)
    import glob
    for d in glob.glob("/sys/fs/cgroup/*/warden-hostile-*") + glob.glob("/sys/fs/cgroup/*/*/*/warden-hostile-*"):
        try:
            os.rmdir(d)
        except OSError:
            pass
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
