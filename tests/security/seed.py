"""Rows in every state someone may not see, each text field holding a marker naming where it came from.

Every marker is ``LEAKMARK-<item>-<field>``. Who may see a marker is decided by ``Oracle``, a plain-Python
reading of the rule (DOMAIN.md, incidents/querysets.py's docstrings), written apart from the querysets it checks.

Items are seeded through the services, in order. Each names its audience (the readers who may see it), so a
test can seed, for one reader, first everything that reader may see, then the rest: the responses must not
change (see test_leaks.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from types import SimpleNamespace

from django.contrib.gis.geos import Point

from geo.models import AreaName
from incidents import services
from incidents.models import Assessment, Attribution, CasualtyClaim, Incident, Mention, Source
from tests.factories import ActorFactory, AreaFactory

__all__ = ["ITEMS", "MARKER", "Oracle", "Reader", "reference_data"]

MARKER = re.compile(r"LEAKMARK-[A-Za-z0-9_-]+")
PARTNER, ANALYST, ANALYST_B, EDITOR = "partner", "analyst", "analyst_b", "editor"
EVERYONE = frozenset({PARTNER, ANALYST, ANALYST_B, EDITOR})
DESK = frozenset({ANALYST, ANALYST_B, EDITOR})

DAY = dt.date(2024, 12, 24)
HERE = Point(69.2, 32.7, srid=4326)


def mark(item: str, field: str) -> str:
    return f"LEAKMARK-{item}-{field}"


def marked(item: str, *fields: str) -> dict[str, str]:
    """``{"title": "LEAKMARK-pub1-title text", "publisher": "LEAKMARK-pub1-source_publisher text"…}``."""
    return {field.removeprefix("source_"): f"{mark(item, field)} text" for field in fields}


@dataclasses.dataclass(frozen=True)
class Reader:
    """Someone reading: ``kind`` is their role as far as the rule goes (``None``: anonymous or no role)."""

    name: str
    kind: str | None
    user: object = None

    @property
    def audience(self) -> str | None:
        """The name items use for this reader in their audience sets."""
        return {"partner": PARTNER, "editor": EDITOR}.get(self.kind) or (self.name if self.kind else None)

    @property
    def desk(self) -> bool:
        return self.kind in ("analyst", "editor")


# ---- The rule, in plain Python ----


class Oracle:
    """What ``reader`` may see, row by row (the rule the product's querysets must implement)."""

    def __init__(self, reader: Reader):
        self.reader = reader

    def incident(self, incident: Incident) -> bool:
        kind, user = self.reader.kind, self.reader.user
        if kind == "editor":
            return True
        if kind == "analyst":
            return incident.sensitivity == "public" or incident.created_by_id == user.pk
        if kind == "partner":
            return incident.status == "published" and incident.sensitivity == "public" and not incident.merged_into_id
        return False

    def source_row(self, source: Source | None) -> bool:
        """May a row citing this source be shown (the source's own sensitivity)."""
        kind, user = self.reader.kind, self.reader.user
        if source is None or kind == "editor":
            return kind is not None
        if kind == "analyst":
            return source.sensitivity == "public" or source.created_by_id == user.pk
        return kind == "partner" and source.sensitivity == "public"

    def source(self, source: Source) -> bool:
        """A source is seen through an incident that cites it, never on its own."""
        return self.source_row(source) and any(self.incident(i) for i in source.incidents.all())

    def claim(self, claim: CasualtyClaim) -> bool:
        return self.incident(claim.incident) and self.source_row(claim.source)

    def attribution(self, attribution: Attribution) -> bool:
        return self.incident(attribution.incident) and self.source_row(attribution.source)

    def assessment(self, assessment: Assessment) -> bool:
        return self.incident(assessment.incident)

    def mention(self, mention: Mention) -> bool:
        return self.reader.desk and self.incident(mention.incident)

    def incident_field(self, incident: Incident, field: str) -> bool:
        desk_only = field in ("internal_notes", "status_note")
        return self.incident(incident) and (self.reader.desk or not desk_only)

    # ---- Markers ----

    def markers(self) -> tuple[set[str], set[str]]:
        """(markers this reader may see, markers they may not), over every row in the database."""
        allowed, seen = set(), set()

        def add(texts, visible: bool):
            for text in texts:
                for marker in MARKER.findall(str(text or "")):
                    seen.add(marker)
                    if visible:
                        allowed.add(marker)

        for incident in Incident.objects.all():
            for field in ("title", "description", "place_text", "internal_notes", "status_note"):
                add([getattr(incident, field)], self.incident_field(incident, field))
        for source in Source.objects.prefetch_related("incidents"):
            add([source.publisher, source.title, source.url, source.quote, source.content], self.source(source))
        for claim in CasualtyClaim.objects.select_related("incident", "source"):
            add([claim.quote, *(label.get("label") for label in claim.labels)], self.claim(claim))
        for attribution in Attribution.objects.select_related("incident", "source"):
            add([attribution.quote], self.attribution(attribution))
        for assessment in Assessment.objects.select_related("incident"):
            add([assessment.rationale], self.assessment(assessment))
        for mention in Mention.objects.select_related("incident"):
            add([mention.text], self.mention(mention))
        return allowed, seen - allowed

    def hidden_ids(self, since: int) -> dict[int, str]:
        """Primary keys (from ``since`` on) of rows this reader may not see → what they are."""
        hidden = {}
        for incident in Incident.objects.filter(pk__gte=since):
            if not self.incident(incident):
                hidden[incident.pk] = f"incident {incident.pk} ({incident.title[:40]})"
        for claim in CasualtyClaim.objects.filter(pk__gte=since).select_related("incident", "source"):
            if not self.claim(claim):
                hidden[claim.pk] = f"claim {claim.pk} ({claim.quote[:40]})"
        for source in Source.objects.filter(pk__gte=since).prefetch_related("incidents"):
            if not self.source(source):
                hidden[source.pk] = f"source {source.pk} ({source.title[:40]})"
        for attribution in Attribution.objects.filter(pk__gte=since).select_related("incident", "source"):
            if not self.attribution(attribution):
                hidden[attribution.pk] = f"attribution {attribution.pk}"
        for assessment in Assessment.objects.filter(pk__gte=since).select_related("incident"):
            if not self.assessment(assessment):
                hidden[assessment.pk] = f"assessment {assessment.pk}"
        return hidden


# ---- Reference data: everyone who reads the API reads all of it ----


def reference_data() -> SimpleNamespace:
    country = AreaFactory(level="country", name="Leakland", code="LK", country_code="AF")
    province = AreaFactory(level="province", name="Leak Province", code="LK-P", parent=country, country_code="AF")
    district = AreaFactory(level="district", name="Openvale", code="LK-D1", parent=province, country_code="AF")
    # A district only hidden incidents are placed in: its code and names are filter values to try.
    hidden_district = AreaFactory(level="district", name="Hiddenvale", code="LK-D2", parent=province, country_code="AF")
    AreaName.objects.create(area=hidden_district, name="Hiddenvale-alias")
    actors = {
        slug: ActorFactory(slug=slug, name=slug.replace("-", " ").title())
        for slug in ("claimant-one", "claimant-two", "actor-common", "actor-x", "asserter", "hidden-only")
    }
    return SimpleNamespace(
        country=country, province=province, district=district, hidden_district=hidden_district, actors=actors
    )


# ---- Items ----


@dataclasses.dataclass(frozen=True)
class Item:
    name: str
    audience: frozenset[str]
    seed: Callable[[SimpleNamespace], None]
    needs: tuple[str, ...] = ()


def _incident(w, item: str, author, *, district=None, sensitivity="public", day=DAY, **extra) -> Incident:
    data = {
        **marked(item, "title", "description", "place_text", "internal_notes"),
        "kind": "airstrike",
        "start_date": day,
        "location": HERE,
        "district": district or w.ref.district,
        "province": w.ref.province,
        "country_code": "AF",
        "sensitivity": sensitivity,
        **extra,
    }
    incident = services.incident_create(author=author, data=data)
    Mention.objects.create(
        incident=incident, field="place_text", start=0, end=10, text=mark(item, "mention"),
        area=incident.district, method="exact", score=0.9,
    )  # fmt: skip
    return incident


def _source(w, item: str, author, incident, *, sensitivity="public") -> Source:
    data = {
        **marked(item, "source_publisher", "source_title", "source_quote", "source_content"),
        "url": f"https://example.org/{mark(item, 'source_url')}",
        "sensitivity": sensitivity,
    }
    return services.source_add(author=author, data=data, incident=incident)


def _claim(item, author, incident, source, claimant, **figures) -> CasualtyClaim:
    data = {
        "claimant": claimant,
        "source": source,
        "claimed_on": DAY + dt.timedelta(days=1),
        "quote": f"{mark(item, 'claim_quote')} text",
        "labels": [{"label": mark(item, "claim_label"), "min": None, "max": None}],
        **figures,
    }
    return services.claim_add(author=author, incident=incident, data=data)


def _attribution(item, author, incident, source, actor, asserted_by) -> Attribution:
    data = {
        "actor": actor,
        "role": "perpetrator",
        "asserted_by": asserted_by,
        "source": source,
        "quote": f"{mark(item, 'attribution_quote')} text",
    }
    return services.attribution_add(author=author, incident=incident, data=data)


def _assess(item, editor, incident, claims) -> Assessment:
    data = {"grade": "fair", "killed_low": 1, "killed_best": 2, "killed_high": 3, "rationale": mark(item, "rationale")}
    return services.assessment_record(editor=editor, incident=incident, data=data, claims=claims)


def _evidence(
    w, item, author, incident, *, sensitivity="public", claimant="claimant-one", actor="actor-common", killed=(20, 25)
):
    source = _source(w, item, author, incident, sensitivity=sensitivity)
    claim = _claim(item, author, incident, source, w.ref.actors[claimant], killed_min=killed[0], killed_max=killed[1])
    attribution = _attribution(item, author, incident, source, w.ref.actors[actor], w.ref.actors["asserter"])
    return source, claim, attribution


def seed_pub1(w):
    """Published, public: submitted first (the earliest submitted_at), assessed."""
    w.pub1 = _incident(w, "pub1", w.analyst)
    _, claim, _ = _evidence(w, "pub1", w.analyst, w.pub1)
    services.incident_submit(incident=w.pub1, author=w.analyst)
    services.incident_publish(incident=w.pub1, editor=w.editor)
    _assess("pub1", w.editor, w.pub1, [claim])


def seed_pub2(w):
    """Published, public, same day and place as pub1 (each is the other's possible duplicate); submitted later."""
    w.pub2 = _incident(w, "pub2", w.analyst_b)
    source = _source(w, "pub2", w.analyst_b, w.pub2)
    w.pub2_claim = _claim("pub2", w.analyst_b, w.pub2, source, w.ref.actors["claimant-two"], killed_min=5, killed_max=7)
    _attribution("pub2", w.analyst_b, w.pub2, source, w.ref.actors["actor-x"], w.ref.actors["asserter"])
    services.incident_submit(incident=w.pub2, author=w.analyst_b)
    services.incident_publish(incident=w.pub2, editor=w.editor)


def seed_pub3(w):
    """Published, public, never submitted (no submitted_at): the survivor a hidden duplicate is merged into."""
    w.pub3 = _incident(w, "pub3", w.editor)
    _source(w, "pub3", w.editor, w.pub3)
    services.incident_publish(incident=w.pub3, editor=w.editor)


def seed_secret_evidence_b(w):
    """Analyst B's restricted source, cited on the published incidents:

    on pub1 a claim whose range does not overlap pub1's public claim (so it would make pub1 "contested"), and an
    attribution to actor-x (which pub2 names too: "overlapping actors" in pub2's duplicate box); on pub2 a claim
    that supersedes pub2's public claim.
    """
    secret = _source(w, "secretB", w.analyst_b, w.pub1, sensitivity="restricted")
    _claim("secretB", w.analyst_b, w.pub1, secret, w.ref.actors["hidden-only"], killed_min=0, killed_max=1)
    _attribution("secretB", w.analyst_b, w.pub1, secret, w.ref.actors["actor-x"], w.ref.actors["hidden-only"])
    services.claim_supersede(
        author=w.analyst_b,
        claim=w.pub2_claim,
        data={"source": secret, "claimed_on": DAY + dt.timedelta(days=3), "killed_min": 9, "killed_max": 9,
              "quote": mark("secretB", "revision_quote")},
    )  # fmt: skip


def seed_secret_evidence_a(w):
    """Analyst A's own restricted source, cited by a claim on pub3 (ranges overlapping: not contested)."""
    secret = _source(w, "secretA", w.analyst, w.pub3, sensitivity="restricted")
    _claim("secretA", w.analyst, w.pub3, secret, w.ref.actors["claimant-one"], killed_min=1, killed_max=3)


def seed_draft_a(w):
    w.draft_a = _incident(w, "draftA", w.analyst, day=DAY - dt.timedelta(days=5))
    _evidence(w, "draftA", w.analyst, w.draft_a)


def seed_review_b(w):
    w.review_b = _incident(w, "reviewB", w.analyst_b, day=DAY - dt.timedelta(days=6))
    _evidence(w, "reviewB", w.analyst_b, w.review_b)
    services.incident_submit(incident=w.review_b, author=w.analyst_b)


def seed_sent_back(w):
    w.sent_back = _incident(w, "sentback", w.analyst, day=DAY - dt.timedelta(days=7))
    _evidence(w, "sentback", w.analyst, w.sent_back)
    services.incident_submit(incident=w.sent_back, author=w.analyst)
    services.incident_send_back(incident=w.sent_back, editor=w.editor, note=mark("sentback", "status_note"))


def seed_retracted(w):
    w.retracted = _incident(w, "retracted", w.analyst_b, day=DAY - dt.timedelta(days=8))
    _, claim, _ = _evidence(w, "retracted", w.analyst_b, w.retracted)
    services.incident_publish(incident=w.retracted, editor=w.editor)
    _assess("retracted", w.editor, w.retracted, [claim])
    services.incident_retract(incident=w.retracted, editor=w.editor, reason=mark("retracted", "status_note"))


def seed_merged(w):
    """Published, then merged into pub3 by an editor. Its evidence cites the editor's restricted source, so the
    copies the merge makes on pub3 stay hidden from everyone but editors."""
    w.merged = _incident(w, "merged", w.editor, day=DAY + dt.timedelta(days=1))
    _evidence(w, "merged", w.editor, w.merged, sensitivity="restricted", claimant="claimant-two", killed=(2, 3))
    services.incident_publish(incident=w.merged, editor=w.editor)
    services.incident_merge(incident=w.merged, into=w.pub3, author=w.editor)


def seed_restricted_a(w):
    """Analyst A's restricted incident, published, in the district only hidden incidents are in."""
    w.restricted_a = _incident(
        w, "restrictedA", w.analyst, sensitivity="restricted", district=w.ref.hidden_district,
        day=DAY - dt.timedelta(days=30), kind="ied",
    )  # fmt: skip
    _evidence(w, "restrictedA", w.analyst, w.restricted_a)
    services.incident_publish(incident=w.restricted_a, editor=w.editor)


def seed_restricted_b(w):
    """Analyst B's restricted draft, citing a public source nothing else cites, naming the hidden-only actor."""
    w.restricted_b = _incident(
        w, "restrictedB", w.analyst_b, sensitivity="restricted", district=w.ref.hidden_district,
        day=DAY - dt.timedelta(days=40), kind="suicide_attack",
    )  # fmt: skip
    w.only_b_source, _, _ = _evidence(
        w, "restrictedB", w.analyst_b, w.restricted_b, claimant="hidden-only", actor="hidden-only"
    )


ITEMS = [
    Item("pub1", EVERYONE, seed_pub1),
    Item("pub2", EVERYONE, seed_pub2),
    Item("pub3", EVERYONE, seed_pub3),
    Item("secret evidence of analyst B", frozenset({ANALYST_B, EDITOR}), seed_secret_evidence_b, ("pub1", "pub2")),
    Item("secret evidence of analyst A", frozenset({ANALYST, EDITOR}), seed_secret_evidence_a, ("pub3",)),
    Item("draft", DESK, seed_draft_a),
    Item("in review", DESK, seed_review_b),
    Item("sent back", DESK, seed_sent_back),
    Item("retracted", DESK, seed_retracted),
    Item("merged", DESK, seed_merged, ("pub3",)),
    Item("restricted of analyst A", frozenset({ANALYST, EDITOR}), seed_restricted_a),
    Item("restricted of analyst B", frozenset({ANALYST_B, EDITOR}), seed_restricted_b),
]


def check_items():
    """An item's audience never exceeds what it hangs off, or a reader's first world would miss a parent."""
    by_name = {item.name: item for item in ITEMS}
    for item in ITEMS:
        for need in item.needs:
            assert item.audience <= by_name[need].audience, (item.name, need)
