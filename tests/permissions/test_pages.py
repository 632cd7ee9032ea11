"""Every desk page and action × every role: allowed, 403, or redirected to the login page.

Anonymous users are sent to log in; partners and users without a role get 403 on every desk page; analysts
get 403 on the editors' pages and actions; editors and admins may do everything.
"""

import datetime as dt

import pytest
from django.urls import reverse

from incidents import services
from incidents.choices import Status
from incidents.models import Incident, Mention
from tests.factories import ActorFactory, AreaFactory

ROLES = ("anonymous", None, "partner", "analyst", "editor", "admin")
DENIED = {"anonymous": "login", None: 403, "partner": 403}
DESK = {**DENIED, "analyst": 200, "editor": 200, "admin": 200}
EDITORS = {**DENIED, "analyst": 403, "editor": 200, "admin": 200}

PAGES = [
    ("incident_list", DESK),
    ("incident_create", DESK),
    ("incident_detail", DESK),
    ("incident_edit", DESK),
    ("incident_history", DESK),
    ("claim_supersede", DESK),
    ("incident_reconcile", EDITORS),
    ("review_queue", EDITORS),
]


@pytest.fixture
def draft(users):
    """A public draft an analyst logged, with a source, a claim and an attribution."""
    analyst = users["analyst"]
    source = services.source_add(author=analyst, data={"publisher": "Dawn", "content": "Text."})
    incident = services.incident_create(
        author=analyst,
        data={"title": "Shelling in Kurram", "kind": "shelling", "start_date": dt.date(2025, 1, 3)},
        sources=[source],
    )
    claimant = ActorFactory()
    claim = services.claim_add(
        author=analyst,
        incident=incident,
        data={"claimant": claimant, "source": source, "claimed_on": dt.date(2025, 1, 4), "killed_min": 3},
    )
    province = AreaFactory(level="province", parent=AreaFactory())
    district = AreaFactory(level="district", parent=province)
    mentions = [
        Mention.objects.create(incident=incident, field="title", start=0, end=n + 1, text="Kurram", area=district,
                               method="exact", score=0.9)
        for n in range(2)
    ]  # fmt: skip
    incident.refresh_from_db()
    return {"incident": incident, "claim": claim, "source": source, "actor": claimant, "mentions": mentions}


def _url(name, draft):
    incident = draft["incident"]
    if name in ("incident_list", "incident_create", "review_queue"):
        return reverse(f"incidents:{name}")
    if name == "claim_supersede":
        return reverse(f"incidents:{name}", args=[incident.pk, draft["claim"].pk])
    return reverse(f"incidents:{name}", args=[incident.pk])


def _check(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected, response.content[:500]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "expected"), PAGES, ids=[name for name, _ in PAGES])
def test_page_per_role(client_for, draft, name, expected, role):
    response = client_for(role).get(_url(name, draft))
    _check(response, expected[role])


# ---- POST actions: (name, who may, the POST data, what it did) ----


def _post_data(name, draft):
    return {
        "source_add": {"source-publisher": "BBC Pashto", "source-kind": "news", "source-language": "ps",
                       "source-reliability": "B", "source-credibility": "2", "source-sensitivity": "public",
                       "source-content": "متن"},
        "claim_add": {"claim-claimant": draft["actor"].pk, "claim-source": draft["source"].pk,
                      "claim-claimed_on": "2025-01-05", "claim-killed_min": "4"},
        "attribution_add": {"attribution-actor": draft["actor"].pk, "attribution-role": "perpetrator",
                            "attribution-asserted_by": draft["actor"].pk, "attribution-confidence": "low"},
        "incident_submit": {},
        "mention_confirm": {},
        "mention_reject": {},
        "incident_publish": {},
        "incident_send_back": {"note": "Add the second source."},
        "incident_retract": {"reason": "Wrong date."},
    }[name]  # fmt: skip


ACTIONS = [
    ("source_add", DESK),
    ("claim_add", DESK),
    ("attribution_add", DESK),
    ("incident_submit", DESK),
    ("mention_confirm", DESK),
    ("mention_reject", DESK),
    ("incident_publish", EDITORS),
    ("incident_send_back", EDITORS),
    ("incident_retract", EDITORS),
]


def _effect(name, incident: Incident) -> bool:
    incident.refresh_from_db()
    return {
        "source_add": lambda: incident.sources.filter(publisher="BBC Pashto").exists(),
        "claim_add": lambda: incident.claims.filter(killed_min=4).exists(),
        "attribution_add": lambda: incident.attributions.filter(role="perpetrator").exists(),
        "incident_submit": lambda: incident.status == Status.IN_REVIEW,
        "mention_confirm": lambda: incident.mentions.filter(status="confirmed").exists(),
        "mention_reject": lambda: incident.mentions.filter(status="rejected").exists(),
        "incident_publish": lambda: incident.status == Status.PUBLISHED,
        "incident_send_back": lambda: incident.status == Status.DRAFT and incident.status_note != "",
        "incident_retract": lambda: incident.status == Status.RETRACTED,
    }[name]()


def _action_url(name, draft):
    incident = draft["incident"]
    if name.startswith("mention_"):
        return reverse(f"incidents:{name}", args=[incident.pk, draft["mentions"][0].pk])
    return reverse(f"incidents:{name}", args=[incident.pk])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "expected"), ACTIONS, ids=[name for name, _ in ACTIONS])
def test_action_per_role(client_for, draft, name, expected, role):
    incident = draft["incident"]
    if name == "incident_send_back":
        services.incident_submit(incident=incident, author=None)
    response = client_for(role).post(_action_url(name, draft), _post_data(name, draft))
    if expected[role] == 200:
        # Allowed: the action redirects back to the incident, and it happened.
        assert response.status_code == 302, response.content[:1000]
        assert response["Location"].startswith(reverse("incidents:incident_detail", args=[incident.pk]))
        assert _effect(name, incident)
    else:
        _check(response, expected[role])
        assert not _effect(name, incident)


@pytest.mark.parametrize("name", [name for name, _ in ACTIONS])
def test_actions_refuse_get(client_for, draft, name):
    response = client_for("editor").get(_action_url(name, draft))
    assert response.status_code == 405


@pytest.mark.parametrize("role", ["analyst", "editor"])
def test_restricted_incident_is_hidden_from_other_analysts_only(client_for, users, role):
    other = users["editor"]
    incident = services.incident_create(
        author=other,
        data={"title": "Field report", "kind": "ied", "start_date": dt.date(2025, 2, 1), "sensitivity": "restricted"},
    )
    for name in ("incident_detail", "incident_edit", "incident_history"):
        response = client_for(role).get(reverse(f"incidents:{name}", args=[incident.pk]))
        assert response.status_code == (404 if role == "analyst" else 200)
    listing = client_for(role).get(reverse("incidents:incident_list"))
    assert (b"Field report" in listing.content) is (role == "editor")
