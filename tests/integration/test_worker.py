"""The pipeline end to end, with a real Celery worker, a real (private) Redis and the real test database.

save → commit → on_commit queues ``geo.geocode_incident`` → a worker process places the incident; and the faults
the issue names: broker down during the save, broker hung, worker killed mid-job, the same job twice.
"""

import datetime as dt
import os
import re
import signal
import threading
import time

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from pghistory.models import Events

from core.tasks import requeue_pending
from geo.choices import AreaLevel, GeoPrecision
from geo.models import Area
from incidents import services
from incidents.models import Incident, Mention
from incidents.tasks import geocode_incident
from reports import summaries
from reports.models import Scope
from tests.factories import ActorFactory, SourceFactory
from tests.integration.conftest import wait_for
from tests.reports.cells import cell, cell_table, pending_cells

# A point inside Barmal district, Paktika province (checked against the boundary files by the first test).
BARMAL_POINT = (69.2, 32.7)


@pytest.fixture
def barmal(areas):
    district = Area.objects.select_related("parent").get(level=AreaLevel.DISTRICT, name="Barmal")
    assert district.parent.name == "Paktika"
    assert district.boundary.covers(Point(*BARMAL_POINT, srid=4326))
    return district


def _create(author, **data) -> Incident:
    return services.incident_create(
        author=author,
        data={"title": "Airstrikes on Barmal district, Paktika", "kind": "airstrike",
              "start_date": dt.date(2024, 12, 24), "location": Point(*BARMAL_POINT, srid=4326), **data},
    )  # fmt: skip


def _geocoded(pk: int) -> Incident | None:
    incident = Incident.objects.select_related("district", "province").get(pk=pk)
    return incident if incident.geocode_requested is None else None


def _wait_geocoded(pk: int) -> Incident:
    return wait_for(lambda: _geocoded(pk), what=f"incident {pk} to be geocoded")


def _holding(worker, pk: int) -> int:
    """How many times a worker has reached the middle of this incident's job (the test-only delay hook)."""
    return worker.output().count(f"GEOCODE_TEST_DELAY: holding incident {pk} ")


@pytest.mark.worker
def test_saved_incident_is_placed_by_a_real_worker_after_commit(start_worker, barmal, analyst):
    start_worker()
    incident = _create(analyst)
    assert incident.geocode_requested is not None
    assert incident.district is None

    done = _wait_geocoded(incident.pk)

    assert done.district == barmal
    assert done.province == barmal.parent
    assert done.geo_precision == GeoPrecision.EXACT  # the analyst typed the point


@pytest.mark.worker
def test_a_worker_write_is_audited_with_the_task_name_and_id(start_worker, barmal, analyst):
    start_worker()
    incident = _create(analyst)
    _wait_geocoded(incident.pk)

    by_task = [
        event for event in Events.objects.tracks(incident).order_by("pgh_created_at")
        if (event.pgh_context or {}).get("task") == "geo.geocode_incident"
    ]  # fmt: skip
    assert len(by_task) == 1
    event = by_task[0]
    assert re.fullmatch(r"[0-9a-f-]{36}", event.pgh_context["task_id"])  # the Celery task id, not "eager"
    assert event.pgh_diff["district_id"] == [None, barmal.pk]
    assert event.pgh_diff["geocode_requested"][1] is None


@pytest.mark.worker
def test_save_succeeds_with_the_broker_down_and_the_sweep_finishes_the_job_once_it_is_back(
    start_worker, broker, barmal, analyst
):
    worker = start_worker(PENDING_WORK_DEADLINE_SECONDS="0")
    broker.stop()

    incident = _create(analyst)  # on_commit(robust=True): the publish fails, is logged, and the save stands

    saved = Incident.objects.get(pk=incident.pk)
    assert saved.geocode_requested is not None
    assert saved.district is None

    broker.start()  # an empty broker: whatever was queued before the outage is gone, as after a crash
    requeue_pending.delay()  # what beat sends every minute; the worker runs the sweep, which re-queues the job

    done = _wait_geocoded(incident.pk)
    assert done.district == barmal
    wait_for(lambda: "requeued 1 geocoding jobs" in worker.output(), what="the sweep to report the job")


def test_a_hung_broker_does_not_hang_the_save(transactional_db, broker, barmal, analyst):
    """A broker that accepts connections but never answers: the save returns (bounded by the socket timeout)."""
    broker.pause()
    result = {}

    def save():
        started = time.monotonic()
        try:
            result["incident"] = _create(analyst)
        finally:
            result["seconds"] = time.monotonic() - started
            connection.close()  # this thread's own database connection

    thread = threading.Thread(target=save, daemon=True)
    try:
        thread.start()
        thread.join(timeout=60)  # a test deadline: without a socket timeout the publish would wait forever
        assert not thread.is_alive(), "the save hung on a paused broker"
    finally:
        broker.resume()
    print(f"save with a hung broker returned after {result['seconds']:.1f}s")
    saved = Incident.objects.get(pk=result["incident"].pk)
    assert saved.geocode_requested is not None  # left for the sweep


