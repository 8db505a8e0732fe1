"""Browser tests of the admin console (/ui/): the review page, decisions and the tools pages.
Helpers in console_support.py, fixtures in conftest.py; scripts/check-console.sh runs them."""

from console_support import *  # noqa: F401,F403


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


