"""Calls one tool through /mcp with the official SDK's high-level client and prints the result.

    python3 Tests/mcp/mcp_call.py URL KEY MODE TOOL ARGUMENTS_JSON

Prints {"is_error", "text", "meta"} (the io.warden/ entries of _meta) as JSON.
"""
import json
import sys

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


async def main(url, key, mode, tool, arguments):
    async with httpx2.AsyncClient(headers={"Authorization": "Bearer " + key}, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode, read_timeout_seconds=30) as client:
            await client.list_tools()
            result = await client.call_tool(tool, json.loads(arguments))
            print(json.dumps({"is_error": result.is_error, "text": " ".join(getattr(c, "text", "") for c in result.content),
                              "meta": {k: v for k, v in (result.meta or {}).items() if k.startswith("io.warden/")}}))


if __name__ == "__main__":
    anyio.run(main, *sys.argv[1:6])
