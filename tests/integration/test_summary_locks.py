"""Recomputing summary cells next to edits in progress: real row locks in two PostgreSQL sessions."""

import datetime as dt

import psycopg
import pytest
from django.db import connection

from geo.choices import AreaLevel
from geo.models import Area
from incidents import services
from reports.models import Scope, SummaryCell
from reports.tasks import recompute_pending_cells
from tests.reports.cells import cell, pending_cells


@pytest.fixture
def barmal(areas):
    return Area.objects.select_related("parent").get(level=AreaLevel.DISTRICT, name="Barmal")


def test_recompute_skips_a_cell_an_edit_is_marking_instead_of_waiting_for_it(transactional_db, broker, barmal, users):
    """A save marking a cell holds its row: the recompute skips that cell (never waits, so never deadlocks)."""
    editor = users["editor"]
    incident = services.incident_create(
        author=users["analyst"],
        data={"title": "Strike", "kind": "airstrike", "start_date": dt.date(2024, 12, 24), "district": barmal,
              "province": barmal.parent},
    )  # fmt: skip
    services.incident_publish(incident=incident, editor=editor)
    broker.command("FLUSHALL")  # drop the jobs those saves queued: this test runs the recompute by hand
    busy = SummaryCell.objects.get(area=barmal, month="2024-12-01", category="strike", scope=Scope.PUBLIC)

    params = {key: value for key, value in connection.get_connection_params().items() if key != "cursor_factory"}
    with psycopg.connect(**params) as edit, edit.transaction():
        # Another session (an edit in progress) holds one row of the district's cell.
        edit.execute("SELECT 1 FROM reports_summarycell WHERE id = %s FOR UPDATE", [busy.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")  # a test deadline: waiting here would be the bug
            try:
                summary = recompute_pending_cells()
            finally:
                cursor.execute("RESET lock_timeout")

    assert summary == "recomputed 1 cells (some busy, requeued)"
    assert all(c.requested is not None for c in SummaryCell.objects.filter(area=barmal))  # both scopes left
    assert cell(barmal.parent, Scope.PUBLIC)["incident_count"] == 1  # the free cell was done
    assert broker.command("LLEN", "reports") == "1"  # the follow-up run, queued on commit

    recompute_pending_cells()  # the edit has finished: now the cell goes through
    assert cell(barmal, Scope.PUBLIC)["incident_count"] == 1
    assert pending_cells() == 0
