"""Issue #9 in a real browser: two-factor set-up and sign-in, the idle-session warning, and every kind of page working
under the Content-Security-Policy (the ``desk`` fixture fails a test on any CSP refusal Chromium reports)."""

import base64
import time

from django_otp.oath import TOTP
from playwright.sync_api import expect

from incidents.demo import DEMO_ACCOUNTS
from tests.browser.helpers import screenshot


def authenticator_code(secret_shown: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the secret typed from the set-up page."""
    totp = TOTP(base64.b32decode(secret_shown.replace(" ", "")))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def _password(page, desk, username):
    page.goto(desk.url("login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_ACCOUNTS[username][1])
    with page.expect_navigation():
        page.locator("#login-button").click()


def test_demo_editor_sets_up_two_factor_at_first_login_then_signs_in_with_a_code_or_a_recovery_code(desk):
    from incidents.demo import demo_users

    demo_users()  # as `make run` leaves them: no authenticator yet
    page = desk.new_page()
    _password(page, desk, "editor")

    # Sent to set up two-factor: the QR code, and the secret as text for typing into an app by hand.
    expect(page).to_have_url(desk.url("two_factor_setup") + "?next=/")
    expect(page.locator("#two-factor-qr svg")).to_be_visible()
    secret = page.locator("#two-factor-secret").inner_text()
    screenshot(page, "two-factor-setup")

    page.get_by_label("Code", exact=True).fill(f"{(int(authenticator_code(secret)) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Turn on two-factor").click()
    expect(page.locator(".error")).to_contain_text("That code is not right")
    time.sleep(1.1)  # django-otp's pause after a wrong code
    page.get_by_label("Code", exact=True).fill(authenticator_code(secret))
    page.get_by_role("button", name="Turn on two-factor").click()

    expect(page.locator("#recovery-codes li")).to_have_count(10)
    recovery = page.locator("#recovery-codes li").first.inner_text()
    screenshot(page, "two-factor-recovery-codes")
    page.locator("#continue-link").click()
    expect(page).to_have_url(desk.url("incidents:incident_list"))
    expect(page.locator("#nav-review")).to_be_visible()

    # Next time: password, then the app's code (the next one: each code is accepted once).
    page.locator("#logout-button").click()
    _password(page, desk, "editor")
    expect(page.get_by_role("heading", name="Two-factor code")).to_be_visible()
    page.get_by_label("Code", exact=True).fill(authenticator_code(secret, steps_ahead=1))
    page.locator("#verify-button").click()
    expect(page).to_have_url(desk.url("incidents:incident_list"))

    # Without the phone: a recovery code, once.
    for attempt in ("accepted", "refused"):
        page.locator("#logout-button").click()
        _password(page, desk, "editor")
        page.get_by_label("Code", exact=True).fill(recovery)
        page.locator("#verify-button").click()
        if attempt == "accepted":
            expect(page).to_have_url(desk.url("incidents:incident_list"))
        else:
            expect(page.locator(".error")).to_contain_text("That code is not right")
            assert page.goto(desk.url("incidents:incident_list")).url.startswith(desk.url("two_factor_verify"))


def test_an_idle_session_is_warned_can_stay_signed_in_and_then_ends(desk, demo_accounts, settings):
    settings.SESSION_COOKIE_AGE = 8  # an hour in production; the warning shows 6 s before the end
    settings.SESSION_TIMEOUT_WARNING_SECONDS = 6
    page = desk.login_as("analyst")
    page.goto(desk.url("incidents:incident_list"))
    warning = page.locator("#session-timeout")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=5_000)
    expect(warning).to_contain_text("you will be signed out in 0:0")
    screenshot(page, "session-timeout-warning")

    with page.expect_response(lambda response: response.url.endswith("/accounts/keep-alive/")) as kept:
        page.get_by_role("button", name="Stay signed in").click()
    assert kept.value.status == 204
    expect(warning).to_be_hidden()
    assert page.goto(desk.url("incidents:incident_list")).status == 200  # still signed in

    expect(page.locator("#session-timeout .session-expired")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("button", name="Stay signed in")).to_be_hidden()
    page.locator("#sign-in-again").click()
    expect(page).to_have_url(desk.url("login") + "?next=/")


def test_desk_admin_and_api_docs_work_under_the_content_security_policy(desk, demo_accounts, areas):
    from incidents.demo import load_demo

    incident, _ = load_demo()
    page = desk.login_as("editor")

    response = page.goto(desk.url("incidents:incident_detail", incident.pk))
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    expect(page.locator("#incident-map.leaflet-container .leaflet-tile-pane")).to_be_attached()
    expect(page.locator("#incident-map .leaflet-marker-icon")).to_be_visible()

    page.goto(desk.url("incidents:incident_edit", incident.pk))
    expect(page.locator("#incident-form .leaflet-container .leaflet-marker-icon")).to_be_visible()

    page.goto(desk.url("incidents:incident_reconcile", incident.pk))
    bar = page.locator("#axis-civilians .axis-bar").first
    expect(bar).to_be_visible()
    assert bar.evaluate("el => el.style.left.endsWith('%') && parseFloat(el.style.left)") == float(
        bar.get_attribute("data-left")
    )
    screenshot(page, "reconcile-under-csp")

    admin = desk.login_as("admin")
    admin.goto(desk.base + f"/admin/incidents/incident/{incident.pk}/change/")
    expect(admin.locator(".leaflet-container .leaflet-marker-icon")).to_be_visible()
    admin.goto(desk.base + "/admin/otp_totp/totpdevice/")
    expect(admin.locator("#result_list")).to_contain_text("editor")

    page.goto(desk.url("api-docs"))
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    screenshot(page, "api-docs-under-csp")
    page.goto(desk.url("api-redoc"))
    expect(page.locator(".api-content h1").first).to_be_visible()
    page.get_by_label("Search").fill("incidents")  # Redoc's search runs in its own worker
    expect(page.locator("[data-role='search:results'] [role=menuitem]").first).to_be_visible()
    # Redoc's footer asks its CDN for a logo: the policy refuses it (no page of ours loads anything from elsewhere).
    [refused_logo] = [v for v in desk.csp_violations if "https://cdn.redoc.ly/redoc/logo-mini.svg" in v]
    desk.csp_violations.remove(refused_logo)
