"""Writes with side effects. Each runs in one transaction and queues its follow-up work on commit.

Every service validates with ``full_clean()`` first, so bad input is refused with a message naming
the field and nothing partial is saved; the database constraints are the second line.
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from copy import copy as copy_of

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from core.audit import audit_context
from geo.choices import AreaLevel, GeoPrecision
from incidents.choices import CLAIM_CATEGORIES, MentionStatus, Sensitivity, Status
from incidents.models import Assessment, Attribution, CasualtyClaim, Incident, Mention, Source
from incidents.models.claims import link_revisions
from incidents.signals import incident_changed

__all__ = [
    "ConflictError", "Duplicate", "assessment_record", "attribution_add", "can_add_evidence", "can_edit",
    "claim_add", "claim_supersede", "claims_contested", "incident_create", "incident_merge", "incident_publish",
    "incident_retract", "incident_send_back", "incident_submit", "incident_update", "mention_confirm",
    "mention_reject", "possible_duplicates", "source_add", "text_similar",
]  # fmt: skip


class ConflictError(Exception):
    """Somebody else saved the incident since this edit began."""

    def __init__(self, current: Incident):
        super().__init__(f"Incident {current.pk} was changed by someone else (now version {current.version}).")
        self.current = current


EDITOR = "incidents.publish_incident"


# ---- Who may change what: the desk's workflow rules, checked here so that every path (desk, API, admin,
# importers) obeys them. The desk and the API call these to decide what to offer; the services enforce them.


def can_edit(user, incident: Incident) -> bool:
    """Analysts edit drafts and incidents in review; published and retracted ones are the editors'; merged ones
    nobody's (edit the incident they were merged into)."""
    if incident.merged_into_id or not user.has_perm("incidents.change_incident"):
        return False
    return user.has_perm(EDITOR) or incident.status in (Status.DRAFT, Status.IN_REVIEW)


def can_add_evidence(user, incident: Incident, model: str = "casualtyclaim") -> bool:
    """Sources, claims and attributions can be added until the incident is retracted or merged away.

    Decision (issue #9): evidence an analyst adds to a *published* incident goes live at once. A claim is what its
    claimant said, sourced and attributed to them, not the desk's judgement: holding it back would hide a rival
    claim, the one thing this tracker exists to show. The desk's judgement (the assessment and its grade, the
    incident's fields, publishing) stays with editors, and a claim citing a restricted source stays hidden from
    partners whoever adds it. Every addition is audited with its author.
    """
    if incident.status == Status.RETRACTED or incident.merged_into_id:
        return False
    return user.has_perm(f"incidents.add_{model}")


def _locked(incident: Incident) -> Incident:
    """The incident as committed now, row-locked: a rule is checked against what is, not what a form saw."""
    return Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)


def _require_editable(user, incident: Incident) -> None:
    if not can_edit(user, incident):
        raise PermissionDenied(
            "Only editors change published or retracted incidents, and nobody changes a merged one."
            if user.has_perm("incidents.change_incident")
            else f"{user} may not change incidents."
        )


def _require_evidence(user, incident: Incident, model: str) -> None:
    if not can_add_evidence(user, incident, model):
        raise PermissionDenied(
            f"{user} may not add this."
            if not user.has_perm(f"incidents.add_{model}")
            else "Evidence cannot be added to a retracted or merged incident."
        )


def _after_commit_geocode(incident: Incident) -> None:
    from incidents.tasks import geocode_incident

    # robust: a broker outage must not fail the save; the sweep re-queues pending rows.
    transaction.on_commit(lambda: geocode_incident.delay(incident.pk), robust=True)


# ---- Incidents ----


@transaction.atomic
def incident_create(*, author, data: dict, sources: Iterable[Source] = ()) -> Incident:
    """Save a new draft incident and queue its geocoding after the commit."""
    incident = Incident(**data, created_by=author, geocode_requested=timezone.now())
    if incident.location is not None and "location_manual" not in data:
        incident.location_manual = True  # a point typed or drawn by a person is never moved by the geocoder
    incident.full_clean()
    incident.save()
    if sources:
        incident.sources.add(*sources)
    _after_commit_geocode(incident)
    _announce(incident, figures_changed=True)
    return incident


GEO_INPUT_FIELDS = ("title", "description", "place_text", "location", "start_date", "end_date")


