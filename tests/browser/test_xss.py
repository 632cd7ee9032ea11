"""Markup and script in every text field stay text on every page, in a real browser.

Incidents, sources, claims, attributions, assessments, status notes, actors (names, descriptions, aliases),
areas (names, alternative names) and mentions are seeded with payloads aimed at HTML, attribute, URL, JS-string
and JSON-in-script contexts. Every page the URL conf serves for them (tests/security/urls.py: the desk's pages,
the browsable API, the API docs, the admin) is loaded in Chromium as the editor, the analyst and the admin, and
the map popup is opened. Any dialog, uncaught script error or console error fails (the ``desk`` fixture and
``console_errors`` below), as does any element a payload would have injected.
"""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from actors.models import ActorAlias
from geo.models import AreaName
from incidents import services
from incidents.models import Mention
from tests.factories import ActorFactory, AreaFactory
from tests.security.urls import routes, urls_for

# Each aims at a context: element content, a quoted attribute, a raw-text element (script, textarea), a JS
# string in either quote, a template engine, a URL. Every field holds them all, behind a tag naming the field.
PAYLOAD = (
    '<img src=x onerror=alert(1)> "><script>alert(2)</script> </script><svg onload=alert(3)> {{7*7}} '
    "';alert(4);// \";alert(5);// </textarea><img src=x onerror=alert(6)>"
)
# Allowed by the URL validator (anything but whitespace after the host), aimed at href="…" and at JSON.
URL_PAYLOAD = "https://example.org/\"><svg/onload=alert(7)>'-alert(8)-'"
DAY = dt.date(2025, 2, 10)
HERE = Point(69.2, 32.7, srid=4326)

# Elements and attributes only an injected payload would create.
INJECTED = "img[src='x'], [onerror], [onload], a[href^='javascript:' i], iframe[src^='javascript:' i]"
RUNNABLE_WITH_PAYLOAD = """() => Array.from(document.scripts).filter(s =>
    (!s.type || /javascript|module/i.test(s.type)) && /alert\\(\\d\\)/.test(s.textContent)).length"""
# Requests the browser context aborts on purpose (map tiles from OpenStreetMap): not errors of the page.
BLOCKED = "net::ERR_BLOCKED_BY_CLIENT"


def text(field: str) -> str:
    return f"XSS-{field} {PAYLOAD}"


@pytest.fixture
def payloads(transactional_db, demo_accounts):
    """One incident with every kind of text, a duplicate of it, one merged into it, and one retracted."""
    analyst, editor = demo_accounts["analyst"], demo_accounts["editor"]
    country = AreaFactory(level="country", name=text("country")[:200], code="XS", country_code="AF")
    province = AreaFactory(level="province", name=text("province")[:200], code="XS-P", parent=country)
    district = AreaFactory(level="district", name=text("district")[:200], code="XS-D", parent=province)
    AreaName.objects.create(area=district, name=text("area_name")[:200])
    actors = [ActorFactory(name=text(f"actor{n}")[:200], description=text(f"actor{n}_description")) for n in range(2)]
    ActorAlias.objects.create(actor=actors[0], name=text("alias")[:200])
    place = {"location": HERE, "district": district, "province": province, "start_date": DAY, "kind": "airstrike"}

    def incident(tag, author=analyst, **extra):
        fields = ("title", "description", "place_text", "internal_notes")
        data = {**place, **{f: text(f"{tag}_{f}")[:300] for f in fields}, **extra}
        return services.incident_create(author=author, data=data)

    main = incident("main")
    Mention.objects.create(
        incident=main, field="place_text", start=0, end=5, text=text("mention")[:300], area=district,
        method="exact", score=0.8,
    )  # fmt: skip
    source_data = {f: text(f"source_{f}")[:200] for f in ("publisher", "title", "quote", "content")}
    source = services.source_add(author=analyst, data={**source_data, "url": URL_PAYLOAD}, incident=main)
    with pytest.raises(ValidationError):  # a javascript: URL never gets stored, so it can never become a link
        services.source_add(author=analyst, data={"publisher": "x", "url": "javascript:alert(9)"}, incident=main)
    labels = [{"label": text("claim_label"), "min": 1, "max": 2}]
    first = services.claim_add(
        author=analyst, incident=main,
        data={"claimant": actors[0], "source": source, "claimed_on": DAY, "killed_min": 20, "labels": labels,
              "quote": text("claim_quote")},
    )  # fmt: skip
    services.claim_add(
        author=analyst, incident=main,
        data={"claimant": actors[1], "source": source, "claimed_on": DAY, "killed_max": 2, "quote": text("claim2")},
    )  # fmt: skip
    services.claim_supersede(
        author=analyst, claim=first,
        data={"source": source, "claimed_on": DAY, "killed_min": 25, "quote": text("revision_quote")},
    )  # fmt: skip
    services.attribution_add(
        author=analyst, incident=main,
        data={"actor": actors[1], "role": "perpetrator", "asserted_by": actors[0], "source": source,
              "quote": text("attribution_quote")},
    )  # fmt: skip
    services.incident_submit(incident=main, author=analyst)
    services.incident_send_back(incident=main, editor=editor, note=text("send_back_note"))
    services.incident_submit(incident=main, author=analyst)
    services.assessment_record(
        editor=editor, incident=main, claims=[first],
        data={"grade": "contested", "killed_low": 2, "killed_best": 10, "killed_high": 25,
              "rationale": text("rationale")},
    )  # fmt: skip
    incident("duplicate")  # same day and place: shown in the main incident's duplicate box
    services.incident_merge(incident=incident("merged"), into=main, author=analyst)
    retracted = incident("retracted", start_date=DAY - dt.timedelta(days=3))
    services.incident_publish(incident=retracted, editor=editor)
    services.incident_retract(incident=retracted, editor=editor, reason=text("retract_reason"))
    from reports.tasks import recompute_pending_cells

    recompute_pending_cells()  # the summary cells name the payload areas
    main.refresh_from_db()
    return main


