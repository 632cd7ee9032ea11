"""The founding story as demo data: Pakistani airstrikes in Barmal district, Paktika, and its three claimants.

Every figure and quote below is what ``shared/seed/paktika-airstrikes-article.txt`` says, no more.
Convention (also in the README): a category a claimant says was hit, without giving a number, is
recorded as ``min 1, max unknown`` — "there were civilian casualties" — and the wording is kept in ``quote``.
"""

import datetime as dt
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from actors.models import Actor, ActorAlias
from geo.choices import AreaLevel, GeoPrecision
from geo.models import Area
from incidents import services
from incidents.choices import AssessmentGrade, AttributionRole, Confidence, Credibility, Reliability, SourceKind
from incidents.models import Incident

__all__ = ["DEMO_ACCOUNTS", "DEMO_TITLE", "load_demo"]

DEMO_TITLE = "Pakistani airstrikes on suspected militant hideouts in Barmal district, Paktika"

# username → (role, password). Printed by `make run` and listed in the README. Demo only.
DEMO_ACCOUNTS = {
    "analyst": ("analyst", "analyst-demo-pass"),
    "editor": ("editor", "editor-demo-pass"),
    "partner": ("partner", "partner-demo-pass"),
    "admin": ("admin", "admin-demo-pass"),
}

ACTORS = [
    # slug, name, kind, country, parent slug, [(alias, language)]
    ("government-of-pakistan", "Government of Pakistan", "government", "PK", None,
     [("Islamabad", "en"), ("حکومت پاکستان", "ur")]),
    ("pakistani-security-forces", "Pakistani security forces", "state_force", "PK", "government-of-pakistan",
     [("Pakistan Armed Forces", "en"), ("Pakistan Air Force", "en"), ("پاکستان کی مسلح افواج", "ur")]),
    ("islamic-emirate-of-afghanistan", "Afghan Taliban government (Islamic Emirate of Afghanistan)", "government",
     "AF", None, [("Afghan Taliban", "en"), ("Taleban", "en"), ("Kabul", "en"),
                  ("د افغانستان اسلامي امارت", "ps"), ("امارت اسلامی افغانستان", "prs")]),
    ("afghan-mofa", "Afghan Ministry of Foreign Affairs", "government", "AF", "islamic-emirate-of-afghanistan",
     [("Kabul's foreign ministry", "en"), ("د بهرنیو چارو وزارت", "ps"), ("وزارت امور خارجه", "prs")]),
    ("unama", "United Nations Assistance Mission in Afghanistan", "international", "", None,
     [("UNAMA", "en"), ("یوناما", "prs"), ("U.N. Assistance Mission in Afghanistan", "en")]),
    ("ttp", "Tehreek-e-Taliban Pakistan", "non_state_armed_group", "PK", None,
     [("TTP", "en"), ("Tehrik-i-Taliban Pakistan", "en"), ("Pakistani Taliban", "en"),
      ("تحریک طالبان پاکستان", "ur")]),
    ("barmal-civilians", "Civilians in Barmal, Paktika", "community", "AF", None,
     [("refugees", "en")]),
]  # fmt: skip


def _seed_text() -> str:
    path = settings.SEED_DIR / "paktika-airstrikes-article.txt"
    if not path.exists():
        raise FileNotFoundError(f"The seed article is not at {path}: set SEED_DIR.")
    return path.read_text(encoding="utf-8")


def _sentence(text: str, starts: str) -> str:
    """The article's own sentence beginning with ``starts``, verbatim.

    A sentence ends at a full stop followed by white space, except after a lone capital ("U.N.", "U.S.").
    """
    match = re.search(re.escape(starts) + r".*?(?<!\b[A-Z])\.(?=\s|$)", text, re.DOTALL)
    if match is None:
        raise ValueError(f"The seed article has no sentence starting {starts!r}.")
    return " ".join(match.group(0).split())


def demo_users() -> dict:
    User = get_user_model()
    users = {}
    for username, (role, password) in DEMO_ACCOUNTS.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org", "is_staff": role == "admin"}
        )
        if created:
            user.set_password(password)
            user.is_superuser = role == "admin"
            user.save()
        user.groups.add(Group.objects.get(name=role))
        users[role] = user
    return users


def demo_actors() -> dict:
    actors = {}
    for slug, name, kind, country, parent, aliases in ACTORS:
        actor, _ = Actor.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "country": country, "parent": actors.get(parent)}
        )
        for alias, language in aliases:
            ActorAlias.objects.get_or_create(actor=actor, name=alias, defaults={"language": language})
        actors[slug] = actor
    return actors


