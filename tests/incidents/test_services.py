import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError

from incidents import services
from incidents.models import CasualtyClaim, Incident
from tests.factories import ActorFactory, ClaimFactory, IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db


def _claim_data(**ranges):
    return {"claimant": ActorFactory(), "source": SourceFactory(), "claimed_on": dt.date(2024, 12, 25), **ranges}


def test_incident_create_saves_a_draft_and_marks_geocoding_pending(analyst):
    incident = services.incident_create(
        author=analyst,
        data={"title": "Strike", "kind": "airstrike", "start_date": dt.date(2024, 12, 24),
              "location": Point(69.2, 32.7, srid=4326)},
    )  # fmt: skip
    assert incident.status == "draft"
    assert incident.created_by == analyst
    assert incident.geocode_requested is not None
    assert incident.location_manual  # a point a person typed is never moved by the geocoder


def test_incident_create_refuses_bad_input_and_saves_nothing(analyst):
    with pytest.raises(ValidationError) as excinfo:
        services.incident_create(
            author=analyst,
            data={"title": "Bad", "kind": "airstrike", "start_date": dt.date(2024, 12, 24),
                  "end_date": dt.date(2024, 12, 1), "date_precision": "fortnight"},
        )  # fmt: skip
    assert {"end_date", "date_precision"} <= set(excinfo.value.message_dict)
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("ranges", "expected"),
    [
        ([{"killed_min": 20}, {"killed_max": 5}], ["killed"]),
        ([{"killed_min": 20}, {}], []),
        ([{"killed_min": 3, "killed_max": 10}, {"killed_min": 8, "killed_max": 12}], []),
        ([{"civilians_min": 0, "civilians_max": 0}, {"civilians_min": 5}], ["civilians"]),
        ([{"killed_min": 20, "militants_min": 20}, {"militants_max": 0, "civilians_min": 20}], ["militants"]),
    ],
)
def test_claims_contested_finds_disjoint_ranges(ranges, expected):
    claims = [CasualtyClaim(**r) for r in ranges]
    assert services.claims_contested(claims) == expected


def test_adding_a_disjoint_claim_flags_the_incident_contested(analyst):
    incident = IncidentFactory()
    services.claim_add(author=analyst, incident=incident, data=_claim_data(killed_min=20))
    incident.refresh_from_db()
    assert not incident.contested
    services.claim_add(author=analyst, incident=incident, data=_claim_data(killed_min=0, killed_max=2))
    incident.refresh_from_db()
    assert incident.contested


def test_superseding_keeps_the_old_claim_and_only_the_new_one_is_live(analyst):
    incident = IncidentFactory()
    old = services.claim_add(author=analyst, incident=incident, data=_claim_data(killed_min=0, killed_max=2))
    services.claim_add(author=analyst, incident=incident, data=_claim_data(killed_min=20))
    incident.refresh_from_db()
    assert incident.contested
    new = services.claim_supersede(
        author=analyst, claim=old, data={"source": SourceFactory(), "claimed_on": dt.date(2024, 12, 27),
                                         "killed_min": 18, "killed_max": 30},
    )  # fmt: skip
    assert new.supersedes == old
    assert new.claimant == old.claimant
    live = set(CasualtyClaim.objects.filter(incident=incident).live())
    assert new in live
    assert old not in live
    old.refresh_from_db()
    assert (old.killed_min, old.killed_max) == (0, 2)  # untouched
    incident.refresh_from_db()
    assert not incident.contested  # the revision brought the claims into overlap
    with pytest.raises(ValidationError):
        services.claim_supersede(author=analyst, claim=old, data={"source": SourceFactory(),
                                                                 "claimed_on": dt.date(2024, 12, 28)})  # fmt: skip


def test_a_claim_cannot_supersede_another_claimants_claim(analyst):
    old = ClaimFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.claim_add(author=analyst, incident=old.incident, data={**_claim_data(killed_min=1), "supersedes": old})
    assert "supersedes" in excinfo.value.message_dict


