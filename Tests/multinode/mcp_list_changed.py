"""Waits on one node's /mcp for notifications/tools/list_changed; run by two_nodes_check.py.

    WARDEN_TEST_PYTHON Tests/multinode/mcp_list_changed.py URL KEY TIMEOUT_SECONDS

Prints one JSON line once the session is open and watching ({"ready": true, "tools": [...]}), then,
after the notification or the timeout, another: {"list_changed": bool, "waited_s": N, "tools_after": [...]}.
"""
import json
import sys
import time

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


async def main(url, key, timeout):
    changed = anyio.Event()

    async def on_message(message):
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            changed.set()

    http = httpx2.AsyncClient(headers={"Authorization": "Bearer " + key}, timeout=httpx2.Timeout(30, read=120))
    client = Client(streamable_http_client(url, http_client=http), mode="legacy", read_timeout_seconds=30,
                    message_handler=on_message)
    async with http, client:
        tools = sorted(t.name for t in (await client.list_tools()).tools)
        await anyio.sleep(2)  # the session's event stream is open before the change is made
        print(json.dumps({"ready": True, "tools": tools}), flush=True)
        began = time.monotonic()
        with anyio.move_on_after(float(timeout)):
            await changed.wait()
        report = {"list_changed": changed.is_set(), "waited_s": round(time.monotonic() - began, 2)}
        report["tools_after"] = sorted(t.name for t in (await client.list_tools()).tools)
        print(json.dumps(report), flush=True)


if __name__ == "__main__":
    anyio.run(main, *sys.argv[1:4])