@transaction.atomic
def incident_update(*, incident: Incident, author, data: dict, version: int) -> Incident:
    """Apply ``data`` if nobody saved the incident since ``version``; else raise ConflictError.

    Text or place changes re-queue the geocoder; it still never overwrites a hand-set location.
    """
    current = _locked(incident)
    _require_editable(author, current)
    if current.version != version:
        raise ConflictError(current)
    before = copy_of(current)
    geo_changed = any(field in data and data[field] != getattr(current, field) for field in GEO_INPUT_FIELDS)
    for field, value in data.items():
        setattr(current, field, value)
    if "location" in data and data["location"] is not None and data["location"] != incident.location:
        current.location_manual = True
    current.full_clean()
    current.version = F("version") + 1
    if geo_changed:
        current.geocode_requested = timezone.now()
    current.save()
    current.refresh_from_db()
    if geo_changed:
        _after_commit_geocode(current)
    _announce(current, before)
    return current


def _announce(incident: Incident, before: Incident | None = None, *, figures_changed: bool = False) -> None:
    """Tell the layers above that ``incident`` changed (``incidents.signals.incident_changed``): ``reports`` marks
    the summary cells the change moves. ``before``: a copy of the incident as it was; ``figures_changed``: its
    counted figures may have moved (a claim that turned the contested flag, an assessment, a new incident)."""
    incident_changed.send(sender=Incident, incident=incident, before=before, figures_changed=figures_changed)


def _transition(incident: Incident, *, to: str, allowed_from: tuple[str, ...], note: str = "", **extra) -> Incident:
    current = Incident.objects.select_for_update().get(pk=incident.pk)
    before = copy_of(current)
    if current.status not in allowed_from:
        raise ValidationError({"status": f"Cannot move from {current.get_status_display()} to {Status(to).label}."})
    current.status = to
    current.status_note = note
    for field, value in extra.items():
        setattr(current, field, value)
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    _announce(current, before)
    return current


@transaction.atomic
def incident_submit(*, incident: Incident, author) -> Incident:
    """Send a draft (or a sent-back incident) to the editors' review queue."""
    return _transition(incident, to=Status.IN_REVIEW, allowed_from=(Status.DRAFT,), submitted_at=timezone.now())


@transaction.atomic
def incident_send_back(*, incident: Incident, editor, note: str) -> Incident:
    """Return an incident in review to the analysts, with a comment saying why."""
    _require(editor, "incidents.publish_incident")
    if not note.strip():
        raise ValidationError({"note": "Say why the incident is sent back."})
    return _transition(incident, to=Status.DRAFT, allowed_from=(Status.IN_REVIEW,), note=note)


@transaction.atomic
def incident_publish(*, incident: Incident, editor) -> Incident:
    """Publish: partners can read it from now on (if it is public)."""
    _require(editor, "incidents.publish_incident")
    return _transition(
        incident, to=Status.PUBLISHED, allowed_from=(Status.DRAFT, Status.IN_REVIEW), published_at=timezone.now()
    )


@transaction.atomic
def incident_retract(*, incident: Incident, editor, reason: str) -> Incident:
    """Withdraw an incident from every view partners have. The record stays; nothing is deleted."""
    _require(editor, "incidents.publish_incident")
    if not reason.strip():
        raise ValidationError({"reason": "A retraction needs a reason."})
    return _transition(
        incident, to=Status.RETRACTED, allowed_from=(Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED), note=reason
    )


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(f"{user} may not do this ({perm}).")


# ---- Sources, claims, attributions ----


@transaction.atomic
def source_add(*, author, data: dict, incident: Incident | None = None) -> Source:
    if incident is not None:
        _require_evidence(author, _locked(incident), "source")
    source = Source(**data, created_by=author)
    source.full_clean()
    source.save()
    if incident is not None:
        incident.sources.add(source)
    return source


def claims_contested(claims: Iterable[CasualtyClaim]) -> list[str]:
    """The categories in which two live claims' ranges cannot both be true.

    An unknown end is open: ``[20, ?]`` and ``[?, 5]`` do not overlap; ``[20, ?]`` and ``[?, ?]`` do.
    Returns the categories (``killed``, ``civilians``…) where some pair is disjoint.
    """
    claims = list(claims)
    disputed = []
    for category in CLAIM_CATEGORIES:
        ranges = [claim.range(category) for claim in claims]
        lows = [low for low, _ in ranges if low is not None]
        highs = [high for _, high in ranges if high is not None]
        if lows and highs and max(lows) > min(highs):
            disputed.append(category)
    return disputed


def _live(claims, chain) -> list[CasualtyClaim]:
    return [claim for claim in link_revisions(claims, chain) if claim.superseding is None]