def test_optimistic_lock_refuses_a_stale_save(analyst):
    incident = IncidentFactory()
    first = services.incident_update(incident=incident, author=analyst, data={"title": "First"}, version=1)
    assert first.version == 2
    with pytest.raises(services.ConflictError) as excinfo:
        services.incident_update(incident=incident, author=analyst, data={"title": "Second"}, version=1)
    assert excinfo.value.current.title == "First"
    incident.refresh_from_db()
    assert incident.title == "First"


def test_workflow_only_editors_publish_and_retract_needs_a_reason(analyst, editor):
    incident = IncidentFactory()
    services.incident_submit(incident=incident, author=analyst)
    with pytest.raises(PermissionDenied):
        services.incident_publish(incident=incident, editor=analyst)
    published = services.incident_publish(incident=incident, editor=editor)
    assert published.status == "published"
    assert published.published_at is not None
    with pytest.raises(ValidationError):
        services.incident_retract(incident=incident, editor=editor, reason="  ")
    retracted = services.incident_retract(incident=incident, editor=editor, reason="Duplicate of another record")
    assert retracted.status == "retracted"
    assert Incident.objects.filter(pk=incident.pk).exists()  # retracted, never deleted
    with pytest.raises(ValidationError):
        services.incident_submit(incident=incident, author=analyst)


def test_assessment_history_is_kept_and_the_latest_is_current(editor, analyst):
    incident = IncidentFactory()
    claim = ClaimFactory(incident=incident, killed_min=20)
    first = services.assessment_record(
        editor=editor, incident=incident, claims=[claim],
        data={"grade": "weak", "killed_low": 20, "rationale": "One claimant only."},
    )  # fmt: skip
    second = services.assessment_record(
        editor=editor, incident=incident, claims=[claim],
        data={"grade": "contested", "killed_low": 20, "killed_high": 46, "rationale": "Kabul disputes it."},
    )  # fmt: skip
    incident = Incident.objects.get(pk=incident.pk)
    assert list(incident.assessments.order_by("decided_at", "pk")) == [first, second]
    assert incident.current_assessment == second
    with pytest.raises(PermissionDenied):
        services.assessment_record(editor=analyst, incident=incident, claims=[], data={"grade": "fair",
                                                                                       "rationale": "x"})  # fmt: skip


def test_assessment_refuses_claims_of_another_incident(editor):
    incident = IncidentFactory()
    stray = ClaimFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.assessment_record(editor=editor, incident=incident, claims=[stray],
                                   data={"grade": "fair", "rationale": "x"})  # fmt: skip
    assert "claims" in excinfo.value.message_dict


def test_a_point_outside_every_known_area_is_refused_with_the_field_named(analyst, areas):
    swapped = Point(32.7, 69.2, srid=4326)  # latitude and longitude swapped: somewhere in the Arctic
    with pytest.raises(ValidationError) as excinfo:
        services.incident_create(
            author=analyst, data={"title": "Swapped", "kind": "airstrike", "start_date": dt.date(2024, 12, 24),
                                  "location": swapped},
        )  # fmt: skip
    assert "swapped" in excinfo.value.message_dict["location"][0]
    assert not Incident.objects.exists()
    inside = services.incident_create(
        author=analyst, data={"title": "Barmal", "kind": "airstrike", "start_date": dt.date(2024, 12, 24),
                              "location": Point(69.2, 32.7, srid=4326)},
    )  # fmt: skip
    assert inside.pk


def test_cells_are_marked_from_the_incident_as_stored_not_the_callers_stale_copy(analyst, areas):
    from geo.models import Area
    from reports.models import SummaryCell

    stale = IncidentFactory(location=None)
    barmal = Area.objects.get(level="district", name="Barmal")
    Incident.objects.filter(pk=stale.pk).update(district=barmal, province=barmal.parent)  # as the geocoder would
    services.claim_add(author=analyst, incident=stale, data=_claim_data(killed_min=20))
    SummaryCell.objects.all().delete()
    # The second claim turns the contested flag, so the cells the incident counts in are marked.
    services.claim_add(author=analyst, incident=stale, data=_claim_data(killed_min=0, killed_max=2))
    marked = SummaryCell.objects.filter(requested__isnull=False)
    assert set(marked.values_list("area_id", flat=True)) == {barmal.pk, barmal.parent_id}
