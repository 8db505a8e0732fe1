"""`run`: executes the tool with restricted builtins, a read-only `secrets` mapping and the `http`
client, its print output kept in memory, bounded; returns the reply and that output."""
import builtins
import sys
from types import CoroutineType as _CoroutineType, MappingProxyType as _MappingProxy

from codec import dumps, loads, quote
from egress import EGRESS_FRAME_MAX, Http, set_request_max
from imports import guard, load
from protocol import error


def _framed_size(s):
    # What `s` costs inside the reply frame: its JSON-escaped UTF-8, without the quotes.
    return len(quote(s).encode("utf-8", "replace")) - 2


class BoundedWriter:
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


_REMOVED = ("open", "breakpoint", "input", "exit", "quit", "help", "copyright", "credits", "license")


def _tool_builtins():
    b = {k: v for k, v in builtins.__dict__.items() if k not in _REMOVED}
    b["__import__"] = guard
    return b


def _tool_line(tb):
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<tool>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def run(req):
    set_request_max(int(req.get("egress_frame_bytes") or EGRESS_FRAME_MAX))
    out = BoundedWriter(int(req.get("stdout_bytes") or 1 << 20))
    result_max = int(req.get("result_bytes") or 1 << 20)
    args = req.get("arguments") or {}
    if not isinstance(args, dict):
        return error("TypeError", "arguments must be a JSON object"), out
    g = {"__builtins__": _tool_builtins(), "__name__": "tool",
         "secrets": _MappingProxy(dict(req.get("secrets") or {})), "http": Http()}
    sys.stdout = sys.stderr = out
    try:
        code = compile(req.get("code", ""), "<tool>", "exec")
        exec(code, g)
        main = g.get("main")
        if not callable(main):
            return error("MissingMain", "the tool defines no callable main"), out
        value = main(**args)
        if isinstance(value, _CoroutineType):
            value = load("asyncio").run(value)   # only async tools pay for the event loop
    except MemoryError:
        return error("MemoryError", "the tool ran out of memory"), out
    except SyntaxError as e:
        return error("SyntaxError", "line %s: %s" % (e.lineno, e.msg), e.lineno), out
    except BaseException as e:  # SystemExit and KeyboardInterrupt too: the tool ends, we reply
        return error(type(e).__name__, str(e)[:4096], _tool_line(e.__traceback__)), out
    try:
        encoded = dumps(value, ensure_ascii=False, allow_nan=False)
    except RecursionError:
        return error("ResultTooDeep", "the result is nested too deeply to encode as JSON"), out
    except MemoryError:
        return error("MemoryError", "out of memory while encoding the result"), out
    except (TypeError, ValueError) as e:
        return error("TypeError", "the result is not JSON-serialisable: %s" % e), out
    except BaseException as e:  # e.g. a __str__-like hook raising inside a dict subclass
        return error(type(e).__name__, "encoding the result failed: %s" % e), out
    if len(encoded.encode("utf-8", "surrogatepass")) > result_max:
        return error("ResultTooLarge", "the result is larger than %d bytes" % result_max), out
    # Reply with what was checked, as plain JSON values: encoding `value` again in send would
    # run the tool's code (a dict subclass's items()) a second time, free to return more.
    return {"ok": True, "result": loads(encoded)}, out
