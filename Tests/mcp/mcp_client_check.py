"""Drives Warden's /mcp with the official MCP Python SDK and prints what it saw as JSON.

    python3 Tests/mcp/mcp_client_check.py URL AGENT_KEY WRONG_KEY ADMIN_KEY

The Swift test that starts the server runs this and asserts on the JSON; so can a person.
"""
import asyncio
import json
import sys

import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client


def leaves(exc):
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in leaves(inner)]
    return [exc]


def text_of(result):
    return " ".join(getattr(c, "text", "") for c in result.content)


async def session_run(url, key, body, on_message=None):
    client = create_mcp_http_client(headers={"Authorization": "Bearer " + key})
    async with client:
        async with streamable_http_client(url, http_client=client) as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write, message_handler=on_message) as session:
                return await body(session)


async def main(url, key, wrong_key, admin_key):
    report = {}
    changed = asyncio.Event()

    async def on_message(message):
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            changed.set()

    async def as_agent(session):
        init = await session.initialize()
        report["protocol_version"] = init.protocol_version
        report["server_name"] = init.server_info.name
        report["list_changed"] = bool(init.capabilities.tools and init.capabilities.tools.list_changed)
        tools = await session.list_tools()
        report["tools"] = sorted(t.name for t in tools.tools)
        report["annotations"] = {t.name: (t.annotations.model_dump(exclude_none=True) if t.annotations else None) for t in tools.tools}
        report["sandboxed_meta"] = {t.name: bool((t.meta or {}).get("io.warden/sandboxed")) for t in tools.tools}
        report["schemas"] = {t.name: t.input_schema for t in tools.tools}
        ok = await session.call_tool("demo__greet", {"name": "Ada"})
        report["ok"] = {"is_error": ok.is_error, "structured": ok.structured_content, "text": text_of(ok)}
        bad_args = await session.call_tool("demo__greet", {"name": 5})
        report["bad_args"] = {"is_error": bad_args.is_error, "text": text_of(bad_args)}
        raised = await session.call_tool("demo__explode", {})
        report["raises"] = {"is_error": raised.is_error, "text": text_of(raised)}
        slow = await session.call_tool("demo__sleepy", {})
        report["timeout"] = {"is_error": slow.is_error, "text": text_of(slow)}
        for name in ("demo__unapproved", "demo__nope"):
            try:
                result = await session.call_tool(name, {})
                report[name] = {"error": None, "is_error": result.is_error, "text": text_of(result)}
            except Exception as exc:  # the SDK raises on JSON-RPC errors
                report[name] = {"error": type(exc).__name__, "code": getattr(getattr(exc, "error", None), "code", None), "text": str(exc)}
        await session.send_ping()
        report["ping"] = True

        # An admin withdraws approval over REST: open streams hear list_changed, the tool is gone.
        explode = next(t for t in tools.tools if t.name == "demo__explode")
        base = url.rsplit("/mcp", 1)[0]
        async with httpx2.AsyncClient() as rest:
            tool_id = explode.meta["io.warden/tool_id"]
            response = await rest.post("%s/v1/tools/%s/reject" % (base, tool_id), headers={"Authorization": "Bearer " + admin_key},
                                       json={"version": explode.meta["io.warden/version"], "reason": "withdrawn"})
            report["reject_status"] = response.status_code
        try:
            await asyncio.wait_for(changed.wait(), timeout=10)
            report["list_changed_received"] = True
        except asyncio.TimeoutError:
            report["list_changed_received"] = False
        report["tools_after_reject"] = sorted(t.name for t in (await session.list_tools()).tools)

    await session_run(url, key, as_agent, on_message)

    async def as_stranger(session):
        await session.initialize()

    try:
        await asyncio.wait_for(session_run(url, wrong_key, as_stranger), timeout=20)
        report["wrong_key"] = "accepted"
    except BaseException as exc:  # refused: the SDK surfaces the 401 as an error
        report["wrong_key"] = "refused: " + "; ".join(type(e).__name__ + ": " + str(e)[:200] for e in leaves(exc))
    # The SDK reports the refusal without its status; look at the HTTP answer itself too.
    async with httpx2.AsyncClient() as raw:
        response = await raw.post(url, headers={"Authorization": "Bearer " + wrong_key, "Accept": "application/json, text/event-stream"},
                                  json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})
        report["wrong_key_http"] = {"status": response.status_code, "www_authenticate": response.headers.get("www-authenticate")}
    print(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
