"""Celery shells over placing incidents. Late-acknowledged, idempotent, one worker per incident at a time.

The task names keep their ``geo.`` prefix: a name is what the broker and the audit trail carry (queued messages,
``pgh_context.task`` in past history rows), and routes the job to the geocoding queue (``config/celery.py``).
"""

import logging
import os
import time
from copy import copy as copy_of

from celery import shared_task
from django.db import OperationalError, transaction

__all__ = ["geocode_incident", "learn_places", "requeue_geocoding"]

logger = logging.getLogger(__name__)

# One sweep re-queues at most this many incidents; the next sweep (a minute later) takes the rest.
REQUEUE_BATCH = 10000


def _test_delay(incident_id: int) -> None:
    """Test-only hook: hold the job half-way (row locked, nothing committed) for GEOCODE_TEST_DELAY seconds.

    The fault tests use it to kill a worker, or start a second one, while a job is provably in progress.
    Unset (the default, and always in production) it costs one environment lookup.
    """
    delay = float(os.environ.get("GEOCODE_TEST_DELAY") or 0)
    if delay > 0:
        logger.warning("GEOCODE_TEST_DELAY: holding incident %s for %ss before commit", incident_id, delay)
        time.sleep(delay)


@shared_task(name="geo.geocode_incident", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=5)  # fmt: skip
def geocode_incident(incident_id: int) -> str:
    """Place one incident (district, province, precision, mentions) and clear its ``geocode_requested`` mark.

    Guarantees:
    - idempotent: the row is re-read under lock and skipped unless it is still marked, so a job delivered twice
      (sweep + original, or a redelivery after a crash) does the work once;
    - two workers never geocode the same incident at once: ``SKIP LOCKED`` makes the second one return at once;
    - killed half-way, nothing is committed and the mark stays, so the redelivered job (acks_late +
      reject_on_worker_lost) or the sweep finishes it;
    - never overwrites a location a person set by hand (``geocoding.apply``'s rule).
    """
    from incidents import geocoding
    from incidents.models import Incident
    from incidents.signals import incident_changed

    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=incident_id, geocode_requested__isnull=False)
            .first()
        )
        if incident is None:
            return "nothing to do"  # done already, locked by a peer, or gone
        before = copy_of(incident)
        changed = geocoding.apply(incident)
        incident.geocode_requested = None
        incident.save(update_fields=[*changed, "geocode_requested"])
        if changed:
            # Every cell it counted in before and counts in now is touched (``figures_changed``), as ever.
            incident_changed.send(sender=Incident, incident=incident, before=before, figures_changed=True)
        _test_delay(incident_id)
    return f"geocoded {incident_id}: {', '.join(changed) or 'no change'}"


@shared_task(name="geo.learn_places", acks_late=True)
def learn_places() -> str:
    """Nightly: learn the places GeoNames lacks from located published incidents (idempotent, one transaction)."""
    from incidents import learning

    return learning.summary(learning.learn_places())


def requeue_geocoding(cutoff) -> str:
    """This app's part of the sweep (``core.sweeps``, registered in ``IncidentsConfig.ready``): re-queue every
    incident marked for the geocoder before ``cutoff``.

    A job it re-queues has its mark moved to now, so a backlog is re-queued once per deadline, not once per minute.
    If the broker is unreachable, it stops at the first failure and leaves the rest marked for the next run.
    """
    from kombu.exceptions import OperationalError as BrokerError

    from core.sweeps import BrokerUnreachable
    from incidents.models import Incident

    pending = Incident.objects.filter(geocode_requested__lt=cutoff).order_by("geocode_requested")
    incident_ids = list(pending.values_list("pk", flat=True)[:REQUEUE_BATCH])
    queued = 0
    try:
        for pk in incident_ids:
            geocode_incident.delay(pk)
            queued += 1
    except BrokerError as exc:
        _touch(incident_ids[:queued], cutoff)
        logger.warning("requeue_pending: broker unreachable after %d of %d jobs: %s", queued, len(incident_ids), exc)
        raise BrokerUnreachable(f"requeued {queued} of {len(incident_ids)} geocoding jobs") from exc
    _touch(incident_ids, cutoff)
    return f"requeued {queued} geocoding jobs"


def _touch(incident_ids: list[int], cutoff) -> None:
    """Move the mark of the jobs just queued to now. A job that finished meanwhile (mark cleared) or an edit that
    re-marked the incident (mark newer than the cutoff) is left alone: PostgreSQL re-checks the condition."""
    from django.utils import timezone

    from incidents.models import Incident

    if incident_ids:
        Incident.objects.filter(pk__in=incident_ids, geocode_requested__lt=cutoff).update(
            geocode_requested=timezone.now()
        )
