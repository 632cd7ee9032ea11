"""Issue 5's flow in a real browser: an analyst logs the Paktika strikes from the seed article, with its three
rival claims and their attributions, and submits it; an editor reconciles and publishes it; an analyst cannot
publish; a partner sees no page of the desk."""

import hashlib
import re

from django.conf import settings
from playwright.sync_api import expect

from incidents.models import Incident
from tests.browser.helpers import fill_incident_form, save_incident, screenshot

TITLE = "Pakistani airstrikes on suspected militant hideouts in Barmal district, Paktika"
DESCRIPTION = (
    "Pakistani airstrikes on what Pakistani security officials call suspected militant hideouts in Afghanistan's "
    "Paktika province. Islamabad says at least 20 militants were killed; Kabul's foreign ministry says civilians "
    "were targeted, many of them refugees, women and children among them; UNAMA echoes the reports of civilian "
    "casualties and asks for an impartial investigation."
)
# Typed with more digits than the map widget writes (6), so that "kept exactly as typed" can fail.
LATITUDE, LONGITUDE = "32.70412345", "69.25811111"
PUBLISHER = "Seed article (publisher not recorded)"
SOURCE_TITLE = "Pakistan's airstrikes in Paktika reignite tensions with Kabul"
SOURCE_LABEL = f"{PUBLISHER}: {SOURCE_TITLE}"


def article_text() -> str:
    return (settings.SEED_DIR / "paktika-airstrikes-article.txt").read_text(encoding="utf-8")


def sentence(starts: str) -> str:
    """The article's own sentence beginning with ``starts``, verbatim (curly quotes and all)."""
    text = article_text()
    start = text.find(starts)
    assert start >= 0, f"no sentence starting {starts!r} in the seed article"
    # A full stop ends it unless it closes an initialism ("U.N.", "U.S.").
    end = re.compile(r"(?<!\.[A-Z])\.(?=\s|$)").search(text, start)
    return text[start : end.end()]


# The three rival claims, exactly as the article words them. Convention (incidents/demo.py): a category said
# to be hit without a number is "min 1, max unknown", and the claimant's own word goes into its labels.
CLAIMS = [
    {
        "claimant": "Pakistani security forces",
        "figures": {"killed min": 20, "militants min": 20},
        "labels": "",
        "quote": lambda: sentence("Senior security officials have claimed"),
    },
    {
        "claimant": "Afghan Ministry of Foreign Affairs",
        "figures": {"civilians min": 1, "women min": 1, "children min": 1},
        "labels": "refugees",
        "quote": lambda: (
            sentence("Kabul’s foreign ministry has denounced")
            + " "
            + sentence("It has alleged many among the casualties")
        ),
    },
    {
        "claimant": "United Nations Assistance Mission in Afghanistan",
        "figures": {"civilians min": 1},
        "labels": "",
        "quote": lambda: sentence("The U.N. Assistance Mission in Afghanistan echoed"),
    },
]

# (actor, role, asserted by, confidence): the rival attributions, each with who makes it.
ATTRIBUTIONS = [
    ("Pakistani security forces", "Claimed responsibility", "Pakistani security forces", "High"),
    ("Pakistani security forces", "Perpetrator", "Afghan Ministry of Foreign Affairs", "High"),
    ("Tehreek-e-Taliban Pakistan", "Target", "Pakistani security forces", "Medium"),
    ("Civilians in Barmal, Paktika", "Target", "Afghan Ministry of Foreign Affairs", "Medium"),
    ("Afghan Taliban government (Islamic Emirate of Afghanistan)", "Accused", "Government of Pakistan", "Medium"),
    (
        "Afghan Taliban government (Islamic Emirate of Afghanistan)",
        "Denied responsibility",
        "Afghan Taliban government (Islamic Emirate of Afghanistan)",
        "Medium",
    ),
]

RATIONALE = (
    "Pakistani security officials claim at least 20 militants killed; Kabul's foreign ministry says civilians were "
    "targeted, many of them refugees, women and children among them; UNAMA echoes the civilian-casualty reports and "
    "asks for an impartial investigation. No independent count: the only figure (20) comes from the side that "
    "struck, and who was killed is disputed."
)


