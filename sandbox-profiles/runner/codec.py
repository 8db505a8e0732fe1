"""JSON straight from the C accelerator `_json`.

Not `json`: importing it pulls in `re` and compiles regexes, ~9 ms of CPU in every worker, and a
tool may rebind json.dumps/loads. These are the runner's own, made before any tool exists.
"""
import _json


class _DecodeContext:
    strict = True
    object_hook = object_pairs_hook = None
    parse_float, parse_int = float, int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


_scan = _json.make_scanner(_DecodeContext())
_WS = " \t\n\r"


def loads(text):
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


quote, _quote_ascii, _make_encoder = _json.encode_basestring, _json.encode_basestring_ascii, _json.make_encoder


def dumps(value, ensure_ascii=True, allow_nan=True):
    q = _quote_ascii if ensure_ascii else quote
    if isinstance(value, str):
        return q(value)
    # A fresh marker dict per call: the encoder finds reference cycles with it.
    return "".join(_make_encoder({}, _not_serializable, q, None, ": ", ", ", False, False, allow_nan)(value, 0))
