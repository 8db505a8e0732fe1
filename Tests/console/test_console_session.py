"""Browser tests of the admin console (/ui/): signing in and out, CSRF and headers.
Helpers in console_support.py, fixtures in conftest.py; scripts/check-console.sh runs them."""

from console_support import *  # noqa: F401,F403


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
    # A post that skips the sign-in page (no token from it) is refused before any key is looked at.
    for form in [{"api_key": "not a key"}, {}]:
        refused = page.request.post("/ui/login", form=form, max_redirects=0)
        assert refused.status == 403, form
        assert "did not come from this console" in refused.text()


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
    # The sign-in page lets its post carry the console's Origin; every other page sends no referrer.
    assert headers.get("referrer-policy") == ("same-origin" if label == "/ui/login" else "no-referrer"), label
    assert headers.get("cache-control") == "no-store", label
    assert headers.get("content-type", "").startswith("text/html"), label


# ---------------------------------------------------------------------------------------------
# The review flow




def test_sign_in_posts_carry_this_consoles_origin(page):
    """The sign-in page's referrer policy lets the browser send the console's own Origin with the
    post (under no-referrer it would send `null`, which sign-in refuses)."""
    seen = []
    page.on("request", lambda request: seen.append(request.headers.get("origin")) if request.method == "POST" else None)
    response = page.goto("/ui/login")
    assert response.headers.get("referrer-policy") == "same-origin"
    sign_in(page, ADMIN)
    assert seen and seen[-1] == URL.rstrip("/"), seen