def open_add_form(page, section: str, summary: str):
    """The incident page keeps its add forms folded in <details>; open one and return its form."""
    details = page.locator(f"#{section} details.add-form")
    if details.get_attribute("open") is None:
        details.locator("summary", has_text=summary).click()
    return details.locator("form")


def add_source(page):
    form = open_add_form(page, "sources", "Add source")
    form.get_by_label("Kind").select_option(label="News report")
    form.get_by_label("Publisher").fill(PUBLISHER)
    form.get_by_label("Title").fill(SOURCE_TITLE)
    form.get_by_label("Language").select_option("en")
    form.get_by_label("Quote").fill(sentence("Pakistan’s airstrikes on suspected militant hideouts"))
    form.get_by_label("Reliability").select_option("F")
    form.get_by_label("Credibility").select_option("6")
    form.get_by_label("Pasted text").fill(article_text())
    form.get_by_role("button", name="Add source").click()
    expect(page.locator(".messages")).to_contain_text("Source added.")


def add_claim(page, claim: dict):
    form = open_add_form(page, "claims", "Add claim")
    form.get_by_label("Claimant", exact=True).select_option(label=claim["claimant"])
    form.get_by_label("Source", exact=True).select_option(label=SOURCE_LABEL)
    form.get_by_label("Claimed on").fill("2024-12-25")
    for label, value in claim["figures"].items():
        form.get_by_label(label, exact=True).fill(str(value))
    form.get_by_label("Claimant's own labels").fill(claim["labels"])
    form.get_by_label("Quote").fill(claim["quote"]())
    form.get_by_role("button", name="Add claim").click()
    expect(page.locator(".messages")).to_contain_text("Claim added.")


def add_attribution(page, actor: str, role: str, asserted_by: str, confidence: str):
    form = open_add_form(page, "attributions", "Add attribution")
    form.get_by_label("Actor", exact=True).select_option(label=actor)
    form.get_by_label("Role").select_option(label=role)
    form.get_by_label("Asserted by").select_option(label=asserted_by)
    form.get_by_label("Source", exact=True).select_option(label=SOURCE_LABEL)
    form.get_by_label("Confidence").select_option(label=confidence)
    form.get_by_role("button", name="Add attribution").click()
    expect(page.locator(".messages")).to_contain_text("Attribution added.")


