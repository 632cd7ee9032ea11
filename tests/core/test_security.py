"""Idle sessions, passwords and the Content-Security-Policy (issue #9, findings 9 and 10)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_user
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def _session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_a_desk_session_ends_after_an_idle_hour_and_every_request_renews_it(client_for):
    client = client_for("analyst")
    session = _session(client)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=2))
    assert client.get(reverse("incidents:incident_list")).status_code == 200
    left = _session(client).expire_date - timezone.now()
    assert timedelta(minutes=59) < left <= timedelta(hours=1)

    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("incidents:incident_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_keep_alive_renews_the_session_and_nothing_else(client_for):
    client = client_for("editor")
    Session.objects.filter(pk=_session(client).pk).update(expire_date=timezone.now() + timedelta(minutes=4))
    response = client.post(reverse("keep_alive"))
    assert response.status_code == 204
    assert _session(client).expire_date - timezone.now() > timedelta(minutes=59)
    assert client.get(reverse("keep_alive")).status_code == 405
    client.logout()
    assert client.post(reverse("keep_alive")).status_code == 401


def test_signed_in_pages_carry_the_idle_warning_with_its_timings(client_for):
    page = client_for("analyst").get(reverse("incidents:incident_list")).content.decode()
    assert 'data-idle-seconds="3600"' in page
    assert 'data-warning-seconds="300"' in page
    assert 'src="/static/js/session_timeout.js"' in page
    assert 'id="session-timeout"' not in client_for("anonymous").get(reverse("login")).content.decode()


def test_passwords_like_the_username_short_or_numeric_are_refused():
    analyst = make_user("analyst", username="analyst")
    with pytest.raises(ValidationError) as refused:
        validate_password("analyst1", user=analyst)
    messages = " ".join(refused.value.messages)
    assert "too similar to the username" in messages
    assert "at least 12 characters" in messages
    with pytest.raises(ValidationError, match="entirely numeric"):
        validate_password("830215649173", user=analyst)
    validate_password("paktika strikes ledger", user=analyst)


def test_the_demo_accounts_passwords_pass_the_validators():
    """Demo accounts are for a local `make run` only; their passwords still meet the rules."""
    from incidents.demo import DEMO_ACCOUNTS, demo_users

    users = demo_users()
    for username, (role, password) in DEMO_ACCOUNTS.items():
        validate_password(password, user=users[role])
        assert users[role].username == username


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_desk_pages_send_a_policy_with_no_inline_script_but_their_own_nonced_one(client_for, settings):
    incident = IncidentFactory(location="POINT(69.0 32.8)")
    response = client_for("editor").get(reverse("incidents:incident_detail", args=[incident.pk]))
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "https://tile.openstreetmap.org" in policy["img-src"]  # the map's tiles (MAP_TILES_URL)
    [nonce] = [value for value in policy["script-src"] if value.startswith("'nonce-")]
    page = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", page)
    assert inline, "the map's set-up script"
    assert all(f'nonce="{nonce[7:-1]}"' in attributes for attributes in inline)
    assert " style=" not in page


def test_the_incident_form_map_widget_script_carries_the_nonce(client_for):
    response = client_for("analyst").get(reverse("incidents:incident_create"))
    [nonce] = [value[7:-1] for value in _policy(response)["script-src"] if value.startswith("'nonce-")]
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", response.content.decode())
    assert len(inline) >= 2  # the widget's and the map's
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline)


def test_api_docs_run_under_the_policy(client):
    swagger = client.get(reverse("api-docs"))
    assert swagger.status_code == 200
    [nonce] = [value[7:-1] for value in _policy(swagger)["script-src"] if value.startswith("'nonce-")]
    assert f'<script nonce="{nonce}">' in swagger.content.decode()
    assert f'<style nonce="{nonce}">' in swagger.content.decode()

    redoc = client.get(reverse("api-redoc"))
    policy = _policy(redoc)
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]  # Redoc writes its styles inline; this page only
    assert policy["worker-src"] == ["'self'", "blob:"]  # and builds its search worker from a blob
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "fonts.googleapis.com" not in redoc.content.decode()


def test_the_browsable_api_alone_allows_inline_styles_and_json_keeps_the_policy(client_for):
    """DRF's HTML pages write their styles inline; their scripts stay nonce-only, and JSON answers are untouched."""
    client = client_for("editor")
    page = _policy(client.get(reverse("api:incident-list"), HTTP_ACCEPT="text/html"))
    assert page["style-src"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-inline'" not in page["script-src"]
    json = _policy(client.get(reverse("api:incident-list"), HTTP_ACCEPT="application/json"))
    assert "'unsafe-inline'" not in json["style-src"]


def test_the_map_tiles_origin_follows_map_tiles_url():
    from config.settings import _origin

    assert _origin("https://{s}.tiles.example.org/{z}/{x}/{y}.png") == "https://*.tiles.example.org"
    assert _origin("/tiles/{z}/{x}/{y}.png") == "'self'"