@pytest.mark.worker
def test_a_job_whose_worker_is_killed_mid_way_is_redelivered_to_a_restarted_worker(
    start_worker, broker, barmal, analyst
):
    first = start_worker("w1", GEOCODE_TEST_DELAY="60")
    incident = _create(analyst)
    wait_for(lambda: _holding(first, incident.pk), what="the job to be half-way")

    first.kill()  # SIGKILL, children included: no graceful shutdown hands the message back

    pending = Incident.objects.get(pk=incident.pk)
    assert pending.geocode_requested is not None
    assert pending.district is None
    assert broker.command("HLEN", "unacked") == "1"  # late ack: the broker still holds the message

    # The restarted worker takes unacknowledged messages back after the visibility timeout (1 s here, 1 h live).
    second = start_worker("w2", CELERY_VISIBILITY_TIMEOUT="1", CELERY_UNACKED_RESTORE_INTERVAL="1")
    done = _wait_geocoded(incident.pk)
    assert done.district == barmal
    # The job was done by the restarted worker (its log line follows the commit, so wait for it).
    wait_for(lambda: f"geocoded {incident.pk}" in second.output(), what="w2 to report the job")


@pytest.mark.worker
def test_a_job_whose_pool_process_is_killed_mid_way_is_rerun_by_the_same_worker(start_worker, barmal, analyst):
    worker = start_worker(GEOCODE_TEST_DELAY="3")  # the visibility timeout stays at 1 h: only a reject can requeue
    incident = _create(analyst)
    wait_for(lambda: _holding(worker, incident.pk), what="the job to be half-way")
    for pid in worker.pool_children():
        os.kill(pid, signal.SIGKILL)  # what the OOM killer does

    done = _wait_geocoded(incident.pk)
    assert done.district == barmal
    assert "WorkerLostError" in worker.output()
    assert _holding(worker, incident.pk) == 2  # reject_on_worker_lost put it back; a new pool process re-ran it


@pytest.mark.worker
def test_the_same_job_twice_geocodes_once_and_leaves_one_set_of_mentions(start_worker, barmal, analyst):
    # Two workers, each holding the row for a moment: both receive the job at once, only one may do it.
    first = start_worker("w1", GEOCODE_TEST_DELAY="1.5", wait=False)
    second = start_worker("w2", GEOCODE_TEST_DELAY="1.5", wait=False)
    first.wait_ready()
    second.wait_ready()
    incident = _create(analyst)
    geocode_incident.delay(incident.pk)  # the duplicate (as the sweep would send for a slow job)

    _wait_geocoded(incident.pk)
    output = lambda: first.output() + second.output()  # noqa: E731
    wait_for(lambda: _finished_jobs(output()) == 2, what="both deliveries to finish")
    assert output().count(f"geocoded {incident.pk}") == 1
    assert output().count("nothing to do") == 1
    worker_events = [e for e in Events.objects.tracks(incident) if (e.pgh_context or {}).get("task")]
    assert len(worker_events) == 1

    mentions = _mention_keys(incident)
    assert mentions  # the point-in-polygon mention at least

    # A second request for the same incident, delivered twice again: the same mentions, not a second set.
    Incident.objects.filter(pk=incident.pk).update(geocode_requested=dt.datetime.now(tz=dt.UTC))
    geocode_incident.delay(incident.pk)
    geocode_incident.delay(incident.pk)
    _wait_geocoded(incident.pk)
    wait_for(lambda: _finished_jobs(output()) == 4, what="the second pair to finish")
    assert _mention_keys(incident) == mentions


def _finished_jobs(log: str) -> int:
    return len(re.findall(r"Task geo\.geocode_incident\[[0-9a-f-]+\] succeeded", log))


def _mention_keys(incident):
    return sorted(
        Mention.objects.filter(incident=incident).values_list("field", "start", "end", "area_id", "place_id", "method")
    )


@pytest.mark.worker
def test_edits_mark_summary_cells_and_the_worker_recomputes_them_without_leaking_drafts(
    start_worker, barmal, analyst, editor
):
    start_worker()
    published = _create(analyst, title="Published strike")
    draft = _create(analyst, title="Draft strike")
    restricted = _create(analyst, title="Restricted strike", sensitivity="restricted")
    # The geocoder's write marks the cells of the district it found. Reloaded afterwards, as a view would.
    published, draft, restricted = (_wait_geocoded(incident.pk) for incident in (published, draft, restricted))
    published = services.incident_publish(incident=published, editor=editor)
    services.incident_publish(incident=restricted, editor=editor)
    claim = services.claim_add(
        author=analyst, incident=published,
        data={"claimant": ActorFactory(), "source": SourceFactory(), "claimed_on": dt.date(2024, 12, 25),
              "killed_min": 20},
    )  # fmt: skip
    services.assessment_record(
        editor=editor, incident=published, claims=[claim],
        data={"grade": "fair", "rationale": "One claim, consistent reporting.", "killed_low": 5, "killed_best": 8,
              "killed_high": 20},
    )  # fmt: skip
    services.assessment_record(
        editor=editor, incident=draft, claims=[],
        data={"grade": "weak", "rationale": "Unverified.", "killed_low": 100},
    )  # fmt: skip

    # Every edit above marked cells in its own transaction; the worker clears the marks as it recomputes.
    wait_for(lambda: pending_cells() == 0 and cell(barmal, Scope.PUBLIC), what="the worker to recompute the cells")
    for area in (barmal, barmal.parent):
        public, desk = cell(area, Scope.PUBLIC), cell(area, Scope.DESK)
        assert (public["incident_count"], public["killed_best"], public["killed_high"]) == (1, 8, 20)
        assert (desk["incident_count"], desk["killed_best"], desk["killed_high"]) == (2, 108, 120)  # not restricted

    incremental = cell_table()
    summaries.rebuild_all()
    assert cell_table() == incremental  # what the worker built edit by edit is what a full rebuild gives
