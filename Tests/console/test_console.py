"""Browser tests of the admin console (/ui/) against a live `warden serve`.

Run by scripts/check-console.sh, which starts a server and sets:
  WARDEN_URL          e.g. http://127.0.0.1:PORT (no trailing slash)
  WARDEN_ADMIN_KEY    an admin key
  WARDEN_AGENT_KEY    an agent key: it submits and changes the tools over REST
  WARDEN_AUDITOR_KEY  an auditor key
  WARDEN_CONSOLE_SCREENSHOTS=1  also writes docs/console-{queue,review,executions}.png
  WARDEN_CHROMIUM     the browser binary (default /usr/bin/chromium)

Set-up goes through the REST API (docs/openapi.yaml); everything checked goes through the console
as a browser sees it. Each test makes its own tools with unique names, so they can run in any order.
"""

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

pytestmark = pytest.mark.skipif(
    not (URL and ADMIN and AGENT and AUDITOR),
    reason="needs a live server: WARDEN_URL, WARDEN_ADMIN_KEY, WARDEN_AGENT_KEY, WARDEN_AUDITOR_KEY "
    "(scripts/check-console.sh sets them)",
)


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


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        # Debian's Chromium, never a browser that Playwright downloads.
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(base_url=URL, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    pg.dialogs = []  # every dialog that opened: an escaped page opens none

    def on_dialog(dialog):
        pg.dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    return pg


@pytest.fixture
def other_page(browser):
    """A second, separate browser (own cookies), for a second role in the same test."""
    ctx = browser.new_context(base_url=URL, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    yield ctx.new_page()
    ctx.close()


@pytest.fixture(scope="module")
def server():
    return create_server()


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


def test_root_and_pages_redirect_to_login_when_signed_out(page):
    assert_redirect(page.request.get("/ui/", max_redirects=0), "/ui/login")
    for path in ["/ui/queue", "/ui/tools", "/ui/executions", "/ui/audit", "/ui/servers"]:
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/ui/login(\?|$)"))


def test_wrong_key_is_refused(page):
    page.goto("/ui/login")
    page.fill('form#login input[name="api_key"]', "wdn_" + "A" * 43)
    response = submit_and_wait(page, page.locator("form#login").get_by_role("button", name="Sign in"))
    assert response.status == 401
    expect(page.locator("body")).to_contain_text("That key was not accepted")
    assert not [c for c in page.context.cookies() if c["name"] == "warden_console"]
    # Not a key at all, and no key: refused the same way.
    for form in [{"api_key": "not a key"}, {}]:
        refused = page.request.post("/ui/login", form=form, max_redirects=0)
        assert refused.status == 401, form
        assert "That key was not accepted" in refused.text()


def test_sign_in_sets_a_strict_http_only_cookie(page):
    sign_in(page, ADMIN)
    cookies = [c for c in page.context.cookies() if c["name"] == "warden_console"]
    assert len(cookies) == 1, cookies
    cookie = cookies[0]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/ui"
    assert ADMIN not in cookie["value"], "the cookie is a session id, not the API key"
    assert_redirect(page.request.get("/ui/", max_redirects=0), "/ui/queue")
    # The header names the role and carries the logout form.
    expect(page.locator("header")).to_contain_text("admin")
    logout = page.locator("form#logout")
    expect(logout).to_have_attribute("action", "/ui/logout")
    expect(logout.get_by_role("button", name="Sign out")).to_be_visible()
    csrf_of(page)


def test_sign_in_as_each_role_shows_the_role(page, other_page):
    sign_in(page, AUDITOR)
    expect(page.locator("header")).to_contain_text("auditor")
    sign_in(other_page, AGENT)
    expect(other_page.locator("header")).to_contain_text("agent")


def test_logout_ends_the_session(page):
    sign_in(page, ADMIN)
    old = [c for c in page.context.cookies() if c["name"] == "warden_console"]
    response = submit_and_wait(page, page.locator("form#logout").get_by_role("button", name="Sign out"))
    assert response.url.endswith("/ui/login"), response.url
    page.goto("/ui/queue")
    expect(page).to_have_url(re.compile(r"/ui/login(\?|$)"))
    # Even if the browser kept the old cookie, the server has forgotten the session.
    page.context.clear_cookies()
    page.context.add_cookies(old)
    assert_redirect(page.request.get("/ui/queue", max_redirects=0), "/ui/login")
    assert_redirect(page.request.get("/ui/", max_redirects=0), "/ui/login")


def test_forms_without_the_csrf_token_are_refused(page, server):
    tool = submit_tool(server)
    sign_in(page, ADMIN)
    open_review(page, tool["id"])
    token = csrf_of(page)
    for form in [{"version": "1"}, {"version": "1", "csrf": "0" * 64}, {"version": "1", "csrf": ""}]:
        response = page.request.post(f"/ui/tools/{tool['id']}/approve", form=form, max_redirects=0)
        assert response.status == 403, (form, response.status)
        assert CSRF_MESSAGE in response.text()
    response = page.request.post(
        f"/ui/tools/{tool['id']}/reject", form={"version": "1", "reason": "no"}, max_redirects=0
    )
    assert response.status == 403 and CSRF_MESSAGE in response.text()
    assert get_tool(tool["id"])["approval_status"] == "pending_review"
    # Logout is a state change too: without the token it is refused and the session lives on.
    response = page.request.post("/ui/logout", form={}, max_redirects=0)
    assert response.status == 403 and CSRF_MESSAGE in response.text()
    assert page.request.get("/ui/queue", max_redirects=0).status == 200
    assert csrf_of(page) == token
    # Every state-changing form on the review page carries the token.
    for form_id in ["logout", "test-run", "approve", "reject"]:
        expect(page.locator(f'form#{form_id} input[type="hidden"][name="csrf"]')).to_have_count(1)


def test_a_token_from_another_session_is_refused(page, other_page, server):
    tool = submit_tool(server)
    sign_in(page, ADMIN)
    sign_in(other_page, ADMIN)
    foreign = csrf_of(other_page)
    response = page.request.post(
        f"/ui/tools/{tool['id']}/approve", form={"version": "1", "csrf": foreign}, max_redirects=0
    )
    assert csrf_of(page) != foreign, "each session has its own token"
    assert response.status == 403 and CSRF_MESSAGE in response.text()
    assert get_tool(tool["id"])["approval_status"] == "pending_review"


def test_security_headers_and_stylesheet(page, server):
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    check_headers("/ui/login", page.goto("/ui/login"))
    sign_in(page, ADMIN)
    tool = submit_tool(server)
    for path in ["/ui/queue", f"/ui/tools/{tool['id']}/review", f"/ui/tools/{tool['id']}", "/ui/tools",
                 "/ui/servers", "/ui/executions", "/ui/audit"]:
        resp = page.goto(path)
        assert resp.status == 200, (path, resp.status)
        check_headers(path, resp)
        expect(page.locator('link[rel="stylesheet"]')).to_have_attribute("href", "/ui/static/console.css")
        assert page.locator("script").count() == 0, f"{path}: no JavaScript"
    css = page.request.get("/ui/static/console.css")
    assert css.status == 200
    assert css.headers["content-type"].startswith("text/css")
    assert not violations, violations


def check_headers(label, response):
    headers = response.headers  # lower-cased names
    assert headers.get("content-security-policy") == CSP, (label, headers.get("content-security-policy"))
    assert headers.get("referrer-policy") == "no-referrer", label
    assert headers.get("cache-control") == "no-store", label
    assert headers.get("content-type", "").startswith("text/html"), label


# ---------------------------------------------------------------------------------------------
# The review flow


def test_review_diff_test_run_and_approve(page, server):
    tool = submit_tool(
        server,
        code='def main(city: str):\n    return {"city": city}\n',
        description="Echoes a city.",
    )
    tool_id = tool["id"]

    # 1. The queue shows what the agent submitted, linked to its review page.
    sign_in(page, ADMIN)
    row = page.locator("table#queue tr.tool").filter(has=page.locator(f'a.review[href="/ui/tools/{tool_id}/review"]'))
    expect(row).to_have_count(1)
    expect(row.locator("a.review")).to_have_text(f"{server['name']}/{tool['name']}")
    cells = row.locator("td")  # the link, the submitter, the version, the age
    expect(cells).to_have_count(4)
    expect(cells.nth(2)).to_have_text(re.compile(r"^\s*v?1\s*$"))
    assert_shows_submitter(cells.nth(1).inner_text(), created_by(tool_id, 1))

    # Version 1 is approved over REST, so the next version has something to be compared with.
    approve(tool_id, 1)
    page.reload()
    expect(page.locator(f'table#queue a.review[href="/ui/tools/{tool_id}/review"]')).to_have_count(0)

    # 2. The agent changes the code (a new parameter, so the input schema too) and the description.
    _, changed = api(
        "PATCH",
        f"/v1/tools/{tool_id}",
        AGENT,
        {
            "code": 'def main(city: str, shout: bool = False):\n    return {"city": city.upper() if shout else city}\n',
            "description": "Echoes a city, loudly if asked.",
        },
        expect_status=200,
    )
    assert changed["current_version"] == 2 and changed["approval_status"] == "pending_review"
    page.goto("/ui/queue")
    row = page.locator("table#queue tr.tool").filter(has=page.locator(f'a.review[href="/ui/tools/{tool_id}/review"]'))
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text(re.compile(r"^\s*v?2\s*$"))
    submitter = created_by(tool_id, 2)
    assert_shows_submitter(row.locator("td").nth(1).inner_text(), submitter)

    # 3. The review page: the changed fields with old and new values, and the code diff.
    row.locator("a.review").click()
    page.wait_for_url(re.compile(rf"/ui/tools/{tool_id}/review$"))
    changes = page.locator("table#changes")
    description_row = field_row(changes, "description")
    expect(description_row).to_have_count(1)
    expect(description_row).to_contain_text("Echoes a city.")
    expect(description_row).to_contain_text("Echoes a city, loudly if asked.")
    expect(field_row(changes, "input_schema")).to_have_count(1)
    expect(field_row(changes, "input_schema")).to_contain_text("shout")
    expect(field_row(changes, "name")).to_have_count(0)  # unchanged fields have no row

    diff = page.locator("pre#diff")
    deleted = diff.locator("span.line.del")
    added = diff.locator("span.line.add")
    expect(deleted.filter(has_text="def main(city: str):")).to_have_count(1)
    expect(deleted.filter(has_text='return {"city": city}')).to_have_count(1)
    expect(added.filter(has_text="def main(city: str, shout: bool = False):")).to_have_count(1)
    expect(added.filter(has_text="city.upper() if shout else city")).to_have_count(1)
    assert diff.locator("span.line.hunk").count() >= 1
    assert diff.locator("span.line.hunk").first.inner_text().startswith("@@")
    assert diff.locator("span.num").count() >= 1
    for line in diff.locator("span.line").all():
        classes = set((line.get_attribute("class") or "").split())
        assert classes & {"add", "del", "ctx", "hunk"}, classes
    assert_shows_submitter(page.locator("body").inner_text(), submitter)

    # 4. A test run of version 2, rendered on the same page.
    test_run = page.locator("form#test-run")
    expect(test_run).to_have_attribute("action", f"/ui/tools/{tool_id}/versions/2/test-run")
    arguments = test_run.locator('textarea[name="arguments"]')
    expect(arguments).to_have_value("{}")
    expect(test_run.locator('input[type="checkbox"][name="with_secrets"]')).to_have_count(1)  # an admin's page
    arguments.fill('{"city": "Oslo", "shout": true}')
    response = submit_and_wait(page, test_run.get_by_role("button", name="Test run"))
    assert response.status == 200
    result = page.locator("section#test-result")
    expect(result.locator("span.status")).to_have_text("succeeded")
    expect(result).to_contain_text("OSLO")
    assert get_tool(tool_id)["approval_status"] == "pending_review"  # a test run judges nothing

    # 5. Approve version 2 in the console; back on the review page with a flash.
    approve_form = page.locator("form#approve")
    expect(approve_form.locator('input[type="hidden"][name="version"]')).to_have_value("2")
    submit_and_wait(page, approve_form.get_by_role("button", name="Approve"))
    expect(page).to_have_url(re.compile(rf"/ui/tools/{tool_id}/review$"))
    expect(page.locator("p.flash")).to_have_text(re.compile(r"Version 2 approved\."))
    assert not page.dialogs

    # 6. The agent runs it over REST.
    tool_now = get_tool(tool_id)
    assert tool_now["approval_status"] == "approved" and tool_now["approved_version"] == 2
    execution = execute(tool_id, {"city": "Bergen", "shout": True})
    assert execution["status"] == "succeeded", execution
    assert execution["result"] == {"city": "BERGEN"}

    if SCREENSHOTS:
        # The review screenshot shows a pending change: a third version.
        api("PATCH", f"/v1/tools/{tool_id}", AGENT,
            {"code": 'def main(city: str, shout: bool = False):\n    """Echo."""\n'
                     '    return {"city": city.upper() if shout else city.title()}\n'},
            expect_status=200)
        open_review(page, tool_id)
        page.locator("form#test-run textarea[name='arguments']").fill('{"city": "oslo"}')
        submit_and_wait(page, page.locator("form#test-run").get_by_role("button", name="Test run"))
        shoot(page, "console-review.png")


def test_reject_with_a_reason(page, server):
    tool = submit_tool(server)
    sign_in(page, ADMIN)
    open_review(page, tool["id"])
    reject = page.locator("form#reject")
    expect(reject).to_have_attribute("action", f"/ui/tools/{tool['id']}/reject")
    expect(reject.locator('input[type="hidden"][name="version"]')).to_have_value("1")
    reject.locator('textarea[name="reason"]').fill("Sends the city nowhere useful.")
    submit_and_wait(page, reject.get_by_role("button", name="Reject"))
    expect(page).to_have_url(re.compile(rf"/ui/tools/{tool['id']}/review$"))
    expect(page.locator("p.flash")).to_have_text(re.compile(r"Version 1 rejected\."))
    assert get_tool(tool["id"])["approval_status"] == "rejected"
    _, events = api("GET", f"/v1/audit-events?subject={tool['id']}&type=tool.rejected", ADMIN, expect_status=200)
    assert any("Sends the city nowhere useful." in json.dumps(e) for e in events["items"]), events
    # Rejected tools leave the queue.
    page.goto("/ui/queue")
    expect(page.locator(f'table#queue a.review[href="/ui/tools/{tool["id"]}/review"]')).to_have_count(0)


def test_approving_a_stale_version_is_409(page, server):
    tool = submit_tool(server)
    sign_in(page, ADMIN)
    open_review(page, tool["id"])  # the page offers version 1 ...
    api("PATCH", f"/v1/tools/{tool['id']}", AGENT, {"description": "Changed meanwhile."}, expect_status=200)
    response = submit_and_wait(page, page.locator("form#approve").get_by_role("button", name="Approve"))
    assert response.status == 409  # ... which is no longer the current one
    expect(page.locator("body")).to_contain_text("version 1 is not the current version")
    tool_now = get_tool(tool["id"])
    assert tool_now["approval_status"] == "pending_review" and tool_now["approved_version"] is None


def test_queue_is_newest_first(page, server):
    first = submit_tool(server)
    second = submit_tool(server)
    sign_in(page, ADMIN)
    hrefs = page.locator("table#queue tr.tool a.review").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    a, b = hrefs.index(f"/ui/tools/{first['id']}/review"), hrefs.index(f"/ui/tools/{second['id']}/review")
    assert b < a, hrefs


def test_tools_list_history_and_rollback(page, server):
    tool = submit_tool(server, code="def main():\n    return 1\n")
    approve(tool["id"], 1)
    api("PATCH", f"/v1/tools/{tool['id']}", AGENT, {"code": "def main():\n    return 2\n"}, expect_status=200)
    sign_in(page, ADMIN)

    page.goto(f"/ui/tools?server_id={server['id']}&status=pending_review")
    tools = page.locator("table#tools")
    expect(tools).to_contain_text(tool["name"])
    page.goto(f"/ui/tools?server_id={server['id']}&status=rejected")
    expect(page.locator("table#tools")).not_to_contain_text(tool["name"])

    page.goto(f"/ui/tools/{tool['id']}")
    expect(page.locator("table#versions tr").filter(has_text=re.compile(r"\b1\b"))).not_to_have_count(0)
    expect(page.locator("table#versions tr").filter(has_text=re.compile(r"\b2\b"))).not_to_have_count(0)

    rollback = page.locator("form#rollback")
    expect(rollback).to_have_attribute("action", f"/ui/tools/{tool['id']}/rollback")
    confirm = rollback.locator('input[type="checkbox"][name="confirm"]')
    expect(confirm).to_have_attribute("required", re.compile(".*"))
    expect(rollback).to_contain_text("I understand this creates a new version that needs review")
    rollback.locator('select[name="to_version"]').select_option("1")
    button = rollback.locator('button, input[type="submit"]').first
    button.click()  # unchecked: the browser does not send the form
    page.wait_for_timeout(300)
    assert get_tool(tool["id"])["current_version"] == 2
    # Without the confirmation, even a hand-made post changes nothing. (Not spelled out in the
    # console's contract: a required checkbox that only the browser enforced would be decoration.)
    page.request.post(
        f"/ui/tools/{tool['id']}/rollback", form={"to_version": "1", "csrf": csrf_of(page)}, max_redirects=0
    )
    assert get_tool(tool["id"])["current_version"] == 2
    confirm.check()
    with page.expect_navigation():
        button.click()
    tool_now = get_tool(tool["id"])
    assert tool_now["current_version"] == 3 and tool_now["approval_status"] == "pending_review"


def test_servers_page_shows_names_never_secret_values(page):
    server = create_server(allowed_hosts=["api.example.com"])
    secret_value = "s3cr3t-" + uuid.uuid4().hex
    status, _ = api("PUT", f"/v1/servers/{server['id']}/secrets/WEATHER_TOKEN", ADMIN, {"value": secret_value})
    assert status in (200, 201, 204), status
    sign_in(page, ADMIN)
    page.goto("/ui/servers")
    row = page.locator("table#servers tr").filter(has_text=server["name"])
    expect(row).to_have_count(1)
    expect(row).to_contain_text("api.example.com")
    expect(row).to_contain_text("WEATHER_TOKEN")
    assert secret_value not in page.content()


# ---------------------------------------------------------------------------------------------
# Auditor: executions, the audit trail, and no approving


def test_auditor_reads_executions_and_verifies_the_chain(page, server):
    tool = submit_tool(
        server,
        code='def main(city: str, fail: bool = False):\n'
             '    print("looking up", city)\n'
             '    if fail:\n'
             '        raise ValueError("no such city: " + city)\n'
             '    return {"city": city}\n',
    )
    approve(tool["id"], 1)
    ok = execute(tool["id"], {"city": "Tromso"})
    assert ok["status"] == "succeeded", ok
    bad = execute(tool["id"], {"city": "Atlantis", "fail": True})
    assert bad["status"] == "failed", bad
    pending = submit_tool(server)

    sign_in(page, AUDITOR)
    expect(page.locator("header")).to_contain_text("auditor")

    # Executions of this tool, newest first, each linked to its page.
    page.goto(f"/ui/executions?tool_id={tool['id']}")
    rows = page.locator("table#executions tr.execution")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(f'a[href="/ui/executions/{bad["id"]}"]')).to_have_count(1)
    expect(rows.nth(1).locator(f'a[href="/ui/executions/{ok["id"]}"]')).to_have_count(1)
    page.goto(f"/ui/executions?tool_id={tool['id']}&status=failed")
    expect(page.locator("table#executions tr.execution")).to_have_count(1)
    expect(page.locator(f'table#executions a[href="/ui/executions/{bad["id"]}"]')).to_have_count(1)
    if SCREENSHOTS:
        page.goto("/ui/executions")
        shoot(page, "console-executions.png")

    page.goto(f"/ui/executions?tool_id={tool['id']}")
    with page.expect_navigation():
        page.locator(f'a[href="/ui/executions/{bad["id"]}"]').first.click()
    body = page.locator("body")
    expect(body).to_contain_text("Atlantis")  # arguments
    expect(body).to_contain_text("looking up Atlantis")  # stdout
    expect(body).to_contain_text("ValueError")  # error
    expect(body).to_contain_text("no such city: Atlantis")

    # The audit trail and its check.
    page.goto(f"/ui/audit?subject={tool['id']}")
    expect(page.locator("table#audit")).to_contain_text("tool.approved")
    verify = page.locator("form#verify")
    expect(verify).to_have_attribute("action", "/ui/audit/verify")
    response = submit_and_wait(page, verify.get_by_role("button", name="Verify chain"))
    assert response.status == 200
    result = page.locator("p#verify-result")
    expect(result).to_contain_text("intact")
    expect(result).to_contain_text(re.compile(r"head \d+:[0-9a-f]{64}"))
    _, chain = api("GET", "/v1/audit-events/verify", AUDITOR, expect_status=200)
    assert chain["ok"] is True

    # No approving for an auditor: no forms, and a hand-made post with a valid token is 403.
    open_review(page, pending["id"])
    expect(page.locator("form#approve")).to_have_count(0)
    expect(page.locator("form#reject")).to_have_count(0)
    token = csrf_of(page)
    response = page.request.post(
        f"/ui/tools/{pending['id']}/approve", form={"version": "1", "csrf": token}, max_redirects=0
    )
    assert response.status == 403
    assert CSRF_MESSAGE not in response.text(), "refused for the role, not for the token"
    response = page.request.post(
        f"/ui/tools/{pending['id']}/reject", form={"version": "1", "reason": "x", "csrf": token}, max_redirects=0
    )
    assert response.status == 403
    assert get_tool(pending["id"])["approval_status"] == "pending_review"


def test_executions_next_page(page, server):
    tool = submit_tool(server, code="def main(n: int):\n    return n\n")
    approve(tool["id"], 1)
    made = [execute(tool["id"], {"n": n})["id"] for n in range(3)]
    sign_in(page, AUDITOR)
    page.goto(f"/ui/executions?tool_id={tool['id']}")
    seen = []
    for _ in range(10):
        seen += [
            a.get_attribute("href").rsplit("/", 1)[-1]
            for a in page.locator('table#executions tr.execution a[href^="/ui/executions/"]').all()
        ]
        following = page.locator("a#next")
        if following.count() == 0:
            break
        assert "cursor=" in following.get_attribute("href")
        with page.expect_navigation():
            following.click()
    assert sorted(set(seen)) == sorted(made), (seen, made)
    assert len(seen) == len(set(seen)), "no execution on two pages"


# ---------------------------------------------------------------------------------------------
# Escaping


def test_markup_in_tool_fields_is_shown_as_text(page, server):
    description = f"Weather {XSS_SCRIPT} and {XSS_ATTR}"
    code = (
        f"# {XSS_SCRIPT}\n"
        "def main(city: str):\n"
        f"    return {{'note': {XSS_ATTR!r}, 'city': city}}\n"
    )
    tool = submit_tool(server, description=description, code=code)
    sign_in(page, ADMIN)
    pages = ["/ui/queue", f"/ui/tools/{tool['id']}/review", f"/ui/tools/{tool['id']}",
             f"/ui/tools?server_id={server['id']}"]
    for path in pages:
        page.goto(path)
        assert_no_injected_markup(page, path)
    open_review(page, tool["id"])
    text = page.locator("body").inner_text()
    assert XSS_SCRIPT in text and XSS_ATTR in text, "the payloads appear as text"
    expect(page.locator("pre#diff")).to_contain_text(XSS_SCRIPT)
    # A test run echoes the payload back through the result.
    page.locator("form#test-run textarea[name='arguments']").fill(json.dumps({"city": XSS_SCRIPT}))
    submit_and_wait(page, page.locator("form#test-run").get_by_role("button", name="Test run"))
    expect(page.locator("section#test-result span.status")).to_have_text("succeeded")
    expect(page.locator("section#test-result")).to_contain_text(XSS_SCRIPT)
    assert_no_injected_markup(page, "test result")
    # And an execution page does the same.
    approve(tool["id"], 1)
    execution = execute(tool["id"], {"city": XSS_ATTR})
    page.goto(f"/ui/executions/{execution['id']}")
    expect(page.locator("body")).to_contain_text(XSS_ATTR)
    assert_no_injected_markup(page, "execution")
    assert page.dialogs == [], page.dialogs


def assert_no_injected_markup(page, label):
    assert page.locator("script").count() == 0, f"{label}: a script element"
    assert page.locator('img[src="x"]').count() == 0, f"{label}: an injected img"
    assert page.locator("[onerror]").count() == 0, f"{label}: an onerror attribute"
    assert page.dialogs == [], f"{label}: {page.dialogs}"


# ---------------------------------------------------------------------------------------------
# Screenshots for docs/console.md (WARDEN_CONSOLE_SCREENSHOTS=1)


def shoot(page, name):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / name), full_page=True)


@pytest.mark.skipif(not SCREENSHOTS, reason="WARDEN_CONSOLE_SCREENSHOTS=1 takes the screenshots")
def test_queue_screenshot(page):
    server = create_server(name=unique("weather"))
    for name, code in [
        ("forecast", "def main(city: str, days: int = 3):\n    return {'city': city, 'days': days}\n"),
        ("alerts", "def main(region: str):\n    return {'region': region, 'alerts': []}\n"),
        ("radar", "def main(lat: float, lon: float):\n    return {'lat': lat, 'lon': lon}\n"),
    ]:
        submit_tool(server, name=name, code=code, description=f"The {name} for a place.")
    sign_in(page, ADMIN)
    shoot(page, "console-queue.png")
