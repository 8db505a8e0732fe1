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
"""
import _json
import builtins
import os
import sys
import types
from stat import S_ISSOCK as _S_ISSOCK

# Private references, taken before any tool code exists. The tool never gets `os` through
# the guard; these names are only reachable by the frame tricks the OS layer is there for.
_write, _read, _exit, _fstat, _stat, _close = os.write, os.read, os._exit, os.fstat, os.stat, os.close
_real_import = builtins.__import__
_MappingProxy = types.MappingProxyType
_CoroutineType = types.CoroutineType


# ---- JSON, straight from the C accelerator ----
# Not `json`: importing it pulls in `re` and compiles regexes, ~9 ms of CPU in every worker,
# and a tool may rebind json.dumps/loads. These are the runner's own, made before any tool exists.

class _DecodeContext:
    strict = True
    object_hook = object_pairs_hook = None
    parse_float, parse_int = float, int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


_scan = _json.make_scanner(_DecodeContext())
_WS = " \t\n\r"


def _loads(text):
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8")
    start = len(text) - len(text.lstrip(_WS))
    try:
        value, end = _scan(text, start)
    except StopIteration as e:
        raise ValueError("invalid JSON at offset %d" % e.value) from None
    if text[end:].strip(_WS):
        raise ValueError("extra data after JSON at offset %d" % end)
    return value


def _not_serializable(o):
    raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


_quote, _quote_ascii, _make_encoder = _json.encode_basestring, _json.encode_basestring_ascii, _json.make_encoder


def _dumps(value, ensure_ascii=True, allow_nan=True):
    quote = _quote_ascii if ensure_ascii else _quote
    if isinstance(value, str):
        return quote(value)
    # A fresh marker dict per call: the encoder finds reference cycles with it.
    return "".join(_make_encoder({}, _not_serializable, quote, None, ": ", ", ", False, False, allow_nan)(value, 0))


REQUEST_MAX = 8 << 20
RESULT_FD = 3
EGRESS_FD = 5
EGRESS_FRAME_MAX = 8 << 20   # the supervisor caps bodies at 1 MiB; this only bounds our reads
_egress_request_max = EGRESS_FRAME_MAX   # the supervisor's cap for this execution, from the request


def _diag(msg):
    try:
        _write(2, ("warden-runner: %s\n" % msg).encode("utf-8", "replace"))
    except OSError:
        pass   # nobody reading is no reason to fail what the message was about


def _close_script_fd():
    # CPython keeps this script open while it runs; the tool must see no descriptor but 0-3
    # (and the egress socket on 5, which is never the script: the inode check keeps it).
    try:
        me = _stat(sys.argv[0])
    except OSError:
        return
    for fd in range(4, 64):
        try:
            st = _fstat(fd)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (me.st_dev, me.st_ino):
            _close(fd)


_SELF_PID = 0x5EC0FFEE   # `SELF_PID` in seccomp.policy: the loader puts its own pid there


def _filter_loader(program):
    """A function that stacks this seccomp filter (raw BPF, 8 bytes an instruction) over the
    calling process's own. Built ahead, so a fork server's child only makes the one call. A
    stacked filter can only take away: the kernel applies the strictest answer of all.
    A filter with SELF_PID rules must be loaded as load(pid): the caller's pid goes there."""
    ctypes = _real_import("ctypes")   # past the import guard, which may be in place already
    program = bytes(program)
    self_pid = []   # offsets of the `k` fields holding SELF_PID
    for i in range(0, len(program), 8):
        if int.from_bytes(program[i + 4:i + 8], sys.byteorder) == _SELF_PID:
            if int.from_bytes(program[i:i + 2], sys.byteorder) != 0x15:   # BPF_JMP|BPF_JEQ|BPF_K
                raise ValueError("SELF_PID in BPF instruction %d, which is no equality test" % (i // 8))
            self_pid.append(i + 4)

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    code = ctypes.create_string_buffer(bytes(program), len(program))
    prog = Prog(len(program) // 8, ctypes.addressof(code))
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def load(pid=None):
        if (pid is None) != (not self_pid):   # fail closed: never load a placeholder as it is
            raise ValueError("filter has %d SELF_PID fields, pid given: %r" % (len(self_pid), pid))
        for off in self_pid:
            code[off:off + 4] = pid.to_bytes(4, sys.byteorder)
        if prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:   # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")
        return code   # naming `code` here keeps the buffer alive: `prog` holds only its address
    return load


def _forbid_exec():
    # The launcher's filter has to allow its own execveat(1000, "", ..., AT_EMPTY_PATH), and a
    # filter cannot read the path: with an absolute one the kernel ignores fd 1000, so any file
    # in the sandbox could be executed. Stack a filter refusing execve/execveat for good; fail
    # closed (no tool runs) if that is not possible.
    try:
        arch, nrs = {"x86_64": (0xC000003E, (59, 322)), "aarch64": (0xC00000B7, (221, 281))}[os.uname().machine]

        def insn(code, jt, jf, k):
            return code.to_bytes(2, sys.byteorder) + bytes((jt, jf)) + k.to_bytes(4, sys.byteorder)

        ld, jeq, ret = 0x20, 0x15, 0x06
        _filter_loader(b"".join((
            insn(ld, 0, 0, 4),              # arch
            insn(jeq, 0, 3, arch),          # another arch: the launcher's filter kills it
            insn(ld, 0, 0, 0),              # syscall number
            insn(jeq, 2, 0, nrs[0]),
            insn(jeq, 1, 0, nrs[1]),
            insn(ret, 0, 0, 0x7FFF0000),    # SECCOMP_RET_ALLOW
            insn(ret, 0, 0, 0x00050001),    # SECCOMP_RET_ERRNO | EPERM
        )))()
    except Exception as e:
        _diag("cannot forbid exec, refusing to run tools: %r" % (e,))
        _exit(70)


def _not_dumpable():
    # execve made the interpreter dumpable again; a dumpable process's memory (and, with a
    # /proc, its files) is open to every process of its uid. Children inherit the flag.
    try:
        prctl = _real_import("ctypes").CDLL(None, use_errno=True).prctl
        prctl(4, 0, 0, 0, 0)   # PR_SET_DUMPABLE 0
        if prctl(3, 0, 0, 0, 0) != 0:   # PR_GET_DUMPABLE
            raise OSError("still dumpable")
    except Exception as e:
        _diag("cannot make the worker non-dumpable, refusing to run tools: %r" % (e,))
        _exit(70)


_forbid_exec()
_not_dumpable()


def _load_allowlist(path="/profile/modules.allow"):
    names = []
    with builtins.open(path, encoding="utf-8") as f:
        for line in f:
            name = line.split("#", 1)[0].strip()
            if name:
                names.append(name)
    return frozenset(names)


ALLOWED = _load_allowlist()
_ALLOWED_TEXT = ", ".join(sorted(ALLOWED))


def _refuse(name):
    return ImportError("module '%s' is not allowed in Warden tools (allowed: %s)" % (name, _ALLOWED_TEXT), name=name)


_importing = 0   # > 0 while an allowed module is being loaded


def _guard(name, globals=None, locals=None, fromlist=(), level=0):
    """builtins.__import__ replacement: a tool may import allowlisted names only. While an allowed
    module loads, its own imports (its internals) pass; the tool runs no code meanwhile."""
    global _importing
    if _importing:
        return _real_import(name, globals, locals, fromlist, level)
    if not isinstance(name, str):
        raise TypeError("module name must be str")
    if level:
        # Relative imports come from the standard library's own lazy imports (tools have no
        # package). Resolve them; an already-loaded submodule of an allowed package is just an
        # attribute of what the tool has anyway, so it may be returned, but nothing is loaded.
        pkg = globals.get("__package__") if isinstance(globals, dict) else None
        parts = pkg.rsplit(".", level - 1) if isinstance(pkg, str) and pkg else []
        if len(parts) < level:
            raise ImportError("relative imports are not allowed in Warden tools")
        absname = parts[0] + ("." + name if name else "")
        top = absname.split(".")[0]
        if top not in ALLOWED or (absname not in ALLOWED and absname not in sys.modules):
            raise _refuse(absname)
    else:
        absname = name
        if absname not in ALLOWED:
            raise _refuse(absname)
    _importing += 1
    try:
        # Load the allowed module itself first, so `from pkg import sub` can be checked against
        # what the module really has: an unlisted submodule must not be loaded behind our back.
        mod = _real_import(absname, {}, {}, ("__name__",), 0)
        for item in fromlist or ():
            if isinstance(item, str) and item != "*" and not hasattr(mod, item):
                if absname + "." + item not in ALLOWED:
                    raise _refuse(absname + "." + item)
        return _real_import(name, globals, locals, fromlist, level)
    finally:
        _importing -= 1


def _load(name):
    """The runner's own late imports: past the guard, internals included."""
    global _importing
    _importing += 1
    try:
        return _real_import(name, {}, {}, ("__name__",), 0)
    finally:
        _importing -= 1


builtins.__import__ = _guard
_close_script_fd()


# ---- talking to the supervisor ----

def _send(obj):
    try:
        data = _dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates in some string: escape everything
        data = _dumps(obj, ensure_ascii=True).encode("utf-8")
    frame = len(data).to_bytes(4, "big") + data
    off = 0
    while off < len(frame):
        off += _write(RESULT_FD, frame[off:])


def _read_request():
    chunks, size = [], 0
    while True:
        b = _read(0, 1 << 16)
        if not b:
            break
        size += len(b)
        if size > REQUEST_MAX:
            raise ValueError("request larger than %d bytes" % REQUEST_MAX)
        chunks.append(b)
    return _loads(b"".join(chunks).decode("utf-8"))


def _framed_size(s):
    # What `s` costs inside the reply frame: its JSON-escaped UTF-8, without the quotes.
    return len(_quote(s).encode("utf-8", "replace")) - 2


class _BoundedWriter:
    """sys.stdout/sys.stderr for the tool: keeps what fits in `limit` bytes of the reply frame
    (UTF-8, JSON escapes counted, so the supervisor's frame cap holds), then only counts."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, limit):
        self._parts, self._size, self._limit, self.truncated = [], 0, limit, False

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        if self.truncated:
            return len(s)
        n = len(s)
        room = self._limit - self._size
        if _framed_size(s) > room:
            self.truncated = True
            lo, hi = 0, min(n, room)   # the longest prefix that fits: ~20 halvings at most
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if _framed_size(s[:mid]) <= room:
                    lo = mid
                else:
                    hi = mid - 1
            s = s[:lo]
        self._parts.append(s.encode("utf-8", "replace"))
        self._size += _framed_size(s)
        return n

    def flush(self):
        pass

    def isatty(self):
        return False

    def writable(self):
        return True

    def text(self):
        return b"".join(self._parts).decode("utf-8", "ignore")


class EgressError(Exception):
    """A request the egress proxy refused or could not carry out (the supervisor reports the
    type name, so it must stay `EgressError`)."""

    def __init__(self, message, kind=None):
        super().__init__(message)
        self.kind = kind  # the proxy's error type, e.g. "HostNotAllowed"; None for local failures


_METHODS = frozenset(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"))
_REDIRECTS = frozenset((301, 302, 303, 307, 308))


def _check_header_text(what, s):
    if not isinstance(s, str):
        raise TypeError("header %s must be str, not %s" % (what, type(s).__name__))
    # CR/LF would let a tool append headers (or a second request) of its own; NUL is never valid.
    if "\r" in s or "\n" in s or "\0" in s:
        raise ValueError("header %s must not contain CR, LF or NUL: %r" % (what, s))


class Response:
    """What the proxy answered. Redirects are never followed: a 3xx is returned as it is."""

    __slots__ = ("status", "headers", "text", "url", "truncated")

    def __init__(self, status, headers, text, url, truncated):
        self.status, self.headers, self.text, self.url, self.truncated = status, headers, text, url, truncated

    @property
    def ok(self):
        return 200 <= self.status < 300

    @property
    def is_redirect(self):
        return self.status in _REDIRECTS

    def json(self):
        return _loads(self.text)

    def __repr__(self):
        return "<Response [%d]>" % self.status


class _Http:
    """The tool's `http` global: a small, requests-like client. Every request is one frame on
    fd 5 to the supervisor's egress proxy, which decides what may leave the worker."""

    EgressError = EgressError
    Response = Response

    def __init__(self):
        self._broken = None  # set when a frame exchange failed halfway: the stream is out of step

    def get(self, url, params=None, headers=None, timeout=None):
        return self.request("GET", url, params=params, headers=headers, timeout=timeout)

    def head(self, url, params=None, headers=None, timeout=None):
        return self.request("HEAD", url, params=params, headers=headers, timeout=timeout)

    def delete(self, url, params=None, headers=None, timeout=None, json=None, data=None):
        return self.request("DELETE", url, params=params, json=json, data=data, headers=headers, timeout=timeout)

    def post(self, url, json=None, data=None, headers=None, timeout=None, params=None):
        return self.request("POST", url, params=params, json=json, data=data, headers=headers, timeout=timeout)

    def put(self, url, json=None, data=None, headers=None, timeout=None, params=None):
        return self.request("PUT", url, params=params, json=json, data=data, headers=headers, timeout=timeout)

    def patch(self, url, json=None, data=None, headers=None, timeout=None, params=None):
        return self.request("PATCH", url, params=params, json=json, data=data, headers=headers, timeout=timeout)

    def request(self, method, url, params=None, json=None, data=None, headers=None, timeout=None):
        frame = _egress_frame(method, url, params, json, data, headers, timeout)
        if self._broken:
            raise EgressError(self._broken)
        try:
            st = _fstat(EGRESS_FD)
        except OSError:
            st = None
        if st is None or not _S_ISSOCK(st.st_mode):
            raise EgressError("egress is not available in this worker")
        try:
            _egress_send(frame)
            reply = _egress_recv()
        except BaseException as e:
            # Whatever happened (proxy gone, oversized frame, even a KeyboardInterrupt), a reply
            # may still be in flight: reading it as the answer to the next request would be
            # wrong, so the channel is closed for the rest of this run.
            self._broken = "egress channel unusable after an earlier failure: %s" % e
            if isinstance(e, EgressError):
                raise
            if isinstance(e, OSError):
                raise EgressError("egress proxy connection failed: %s" % e) from None
            raise
        return _egress_response(reply)


def _egress_frame(method, url, params, json_, data, headers, timeout):
    """Validate the tool's arguments and build the request frame (bytes, length prefix included)."""
    if not isinstance(method, str) or method.upper() not in _METHODS:
        raise ValueError("method must be one of %s" % ", ".join(sorted(_METHODS)))
    if not isinstance(url, str):
        raise TypeError("url must be str, not %s" % type(url).__name__)
    if "\r" in url or "\n" in url or "\0" in url:
        raise ValueError("url must not contain CR, LF or NUL")
    if params:
        if not isinstance(params, dict):
            raise TypeError("params must be a dict")
        base, hash_, fragment = url.partition("#")
        base += ("&" if "?" in base else "?") + _load("urllib.parse").urlencode(params, doseq=True)
        url = base + hash_ + fragment
    hdrs = {}
    if headers is not None:
        if not isinstance(headers, dict):
            raise TypeError("headers must be a dict of str to str")
        for k, v in headers.items():
            _check_header_text("name", k)
            _check_header_text("value", v)
            hdrs[k] = v
    if json_ is not None and data is not None:
        raise ValueError("pass json= or data=, not both")
    body = None
    if json_ is not None:
        body = _dumps(json_)
        if not any(k.lower() == "content-type" for k in hdrs):
            hdrs["Content-Type"] = "application/json"
    elif isinstance(data, (bytes, bytearray)):
        body = bytes(data).decode("utf-8")  # the frame is JSON text: binary bodies cannot travel
    elif isinstance(data, str):
        body = data
    elif data is not None:
        raise TypeError("data must be str or bytes, not %s" % type(data).__name__)
    timeout_ms = None
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError("timeout must be a positive number of seconds")
        timeout_ms = max(1, int(timeout * 1000))
    req = {"method": method.upper(), "url": url, "headers": hdrs, "body": body, "timeout_ms": timeout_ms}
    try:
        payload = _dumps(req, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: the escaped form is still valid JSON
        payload = _dumps(req, ensure_ascii=True).encode("utf-8")
    if len(payload) > _egress_request_max:   # the supervisor would stop the worker for it
        raise EgressError("request larger than %d bytes" % _egress_request_max)
    return len(payload).to_bytes(4, "big") + payload


def _egress_send(frame):
    off = 0
    while off < len(frame):
        off += _write(EGRESS_FD, frame[off:])


def _egress_read_exact(n):
    parts, left = [], n
    while left:
        b = _read(EGRESS_FD, min(left, 1 << 16))
        if not b:
            raise EgressError("egress proxy closed the connection")
        parts.append(b)
        left -= len(b)
    return b"".join(parts)


def _egress_recv():
    size = int.from_bytes(_egress_read_exact(4), "big")
    if size > EGRESS_FRAME_MAX:
        raise EgressError("egress response of %d bytes is larger than %d" % (size, EGRESS_FRAME_MAX))
    try:
        return _loads(_egress_read_exact(size).decode("utf-8"))
    except ValueError:
        raise EgressError("egress proxy sent a malformed frame") from None


def _egress_response(reply):
    if not isinstance(reply, dict):
        raise EgressError("egress proxy sent a malformed frame")
    err = reply.get("error")
    if err is not None:
        if not isinstance(err, dict):
            raise EgressError(str(err))
        kind = err.get("type")
        raise EgressError(str(err.get("message") or kind or "egress request failed"),
                          kind if isinstance(kind, str) else None)
    status, headers, body = reply.get("status"), reply.get("headers"), reply.get("body")
    if (isinstance(status, bool) or not isinstance(status, int) or not isinstance(headers, dict)
            or not isinstance(body, str)):
        raise EgressError("egress proxy sent a malformed response")
    url = reply.get("url")
    return Response(status, {str(k).lower(): str(v) for k, v in headers.items()}, body,
                    url if isinstance(url, str) else "", bool(reply.get("truncated")))


# ---- analyze: never executes the code ----

_SIMPLE = {"str": "string", "int": "integer", "float": "number", "bool": "boolean",
           "list": "array", "List": "array", "Sequence": "array", "tuple": "array", "Tuple": "array",
           "set": "array", "Set": "array", "dict": "object", "Dict": "object", "Mapping": "object",
           "None": "null", "NoneType": "null"}


def _or_null(s):
    if "type" in s and isinstance(s["type"], str):
        return dict(s, type=[s["type"], "null"])
    return {} if not s else {"anyOf": [s, {"type": "null"}]}


def _union(schemas):
    if any(not s for s in schemas):
        return {}
    if all(set(s) == {"type"} and isinstance(s["type"], str) for s in schemas):
        types_ = []
        for s in schemas:
            if s["type"] not in types_:
                types_.append(s["type"])
        return {"type": types_[0] if len(types_) == 1 else types_}
    return {"anyOf": schemas}


def _schema(node):
    """JSON Schema for an annotation node; {} when unknown (accepts anything)."""
    if node is None:
        return {}
    if isinstance(node, ast.Constant):
        if node.value is None:
            return {"type": "null"}
        if isinstance(node.value, str):  # "int" written as a string annotation
            try:
                return _schema(ast.parse(node.value, mode="eval").body)
            except SyntaxError:
                return {}
        return {}
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = node.id if isinstance(node, ast.Name) else node.attr
        return {"type": _SIMPLE[name]} if name in _SIMPLE else {}
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union([_schema(node.left), _schema(node.right)])
    if isinstance(node, ast.Subscript):
        base = _schema_name(node.value)
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base == "Optional":
            return _or_null(_schema(args[0]))
        if base == "Union":
            return _union([_schema(a) for a in args])
        if base == "Literal":
            vals = [a.value for a in args if isinstance(a, ast.Constant)]
            return {"enum": vals} if len(vals) == len(args) else {}
        if _SIMPLE.get(base) == "array":
            out = {"type": "array"}
            if base in ("list", "List", "Sequence", "set", "Set") and len(args) == 1:
                item = _schema(args[0])
                if item:
                    out["items"] = item
            return out
        if _SIMPLE.get(base) == "object":
            return {"type": "object"}
        return {}
    return {}


def _schema_name(node):
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


ast = None   # loaded by _analyze: only analysis workers pay for it


def _analyze(code):
    global ast
    ast = _load("ast")
    try:
        tree = ast.parse(code, filename="<tool>")
    except SyntaxError as e:
        return {"ok": False, "error": {"type": "SyntaxError", "message": "line %s: %s" % (e.lineno, e.msg),
                                       "line": e.lineno}}
    imports = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["." * node.level + (node.module or "")] if node.level else [node.module]
        else:
            continue
        for n in names:
            if n not in imports:
                imports.append(n)
    disallowed = [n for n in imports if n not in ALLOWED]
    main = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "main":
            main = node
    if main is None:
        return {"ok": False, "error": {"type": "MissingMain",
                                       "message": "the tool must define a top-level `def main(...)` or `async def main(...)`"},
                "imports": imports, "disallowed_imports": disallowed}
    a = main.args
    params = a.posonlyargs + a.args
    defaults = [None] * (len(params) - len(a.defaults)) + list(a.defaults)
    params += a.kwonlyargs
    defaults += list(a.kw_defaults)
    props, required = {}, []
    for p, d in zip(params, defaults):
        s = _schema(p.annotation)
        if d is None:
            required.append(p.arg)
        else:
            try:
                value = ast.literal_eval(d)
                _dumps(value, allow_nan=False)
                s = dict(s, default=value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                pass  # not a literal: no default in the schema, still optional
        props[p.arg] = s
    schema = {"type": "object", "properties": props, "required": required,
              "additionalProperties": bool(a.vararg or a.kwarg)}
    return {"ok": True, "schema": schema, "imports": imports, "disallowed_imports": disallowed,
            "is_async": isinstance(main, ast.AsyncFunctionDef)}


# ---- run ----

_REMOVED = ("open", "breakpoint", "input", "exit", "quit", "help", "copyright", "credits", "license")


def _tool_builtins():
    b = {k: v for k, v in builtins.__dict__.items() if k not in _REMOVED}
    b["__import__"] = _guard
    return b


def _tool_line(tb):
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<tool>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _error(kind, message, line=None):
    err = {"type": kind[:200], "message": message}
    if line is not None:
        err["line"] = line
    return {"ok": False, "error": err}


def _run(req):
    global _egress_request_max
    _egress_request_max = int(req.get("egress_frame_bytes") or EGRESS_FRAME_MAX)
    out = _BoundedWriter(int(req.get("stdout_bytes") or 1 << 20))
    result_max = int(req.get("result_bytes") or 1 << 20)
    args = req.get("arguments") or {}
    if not isinstance(args, dict):
        return _error("TypeError", "arguments must be a JSON object"), out
    g = {"__builtins__": _tool_builtins(), "__name__": "tool",
         "secrets": _MappingProxy(dict(req.get("secrets") or {})), "http": _Http()}
    sys.stdout = sys.stderr = out
    try:
        code = compile(req.get("code", ""), "<tool>", "exec")
        exec(code, g)
        main = g.get("main")
        if not callable(main):
            return _error("MissingMain", "the tool defines no callable main"), out
        value = main(**args)
        if isinstance(value, _CoroutineType):
            value = _load("asyncio").run(value)   # only async tools pay for the event loop
    except MemoryError:
        return _error("MemoryError", "the tool ran out of memory"), out
    except SyntaxError as e:
        return _error("SyntaxError", "line %s: %s" % (e.lineno, e.msg), e.lineno), out
    except BaseException as e:  # SystemExit and KeyboardInterrupt too: the tool ends, we reply
        return _error(type(e).__name__, str(e)[:4096], _tool_line(e.__traceback__)), out
    try:
        encoded = _dumps(value, ensure_ascii=False, allow_nan=False)
    except RecursionError:
        return _error("ResultTooDeep", "the result is nested too deeply to encode as JSON"), out
    except MemoryError:
        return _error("MemoryError", "out of memory while encoding the result"), out
    except (TypeError, ValueError) as e:
        return _error("TypeError", "the result is not JSON-serialisable: %s" % e), out
    except BaseException as e:  # e.g. a __str__-like hook raising inside a dict subclass
        return _error(type(e).__name__, "encoding the result failed: %s" % e), out
    if len(encoded.encode("utf-8", "surrogatepass")) > result_max:
        return _error("ResultTooLarge", "the result is larger than %d bytes" % result_max), out
    # Reply with what was checked, as plain JSON values: encoding `value` again in _send would
    # run the tool's code (a dict subclass's items()) a second time, free to return more.
    return {"ok": True, "result": _loads(encoded)}, out


def _main():
    try:
        req = _read_request()
        if not isinstance(req, dict):
            raise ValueError("the request must be a JSON object")
    except Exception as e:
        _send(_error("BadRequest", str(e)))
        _exit(0)
    mode = req.get("mode")
    if mode == "analyze":
        try:
            reply = _analyze(req.get("code", ""))
        except (RecursionError, MemoryError) as e:  # absurdly nested source
            reply = _error("SyntaxError", "code too complex to parse: %s" % type(e).__name__)
        _send(reply)
    elif mode == "run":
        reply, out = _run(req)
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        reply["stdout"] = out.text()
        reply["stdout_truncated"] = out.truncated
        try:
            _send(reply)
        except (MemoryError, RecursionError):
            _send({"ok": False, "error": {"type": "MemoryError", "message": "reply too large to encode"},
                   "stdout": "", "stdout_truncated": True})
    else:
        _send(_error("BadRequest", "mode must be 'run' or 'analyze'"))
    # _exit: no atexit hooks or finalizers of tool objects run after the reply.
    _exit(0)


# ---- fork server ----
# `runner.py --fork-server`: this confined interpreter never runs tool code. It waits on the
# control socket (fd 0) for the descriptors of one execution, forks, and the child becomes an
# ordinary worker: its descriptors at 0-3 and 5, the strict filter stacked over the server's
# wider one (which alone allows fork), then _main(). The server reaps the child, empties /tmp,
# and reports the child's status as one JSON line. One child at a time, each used once.

CONTROL_FD = 0
CHILD_FILTER_FD = 6
_CATCHABLE = (1, 2, 3, 10, 12, 13, 14, 15)   # HUP INT QUIT USR1 USR2 PIPE ALRM TERM


def _read_fd(fd):
    chunks = []
    while True:
        b = _read(fd, 1 << 16)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def _become_worker(control, fds, load_strict_filter, _signal, exit_=os._exit):
    """In the child: nothing of the server's may stay reachable, and the strict filter must be
    in place, before the request is even read. The child never returns into the server's loop:
    `exit_` is bound when this function is defined, so a tool rebinding `_exit` cannot change it."""
    try:
        control.detach()
        # 0-3 are held by the server, so no received descriptor is one a dup2 below overwrites
        # first; 5 may be received, and is written last, after it has been copied to its target.
        if min(fds) < 4:
            raise ValueError("received descriptor %d" % min(fds))
        for target, fd in zip((0, 1, 2, 3, 5), fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd not in (0, 1, 2, 3, 5):
                _close(fd)
        for sig in _CATCHABLE:
            _signal.signal(sig, _signal.SIG_DFL)
        _signal.signal(2, _signal.default_int_handler)
        _signal.signal(13, _signal.SIG_IGN)   # as at interpreter start: broken pipes raise
        load_strict_filter(os.getpid())   # its own pid for SELF_PID: it may signal itself only
    except BaseException as e:
        _diag("fork server child setup failed: %r" % (e,))
        exit_(70)
    try:
        _main()
    finally:
        exit_(70)


def _empty_tmp(exit_=os._exit):
    """Empties /tmp from a short-lived process of its own: the names a child left are read into
    that process's memory, never the server's, so no later child can find them in what it
    inherits. True once /tmp is empty. Tools cannot make directories, links or special files:
    /tmp holds only their regular files (at most the mount's nr_inodes)."""
    pid = os.fork()
    if pid == 0:
        try:
            for name in os.listdir("/tmp"):
                os.unlink("/tmp/" + name)
        except BaseException:
            exit_(1)
        exit_(0)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


# A server retires (the pool starts a fresh one) after this many children, or once it has used
# half its CPU limit: the kernel's CPU limit must never fall on a child's request, and no server
# lives long enough for its children to learn much from what they share (hash seed, layout).
_SERVER_MAX_CHILDREN = 500


def _serve_one(control, fds, load_strict_filter, _signal):
    """One child, start to end, in its own frame: once it returns nothing of this execution stays
    reachable from the server's loop, so the next child cannot find it through frames."""
    global _importing
    pid = os.fork()
    if pid == 0:
        _become_worker(control, fds, load_strict_filter, _signal)
    for fd in fds:
        _close(fd)
    _importing += 1   # os.wait4 imports `resource` for the usage record, through the guard
    try:
        _, status, usage = os.wait4(pid, 0)
    finally:
        _importing -= 1
    signal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    report = {
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": signal,
        "cpu_ms": int((usage.ru_utime + usage.ru_stime) * 1000),
        "max_rss_kb": usage.ru_maxrss,
        # Only the kernel's memory limit kills with SIGKILL here: the supervisor's own kills
        # (timeout, output) end this whole server instead, and the CPU limit is told apart
        # by the time spent. (A tool that SIGKILLs itself is reported as out of memory.)
        "oom_killed": signal == 9,
        "error": None,
    }
    try:
        emptied = _empty_tmp()
    except OSError:
        emptied = False
    if not emptied:
        _diag("fork server: cannot empty /tmp; stopping")
        report["retire"] = True
    return report


def _serve():
    _signal, _socket, _resource = _real_import("_signal"), _real_import("_socket"), _real_import("resource")
    for sig in _CATCHABLE:   # a child may signal us (same uid, same namespace): ignore it
        _signal.signal(sig, _signal.SIG_IGN)
    strict_filter = _read_fd(CHILD_FILTER_FD)
    _close(CHILD_FILTER_FD)
    if not strict_filter or len(strict_filter) % 8:
        _diag("fork server: no child filter on fd %d" % CHILD_FILTER_FD)
        _exit(70)
    load_strict_filter = _filter_loader(strict_filter)
    cpu_budget = _resource.getrlimit(_resource.RLIMIT_CPU)[0] / 2
    process_time = _real_import("time").process_time
    # Everything alive now is the server's: keep the collector off it, so children do not copy
    # pages just to scan them.
    _real_import("gc").freeze()
    control = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM, 0, CONTROL_FD)
    control.sendall(b"ready\n")
    room = _socket.CMSG_LEN(5 * 4)
    for served in range(1, _SERVER_MAX_CHILDREN + 1):
        msg, ancdata, flags, _ = control.recvmsg(1, room)
        if not msg:
            _exit(0)   # the supervisor closed the channel: stop
        fds = []
        for level, kind, data in ancdata:
            if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                fds += [int.from_bytes(data[i:i + 4], sys.byteorder) for i in range(0, len(data) - len(data) % 4, 4)]
        if msg != b"R" or len(fds) != 5 or flags & _socket.MSG_CTRUNC:
            _diag("fork server: malformed request from the supervisor")
            _exit(70)
        report = _serve_one(control, fds, load_strict_filter, _signal)
        dirty = report.get("retire", False)
        if served == _SERVER_MAX_CHILDREN or (cpu_budget > 0 and process_time() >= cpu_budget):
            report["retire"] = True
        control.sendall(_dumps(report).encode("ascii") + b"\n")
        if report.get("retire"):
            _exit(70 if dirty else 0)   # planned, or never hand a dirty /tmp to the next child
        # The next child is forked from below this frame: leave nothing of this execution in it.
        del msg, ancdata, fds, report, dirty


if sys.argv[1:] == ["--fork-server"]:
    _serve()
else:
    _main()