def pages(namespaces: tuple[str, ...]) -> list[str]:
    """Every GET page of these URL namespaces, for every seeded row (a few per admin page kind)."""
    urls = []
    for route in routes():
        if route.namespace not in namespaces or "get" not in route.methods or "format" in route.params:
            continue
        if route.name in ("admin:logout", "logout"):
            continue
        sample = 2 if route.namespace == "admin" else None
        for url in urls_for(route, _rows, sample=sample):
            urls.append(url.path + ("?format=api" if route.drf_actions else ""))
    return urls


def _rows(model):
    try:
        return list(model.objects.order_by("pk").values_list("pk", flat=True)[:6])
    except Exception:  # noqa: BLE001 - an admin-only model without a plain manager (pghistory's aggregate events)
        return []


def visit_all(desk, page, urls, console_errors) -> tuple[list[str], int]:
    """Load each URL; return what was wrong and how many pages showed the payload text."""
    problems, showing = [], 0
    for url in urls:
        try:
            response = page.goto(desk.base + url)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # a file (the OpenAPI schema), not a page: nothing is rendered
            raise
        page.wait_for_load_state("load")
        status = response.status if response else 0
        if status >= 500:
            problems.append(f"{url}: server error {status}")
        injected = page.locator(INJECTED).count()
        runnable = page.evaluate(RUNNABLE_WITH_PAYLOAD)
        if injected or runnable:
            problems.append(f"{url}: {injected} injected elements, {runnable} runnable scripts holding a payload")
        if "XSS-" in page.locator("body").inner_text():
            showing += 1
    problems += [f"console error: {error}" for error in console_errors]
    return problems, showing


def open_page(desk, role):
    """A signed-in page recording console errors, except the aborted tile requests and the page's own 4xx
    status (a page this role may not open, or the admin's "view on site" for a model without one)."""
    page = desk.login_as(role)
    errors = []

    def on_console(message):
        own_status = message.text.startswith("Failed to load resource: the server responded with a status of 4")
        if own_status and message.location.get("url") == page.url:
            return
        if message.type == "error" and BLOCKED not in message.text:
            errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return page, errors


@pytest.mark.parametrize(
    ("role", "namespaces", "least_showing"),
    [
        # Of 49, 22 and 100 pages today; pages a role may not open, lists of other rows, forms show none.
        ("editor", ("incidents", "api", ""), 35),  # the desk, the browsable API, the API docs
        ("analyst", ("incidents",), 12),
        ("admin", ("admin",), 40),
    ],
)
def test_payloads_in_every_text_field_stay_text_on_every_page(desk, payloads, role, namespaces, least_showing):
    page, console_errors = open_page(desk, role)
    urls = pages(namespaces)
    problems, showing = visit_all(desk, page, urls, console_errors)
    print(f"{role}: {len(urls)} pages, {showing} showing the payloads")
    assert not problems, "\n".join(problems)
    # Pages answering 403 for this role show nothing; the rest must have shown the payloads, as text.
    assert showing >= least_showing


def test_map_popup_shows_payloads_as_text(desk, payloads):
    page, console_errors = open_page(desk, "analyst")
    page.goto(desk.url("incidents:incident_detail", payloads.pk))
    page.locator("#incident-map .leaflet-marker-icon").click()
    popup = page.locator("#incident-map .leaflet-popup-content")
    expect(popup).to_contain_text(text("main_title")[:300])
    expect(popup).to_contain_text(text("main_place_text")[:300])
    expect(page.locator(INJECTED)).to_have_count(0)
    assert page.evaluate(RUNNABLE_WITH_PAYLOAD) == 0
    assert not console_errors
