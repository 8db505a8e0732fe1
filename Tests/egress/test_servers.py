#!/usr/bin/python3
"""Local HTTP servers for the egress integration tests (stdlib only).

    /usr/bin/python3 Tests/egress/test_servers.py

Starts two servers on 127.0.0.1, ports chosen by the OS, prints ONE JSON line
{"origin": PORT, "canary": PORT} once both listen, and serves until stdin reaches EOF (the
test closes the pipe, or kills the process).

origin  GET  /ok        200 {"ok": true, "path", "query", "headers": {lowercase: value}}
        POST /echo      200 {"method", "body", "content_type"} (PUT/PATCH/DELETE /echo too)
        GET  /redirect  302, Location: http://127.0.0.1:CANARY/canary
        GET  /big       200, 3 MiB of 'x'
        GET  /slow      answers after 30 s, or gives up as soon as the client goes away
        GET  /trickle   headers at once, then one body byte every 0.5 s (at most 120), stopping
                        as soon as the client goes away
        GET  /_hits     {"served": N}: requests served, /_hits itself not counted
canary  any request     200, recorded as {"method", "path"}: a canary hit means a redirect was
                        followed or the proxy reached a host it should not have
        GET  /_hits     {"hits": [...]}, /_hits itself not recorded

Servers speak HTTP/1.0 (one request per connection), so a count is never hidden by keep-alive.
"""
import json
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BIG_BYTES = 3 << 20
SLOW_SECONDS = 30


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # quiet: the tests read stdout for the port line
        pass

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, body=b"", ctype="application/json", extra=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client (the proxy, after a cap or a timeout) stopped reading


class Origin(_Handler):
    served = 0
    lock = threading.Lock()
    canary_port = 0

    def _handle(self):
        path, _, query = self.path.partition("?")
        if path == "/_hits":
            return self._send(200, {"served": Origin.served})
        with Origin.lock:
            Origin.served += 1
        body = self._body()
        if path == "/ok" and self.command in ("GET", "HEAD"):
            headers = {k.lower(): v for k, v in self.headers.items()}
            return self._send(200, {"ok": True, "path": path, "query": query, "headers": headers})
        if path == "/echo" and self.command in ("POST", "PUT", "PATCH", "DELETE"):
            return self._send(200, {"method": self.command, "body": body.decode("utf-8", "replace"),
                                    "content_type": self.headers.get("Content-Type")})
        if path == "/redirect":
            where = "http://127.0.0.1:%d/canary" % Origin.canary_port
            return self._send(302, b"", "text/plain", [("Location", where)])
        if path == "/big":
            return self._send(200, b"x" * BIG_BYTES, "text/plain")
        if path == "/trickle":
            return self._trickle(120, 0.5)
        if path == "/slow":
            if self._client_left_within(SLOW_SECONDS):
                return
            return self._send(200, {"slow": True})
        return self._send(404, {"error": "no route %s %s" % (self.command, path)})

    def _trickle(self, count, every):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(count))
        self.end_headers()
        try:
            for _ in range(count):
                self.wfile.write(b"x")
                self.wfile.flush()
                if self._client_left_within(every):
                    return
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _client_left_within(self, seconds):
        # Poll the socket instead of one long sleep: when the proxy times out and hangs up, the
        # socket turns readable with EOF and this thread ends at once instead of 30 s later.
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r, _, _ = select.select([self.connection], [], [], 0.2)
            if r:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return True
                except OSError:
                    return True
                time.sleep(0.2)  # unexpected extra bytes: keep waiting, don't spin
        return False

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class Canary(_Handler):
    hits = []
    lock = threading.Lock()

    def _handle(self):
        if self.path == "/_hits" and self.command == "GET":
            with Canary.lock:
                return self._send(200, {"hits": list(Canary.hits)})
        with Canary.lock:
            Canary.hits.append({"method": self.command, "path": self.path})
        self._body()
        return self._send(200, {"canary": True})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


def _start(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True  # a /slow request still waiting must not hold up the exit
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    canary = _start(Canary)
    Origin.canary_port = canary.server_address[1]
    origin = _start(Origin)
    sys.stdout.write(json.dumps({"origin": origin.server_address[1], "canary": canary.server_address[1]}) + "\n")
    sys.stdout.flush()
    while sys.stdin.buffer.read(1 << 16):
        pass
    origin.shutdown()
    canary.shutdown()


if __name__ == "__main__":
    main()
