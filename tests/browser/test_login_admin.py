"""Each demo account signs in through the desk's login page and tries the Django admin."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import screenshot


@pytest.mark.parametrize("role", ["admin", "editor", "analyst", "partner"])
def test_each_role_signs_in_and_only_admin_reaches_the_admin(desk, demo_accounts, role):
    page = desk.login_as(role)

    # The desk's list: open to the desk and the admin, never to a partner (who reads the API only).
    response = page.goto(desk.url("incidents:incident_list"))
    assert response.status == (403 if role == "partner" else 200)

    response = page.goto(desk.base + "/admin/")
    if role == "admin":
        assert response.status == 200
        assert page.url == desk.base + "/admin/"
        expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
        # The reference data an admin manages is reachable from the index.
        for changelist in ("auth/user", "auth/group", "actors/actor", "geo/area"):
            expect(page.locator(f"a[href='/admin/{changelist}/']").first).to_be_visible()
        page.locator("a[href='/admin/actors/actor/']").first.click()
        expect(page.get_by_role("heading", name="Select actor to change")).to_be_visible()
        screenshot(page, "admin-actors")
    else:
        # Django sends a non-staff user to the admin's login page, saying why, and shows no admin data.
        assert page.url.startswith(desk.base + "/admin/login/")
        body = page.locator("body").inner_text()
        assert f"You are authenticated as {demo_accounts[role].username}" in body
        assert "not authorized to access this page" in body
        assert "Site administration" not in body


def test_wrong_password_is_refused_on_the_login_page(desk, demo_accounts):
    page = desk.new_page()
    page.goto(desk.url("login"))
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("not-the-password")
    page.locator("form").filter(has=page.get_by_label("Password")).locator(
        "button[type=submit], input[type=submit]"
    ).first.click()
    page.wait_for_load_state()
    assert page.url.startswith(desk.url("login"))
    assert "username and password didn't match" in page.locator("body").inner_text()
    assert not any(c["name"] == "sessionid" for c in page.context.cookies())