def _refresh_contested(incident: Incident) -> bool:
    """Both flags, each from the claims its readers may see (issue #9: a flag must not reveal a hidden claim).

    ``contested``: from claims citing public sources (a revision reaches across hidden ones); analysts, partners and
    summaries read it. ``contested_all``: from every claim; editors read it. True when ``contested`` changed, the
    one that summary cells count.
    """
    claims = list(CasualtyClaim.objects.filter(incident=incident).select_related("source"))
    chain = {claim.pk: claim.supersedes_id for claim in claims}
    contested_all = bool(claims_contested(_live(claims, chain)))
    public = [claim for claim in claims if claim.source.sensitivity == Sensitivity.PUBLIC]
    contested = bool(claims_contested(_live(public, chain)))
    changed = Incident.objects.filter(pk=incident.pk).exclude(contested=contested).exists()
    Incident.objects.filter(pk=incident.pk).exclude(contested=contested, contested_all=contested_all).update(
        contested=contested, contested_all=contested_all
    )
    return changed


@transaction.atomic
def claim_add(*, author, incident: Incident, data: dict) -> CasualtyClaim:
    """Record what a claimant said. Recomputes the incident's contested flag and marks its summary cells."""
    _require_evidence(author, _locked(incident), "casualtyclaim")
    claim = CasualtyClaim(**data, incident=incident, created_by=author)
    claim.full_clean()
    claim.save()
    if claim.source_id:
        incident.sources.add(claim.source_id)
    if _refresh_contested(incident):
        _announce(incident, figures_changed=True)
    return claim


@transaction.atomic
def claim_supersede(*, author, claim: CasualtyClaim, data: dict) -> CasualtyClaim:
    """A claimant revised a figure: a new claim linked to the old one, which stays as it was.

    Refused first where no claim may be added (as ``claim_add`` would): nothing about the claim is checked before.
    """
    _require_evidence(author, _locked(claim.incident), "casualtyclaim")
    latest = claim
    while (revision := CasualtyClaim.objects.filter(supersedes=latest).first()) is not None:
        if not CasualtyClaim.objects.visible_to(author).filter(pk=revision.pk).exists():
            # A revision the author may not see: theirs goes after it, so nothing tells them it exists.
            latest = revision
            continue
        raise ValidationError({"supersedes": "This claim has already been superseded; revise the latest one."})
    data = {**data, "claimant": claim.claimant, "supersedes": latest}
    return claim_add(author=author, incident=claim.incident, data=data)


@transaction.atomic
def attribution_add(*, author, incident: Incident, data: dict) -> Attribution:
    _require_evidence(author, _locked(incident), "attribution")
    attribution = Attribution(**data, incident=incident, created_by=author)
    attribution.full_clean()
    attribution.save()
    if attribution.source_id:
        incident.sources.add(attribution.source_id)
    return attribution


# ---- Assessments ----


@transaction.atomic
def assessment_record(*, editor, incident: Incident, data: dict, claims: Iterable[CasualtyClaim]) -> Assessment:
    """Record the desk's new view of an incident. Earlier assessments stay: the history is evidence."""
    _require(editor, "incidents.add_assessment")
    current = _locked(incident)
    if current.status == Status.RETRACTED or current.merged_into_id:
        raise PermissionDenied("A retracted or merged incident takes no new assessment.")
    claims = list(claims)
    foreign = [c.pk for c in claims if c.incident_id != incident.pk]
    if foreign:
        raise ValidationError({"claims": f"Claims {foreign} belong to another incident."})
    assessment = Assessment(**data, incident=incident, decided_by=editor)
    assessment.full_clean()
    assessment.save()
    assessment.claims.set(claims)
    _announce(incident, figures_changed=True)
    return assessment


# ---- Duplicates and merging ----

DUPLICATE_DAYS = 1
DUPLICATE_DISTANCE_KM = 25
# Words too common in incident titles to say two texts are about the same event.
_COMMON_WORDS = frozenset(
    re.split(
        r"\s+",
        "a an and at by for from in into near of on or the to with after over least "
        "attack attacks district province killed kills people said says strike strikes",
    )
)


def _words(*texts: str) -> set[str]:
    words = set()
    for text in texts:
        for word in re.findall(r"\w+", (text or "").casefold()):
            if len(word) < 3 or word.isdigit() or word in _COMMON_WORDS:
                continue
            words.add(word[:-1] if len(word) > 4 and word.endswith("s") else word)  # airstrikes ~ airstrike
    return words


def text_similar(a: str, b: str) -> bool:
    """Two short texts share at least two telling words and half of the shorter one's (any script)."""
    left, right = _words(a), _words(b)
    if not left or not right:
        return False
    shared = len(left & right)
    return shared >= 2 and shared / min(len(left), len(right)) >= 0.5


