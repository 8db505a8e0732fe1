"""Browser tests of the admin console (/ui/): servers, executions, the audit trail and escaping.
Helpers in console_support.py, fixtures in conftest.py; scripts/check-console.sh runs them."""

from console_support import *  # noqa: F401,F403


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

