"""Real-browser plumbing: Debian's Chromium driven by Playwright against pytest-django's live server.

Every test here runs with a transactional database (the live server answers from another thread,
so it must see committed rows), in its own browser context with every non-local request aborted:
map tiles come from OpenStreetMap, which is unreachable here, and tests must not depend on it.
"""

import os
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make beside
# it are still plain synchronous calls, so Django's async-safety guard would refuse them wrongly.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.browser.helpers import saved_screenshots  # noqa: E402
from tests.conftest import authenticator_for, totp_code  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# Generous waits: `make test` may share the machine with other work; a wait ends as soon as its condition holds.
expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(items):
    # Everything under tests/browser is a browser test, whether or not its author remembered the mark.
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter):
    if saved_screenshots:
        terminalreporter.section("browser screenshots")
        for path in saved_screenshots:
            terminalreporter.write_line(str(path))


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the whole run; each test gets fresh contexts (cookies, storage) from it."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _only_local(route):
    if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
        route.continue_()
    else:
        route.abort("blockedbyclient")


class Desk:
    """Opens pages on the live server, one browser context per signed-in person."""

    def __init__(self, browser, live_server):
        self.browser = browser
        self.base = live_server.url
        self.contexts = []
        self.js_errors: list[str] = []
        self.dialogs: list[str] = []
        self.csp_violations: list[str] = []

    def url(self, name: str, *args, **kwargs) -> str:
        return self.base + reverse(name, args=args, kwargs=kwargs)

    def new_page(self) -> Page:
        context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(10_000)
        context.route("**/*", _only_local)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.js_errors.append(f"{page.url}: {error}"))

        def on_console(message):
            # Chromium reports what the Content-Security-Policy refused ("Refused to execute inline script…").
            if "Content Security Policy" in message.text:
                self.csp_violations.append(f"{page.url}: {message.text}")

        page.on("console", on_console)

        def on_dialog(dialog):
            # Any dialog at all means user text ran as script somewhere: record it, then get it out of the way.
            self.dialogs.append(f"{page.url}: {dialog.type} {dialog.message!r}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return page

    def login(self, username: str, password: str) -> Page:
        """A new page signed in through the desk's own login form (the way a person does it).

        If the account has an authenticator, the next page asks for its code: typed as the person's app shows it.
        """
        page = self.new_page()
        page.goto(self.url("login"))
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.locator("form").filter(has=page.get_by_label("Password")).locator(
                "button[type=submit], input[type=submit]"
            ).first.click()
        assert any(c["name"] == settings.SESSION_COOKIE_NAME for c in page.context.cookies()), (
            f"{username} was not signed in; the page says: {page.locator('body').inner_text()[:500]}"
        )
        if page.url.startswith(self.url("two_factor_verify")):
            self.give_code(page, username)
        return page

    def give_code(self, page: Page, username: str) -> None:
        """Type the authenticator's code on the two-factor page (a later step's if this one was used already)."""
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        used = device.last_t >= int((time.time() - device.t0) // device.step)
        page.get_by_label("Code", exact=True).fill(totp_code(device, steps_ahead=1 if used else 0))
        with page.expect_navigation():
            page.locator("#two-factor-verify-form button[type=submit]").click()
        assert not page.url.startswith(self.url("two_factor_verify")), page.locator("body").inner_text()[:500]

    def login_as(self, role: str) -> Page:
        from incidents.demo import DEMO_ACCOUNTS

        username = next(name for name, (r, _) in DEMO_ACCOUNTS.items() if r == role)
        return self.login(username, DEMO_ACCOUNTS[username][1])

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def desk(chromium, live_server, transactional_db):
    """Pages on the live server; fails the test on an uncaught script error, a dialog or a CSP refusal."""
    desk = Desk(chromium, live_server)
    yield desk
    desk.close()
    assert not desk.dialogs, f"a dialog fired (user text ran as script?): {desk.dialogs}"
    assert not desk.js_errors, f"uncaught script errors: {desk.js_errors}"
    assert not desk.csp_violations, f"the Content-Security-Policy refused: {desk.csp_violations}"


@pytest.fixture
def demo_accounts(transactional_db):
    """The demo accounts of `make run` (one per role), with their printed passwords.

    Editors and admins must use two-factor: here theirs is already set up (the demo's first login walks them through
    it, tested in test_two_factor.py), and ``Desk.login`` types the code.
    """
    from incidents.demo import demo_users

    users = demo_users()
    for role in ("editor", "admin"):
        authenticator_for(users[role])
    return users


@pytest.fixture
def demo_actors(transactional_db):
    """The Paktika story's actors (Pakistani security forces, Kabul's foreign ministry, UNAMA, TTP…), by slug."""
    from incidents.demo import demo_actors

    return demo_actors()