@dataclasses.dataclass
class Duplicate:
    """An existing incident that may be the same event, and why it was suggested."""

    incident: Incident
    reasons: list[str] = dataclasses.field(default_factory=list)


def possible_duplicates(
    *, user, start_date, location=None, district=None, title: str = "", place_text: str = "",
    actors: Iterable = (), exclude: Incident | None = None, limit: int = 10,
) -> list[Duplicate]:  # fmt: skip
    """Live incidents the user can see that may be the same event as the one described.

    Same start date ±1 day AND (within 25 km, or the same district, or overlapping actors, or similar
    title/place text). One query: the date window (indexed) narrows the candidates; text is compared in Python.
    """
    if start_date is None:
        return []
    if location is not None and district is None:
        from geo.geocoding import reverse

        district, _ = reverse(location, start_date)
    window = (start_date - dt.timedelta(days=DUPLICATE_DAYS), start_date + dt.timedelta(days=DUPLICATE_DAYS))
    candidates = (
        Incident.objects.visible_to(user)
        .live()
        .filter(start_date__range=window)
        .select_related("district", "province")
        .only(
            "id",
            "title",
            "place_text",
            "start_date",
            "status",
            "sensitivity",
            "kind",
            "district__name",
            "province__name",
            "location",
        )  # fmt: skip
        .order_by("start_date", "id")
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    if location is not None:
        candidates = candidates.annotate(distance=Distance("location", location))
    actor_ids = [getattr(actor, "pk", actor) for actor in actors]
    if actor_ids:
        # Only attributions this user may see: a hidden one must not make a candidate look closer.
        seen = Attribution.objects.visible_to(user).filter(incident=OuterRef("pk"), actor__in=actor_ids)
        candidates = candidates.annotate(shared_actors=Exists(seen))
    found = []
    for candidate in candidates:
        reasons = []
        days = abs((candidate.start_date - start_date).days)
        reasons.append("same date" if days == 0 else f"{days} day apart")
        near = getattr(candidate, "distance", None)
        if near is not None and near.km <= DUPLICATE_DISTANCE_KM:
            reasons.append(f"{near.km:.1f} km away")
        if district is not None and candidate.district_id == district.pk:
            reasons.append(f"same district ({district.name})")
        if getattr(candidate, "shared_actors", 0):
            reasons.append("overlapping actors")
        if text_similar(f"{title} {place_text}", f"{candidate.title} {candidate.place_text}"):
            reasons.append("similar text")
        if len(reasons) > 1:
            found.append(Duplicate(candidate, reasons))
        if len(found) >= limit:
            break
    return found


_CLAIM_COPY_EXCLUDE = {"id", "incident", "supersedes", "created", "updated"}
_ATTRIBUTION_COPY_EXCLUDE = {"id", "incident", "created", "updated"}


def _copy_fields(obj, exclude: set[str]) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name not in exclude}


@transaction.atomic
def incident_merge(*, incident: Incident, into: Incident, author) -> Incident:
    """Merge ``incident`` (a duplicate) into ``into``; returns ``into``.

    Nothing is lost: ``into`` gains the duplicate's sources, a copy of each of its claims (supersede chains
    kept, figures and quotes verbatim, original author kept) and of each attribution it does not already
    have. Claims are append-only, so they are copied rather than moved; the duplicate keeps its own rows,
    leaves every live list (a published duplicate is retracted), and points at the survivor through
    ``merged_into``. Only editors may merge a published incident.
    """
    if incident.pk == into.pk:
        raise ValidationError({"into": "An incident cannot be merged into itself."})
    first, second = sorted((incident.pk, into.pk))
    locked = {i.pk: i for i in Incident.objects.select_for_update().filter(pk__in=(first, second)).order_by("pk")}
    duplicate, survivor = locked[incident.pk], locked[into.pk]
    if duplicate.merged_into_id:
        # Never the other incident's id: the author may not be allowed to see it.
        raise ValidationError({"into": f"Incident {duplicate.pk} was already merged into another incident."})
    if survivor.merged_into_id:
        raise ValidationError(
            {"into": f"Incident {survivor.pk} was itself merged into another incident: merge into that."}
        )
    if Status.PUBLISHED in (duplicate.status, survivor.status) and not author.has_perm("incidents.publish_incident"):
        raise PermissionDenied("Only an editor may merge a published incident.")

    survivor.sources.add(*duplicate.sources.all())
    copies: dict[int, CasualtyClaim] = {}
    for claim in CasualtyClaim.objects.filter(incident=duplicate).order_by("claimed_on", "id"):
        copy = CasualtyClaim(**_copy_fields(claim, _CLAIM_COPY_EXCLUDE), incident=survivor)
        copy.supersedes = copies.get(claim.supersedes_id)
        copy.full_clean()
        copy.save()
        copies[claim.pk] = copy
    existing = set(
        Attribution.objects.filter(incident=survivor).values_list("actor_id", "role", "asserted_by_id", "source_id")
    )
    for attribution in Attribution.objects.filter(incident=duplicate):
        key = (attribution.actor_id, attribution.role, attribution.asserted_by_id, attribution.source_id)
        if key in existing:
            continue
        Attribution.objects.create(**_copy_fields(attribution, _ATTRIBUTION_COPY_EXCLUDE), incident=survivor)
        existing.add(key)

    before = copy_of(duplicate)
    duplicate.merged_into = survivor
    # No id in the note: a reader of the duplicate may not see the survivor (pages link it only for those who may).
    duplicate.status_note = "Merged into another incident."
    if duplicate.status == Status.PUBLISHED:
        # Partners read published incidents: the duplicate must leave their view, as a retraction does.
        duplicate.status = Status.RETRACTED
    duplicate.version = F("version") + 1
    duplicate.save(update_fields=["merged_into", "status", "status_note", "version", "updated"])
    _announce(duplicate, before)  # it left every cell it counted in
    if _refresh_contested(survivor):
        _announce(survivor, figures_changed=True)
    survivor.refresh_from_db()
    return survivor


