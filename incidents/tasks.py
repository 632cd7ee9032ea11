"""Celery shells over placing incidents. Late-acknowledged, idempotent, one worker per incident at a time.

The task names keep their ``geo.`` prefix: a name is what the broker and the audit trail carry (queued messages,
``pgh_context.task`` in past history rows), and routes the job to the geocoding queue (``config/celery.py``).
"""

import logging
import os
import time

from celery import shared_task
from django.db import OperationalError, transaction

__all__ = ["geocode_incident", "learn_places"]

logger = logging.getLogger(__name__)


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
    from reports.services import cell_keys, cells_mark

    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=incident_id, geocode_requested__isnull=False)
            .first()
        )
        if incident is None:
            return "nothing to do"  # done already, locked by a peer, or gone
        before = cell_keys(incident)
        changed = geocoding.apply(incident)
        incident.geocode_requested = None
        incident.save(update_fields=[*changed, "geocode_requested"])
        if changed:
            cells_mark(set(before) | set(cell_keys(incident)))
        _test_delay(incident_id)
    return f"geocoded {incident_id}: {', '.join(changed) or 'no change'}"


@shared_task(name="geo.learn_places", acks_late=True)
def learn_places() -> str:
    """Nightly: learn the places GeoNames lacks from located published incidents (idempotent, one transaction)."""
    from incidents import learning

    return learning.summary(learning.learn_places())