@transaction.atomic
def load_demo() -> tuple[Incident, bool]:
    """Create the demo accounts, actors and the Paktika incident. Idempotent: a second run changes nothing."""
    users = demo_users()
    actors = demo_actors()
    existing = Incident.objects.filter(title=DEMO_TITLE).first()
    if existing is not None:
        return existing, False

    text = _seed_text()
    barmal = Area.objects.filter(level=AreaLevel.DISTRICT, name__iexact="Barmal").select_related("parent").first()
    paktika = barmal.parent if barmal else Area.objects.filter(level=AreaLevel.PROVINCE, name="Paktika").first()
    analyst, editor = users["analyst"], users["editor"]

    article = services.source_add(
        author=analyst,
        data={
            "kind": SourceKind.NEWS,
            "publisher": "Seed article (publisher not recorded)",
            "title": "Pakistan's airstrikes in Paktika reignite tensions with Kabul",
            "language": "en",
            "quote": _sentence(text, "Pakistan’s airstrikes on suspected militant hideouts"),
            "reliability": Reliability.F,
            "credibility": Credibility.CANNOT_JUDGE,
            "content": text,
        },
    )
    incident = services.incident_create(
        author=analyst,
        data={
            "title": DEMO_TITLE,
            "description": (
                "Pakistani airstrikes on what Pakistani security officials call suspected militant hideouts in "
                "Afghanistan's Paktika province. Islamabad says at least 20 militants were killed; Kabul's foreign "
                "ministry says civilians were targeted, many of them refugees, women and children among them; "
                "UNAMA echoes the reports of civilian casualties and asks for an impartial investigation."
            ),
            "kind": "airstrike",
            "start_date": dt.date(2024, 12, 24),
            "date_precision": "day",
            "place_text": "Barmal district, Paktika",
            "district": barmal,
            "province": paktika,
            "location": barmal.centroid if barmal else None,
            "location_manual": barmal is not None,
            "geo_precision": GeoPrecision.DISTRICT if barmal else GeoPrecision.UNKNOWN,
            "country_code": "AF",
            "origin_country_code": "PK",
            "internal_notes": "Date from contemporaneous reporting (night of 24 December 2024); "
            "the seed article itself gives none.",
        },
        sources=[article],
    )

    claim_on = dt.date(2024, 12, 25)
    pakistan = services.claim_add(
        author=analyst, incident=incident,
        data={"claimant": actors["pakistani-security-forces"], "source": article, "claimed_on": claim_on,
              "killed_min": 20, "militants_min": 20,
              "quote": _sentence(text, "Senior security officials have claimed")},
    )  # fmt: skip
    kabul = services.claim_add(
        author=analyst, incident=incident,
        data={"claimant": actors["afghan-mofa"], "source": article, "claimed_on": claim_on,
              "civilians_min": 1, "women_min": 1, "children_min": 1,
              "labels": [{"label": "refugees", "min": None, "max": None, "wording": "many among the casualties"}],
              "quote": _sentence(text, "Kabul’s foreign ministry has denounced") + " "
              + _sentence(text, "It has alleged many among the casualties")},
    )  # fmt: skip
    unama = services.claim_add(
        author=analyst, incident=incident,
        data={"claimant": actors["unama"], "source": article, "claimed_on": claim_on, "civilians_min": 1,
              "quote": _sentence(text, "The U.N. Assistance Mission in Afghanistan echoed")},
    )  # fmt: skip

    attributions = [
        ("pakistani-security-forces", AttributionRole.CLAIMED, "pakistani-security-forces", Confidence.HIGH),
        ("pakistani-security-forces", AttributionRole.PERPETRATOR, "afghan-mofa", Confidence.HIGH),
        ("ttp", AttributionRole.TARGET, "pakistani-security-forces", Confidence.MEDIUM),
        ("barmal-civilians", AttributionRole.TARGET, "afghan-mofa", Confidence.MEDIUM),
        ("islamic-emirate-of-afghanistan", AttributionRole.ACCUSED, "government-of-pakistan", Confidence.MEDIUM),
        ("islamic-emirate-of-afghanistan", AttributionRole.DENIED, "islamic-emirate-of-afghanistan", Confidence.MEDIUM),
    ]
    for actor, role, asserted_by, confidence in attributions:
        services.attribution_add(
            author=analyst, incident=incident,
            data={"actor": actors[actor], "role": role, "asserted_by": actors[asserted_by], "source": article,
                  "confidence": confidence},
        )  # fmt: skip

    services.incident_submit(incident=incident, author=analyst)
    services.assessment_record(
        editor=editor, incident=incident, claims=[pakistan, kabul, unama],
        data={"grade": AssessmentGrade.CONTESTED, "killed_low": 20, "civilians_low": 1, "women_low": 1,
              "children_low": 1, "militants_low": 0, "militants_high": 20,
              "rationale": "Pakistani security officials claim at least 20 militants killed; Kabul's foreign "
              "ministry says civilians were targeted, many of them refugees, women and children among them; UNAMA "
              "echoes the civilian-casualty reports and asks for an impartial investigation. No independent count: "
              "the only figure (20) comes from the side that struck, and who was killed is disputed."},
    )  # fmt: skip
    incident = services.incident_publish(incident=incident, editor=editor)
    return incident, True
