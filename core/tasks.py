"""The Celery task base (audit context for worker writes) and the sweep that re-queues pending work."""

from datetime import timedelta

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from core.audit import audit_context

__all__ = ["AuditedTask", "requeue_pending"]


class AuditedTask(Task):
    """Every write a task makes is attributed to the task's name and id in the audit trail."""

    def __call__(self, *args, **kwargs):
        with audit_context(task=self.name, task_id=self.request.id or "eager"):
            return super().__call__(*args, **kwargs)


@shared_task(name="core.requeue_pending")
def requeue_pending() -> str:
    """Re-queue every job whose marker is older than the deadline (broker outage, killed worker)."""
    from geo.tasks import geocode_incident
    from incidents.models import Incident
    from reports.models import SummaryCell
    from reports.tasks import recompute_pending_cells

    cutoff = timezone.now() - timedelta(seconds=settings.PENDING_WORK_DEADLINE_SECONDS)
    pending = Incident.objects.filter(geocode_requested__lt=cutoff).order_by("geocode_requested")
    incident_ids = list(pending.values_list("pk", flat=True)[:10000])
    for pk in incident_ids:
        geocode_incident.delay(pk)
    stale_cells = SummaryCell.objects.filter(requested__lt=cutoff).exists()
    if stale_cells:
        recompute_pending_cells.delay()
    return f"requeued {len(incident_ids)} geocoding jobs; summary cells {'pending' if stale_cells else 'clean'}"
