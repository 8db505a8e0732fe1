"""The tool's `http` global: a small, requests-like client whose every request is one frame on
fd 5 to the supervisor's egress proxy (an AF_UNIX stream, one request then one response)."""
from os import fstat as _fstat, read as _read, write as _write
from stat import S_ISSOCK as _S_ISSOCK

from codec import dumps, loads
from imports import load

EGRESS_FD = 5
EGRESS_FRAME_MAX = 8 << 20   # the supervisor caps bodies at 1 MiB; this only bounds our reads
_request_max = EGRESS_FRAME_MAX   # the supervisor's cap for this execution, from the request


def set_request_max(n):
    global _request_max
    _request_max = n


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
        return loads(self.text)

    def __repr__(self):
        return "<Response [%d]>" % self.status


class Http:
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
        frame = _frame(method, url, params, json, data, headers, timeout)
        if self._broken:
            raise EgressError(self._broken)
        try:
            st = _fstat(EGRESS_FD)
        except OSError:
            st = None
        if st is None or not _S_ISSOCK(st.st_mode):
            raise EgressError("egress is not available in this worker")
        try:
            _send(frame)
            reply = _recv()
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
        return _response(reply)


def _frame(method, url, params, json_, data, headers, timeout):
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
        base += ("&" if "?" in base else "?") + load("urllib.parse").urlencode(params, doseq=True)
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
        body = dumps(json_)
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
        payload = dumps(req, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: the escaped form is still valid JSON
        payload = dumps(req, ensure_ascii=True).encode("utf-8")
    if len(payload) > _request_max:   # the supervisor would stop the worker for it
        raise EgressError("request larger than %d bytes" % _request_max)
    return len(payload).to_bytes(4, "big") + payload


def _send(frame):
    off = 0
    while off < len(frame):
        off += _write(EGRESS_FD, frame[off:])


def _read_exact(n):
    parts, left = [], n
    while left:
        b = _read(EGRESS_FD, min(left, 1 << 16))
        if not b:
            raise EgressError("egress proxy closed the connection")
        parts.append(b)
        left -= len(b)
    return b"".join(parts)


def _recv():
    size = int.from_bytes(_read_exact(4), "big")
    if size > EGRESS_FRAME_MAX:
        raise EgressError("egress response of %d bytes is larger than %d" % (size, EGRESS_FRAME_MAX))
    try:
        return loads(_read_exact(size).decode("utf-8"))
    except ValueError:
        raise EgressError("egress proxy sent a malformed frame") from None


def _response(reply):
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
