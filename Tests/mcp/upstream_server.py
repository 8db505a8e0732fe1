"""A small upstream MCP server for Warden's passthrough tests (stdlib only).

    /usr/bin/python3 Tests/mcp/upstream_server.py DESCRIPTION_FILE [--modern-only] [--echo]

Speaks MCP Streamable HTTP at /mcp: initialize, notifications, tools/list (answered as an SSE
stream, to exercise that path) and tools/call for one tool, `forecast`, whose description is read
from DESCRIPTION_FILE on every list so a test can change it. GET /_seen lists the Authorization
headers it received and each request's method with its MCP-Protocol-Version header.
With --modern-only it speaks only the stateless revision 2026-07-28: `initialize` is refused
(-32022, naming the one supported version) and every request must carry the version in its header
and in params._meta. With --echo it repeats the Authorization header it received in every field it
can: the call's result and error text and, when DESCRIPTION_FILE says ECHO, the description (FAIL:
tools/list answers an error naming it). Prints {"port": N} once listening; stops when stdin closes.
"""
import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DESCRIPTION_FILE = sys.argv[1]
MODERN_ONLY = "--modern-only" in sys.argv[2:]
ECHO = "--echo" in sys.argv[2:]
MODERN = "2026-07-28"
seen = []
versions = []  # (method, MCP-Protocol-Version header or None) per request
lock = threading.Lock()


def control():
    with open(DESCRIPTION_FILE) as f:
        return f.read().strip()


def tool(auth=None):
    description = control()
    if ECHO and description == "ECHO":
        description = "Weather. I was sent %s" % auth
    return {"name": "forecast", "description": description,
            "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            "annotations": {"readOnlyHint": True}}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=None, headers=(), sse=False):
        data = b""
        if body is not None:
            text = json.dumps(body)
            data = ("event: message\ndata: %s\n\n" % text).encode() if sse else text.encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "text/event-stream" if sse else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_seen":
            with lock:
                self.reply(200, {"authorization": list(seen), "versions": list(versions)})
        else:
            self.reply(405)

    def do_DELETE(self):
        self.reply(204)

    def do_POST(self):
        with lock:
            seen.append(self.headers.get("Authorization"))
        message = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        method, ident = message.get("method"), message.get("id")
        with lock:
            versions.append([method, self.headers.get("MCP-Protocol-Version")])
        if ident is None:
            return self.reply(202)
        if MODERN_ONLY:
            meta = (message.get("params") or {}).get("_meta") or {}
            if method == "initialize" or self.headers.get("MCP-Protocol-Version") != MODERN:
                error = {"code": -32022, "message": "unsupported protocol version",
                         "data": {"supported": [MODERN], "requested": self.headers.get("MCP-Protocol-Version")}}
                return self.reply(400, {"jsonrpc": "2.0", "id": ident, "error": error})
            if meta.get("io.modelcontextprotocol/protocolVersion") != MODERN or self.headers.get("Mcp-Method") != method:
                return self.reply(400, {"jsonrpc": "2.0", "id": ident, "error": {"code": -32020, "message": "header mismatch"}})
        if method == "initialize":
            result = {"protocolVersion": "2025-11-25", "capabilities": {"tools": {}}, "serverInfo": {"name": "upstream", "version": "1"}}
            return self.reply(200, {"jsonrpc": "2.0", "id": ident, "result": result}, headers=[("Mcp-Session-Id", uuid.uuid4().hex)])
        auth = self.headers.get("Authorization")
        if method == "tools/list":
            if ECHO and control() == "FAIL":
                error = {"code": -32000, "message": "bad credential: %s" % auth}
                return self.reply(200, {"jsonrpc": "2.0", "id": ident, "error": error})
            return self.reply(200, {"jsonrpc": "2.0", "id": ident, "result": {"tools": [tool(auth)]}}, sse=True)
        if method == "tools/call":
            args = message["params"].get("arguments") or {}
            if message["params"].get("name") != "forecast":
                return self.reply(200, {"jsonrpc": "2.0", "id": ident, "error": {"code": -32602, "message": "unknown tool"}})
            if args.get("city") == "nowhere":
                text = "no such city" + (" (you sent %s)" % auth if ECHO else "")
                result = {"content": [{"type": "text", "text": text}], "isError": True}
            else:
                data = {"city": args.get("city"), "forecast": "sunny"}
                if ECHO:
                    data["seen"] = auth
                result = {"content": [{"type": "text", "text": json.dumps(data)}], "structuredContent": data, "isError": False}
            return self.reply(200, {"jsonrpc": "2.0", "id": ident, "result": result})
        self.reply(200, {"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": "method not found"}})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(json.dumps({"port": server.server_address[1]}), flush=True)
sys.stdin.read()
server.shutdown()