def test_analyst_logs_paktika_editor_reconciles_and_publishes(desk, demo_accounts, demo_actors, areas):
    # ---- The analyst logs the strikes from the article ----
    analyst = desk.login_as("analyst")
    analyst.goto(desk.url("incidents:incident_list"))
    analyst.locator("#nav-log").click()
    expect(analyst.get_by_role("heading", name="Log incident")).to_be_visible()
    fill_incident_form(
        analyst,
        title=TITLE,
        kind="airstrike",
        start_date="2024-12-24",
        place_text="Barmal district, Paktika",
        description=DESCRIPTION,
        latitude=LATITUDE,
        longitude=LONGITUDE,
    )
    form = analyst.locator("#incident-form")
    form.get_by_label("Country (ISO code)").fill("AF")
    form.get_by_label("Action came from (ISO code)").fill("PK")
    # The typed point shows on the map before anything is saved (OpenStreetMap tiles are blocked: no tiles).
    expect(form.locator(".leaflet-container path.leaflet-interactive")).to_have_count(1)
    screenshot(analyst, "log-incident")
    pk = save_incident(analyst)

    incident = Incident.objects.get(pk=pk)
    assert incident.title == TITLE
    assert (incident.kind, incident.category, incident.status) == ("airstrike", "strike", "draft")
    assert str(incident.start_date) == "2024-12-24"
    assert incident.place_text == "Barmal district, Paktika"
    assert (incident.country_code, incident.origin_country_code) == ("AF", "PK")
    assert incident.description == DESCRIPTION
    # Kept exactly as typed (the double nearest the typed decimal), and marked as set by a person.
    assert (incident.location.y, incident.location.x) == (float(LATITUDE), float(LONGITUDE))
    assert incident.location_manual
    assert incident.created_by == demo_accounts["analyst"]
    expect(analyst.locator("#incident-title")).to_have_text(TITLE)
    expect(analyst.locator("#incident-point-text")).to_contain_text(f"{LATITUDE}, {LONGITUDE}")

    add_source(analyst)
    source = incident.sources.get()
    # What was pasted is stored, and hashed; line ends as the browser sent them (CRLF inside a textarea).
    assert source.content.replace("\r\n", "\n").strip() == article_text().strip()
    assert source.content_sha256 == hashlib.sha256(source.content.encode()).hexdigest()
    assert source.grade == "F6"
    expect(analyst.locator(f"#source-{source.pk} .sha")).to_have_text(source.content_sha256)

    for claim in CLAIMS:
        add_claim(analyst, claim)
    claims = {c.claimant.name: c for c in incident.claims.select_related("claimant")}
    assert set(claims) == {claim["claimant"] for claim in CLAIMS}
    pakistan = claims["Pakistani security forces"]
    kabul = claims["Afghan Ministry of Foreign Affairs"]
    unama = claims["United Nations Assistance Mission in Afghanistan"]
    assert (pakistan.killed_min, pakistan.killed_max, pakistan.militants_min) == (20, None, 20)
    assert pakistan.quote == "Senior security officials have claimed the airstrikes killed at least 20 militants."
    assert (kabul.civilians_min, kabul.women_min, kabul.children_min, kabul.killed_min) == (1, 1, 1, None)
    assert kabul.labels == [{"label": "refugees", "min": None, "max": None}]
    assert "“refugees,” including women and children" in kabul.quote
    assert unama.civilians_min == 1
    assert "calling for an impartial investigation" in unama.quote
    for claim in claims.values():
        assert claim.quote in article_text()  # verbatim, curly quotes included
        assert claim.source == source
    expect(analyst.locator("#claims .claim")).to_have_count(3)

    for attribution in ATTRIBUTIONS:
        add_attribution(analyst, *attribution)
    saved = {
        (a.actor.name, a.get_role_display(), a.asserted_by.name, a.get_confidence_display())
        for a in incident.attributions.select_related("actor", "asserted_by")
    }
    assert saved == set(ATTRIBUTIONS)
    attributions = analyst.locator("#attributions")
    expect(attributions.locator(".attribution")).to_have_count(len(ATTRIBUTIONS))
    expect(attributions.get_by_role("heading", name="Afghan Ministry of Foreign Affairs says")).to_be_visible()
    expect(attributions.get_by_role("heading", name="Pakistani security forces says")).to_be_visible()

    # Nothing on the page lets an analyst publish or reconcile.
    expect(analyst.get_by_role("button", name="Publish")).to_have_count(0)
    expect(analyst.locator("#reconcile-link")).to_have_count(0)
    analyst.get_by_role("button", name="Submit for review").click()
    expect(analyst.locator(".messages")).to_contain_text("Submitted for review.")
    expect(analyst.locator("#incident-status")).to_have_text("In review")

    # ---- An analyst cannot publish, even by posting directly (with a valid CSRF token) ----
    expect(analyst.get_by_role("button", name="Publish")).to_have_count(0)
    csrf = next(c["value"] for c in analyst.context.cookies() if c["name"] == settings.CSRF_COOKIE_NAME)
    response = analyst.request.post(
        desk.url("incidents:incident_publish", pk),
        form={"csrfmiddlewaretoken": csrf},
        headers={"X-CSRFToken": csrf, "Referer": analyst.url},
        max_redirects=0,
    )
    assert response.status == 403
    assert "CSRF" not in response.text()  # refused for the role, not for a missing token
    assert analyst.goto(desk.url("incidents:incident_reconcile", pk)).status == 403
    incident.refresh_from_db()
    assert incident.status == "in_review"
    assert incident.published_at is None

    # ---- A partner sees no page of the desk ----
    partner = desk.login_as("partner")
    for name, args in [
        ("incidents:incident_list", ()),
        ("incidents:incident_detail", (pk,)),
        ("incidents:incident_reconcile", (pk,)),
        ("incidents:incident_history", (pk,)),
        ("incidents:incident_create", ()),
        ("incidents:review_queue", ()),
    ]:
        response = partner.goto(desk.url(name, *args))
        assert response.status == 403, name
        assert TITLE not in partner.content(), name

    # ---- The editor reconciles and publishes ----
    editor = desk.login_as("editor")
    editor.goto(desk.url("incidents:review_queue"))
    editor.get_by_role("link", name=TITLE).click()
    expect(editor.locator("#incident-title")).to_have_text(TITLE)
    editor.locator("#reconcile-link").click()
    expect(editor.get_by_role("heading", name=f"Reconcile: {TITLE}")).to_be_visible()

    side_by_side = editor.locator("#claims-side-by-side")
    expect(side_by_side.locator(".claim")).to_have_count(3)
    for claim in CLAIMS:
        expect(side_by_side.locator(".claim", has_text=claim["claimant"])).to_have_count(1)
    expect(side_by_side.locator(".claim", has_text="Afghan Ministry of Foreign Affairs")).to_contain_text("“refugees”")
    # One axis per category; each claimant that gave a figure has a bar on it.
    militants = editor.locator("#axis-militants .axis-row", has_text="Pakistani security forces")
    expect(militants.locator(".axis-bar")).to_have_count(1)
    expect(editor.locator("#axis-civilians .axis-bar")).to_have_count(2)
    # The automatic flag says what the claims' ranges imply (the article's ranges do overlap: ≥20 militants
    # and "civilians" can both be true), shown as the database holds it.
    incident.refresh_from_db()
    expect(editor.locator("#contested-flag")).to_have_text("Contested" if incident.contested_all else "Not contested")
    for asserter in ("Afghan Ministry of Foreign Affairs", "Pakistani security forces", "Government of Pakistan"):
        expect(side_by_side.get_by_role("heading", name=f"{asserter} says")).to_be_visible()

    assessment_form = editor.locator("#assessment-form")
    for claim in CLAIMS:  # every live claim is ticked to begin with
        expect(assessment_form.get_by_label(claim["claimant"], exact=False)).to_be_checked()
    for label, value in [
        ("killed low", 20),
        ("civilians low", 1),
        ("women low", 1),
        ("children low", 1),
        ("militants low", 0),
        ("militants high", 20),
    ]:
        assessment_form.get_by_label(label, exact=True).fill(str(value))
    assessment_form.get_by_label("Grade").select_option(label="Contested")
    assessment_form.get_by_label("Rationale").fill(RATIONALE)
    assessment_form.get_by_role("button", name="Record assessment").click()
    expect(editor.locator(".messages")).to_contain_text("Assessment recorded.")
    current = editor.locator("#assessments .assessment.current")
    expect(current).to_contain_text("Contested")
    expect(current).to_contain_text("by editor")
    screenshot(editor, "reconcile")

    assessment = incident.assessments.get()
    assert assessment.grade == "contested"
    assert assessment.decided_by == demo_accounts["editor"]
    assert (assessment.killed_low, assessment.militants_low, assessment.militants_high) == (20, 0, 20)
    assert set(assessment.claims.all()) == {pakistan, kabul, unama}
    assert assessment.rationale == RATIONALE

    editor.get_by_role("button", name="Publish").click()
    expect(editor.locator(".messages")).to_contain_text("Published.")
    expect(editor.locator("#incident-status")).to_have_text("Published")
    incident.refresh_from_db()
    assert incident.status == "published"
    assert incident.published_at is not None

    # ---- The list shows it published and graded, to the analyst too; still no publish button for them ----
    analyst.goto(desk.url("incidents:incident_detail", pk))
    expect(analyst.locator("#incident-status")).to_have_text("Published")
    expect(analyst.get_by_role("button", name="Publish")).to_have_count(0)
    analyst.goto(desk.url("incidents:incident_list"))
    analyst.get_by_label("Search").fill("Barmal")
    analyst.locator("#filter-button").click()
    row = analyst.locator("#incident-table .incident-row", has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Published")
    expect(row).to_contain_text("Contested")
    screenshot(analyst, "incident-list")
