"""The invariants of DOMAIN.md, held by the database itself (not just by forms)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

from incidents.models import Assessment, CasualtyClaim, Incident, Source
from incidents.models.sources import content_hash
from tests.factories import ActorFactory, ClaimFactory, IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db


def _refused(fn):
    """The database refuses the write (constraint or trigger) and the transaction is left clean."""
    with pytest.raises((IntegrityError, InternalError, ProgrammingError)), transaction.atomic():
        fn()


def test_category_is_derived_from_kind_by_the_database():
    strike = IncidentFactory(kind="drone_strike")
    attack = IncidentFactory(kind="suicide_attack")
    other = IncidentFactory(kind="other")
    assert (strike.category, attack.category, other.category) == ("strike", "militant_attack", "other")
    Incident.objects.filter(pk=strike.pk).update(kind="ied")
    strike.refresh_from_db()
    assert strike.category == "militant_attack"


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "carpet_bombing"), ("status", "deleted"), ("sensitivity", "secret"), ("date_precision", "hour"),
     ("geo_precision", "somewhere")],
)  # fmt: skip
def test_database_refuses_unknown_vocabulary(field, value):
    incident = IncidentFactory()
    _refused(lambda: Incident.objects.filter(pk=incident.pk).update(**{field: value}))


def test_database_refuses_a_date_range_that_ends_before_it_starts():
    _refused(lambda: IncidentFactory(start_date=dt.date(2024, 12, 24), end_date=dt.date(2024, 12, 23)))


def test_model_validation_names_the_end_date_field():
    incident = IncidentFactory.build(start_date=dt.date(2024, 12, 24), end_date=dt.date(2024, 12, 1))
    with pytest.raises(ValidationError) as excinfo:
        incident.full_clean()
    assert "end_date" in excinfo.value.message_dict


def test_published_incident_needs_a_publication_time():
    _refused(lambda: IncidentFactory(status="published", published_at=None))


def test_incidents_are_never_hard_deleted():
    incident = IncidentFactory()
    _refused(incident.delete)
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_sources_are_never_hard_deleted():
    source = SourceFactory()
    _refused(source.delete)


@pytest.mark.parametrize("category", ["killed", "civilians", "militants", "security_forces", "women", "children"])
def test_claim_min_above_max_is_refused_by_the_database(category):
    _refused(lambda: ClaimFactory(**{f"{category}_min": 10, f"{category}_max": 3}))


def test_claim_ranges_may_leave_either_end_unknown():
    claim = ClaimFactory(killed_min=20, killed_max=None, civilians_min=None, civilians_max=5)
    assert claim.range("killed") == (20, None)
    assert claim.range_text("killed") == "20–?"
    assert claim.range_text("civilians") == "?–5"


def test_claim_validation_names_the_field_with_min_above_max():
    claim = ClaimFactory.build(killed_min=9, killed_max=2)
    with pytest.raises(ValidationError) as excinfo:
        claim.full_clean(exclude=["incident", "claimant", "source"])
    assert "killed_min" in excinfo.value.message_dict


def test_a_denial_is_recorded_as_zero_and_the_database_holds_it():
    claim = ClaimFactory(denied=["civilians"], civilians_min=0, civilians_max=0)
    assert claim.denied == ["civilians"]
    _refused(lambda: ClaimFactory(denied=["civilians"], civilians_min=0, civilians_max=4))


def test_claims_are_append_only():
    claim = ClaimFactory(killed_min=20)
    _refused(lambda: CasualtyClaim.objects.filter(pk=claim.pk).update(killed_min=5))
    _refused(claim.delete)
    claim.refresh_from_db()
    assert claim.killed_min == 20


def test_a_claim_is_superseded_at_most_once():
    old = ClaimFactory(killed_min=20)
    ClaimFactory(incident=old.incident, claimant=old.claimant, supersedes=old, killed_min=25)
    _refused(lambda: ClaimFactory(incident=old.incident, claimant=old.claimant, supersedes=old, killed_min=30))


def test_assessments_are_append_only_and_ordered(editor):
    incident = IncidentFactory()
    assessment = Assessment.objects.create(
        incident=incident, grade="fair", rationale="Two sources agree.", decided_by=editor,
        killed_low=3, killed_best=4, killed_high=6,
    )  # fmt: skip
    _refused(lambda: Assessment.objects.filter(pk=assessment.pk).update(grade="confirmed"))
    _refused(
        lambda: Assessment.objects.create(
            incident=incident, grade="fair", rationale="x", decided_by=editor, killed_low=5, killed_high=2
        )
    )
    _refused(lambda: Assessment.objects.create(incident=incident, grade="certain", rationale="x", decided_by=editor))
    _refused(lambda: Assessment.objects.create(incident=incident, grade="fair", rationale="", decided_by=editor))


def test_source_content_hash_is_kept_by_the_database_whoever_writes():
    source = SourceFactory(content="The strikes killed at least 20 militants.")
    assert source.content_sha256 == content_hash("The strikes killed at least 20 militants.")
    Source.objects.filter(pk=source.pk).update(content="پکتیکا")  # a write that bypasses save()
    source.refresh_from_db()
    assert source.content_sha256 == content_hash("پکتیکا")


def test_source_grades_are_constrained():
    source = SourceFactory()
    _refused(lambda: Source.objects.filter(pk=source.pk).update(reliability="G"))
    _refused(lambda: Source.objects.filter(pk=source.pk).update(credibility=7))
    assert source.grade == "F6"


def test_attribution_is_unique_per_actor_role_asserter_and_source(analyst):
    from incidents.models import Attribution

    incident, actor, asserter = IncidentFactory(), ActorFactory(), ActorFactory()
    Attribution.objects.create(incident=incident, actor=actor, role="target", asserted_by=asserter)
    _refused(lambda: Attribution.objects.create(incident=incident, actor=actor, role="target", asserted_by=asserter))
    _refused(lambda: Attribution.objects.create(incident=incident, actor=actor, role="victim", asserted_by=asserter))


def test_area_validity_must_be_ordered_and_below_country_needs_parent():
    from django.contrib.gis.geos import Point

    from geo.models import Area

    country = Area.objects.create(level="country", name="X", code="XX", country_code="XX", centroid=Point(1, 1))
    _refused(lambda: Area.objects.create(level="province", name="Y", code="XX-Y", country_code="XX",
                                         centroid=Point(1, 1)))  # fmt: skip
    _refused(
        lambda: Area.objects.create(
            level="district",
            name="Z",
            code="XX-Z",
            country_code="XX",
            centroid=Point(1, 1),
            parent=country,
            valid_from=dt.date(2018, 6, 1),
            valid_to=dt.date(2018, 5, 31),
        )
    )


def test_every_constraint_named_in_models_exists_in_the_database():
    """Migrations and models agree on the invariants (a dropped constraint would fail here)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'c'")
        in_db = {row[0] for row in cursor.fetchall()}
    for model in (Incident, Source, CasualtyClaim, Assessment):
        for constraint in model._meta.constraints:
            if constraint.__class__.__name__ == "CheckConstraint":
                assert constraint.name in in_db, constraint.name
