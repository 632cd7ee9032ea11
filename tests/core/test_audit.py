"""Every write path leaves an audit row saying who or what made it, and the values before and after."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from core.audit import audit_context, history_for
from incidents.models import Incident
from tests.conftest import login_verified
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def _updates(incident):
    return [event for event in history_for(incident) if event.pgh_label == "update"]


def test_admin_change_is_attributed_to_the_user_with_before_and_after(client, users):
    incident = IncidentFactory(title="Before")
    admin = users["admin"]
    login_verified(client, admin)
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}
    data.update({"title": "After", "sources": [], "location": incident.location.ewkt})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    [event] = _updates(incident)
    assert event.user == admin
    assert event.pgh_context["url"] == url
    assert event.pgh_diff["title"] == ["Before", "After"]


def test_management_command_writes_are_attributed_to_the_command(areas):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    incident = Incident.objects.get()
    events = list(history_for(incident))
    assert events[0].pgh_label == "insert"
    assert all(event.pgh_context["command"] == "load_demo" for event in events)
    assert any(event.pgh_diff and "status" in event.pgh_diff for event in events)


def test_service_writes_inside_an_audit_context_carry_it(analyst):
    from incidents import services

    incident = IncidentFactory(title="Old")
    with audit_context(user=analyst, reason="test"):
        services.incident_update(incident=incident, author=analyst, data={"title": "New"}, version=1)
    [event] = _updates(incident)
    assert event.user == analyst
    assert event.pgh_context["reason"] == "test"


def test_a_write_outside_any_context_still_leaves_a_row():
    """Triggers, not signals: even raw SQL from psql is recorded (with no context)."""
    incident = IncidentFactory(title="Quiet")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE incidents_incident SET title = 'Loud' WHERE id = %s", [incident.pk])
    [event] = _updates(incident)
    assert event.pgh_diff["title"] == ["Quiet", "Loud"]
    assert event.pgh_context is None


def test_claims_and_assessments_record_their_insert_with_the_author(paktika):
    from incidents.models import CasualtyClaim

    claim = paktika.claims.first()
    [event] = history_for(claim)
    assert event.pgh_label == "insert"
    assert CasualtyClaim.objects.filter(pk=claim.pk).exists()
