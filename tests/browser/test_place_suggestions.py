"""The geocoder's place suggestions on the incident page: an analyst rejects one and accepts another.

The worker's job is run here as the worker runs it (``geocode_incident``), since the live server's broker is
the in-process one; the real worker and Redis are exercised in tests/integration.
"""

import datetime as dt
import re

from playwright.sync_api import expect

from incidents import services
from incidents.choices import MentionStatus
from incidents.models import Incident, Mention
from incidents.tasks import geocode_incident
from tests.browser.helpers import screenshot


def _row(page, text: str, field: str = "place_text"):
    """The suggestion found as ``text`` in ``field`` (the "resolved to" cell of others may name it too)."""
    return (
        page.locator("#mentions tr.mention")
        .filter(has=page.locator("td:nth-child(1)", has_text=re.compile(rf"^\s*{text}\s*$")))
        .filter(has=page.locator("td:nth-child(2)", has_text=re.compile(rf"^\s*{field}\s*$")))
    )


def test_analyst_rejects_a_suggestion_for_good_and_accepts_the_province(desk, demo_accounts, areas):
    incident = services.incident_create(
        author=demo_accounts["analyst"],
        data={"title": "Strikes on <b>Barmal</b>", "kind": "airstrike", "start_date": dt.date(2024, 12, 24),
              "place_text": "airstrikes on Barmal district, Paktika"},
    )  # fmt: skip
    geocode_incident(incident.pk)  # what the worker does once the save has committed
    incident.refresh_from_db()
    assert (incident.district.name, incident.province.name) == ("Barmal", "Paktika")

    page = desk.login_as("analyst")
    page.goto(desk.url("incidents:incident_detail", incident.pk))
    barmal, paktika = _row(page, "Barmal"), _row(page, "Paktika")
    expect(barmal).to_contain_text("Suggested")
    expect(barmal).to_contain_text("district, Paktika")
    expect(paktika).to_contain_text("Suggested")
    expect(_row(page, "Barmal", "title")).to_contain_text("Suggested")  # the title names it too

    # Reject Barmal: marked rejected, and the incident goes back to the geocoder, which must not propose it again.
    with page.expect_navigation():
        barmal.get_by_role("button", name="Reject").click()
    expect(_row(page, "Barmal")).to_contain_text("Rejected")
    incident.refresh_from_db()
    assert incident.geocode_requested is not None
    geocode_incident(incident.pk)
    incident.refresh_from_db()
    assert (incident.district, incident.province.name) == (None, "Paktika")
    # Rejected once, for the whole incident: the title's suggestion of Barmal is gone too.
    assert list(Mention.objects.filter(incident=incident, area__name="Barmal").values_list("status", flat=True)) == [
        MentionStatus.REJECTED
    ]

    page.reload()
    expect(_row(page, "Barmal")).to_contain_text("Rejected")
    expect(_row(page, "Barmal").get_by_role("button", name="Reject")).to_have_count(0)
    expect(_row(page, "Barmal", "title")).to_have_count(0)

    # Accept Paktika: the incident is placed there by hand, and the geocoder leaves it alone from now on.
    with page.expect_navigation():
        _row(page, "Paktika").get_by_role("button", name="Accept").click()
    expect(_row(page, "Paktika")).to_contain_text("Confirmed")
    expect(page.locator("body")).to_contain_text("a person (the geocoder will not change it)")
    screenshot(page, "place-suggestions")
    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.location_manual, incident.district, incident.province.name) == (True, None, "Paktika")
    assert incident.geo_precision == "province"

    Incident.objects.filter(pk=incident.pk).update(geocode_requested=dt.datetime.now(dt.UTC))
    geocode_incident(incident.pk)  # a later job (an edit, the sweep) does not move a hand-set place
    incident.refresh_from_db()
    assert (incident.location_manual, incident.district, incident.province.name) == (True, None, "Paktika")
    assert incident.title == "Strikes on <b>Barmal</b>"
    expect(page.locator("h1, h2").filter(has_text="Strikes on")).to_contain_text("<b>Barmal</b>")
