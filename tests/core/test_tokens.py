"""API tokens: stored as a digest, shown once, expiring, revocable at once, dead after a password change or
deactivation, with their last use recorded cheaply."""

import datetime as dt
import hashlib
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiToken
from core.tokens import token_issue

pytestmark = pytest.mark.django_db

URL = "/api/actors/"


def _get(key: str, **extra):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(URL, **extra)


def test_a_token_is_stored_only_as_its_digest(partner):
    token, key = token_issue(user=partner, note="Acme sync")
    assert _get(key).status_code == 200
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(value) for value in row.values()}
    assert row["digest"] == hashlib.sha512(key.encode()).hexdigest()
    assert len(key) == 64
    assert row["token_key"] == key[:15]  # the lookup prefix only


def test_the_plaintext_token_table_is_gone(db):
    assert "authtoken_token" not in connection.introspection.table_names()


def test_a_token_expires_after_the_configured_days(partner, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": dt.timedelta(days=7)}
    token, _ = token_issue(user=partner)
    assert abs(token.expiry - (timezone.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)


def test_an_expired_token_is_refused_and_deleted(partner):
    token, key = token_issue(user=partner)
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert _get(key).status_code == 401
    assert not ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize("header", ["Token café", "Token " + "0" * 64, "Token", "Token a b"])
def test_malformed_or_unknown_tokens_are_refused_with_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_deleted_token_is_refused_from_the_next_call(partner):
    token, key = token_issue(user=partner)
    assert _get(key).status_code == 200
    token.delete()
    assert _get(key).status_code == 401


def test_a_password_change_revokes_all_the_users_tokens_and_no_one_elses(partner, analyst):
    _, first = token_issue(user=partner, note="one")
    _, second = token_issue(user=partner, note="two")
    _, other = token_issue(user=analyst)
    partner.set_password("a-new-password")
    partner.save()
    assert _get(first).status_code == 401
    assert _get(second).status_code == 401
    assert _get(other).status_code == 200
    assert not ApiToken.objects.filter(user=partner).exists()


def test_a_password_change_in_the_admin_revokes_the_tokens(client_for, partner):
    _, key = token_issue(user=partner)
    response = client_for("admin").post(
        reverse("admin:auth_user_password_change", args=[partner.pk]),
        {"password1": "x-Very-new-9", "password2": "x-Very-new-9", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert _get(key).status_code == 401


def test_deactivation_revokes_the_tokens_for_good(partner):
    _, key = token_issue(user=partner)
    partner.is_active = False
    partner.save()
    assert _get(key).status_code == 401
    partner.is_active = True
    partner.save()
    assert _get(key).status_code == 401  # reactivating does not bring old keys back


def test_an_inactive_users_token_is_refused_even_if_it_survived(partner, django_user_model):
    _, key = token_issue(user=partner)
    django_user_model.objects.filter(pk=partner.pk).update(is_active=False)  # no signal: the check still holds
    assert _get(key).status_code == 401


def test_other_saves_of_the_user_keep_the_tokens(partner):
    _, key = token_issue(user=partner)
    partner.email = "partner@example.org"
    partner.save()
    partner.last_login = timezone.now()
    partner.save(update_fields=["last_login"])
    assert _get(key).status_code == 200


def test_last_use_is_written_at_most_once_a_minute(partner):
    token, key = token_issue(user=partner)
    assert token.last_used is None
    assert _get(key).status_code == 200
    token.refresh_from_db()
    first_use = token.last_used
    assert timezone.now() - first_use < dt.timedelta(seconds=10)

    with CaptureQueriesContext(connection) as queries:
        assert _get(key).status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "core_apitoken"')]
    token.refresh_from_db()
    assert token.last_used == first_use

    ApiToken.objects.filter(pk=token.pk).update(last_used=first_use - dt.timedelta(minutes=2))
    assert _get(key).status_code == 200
    token.refresh_from_db()
    assert token.last_used > first_use


def _issue(*args) -> str:
    out = StringIO()
    call_command("issue_token", *args, stdout=out)
    line = out.getvalue().strip()
    assert "shown once" in line
    return re.search(r"[0-9a-f]{64}$", line).group(0)


def test_issue_token_command_prints_a_working_key_and_replace_rotates_it(partner):
    first = _issue("partner-user", "--note", "Acme sync")
    assert _get(first).status_code == 200
    second = _issue("partner-user", "--note", "Acme sync", "--replace")
    assert _get(first).status_code == 401
    assert _get(second).status_code == 200
    assert ApiToken.objects.get(user=partner).note == "Acme sync"


def test_issue_token_command_refuses_unknown_and_deactivated_users(partner):
    with pytest.raises(CommandError, match="No user"):
        call_command("issue_token", "nobody")
    partner.is_active = False
    partner.save()
    with pytest.raises(CommandError, match="deactivated"):
        call_command("issue_token", "partner-user")
    assert not ApiToken.objects.exists()


def test_the_admin_issues_a_token_shown_once_on_an_uncached_page(client_for, partner):
    response = client_for("admin").post(
        reverse("admin:auth_user_changelist"), {"action": "issue_token", "_selected_action": [partner.pk]}
    )
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    key = re.search(r'class="api-token">([0-9a-f]{64})<', response.content.decode()).group(1)
    assert _get(key).status_code == 200
    token = ApiToken.objects.get(user=partner)
    assert token.note == "issued in the admin by admin-user"
    # The list and the user's page show the key's start, never the key.
    for url in (reverse("admin:core_apitoken_changelist"), reverse("admin:auth_user_change", args=[partner.pk])):
        page = client_for("admin").get(url).content.decode()
        assert key[:8] in page
        assert key not in page


def test_the_admin_revoke_action_refuses_the_token_from_the_next_call(client_for, partner):
    token, key = token_issue(user=partner)
    response = client_for("admin").post(
        reverse("admin:core_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    assert _get(key).status_code == 401


def test_the_admin_role_may_issue_list_and_revoke_tokens_but_not_edit_them(db):
    from django.contrib.auth.models import Group

    perms = set(Group.objects.get(name="admin").permissions.values_list("codename", flat=True))
    assert {"view_apitoken", "add_apitoken", "delete_apitoken"} <= perms
    assert "change_apitoken" not in perms


def test_who_issued_and_who_revoked_a_token_is_audited(client_for, users, partner):
    from core.audit import history_for

    key = _issue("partner-user", "--note", "Acme sync")
    token = ApiToken.objects.get(user=partner)
    client_for("admin").post(
        reverse("admin:core_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    issued, revoked = history_for(token)
    assert (issued.pgh_label, issued.pgh_context["command"]) == ("insert", "issue_token")
    assert (revoked.pgh_label, revoked.user) == ("delete", users["admin"])
    assert key not in str(issued.pgh_data)
