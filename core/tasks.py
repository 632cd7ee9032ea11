"""The Celery task base (audit context for worker writes) and the sweep that re-queues pending work."""

from datetime import timedelta

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from core import sweeps
from core.audit import audit_context

__all__ = ["AuditedTask", "requeue_pending"]


class AuditedTask(Task):
    """Every write a task makes is attributed to the task's name and id in the audit trail."""

    def __call__(self, *args, **kwargs):
        with audit_context(task=self.name, task_id=self.request.id or "eager"):
            return super().__call__(*args, **kwargs)


@shared_task(name="core.requeue_pending")
def requeue_pending(deadline_seconds: int | None = None) -> str:
    """Re-queue every job whose mark is older than the deadline (broker outage, killed worker, lost message).

    Beat runs this every minute; it runs each app's sweep (``core.sweeps``). Re-queueing a job that is merely slow
    is harmless, since jobs are idempotent.
    """
    if deadline_seconds is None:
        deadline_seconds = settings.PENDING_WORK_DEADLINE_SECONDS
    return sweeps.run(timezone.now() - timedelta(seconds=deadline_seconds))
