"""Writes with side effects. Each runs in one transaction and queues its follow-up work on commit.

Every service validates with ``full_clean()`` first, so bad input is refused with a message naming
the field and nothing partial is saved; the database constraints are the second line.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from incidents.choices import CLAIM_CATEGORIES, Status
from incidents.models import Assessment, Attribution, CasualtyClaim, Incident, Source

__all__ = [
    "ConflictError", "assessment_record", "attribution_add", "claim_add", "claim_supersede", "claims_contested",
    "incident_create", "incident_publish", "incident_retract", "incident_send_back", "incident_submit",
    "incident_update", "source_add",
]  # fmt: skip


class ConflictError(Exception):
    """Somebody else saved the incident since this edit began."""

    def __init__(self, current: Incident):
        super().__init__(f"Incident {current.pk} was changed by someone else (now version {current.version}).")
        self.current = current


def _after_commit_geocode(incident: Incident) -> None:
    from geo.tasks import geocode_incident

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
    _mark_cells(incident)
    return incident


GEO_INPUT_FIELDS = ("title", "description", "place_text", "location", "start_date", "end_date")


@transaction.atomic
def incident_update(*, incident: Incident, author, data: dict, version: int) -> Incident:
    """Apply ``data`` if nobody saved the incident since ``version``; else raise ConflictError.

    Text or place changes re-queue the geocoder; it still never overwrites a hand-set location.
    """
    current = Incident.objects.select_for_update().get(pk=incident.pk)
    if current.version != version:
        raise ConflictError(current)
    before_cells = _cell_keys(current)
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
    _mark_cells(current, before_cells)
    return current


def _cell_keys(incident: Incident):
    from reports.services import cell_keys

    return cell_keys(incident)


def _mark_cells(incident: Incident, extra=()) -> None:
    from reports.services import cells_mark

    cells_mark(set(_cell_keys(incident)) | set(extra))


def _transition(incident: Incident, *, to: str, allowed_from: tuple[str, ...], note: str = "", **extra) -> Incident:
    current = Incident.objects.select_for_update().get(pk=incident.pk)
    if current.status not in allowed_from:
        raise ValidationError({"status": f"Cannot move from {current.get_status_display()} to {Status(to).label}."})
    current.status = to
    current.status_note = note
    for field, value in extra.items():
        setattr(current, field, value)
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    _mark_cells(current)
    return current


@transaction.atomic
def incident_submit(*, incident: Incident, author) -> Incident:
    """Send a draft (or a sent-back incident) to the editors' review queue."""
    return _transition(incident, to=Status.IN_REVIEW, allowed_from=(Status.DRAFT,))


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


def _refresh_contested(incident: Incident) -> None:
    live = CasualtyClaim.objects.filter(incident=incident).live()
    contested = bool(claims_contested(live))
    Incident.objects.filter(pk=incident.pk).exclude(contested=contested).update(contested=contested)


@transaction.atomic
def claim_add(*, author, incident: Incident, data: dict) -> CasualtyClaim:
    """Record what a claimant said. Recomputes the incident's contested flag and marks its summary cells."""
    claim = CasualtyClaim(**data, incident=incident, created_by=author)
    claim.full_clean()
    claim.save()
    if claim.source_id:
        incident.sources.add(claim.source_id)
    _refresh_contested(incident)
    _mark_cells(incident)
    return claim


@transaction.atomic
def claim_supersede(*, author, claim: CasualtyClaim, data: dict) -> CasualtyClaim:
    """A claimant revised a figure: a new claim linked to the old one, which stays as it was."""
    if CasualtyClaim.objects.filter(supersedes=claim).exists():
        raise ValidationError({"supersedes": "This claim has already been superseded; revise the latest one."})
    data = {**data, "claimant": claim.claimant, "supersedes": claim}
    return claim_add(author=author, incident=claim.incident, data=data)


@transaction.atomic
def attribution_add(*, author, incident: Incident, data: dict) -> Attribution:
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
    claims = list(claims)
    foreign = [c.pk for c in claims if c.incident_id != incident.pk]
    if foreign:
        raise ValidationError({"claims": f"Claims {foreign} belong to another incident."})
    assessment = Assessment(**data, incident=incident, decided_by=editor)
    assessment.full_clean()
    assessment.save()
    assessment.claims.set(claims)
    _mark_cells(incident)
    return assessment
