"""Logins (the desk's page and the admin's) are locked per (username, address) after repeated failures."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


def _login(client, username, password, url="login", address=ADDRESS, **headers):
    return client.post(reverse(url), {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _lock_out(client, username="analyst-user", **kwargs):
    return [_login(client, username, "wrong", **kwargs).status_code for _ in range(60)]


def test_sixty_wrong_passwords_then_the_right_one_is_refused(client, analyst, settings):
    statuses = _lock_out(client)
    limit = settings.AXES_FAILURE_LIMIT
    # The form again ("didn't match") until the limit; the failure that reaches it locks the pair out.
    assert statuses == [200] * (limit - 1) + [429] * (60 - limit + 1)
    response = _login(client, "analyst-user", "pw")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    page = response.content.decode()
    assert 'id="locked-out"' in page
    assert f"Try again in {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in page
    assert not _logged_in(client)


def test_the_lockout_ends_after_the_cool_off(client, analyst, settings):
    _lock_out(client)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME
                                 - dt.timedelta(seconds=1))  # fmt: skip
    assert _login(client, "analyst-user", "pw").status_code == 302
    assert _logged_in(client)


def test_an_admin_lifts_a_lockout_at_once(client, analyst):
    _lock_out(client)
    call_command("axes_reset_username", "analyst-user")
    assert _login(client, "analyst-user", "pw").status_code == 302


def test_other_users_and_other_addresses_are_unaffected(client, analyst, editor):
    _lock_out(client)
    assert _login(client, "editor-user", "pw").status_code == 302
    client.logout()
    assert _login(client, "analyst-user", "pw", address="198.51.100.20").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, analyst):
    _lock_out(client)
    assert _login(client, "analyst-user", "pw", HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 429


def test_the_admin_login_is_locked_too(client, users):
    statuses = [_login(client, "admin-user", "wrong", url="admin:login").status_code for _ in range(60)]
    assert statuses[-1] == 429
    assert _login(client, "admin-user", "pw", url="admin:login").status_code == 429
    assert not _logged_in(client)


def test_a_success_below_the_limit_starts_the_count_again(client, analyst, settings):
    for _ in range(2):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _login(client, "analyst-user", "wrong").status_code == 200
        assert _login(client, "analyst-user", "pw").status_code == 302
        client.logout()