# ---- Mentions: a person's word on the geocoder's suggestions. ``mention_confirm``: the mention becomes the
# incident's location (district and province from it; a place's point, or the area's centroid, only when the
# incident has no point of its own) and ``location_manual`` is set, so the geocoder never moves it again.
# ``mention_reject``: the suggestion is never proposed again for that incident; if the incident's placement came
# from it, the incident goes back to the geocoder.


def _require_mention_change(user) -> None:
    if not user.has_perm("incidents.change_mention"):
        raise PermissionDenied("You may not confirm or reject place suggestions.")


@transaction.atomic
def mention_confirm(mention: Mention, user) -> Mention:
    """Confirm ``mention`` and place its incident there by hand (``location_manual=True``)."""
    _require_mention_change(user)
    mention = Mention.objects.select_for_update(of=("self",)).select_related("area__parent", "place").get(pk=mention.pk)
    incident = Incident.objects.get(pk=mention.incident_id)
    area = mention.area
    if area is None and mention.place is not None:
        area = mention.place.district
    data = {"location_manual": True}
    if area is not None and area.level == AreaLevel.DISTRICT:
        data.update(district=area, province=area.parent, geo_precision=GeoPrecision.DISTRICT)
    elif area is not None and area.level == AreaLevel.PROVINCE:
        data.update(district=None, province=area, geo_precision=GeoPrecision.PROVINCE)
    if incident.location is None or not incident.location_manual:
        # The incident's own point stays only if a person set it; otherwise the confirmed place's.
        if mention.place is not None:
            data.update(location=Point(mention.place.point.x, mention.place.point.y, srid=4326),
                        geo_precision=GeoPrecision.NEAR)  # fmt: skip
        elif area is not None and incident.location is None:
            data["location"] = Point(area.centroid.x, area.centroid.y, srid=4326)
    with audit_context(user=user, action="mention_confirm"):
        mention.status = MentionStatus.CONFIRMED
        mention.save(update_fields=["status", "updated"])
        incident_update(incident=incident, author=user, data=data, version=incident.version)
    return mention


@transaction.atomic
def mention_reject(mention: Mention, user) -> Mention:
    """Reject ``mention``; the geocoder will not propose its area/place for this incident again."""
    from incidents.tasks import geocode_incident

    _require_mention_change(user)
    mention = Mention.objects.select_for_update().get(pk=mention.pk)
    if not can_edit(user, Incident.objects.get(pk=mention.incident_id)):
        raise PermissionDenied("Only editors change where a published, retracted or merged incident is placed.")
    with audit_context(user=user, action="mention_reject"):
        mention.status = MentionStatus.REJECTED
        mention.save(update_fields=["status", "updated"])
        incident = Incident.objects.select_for_update().get(pk=mention.incident_id)
        placed_by_it = mention.area_id is not None and mention.area_id in (incident.district_id, incident.province_id)
        if placed_by_it and not incident.location_manual:
            Incident.objects.filter(pk=incident.pk).update(geocode_requested=timezone.now())
            # robust: a broker outage must not fail the rejection; the sweep re-queues pending rows.
            transaction.on_commit(lambda: geocode_incident.delay(incident.pk), robust=True)
    return mention
