"""User text in the desk's pages: markup typed by a user stays text everywhere (the map popup included), and
Pashto/Dari/Urdu text typed into the form is saved, shown and found by the list's search."""

import datetime as dt

from playwright.sync_api import expect

from incidents import services
from incidents.models import Incident
from tests.browser.helpers import fill_incident_form, save_incident

XSS_TITLE = "<img src=x onerror=alert(1)>"
XSS_PLACE = '"><svg onload=alert(2)>'
XSS_DESCRIPTION = "<script>alert(3)</script> & <b>not bold</b>"


def test_markup_in_user_text_is_shown_as_text_never_run(desk, demo_accounts, areas):
    analyst = desk.login_as("analyst")
    analyst.goto(desk.url("incidents:incident_create"))
    fill_incident_form(
        analyst,
        title=XSS_TITLE,
        kind="drone_strike",
        start_date="2025-01-10",
        place_text=XSS_PLACE,
        description=XSS_DESCRIPTION,
        latitude="32.7",
        longitude="69.25",
    )
    pk = save_incident(analyst)
    incident = Incident.objects.get(pk=pk)
    assert (incident.title, incident.place_text, incident.description) == (XSS_TITLE, XSS_PLACE, XSS_DESCRIPTION)

    # The detail page: the title, place and description read back exactly as typed, as text.
    expect(analyst.locator("#incident-title")).to_have_text(XSS_TITLE)
    expect(analyst.locator("#summary")).to_contain_text(XSS_PLACE)
    expect(analyst.locator("#summary .description")).to_have_text(XSS_DESCRIPTION)
    # The map popup is built with textContent: clicking the marker shows the same text, no element.
    analyst.locator("#incident-map .leaflet-marker-icon").click()
    popup = analyst.locator("#incident-map .leaflet-popup-content")
    expect(popup).to_contain_text(XSS_TITLE)
    expect(popup).to_contain_text(XSS_PLACE)
    for page_part in (analyst.locator("main"), popup):
        expect(page_part.locator("img[src='x'], img[onerror], svg[onload]")).to_have_count(0)
        expect(page_part.locator("b", has_text="not bold")).to_have_count(0)

    # The list and the history show it as text too.
    analyst.goto(desk.url("incidents:incident_list"))
    expect(analyst.locator("#incident-table").get_by_role("link", name=XSS_TITLE)).to_have_count(1)
    expect(analyst.locator("#incident-table img")).to_have_count(0)
    analyst.goto(desk.url("incidents:incident_history", pk))
    expect(analyst.locator("#history")).to_contain_text(XSS_TITLE)
    expect(analyst.locator("#history img")).to_have_count(0)

    # The editor's reconcile page, too.
    editor = desk.login_as("editor")
    editor.goto(desk.url("incidents:incident_reconcile", pk))
    expect(editor.get_by_role("heading", name=f"Reconcile: {XSS_TITLE}")).to_be_visible()
    expect(editor.locator("main img")).to_have_count(0)

    # An <img src=x onerror=…> parsed as markup would have fired by now; no dialog may have opened anywhere.
    assert desk.dialogs == []


PASHTO_TITLE = "په برمل کې هوايي بريدونه"  # Pashto: airstrikes in Barmal
PASHTO_PLACE = "برمل، پکتیکا"  # Barmal, Paktika
URDU_DESCRIPTION = "پکتیکا میں پاکستانی فضائی حملے؛ طالبان حکومت کے مطابق عام شہری مارے گئے۔"  # Urdu


def test_pashto_dari_urdu_text_is_saved_shown_and_searchable(desk, demo_accounts, areas):
    # Another incident, in English, that a search in Pashto script must not find.
    services.incident_create(
        author=demo_accounts["analyst"],
        data={
            "title": "Drone strike near Mir Ali",
            "kind": "drone_strike",
            "start_date": dt.date(2025, 3, 2),
            "place_text": "Mir Ali, North Waziristan",
        },
    )

    analyst = desk.login_as("analyst")
    analyst.goto(desk.url("incidents:incident_create"))
    form = fill_incident_form(
        analyst,
        title=PASHTO_TITLE,
        kind="airstrike",
        start_date="2024-12-24",
        place_text=PASHTO_PLACE,
        description=URDU_DESCRIPTION,
    )
    # This time the point is clicked on the map: the marker tool, then the middle of the map (Paktika).
    form.locator(".leaflet-draw-draw-marker").click()
    form.locator("#id_location-map").click()
    latitude, longitude = form.get_by_label("Latitude"), form.get_by_label("Longitude")
    expect(latitude).not_to_have_value("")
    typed_lat, typed_lon = latitude.input_value(), longitude.input_value()
    # The map opens on the border region (33°N, 69°E): the middle of it is in Paktika.
    assert 32.0 < float(typed_lat) < 34.0, typed_lat
    assert 68.0 < float(typed_lon) < 70.0, typed_lon
    pk = save_incident(analyst)

    incident = Incident.objects.get(pk=pk)
    assert (incident.title, incident.place_text, incident.description) == (
        PASHTO_TITLE,
        PASHTO_PLACE,
        URDU_DESCRIPTION,
    )
    assert (incident.location.y, incident.location.x) == (float(typed_lat), float(typed_lon))
    expect(analyst.locator("#incident-title")).to_have_text(PASHTO_TITLE)
    expect(analyst.locator("#summary")).to_contain_text(PASHTO_PLACE)
    expect(analyst.locator("#summary .description")).to_have_text(URDU_DESCRIPTION)

    analyst.goto(desk.url("incidents:incident_list"))
    expect(analyst.locator("#incident-table .incident-row")).to_have_count(2)
    for query in ("برمل", "پکتیکا", "فضائی حملے"):
        analyst.get_by_label("Search").fill(query)
        analyst.locator("#filter-button").click()
        expect(analyst.get_by_label("Search")).to_have_value(query)  # the query survives the round trip
        rows = analyst.locator("#incident-table .incident-row")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(PASHTO_TITLE)
        expect(analyst.locator("#result-count")).to_have_text("1 incident")
