"""The Celery task base (audit context for worker writes) and the sweep that re-queues pending work."""

import logging
from datetime import timedelta

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from core.audit import audit_context

__all__ = ["AuditedTask", "requeue_pending"]

logger = logging.getLogger(__name__)

# One sweep re-queues at most this many incidents; the next sweep (a minute later) takes the rest.
REQUEUE_BATCH = 10000


class AuditedTask(Task):
    """Every write a task makes is attributed to the task's name and id in the audit trail."""

    def __call__(self, *args, **kwargs):
        with audit_context(task=self.name, task_id=self.request.id or "eager"):
            return super().__call__(*args, **kwargs)


@shared_task(name="core.requeue_pending")
def requeue_pending(deadline_seconds: int | None = None) -> str:
    """Re-queue every job whose marker is older than the deadline (broker outage, killed worker, lost message).

    The guarantee that no job is lost lives in the data (``*_requested`` columns), not in the queue: beat runs
    this every minute. Re-queueing a job that is merely slow is harmless, since jobs are idempotent. A job it
    re-queues has its mark moved to now, so a backlog is re-queued once per deadline, not once per minute. If the
    broker is unreachable, the sweep stops at the first failure and leaves the rest marked for the next run.
    """
    from incidents.models import Incident
    from incidents.tasks import geocode_incident
    from reports.models import SummaryCell
    from reports.tasks import recompute_pending_cells

    if deadline_seconds is None:
        deadline_seconds = settings.PENDING_WORK_DEADLINE_SECONDS
    cutoff = timezone.now() - timedelta(seconds=deadline_seconds)
    pending = Incident.objects.filter(geocode_requested__lt=cutoff).order_by("geocode_requested")
    incident_ids = list(pending.values_list("pk", flat=True)[:REQUEUE_BATCH])
    stale_cells = SummaryCell.objects.filter(requested__lt=cutoff).exists()
    queued = 0
    try:
        for pk in incident_ids:
            geocode_incident.delay(pk)
            queued += 1
        if stale_cells:
            recompute_pending_cells.delay()
    except BrokerError as exc:
        _touch(incident_ids[:queued], cutoff)
        logger.warning("requeue_pending: broker unreachable after %d of %d jobs: %s", queued, len(incident_ids), exc)
        return f"broker unreachable: requeued {queued} of {len(incident_ids)} geocoding jobs; the next sweep retries"
    _touch(incident_ids, cutoff)
    return f"requeued {queued} geocoding jobs; summary cells {'requeued' if stale_cells else 'clean'}"


def _touch(incident_ids: list[int], cutoff) -> None:
    """Move the mark of the jobs just queued to now. A job that finished meanwhile (mark cleared) or an edit that
    re-marked the incident (mark newer than the cutoff) is left alone: PostgreSQL re-checks the condition."""
    from incidents.models import Incident

    if incident_ids:
        Incident.objects.filter(pk__in=incident_ids, geocode_requested__lt=cutoff).update(
            geocode_requested=timezone.now()
        )
