"""Drives Warden's /mcp with the official SDK's high-level client in each mode it offers
(`legacy` handshake, `auto`, and the stateless `2026-07-28`) and prints what it saw as JSON.

    python3 Tests/mcp/mcp_modes_check.py URL AGENT_KEY ADMIN_KEY PENDING_TOOL_ID

The server is expected to hold, on server `demo`: `greet(name: str)`, `explode()` (raises),
`sleepy()` (sleeps 60 s); on server `burst`: `tick()`, whose executions hit the per-server rate
limit after a few calls; and PENDING_TOOL_ID, a tool of `demo` waiting for review that this
script approves over REST to watch `list_changed`. The Swift test asserts on the JSON.
"""
import json
import sys
import time

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


def text_of(result):
    return " ".join(getattr(c, "text", "") for c in result.content)


def outcome(result):
    return {"is_error": result.is_error, "text": text_of(result)[:400],
            "meta": {k: v for k, v in (result.meta or {}).items() if k.startswith("io.warden/")}}


def connect(url, key, mode, on_message=None):
    http = httpx2.AsyncClient(headers={"Authorization": "Bearer " + key}, timeout=httpx2.Timeout(30, read=120))
    return http, Client(streamable_http_client(url, http_client=http), mode=mode, read_timeout_seconds=30,
                        message_handler=on_message)


async def calls(url, key, mode):
    """List, call, a raising tool, a bad argument, an unknown tool, and a rate limit."""
    report = {}
    http, client = connect(url, key, mode)
    async with http, client:
        report["protocol_version"] = client.protocol_version
        report["tools"] = sorted(t.name for t in (await client.list_tools()).tools)
        report["ok"] = outcome(await client.call_tool("demo__greet", {"name": "Ada"}))
        report["ok"]["structured"] = (await client.call_tool("demo__greet", {"name": "Bo"})).structured_content
        report["raises"] = outcome(await client.call_tool("demo__explode", {}))
        report["bad_args"] = outcome(await client.call_tool("demo__greet", {"name": 5}))
        report["unknown"] = outcome(await client.call_tool("demo__nope", {}))
        limited = None
        for _ in range(40):
            result = await client.call_tool("burst__tick", {})
            if result.is_error:
                limited = outcome(result)
                break
        report["rate_limited"] = limited
    return report


async def cancelled_then_prompt(url, key, mode):
    """A slow call the client gives up on after 1 s must free the one worker: the next call
    answers promptly instead of waiting out the slow one's 10 s wall clock."""
    http, client = connect(url, key, mode)
    async with http, client:
        began = time.monotonic()
        with anyio.move_on_after(1):
            await client.call_tool("demo__sleepy", {})
        gave_up = time.monotonic() - began
        began = time.monotonic()
        after = await client.call_tool("demo__greet", {"name": "next"})
        return {"gave_up_after_s": round(gave_up, 2), "next_call_s": round(time.monotonic() - began, 2),
                "next_ok": not after.is_error, "next_text": text_of(after)[:200]}


async def rest(url, method, path, key, body=None):
    base = url.rsplit("/mcp", 1)[0]
    async with httpx2.AsyncClient(headers={"Authorization": "Bearer " + key}, timeout=30) as raw:
        response = await raw.request(method, base + path, json=body)
        return response.status_code, (response.json() if response.content else None)


async def notifications(url, key, admin_key, pending_tool):
    """One REST execution: no list_changed; one approval: exactly one, on a handshake session's
    stream and on a 2026-07-28 subscription alike."""
    legacy_seen, modern_seen = [], []

    async def on_legacy(message):
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            legacy_seen.append("list_changed")

    http_l, legacy = connect(url, key, "legacy", on_legacy)
    http_m, modern = connect(url, key, "2026-07-28")
    report = {}
    async with http_l, legacy, http_m, modern:
        async with modern.listen(tools_list_changed=True) as subscription:
            async def collect_modern():
                async for event in subscription:
                    modern_seen.append(type(event).__name__)

            async with anyio.create_task_group() as group:
                group.start_soon(collect_modern)
                await anyio.sleep(1.5)  # both streams open and watching
                greet = next(t for t in (await legacy.list_tools()).tools if t.name == "demo__greet")
                status, _ = await rest(url, "POST", "/v1/tools/%s/executions" % greet.meta["io.warden/tool_id"], key,
                                       {"arguments": {"name": "rest"}})
                report["rest_execution_status"] = status
                await anyio.sleep(3)
                report["after_execution"] = {"legacy": len(legacy_seen), "modern": len(modern_seen)}
                status, _ = await rest(url, "POST", "/v1/tools/%s/approve" % pending_tool, admin_key, {"version": 1})
                report["approve_status"] = status
                await anyio.sleep(4)
                report["after_approval"] = {"legacy": len(legacy_seen), "modern": len(modern_seen)}
                report["tools_after"] = sorted(t.name for t in (await modern.list_tools()).tools)
                group.cancel_scope.cancel()
    return report


async def main(url, key, admin_key, pending_tool):
    report = {}
    for mode in ("legacy", "auto", "2026-07-28"):
        report[mode] = await calls(url, key, mode)
    report["cancel_legacy"] = await cancelled_then_prompt(url, key, "legacy")
    report["cancel_modern"] = await cancelled_then_prompt(url, key, "2026-07-28")
    report["notifications"] = await notifications(url, key, admin_key, pending_tool)
    print(json.dumps(report, sort_keys=True, default=str))


if __name__ == "__main__":
    anyio.run(main, *sys.argv[1:5])
