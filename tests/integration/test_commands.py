"""``manage.py requeue_pending`` against a real (private) Redis: one summary line, safe to repeat.

These run inside a test transaction, so the ``on_commit`` publish of the save never happens: the incident is
exactly a row whose job never reached a queue (as after a broker outage), which is what the sweep is for.
"""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from incidents import services
from reports.services import cells_mark
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db


def _requeue(older_than: int = 0) -> list[str]:
    out = StringIO()
    call_command("requeue_pending", "--older-than", str(older_than), stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def pending_incident(broker, analyst):
    return services.incident_create(
        author=analyst, data={"title": "Strike", "kind": "airstrike", "start_date": dt.date(2024, 12, 24)}
    )


def test_requeue_pending_puts_lost_jobs_back_on_the_queue(pending_incident, broker):
    assert broker.command("LLEN", "geo") == "0"

    assert _requeue() == ["requeued 1 geocoding jobs; summary cells clean"]
    assert broker.command("LLEN", "geo") == "1"

    # The sweep moved the mark to now: a sweep a minute later leaves the job queued once, not twice.
    pending_incident.refresh_from_db()
    assert pending_incident.geocode_requested > pending_incident.created
    assert _requeue(older_than=60) == ["requeued 0 geocoding jobs; summary cells clean"]
    assert broker.command("LLEN", "geo") == "1"

    # Past the deadline again (the job was lost once more): queued again; the job itself is idempotent.
    assert _requeue() == ["requeued 1 geocoding jobs; summary cells clean"]
    assert broker.command("LLEN", "geo") == "2"


def test_requeue_pending_leaves_the_mark_of_a_job_done_meanwhile(pending_incident, broker):
    from incidents.models import Incident
    from incidents.tasks import _touch

    cutoff = pending_incident.geocode_requested + dt.timedelta(seconds=1)
    Incident.objects.filter(pk=pending_incident.pk).update(geocode_requested=None)  # the worker finished it
    _touch([pending_incident.pk], cutoff)
    pending_incident.refresh_from_db()
    assert pending_incident.geocode_requested is None


def test_requeue_pending_queues_one_recompute_for_stale_summary_cells(broker, db):
    cells_mark([(AreaFactory().pk, "2024-12-01", "strike", "desk")])
    assert _requeue() == ["requeued 0 geocoding jobs; summary cells requeued"]
    assert broker.command("LLEN", "reports") == "1"


def test_requeue_pending_leaves_recent_work_to_the_original_job(pending_incident, broker):
    assert _requeue(older_than=3600) == ["requeued 0 geocoding jobs; summary cells clean"]
    assert broker.command("LLEN", "geo") == "0"


def test_requeue_pending_with_the_broker_down_says_so_and_keeps_the_work_marked(pending_incident, broker):
    broker.stop()
    assert _requeue() == ["broker unreachable: requeued 0 of 1 geocoding jobs; the next sweep retries"]
    pending_incident.refresh_from_db()
    assert pending_incident.geocode_requested is not None


def test_requeue_pending_refuses_a_negative_age(db):
    with pytest.raises(CommandError, match="--older-than must be 0 or more"):
        _requeue(older_than=-5)
