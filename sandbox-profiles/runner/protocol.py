"""Talking to the supervisor: the request on fd 0, the one reply frame on fd 3, diagnostics on fd 2.

A frame is a 4-byte big-endian length and UTF-8 JSON.
"""
from os import read as _read, write as _write

from codec import dumps, loads

REQUEST_MAX = 8 << 20
RESULT_FD = 3


def diag(msg):
    try:
        _write(2, ("warden-runner: %s\n" % msg).encode("utf-8", "replace"))
    except OSError:
        pass   # nobody reading is no reason to fail what the message was about


def send(obj):
    try:
        data = dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates in some string: escape everything
        data = dumps(obj, ensure_ascii=True).encode("utf-8")
    frame = len(data).to_bytes(4, "big") + data
    off = 0
    while off < len(frame):
        off += _write(RESULT_FD, frame[off:])


def read_request():
    chunks, size = [], 0
    while True:
        b = _read(0, 1 << 16)
        if not b:
            break
        size += len(b)
        if size > REQUEST_MAX:
            raise ValueError("request larger than %d bytes" % REQUEST_MAX)
        chunks.append(b)
    return loads(b"".join(chunks).decode("utf-8"))


def error(kind, message, line=None):
    err = {"type": kind[:200], "message": message}
    if line is not None:
        err["line"] = line
    return {"ok": False, "error": err}
