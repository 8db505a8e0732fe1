"""Helpers shared by the console browser tests: the live server's address and keys, REST set-up,
and what a page shows. scripts/check-console.sh runs the tests (test_console_*.py)."""


import json
import os
import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

URL = os.environ.get("WARDEN_URL", "").rstrip("/")
ADMIN = os.environ.get("WARDEN_ADMIN_KEY", "")
AGENT = os.environ.get("WARDEN_AGENT_KEY", "")
AUDITOR = os.environ.get("WARDEN_AUDITOR_KEY", "")
CHROMIUM = os.environ.get("WARDEN_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.environ.get("WARDEN_CONSOLE_SCREENSHOTS") == "1"
SCREENSHOT_DIR = Path(os.environ.get("WARDEN_CONSOLE_SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "docs"))

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
CSRF_MESSAGE = "The form has expired or did not come from this console"
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_ATTR = '"><img src=x onerror=alert(1)>'


# ---------------------------------------------------------------------------------------------
# REST set-up


def api(method, path, key, body=None, expect_status=None):
    """One REST call; returns (status, decoded JSON or None)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(URL + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + key)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    decoded = json.loads(raw) if raw else None
    if expect_status is not None:
        assert status == expect_status, f"{method} {path}: {status} {decoded}"
    return status, decoded


def unique(prefix):
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def create_server(name=None, **fields):
    name = name or unique("srv")
    _, server = api("POST", "/v1/servers", ADMIN, {"name": name, **fields}, expect_status=201)
    return server


def submit_tool(server, name=None, code=None, description="Says hello.", key=None):
    name = name or unique("tool")
    code = code or 'def main(city: str):\n    return {"city": city}\n'
    _, tool = api(
        "POST",
        f"/v1/servers/{server['id']}/tools",
        key or AGENT,
        {"name": name, "code": code, "description": description},
        expect_status=201,
    )
    return tool


def approve(tool_id, version):
    api("POST", f"/v1/tools/{tool_id}/approve", ADMIN, {"version": version}, expect_status=200)


def get_tool(tool_id):
    return api("GET", f"/v1/tools/{tool_id}", ADMIN, expect_status=200)[1]


def execute(tool_id, arguments, key=None):
    return api("POST", f"/v1/tools/{tool_id}/executions", key or AGENT, {"arguments": arguments}, expect_status=200)[1]


def created_by(tool_id, version):
    _, page = api("GET", f"/v1/tools/{tool_id}/versions?limit=500", ADMIN, expect_status=200)
    return next(v["created_by"] for v in page["items"] if v["version"] == version)


def submitter_labels(actor):
    """What may stand for a submitter on a page: the actor as recorded (`key:key_…`), the key's id,
    or, for an API key, its name."""
    labels = [actor, actor.split(":", 1)[-1]]
    if actor.startswith("key:"):
        _, keys = api("GET", "/v1/api-keys?limit=500", ADMIN, expect_status=200)
        labels += [k["name"] for k in keys["items"] if k["id"] == actor[4:]]
    return labels


def assert_shows_submitter(text, actor):
    labels = submitter_labels(actor)
    assert any(label in text for label in labels), f"none of {labels} in {text!r}"


# ---------------------------------------------------------------------------------------------
# Browser


def sign_in(page: Page, key):
    page.goto("/ui/login")
    form = page.locator("form#login")
    expect(form).to_have_attribute("method", re.compile("post", re.I))
    expect(form).to_have_attribute("action", "/ui/login")
    field = form.locator('input[name="api_key"]')
    expect(field).to_have_attribute("type", "password")
    field.fill(key)
    form.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/ui/queue(\?|$)"))


def csrf_of(page: Page):
    """The CSRF token of the signed-in session, read from the logout form every page carries."""
    token = page.locator('form#logout input[type="hidden"][name="csrf"]').get_attribute("value")
    assert token, "the logout form carries a csrf token"
    return token


def location(response):
    return response.headers.get("location", "")


def assert_redirect(response, path):
    """A 303 to `path` (relative, or absolute on this server)."""
    assert response.status == 303, f"{response.url}: {response.status}"
    target = location(response)
    assert target in (path, URL + path), f"{response.url} redirects to {target!r}, wanted {path}"


def open_review(page: Page, tool_id):
    response = page.goto(f"/ui/tools/{tool_id}/review")
    assert response.status == 200, response.status
    return response


def field_row(table, field):
    """The row of `table#changes` whose cell is exactly the field's name."""
    return table.locator("tr").filter(has=table.page.locator("th, td").filter(has_text=re.compile(rf"^\s*{field}\s*$")))


def submit_and_wait(page: Page, button):
    """Clicks a form's submit button; returns the response of the page the browser ends up on."""
    with page.expect_navigation() as navigation:
        button.click()
    return navigation.value


# ---------------------------------------------------------------------------------------------
# Sign-in, sessions, CSRF, headers


