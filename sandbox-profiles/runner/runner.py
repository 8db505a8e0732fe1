"""Warden runner: the program the confined interpreter runs (python3 -I -S -B /runner/runner.py).

Descriptors: 0 = the request (JSON, read to EOF), 3 = the reply (one frame: 4-byte big-endian
length + UTF-8 JSON), 2 = diagnostics, 5 (when the supervisor passes it) = the egress proxy, an
AF_UNIX stream carrying the same frames, one request then one response, strictly alternating.
The tool's print output never reaches a descriptor: it is kept in memory, bounded, and returned
inside the frame.

Order matters: install the exec ban and the import guard, THEN wait for the request. Allowed
modules are imported when a tool first asks for them, not in advance: importing the whole
allowlist costs ~70 ms of CPU per worker, which on a small host is what bounds throughput. The
import guard is a second wall only; the launcher's confinement (namespaces, seccomp, rlimits)
is the boundary.

This file only wires the runner's modules (one concern each, beside it) in that order.
"""
import os
import sys
import types

# Taken before any tool code exists, like every private reference in the modules.
_exit, _open, _read, _close = os._exit, os.open, os.read, os.close

_DIR = __file__.rpartition("/")[0] or "."
_FORK_SERVER = sys.argv[1:] == ["--fork-server"]
_listed = []


def _source(path):
    fd = _open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while True:
            b = _read(fd, 1 << 16)
            if not b:
                return b"".join(chunks)
            chunks.append(b)
    finally:
        _close(fd)   # a tool must find no descriptor of ours


def _load(name):
    # -I leaves this directory off sys.path, and the files must not be importable by a tool
    # anyway: each runs in a module object of its own, listed in sys.modules (so the later
    # files can import it) only until the import guard goes up.
    if name in sys.modules:
        raise ImportError("runner module %r would shadow a loaded module" % name)
    mod = sys.modules[name] = types.ModuleType(name)
    _listed.append(name)
    path = "%s/%s.py" % (_DIR, name)
    exec(compile(_source(path), path, "exec"), mod.__dict__)
    return mod


_load("codec")
protocol = _load("protocol")
guards = _load("guards")
guards.forbid_exec()
guards.not_dumpable()
imports = _load("imports")
_load("egress")
analysis = _load("analysis")
tool = _load("tool")
forkserver = _load("forkserver") if _FORK_SERVER else None
for _name in _listed:
    del sys.modules[_name]
imports.install()
guards.close_script_fd()


def _main():
    try:
        req = protocol.read_request()
        if not isinstance(req, dict):
            raise ValueError("the request must be a JSON object")
    except Exception as e:
        protocol.send(protocol.error("BadRequest", str(e)))
        _exit(0)
    mode = req.get("mode")
    if mode == "analyze":
        try:
            reply = analysis.analyze(req.get("code", ""))
        except (RecursionError, MemoryError) as e:  # absurdly nested source
            reply = protocol.error("SyntaxError", "code too complex to parse: %s" % type(e).__name__)
        protocol.send(reply)
    elif mode == "run":
        reply, out = tool.run(req)
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        reply["stdout"] = out.text()
        reply["stdout_truncated"] = out.truncated
        try:
            protocol.send(reply)
        except (MemoryError, RecursionError):
            protocol.send({"ok": False, "error": {"type": "MemoryError", "message": "reply too large to encode"},
                           "stdout": "", "stdout_truncated": True})
    else:
        protocol.send(protocol.error("BadRequest", "mode must be 'run' or 'analyze'"))
    # _exit: no atexit hooks or finalizers of tool objects run after the reply.
    _exit(0)


if _FORK_SERVER:
    forkserver.serve(_main)
else:
    _main()
