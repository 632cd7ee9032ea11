"""Summary cells against real PostGIS, without a worker: the SQL, the marking, the task body, the command."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from geo.choices import AreaLevel
from geo.models import Area
from incidents import services
from reports import summaries
from reports.models import Scope, SummaryCell
from reports.services import cell_keys, cells_mark
from reports.tasks import recompute_pending_cells
from tests.factories import ActorFactory, SourceFactory
from tests.reports.cells import cell, cell_table, pending_cells

pytestmark = pytest.mark.django_db

DEC, JAN = "2024-12-01", "2025-01-01"


@pytest.fixture
def place(areas):
    """``place("Barmal")`` → the district and its province, as incident data."""

    def _place(district_name: str) -> dict:
        district = Area.objects.select_related("parent").get(level=AreaLevel.DISTRICT, name=district_name)
        return {"district": district, "province": district.parent}

    return _place


@pytest.fixture
def make(analyst, editor, place):
    """``make(district, published=..., restricted=..., killed=(low, best, high), **data)`` through the services."""

    def _make(district="Barmal", *, published=False, restricted=False, killed=None, civilians=None, **data):
        incident = services.incident_create(
            author=analyst,
            data={"title": f"Strike in {district}", "kind": "airstrike", "start_date": dt.date(2024, 12, 24),
                  "sensitivity": "restricted" if restricted else "public", **place(district), **data},
        )  # fmt: skip
        if killed or civilians:
            figures = {}
            for name, values in (("killed", killed), ("civilians", civilians)):
                if values:
                    figures.update(zip((f"{name}_low", f"{name}_best", f"{name}_high"), values, strict=True))
            services.assessment_record(
                editor=editor, incident=incident, claims=[],
                data={"grade": "fair", "rationale": "Two independent reports agree.", **figures},
            )  # fmt: skip
        if published:
            incident = services.incident_publish(incident=incident, editor=editor)
        return incident

    return _make


def test_cell_keys_are_the_district_and_province_cells_of_the_incident_month(make, place):
    incident = make("Barmal", start_date=dt.date(2024, 12, 24))
    barmal = place("Barmal")
    # A draft counts in the desk's scope only; published, in both; restricted, in none.
    assert sorted(cell_keys(incident)) == sorted(
        [(barmal["district"].pk, DEC, "strike", Scope.DESK), (barmal["province"].pk, DEC, "strike", Scope.DESK)]
    )
    published = make("Barmal", start_date=dt.date(2024, 12, 24), published=True)
    assert {key[3] for key in cell_keys(published)} == {Scope.DESK, Scope.PUBLIC}
    assert cell_keys(make("Barmal", restricted=True, published=True)) == []


def test_cells_mark_marks_only_the_scopes_it_is_given(place):
    barmal = place("Barmal")["district"]
    cells_mark([(barmal.pk, DEC, "strike", Scope.DESK)])
    marked = SummaryCell.objects.filter(area=barmal, month=DEC, category="strike")
    assert list(marked.values_list("scope", flat=True)) == [Scope.DESK]
    assert all(c.requested is not None for c in marked)


def test_public_scope_counts_only_published_public_incidents_and_desk_counts_drafts(make, editor, place):
    make("Barmal", published=True, killed=(5, 8, 20))
    make("Barmal", killed=(100, 100, 100))  # a draft
    make("Barmal", published=True, restricted=True, killed=(1000, 1000, 1000))  # published but restricted
    make("Barmal", published=True, killed=(3, 3, 3))
    retracted = make("Barmal", published=True, killed=(7, 7, 7))
    services.incident_retract(incident=retracted, editor=editor, reason="Duplicate report.")

    recompute_pending_cells()

    barmal = place("Barmal")
    for area in (barmal["district"], barmal["province"]):
        public, desk = cell(area, Scope.PUBLIC), cell(area, Scope.DESK)
        assert (public["incident_count"], public["killed_best"]) == (2, 11)  # never the draft or the restricted one
        # Every live public incident, drafts included; never the retracted one, nor the restricted one, since
        # analysts read desk cells and must not count what they may not open.
        assert (desk["incident_count"], desk["killed_best"]) == (3, 111)
        assert (desk["killed_low"], desk["killed_high"]) == (108, 123)
    assert pending_cells() == 0


def test_figures_come_from_the_latest_assessment_and_fill_missing_ends(make, editor, place):
    incident = make("Barmal", killed=(50, 60, 70))
    services.assessment_record(
        editor=editor, incident=incident, claims=[],
        data={"grade": "weak", "rationale": "Revised down.", "killed_low": 10, "civilians_low": 2},
    )  # fmt: skip
    recompute_pending_cells()

    desk = cell(place("Barmal")["district"], Scope.DESK)
    # Only a low end known: best and high are taken to be the low end, never an older assessment's figures.
    assert (desk["killed_low"], desk["killed_best"], desk["killed_high"]) == (10, 10, 10)
    assert (desk["civilians_low"], desk["civilians_best"], desk["civilians_high"]) == (2, 2, 2)


def test_an_incident_without_assessment_counts_with_zero_figures(make, place):
    make("Barmal")
    recompute_pending_cells()
    desk = cell(place("Barmal")["district"], Scope.DESK)
    assert desk["incident_count"] == 1
    assert (desk["killed_low"], desk["killed_best"], desk["killed_high"]) == (0, 0, 0)


def test_contested_incidents_are_counted_as_such(make, analyst, place):
    incident = make("Barmal", published=True)
    for claim in ({"killed_min": 20}, {"killed_max": 0, "killed_min": 0, "denied": ["killed"]}):
        services.claim_add(
            author=analyst, incident=incident,
            data={"claimant": ActorFactory(), "source": SourceFactory(), "claimed_on": dt.date(2024, 12, 25), **claim},
        )  # fmt: skip
    recompute_pending_cells()
    assert cell(place("Barmal")["district"], Scope.PUBLIC)["contested_count"] == 1


def test_moving_an_incident_recomputes_the_cell_it_left(make, editor, place):
    incident = make("Barmal", published=True, killed=(4, 4, 4))
    recompute_pending_cells()
    assert cell(place("Barmal")["district"], Scope.PUBLIC)["incident_count"] == 1

    services.incident_update(incident=incident, author=editor, data=place("Spira"), version=incident.version)
    recompute_pending_cells()

    # Deleted: a cell exists only while an incident backs it (an empty cell could stand for hidden work).
    assert cell(place("Barmal")["district"], Scope.PUBLIC) == {}
    assert cell(place("Barmal")["province"], Scope.PUBLIC) == {}
    assert cell(place("Spira")["district"], Scope.PUBLIC)["incident_count"] == 1
    assert cell(place("Spira")["province"], Scope.PUBLIC)["killed_best"] == 4  # Khost


def test_a_cell_whose_figures_stand_keeps_its_computed_at(make, editor, place):
    """Marked by an incident published and retracted before the worker ran: recomputed, the cell's figures stand,
    and so does its computed_at (README, "Roles"): nothing tells partners the incident existed."""
    make("Barmal", published=True, killed=(5, 5, 5))
    recompute_pending_cells()
    old = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    SummaryCell.objects.update(computed_at=old)
    figures = cell_table()
    gone = make("Barmal", published=True, killed=(9, 9, 9))
    services.incident_retract(incident=gone, editor=editor, reason="Not an incident.")
    assert pending_cells() > 0

    recompute_pending_cells()
    cells_mark(list(figures))
    summaries.rebuild_all()

    assert cell_table() == figures
    assert set(SummaryCell.objects.values_list("computed_at", flat=True)) == {old}
    assert pending_cells() == 0
    # Figures that move do get a new computed_at.
    make("Barmal", published=True, killed=(1, 1, 1))
    recompute_pending_cells()
    district = SummaryCell.objects.get(area=place("Barmal")["district"], scope=Scope.PUBLIC)
    assert (district.incident_count, district.computed_at > old) == (2, True)


def test_recompute_pending_cells_twice_gives_the_same_cells(make):
    make("Barmal", published=True, killed=(5, 8, 20))
    make("Urgun", killed=(1, 2, 3), kind="ied")
    recompute_pending_cells()
    first = cell_table()
    # Mark everything again and recompute: the same figures, nothing pending.
    cells_mark(list(first))
    recompute_pending_cells()
    assert cell_table() == first
    assert recompute_pending_cells() == "recomputed 0 cells"
    assert cell_table() == first


def test_rebuild_all_equals_the_incremental_cells(make, analyst, editor, place):
    make("Barmal", published=True, killed=(5, 8, 20), civilians=(1, 2, 4))
    make("Barmal", killed=(100, 100, 100))
    make("Urgun", published=True, kind="ied", killed=(2, 2, 2))
    make("Spira", published=True, restricted=True, start_date=dt.date(2025, 1, 3), killed=(9, 9, 9))
    moved = make("Urgun", published=True, killed=(3, 3, 3))
    services.incident_update(incident=moved, author=editor, data=place("Spira"), version=moved.version)
    gone = make("Spira", published=True, start_date=dt.date(2025, 1, 9))
    services.incident_retract(incident=gone, editor=editor, reason="Not an incident.")
    recompute_pending_cells()
    incremental = cell_table()
    assert len(incremental) > 8

    rebuilt = summaries.rebuild_all()

    assert rebuilt == len(incremental)
    assert cell_table() == incremental
    assert pending_cells() == 0


def test_rebuild_all_deletes_cells_nothing_counts_in_any_more(make, editor, place):
    incident = make("Barmal", published=True, killed=(5, 5, 5))
    summaries.rebuild_all()
    SummaryCell.objects.update(requested=None)
    # Retracted with no worker around to recompute: the nightly rebuild catches it.
    services.incident_retract(incident=incident, editor=editor, reason="Retracted.")
    summaries.rebuild_all()
    assert cell(place("Barmal")["district"], Scope.DESK) == {}
    assert cell(place("Barmal")["district"], Scope.PUBLIC) == {}


def test_a_full_batch_queues_the_next_one_after_commit(make, django_capture_on_commit_callbacks):
    make("Barmal", published=True)  # (district + province) × 2 scopes
    make("Spira")  # a draft: (district + province) × the desk's scope
    assert pending_cells() == 6
    with django_capture_on_commit_callbacks() as callbacks:
        recompute_pending_cells(limit=3)
    assert 0 < pending_cells() < 6
    # Whole cells (every scope of an area × month × category) are recomputed, never one scope alone.
    for area_id, month, category in SummaryCell.objects.filter(requested__isnull=False).values_list(
        "area_id", "month", "category"
    ):
        rows = SummaryCell.objects.filter(area_id=area_id, month=month, category=category)
        assert not rows.filter(requested__isnull=True).exists()
    assert len(callbacks) == 1  # the follow-up batch (not run here: no broker in unit tests)
    with django_capture_on_commit_callbacks() as callbacks:
        recompute_pending_cells(limit=100)
    assert pending_cells() == 0
    assert callbacks == []


def test_rebuild_summaries_command_prints_one_line_and_is_idempotent(make):
    make("Barmal", published=True, killed=(5, 8, 20))
    out = StringIO()
    call_command("rebuild_summaries", stdout=out)
    first = cell_table()
    call_command("rebuild_summaries", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == ["rebuilt 4 summary cells", "rebuilt 4 summary cells"]
    assert cell_table() == first
